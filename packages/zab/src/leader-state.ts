import type { PeerCore } from "./peer-core.js";
import type { Txn, ZabQuorum } from "./types.js";

/**
 * A proposal not yet committed (ZooKeeper's Proposal): the sids whose ACK counted, and the configs whose quorums
 * must all hold it (Proposal.qvAcksetPairs: the active config, plus the config of a reconfig proposed and not yet
 * committed, for it and for every later proposal until it commits).
 */
export interface Outstanding {
  zxid: bigint;
  acks: Set<bigint>;
  quorums: ZabQuorum[];
  /** A reconfig proposal: the config it activates once committed. */
  activates?: ZabQuorum;
}

/** Learner handler states on the leader (LearnerHandler's progress). */
export type HandlerState =
  | "connected" // waiting for FOLLOWERINFO / OBSERVERINFO
  | "info" // info received, waiting for the epoch to be decided
  | "leaderInfoSent" // waiting for ACKEPOCH
  | "epochAcked" // waiting for the epoch to be established before syncing
  | "syncing" // DIFF/TRUNC/SNAP + NEWLEADER queued, forwarding proposals; waiting for the NEWLEADER ACK
  | "newLeaderAcked" // waiting for the leader to become active
  | "uptodate";

/** One connected learner, as the leader sees it (ZooKeeper's LearnerHandler). */
export interface Handler {
  conn: number;
  sid?: bigint;
  observer: boolean;
  state: HandlerState;
  lastHeard: number;
  peerLastZxid: bigint;
  /** Observers: highest committed zxid already sent (sync or INFORM). */
  informedZxid: bigint;
  /**
   * Participants: txns of the initial history (earlier epochs) sent in the sync as PROPOSAL without a COMMIT,
   * because the leader had not committed them yet; they are committed by establishment and their COMMITs follow
   * UPTODATE (a ZooKeeper learner keeps them pending until it sees one).
   */
  historyToCommit?: bigint[];
}

/** The leader's state for one term (ZooKeeper's Leader). */
export interface LeaderState {
  phase: "discovery" | "sync" | "broadcast";
  started: number;
  epoch: bigint;
  epochDecided: boolean;
  established: boolean;
  connecting: Map<bigint, bigint>;
  maxSeenAcceptedEpoch: bigint;
  epochAcks: Set<bigint>;
  newLeaderAcks: Set<bigint>;
  handlers: Map<number, Handler>;
  /** Proposals not yet committed, in zxid order, with the sids whose ACK counted. */
  outstanding: OutstandingQueue;
  /** Configs of reconfig proposals not yet committed, in zxid order (the last seen config, if newer than the active). */
  pendingConfigs: ZabQuorum[];
  /** Committed reconfig txns (zxid -> designated leader) whose INFORMANDACTIVATE observers may still be owed. */
  activations: Map<bigint, bigint>;
  counter: bigint;
  /** A committed reconfig designated another leader (Leader.allowedToCommit = false): nothing more commits. */
  handedOverTo?: bigint;
  /** The proposals' quorum list while no reconfig is pending: `[quorum]`, shared by them (see propose). */
  soloQuorum?: ZabQuorum[];
  /** The continuation that counts the leader's own ACK of its durable proposals (one per term). */
  selfAck?: (txns: Txn[]) => void;
}

/** Discovery starts with the leader's own accepted epoch. */
export function newLeaderState(c: PeerCore): LeaderState {
  return {
    phase: "discovery",
    started: c.ticks,
    epoch: -1n,
    epochDecided: false,
    established: false,
    connecting: new Map([[c.sid, c.acceptedEpoch]]),
    maxSeenAcceptedEpoch: c.acceptedEpoch,
    epochAcks: new Set(),
    newLeaderAcks: new Set(),
    handlers: new Map(),
    outstanding: new OutstandingQueue(),
    pendingConfigs: pendingOf(c),
    activations: new Map(),
    counter: 0n,
  };
}

function pendingOf(c: PeerCore): ZabQuorum[] {
  const q = c.init.pendingQuorum();
  return q === undefined ? [] : [q];
}

/** Handlers that receive the proposal stream (after their sync stream). */
export function isForwarding(s: HandlerState): boolean {
  return s === "syncing" || s === "newLeaderAcked" || s === "uptodate";
}

export function dropHandler(c: PeerCore, h: Handler, _why: string, close: boolean): void {
  const ls = c.leaderState!;
  ls.handlers.delete(h.conn);
  if (close) c.pending.close.push(h.conn);
}

export function rejectHandler(c: PeerCore, h: Handler, message: string): void {
  c.pending.events.push({ type: "protocolError", conn: h.conn, message });
  dropHandler(c, h, message, true);
}

/**
 * The leader's proposals not yet committed: a queue in zxid order. A term's proposals have consecutive zxids
 * (`propose` adds counter + 1) and commit from the front (commitReady), so an ACK finds its proposal by its distance
 * from the first one: no hash lookup of a bigint key per ACK, no Map entry per proposal.
 */
export class OutstandingQueue {
  private items: Outstanding[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  /** The oldest proposal not yet committed. */
  first(): Outstanding | undefined {
    return this.items[this.head];
  }

  /** Appends the proposal of the zxid after the last one's (the first of a term: any zxid). */
  push(o: Outstanding): void {
    const last = this.items[this.items.length - 1];
    if (this.head < this.items.length && last !== undefined && o.zxid !== last.zxid + 1n) {
      throw new Error(`outstanding proposals must be consecutive: 0x${o.zxid.toString(16)} after 0x${last.zxid.toString(16)}`);
    }
    this.items.push(o);
  }

  /** The proposal of `zxid`, if it is outstanding. */
  get(zxid: bigint): Outstanding | undefined {
    const f = this.items[this.head];
    if (f === undefined || zxid < f.zxid) return undefined;
    const o = this.items[this.head + Number(zxid - f.zxid)];
    return o !== undefined && o.zxid === zxid ? o : undefined;
  }

  /** Removes the oldest proposal (committed). */
  shift(): void {
    if (this.head >= this.items.length) return;
    this.items[this.head++] = undefined as unknown as Outstanding; // not kept alive by the queue
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** The outstanding proposals, oldest first. */
  *[Symbol.iterator](): IterableIterator<Outstanding> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}
