/**
 * Read-only mode (ZooKeeper's `readonlymode.enabled`): a member without a leader/quorum keeps serving clients
 * whose ConnectRequest asked for readOnly. It runs a @zkts/core server in the "read-only" role over a *copy* of
 * its last applied state (so ZAB's database is never touched: sessions and their txns stay local to the copy);
 * the core answers writes and sync with NOTREADONLY (-119), marks the ConnectResponse readOnly and refuses
 * clients that did not ask for readOnly. ZooKeeper starts it max(2000, tickTime) ms after the member started
 * looking; it ends when the member serves again.
 */
import type { Logger, ServerConnection } from "@zkts/contracts";
import type { ZooKeeperServer } from "@zkts/core";
import type { DataTree } from "@zkts/datatree";
import { copyTreeThroughSnapshot } from "@zkts/persistence";

/** A copy of `src` (nodes, ACLs, zxid) through the snapshot format; `time` stamps the snapshot header. */
export async function copyTree(src: DataTree, make: () => DataTree, time: number): Promise<DataTree> {
  const t = make();
  await copyTreeThroughSnapshot(src, t, { time });
  return t;
}

export class ReadOnlyServer {
  private readonly conns = new Set<number>();
  constructor(
    readonly core: ZooKeeperServer,
    private readonly log: Logger,
  ) {}

  handleConnect(conn: ServerConnection, payload: Buffer): void {
    this.conns.add(conn.id);
    this.core.handleConnect(conn, payload);
  }

  handlePacket(conn: ServerConnection, payload: Buffer): void {
    this.core.handlePacket(conn, payload);
  }

  connectionClosed(conn: ServerConnection): void {
    this.conns.delete(conn.id);
    this.core.connectionClosed(conn);
  }

  stop(reason: string): void {
    this.log.info("read-only mode ends", { reason, clients: this.conns.size });
    this.core.abort(reason);
  }
}
