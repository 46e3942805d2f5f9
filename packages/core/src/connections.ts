/**
 * The client connections a server holds: their state, the session each one owns, sending (framed replies,
 * notifications) and closing (ZooKeeper's ServerCnxn side of ZooKeeperServer).
 */
import { encode, ReplyHeader } from "@zkts/jute";
import { encodeNotification } from "@zkts/client-wire";
import type { Clock, Logger } from "@zkts/contracts";
import type { ConnState } from "./request.js";
import { Latency, type ServerStats } from "./server-info.js";
import type { Tree, TreeEvent, TreeWatcher } from "./tree.js";
import type { ServerConnection } from "./types.js";

export class Connections {
  /** Open connections by ServerConnection.id. */
  readonly byId = new Map<number, ConnState>();
  /** The connection that owns each session. */
  readonly owners = new Map<bigint, ConnState>();
  /** Connections closed over bad input (malformed or unknown requests). */
  badInputCount = 0;
  /**
   * The last notification encoded: an event fired at many watchers (one setData, ten sessions watching) is
   * delivered to them one after the other, and they all get the same bytes, so it is encoded once. Buffers sent
   * are never modified, so one can be queued on several connections.
   */
  private lastNotification: { type: number; state: number; path: string; bytes: Buffer } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly tree: Tree,
    private readonly stats: ServerStats,
  ) {}

  /** A new connection's state, registered; its watcher sends notifications on it. */
  open(conn: ServerConnection): ConnState {
    const cs: ConnState = {
      conn,
      sessionId: 0n,
      timeout: 0,
      authInfo: [{ scheme: "ip", id: conn.remoteAddress }],
      hasReadOnly: false,
      closed: false,
      watcher: undefined as unknown as TreeWatcher,
      outstanding: 0,
      packetsReceived: 0,
      packetsSent: 0,
      latency: new Latency(),
      lastOp: "NA",
      lastCxid: -1,
      lastZxid: -1n,
      lastLatency: 0,
      lastResponseTime: 0,
      established: this.clock.now(),
    };
    const conns = this;
    cs.watcher = {
      get sessionId() {
        return cs.sessionId;
      },
      ids: () => cs.authInfo,
      process(event: TreeEvent) {
        if (cs.closed) return;
        conns.send(cs, conns.notification(event));
      },
    };
    this.byId.set(conn.id, cs);
    return cs;
  }

  /** The encoded notification of `event` (WatcherEvent, zxid -1 as ZooKeeper sends it), reused for a repeat. */
  notification(event: TreeEvent): Buffer {
    const last = this.lastNotification;
    if (last !== undefined && last.type === event.type && last.state === event.state && last.path === event.path) return last.bytes;
    const bytes = encodeNotification({ type: event.type, state: event.state, path: event.path }, -1n);
    this.lastNotification = { type: event.type, state: event.state, path: event.path, bytes };
    return bytes;
  }

  /** Sends a packet that starts with its length (see ServerConnection.sendFramed). */
  sendFrame(cs: ConnState, frame: Buffer): void {
    if (cs.closed) return;
    cs.packetsSent++;
    this.stats.packetsSent++;
    const conn = cs.conn;
    if (conn.sendFramed !== undefined) conn.sendFramed(frame);
    else conn.send(frame.subarray(4));
  }

  /** sendFrame for a frame the caller reuses after the call: copied by the connection, or here. */
  sendFrameCopy(cs: ConnState, frame: Buffer): void {
    if (cs.closed) return;
    const conn = cs.conn;
    if (conn.sendFramedCopy === undefined) return this.sendFrame(cs, Buffer.from(frame));
    cs.packetsSent++;
    this.stats.packetsSent++;
    conn.sendFramedCopy(frame);
  }

  send(cs: ConnState, payload: Buffer): void {
    if (cs.closed) return;
    cs.packetsSent++;
    this.stats.packetsSent++;
    cs.conn.send(payload);
  }

  /** A header-only reply (errors, auth, ping, ...): just the ReplyHeader, whatever xid the client used. */
  sendReply(cs: ConnState, header: ReplyHeader): void {
    this.send(cs, encode(ReplyHeader, header, 16));
  }

  detach(cs: ConnState): void {
    if (!cs.closed) cs.closed = true;
    if (this.byId.get(cs.conn.id) === cs) this.byId.delete(cs.conn.id);
    if (this.owners.get(cs.sessionId) === cs) this.owners.delete(cs.sessionId);
    this.tree.removeWatcher(cs.watcher);
  }

  /** Closes a connection over bad input from the client, logged (at info) with who sent it. */
  reject(cs: ConnState, reason: string): void {
    this.badInputCount++;
    this.logger.info("closing connection: bad input", {
      reason,
      remote: `${cs.conn.remoteAddress}:${cs.conn.remotePort}`,
      session: cs.sessionId.toString(16),
    });
    this.close(cs, reason);
  }

  close(cs: ConnState, reason: string): void {
    if (cs.closed) return;
    this.detach(cs);
    cs.conn.close(reason);
  }

  /** Closes the connection that owns `sessionId`, if any. */
  closeOwner(sessionId: bigint, reason: string): void {
    const owner = this.owners.get(sessionId);
    if (owner !== undefined) this.close(owner, reason);
  }

  closeAll(reason: string): void {
    for (const cs of [...this.byId.values()]) this.close(cs, reason);
  }
}
