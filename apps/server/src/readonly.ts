/**
 * Read-only mode (ZooKeeper's `readonlymode.enabled`): a member without a leader/quorum keeps serving clients
 * whose ConnectRequest asked for readOnly. It runs a standalone @zkts/core server over a *copy* of its last
 * applied state (so ZAB's database is never touched: sessions and their txns stay local to the copy), answers
 * writes and sync with NOTREADONLY (-119) and marks the ConnectResponse readOnly. ZooKeeper starts it
 * max(2000, tickTime) ms after the member started looking; it ends when the member serves again.
 */
import { ZooKeeperServer, type Logger, type ServerConnection } from "@zkts/core";
import { DataTree } from "@zkts/datatree";
import { decodeConnectRequest, ErrorCode, opInfo } from "@zkts/client-wire";
import { encode, ReplyHeader } from "@zkts/jute";
import { loadSnapshot, MemoryStorage, snapshotTree } from "@zkts/persistence";
import type { ZkConfig } from "./config.js";

/** Whether zoo.cfg (kept as a system property) or SERVER_JVMFLAGS/JVMFLAGS enable read-only mode. */
export function readOnlyModeEnabled(cfg: ZkConfig, env: NodeJS.ProcessEnv = process.env): boolean {
  const v = cfg.systemProperties["zookeeper.readonlymode.enabled"] ?? cfg.systemProperties["readonlymode.enabled"];
  if (v !== undefined) return v.trim() === "true";
  for (const flags of [env.SERVER_JVMFLAGS, env.JVMFLAGS]) {
    const m = /(?:^|\s)-Dreadonlymode\.enabled=(\S+)/.exec(flags ?? "");
    if (m) return m[1] === "true";
  }
  return false;
}

/** A copy of `src` (nodes, ACLs, zxid) through the snapshot format. */
export async function copyTree(src: DataTree, make: () => DataTree): Promise<DataTree> {
  const mem = new MemoryStorage();
  await mem.mkdirp("/s/version-2");
  const info = await snapshotTree(mem, "/s", src, new Map(), { time: Date.now() });
  const t = make();
  await loadSnapshot(mem, info.path, t, src.lastProcessedZxid);
  return t;
}

/** The client-port side of one read-only period. */
export class ReadOnlyServer {
  private readonly conns = new Set<number>();
  constructor(
    readonly core: ZooKeeperServer,
    private readonly tree: DataTree,
    private readonly log: Logger,
  ) {}

  handleConnect(conn: ServerConnection, payload: Buffer): void {
    let readOnly = false;
    try {
      readOnly = decodeConnectRequest(payload, { allowTrailing: true }).readOnly;
    } catch {
      /* the core reports malformed requests */
    }
    if (!readOnly) {
      conn.close("not serving: this member has no leader/quorum (read-only mode: client did not ask for readOnly)");
      return;
    }
    this.conns.add(conn.id);
    // The first packet the core sends is the ConnectResponse: its last byte is the readOnly flag.
    let first = true;
    const mark = (b: Buffer): Buffer => {
      if (!first) return b;
      first = false;
      const c = Buffer.from(b);
      c[c.length - 1] = 1;
      return c;
    };
    const wrapped: ServerConnection = {
      id: conn.id,
      remoteAddress: conn.remoteAddress,
      remotePort: conn.remotePort,
      send: (p) => conn.send(mark(p)),
      close: (r) => conn.close(r),
      ...(conn.sendFramed !== undefined ? { sendFramed: (f: Buffer) => conn.sendFramed!(mark(f)) } : {}),
    };
    this.core.handleConnect(wrapped, payload);
  }

  handlePacket(conn: ServerConnection, payload: Buffer): void {
    if (payload.length >= 8) {
      const xid = payload.readInt32BE(0);
      const type = payload.readInt32BE(4);
      // ZooKeeper's ReadOnlyRequestProcessor: these get NOTREADONLY (the opcode table's readOnlyRefused column).
      if (opInfo(type).readOnlyRefused) {
        conn.send(encode(ReplyHeader, { xid, zxid: this.tree.lastProcessedZxid, err: ErrorCode.NOTREADONLY }, 16));
        return;
      }
    }
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
