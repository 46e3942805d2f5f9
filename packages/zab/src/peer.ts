import {
  type Packet,
  PACKET_NAMES,
  PacketType,
  UPTODATE_PACKET,
  ackEpochPacket,
  counterOf,
  epochOf,
  leaderInfoPacket,
  learnerInfoPacket,
  makeZxid,
  newLeaderPacket,
  opPacket,
  parseAckEpoch,
  parseLearnerInfo,
  zxidHex,
} from "./packets.js";
import { M, MetricsRegistry, type Counter } from "@zkts/metrics";
import type { Outbound, PersistOp, Ready, Role, Txn, ZabComponents, ZabEvent, ZabInit, ZabRestore } from "./types.js";

export class NotLeaderError extends Error {
  override name = "NotLeaderError";
}

const MAX_COUNTER = 0xffffffffn;

interface Batch {
  persist: PersistOp[];
  /** Messages that may go before the persist ops are durable (the leader's proposals). */
  early: Outbound[];
  messages: Outbound[];
  /** Connections with a message in `messages`: later sends to them queue behind it (per connection FIFO). */
  lateConns: Set<number>;
  committed: Txn[];
  close: number[];
  connect?: bigint;
  events: ZabEvent[];
  after: (() => void)[];
}

function emptyBatch(): Batch {
  return { persist: [], early: [], messages: [], lateConns: new Set(), committed: [], close: [], events: [], after: [] };
}

/** Learner handler states on the leader (LearnerHandler's progress). */
type HandlerState =
  | "connected" // waiting for FOLLOWERINFO / OBSERVERINFO
  | "info" // info received, waiting for the epoch to be decided
  | "leaderInfoSent" // waiting for ACKEPOCH
  | "epochAcked" // waiting for the epoch to be established before syncing
  | "syncing" // DIFF/TRUNC/SNAP + NEWLEADER queued, forwarding proposals; waiting for the NEWLEADER ACK
  | "newLeaderAcked" // waiting for the leader to become active
  | "uptodate";

interface Handler {
  conn: number;
  sid?: bigint;
  observer: boolean;
  state: HandlerState;
  lastHeard: number;
  peerLastZxid: bigint;
  /** Observers: highest committed zxid already sent (sync or INFORM). */
  informedZxid: bigint;
}

interface LeaderState {
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
  outstanding: Map<bigint, Set<bigint>>;
  counter: bigint;
}

type LearnerPhase =
  | "connecting"
  | "registering" // info sent, waiting for LEADERINFO
  | "epochPending" // persisting the accepted epoch
  | "awaitingSync" // ACKEPOCH sent, waiting for DIFF / TRUNC / SNAP
  | "snapWait" // SNAP received, waiting for the snapshot bytes
  | "syncing"
  | "newLeaderPending" // persisting currentEpoch
  | "awaitingUptodate"
  | "broadcast";

interface LearnerState {
  leader: bigint;
  observer: boolean;
  phase: LearnerPhase;
  conn?: number;
  connectPending: boolean;
  started: number;
  lastHeard: number;
  newEpoch: bigint;
  /** Set once currentEpoch = newEpoch is durable: proposals of the new epoch may be ACKed from then on. */
  ackEnabled: boolean;
}

/**
 * One ZAB peer: leader, follower or observer, as a pure state machine (no clock, no I/O, no randomness).
 *
 * Inputs: `lead()` / `follow(sid)` / `observe(sid)` (the election's decision), `connected(conn)`,
 * `connectFailed()`, `accepted(conn)`, `closed(conn)`, `step(conn, packet)`, `stepSnapshot(conn, bytes)`,
 * `tick()`, `propose(data)`. Output: `ready()` -> persist, send, apply -> `advance()`.
 */
export class ZabPeer {
  readonly sid: bigint;
  private readonly init: Required<Omit<ZabInit, "bugs">> & { bugs: NonNullable<ZabInit["bugs"]> };

  private _role: Role = "looking";
  private gen = 0;
  private ticks = 0;
  /** Durable (confirmed by advance) epochs: only these are ever acted upon. */
  private _acceptedEpoch: bigint;
  private _currentEpoch: bigint;
  /** In-memory log window: txns after baseZxid (older ones are committed, applied, and only in the host's storage). */
  private log: Txn[] = [];
  private baseZxid: bigint;
  private _commitZxid: bigint;
  private durableZxid: bigint;

  private leaderState?: LeaderState;
  private learnerState?: LearnerState;

  private pending: Batch = emptyBatch();
  private inflight: Batch | null = null;
  private deferredAppends: Txn[] = [];

  /** ZooKeeper's Leader / LearnerHandler / Follower counters (ServerMetrics). */
  private readonly m: {
    proposals: Counter;
    commits: Counter;
    learnerProposals: Counter;
    learnerCommits: Counter;
    diffSyncs: Counter;
    snapSyncs: Counter;
  };

  constructor(init: ZabInit, restore: ZabRestore, components: ZabComponents = {}) {
    const metrics = components.metrics ?? new MetricsRegistry();
    this.m = {
      proposals: metrics.counter(M.PROPOSAL_COUNT),
      commits: metrics.counter(M.COMMIT_COUNT),
      learnerProposals: metrics.counter(M.LEARNER_PROPOSAL_RECEIVED_COUNT),
      learnerCommits: metrics.counter(M.LEARNER_COMMIT_RECEIVED_COUNT),
      diffSyncs: metrics.counter(M.DIFF_COUNT),
      snapSyncs: metrics.counter(M.SNAP_COUNT),
    };
    this.sid = init.sid;
    this.init = {
      sid: init.sid,
      quorum: init.quorum,
      initLimit: init.initLimit,
      syncLimit: init.syncLimit,
      maxDiffTxns: init.maxDiffTxns ?? 500,
      quorumVerifierBytes: init.quorumVerifierBytes ?? Buffer.alloc(0),
      configVersion: init.configVersion ?? 0n,
      bugs: init.bugs ?? {},
    };
    this._acceptedEpoch = restore.acceptedEpoch;
    this._currentEpoch = restore.currentEpoch;
    this.baseZxid = restore.snapshotZxid;
    this._commitZxid = restore.snapshotZxid;
    let prev = restore.snapshotZxid;
    for (const t of restore.log) {
      if (t.zxid <= prev) throw new Error(`restored log out of order at ${zxidHex(t.zxid)}`);
      prev = t.zxid;
      this.log.push(t);
    }
    this.durableZxid = prev;
  }

  // ---------------------------------------------------------------- observers of state

  get role(): Role {
    return this._role;
  }
  /** Durable accepted epoch (the last epoch this peer acknowledged in discovery). */
  get acceptedEpoch(): bigint {
    return this._acceptedEpoch;
  }
  /** Durable current epoch (the last epoch whose NEWLEADER this peer accepted). */
  get currentEpoch(): bigint {
    return this._currentEpoch;
  }
  get lastZxid(): bigint {
    return this.log.length > 0 ? this.log[this.log.length - 1]!.zxid : this.baseZxid;
  }
  get commitZxid(): bigint {
    return this._commitZxid;
  }
  /** The epoch this peer leads in, once the epoch is decided. */
  get leaderEpoch(): bigint | undefined {
    return this.leaderState?.epochDecided ? this.leaderState.epoch : undefined;
  }
  get isEstablishedLeader(): boolean {
    return this._role === "leading" && this.leaderState!.established;
  }
  /** Leader in the broadcast phase: `propose` is accepted. */
  get isActiveLeader(): boolean {
    return this._role === "leading" && this.leaderState!.phase === "broadcast";
  }
  get isActiveLearner(): boolean {
    return this.learnerState?.phase === "broadcast";
  }
  /**
   * ZooKeeper's QuorumPeer.ZabState, lower-cased as `zk_peer_state` prints it: "election" while looking, then
   * "discovery" (epoch agreement), "synchronization" (DIFF/TRUNC/SNAP up to UPTODATE) and "broadcast".
   */
  get zabState(): "election" | "discovery" | "synchronization" | "broadcast" {
    if (this._role === "leading") {
      const phase = this.leaderState!.phase;
      return phase === "sync" ? "synchronization" : phase;
    }
    const lr = this.learnerState;
    if (this._role === "looking" || lr === undefined) return "election";
    switch (lr.phase) {
      case "connecting":
      case "registering":
      case "epochPending":
        return "discovery";
      case "broadcast":
        return "broadcast";
      default:
        return "synchronization";
    }
  }
  get followingSid(): bigint | undefined {
    return this.learnerState?.leader;
  }
  /** The in-memory log window (for checkers and hosts). */
  logWindow(): readonly Txn[] {
    return this.log;
  }
  /** Sids of the learners the leader counts as synced (itself included), for `stat`/`mntr`. */
  syncedLearners(): bigint[] {
    const ls = this.leaderState;
    if (!ls) return [];
    const out = [this.sid];
    for (const h of ls.handlers.values()) if (h.sid !== undefined && h.state === "uptodate") out.push(h.sid);
    return out;
  }

  // ---------------------------------------------------------------- Ready / advance

  hasReady(): boolean {
    if (this.inflight) return false;
    const b = this.pending;
    return (
      b.persist.length > 0 ||
      b.early.length > 0 ||
      b.messages.length > 0 ||
      b.committed.length > 0 ||
      b.close.length > 0 ||
      b.connect !== undefined ||
      b.events.length > 0 ||
      b.after.length > 0
    );
  }

  /** Takes the pending batch. Until `advance()`, `step`/`tick` may go on; their output waits for the next Ready. */
  ready(): Ready {
    if (this.inflight) throw new Error("ready() called twice without advance()");
    const b = this.pending;
    this.pending = emptyBatch();
    this.inflight = b;
    const rd: Ready = { persist: b.persist, early: b.early, messages: b.messages, committed: b.committed, close: b.close, events: b.events };
    if (b.connect !== undefined) rd.connect = b.connect;
    return rd;
  }

  /** The host persisted, sent and applied the last Ready. */
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

  // ---------------------------------------------------------------- role changes (from the election)

  /** Become leader (LEADING): discovery starts with our own accepted epoch. */
  lead(): void {
    this.reset("leading");
    this.leaderState = {
      phase: "discovery",
      started: this.ticks,
      epoch: -1n,
      epochDecided: false,
      established: false,
      connecting: new Map([[this.sid, this._acceptedEpoch]]),
      maxSeenAcceptedEpoch: this._acceptedEpoch,
      epochAcks: new Set(),
      newLeaderAcks: new Set(),
      handlers: new Map(),
      outstanding: new Map(),
      counter: 0n,
    };
    this.tryDecideEpoch();
  }

  follow(leader: bigint): void {
    this.startLearner(leader, false);
  }

  observe(leader: bigint): void {
    this.startLearner(leader, true);
  }

  /** Back to LOOKING (shutdown of the current role). */
  stop(reason = "stopped"): void {
    if (this._role === "looking") return;
    this.reset("looking");
    this.pending.events.push({ type: "looking", reason });
  }

  private startLearner(leader: bigint, observer: boolean): void {
    if (leader === this.sid) throw new Error("cannot follow oneself");
    this.reset(observer ? "observing" : "following");
    this.learnerState = {
      leader,
      observer,
      phase: "connecting",
      connectPending: true,
      started: this.ticks,
      lastHeard: this.ticks,
      newEpoch: -1n,
      ackEnabled: false,
    };
    this.pending.connect = leader;
  }

  private reset(role: Role): void {
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
    this._role = role;
  }

  private goLooking(reason: string): void {
    this.stop(reason);
  }

  // ---------------------------------------------------------------- connections

  /** Leader: a learner connected to our quorum port. */
  accepted(conn: number): void {
    const ls = this.leaderState;
    if (!ls) {
      this.pending.close.push(conn);
      return;
    }
    ls.handlers.set(conn, {
      conn,
      observer: false,
      state: "connected",
      lastHeard: this.ticks,
      peerLastZxid: -1n,
      informedZxid: -1n,
    });
  }

  /** Learner: the connection to the leader is open. */
  connected(conn: number): void {
    const lr = this.learnerState;
    if (!lr || lr.phase !== "connecting" || !lr.connectPending) {
      this.pending.close.push(conn);
      return;
    }
    lr.connectPending = false;
    lr.conn = conn;
    lr.lastHeard = this.ticks;
    lr.phase = "registering";
    this.send(conn, learnerInfoPacket(lr.observer, this._acceptedEpoch, this.sid, this.init.configVersion));
  }

  /** Learner: the connection attempt failed; retried on the next tick until initLimit. */
  connectFailed(): void {
    const lr = this.learnerState;
    if (lr && lr.phase === "connecting") lr.connectPending = false;
  }

  closed(conn: number): void {
    const ls = this.leaderState;
    if (ls) {
      const h = ls.handlers.get(conn);
      if (h) this.dropHandler(h, "connection closed", false);
      return;
    }
    const lr = this.learnerState;
    if (lr && lr.conn === conn) {
      lr.conn = undefined;
      this.goLooking("connection to leader closed");
    }
  }

  // ---------------------------------------------------------------- time

  tick(): void {
    this.ticks++;
    const ls = this.leaderState;
    if (ls) return this.leaderTick(ls);
    const lr = this.learnerState;
    if (lr) return this.learnerTick(lr);
  }

  // ---------------------------------------------------------------- input

  step(conn: number, p: Packet): void {
    const ls = this.leaderState;
    if (ls) {
      const h = ls.handlers.get(conn);
      if (!h) return; // stale connection
      h.lastHeard = this.ticks;
      this.leaderStep(ls, h, p);
      return;
    }
    const lr = this.learnerState;
    if (lr && lr.conn === conn) {
      lr.lastHeard = this.ticks;
      this.learnerStep(lr, p);
    }
  }

  /** Learner: the snapshot stream that followed a SNAP packet (opaque bytes written by the leader's host). */
  stepSnapshot(conn: number, data: Buffer): void {
    const lr = this.learnerState;
    if (!lr || lr.conn !== conn) return;
    lr.lastHeard = this.ticks;
    if (lr.phase !== "snapWait") return this.protocolError(conn, "snapshot bytes without SNAP");
    const zxid = this.snapZxid!;
    this.snapZxid = undefined;
    this.pending.persist.push({ kind: "snapshot", zxid, data });
    this.log = [];
    this.baseZxid = zxid;
    this._commitZxid = zxid;
    this.pending.after.push(() => {
      this.durableZxid = zxid;
    });
    lr.phase = "syncing";
  }
  private snapZxid?: bigint;

  /** Leader: a client request turned into a txn. Returns its zxid; the txn comes back in `Ready.committed`. */
  propose(data: Buffer): bigint {
    const ls = this.leaderState;
    if (!ls || ls.phase !== "broadcast") throw new NotLeaderError(`server ${this.sid} is not an active leader`);
    if (ls.counter >= MAX_COUNTER) {
      // ZooKeeper: the counter would roll over; force a new election (and a new epoch).
      this.goLooking("zxid counter exhausted");
      throw new NotLeaderError("zxid counter exhausted");
    }
    ls.counter++;
    this.m.proposals.inc();
    const zxid = makeZxid(ls.epoch, ls.counter);
    const txn: Txn = { zxid, data };
    this.log.push(txn);
    ls.outstanding.set(zxid, new Set());
    const gen = this.gen;
    this.appendDurably([txn], () => {
      if (gen !== this.gen || !this.leaderState) return;
      this.leaderAck(this.leaderState, this.sid, zxid);
    });
    // As ZooKeeper's leader: the proposal goes to the followers while the leader logs it (its own ACK counts
    // only once its log write is durable).
    const pkt: Packet = { type: PacketType.PROPOSAL, zxid, data };
    for (const h of ls.handlers.values()) {
      if (!h.observer && isForwarding(h.state)) this.sendEarly(h.conn, pkt);
    }
    return zxid;
  }

  // ================================================================ leader

  private leaderTick(ls: LeaderState): void {
    if (ls.phase !== "broadcast" && this.ticks - ls.started > this.init.initLimit) {
      return this.goLooking(
        ls.phase === "discovery" ? "no quorum of learners for the new epoch within initLimit" : "no quorum acknowledged NEWLEADER within initLimit",
      );
    }
    for (const h of [...ls.handlers.values()]) {
      const limit = h.state === "uptodate" || h.state === "newLeaderAcked" ? this.init.syncLimit : this.init.initLimit;
      if (this.ticks - h.lastHeard > limit) {
        this.dropHandler(h, "learner silent", true);
        continue;
      }
      if (isForwarding(h.state)) this.send(h.conn, opPacket(PacketType.PING, this.lastZxid));
    }
    if (ls.phase === "broadcast") {
      const synced = new Set<bigint>([this.sid]);
      for (const h of ls.handlers.values()) {
        if (h.sid !== undefined && !h.observer && (h.state === "uptodate" || h.state === "newLeaderAcked")) synced.add(h.sid);
      }
      if (!this.init.quorum.containsQuorum(synced)) this.goLooking("not sufficient followers synced");
    }
  }

  private dropHandler(h: Handler, _why: string, close: boolean): void {
    const ls = this.leaderState!;
    ls.handlers.delete(h.conn);
    if (close) this.pending.close.push(h.conn);
  }

  private leaderStep(ls: LeaderState, h: Handler, p: Packet): void {
    switch (p.type) {
      case PacketType.FOLLOWERINFO:
      case PacketType.OBSERVERINFO: {
        if (h.state !== "connected") return this.rejectHandler(h, "duplicate learner info");
        let info;
        try {
          info = parseLearnerInfo(p);
        } catch (e) {
          return this.rejectHandler(h, `bad LearnerInfo: ${(e as Error).message}`);
        }
        const sid = info.serverid;
        const voter = this.init.quorum.votingMembers.has(sid);
        if (sid === this.sid) return this.rejectHandler(h, "learner with the leader's sid");
        // A second connection from the same learner replaces the first (LearnerHandler: the old one is shut down).
        for (const other of [...ls.handlers.values()]) {
          if (other !== h && other.sid === sid) this.dropHandler(other, "replaced", true);
        }
        h.sid = sid;
        h.observer = p.type === PacketType.OBSERVERINFO || !voter;
        const learnerAccepted = epochOf(p.zxid);
        h.state = "info";
        if (!ls.epochDecided) {
          if (learnerAccepted > ls.maxSeenAcceptedEpoch) ls.maxSeenAcceptedEpoch = learnerAccepted;
          if (!h.observer) ls.connecting.set(sid, learnerAccepted);
          this.tryDecideEpoch();
        } else {
          this.send(h.conn, leaderInfoPacket(ls.epoch));
          h.state = "leaderInfoSent";
        }
        return;
      }
      case PacketType.ACKEPOCH: {
        if (h.state !== "leaderInfoSent") return this.rejectHandler(h, "unexpected ACKEPOCH");
        let ss;
        try {
          ss = parseAckEpoch(p);
        } catch (e) {
          return this.rejectHandler(h, (e as Error).message);
        }
        h.peerLastZxid = ss.lastLoggedZxid;
        if (ss.currentEpoch !== -1n) {
          // Leader.waitForEpochAck: a follower more recent than the leader cannot be led by it.
          if (
            !this.init.bugs.ignoreFollowerAhead &&
            (ss.currentEpoch > this._currentEpoch ||
              (ss.currentEpoch === this._currentEpoch && ss.lastLoggedZxid > this.lastZxid))
          ) {
            return this.rejectHandler(h, `follower ${h.sid} is ahead of the leader`);
          }
          if (!h.observer) ls.epochAcks.add(h.sid!);
        }
        h.state = "epochAcked";
        if (ls.established) {
          if (ls.phase !== "discovery") this.syncLearner(ls, h);
        } else {
          this.tryEstablish(ls);
        }
        return;
      }
      case PacketType.ACK: {
        if (counterOf(p.zxid) === 0n) {
          if (h.state === "syncing" && epochOf(p.zxid) === ls.epoch) {
            h.state = "newLeaderAcked";
            if (!h.observer) ls.newLeaderAcks.add(h.sid!);
            if (ls.phase === "broadcast") this.sendUptodate(h);
            else this.checkNewLeaderQuorum(ls);
          }
          return; // the ACK that follows UPTODATE, or a stale one
        }
        if (!h.observer && (h.state === "newLeaderAcked" || h.state === "uptodate")) this.leaderAck(ls, h.sid!, p.zxid);
        return;
      }
      case PacketType.PING:
        return; // lastHeard already updated; the session data is the host's business
      case PacketType.REQUEST:
      case PacketType.REVALIDATE:
        return; // handled by the host's request pipeline
      default:
        return this.rejectHandler(h, `unexpected ${PACKET_NAMES[p.type] ?? p.type} from a learner`);
    }
  }

  private rejectHandler(h: Handler, message: string): void {
    this.pending.events.push({ type: "protocolError", conn: h.conn, message });
    this.dropHandler(h, message, true);
  }

  /** Leader.getEpochToPropose: once a quorum (with us) has connected, epoch = max(acceptedEpoch) + 1. */
  private tryDecideEpoch(): void {
    const ls = this.leaderState!;
    if (ls.epochDecided || ls.epoch !== -1n) return;
    if (!ls.connecting.has(this.sid) || !this.init.quorum.containsQuorum(ls.connecting.keys())) return;
    const epoch = ls.maxSeenAcceptedEpoch + 1n;
    ls.epoch = epoch; // decided, not yet durable: nothing is sent until it is
    const gen = this.gen;
    this.persistEpoch("acceptedEpoch", epoch, () => {
      if (gen !== this.gen) return;
      ls.epochDecided = true;
      for (const h of ls.handlers.values()) {
        if (h.state === "info") {
          this.send(h.conn, leaderInfoPacket(epoch));
          h.state = "leaderInfoSent";
        }
      }
      // Leader.lead: waitForEpochAck(self, leaderStateSummary)
      ls.epochAcks.add(this.sid);
      this.tryEstablish(ls);
    });
  }

  private tryEstablish(ls: LeaderState): void {
    if (ls.established || !ls.epochDecided || !this.init.quorum.containsQuorum(ls.epochAcks)) return;
    ls.established = true;
    this.pending.events.push({ type: "established", epoch: ls.epoch });
    const gen = this.gen;
    this.persistEpoch("currentEpoch", ls.epoch, () => {
      if (gen !== this.gen) return;
      ls.phase = "sync";
      ls.newLeaderAcks.add(this.sid);
      for (const h of ls.handlers.values()) if (h.state === "epochAcked") this.syncLearner(ls, h);
      this.checkNewLeaderQuorum(ls);
    });
  }

  /** LearnerHandler.syncFollower: DIFF, TRUNC or SNAP, then the txns the learner lacks, then NEWLEADER. */
  private syncLearner(ls: LeaderState, h: Handler): void {
    const peerLast = h.peerLastZxid;
    const last = this.lastZxid;
    const observer = h.observer;
    // Observers are sent committed txns only (later ones come as INFORM); participants every logged txn.
    const sendUpTo = observer ? this._commitZxid : last;
    let from: bigint; // txns with zxid > from are sent
    if (peerLast === last || (peerLast >= this.baseZxid && this.hasZxid(peerLast))) {
      this.send(h.conn, opPacket(PacketType.DIFF, this._commitZxid));
      this.m.diffSyncs.inc(); // LearnerHandler.syncFollower counts DIFF and TRUNC syncs as diff_count
      from = peerLast;
    } else if (peerLast > this.baseZxid) {
      // The learner has txns we do not: cut back to the newest txn we share (<= its last zxid).
      const p = this.prevZxid(peerLast);
      this.send(h.conn, opPacket(PacketType.TRUNC, p));
      this.m.diffSyncs.inc();
      from = p;
    } else {
      const at = this.appliedZxid;
      this.send(h.conn, opPacket(PacketType.SNAP, at));
      this.pending.messages.push({ conn: h.conn, snapshotAt: at });
      this.m.snapSyncs.inc();
      from = at;
    }

    for (const t of this.log) {
      if (t.zxid <= from || t.zxid > sendUpTo) continue;
      this.send(h.conn, { type: PacketType.PROPOSAL, zxid: t.zxid, data: t.data });
      if (t.zxid <= this._commitZxid) this.send(h.conn, opPacket(PacketType.COMMIT, t.zxid));
    }
    h.informedZxid = this._commitZxid;
    this.send(h.conn, newLeaderPacket(ls.epoch, this.init.quorumVerifierBytes));
    h.state = "syncing";
  }

  private checkNewLeaderQuorum(ls: LeaderState): void {
    if (ls.phase !== "sync" || !this.init.quorum.containsQuorum(ls.newLeaderAcks)) return;
    ls.phase = "broadcast";
    // The whole initial history (everything logged before the new epoch) is now committed.
    this.commitUpTo(this.lastZxid);
    for (const h of ls.handlers.values()) {
      if (h.observer && isForwarding(h.state)) this.informObserver(h);
      if (h.state === "newLeaderAcked") this.sendUptodate(h);
    }
    this.pending.events.push({ type: "active", epoch: ls.epoch });
  }

  private sendUptodate(h: Handler): void {
    this.send(h.conn, UPTODATE_PACKET);
    h.state = "uptodate";
  }

  private informObserver(h: Handler): void {
    for (let i = this.indexAfter(h.informedZxid); i < this.log.length; i++) {
      const t = this.log[i]!;
      if (t.zxid > this._commitZxid) break;
      this.send(h.conn, { type: PacketType.INFORM, zxid: t.zxid, data: t.data });
    }
    h.informedZxid = this._commitZxid;
  }

  private leaderAck(ls: LeaderState, sid: bigint, zxid: bigint): void {
    const acks = ls.outstanding.get(zxid);
    if (!acks) return; // already committed or unknown
    acks.add(sid);
    // Commit in zxid order (Leader.tryToCommit).
    for (const [z, set] of ls.outstanding) {
      const ok = this.init.bugs.commitWithoutQuorum ? set.size > 0 : this.init.quorum.containsQuorum(set);
      if (!ok) break;
      ls.outstanding.delete(z);
      this.m.commits.inc(); // Leader.commit
      this.commitUpTo(z);
      for (const h of ls.handlers.values()) {
        if (!isForwarding(h.state)) continue;
        if (h.observer) this.informObserver(h);
        else this.send(h.conn, opPacket(PacketType.COMMIT, z));
      }
    }
  }

  // ================================================================ learner

  private learnerTick(lr: LearnerState): void {
    if (lr.phase !== "broadcast" && this.ticks - lr.started > this.init.initLimit) {
      return this.goLooking(`could not sync with leader ${lr.leader} within initLimit`);
    }
    if (lr.phase === "connecting") {
      if (!lr.connectPending) {
        lr.connectPending = true;
        this.pending.connect = lr.leader;
      }
      return;
    }
    const limit = lr.phase === "broadcast" ? this.init.syncLimit : this.init.initLimit;
    if (this.ticks - lr.lastHeard > limit) this.goLooking(`leader ${lr.leader} silent`);
  }

  private learnerStep(lr: LearnerState, p: Packet): void {
    const conn = lr.conn!;
    switch (p.type) {
      case PacketType.LEADERINFO: {
        if (lr.phase !== "registering") return this.protocolError(conn, "unexpected LEADERINFO");
        const newEpoch = epochOf(p.zxid);
        lr.newEpoch = newEpoch;
        if (newEpoch > this._acceptedEpoch) {
          const wasCurrent = this._currentEpoch;
          lr.phase = "epochPending";
          const gen = this.gen;
          this.persistEpoch("acceptedEpoch", newEpoch, () => {
            if (gen !== this.gen) return;
            lr.phase = "awaitingSync";
            this.send(conn, ackEpochPacket(this.lastZxid, wasCurrent));
          });
        } else if (newEpoch === this._acceptedEpoch) {
          // Already acknowledged this epoch (to this or another leader): ack with -1, which is not counted.
          lr.phase = "awaitingSync";
          this.send(conn, ackEpochPacket(this.lastZxid, -1));
        } else {
          this.pending.close.push(conn);
          lr.conn = undefined;
          this.goLooking(`leader's epoch ${newEpoch} is less than our accepted epoch ${this._acceptedEpoch}`);
        }
        return;
      }
      case PacketType.DIFF:
        if (lr.phase !== "awaitingSync") return this.protocolError(conn, "unexpected DIFF");
        // Our log is a prefix of the leader's; everything up to the leader's commit point is committed.
        this.commitUpTo(p.zxid < this.lastZxid ? p.zxid : this.lastZxid);
        lr.phase = "syncing";
        return;
      case PacketType.TRUNC: {
        if (lr.phase !== "awaitingSync") return this.protocolError(conn, "unexpected TRUNC");
        const z = p.zxid;
        if (z < this._commitZxid || z < this.baseZxid) {
          return this.protocolError(conn, `TRUNC to ${zxidHex(z)} below our commit point ${zxidHex(this._commitZxid)}`);
        }
        this.log = this.log.filter((t) => t.zxid <= z);
        this.pending.persist.push({ kind: "truncate", zxid: z });
        this.pending.after.push(() => {
          if (this.durableZxid > z) this.durableZxid = z;
        });
        lr.phase = "syncing";
        return;
      }
      case PacketType.SNAP:
        if (lr.phase !== "awaitingSync") return this.protocolError(conn, "unexpected SNAP");
        lr.phase = "snapWait";
        this.snapZxid = p.zxid;
        return;
      case PacketType.PROPOSAL: {
        if (!["syncing", "newLeaderPending", "awaitingUptodate", "broadcast"].includes(lr.phase)) {
          return this.protocolError(conn, "unexpected PROPOSAL");
        }
        if (p.zxid <= this.lastZxid) return this.protocolError(conn, `PROPOSAL ${zxidHex(p.zxid)} not after ${zxidHex(this.lastZxid)}`);
        // Follower.processPacket (proposals while synchronising are Learner.syncWithLeader's, not counted)
        if (lr.phase === "broadcast") this.m.learnerProposals.inc();
        const txn: Txn = { zxid: p.zxid, data: p.data ?? Buffer.alloc(0) };
        this.log.push(txn);
        if (this.init.bugs.ackBeforeFsync) {
          if (!lr.observer && lr.ackEnabled) this.send(conn, opPacket(PacketType.ACK, txn.zxid));
          this.deferredAppends.push(txn);
          return;
        }
        const gen = this.gen;
        this.appendDurably([txn], () => {
          if (gen !== this.gen || lr.observer || !lr.ackEnabled) return;
          this.send(conn, opPacket(PacketType.ACK, txn.zxid));
        });
        return;
      }
      case PacketType.COMMIT:
        if (!this.hasZxid(p.zxid)) return this.protocolError(conn, `COMMIT of unknown ${zxidHex(p.zxid)}`);
        if (lr.phase === "broadcast") this.m.learnerCommits.inc();
        this.commitUpTo(p.zxid);
        return;
      case PacketType.INFORM: {
        if (!lr.observer) return this.protocolError(conn, "INFORM to a follower");
        if (p.zxid <= this.lastZxid) return;
        const txn: Txn = { zxid: p.zxid, data: p.data ?? Buffer.alloc(0) };
        this.log.push(txn);
        this.appendDurably([txn]);
        this.commitUpTo(txn.zxid);
        return;
      }
      case PacketType.NEWLEADER: {
        if (lr.phase !== "syncing") return this.protocolError(conn, "unexpected NEWLEADER");
        const e = epochOf(p.zxid);
        if (e !== lr.newEpoch) return this.protocolError(conn, `NEWLEADER for epoch ${e}, expected ${lr.newEpoch}`);
        lr.phase = "newLeaderPending";
        const gen = this.gen;
        this.persistEpoch("currentEpoch", e, () => {
          if (gen !== this.gen) return;
          lr.ackEnabled = true;
          lr.phase = "awaitingUptodate";
          this.send(conn, opPacket(PacketType.ACK, makeZxid(e, 0n)));
          if (lr.observer) return;
          // Proposals of the new epoch logged before NEWLEADER: ACK those that are durable (later ones ACK on their own).
          for (const t of this.log) {
            if (epochOf(t.zxid) === e && t.zxid <= this.durableZxid) this.send(conn, opPacket(PacketType.ACK, t.zxid));
          }
        });
        return;
      }
      case PacketType.UPTODATE: {
        if (lr.phase !== "awaitingUptodate") return this.protocolError(conn, "unexpected UPTODATE");
        lr.phase = "broadcast";
        // A quorum accepted the leader's initial history: everything before the new epoch is committed.
        let upTo = this._commitZxid;
        for (const t of this.log) if (epochOf(t.zxid) < lr.newEpoch) upTo = t.zxid;
        this.commitUpTo(upTo);
        this.send(conn, opPacket(PacketType.ACK, makeZxid(lr.newEpoch, 0n)));
        this.pending.events.push({ type: "active", epoch: lr.newEpoch });
        return;
      }
      case PacketType.PING:
        // Learner.ping: echo the packet with the session-touch table (empty here; the host may add its own).
        this.send(conn, { type: PacketType.PING, zxid: p.zxid, data: Buffer.alloc(0) });
        return;
      case PacketType.SYNC:
      case PacketType.REVALIDATE:
        return; // host business
      default:
        return this.protocolError(conn, `unexpected ${PACKET_NAMES[p.type] ?? p.type} from the leader`);
    }
  }

  private protocolError(conn: number, message: string): void {
    this.pending.events.push({ type: "protocolError", conn, message });
    const lr = this.learnerState;
    if (lr && lr.conn === conn) {
      this.pending.close.push(conn);
      lr.conn = undefined;
      this.goLooking(message);
    }
  }

  // ================================================================ shared helpers

  private send(conn: number, packet: Packet): void {
    this.pending.messages.push({ conn, packet });
    this.pending.lateConns.add(conn);
  }

  /**
   * A message that needs nothing of this Ready to be durable first: it may go out while the host persists
   * (unless the connection already has a message waiting in this Ready, which it must not overtake).
   */
  private sendEarly(conn: number, packet: Packet): void {
    if (this.pending.lateConns.has(conn)) this.send(conn, packet);
    else this.pending.early.push({ conn, packet });
  }

  private persistEpoch(kind: "acceptedEpoch" | "currentEpoch", epoch: bigint, then: () => void): void {
    if (!this.init.bugs.skipEpochPersist) this.pending.persist.push({ kind, epoch });
    this.pending.after.push(() => {
      if (kind === "acceptedEpoch") {
        if (epoch > this._acceptedEpoch) this._acceptedEpoch = epoch;
      } else if (epoch > this._currentEpoch) this._currentEpoch = epoch;
      then();
    });
  }

  private appendDurably(txns: Txn[], then?: () => void): void {
    const last = txns[txns.length - 1]!.zxid;
    const prev = this.pending.persist[this.pending.persist.length - 1];
    if (prev?.kind === "append") prev.txns.push(...txns);
    else this.pending.persist.push({ kind: "append", txns: [...txns] });
    this.pending.after.push(() => {
      if (last > this.durableZxid) this.durableZxid = last;
      then?.();
    });
  }

  private commitUpTo(zxid: bigint): void {
    if (zxid <= this._commitZxid) return;
    const log = this.log;
    for (let i = this.indexAfter(this._commitZxid); i < log.length; i++) {
      const t = log[i]!;
      if (t.zxid > zxid) break;
      this.pending.committed.push(t);
      this._commitZxid = t.zxid;
    }
  }

  /** Index of the first txn of the log window with a zxid above `z` (the window is in zxid order). */
  private indexAfter(z: bigint): number {
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
  private get appliedZxid(): bigint {
    let z = this._commitZxid;
    const c = this.pending.committed;
    if (c.length > 0) z = c[0]!.zxid - 1n; // below the first pending commit
    // The txns before the first pending commit are applied; find the txn just before it.
    if (c.length > 0) {
      const i = this.indexAfter(c[0]!.zxid - 1n) - 1;
      z = i >= 0 ? this.log[i]!.zxid : this.baseZxid;
    }
    return z;
  }

  private hasZxid(z: bigint): boolean {
    if (z === this.baseZxid) return true;
    const i = this.indexAfter(z) - 1;
    return i >= 0 && this.log[i]!.zxid === z;
  }

  /** The newest zxid we hold that is <= z (the window base at least). */
  private prevZxid(z: bigint): bigint {
    const i = this.indexAfter(z) - 1;
    return i >= 0 ? this.log[i]!.zxid : this.baseZxid;
  }

  /** Keeps at most maxDiffTxns committed + applied txns in memory (older ones are served by SNAP). */
  private trimLog(): void {
    const excess = this.log.length - this.init.maxDiffTxns;
    if (excess <= 0) return;
    let n = 0;
    const applied = this.pending.committed.length > 0 ? this.appliedZxid : this._commitZxid;
    while (n < excess && this.log[n]!.zxid <= applied && this.log[n]!.zxid <= this.durableZxid) n++;
    if (n === 0) return;
    this.baseZxid = this.log[n - 1]!.zxid;
    this.log = this.log.slice(n);
  }
}

function isForwarding(s: HandlerState): boolean {
  return s === "syncing" || s === "newLeaderAcked" || s === "uptodate";
}
