/**
 * The rules of ZooKeeper's QuorumCnxManager, without sockets or threads:
 *
 * - one connection per pair: a connection we initiate towards a higher sid is dropped right after the
 *   handshake (the higher sid dials back); a connection from a lower sid is closed by the acceptor, which
 *   dials back; a newer connection from the same peer replaces the older one;
 * - a bounded send queue per peer (SEND_CAPACITY 1): when full, the oldest notification is dropped, so a
 *   peer only ever gets our latest vote; the last message sent is re-sent on a new connection when nothing
 *   newer is queued (the peer may not have processed it before the old connection died);
 * - messages to ourselves loop back; haveDelivered() is true when some peer's queue is empty;
 * - dialling backs off per peer (our addition: ZooKeeper re-dials on every send and on connectAll).
 *
 * The adapter (src/node/cnx-manager.ts) feeds events in and performs the actions that come out.
 */
import { OBSERVER_ID, type InitialMessage } from "./handshake.js";

/** QuorumCnxManager.SEND_CAPACITY. */
export const SEND_CAPACITY = 1;

export type CnxAction =
  | { kind: "dial"; sid: bigint }
  | { kind: "write"; conn: number; payload: Buffer }
  | { kind: "close"; conn: number; reason: string }
  | { kind: "deliver"; from: bigint; payload: Buffer };

export interface CnxRulesInit {
  mySid: bigint;
  sendCapacity?: number;
  /** First re-dial delay after a failed dial; doubles up to maxDialBackoffMs. */
  minDialBackoffMs?: number;
  maxDialBackoffMs?: number;
}

interface PeerState {
  queue: Buffer[];
  lastSent: Buffer | undefined;
  /** The one live connection used to send to this peer. */
  conn: number | undefined;
  /** A connection to this peer was established once (so no connection now means it was lost). */
  wasConnected: boolean;
  dialing: boolean;
  backoff: number;
  nextDialAt: number;
}

export class QuorumCnxRules {
  readonly mySid: bigint;
  private readonly capacity: number;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private readonly peers = new Map<bigint, PeerState>();
  /** conn -> sid for every connection past its handshake. */
  private readonly conns = new Map<number, bigint>();
  private readonly blocked = new Set<number>();
  private observerCounter = -1n;
  private actions: CnxAction[] = [];
  /** Notifications dropped because a send queue was full (the oldest goes). */
  droppedOldest = 0;

  constructor(init: CnxRulesInit) {
    this.mySid = init.mySid;
    this.capacity = init.sendCapacity ?? SEND_CAPACITY;
    this.minBackoff = init.minDialBackoffMs ?? 100;
    this.maxBackoff = init.maxDialBackoffMs ?? 5_000;
  }

  private peer(sid: bigint): PeerState {
    let p = this.peers.get(sid);
    if (!p) {
      p = { queue: [], lastSent: undefined, conn: undefined, wasConnected: false, dialing: false, backoff: this.minBackoff, nextDialAt: 0 };
      this.peers.set(sid, p);
    }
    return p;
  }

  /** Actions to perform, in order; clears them. */
  take(): CnxAction[] {
    const a = this.actions;
    this.actions = [];
    return a;
  }

  // ---- sending ----

  /** QuorumCnxManager.toSend: queue `payload` for `sid` (dropping the oldest if full) and make sure we connect. */
  send(sid: bigint, payload: Buffer, now: number): void {
    if (sid === this.mySid) {
      this.actions.push({ kind: "deliver", from: sid, payload });
      return;
    }
    const p = this.peer(sid);
    p.queue.push(payload);
    while (p.queue.length > this.capacity) {
      p.queue.shift();
      this.droppedOldest++;
    }
    if (p.conn !== undefined) this.pump(sid, p);
    else this.connectOne(sid, now);
  }

  /** QuorumCnxManager.haveDelivered: some peer's queue is empty. */
  haveDelivered(): boolean {
    for (const p of this.peers.values()) if (p.queue.length === 0) return true;
    return false;
  }

  /** QuorumCnxManager.connectAll: dial every peer we have a queue for and no connection to. */
  connectAll(now: number): void {
    for (const sid of this.peers.keys()) this.connectOne(sid, now);
  }

  isConnected(sid: bigint): boolean {
    return this.peers.get(sid)?.conn !== undefined;
  }

  /** We were connected to `sid` and are not now (it crashed, or the link broke): what FLE's `lost` asks. */
  isLost(sid: bigint): boolean {
    const p = this.peers.get(sid);
    return p !== undefined && p.wasConnected && p.conn === undefined;
  }

  queued(sid: bigint): number {
    return this.peers.get(sid)?.queue.length ?? 0;
  }

  /** The earliest time a backed-off dial becomes possible (for the adapter's timer), if any is waiting. */
  nextDialAt(): number | undefined {
    let t: number | undefined;
    for (const p of this.peers.values()) {
      if (p.conn === undefined && !p.dialing && p.queue.length > 0) t = t === undefined ? p.nextDialAt : Math.min(t, p.nextDialAt);
    }
    return t;
  }

  private connectOne(sid: bigint, now: number): void {
    const p = this.peer(sid);
    if (p.conn !== undefined || p.dialing || now < p.nextDialAt) return;
    p.dialing = true;
    this.actions.push({ kind: "dial", sid });
  }

  private pump(sid: bigint, p: PeerState): void {
    const conn = p.conn!;
    while (p.queue.length > 0 && !this.blocked.has(conn)) {
      const payload = p.queue.shift()!;
      p.lastSent = payload;
      this.actions.push({ kind: "write", conn, payload });
    }
    void sid;
  }

  // ---- connection life cycle ----

  /** A dial failed (refused, timed out). Backs off before the next one. */
  dialFailed(sid: bigint, now: number): void {
    const p = this.peer(sid);
    p.dialing = false;
    p.nextDialAt = now + p.backoff;
    p.backoff = Math.min(p.backoff * 2, this.maxBackoff);
  }

  /**
   * Our dial to `sid` connected and the handshake was written. Returns "drop" when we must close it
   * (towards a higher sid: that server dials us back), "keep" when it is now the connection to `sid`.
   */
  outgoingEstablished(conn: number, sid: bigint): "keep" | "drop" {
    const p = this.peer(sid);
    p.dialing = false;
    p.backoff = this.minBackoff;
    p.nextDialAt = 0;
    if (sid > this.mySid) {
      this.actions.push({ kind: "close", conn, reason: `higher sid ${sid} dials back` });
      return "drop";
    }
    this.adopt(conn, sid, p);
    return "keep";
  }

  /**
   * An accepted connection finished its handshake. A lower sid is closed and dialled back; our own sid is
   * refused; a higher sid becomes the connection to that peer. Returns the sid the connection is known by
   * (observers announcing OBSERVER_ID get a negative one), or undefined when it was closed.
   */
  incomingEstablished(conn: number, msg: InitialMessage, now: number): bigint | undefined {
    let sid = msg.sid;
    if (sid === OBSERVER_ID) sid = this.observerCounter--;
    if (sid < this.mySid && sid >= 0n) {
      this.actions.push({ kind: "close", conn, reason: `lower sid ${sid}: dialling back` });
      const p = this.peer(sid);
      if (p.conn !== undefined) this.finish(p.conn, "replaced by a new connection");
      p.nextDialAt = 0;
      this.connectOne(sid, now);
      return undefined;
    }
    if (sid === this.mySid) {
      this.actions.push({ kind: "close", conn, reason: "connection from a server with our own id" });
      return undefined;
    }
    this.adopt(conn, sid, this.peer(sid));
    return sid;
  }

  private adopt(conn: number, sid: bigint, p: PeerState): void {
    if (p.conn !== undefined && p.conn !== conn) this.finish(p.conn, "replaced by a new connection");
    p.conn = conn;
    p.wasConnected = true;
    this.conns.set(conn, sid);
    // SendWorker.run: re-send the last message if nothing newer is queued.
    if (p.queue.length === 0 && p.lastSent !== undefined) {
      this.actions.push({ kind: "write", conn, payload: p.lastSent });
    }
    this.pump(sid, p);
  }

  private finish(conn: number, reason: string): void {
    this.actions.push({ kind: "close", conn, reason });
    this.closed(conn);
  }

  /** A payload arrived on an established connection. */
  received(conn: number, payload: Buffer): void {
    const sid = this.conns.get(conn);
    if (sid !== undefined) this.actions.push({ kind: "deliver", from: sid, payload });
  }

  /** The socket's buffer is full: hold further writes in the queue until `drained`. */
  writeBlocked(conn: number): void {
    this.blocked.add(conn);
  }

  drained(conn: number): void {
    this.blocked.delete(conn);
    const sid = this.conns.get(conn);
    if (sid !== undefined) this.pump(sid, this.peer(sid));
  }

  /** A connection went away (either side). */
  closed(conn: number): void {
    this.blocked.delete(conn);
    const sid = this.conns.get(conn);
    if (sid === undefined) return;
    this.conns.delete(conn);
    const p = this.peers.get(sid);
    if (p && p.conn === conn) p.conn = undefined;
  }
}
