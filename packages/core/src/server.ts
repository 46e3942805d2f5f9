/**
 * ZooKeeperServer: the request pipeline of Apache ZooKeeper 3.8 (ZooKeeperServer, PrepRequestProcessor,
 * SyncRequestProcessor, FinalRequestProcessor, SessionTrackerImpl, ContainerManager), pure.
 *
 * Every request goes prep -> (txn log) -> final (apply, respond), in arrival order. This class wires the stages
 * and keeps the public API; each stage is its own module:
 * - session-layer.ts: connect handshake, auth/sasl packets, session expiry (SessionTracker in sessions.ts);
 * - prep.ts: validation, ACL, quota, change records, txns (multi included);
 * - pipeline.ts: the ordered queue, the txn log port (durable/failed), early reads, drain;
 * - final.ts: apply the txn, then the reply of each opcode (a table of responders);
 * - roles.ts: standalone / leader / learner / read-only strategies (how a request enters the pipeline);
 * - connections.ts: connection state, sending, closing; server-info.ts: counters and the ServerInfo view;
 * - types.ts: the public types. The opcode table, txn codecs, ACL engine and path validator are shared
 *   (@zkts/client-wire opInfo/encodeTxn/isValidPath, @zkts/datatree checkACL/fixupACL).
 */
import { MetricsRegistry } from "@zkts/metrics";
import type { TxnDigest, TxnHeader } from "@zkts/jute";
import { ErrorCode, OpCode, opInfo } from "@zkts/client-wire";
import { Connections } from "./connections.js";
import type { Clock, Logger, TimerHandle } from "@zkts/contracts";
import { FinalProcessor } from "./final.js";
import { DurabilityPipeline } from "./pipeline.js";
import { PrepProcessor } from "./prep.js";
import { UNKNOWN_REPLY_ZXID, newRequest, resolveSettings, type Request, type Settings } from "./request.js";
import { makeRole, type Role } from "./roles.js";
import { ServerStats, makeInfo } from "./server-info.js";
import { SessionLayer } from "./session-layer.js";
import { SessionTracker, initialSessionId } from "./sessions.js";
import type { Tree } from "./tree.js";
import type { ForwardedRequest, ServerComponents, ServerConnection, ServerInfo, ServerInit } from "./types.js";

export type {
  ConnectionInfo,
  EnsembleRole,
  ForwardedRequest,
  LatencyStats,
  ServerComponents,
  ServerConnection,
  ServerInfo,
  ServerInit,
  SessionInfo,
  TxnListener,
  TxnLogPort,
} from "./types.js";
/** Serialises a txn (header + record) as ZooKeeper logs it; the one copy is @zkts/client-wire's. */
export { encodeTxn } from "@zkts/client-wire";

export class ZooKeeperServer {
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  readonly info: ServerInfo;

  private readonly settings: Settings;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly tree: Tree;
  private readonly tracker: SessionTracker;
  private readonly stats: ServerStats;
  private readonly conns: Connections;
  private readonly sessions: SessionLayer;
  private readonly prep: PrepProcessor;
  private readonly final: FinalProcessor;
  private readonly pipeline: DurabilityPipeline;
  private readonly role: Role;
  private reaperTimer: TimerHandle | undefined;
  private running = false;

  constructor(init: ServerInit, components: ServerComponents) {
    const settings = (this.settings = resolveSettings(init));
    this.tickTime = settings.tickTime;
    this.minSessionTimeout = settings.minSessionTimeout;
    this.maxSessionTimeout = settings.maxSessionTimeout;
    const clock = (this.clock = components.clock);
    const logger = (this.logger = components.logger);
    const tree = (this.tree = components.tree);
    const tracker = (this.tracker = new SessionTracker(
      settings.tickTime,
      clock.monotonic(),
      initialSessionId(clock.now(), BigInt(settings.serverId)),
    ));
    const stats = (this.stats = new ServerStats(clock, components.metrics ?? new MetricsRegistry()));
    const conns = (this.conns = new Connections(clock, logger, tree, stats));
    const readOnly = components.ensemble?.role === "read-only";
    const ensemble = components.ensemble;
    const revalidate = ensemble?.role === "learner" ? ensemble.revalidate?.bind(ensemble) : undefined;
    const sessions = (this.sessions = new SessionLayer(settings, clock, logger, tree, tracker, conns, this, readOnly, components.random, revalidate));
    const prep = (this.prep = new PrepProcessor(settings, clock, logger, tree, tracker));
    if (components.ensemble?.role === "leader") prep.reconfigCheck = components.ensemble.reconfig;
    this.final = new FinalProcessor(settings, clock, logger, tree, tracker, prep, conns, stats, sessions);
    const e = components.ensemble;
    if (e !== undefined && e.role !== "read-only") this.final.activeConfig = e.activeConfig;
    this.pipeline = new DurabilityPipeline(clock, logger, components.txnLog, prep, this.final, stats, init.drainSliceMs);
    this.role = makeRole(components.ensemble, prep, this.pipeline);
    this.info = makeInfo({ settings, clock, tree, tracker, stats, conns: conns.byId, isReadOnly: readOnly });
  }

  /** Requests accepted and not yet answered, for globalOutstandingLimit. */
  get outstanding(): number {
    return this.stats.outstanding;
  }

  /** Called when `outstanding` drops to 0 (so a throttled connection layer can resume reading). */
  get onOutstandingDrained(): (() => void) | undefined {
    return this.stats.onOutstandingDrained;
  }

  set onOutstandingDrained(fn: (() => void) | undefined) {
    this.stats.onOutstandingDrained = fn;
  }

  /** Connections closed over bad input (malformed or unknown requests). */
  get badInputCount(): number {
    return this.conns.badInputCount;
  }

  /** The zxid of the last applied txn. */
  get lastZxid(): bigint {
    return this.tree.lastProcessedZxid;
  }

  /**
   * Tracks a session restored from disk (snapshot sessions, or createSession txns replayed from the log) so
   * that its client can reconnect or it can expire. Call before start().
   */
  restoreSession(id: bigint, timeout: number): void {
    if (this.tracker.get(id) === undefined) this.tracker.add(id, timeout, this.clock.monotonic());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.role.housekeeping) return; // a learner: the leader expires sessions and reaps containers
    this.sessions.startExpiry();
    this.scheduleReaper();
  }

  async shutdown(): Promise<void> {
    this.stopTimers();
    // wait for txns already handed to the txn log (it always reports them: durable or failed)
    if (this.pipeline.queue.length > 0) await this.pipeline.whenIdle();
    this.conns.closeAll("server shutdown");
  }

  /** The member stops serving (lost its leader or quorum): timers stop, every client connection is closed. */
  abort(reason: string): void {
    this.stopTimers();
    this.conns.closeAll(reason);
  }

  private stopTimers(): void {
    this.running = false;
    this.sessions.stopExpiry();
    if (this.reaperTimer !== undefined) this.clock.clearTimer(this.reaperTimer);
    this.reaperTimer = undefined;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Connections

  handleConnect(conn: ServerConnection, payload: Buffer): void {
    const cs = this.conns.open(conn);
    cs.packetsReceived++;
    this.stats.packetsReceived++;
    if (!this.sessions.x509Identity(cs)) return;
    this.sessions.connect(cs, payload);
  }

  handlePacket(conn: ServerConnection, payload: Buffer): void {
    const cs = this.conns.byId.get(conn.id);
    if (cs === undefined || cs.closed) {
      conn.close("packet before handshake");
      return;
    }
    cs.packetsReceived++;
    this.stats.packetsReceived++;
    if (payload.length < 8) {
      this.conns.reject(cs, "truncated request header");
      return;
    }
    // RequestHeader {xid: int, type: int}, read in place
    const xid = payload.readInt32BE(0);
    const type = payload.readInt32BE(4);
    const body = payload.subarray(8);
    if (type === OpCode.auth) return this.sessions.handleAuth(cs, xid, body);
    if (type === OpCode.sasl) return this.sessions.handleSasl(cs, xid, body);
    if (!this.sessions.enforceAuthentication(cs, xid)) return;
    // ZooKeeperServer.submitRequestNow: touch, then validate the opcode
    const now = this.clock.monotonic();
    if (!this.tracker.touch(cs.sessionId, now, cs.timeout)) {
      this.logger.debug("dropping request of a missing or closing session", { session: cs.sessionId.toString(16) });
      return;
    }
    if (!opInfo(type).served) {
      this.role.touched(cs.sessionId, cs.timeout);
      this.logger.warn("unknown request type", { type });
      this.conns.sendReply(cs, { xid, zxid: UNKNOWN_REPLY_ZXID, err: ErrorCode.UNIMPLEMENTED });
      this.conns.reject(cs, "unimplemented request");
      return;
    }
    this.submit(newRequest(cs, cs.sessionId, xid, type, body, now));
  }

  connectionClosed(conn: ServerConnection): void {
    const cs = this.conns.byId.get(conn.id);
    if (cs === undefined) return;
    this.conns.detach(cs);
  }

  /** Every request enters here: counted as outstanding, then taken by the role strategy. */
  submit(r: Request): void {
    if (r.cs !== null) {
      r.cs.outstanding++;
      this.stats.outstanding++;
    }
    this.role.submit(r);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Ensemble

  /**
   * Leader: a request forwarded by a learner for a session whose connection lives there. Prepared, proposed
   * (txnLog) and applied like a local one; nobody is answered here (the learner answers its client once the txn
   * is committed). Touches the session; a createSession (body: int timeout) starts tracking it.
   */
  submitRemote(req: ForwardedRequest): void {
    const now = this.clock.monotonic();
    this.sessions.remoteRequest(req, now);
    const r = newRequest(null, req.sessionId, req.cxid, req.type, req.body, this.clock.monotonic());
    r.authInfo = req.authInfo;
    r.remote = true;
    if (req.type === OpCode.createSession && req.body.length >= 4) r.connectTimeout = req.body.readInt32BE(0);
    this.submit(r);
  }

  /** Leader: a learner reports a session as alive (ZooKeeper's PING session data). */
  /** Touches a session (a learner's PING entry or REVALIDATE); false when it is unknown or closing. */
  touchSession(sessionId: bigint, timeout?: number): boolean {
    return this.tracker.touch(sessionId, this.clock.monotonic(), timeout);
  }

  /** Learner: the sessions touched by local clients since the last call (id -> timeout), for the leader. */
  takeTouchedSessions(): Array<[bigint, number]> {
    return this.role.takeTouchedSessions();
  }

  /** Leader: the next txn gets zxid `zxid + 1` (ZAB: the new epoch's first counter). */
  setLastProposedZxid(zxid: bigint): void {
    this.prep.setLastProposedZxid(zxid);
  }

  /**
   * Learner: a txn the leader committed. Applied to the tree now (watches fire); a forwarded request of ours it
   * belongs to is answered in request order; sessions start/end (an expired session's connection is closed).
   * The TxnDigest the leader attached, if any, is checked against the tree once the txn is applied.
   */
  applyCommitted(hdr: TxnHeader, txn: unknown, digest?: TxnDigest | null): void {
    const rc = this.tree.processTxn(hdr, txn);
    if (digest !== undefined && digest !== null) this.final.checkDigest(hdr, digest);
    const mine = this.role.takeForwarded(hdr);
    this.sessions.committed(hdr, txn, mine);
    if (mine !== undefined) {
      mine.hdr = hdr;
      mine.txn = txn;
      mine.rc = rc;
      this.pipeline.readied(mine);
    }
  }

  /** Learner: the leader answered the oldest forwarded sync of this session; its reply may go. */
  syncDone(sessionId: bigint, cxid: number): void {
    this.role.syncDone(sessionId, cxid);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Housekeeping: session expiry (SessionLayer) and the container/TTL reaper (ContainerManager)

  /**
   * Expires one session now, as its timeout would (tests; a learner has no sessions to expire: the leader does it).
   * False when the session is unknown, already closing, or this member does not expire sessions.
   */
  expireSession(sessionId: bigint): boolean {
    if (!this.role.housekeeping) return false;
    return this.sessions.expireSession(sessionId);
  }

  /** Expires every session whose bucket is due (normally driven by the timer started in start()). */
  expireSessions(): void {
    this.sessions.expireSessions();
  }

  private scheduleReaper(): void {
    if (!this.running || this.settings.containerInterval <= 0) return;
    this.reaperTimer = this.clock.setTimer(this.settings.containerInterval, () => {
      this.reaperTimer = undefined;
      this.reapContainers();
      this.scheduleReaper();
    });
  }

  /** ContainerManager.checkContainers: a deleteContainer request for every candidate. */
  reapContainers(): void {
    for (const path of this.tree.containerAndTtlCandidates(this.clock.now())) {
      this.submit(newRequest(null, 0n, 0, OpCode.deleteContainer, Buffer.from(path, "utf8"), this.clock.monotonic()));
    }
  }
}
