/**
 * One ensemble member (ZooKeeper's QuorumPeer), pure: fast leader election (@zkts/election's FastLeaderElection),
 * then ZAB (@zkts/zab's ZabPeer) as leader / follower / observer, the durable store (txn log, snapshots, epoch
 * files through persistence's Storage), and a @zkts/core server per serving period: created when ZAB is active,
 * aborted when the member loses its leader or quorum. Everything outside comes in through QuorumPeerEnv (clock,
 * random, both transports, storage), so the Node adapters and the whole-cluster simulator run the same code.
 *
 * Host loop for each ZAB Ready: send early (handed to the transport at once) -> apply committed txns already durable
 * here -> persist (durably; the write starts at once) -> send -> apply the other committed txns -> events ->
 * advance, then the snapshot cadence.
 */
import { OpCode } from "@zkts/client-wire";
import type { Clock, ClientPortHandler, Logger, TimerHandle } from "@zkts/contracts";
import { encodeTxn, ZooKeeperServer, type ServerInit, type ServerComponents, type TxnListener, type TxnLogPort } from "@zkts/core";
import { DataTree } from "@zkts/datatree";
import { FastLeaderElection, ServerState, encodeNotification, type Decision, type QuorumVerifier } from "@zkts/election";
import { MetricsRegistry } from "@zkts/metrics";
import { decodeTxn, TxnType } from "@zkts/persistence";
import { makeZxid, PacketType, ZabPeer, type Packet, type Ready } from "@zkts/zab";
import { forwardedRequestOrWarn, learnerPingData, learnerSessionPacket, requestPacket, Revalidations } from "./forwarding.js";
import { clientPortSwitch } from "./client-port.js";
import { ReadOnlyMode } from "./read-only.js";
import { registerLeaderGauges, SyncTracker } from "./syncs.js";
import { ConfigVersions } from "./config-versions.js";
import { EarlyApplier } from "./faults.js";
import { durableCommittedPrefix } from "./apply-early.js";
import { EnsembleStore } from "./store.js";
import { PendingAccepts } from "./pending-accepts.js";
import type { PeerMode, QuorumPeerEnv, QuorumPeerInit } from "./types.js";

const TXN_TYPE_OFFSET = 28; // TxnHeader: long clientId, int cxid, long zxid, long time, then int type

export class QuorumPeer {
  readonly sid: bigint;
  readonly tree: DataTree;
  readonly store: EnsembleStore;
  readonly zab: ZabPeer;
  readonly metrics: MetricsRegistry;
  /** The client port's handler: the core of the current serving period, the read-only server, or "not serving". */
  readonly clientPort: ClientPortHandler;

  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly fle: FastLeaderElection;
  private readonly defer: (fn: () => void) => void;
  /** Answers 4lw while no core serves (srvr: Mode: looking); never started. */
  private readonly idle: ZooKeeperServer;
  /** The server core's settings, with this member's id as the session id prefix. */
  private readonly serverInit: ServerInit;

  private modeNow: PeerMode = "looking";
  private core: ZooKeeperServer | undefined;
  private started = false;
  private stopping = false;
  private failed = false;

  // leader: the current core's txns are proposed through ZAB; it hears, once per Ready, up to which zxid they committed
  private leaderListener: TxnListener | undefined;
  /** Leader: the first and last zxids the current core proposed (0: none). */
  private leaderFirst = 0n;
  private leaderProposed = 0n;
  // learner
  private readonly syncs = new SyncTracker();
  private readonly revalidations = new Revalidations();
  private learnerConn: number | undefined;
  /** Learner connections accepted before this member decided to lead (conn -> accepted at, monotonic ms). */
  private readonly pendingAccepts = new PendingAccepts();
  /** The committed (active) and last seen configs (QuorumPeer's quorum verifiers). */
  readonly configs: ConfigVersions;
  /** The applyUncommitted fault (simulation only). */
  private readonly early: EarlyApplier | undefined;
  // read-only mode
  private readonly readOnly: ReadOnlyMode;
  // election
  private electing = false;
  private electionTimer: TimerHandle | undefined;
  private lookingSince = 0;
  private leaderOfLastElection: bigint | undefined;
  // host loop
  private ticker: TimerHandle | undefined;
  private pumping = false;
  private kickQueued = false;
  private stopped: Promise<void> | undefined;

  private constructor(
    private readonly init: QuorumPeerInit,
    private readonly env: QuorumPeerEnv,
    tree: DataTree,
    store: EnsembleStore,
    metrics: MetricsRegistry,
  ) {
    this.sid = init.sid;
    this.tree = tree;
    this.store = store;
    this.metrics = metrics;
    this.clock = env.clock;
    this.log = env.logger;
    this.defer = env.defer ?? ((fn) => void env.clock.setTimer(0, fn));
    const quorum = init.quorum;
    const onActive = (qv: QuorumVerifier) => {
      this.zab.setQuorum(qv);
      this.fle.setQuorum(qv);
    };
    this.configs = new ConfigVersions(init, env.logger, env.onConfigCommitted, onActive, env.onConfigSeen);
    this.zab = new ZabPeer(
      { sid: init.sid, quorum, initLimit: init.initLimit, syncLimit: init.syncLimit, configVersion: () => this.configs.committed.version, pendingQuorum: () => this.configs.pending, quorumVerifierBytes: (e) => this.configs.newLeaderBytes(e), ...(init.faults?.reconfigOldQuorumOnly === true ? { bugs: { reconfigOldQuorumOnly: true } } : {}) },
      { acceptedEpoch: store.acceptedEpoch, currentEpoch: store.currentEpoch, snapshotZxid: store.snapshotZxid, log: store.restoredLog },
      { metrics, learnerPingData: () => learnerPingData(this.core), ...(env.onLeaderCommit !== undefined ? { onLeaderCommit: env.onLeaderCommit } : {}) },
    );
    this.fle = new FastLeaderElection(
      { sid: init.sid, quorum, followNewerConfigs: init.reconfigEnabled === true, eager: init.eagerElection !== false, ...(init.finalizeWaitMs !== undefined ? { finalizeWaitMs: init.finalizeWaitMs } : {}) },
      { clock: env.clock, logger: env.electionLogger ?? env.logger, haveDelivered: () => env.electionNet.haveDelivered(), lost: (sid) => env.electionNet.lost?.(sid) === true, metrics },
    );
    // A member's session ids carry its server id in their top byte (SessionTrackerImpl.initializeNextSessionId):
    // without it every member would hand out ids from the same sequence, and two clients could share a session.
    this.early = init.faults?.applyUncommitted === true ? new EarlyApplier(tree, store) : undefined;
    this.serverInit = { ...init.server, serverId: init.server.serverId ?? Number(init.sid) };
    this.idle = new ZooKeeperServer({ ...this.serverInit, serverState: "looking" }, this.components(tree));
    this.readOnly = new ReadOnlyMode({
      clock: env.clock,
      logger: env.logger,
      // ZooKeeper starts its ReadOnlyZooKeeperServer max(2000, tickTime) ms into LOOKING.
      delayMs: Math.max(2000, init.tickTime),
      source: tree,
      makeTree: () => new DataTree({ ...init.tree, metrics }),
      makeCore: (copy) => {
        const c = new ZooKeeperServer({ ...this.serverInit, serverState: "read-only" }, { ...this.components(copy), ensemble: { role: "read-only" } });
        c.onOutstandingDrained = () => this.clientPort.onOutstandingDrained?.();
        return c;
      },
    });
    this.clientPort = clientPortSwitch({
      core: () => this.core,
      readOnly: () => this.readOnly.server,
      serving: () => this.serving,
      modeName: () => this.modeName,
      peerState: () => (this.zab.zabState === "election" ? this.zab.role : `${this.zab.role} - ${this.zab.zabState}`),
    });
    const synced = (): bigint[] | undefined =>
      this.modeNow === "leader" && this.core !== undefined ? this.zab.syncedLearners().filter((s) => s !== this.sid) : undefined;
    registerLeaderGauges(metrics, synced, (s) => this.configs.committed.votingMembers.has(s));
  }

  /** Restores the member's data from `env.storage` (snapshot, log, epochs); `start()` then begins electing. */
  static async open(init: QuorumPeerInit, env: QuorumPeerEnv): Promise<QuorumPeer> {
    const metrics = env.metrics ?? new MetricsRegistry();
    const tree = new DataTree({ ...init.tree, metrics });
    const store = await EnsembleStore.open({
      ...init.store,
      ...(env.snapshotDigester !== undefined ? { snapshotDigester: env.snapshotDigester } : {}),
      storage: env.storage, tree, clock: env.clock, random: env.random, logger: env.logger, metrics,
    });
    return new QuorumPeer(init, env, tree, store, metrics);
  }

  // ---- what the outside reads -----------------------------------------------------------------------------------

  /** The member's role; "looking" while electing or synchronising. */
  get mode(): PeerMode {
    return this.modeNow;
  }
  /** srvr/stat/mntr: the role once serving, "read-only" or "looking" until then. */
  get modeName(): string {
    return this.core === undefined ? (this.readOnly.server !== undefined ? "read-only" : "looking") : this.modeNow;
  }
  /** The core serving clients now (the idle one, which only answers 4lw, when none). */
  get serving(): ZooKeeperServer {
    return this.core ?? this.readOnly.server?.core ?? this.idle;
  }
  /** True while a core of a ZAB-active period serves clients. */
  get isServing(): boolean {
    return this.core !== undefined;
  }

  get isReadOnly(): boolean {
    return this.core === undefined && this.readOnly.server !== undefined;
  }
  /** The leader of the last decided election, unless looking again. */
  get leader(): bigint | undefined {
    return this.modeNow === "looking" ? undefined : this.leaderOfLastElection;
  }
  /** The leader the last election decided (kept while looking again). */
  get lastElectedLeader(): bigint | undefined {
    return this.leaderOfLastElection;
  }
  /** True once the host loop failed (a storage error); the member does nothing more. */
  get hasFailed(): boolean {
    return this.failed;
  }

  // ---- life -----------------------------------------------------------------------------------------------------

  /** Starts ticking and looking for a leader. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const tick = () => {
      if (this.stopping) return;
      if (this.pendingAccepts.size > 0) this.dropPendingAccepts(this.init.tickTime * this.init.initLimit);
      this.zab.tick();
      this.kick();
      this.ticker = this.clock.setTimer(this.init.tickTime, tick);
    };
    this.ticker = this.clock.setTimer(this.init.tickTime, tick);
    this.elect();
  }

  /** Stops serving, electing and ZAB; cancels a snapshot in progress (EnsembleStore.close); closes the txn log. The transports are the caller's. */
  shutdown(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      if (this.ticker !== undefined) this.clock.clearTimer(this.ticker);
      if (this.electionTimer !== undefined) this.clock.clearTimer(this.electionTimer);
      this.stopServing("server shutdown");
      this.readOnly.stop("server shutdown");
      this.zab.stop("shutdown");
      this.fle.stop();
      await this.store.close();
    })();
    return this.stopped;
  }

  // ---- inputs from the election port ---------------------------------------------------------------------------

  electionMessage(from: bigint, payload: Uint8Array): void {
    if (this.stopping) return;
    this.fle.receiveBytes(from, payload);
    this.pumpElection();
  }

  // ---- inputs from the quorum port -----------------------------------------------------------------------------

  /** A learner connected to our quorum port. */
  quorumAccepted(conn: number): void {
    if (this.stopping) return;
    if (this.zab.role !== "leading") {
      // A learner that decided faster than we did: held until our own decision (LearnerCnxAcceptor starts when
      // LEADING), closed if we do not lead.
      this.pendingAccepts.add(conn, this.clock.monotonic());
      return;
    }
    this.zab.accepted(conn);
    this.kick();
  }

  quorumPacket(conn: number, p: Packet): void {
    if (this.stopping) return;
    if (this.pendingAccepts.has(conn)) {
      // FOLLOWERINFO before we lead: kept for when we do
      this.pendingAccepts.hold(conn, p);
      return;
    }
    this.onPacket(conn, p);
    this.zab.step(conn, p);
    this.kick();
  }

  /** The frame after a SNAP packet. */
  quorumSnapshot(conn: number, bytes: Buffer): void {
    if (this.stopping) return;
    this.zab.stepSnapshot(conn, bytes);
    this.kick();
  }

  quorumClosed(conn: number): void {
    if (this.pendingAccepts.delete(conn)) return;
    if (conn === this.learnerConn) this.learnerConn = undefined;
    if (this.stopping) return;
    this.zab.closed(conn);
    this.kick();
  }

  private components(tree: DataTree): ServerComponents {
    return { clock: this.clock, random: this.env.random, logger: this.log, tree, metrics: this.metrics };
  }

  // ---- host business carried in quorum packets: REQUEST, session PINGs, REVALIDATE, SYNC ------------------------

  private onPacket(conn: number, p: Packet): void {
    if (this.zab.role === "leading") {
      if (p.type === PacketType.REQUEST) {
        const r = forwardedRequestOrWarn(p, conn, this.log);
        if (r === undefined) return;
        if (r.type === OpCode.sync) {
          // Answered (a bare SYNC, zxid 0, as ZooKeeper's Leader.sendSync) once everything proposed so far is
          // committed and those COMMITs are sent: while a Ready is pending or pumped, the pump answers after it.
          this.syncs.requested(conn, this.zab.lastZxid);
          if (this.pumping || this.zab.hasReady()) this.kick();
          else this.answerLeaderSyncs();
          return;
        }
        if (this.core !== undefined && this.zab.isActiveLeader) this.core.submitRemote(r);
        else this.log.warn("dropping a forwarded request: not an active leader", { conn, sessionId: `0x${r.sessionId.toString(16)}`, type: r.type });
        return;
      }
      const answer = learnerSessionPacket(p, this.core, this.init.faults?.ignoreSessionPings === true);
      if (answer !== undefined) this.env.quorumNet.send(conn, answer);
      return;
    }
    if (p.type === PacketType.DIFF || p.type === PacketType.TRUNC || p.type === PacketType.SNAP) {
      const kind = p.type === PacketType.DIFF ? "DIFF" : p.type === PacketType.TRUNC ? "TRUNC" : "SNAP";
      this.log.info("synchronising with the leader", { kind, zxid: `0x${p.zxid.toString(16)}`, ours: `0x${this.zab.lastZxid.toString(16)}` });
    } else if (p.type === PacketType.REVALIDATE) {
      if (!this.revalidations.answered(p)) this.log.warn("dropping a malformed REVALIDATE answer", { conn });
    } else if (p.type === PacketType.PROPOSAL && p.data !== null && p.data.length >= TXN_TYPE_OFFSET + 4 && p.data.readInt32BE(TXN_TYPE_OFFSET) === TxnType.reconfig) {
      this.configs.proposedTxn(p.data); // Follower.processPacket: the last seen config
    } else if (p.type === PacketType.NEWLEADER) {
      this.configs.newLeaderSeen(p.data);
    } else if (p.type === PacketType.SYNC) {
      // The leader's answer to our oldest forwarded sync (no session, zxid 0): done once we applied every txn
      // whose COMMIT came before it.
      if (this.syncs.leaderAnswered(this.zab.commitZxid)) this.releaseSyncs();
      else this.log.warn("a SYNC from the leader matches no forwarded sync", { conn });
    }
  }

  /** Leader: sends SYNC for forwarded syncs whose zxid is committed. */
  private answerLeaderSyncs(): void {
    for (const s of this.syncs.answerable(this.zab.commitZxid)) this.env.quorumNet.send(s.conn, { type: PacketType.SYNC, zxid: 0n, data: null });
  }

  private releaseSyncs(): void {
    if (this.core === undefined) return;
    for (const s of this.syncs.due(this.tree.lastProcessedZxid)) this.core.syncDone(s.sessionId, s.cxid);
  }

  private dropPendingAccepts(olderThanMs: number): void {
    for (const c of this.pendingAccepts.drop(this.clock.monotonic(), olderThanMs)) this.env.quorumNet.close(c);
  }

  // ---- serving periods -------------------------------------------------------------------------------------------

  private leaderPort(): TxnLogPort {
    return {
      logTxn: (hdr, txn, digest) => {
        // the bytes ZooKeeper's leader proposes and logs: TxnHeader, record, TxnDigest (digest.enabled)
        const next = hdr.type === TxnType.reconfig ? this.configs.proposedReconfig(txn) : undefined; // Leader.propose
        const z = this.zab.propose(encodeTxn(hdr, txn, digest), next);
        if (z !== hdr.zxid) {
          this.log.error("zxid mismatch between core and ZAB: stepping down", { core: hdr.zxid.toString(16), zab: z.toString(16) });
          this.zab.stop("zxid mismatch");
        }
        if (this.leaderFirst === 0n) this.leaderFirst = z;
        this.leaderProposed = z;
        if (this.init.faults?.answerBeforeCommit === true) this.leaderListener?.durable(z);
        this.kick();
      },
      setTxnListener: (l) => {
        this.leaderListener = l;
      },
    };
  }

  private startServing(epoch: bigint): void {
    this.stopServing("new serving period");
    this.readOnly.stop("serving again");
    const m = this.modeNow;
    const base = this.components(this.tree);
    const activeConfig = () => Buffer.from(this.configs.committed.toString());
    const c = new ZooKeeperServer(
      { ...this.serverInit, serverState: m },
      m === "leader"
        ? { ...base, ensemble: { role: "leader", activeConfig, reconfig: this.configs.reconfigCheck(this.sid, () => this.zab.syncedFollowers()) }, txnLog: this.leaderPort() }
        : {
            ...base,
            ensemble: {
              role: "learner",
              activeConfig,
              forward: (r) => {
                if (this.learnerConn === undefined) return;
                if (r.type === OpCode.sync) this.syncs.forwardedSync(r.sessionId, r.cxid);
                this.env.quorumNet.send(this.learnerConn, requestPacket(r));
              },
              revalidate: (id, timeout, done) => this.learnerConn !== undefined && this.env.quorumNet.send(this.learnerConn, this.revalidations.ask(id, timeout, done)),
            },
          },
    );
    if (m === "leader") c.setLastProposedZxid(makeZxid(epoch, 0n));
    for (const [id, timeout] of this.store.sessions) c.restoreSession(id, timeout);
    c.onOutstandingDrained = () => this.clientPort.onOutstandingDrained?.();
    c.start();
    this.core = c;
    this.log.info("serving clients", { mode: m, epoch: String(epoch), zxid: `0x${this.tree.lastProcessedZxid.toString(16)}`, sessions: this.store.sessions.size });
  }

  private stopServing(reason: string): void {
    const c = this.core;
    this.core = undefined;
    this.leaderListener = undefined;
    this.leaderFirst = this.leaderProposed = 0n;
    this.early?.reset();
    this.syncs.clear();
    this.revalidations.clear();
    if (c !== undefined) {
      c.abort(reason);
      this.log.info("stopped serving clients", { reason });
    }
  }

  // ---- election --------------------------------------------------------------------------------------------------

  private elect(): void {
    if (this.electing || this.stopping) return;
    this.electing = true;
    if (this.init.readOnlyMode === true) this.readOnly.schedule(() => !this.stopping && this.core === undefined);
    this.modeNow = "looking";
    this.lookingSince = this.clock.monotonic();
    this.fle.start({ zxid: this.zab.lastZxid, peerEpoch: this.zab.currentEpoch });
    this.pumpElection();
  }

  private pumpElection(): void {
    while (this.fle.hasReady()) {
      const rd = this.fle.ready();
      for (const m of rd.messages) this.env.electionNet.send(m.to, encodeNotification(m.notification));
      if (rd.connectAll) this.env.electionNet.connectAll();
      this.fle.advance();
      if (rd.decision !== undefined && this.electing) this.decided(rd.decision);
      else if (rd.newerConfig !== undefined && this.electing && this.configs.fromElection(rd.newerConfig)) this.fle.start({ zxid: this.zab.lastZxid, peerEpoch: this.zab.currentEpoch });
    }
    if (this.electionTimer !== undefined) this.clock.clearTimer(this.electionTimer);
    this.electionTimer = undefined;
    const at = this.fle.nextDeadline();
    if (at !== undefined && !this.stopping) {
      this.electionTimer = this.clock.setTimer(Math.max(0, Math.ceil(at - this.clock.monotonic())), () => {
        this.electionTimer = undefined;
        this.fle.tick();
        this.pumpElection();
      });
    }
  }

  private decided(d: Decision): void {
    this.electing = false;
    if (this.stopping) return;
    const leader = d.vote.leader;
    this.leaderOfLastElection = leader;
    this.log.info("election decided", { state: d.state, leader: String(leader), zxid: `0x${d.vote.zxid.toString(16)}`, ms: Math.round(this.clock.monotonic() - this.lookingSince) });
    if (d.state === ServerState.LEADING) {
      this.modeNow = "leader";
      this.zab.lead();
      const held = this.pendingAccepts.take();
      for (const c of held.conns) this.zab.accepted(c);
      for (const h of held.packets) {
        this.onPacket(h.conn, h.p);
        this.zab.step(h.conn, h.p);
      }
    } else if (d.state === ServerState.OBSERVING) {
      this.modeNow = "observer";
      this.zab.observe(leader);
    } else {
      this.modeNow = "follower";
      this.zab.follow(leader);
    }
    if (d.state !== ServerState.LEADING) this.dropPendingAccepts(0);
    this.kick();
  }

  // ---- the host loop ---------------------------------------------------------------------------------------------

  /**
   * Runs the host loop after the current round of I/O callbacks: every packet read in that round (a burst of ACKs,
   * forwarded requests) is stepped into ZAB first, so one Ready carries all their output. While a Ready is being
   * persisted, what may go before it is durable goes then, not after its fsync (ZabPeer.takeEarly).
   */
  private kick(): void {
    if (this.kickQueued || this.failed) return;
    this.kickQueued = true;
    this.defer(() => this.runKick());
  }
  private runKick(): void {
    this.kickQueued = false;
    if (this.failed) return;
    if (this.pumping) {
      const net = this.env.quorumNet;
      for (const m of this.zab.takeEarly()) if ("packet" in m) net.send(m.conn, m.packet);
      net.flushAll?.(); // this runs after the round's I/O already: out now, not a turn later
      return;
    }
    this.pumping = true;
    this.pump()
      .catch((e: unknown) => {
        this.failed = true;
        this.log.error("fatal: ensemble host loop failed", { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        this.stopServing("host loop failed");
        this.zab.stop("host loop failed");
        this.env.onFatal?.(e);
      })
      .finally(() => {
        this.pumping = false;
        // work that arrived after the loop's last hasReady() check is not left waiting for a tick; nor is a sync
        if (this.zab.hasReady()) this.kick();
        else this.answerLeaderSyncs();
      });
  }

  private async pump(): Promise<void> {
    const zab = this.zab;
    const net = this.env.quorumNet;
    while (zab.hasReady()) {
      const rd = zab.ready();
      for (const m of rd.early) if ("packet" in m) net.send(m.conn, m.packet);
      if (rd.early.length > 0) net.flushAll?.(); // before this Ready's write and fsync, not a loop turn later
      // committed txns this member holds durably are applied while this Ready's appends are written (apply-early.ts)
      const applied = this.early === undefined ? this.applyCommitted(rd, 0, durableCommittedPrefix(rd, zab.durableZxid)) : 0;
      await this.store.persist(rd.persist);
      if (this.early !== undefined) this.early.applyLogged(rd, this.modeNow === "leader" ? undefined : this.core);
      for (const m of rd.messages) {
        if ("packet" in m) net.send(m.conn, m.packet);
        else {
          if (this.tree.lastProcessedZxid !== m.snapshotAt) {
            this.log.warn("snapshot zxid differs from the requested one", { tree: this.tree.lastProcessedZxid.toString(16), want: m.snapshotAt.toString(16) });
          }
          net.sendBytes(m.conn, await this.store.snapshotBytes());
        }
      }
      // a reconfig's config is active before its txn is applied and answered (Follower: processReconfig, then commit)
      const reconfigured = this.configs.activateFrom(rd, this.sid, this.modeNow, this.leaderOfLastElection);
      this.applyCommitted(rd, applied);
      this.releaseSyncs();
      this.answerLeaderSyncs();
      for (const c of rd.close) {
        if (c === this.learnerConn) this.learnerConn = undefined;
        net.close(c);
      }
      if (rd.connect !== undefined) this.dialLeader(rd.connect);
      for (const e of rd.events) {
        if (e.type === "looking") {
          this.log.info("ZAB role ended: looking for a leader", { reason: e.reason });
          this.stopServing(`lost the leader/quorum: ${e.reason}`);
          this.modeNow = "looking";
          const h = this.configs.takeHandover(); // a reconfig's role: no election (QuorumPeer.updateServerState)
          this.defer(() => (h !== undefined && !this.stopping ? this.decided(this.fle.reconfigured(h.leader, h.zxid)) : this.elect()));
        } else if (e.type === "active") {
          this.log.info("ZAB active", { mode: this.modeNow, epoch: String(e.epoch), ms: Math.round(this.clock.monotonic() - this.lookingSince) });
          // ZOOKEEPER-1732: looking peers are told the leader with the epoch it now leads, the same from every member
          this.fle.updateElectionVote(e.epoch);
          // a learner's commit point: a config whose reconfig is still outstanding at the leader is not committed
          this.configs.activate(e.config, this.tree, this.clock.now(), this.modeNow !== "leader" ? this.zab.commitZxid : undefined);
          this.startServing(e.epoch);
        } else if (e.type === "activate") {
          if (reconfigured !== undefined && this.modeNow !== "leader") this.zab.stop(reconfigured);
        } else if (e.type === "established") {
          this.log.info("new epoch established", { epoch: String(e.epoch) });
        } else if (e.type === "protocolError") {
          this.log.warn("ZAB protocol error", { conn: e.conn, message: e.message });
        }
      }
      zab.advance();
      this.store.maybeSnapshot(this.zab.commitZxid);
    }
  }

  private applyCommitted(rd: Ready, from = 0, to = rd.committed.length): number {
    let ours = 0n;
    const store = this.store;
    for (let i = from; i < to; i++) {
      const t = rd.committed[i]!;
      // injected bug (applyUncommitted): already applied when it was logged
      if (this.init.faults?.applyUncommitted === true && this.modeNow !== "leader" && t.zxid <= this.tree.lastProcessedZxid) continue;
      if (this.leaderListener !== undefined && this.leaderFirst !== 0n && t.zxid >= this.leaderFirst && t.zxid <= this.leaderProposed) {
        // the leader core's own proposal: it applies and answers it (below); only session txns concern the store
        const type = t.data.readInt32BE(TXN_TYPE_OFFSET);
        if (type === TxnType.createSession || type === TxnType.closeSession) {
          const { header, txn } = decodeTxn(t.data);
          store.noteCommitted(header.type, header.clientId, txn);
        }
        ours = t.zxid;
      } else {
        const { header, txn, digest } = decodeTxn(t.data, { views: true }); // t.data stays as is; the tree copies data
        store.noteCommitted(header.type, header.clientId, txn);
        if (this.core !== undefined && this.modeNow !== "leader") this.core.applyCommitted(header, txn, digest);
        else this.tree.processTxn(header, txn);
      }
    }
    if (ours !== 0n) this.leaderListener?.durable(ours); // the core applies (in order) and answers
    return to;
  }

  private dialLeader(sid: bigint): void {
    if (this.configs.committed.allMembers.get(sid) === undefined) return this.zab.connectFailed();
    this.env.quorumNet.dial(sid, this.init.tickTime * 2).then(
      (conn) => {
        if (this.stopping) {
          this.env.quorumNet.close(conn);
          return;
        }
        this.learnerConn = conn;
        this.zab.connected(conn);
        this.kick();
      },
      () => {
        if (this.stopping) return;
        this.zab.connectFailed();
        this.kick();
      },
    );
  }
}
