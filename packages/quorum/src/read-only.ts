/**
 * Read-only mode (ZooKeeper's `readonlymode.enabled`): a member without a leader/quorum keeps serving clients
 * whose ConnectRequest asked for readOnly. It runs a @zkts/core server in the "read-only" role over a *copy* of
 * its last applied state (so ZAB's database is never touched: sessions and their txns stay local to the copy);
 * the core answers writes and sync with NOTREADONLY (-119), marks the ConnectResponse readOnly and refuses
 * clients that did not ask for readOnly. ZooKeeper starts it max(2000, tickTime) ms after the member started
 * looking; it ends when the member serves again.
 */
import type { Clock, Logger, ServerConnection, TimerHandle } from "@zkts/contracts";
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

/**
 * A member's read-only mode: `schedule()` on entering LOOKING starts a read-only server `delayMs` later over a copy
 * of the tree (unless `canStart()` says no by then: serving again, shutting down); `stop()` ends it or cancels it.
 */
export class ReadOnlyMode {
  private current: ReadOnlyServer | undefined;
  private gen = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly opts: {
      clock: Clock;
      logger: Logger;
      delayMs: number;
      /** The member's applied tree (copied when the mode starts). */
      source: DataTree;
      makeTree: () => DataTree;
      /** A core in the read-only role over the copy, not yet started. */
      makeCore: (copy: DataTree) => ZooKeeperServer;
    },
  ) {}

  /** The read-only server, while it runs. */
  get server(): ReadOnlyServer | undefined {
    return this.current;
  }

  schedule(canStart: () => boolean): void {
    if (this.current !== undefined || this.timer !== undefined) return;
    const { clock, logger } = this.opts;
    const gen = ++this.gen;
    this.timer = clock.setTimer(this.opts.delayMs, () => {
      this.timer = undefined;
      if (gen !== this.gen || this.current !== undefined || !canStart()) return;
      copyTree(this.opts.source, this.opts.makeTree, clock.now()).then(
        (copy) => {
          if (gen !== this.gen || !canStart()) return;
          const c = this.opts.makeCore(copy);
          c.start();
          this.current = new ReadOnlyServer(c, logger);
          logger.info("read-only mode: serving readOnly clients", { zxid: `0x${copy.lastProcessedZxid.toString(16)}` });
        },
        (e: unknown) => logger.warn("read-only mode failed to start", { error: String(e) }),
      );
    });
  }

  stop(reason: string): void {
    this.gen++;
    if (this.timer !== undefined) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
    const r = this.current;
    this.current = undefined;
    r?.stop(reason);
  }
}
