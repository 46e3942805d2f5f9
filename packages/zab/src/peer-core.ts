import { type Packet, zxidHex } from "./packets.js";
import { M, MetricsRegistry, type Counter } from "@zkts/metrics";
import type { LeaderState } from "./leader-state.js";
import type { LearnerState } from "./learner-state.js";
import { type Batch, batchHasOutput, emptyBatch, readyOf } from "./ready-batch.js";
import type { Outbound, Ready, Role, Txn, ZabComponents, ZabInit, ZabQuorum, ZabRestore } from "./types.js";

export type PeerConfig = Required<Omit<ZabInit, "bugs" | "pendingQuorum">> & { bugs: NonNullable<ZabInit["bugs"]>; pendingQuorum: () => ZabQuorum | undefined };

/**
 * What one ZAB peer is made of, whatever its role (QuorumPeer's ZAB state): the durable epochs, the in-memory log
 * window and commit point, the Ready/persist bookkeeping (the pending batch, the one in flight, the continuations
 * run once it is durable) and the role's state. The leader's and the learner's steps (leader*.ts, learner*.ts)
 * are free functions over it, so `ZabPeer`'s public API stays the only way in from outside the package.
 */
export class PeerCore {
  readonly sid: bigint;
  readonly init: PeerConfig;

  /**
   * The active (committed) config's quorum rule (QuorumPeer.getQuorumVerifier): ZabInit.quorum at start, then
   * each reconfig txn's config once committed (the leader switches itself; the host calls setQuorum elsewhere).
   */
  quorum: ZabQuorum;

  role: Role = "looking";
  /** Bumped at every role change: continuations of an older role see a different value and do nothing. */
  gen = 0;
  ticks = 0;
  /** Durable (confirmed by advance) epochs: only these are ever acted upon. */
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  /** In-memory log window: txns after baseZxid (older ones are committed, applied, and only in the host's storage). */
  log: Txn[] = [];
  baseZxid: bigint;
  commitZxid: bigint;
  durableZxid: bigint;

  leaderState?: LeaderState;
  learnerState?: LearnerState;
  /** Learner: the zxid of the SNAP whose snapshot bytes are awaited. */
  snapZxid?: bigint;

  pending: Batch = emptyBatch();
  inflight: Batch | null = null;
  /** Injected bug ackBeforeFsync: appends queued for the next Ready. */
  deferredAppends: Txn[] = [];
  /** ZabComponents.learnerPingData. */
  readonly learnerPingData: () => Buffer;
  /** ZabComponents.onLeaderCommit. */
  readonly onLeaderCommit: ((zxid: bigint, acks: ReadonlySet<bigint>) => void) | undefined;

  /** ZooKeeper's Leader / LearnerHandler / Follower counters (ServerMetrics). */
  readonly m: {
    proposals: Counter;
    commits: Counter;
    learnerProposals: Counter;
    learnerCommits: Counter;
    diffSyncs: Counter;
    snapSyncs: Counter;
  };

  constructor(init: ZabInit, restore: ZabRestore, components: ZabComponents) {
    const metrics = components.metrics ?? new MetricsRegistry();
    this.learnerPingData = components.learnerPingData ?? (() => Buffer.alloc(0));
    this.onLeaderCommit = components.onLeaderCommit;
    this.m = {
      proposals: metrics.counter(M.PROPOSAL_COUNT),
      commits: metrics.counter(M.COMMIT_COUNT),
      learnerProposals: metrics.counter(M.LEARNER_PROPOSAL_RECEIVED_COUNT),
      learnerCommits: metrics.counter(M.LEARNER_COMMIT_RECEIVED_COUNT),
      diffSyncs: metrics.counter(M.DIFF_COUNT),
      snapSyncs: metrics.counter(M.SNAP_COUNT),
    };
    this.sid = init.sid;
    this.quorum = init.quorum;
    this.init = {
      sid: init.sid,
      quorum: init.quorum,
      initLimit: init.initLimit,
      syncLimit: init.syncLimit,
      maxDiffTxns: init.maxDiffTxns ?? 500,
      quorumVerifierBytes: init.quorumVerifierBytes ?? Buffer.alloc(0),
      configVersion: init.configVersion ?? 0n,
      pendingQuorum: init.pendingQuorum ?? (() => undefined),
      bugs: init.bugs ?? {},
    };
    this.acceptedEpoch = restore.acceptedEpoch;
    this.currentEpoch = restore.currentEpoch;
    this.baseZxid = restore.snapshotZxid;
    this.commitZxid = restore.snapshotZxid;
    let prev = restore.snapshotZxid;
    for (const t of restore.log) {
      if (t.zxid <= prev) throw new Error(`restored log out of order at ${zxidHex(t.zxid)}`);
      prev = t.zxid;
      this.log.push(t);
    }
    this.durableZxid = prev;
  }

  get lastZxid(): bigint {
    return this.log.length > 0 ? this.log[this.log.length - 1]!.zxid : this.baseZxid;
  }

  // ---------------------------------------------------------------- Ready / advance

  hasReady(): boolean {
    if (this.inflight) return false;
    return batchHasOutput(this.pending);
  }

  ready(): Ready {
    if (this.inflight) throw new Error("ready() called twice without advance()");
    const b = this.pending;
    this.pending = emptyBatch();
    this.inflight = b;
    return readyOf(b);
  }

  /** ZabPeer.takeEarly. */
  takeEarly(): Outbound[] {
    const p = this.pending;
    const early = p.early;
    if (early.length === 0 || this.inflight === null) return [];
    const blocked = this.inflight.lateConns;
    if (blocked.size === 0) {
      p.early = [];
      return early;
    }
    const out: Outbound[] = [];
    const keep: Outbound[] = [];
    for (const m of early) (blocked.has(m.conn) ? keep : out).push(m);
    p.early = keep;
    return out;
  }

  advance(): void {
    const b = this.inflight;
    if (!b) throw new Error("advance() without ready()");
    this.inflight = null;
    for (const f of b.after) f();
    if (this.deferredAppends.length > 0) {
      const txns = this.deferredAppends;
      this.deferredAppends = [];
      this.appendDurably(txns);
    }
    this.trimLog();
  }

  // ---------------------------------------------------------------- role changes

  /** Back to LOOKING (shutdown of the current role). */
  stop(reason: string): void {
    if (this.role === "looking") return;
    this.reset("looking");
    this.pending.events.push({ type: "looking", reason });
  }

  goLooking(reason: string): void {
    this.stop(reason);
  }

  /** Ends the current role: its connections are closed, its unsent messages dropped. */
  reset(role: Role): void {
    this.gen++;
    const ls = this.leaderState;
    if (ls) for (const h of ls.handlers.values()) this.pending.close.push(h.conn);
    const lr = this.learnerState;
    if (lr?.conn !== undefined) this.pending.close.push(lr.conn);
    // Messages not yet handed out belong to connections now closed.
    this.pending.messages = [];
    this.pending.connect = undefined;
    this.leaderState = undefined;
    this.learnerState = undefined;
    this.role = role;
  }

  // ---------------------------------------------------------------- output: send, persist, commit

  /** Do `sids` form a quorum of the active config and of every pending one (a leader's, see ZabInit.pendingQuorum)? */
  allQuorums(sids: Iterable<bigint>): boolean {
    const set = new Set(sids);
    return this.quorum.containsQuorum(set) && (this.leaderState?.pendingConfigs ?? []).every((q) => q.containsQuorum(set));
  }

  /** NEWLEADER's payload for the epoch being established (ZabInit.quorumVerifierBytes). */
  newLeaderConfig(epoch: bigint): Buffer {
    const q = this.init.quorumVerifierBytes;
    return typeof q === "function" ? q(epoch) : q;
  }

  send(conn: number, packet: Packet): void {
    this.pending.messages.push({ conn, packet });
    this.pending.lateConns.add(conn);
  }

  /**
   * A message that needs nothing of this Ready to be durable first: it may go out while the host persists
   * (unless the connection already has a message waiting in this Ready, which it must not overtake).
   */
  sendEarly(conn: number, packet: Packet): void {
    if (this.pending.lateConns.has(conn)) this.send(conn, packet);
    else this.pending.early.push({ conn, packet });
  }

  persistEpoch(kind: "acceptedEpoch" | "currentEpoch", epoch: bigint, then: () => void): void {
    if (!this.init.bugs.skipEpochPersist) this.pending.persist.push({ kind, epoch });
    this.pending.after.push(() => {
      if (kind === "acceptedEpoch") {
        if (epoch > this.acceptedEpoch) this.acceptedEpoch = epoch;
      } else if (epoch > this.currentEpoch) this.currentEpoch = epoch;
      then();
    });
  }

  appendDurably(txns: Txn[], then?: () => void): void {
    const last = txns[txns.length - 1]!.zxid;
    const prev = this.pending.persist[this.pending.persist.length - 1];
    if (prev?.kind === "append") prev.txns.push(...txns);
    else this.pending.persist.push({ kind: "append", txns: [...txns] });
    this.pending.after.push(() => {
      if (last > this.durableZxid) this.durableZxid = last;
      then?.();
    });
  }

  /**
   * Appends one txn to the log of the pending batch; `then(txns)` runs once it is durable, with every txn of the
   * run it joined: consecutive calls with the same `then` (and role) share one continuation, in the position of the
   * first (a burst of proposals costs one closure, not one each), so continuations still run in append order.
   */
  appendDurablyRun(txn: Txn, then: (txns: Txn[]) => void): void {
    const b = this.pending;
    const prev = b.persist[b.persist.length - 1];
    if (prev?.kind === "append") prev.txns.push(txn);
    else b.persist.push({ kind: "append", txns: [txn] });
    const run = this.run;
    if (run !== undefined && run.batch === b && run.then === then && run.gen === this.gen && b.after[b.after.length - 1] === run.fn) {
      run.txns.push(txn);
      return;
    }
    const txns = [txn];
    const fn = () => {
      const last = txns[txns.length - 1]!.zxid;
      if (last > this.durableZxid) this.durableZxid = last;
      then(txns);
    };
    this.run = { batch: b, then, gen: this.gen, fn, txns };
    b.after.push(fn);
  }

  private run: { batch: Batch; then: (txns: Txn[]) => void; gen: number; fn: () => void; txns: Txn[] } | undefined;

  commitUpTo(zxid: bigint): void {
    if (zxid <= this.commitZxid) return;
    const log = this.log;
    for (let i = this.indexAfter(this.commitZxid); i < log.length; i++) {
      const t = log[i]!;
      if (t.zxid > zxid) break;
      this.pending.committed.push(t);
      this.commitZxid = t.zxid;
    }
  }

  // ---------------------------------------------------------------- the log window

  /** Index of the first txn of the log window with a zxid above `z` (the window is in zxid order). */
  indexAfter(z: bigint): number {
    const log = this.log;
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (log[mid]!.zxid <= z) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The zxid of the applied state the host's snapshot will hold (commits handed out in earlier Readies). */
  get appliedZxid(): bigint {
    let z = this.commitZxid;
    const c = this.pending.committed;
    if (c.length > 0) z = c[0]!.zxid - 1n; // below the first pending commit
    // The txns before the first pending commit are applied; find the txn just before it.
    if (c.length > 0) {
      const i = this.indexAfter(c[0]!.zxid - 1n) - 1;
      z = i >= 0 ? this.log[i]!.zxid : this.baseZxid;
    }
    return z;
  }

  hasZxid(z: bigint): boolean {
    if (z === this.baseZxid) return true;
    const i = this.indexAfter(z) - 1;
    return i >= 0 && this.log[i]!.zxid === z;
  }

  /** The newest zxid we hold that is <= z (the window base at least). */
  prevZxid(z: bigint): bigint {
    const i = this.indexAfter(z) - 1;
    return i >= 0 ? this.log[i]!.zxid : this.baseZxid;
  }

  /** Keeps at most maxDiffTxns committed + applied txns in memory (older ones are served by SNAP). */
  trimLog(): void {
    const excess = this.log.length - this.init.maxDiffTxns;
    if (excess <= 0) return;
    let n = 0;
    const applied = this.pending.committed.length > 0 ? this.appliedZxid : this.commitZxid;
    while (n < excess && this.log[n]!.zxid <= applied && this.log[n]!.zxid <= this.durableZxid) n++;
    if (n === 0) return;
    this.baseZxid = this.log[n - 1]!.zxid;
    this.log = this.log.slice(n);
  }
}
