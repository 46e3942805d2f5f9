/**
 * Fast leader election (ZooKeeper 3.8 FastLeaderElection) as a pure state machine for one server.
 *
 * Inputs: `start(self)` (lookForLeader), `receive(fromSid, notification)` (what WorkerReceiver gets from the
 * connection manager) and `tick()` (timer expiries, read from the injected clock). Outputs accumulate in
 * `ready()`: notifications to send, whether to re-dial peers, and the decision once one is reached;
 * `advance()` acknowledges them. No timers, sockets or randomness inside: the clock is injected.
 *
 * Java runs WorkerReceiver and lookForLeader on two threads joined by a queue; here a received notification
 * is answered and then processed at once, in arrival order. Notifications to ourselves (ZooKeeper loops them
 * back through its receive queue) are processed right after the input that produced them.
 */
import { M, MetricsRegistry, type Counter, type Summary } from "@zkts/metrics";
import { nullLogger, type Clock, type Logger } from "@zkts/contracts";
import { decodeNotification, type Notification, type NotificationInit, ServerState } from "./notification.js";
import { parseCfgText, parseQuorumConfig, type QuorumVerifier } from "./quorum.js";
import { LONG_MIN, makeVote, totalOrderPredicate, type Vote, votesEqual } from "./vote.js";

/** FastLeaderElection.finalizeWait. */
export const FINALIZE_WAIT_MS = 200;
/** zookeeper.fastleader.minNotificationInterval default (= finalizeWait). */
export const MIN_NOTIFICATION_INTERVAL_MS = 200;
/** zookeeper.fastleader.maxNotificationInterval default. */
export const MAX_NOTIFICATION_INTERVAL_MS = 60_000;

/** Deliberately wrong behaviours, for proving that the simulator's invariants catch bugs. Never set in production. */
export interface ElectionFaults {
  /** Lower sid wins the last tie-break of the vote order. */
  invertSidOrder?: boolean;
}

export interface ElectionInit {
  sid: bigint;
  quorum: QuorumVerifier;
  finalizeWaitMs?: number;
  minNotificationIntervalMs?: number;
  maxNotificationIntervalMs?: number;
  faults?: ElectionFaults;
  /**
   * zkts's quicker election (not ZooKeeper's; default off, the host turns it on): (1) a quorum whose votes include
   * every voter's (except those `ElectionComponents.lost` reports) decides at once instead of after finalizeWait: no
   * better vote can come from anyone; (2) a looking peer whose vote in our round is worse than our proposal is told
   * our proposal (once per proposal), since it may have missed it (sent while it was still following). Neither
   * changes which votes count: a decision still needs a quorum agreeing, each voting for nothing worse than itself.
   */
  eager?: boolean;
  /**
   * reconfigEnabled: a notification carrying a newer config than ours, received while LOOKING, is not counted; the
   * host is handed its text (`Ready.newerConfig`) to adopt it and restart the election (WorkerReceiver ->
   * processReconfig, "restarting leader election").
   */
  followNewerConfigs?: boolean;
}

export interface ElectionComponents {
  /** The election reads monotonic time only (timeouts); it never schedules timers itself. */
  clock: Pick<Clock, "monotonic">;
  logger?: Logger;
  /**
   * QuorumCnxManager.haveDelivered: true when some peer's send queue is empty. On a notification timeout
   * the election re-sends its vote if so, and asks for re-dialling (`ready().connectAll`) otherwise.
   * Defaults to always true.
   */
  haveDelivered?: () => boolean;
  /**
   * True when the connection to voter `sid` is known lost (it was connected and is not now: a crashed or
   * partitioned peer). With `ElectionInit.eager`, its vote is not waited for. Defaults to never.
   */
  lost?: (sid: bigint) => boolean;
  /**
   * Where ZooKeeper's `looking_count` (rounds started: QuorumPeer entering LOOKING) and `election_time` (ms from
   * lookForLeader to its decision) are recorded. Default: a registry of its own.
   */
  metrics?: MetricsRegistry;
}

/** What the server knows about itself when it starts looking. */
export interface SelfState {
  /** Last logged zxid (QuorumPeer.getLastLoggedZxid). */
  zxid: bigint;
  /** currentEpoch (QuorumPeer.getCurrentEpoch). */
  peerEpoch: bigint;
}

export interface OutgoingNotification {
  to: bigint;
  notification: NotificationInit;
}

export interface Decision {
  /** LEADING, FOLLOWING or OBSERVING. */
  state: ServerState;
  /** The final vote: leader, its zxid and epoch, and the election round it was decided in. */
  vote: Vote;
  /** How it was reached: a quorum of LOOKING votes, or joining servers that already follow a leader. */
  via: "quorum" | "established";
  /** Clock time of the decision. */
  at: number;
}

export interface Ready {
  messages: OutgoingNotification[];
  /** The connection manager should (re)connect to every peer it has a queue for. */
  connectAll: boolean;
  decision?: Decision;
  /** A newer config a notification carried while looking (ElectionInit.followNewerConfigs). */
  newerConfig?: string;
}

export class FastLeaderElection {
  readonly sid: bigint;
  private quorumNow: QuorumVerifier;
  private readonly clock: Pick<Clock, "monotonic">;
  private readonly log: Logger;
  private readonly haveDelivered: () => boolean;
  private readonly lost: (sid: bigint) => boolean;
  private readonly eager: boolean;
  private readonly finalizeWait: number;
  private readonly minInterval: number;
  private readonly maxInterval: number;
  private readonly faults: ElectionFaults;
  private configText: string;
  private isParticipant: boolean;

  private _state: ServerState = ServerState.LOOKING;
  private started = false;
  private stopped = false;
  private self: SelfState = { zxid: -1n, peerEpoch: -1n };
  private _logicalClock = 0n;
  private proposedLeader = -1n;
  private proposedZxid = -1n;
  private proposedEpoch = -1n;
  private _currentVote: Vote | undefined;
  private recvset = new Map<bigint, Vote>();
  /** eager: the proposal (vote key) last told to each peer that sent a worse vote in this round. */
  private toldBack = new Map<bigint, string>();
  private outofelection = new Map<bigint, Vote>();
  private notTimeout: number;
  private pollDeadline = 0;
  /** Set while waiting finalizeWait after a quorum agreed; the decision happens at this time. */
  private finalizeDeadline: number | undefined;
  private readonly pending: Array<[bigint, Notification]> = [];
  private readonly loopback: Notification[] = [];
  private processing = false;

  private out: OutgoingNotification[] = [];
  private wantConnectAll = false;
  private decision: Decision | undefined;
  private newerConfig: string | undefined;
  private readonly followNewerConfigs: boolean;

  private readonly lookingCount: Counter;
  private readonly electionTime: Summary;
  /** clock.now() when the current round started (for election_time). */
  private lookingSince = 0;

  constructor(init: ElectionInit, components: ElectionComponents) {
    const metrics = components.metrics ?? new MetricsRegistry();
    this.lookingCount = metrics.counter(M.LOOKING_COUNT);
    this.electionTime = metrics.summary(M.ELECTION_TIME);
    this.sid = init.sid;
    this.quorumNow = init.quorum;
    this.clock = components.clock;
    this.log = components.logger ?? nullLogger;
    this.haveDelivered = components.haveDelivered ?? (() => true);
    this.lost = components.lost ?? (() => false);
    this.eager = init.eager === true;
    this.finalizeWait = init.finalizeWaitMs ?? FINALIZE_WAIT_MS;
    this.minInterval = init.minNotificationIntervalMs ?? MIN_NOTIFICATION_INTERVAL_MS;
    this.maxInterval = init.maxNotificationIntervalMs ?? MAX_NOTIFICATION_INTERVAL_MS;
    this.faults = init.faults ?? {};
    this.followNewerConfigs = init.followNewerConfigs === true;
    this.configText = init.quorum.toString();
    this.notTimeout = this.minInterval;
    const me = init.quorum.allMembers.get(init.sid);
    this.isParticipant = me === undefined ? !init.quorum.observingMembers.has(init.sid) : me.type === "participant";
  }

  // ---- observation ----

  /** The config the election counts votes with (QuorumPeer's active quorum verifier). */
  get quorum(): QuorumVerifier {
    return this.quorumNow;
  }

  /**
   * A new config became active (a reconfig committed, a newer config adopted): votes are counted with it and
   * notifications carry its text from the next one sent (QuorumPeer.restartLeaderElection takes the new view).
   */
  setQuorum(qv: QuorumVerifier): void {
    this.quorumNow = qv;
    this.configText = qv.toString();
    const me = qv.allMembers.get(this.sid);
    this.isParticipant = me === undefined ? !qv.observingMembers.has(this.sid) : me.type === "participant";
  }

  get state(): ServerState {
    return this._state;
  }
  /** The election round (logicalclock). */
  get logicalClock(): bigint {
    return this._logicalClock;
  }
  /** The vote being proposed in the current round. */
  get proposal(): Vote {
    return makeVote(this.proposedLeader, this.proposedZxid, this._logicalClock, this.proposedEpoch);
  }
  /** QuorumPeer.getCurrentVote: the last decided vote (or our own initial vote before any decision). */
  get currentVote(): Vote | undefined {
    return this._currentVote;
  }
  /** Current notification back-off interval. */
  get notificationInterval(): number {
    return this.notTimeout;
  }
  get isLooking(): boolean {
    return this.started && !this.stopped && this._state === ServerState.LOOKING;
  }

  // ---- inputs ----

  /**
   * lookForLeader: start a new round (logicalclock + 1) proposing ourselves (or nobody, for an observer)
   * and notify every voter. Called at boot and again whenever the server goes back to LOOKING.
   */
  start(self: SelfState): void {
    if (this.stopped) return;
    this.self = { ...self };
    if (this._currentVote === undefined) this._currentVote = makeVote(this.sid, self.zxid, -1n, self.peerEpoch);
    this._state = ServerState.LOOKING;
    this.started = true;
    this.decision = undefined;
    this.recvset = new Map();
    this.toldBack = new Map();
    this.outofelection = new Map();
    this.finalizeDeadline = undefined;
    this.notTimeout = this.minInterval;
    this._logicalClock += 1n;
    this.updateProposal(this.initId(), this.initZxid(), this.initEpoch());
    this.log.info("new election", { sid: this.sid, round: this._logicalClock, zxid: this.proposedZxid });
    this.sendNotifications();
    this.lookingSince = this.clock.monotonic();
    this.lookingCount.inc();
    this.pollDeadline = this.lookingSince + this.notTimeout;
    const queued = this.pending.splice(0);
    this.run(() => {
      for (const [from, n] of queued) this.handle(from, n);
    });
  }

  /**
   * QuorumPeer.updateElectionVote (ZOOKEEPER-1732): once the decided leader's new epoch is established, the vote
   * this server reports to looking peers carries that epoch. Otherwise members that decided in different rounds
   * report the same leader with different peer epochs, out-of-election votes never match (they compare leader and
   * peerEpoch), and a restarted server can look for a leader forever.
   */
  updateElectionVote(peerEpoch: bigint): void {
    const v = this._currentVote;
    if (v === undefined) return;
    this._currentVote = { ...v, peerEpoch };
  }

  /**
   * QuorumPeer.updateVote + updateServerState after a reconfig that changed this member's role or designated another
   * leader: the member takes its new role without an election (leading if designated, else following or observing
   * as the active config says); looking peers are told this vote (new Vote(designatedLeader, zxid)).
   */
  reconfigured(leader: bigint, zxid: bigint): Decision {
    const vote = makeVote(leader, zxid, -1n, -1n);
    const state = leader === this.sid ? ServerState.LEADING : this.isParticipant ? ServerState.FOLLOWING : ServerState.OBSERVING;
    this._state = state;
    this._currentVote = vote;
    this.finalizeDeadline = undefined;
    this.log.info("role set by a reconfig", { sid: this.sid, state, leader });
    return { state, vote, via: "established", at: this.clock.monotonic() };
  }

  /** Stops the election: nothing is processed or sent any more. */
  stop(): void {
    this.stopped = true;
    this.finalizeDeadline = undefined;
    this.out = [];
  }

  /** Decodes and receives a notification; undecodable bytes are dropped (ZooKeeper logs and drops them). */
  receiveBytes(from: bigint, payload: Uint8Array): boolean {
    let n: Notification;
    try {
      n = decodeNotification(payload);
    } catch (e) {
      this.log.warn("dropping undecodable notification", { from, error: String(e) });
      return false;
    }
    this.receive(from, n);
    return true;
  }

  /** A notification from `from` (WorkerReceiver). */
  receive(from: bigint, n: Notification): void {
    if (this.stopped) return;
    if (!this.started) {
      // ZooKeeper queues what arrives before lookForLeader runs (RECV_CAPACITY 100, oldest dropped).
      this.pending.push([from, n]);
      if (this.pending.length > 100) this.pending.shift();
      return;
    }
    this.run(() => this.handle(from, n));
  }

  /** Fires whatever timer is due at the clock's current time. */
  tick(): void {
    if (!this.isLooking) return;
    const now = this.clock.monotonic();
    this.run(() => {
      if (this.finalizeDeadline !== undefined) {
        if (now >= this.finalizeDeadline) this.finish("quorum");
        return;
      }
      if (now >= this.pollDeadline) {
        if (this.haveDelivered()) this.sendNotifications();
        else this.wantConnectAll = true;
        this.notTimeout = Math.min(this.notTimeout * 2, this.maxInterval);
        this.log.debug("notification timeout", { sid: this.sid, next: this.notTimeout });
        this.pollDeadline = now + this.notTimeout;
      }
    });
  }

  /** When `tick()` should next be called; undefined when no timer runs. */
  nextDeadline(): number | undefined {
    if (!this.isLooking) return undefined;
    return this.finalizeDeadline ?? this.pollDeadline;
  }

  // ---- outputs ----

  hasReady(): boolean {
    return this.out.length > 0 || this.wantConnectAll || this.decision !== undefined || this.newerConfig !== undefined;
  }

  ready(): Ready {
    const r: Ready = { messages: this.out, connectAll: this.wantConnectAll };
    if (this.decision) r.decision = this.decision;
    if (this.newerConfig !== undefined) r.newerConfig = this.newerConfig;
    return r;
  }

  advance(): void {
    this.out = [];
    this.wantConnectAll = false;
    this.decision = undefined;
    this.newerConfig = undefined;
  }

  // ---- internals ----

  private run(fn: () => void): void {
    if (this.processing) {
      fn();
      return;
    }
    this.processing = true;
    try {
      fn();
      while (this.loopback.length > 0 && !this.stopped) this.handle(this.sid, this.loopback.shift()!);
    } finally {
      this.processing = false;
    }
  }

  private validVoter(sid: bigint): boolean {
    return this.quorum.votingMembers.has(sid);
  }

  private initId(): bigint {
    return this.validVoter(this.sid) ? this.sid : LONG_MIN;
  }
  private initZxid(): bigint {
    return this.isParticipant ? this.self.zxid : LONG_MIN;
  }
  private initEpoch(): bigint {
    return this.isParticipant ? this.self.peerEpoch : LONG_MIN;
  }

  private better(id: bigint, zxid: bigint, epoch: bigint, curId: bigint, curZxid: bigint, curEpoch: bigint): boolean {
    return totalOrderPredicate(
      id,
      zxid,
      epoch,
      curId,
      curZxid,
      curEpoch,
      this.quorum.weight(id),
      this.faults.invertSidOrder === true,
    );
  }

  private updateProposal(leader: bigint, zxid: bigint, epoch: bigint): void {
    this.proposedLeader = leader;
    this.proposedZxid = zxid;
    this.proposedEpoch = epoch;
  }

  private send(to: bigint, notification: NotificationInit): void {
    if (to === this.sid) {
      this.loopback.push({ ...notification, version: 2, config: Buffer.from(this.configText) });
    } else {
      this.out.push({ to, notification });
    }
  }

  private notif(state: ServerState, leader: bigint, zxid: bigint, electionEpoch: bigint, peerEpoch: bigint): NotificationInit {
    return { state, leader, zxid, electionEpoch, peerEpoch, config: this.configText };
  }

  /** sendNotifications: our proposal, as LOOKING, to every voter (ourselves included). */
  private sendNotifications(): void {
    for (const sid of this.quorum.votingMembers.keys()) {
      this.send(
        sid,
        this.notif(ServerState.LOOKING, this.proposedLeader, this.proposedZxid, this._logicalClock, this.proposedEpoch),
      );
    }
  }

  /** WorkerReceiver.run for one message. */
  private handle(from: bigint, n: Notification): void {
    if (this.stopped) return;
    if (this.followNewerConfigs && this._state === ServerState.LOOKING && n.config !== undefined && n.config.length > 0) {
      const text = n.config.toString("utf8");
      let version = -1n;
      try {
        version = parseQuorumConfig(parseCfgText(text)).version;
      } catch {
        // ZooKeeper logs the ConfigException and counts the notification as usual
      }
      if (version > this.quorumNow.version) {
        this.log.info("notification with a newer config: restarting the election", { sid: this.sid, from, version: version.toString(16) });
        this.newerConfig = text;
        return;
      }
    }
    if (!this.validVoter(from)) {
      // Observers and non-voters get our current vote straight back.
      const cur = this._currentVote!;
      this.send(from, this.notif(this._state, cur.leader, cur.zxid, this._logicalClock, cur.peerEpoch));
      return;
    }
    if (n.state !== 0 && n.state !== 1 && n.state !== 2 && n.state !== 3) return;
    if (this._state === ServerState.LOOKING) {
      const lagging = n.state === ServerState.LOOKING && n.electionEpoch < this._logicalClock;
      const reply = lagging
        ? this.notif(this._state, this.proposedLeader, this.proposedZxid, this._logicalClock, this.proposedEpoch)
        : undefined;
      this.dequeued(from, n);
      if (reply) this.send(from, reply);
    } else if (n.state === ServerState.LOOKING) {
      // Not looking: tell a looking peer who we think leads.
      const cur = this._currentVote!;
      this.send(from, this.notif(this._state, cur.leader, cur.zxid, cur.electionEpoch, cur.peerEpoch));
    }
  }

  /** A notification taken off lookForLeader's receive queue. */
  private dequeued(from: bigint, n: Notification): void {
    const now = this.clock.monotonic();
    this.log.debug("notification", { from, state: n.state, leader: n.leader, round: n.electionEpoch, finalizing: this.finalizeDeadline !== undefined });
    if (this.finalizeDeadline !== undefined) {
      // Finalizing: only a better vote interrupts; anything else is consumed and restarts the wait.
      if (this.better(n.leader, n.zxid, n.peerEpoch, this.proposedLeader, this.proposedZxid, this.proposedEpoch)) {
        this.finalizeDeadline = undefined;
      } else {
        this.finalizeDeadline = now + this.finalizeWait;
        // eager: the vote of a voter still missing, equal to ours, completes the set
        const v = makeVote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch);
        if (this.eager && n.state === ServerState.LOOKING && this.validVoter(from) && votesEqual(v, this.proposal)) {
          this.recvset.set(from, v);
          if (this.everyVoterAgrees(this.proposal)) this.finish("quorum");
        }
        return;
      }
    }
    this.pollDeadline = now + this.notTimeout;
    if (!(this.validVoter(from) && this.validVoter(n.leader))) {
      this.log.debug("ignoring notification", { from, leader: n.leader });
      return;
    }
    switch (n.state) {
      case ServerState.LOOKING:
        this.onLooking(from, n, now);
        break;
      case ServerState.OBSERVING:
        break;
      case ServerState.FOLLOWING:
      case ServerState.LEADING:
        this.onSettled(from, n);
        break;
    }
  }

  private onLooking(from: bigint, n: Notification, now: number): void {
    if (this.initZxid() === -1n || n.zxid === -1n) return;
    if (n.electionEpoch > this._logicalClock) {
      this._logicalClock = n.electionEpoch;
      this.recvset.clear();
      this.toldBack.clear();
      if (this.better(n.leader, n.zxid, n.peerEpoch, this.initId(), this.initZxid(), this.initEpoch())) {
        this.updateProposal(n.leader, n.zxid, n.peerEpoch);
      } else {
        this.updateProposal(this.initId(), this.initZxid(), this.initEpoch());
      }
      this.sendNotifications();
    } else if (n.electionEpoch < this._logicalClock) {
      return;
    } else if (this.better(n.leader, n.zxid, n.peerEpoch, this.proposedLeader, this.proposedZxid, this.proposedEpoch)) {
      this.updateProposal(n.leader, n.zxid, n.peerEpoch);
      this.sendNotifications();
    } else if (this.eager && from !== this.sid) {
      this.tellBack(from, makeVote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch));
    }
    this.recvset.set(from, makeVote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch));
    const mine = makeVote(this.proposedLeader, this.proposedZxid, this._logicalClock, this.proposedEpoch);
    if (this.hasQuorum(this.recvset, mine)) {
      if (this.eager && this.everyVoterAgrees(mine)) this.finish("quorum");
      else this.finalizeDeadline = now + this.finalizeWait;
    }
  }

  /** eager: a peer whose vote in our round is worse than our proposal gets the proposal, once per proposal. */
  private tellBack(from: bigint, theirs: Vote): void {
    const mine = this.proposal;
    if (votesEqual(theirs, mine)) return;
    const key = `${mine.leader}/${mine.zxid}/${mine.peerEpoch}/${mine.electionEpoch}`;
    if (this.toldBack.get(from) === key) return;
    this.toldBack.set(from, key);
    this.send(from, this.notif(ServerState.LOOKING, mine.leader, mine.zxid, mine.electionEpoch, mine.peerEpoch));
  }

  /** eager: every voter but the lost ones has a vote equal to `vote` in this round (ourselves included). */
  private everyVoterAgrees(vote: Vote): boolean {
    for (const sid of this.quorum.votingMembers.keys()) {
      const v = this.recvset.get(sid);
      if (v !== undefined && votesEqual(v, vote)) continue;
      if (sid === this.sid || !this.lost(sid)) return false;
    }
    return true;
  }

  private onSettled(from: bigint, n: Notification): void {
    const state = n.state as ServerState;
    if (n.electionEpoch === this._logicalClock) {
      this.recvset.set(from, makeVote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch, state, 0));
      const v = makeVote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch, state, n.version);
      if (this.hasQuorum(this.recvset, v) && this.checkLeader(this.recvset, n.leader, n.electionEpoch)) {
        this.decide(n.leader, makeVote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch), "established");
        return;
      }
    }
    const v = makeVote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch, state, n.version);
    this.outofelection.set(from, v);
    if (this.hasQuorum(this.outofelection, v) && this.checkLeader(this.outofelection, n.leader, n.electionEpoch)) {
      this._logicalClock = n.electionEpoch;
      this.decide(n.leader, makeVote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch), "established");
    }
  }

  /** getVoteTracker(...).hasAllQuorums(): do the voters whose vote equals `vote` form a quorum? */
  private hasQuorum(votes: Map<bigint, Vote>, vote: Vote): boolean {
    const acks: bigint[] = [];
    for (const [sid, v] of votes) if (votesEqual(vote, v) && this.validVoter(sid)) acks.push(sid);
    return this.quorum.containsQuorum(acks);
  }

  /** checkLeader: a leader other than us must have told us it is LEADING; if it is us, the round must match. */
  private checkLeader(votes: Map<bigint, Vote>, leader: bigint, electionEpoch: bigint): boolean {
    if (leader !== this.sid) {
      const v = votes.get(leader);
      return v !== undefined && v.state === ServerState.LEADING;
    }
    return this._logicalClock === electionEpoch;
  }

  private finish(via: "quorum"): void {
    this.decide(
      this.proposedLeader,
      makeVote(this.proposedLeader, this.proposedZxid, this._logicalClock, this.proposedEpoch),
      via,
    );
  }

  private decide(leader: bigint, vote: Vote, via: "quorum" | "established"): void {
    const state =
      leader === this.sid ? ServerState.LEADING : this.isParticipant ? ServerState.FOLLOWING : ServerState.OBSERVING;
    this._state = state;
    this._currentVote = vote;
    this.finalizeDeadline = undefined;
    this.loopback.length = 0;
    const at = this.clock.monotonic();
    this.decision = { state, vote, via, at };
    this.electionTime.observe(at - this.lookingSince);
    this.log.info("election decided", { sid: this.sid, state, leader, round: vote.electionEpoch });
  }
}
