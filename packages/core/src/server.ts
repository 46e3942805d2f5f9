/**
 * ZooKeeperServer: the standalone request pipeline of Apache ZooKeeper 3.8 (ZooKeeperServer,
 * PrepRequestProcessor, FinalRequestProcessor, SessionTrackerImpl, ContainerManager), pure.
 *
 * Every request goes prepare -> (txn log) -> apply -> respond, in arrival order. `prepare` validates and builds
 * the txn against the tree as changed by txns prepared but not yet applied (ZooKeeper's outstanding change
 * records); the txn log port holds a txn until it is durable; apply runs DataTree.processTxn; respond writes the
 * reply. Without a txn log (in memory) all three happen inside the call that received the packet.
 */
import {
  AuthPacket,
  CheckVersionTxn,
  CloseSessionTxn,
  CreateContainerTxn,
  CreateSessionTxn,
  CreateTTLTxn,
  CreateTxn,
  DeleteTxn,
  ErrorTxn,
  GetSASLRequest,
  JuteDecodeError,
  OutputArchive,
  ReplyHeader,
  SetACLTxn,
  SetDataTxn,
  SetSASLResponse,
  MultiTxn,
  TxnHeader as TxnHeaderCodec,
  decode,
  encode,
  type ACL,
  type Codec,
  type CreateRequest,
  type CreateTTLRequest,
  type Id,
  type Stat,
  type StatPersisted,
  type TxnHeader,
} from "@zkts/jute";
import {
  ErrorCode,
  OpCode,
  createModeFromFlag,
  decodeConnectRequest,
  encodeConnectResponse,
  encodeNotification,
  encodeResponse,
  requestCodec,
  responseCodec,
  type MultiOp,
  type MultiRequest,
  type OpResult,
} from "@zkts/client-wire";
import { Perm, addAuthId, checkACL, fixupACL, generateDigest, hasPerm, userOf, type AclPolicy } from "./auth.js";
import type { Clock, Logger, Random, TimerHandle } from "./env.js";
import { CoreError } from "./errors.js";
import { isValidPath, parentOf } from "./path.js";
import { SessionTracker, initialSessionId } from "./sessions.js";
import type { NamespaceStats, Tree, TreeEvent, TreeNode, TreeWatcher, TxnResult, WatchKind } from "./tree.js";

// ---------------------------------------------------------------------------------------------------------------
// Public types

/** One client connection, implemented by @zkts/nio-cnxn (sockets) or by tests (in memory). */
export interface ServerConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Queue one packet payload (no length prefix; the connection frames it). */
  send(payload: Buffer): void;
  /**
   * Optional: queue one packet that already starts with its 4-byte big-endian length (what goes on the wire as
   * is). Core uses it for replies when present, so that the length is written with the reply instead of being
   * framed again by the connection; connections without it get `send(frame.subarray(4))`.
   */
  sendFramed?(frame: Buffer): void;
  /** Flush what is queued, then close. Idempotent. */
  close(reason: string): void;
}

/** User options (zoo.cfg). */
export interface ServerInit {
  tickTime?: number;
  /** Default 2 x tickTime. */
  minSessionTimeout?: number;
  /** Default 20 x tickTime. */
  maxSessionTimeout?: number;
  /** `super:<base64 sha1>` digest that grants the super id (zookeeper.DigestAuthenticationProvider.superDigest). */
  superDigest?: string;
  skipACL?: boolean;
  extendedTypesEnabled?: boolean;
  enforceQuota?: boolean;
  containerCheckIntervalMs?: number;
  maxBuffer?: number;
  digestEnabled?: boolean;
  /** Server id used in session ids (1 when standalone). */
  serverId?: number;
  /** The effective configuration as key/value pairs (for the `conf` 4lw). */
  config?: Record<string, string>;
  version?: string;
  /** `Mode:` of srvr/stat and mntr's zk_server_state: "standalone" (default), "leader", "follower", "observer". */
  serverState?: string;
}

/** What a txn log port reports, in zxid order, about the txns handed to it. */
export interface TxnListener {
  /** Every txn up to and including `zxid` is durable. */
  durable(zxid: bigint): void;
  /** The txns from `first` to `last` (zxids) could not be made durable; none of them may be acknowledged. */
  failed(first: bigint, last: bigint, error: unknown): void;
}

/**
 * The txn log the core writes through (@zkts/persistence's DurableStore implements it; an ensemble leader's port
 * proposes through ZAB and reports commits): `logTxn` queues the txn, the listener hears (once per batch) how far
 * txns are durable. Replies are held until then, in order.
 */
export interface TxnLogPort {
  /** Queues the txn to be made durable; throws if it cannot be queued (the request fails: SYSTEMERROR). */
  logTxn(header: TxnHeader, txn: unknown): void;
  setTxnListener(listener: TxnListener): void;
}

/** Injected dependencies. */
export interface ServerComponents {
  clock: Clock;
  random: Random;
  logger: Logger;
  /** The data tree (a fresh @zkts/datatree DataTree, or one restored from disk). */
  tree: Tree;
  /** Where txns are made durable before they are applied (absent: applied at once, in memory only). */
  txnLog?: TxnLogPort;
  /**
   * Ensemble member role (absent: standalone). A "leader" prepares every request itself (its txnLog proposes
   * through ZAB) and also requests forwarded by learners (`submitRemote`). A "learner" prepares nothing: writes,
   * sync and session create/close go to `forward` and are answered once the committed txn comes back through
   * `applyCommitted` (sync: `syncDone`); it neither expires sessions nor reaps containers (the leader does).
   */
  ensemble?: EnsembleRole;
}

/** A request a learner hands to its leader (ZooKeeper's Leader.REQUEST packet: session, cxid, type, body, auth). */
export interface ForwardedRequest {
  sessionId: bigint;
  cxid: number;
  type: number;
  body: Buffer;
  authInfo: readonly Id[];
}

export type EnsembleRole = { role: "leader" } | { role: "learner"; forward(req: ForwardedRequest): void };

export interface LatencyStats {
  min: number;
  avg: number;
  max: number;
}

export interface ConnectionInfo {
  id: number;
  remoteAddress: string;
  remotePort: number;
  queued: number;
  packetsReceived: number;
  packetsSent: number;
  sessionId: bigint;
  lastOp: string;
  lastCxid: number;
  lastZxid: bigint;
  lastResponseTime: number;
  lastLatency: number;
  timeout: number;
  established: number;
  latency: LatencyStats;
}

export interface SessionInfo {
  id: bigint;
  timeout: number;
  ephemerals: string[];
  /** When the session expires unless touched: its expiry bucket, as wall-clock ms (ZooKeeper's dump prints it). */
  expiresAt?: number;
}

/** Everything the four-letter words and the AdminServer need. */
export interface ServerInfo {
  readonly version: string;
  readonly serverState: string;
  readonly zxid: bigint;
  readonly nodeCount: number;
  readonly packetsReceived: number;
  readonly packetsSent: number;
  readonly latency: LatencyStats;
  readonly outstanding: number;
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  connections(): ConnectionInfo[];
  sessions(): SessionInfo[];
  watchSummary(): { connections: number; paths: number; total: number };
  /** Bytes read/written per top-level namespace (mntr's per_namespace summaries). */
  namespaceStats(): NamespaceStats;
  watchesBySession(): Map<bigint, string[]>;
  watchesByPath(): Map<string, bigint[]>;
  readonly approximateDataSize: number;
  readonly ephemeralsCount: number;
  resetStats(): void;
  resetConnectionStats(): void;
  readonly config: Record<string, string>;
  readonly dataDirSize: number;
  readonly dataLogDirSize: number;
  readonly isReadOnly: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Internal state

class Latency {
  min = Number.MAX_SAFE_INTEGER;
  max = 0;
  total = 0;
  count = 0;
  add(ms: number): void {
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    this.total += ms;
    this.count++;
  }
  reset(): void {
    this.min = Number.MAX_SAFE_INTEGER;
    this.max = 0;
    this.total = 0;
    this.count = 0;
  }
  get stats(): LatencyStats {
    return {
      min: this.count === 0 ? 0 : this.min,
      avg: this.count === 0 ? 0 : this.total / this.count,
      max: this.max,
    };
  }
}

interface ConnState {
  conn: ServerConnection;
  sessionId: bigint;
  timeout: number;
  authInfo: Id[];
  hasReadOnly: boolean;
  closed: boolean;
  watcher: TreeWatcher;
  outstanding: number;
  packetsReceived: number;
  packetsSent: number;
  latency: Latency;
  lastOp: string;
  lastCxid: number;
  lastZxid: bigint;
  lastLatency: number;
  lastResponseTime: number;
  established: number;
}

interface ChangeRecord {
  zxid: bigint;
  path: string;
  stat: StatPersisted | null;
  childCount: number;
  acl: readonly ACL[];
  data: Buffer | null;
}

const NO_ACL: readonly ACL[] = Object.freeze([]);

/** A change record: one object shape for all of them (no spreads on the write path). */
function changeRecord(zxid: bigint, path: string, stat: StatPersisted | null, childCount: number, acl: readonly ACL[], data: Buffer | null): ChangeRecord {
  return { zxid, path, stat, childCount, acl, data };
}

/** A copy of `s` with some fields replaced; every StatPersisted made here has one shape, in record order. */
function statWith(
  s: StatPersisted,
  czxid: bigint,
  mzxid: bigint,
  ctime: bigint,
  mtime: bigint,
  version: number,
  cversion: number,
  aversion: number,
  pzxid: bigint,
): StatPersisted {
  return { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner: s.ephemeralOwner, pzxid };
}

interface Request {
  cs: ConnState | null;
  sessionId: bigint;
  xid: number;
  type: number;
  body: Buffer;
  authInfo: readonly Id[];
  start: number;
  hdr: TxnHeader | null;
  txn: unknown;
  error: CoreError | null;
  /** Decoded multi ops, kept for the reply. */
  ready: boolean;
  /** For createSession: the connect reply to send once applied. */
  connectTimeout?: number;
  /** Set when the txn log failed: the txn is neither applied nor acknowledged. */
  sinkError?: unknown;
  /** Learner: handed to the leader; `rc` is the result of applying its committed txn. */
  forwarded?: boolean;
  rc?: TxnResult | null;
  /** setData: the tree node found while preparing it (a hint for applying it). */
  node: TreeNode | undefined;
}

const CONTAINER_OWNER = -(1n << 63n);
const TTL_MASK = 0xff00000000000000n;
const MAX_TTL = 0x000000ffffffffffn;

/**
 * Opcodes the reference server (3.8.0) processes; anything else (notification 0, unknown numbers) gets
 * UNIMPLEMENTED and the connection is closed. 3.8.6 also rejects a standalone check (13); 3.8.0 runs it as a write
 * (consuming a zxid) and answers only when it fails.
 */
const VALID_TYPES = new Set<number>([
  OpCode.check,
  OpCode.closeSession,
  OpCode.create,
  OpCode.create2,
  OpCode.createTTL,
  OpCode.createContainer,
  OpCode.createSession,
  OpCode.delete,
  OpCode.deleteContainer,
  OpCode.exists,
  OpCode.getACL,
  OpCode.getChildren,
  OpCode.getAllChildrenNumber,
  OpCode.getChildren2,
  OpCode.getData,
  OpCode.getEphemerals,
  OpCode.multi,
  OpCode.multiRead,
  OpCode.ping,
  OpCode.reconfig,
  OpCode.setACL,
  OpCode.setData,
  OpCode.setWatches,
  OpCode.setWatches2,
  OpCode.sync,
  OpCode.checkWatches,
  OpCode.removeWatches,
  OpCode.addWatch,
  OpCode.whoAmI,
]);

const WRITE_TYPES = new Set<number>([
  OpCode.create,
  OpCode.create2,
  OpCode.createTTL,
  OpCode.createContainer,
  OpCode.delete,
  OpCode.deleteContainer,
  OpCode.setData,
  OpCode.setACL,
  OpCode.check,
  OpCode.multi,
  OpCode.reconfig,
  OpCode.createSession,
  OpCode.closeSession,
]);

const LAST_OP: Record<number, string> = {
  [OpCode.ping]: "PING",
  [OpCode.createSession]: "SESS",
  [OpCode.multi]: "MULT",
  [OpCode.multiRead]: "MLTR",
  [OpCode.create]: "CREA",
  [OpCode.create2]: "CREA",
  [OpCode.createTTL]: "CREA",
  [OpCode.createContainer]: "CREA",
  [OpCode.delete]: "DELE",
  [OpCode.deleteContainer]: "DELE",
  [OpCode.setData]: "SETD",
  [OpCode.reconfig]: "RECO",
  [OpCode.setACL]: "SETA",
  [OpCode.closeSession]: "CLOS",
  [OpCode.sync]: "SYNC",
  [OpCode.check]: "CHEC",
  [OpCode.exists]: "EXIS",
  [OpCode.getData]: "GETD",
  [OpCode.setWatches]: "SETW",
  [OpCode.setWatches2]: "STW2",
  [OpCode.addWatch]: "ADDW",
  [OpCode.getACL]: "GETA",
  [OpCode.getChildren]: "GETC",
  [OpCode.getChildren2]: "GETC",
  [OpCode.getAllChildrenNumber]: "GETACN",
  [OpCode.checkWatches]: "CHKW",
  [OpCode.removeWatches]: "REMW",
  [OpCode.whoAmI]: "HOMI",
  [OpCode.getEphemerals]: "GETE",
};

const UNKNOWN_REPLY_ZXID = -1n;
const NO_AUTH: readonly Id[] = Object.freeze([]);
/** Reads that may be answered ahead of queued writes (see canAnswerNow); each request starts with its path. */
const IMMEDIATE_READS = new Set<number>([
  OpCode.ping,
  OpCode.getData,
  OpCode.exists,
  OpCode.getChildren,
  OpCode.getChildren2,
  OpCode.getACL,
]);

/** The ustring a request body starts with, or undefined when it is not a plausible one. */
function leadingPath(body: Buffer): string | undefined {
  if (body.length < 4) return undefined;
  const len = body.readInt32BE(0);
  if (len < 0 || len > body.length - 4) return undefined;
  return body.toString("utf8", 4, 4 + len);
}


/** Decodes a request body as Java does: trailing bytes are ignored. */
function decodeBody<T>(codec: Codec<T>, body: Buffer, maxBuffer: number): T {
  return decode(codec, body, { allowTrailing: true, maxBuffer });
}

function childCount(node: TreeNode): number {
  return node.children === null ? 0 : node.children.size;
}

function encodeTxnRecord(type: number, txn: unknown): Buffer {
  const codec = TXN_CODECS[type];
  if (codec === undefined) return Buffer.alloc(0);
  return encode(codec, txn);
}

const TXN_CODECS: Record<number, Codec<any>> = {
  [OpCode.create]: CreateTxn,
  [OpCode.create2]: CreateTxn,
  [OpCode.createTTL]: CreateTTLTxn,
  [OpCode.createContainer]: CreateContainerTxn,
  [OpCode.delete]: DeleteTxn,
  [OpCode.deleteContainer]: DeleteTxn,
  [OpCode.setData]: SetDataTxn,
  [OpCode.reconfig]: SetDataTxn,
  [OpCode.setACL]: SetACLTxn,
  [OpCode.check]: CheckVersionTxn,
  [OpCode.createSession]: CreateSessionTxn,
  [OpCode.closeSession]: CloseSessionTxn,
  [OpCode.error]: ErrorTxn,
  [OpCode.multi]: MultiTxn,
};

/** Serialises a txn (header + record) as ZooKeeper logs it (an ensemble leader proposes these bytes). */
export function encodeTxn(header: TxnHeader, txn: unknown): Buffer {
  const out = new OutputArchive(128);
  TxnHeaderCodec.write(out, header);
  const codec = TXN_CODECS[header.type];
  if (codec !== undefined && txn !== null && txn !== undefined) codec.write(out, txn);
  return out.toBuffer();
}

// ---------------------------------------------------------------------------------------------------------------

export class ZooKeeperServer {
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  private readonly skipACL: boolean;
  private readonly superDigest: string | undefined;
  private readonly extendedTypes: boolean;
  private readonly enforceQuota: boolean;
  private readonly containerInterval: number;
  private readonly maxBuffer: number;
  private readonly configMap: Record<string, string>;
  private readonly version: string;

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly tree: Tree;
  private readonly txnLog: TxnLogPort | undefined;
  /** Requests whose txn went to `txnLog` and is not durable yet, in zxid order. */
  private awaitingDurable: Request[] = [];
  private readonly tracker: SessionTracker;
  private readonly serverState: string;
  private readonly ensemble: EnsembleRole | undefined;
  /** Learner: sessions touched since the last takeTouchedSessions() (reported to the leader in PINGs). */
  private readonly touched = new Map<bigint, number>();

  private readonly conns = new Map<number, ConnState>();
  private readonly owners = new Map<bigint, ConnState>();
  private readonly queue: Request[] = [];
  /** Learner: forwarded writes waiting for their committed txn, per session, in forwarding order. */
  private readonly forwardedWrites = new Map<bigint, Request[]>();
  private draining = false;
  /** monotonic() taken when the running drain() started (-1: not draining). */
  private drainClock = -1;
  private hzxid: bigint;
  private readonly changes: ChangeRecord[] = [];
  private readonly changesForPath = new Map<string, ChangeRecord>();
  /** Requests in `queue` per session id (a session's read may not overtake its own queued requests). */
  private readonly sessionQueued = new Map<bigint, number>();
  private readonly policy: AclPolicy;
  /** Scratch archive for replies (finish); its bytes are copied out before anything else can write to it. */
  private readonly replyOut = new OutputArchive(1024);

  private expiryTimer: TimerHandle | undefined;
  /** Connections closed over bad input (malformed or unknown requests). */
  badInputCount = 0;
  private reaperTimer: TimerHandle | undefined;
  private running = false;

  private packetsReceived = 0;
  private packetsSent = 0;
  private readonly latency = new Latency();
  private outstandingCount = 0;
  private sinkFailures = 0;
  private idleWaiters: Array<() => void> = [];

  onOutstandingDrained?: () => void;
  readonly info: ServerInfo;

  constructor(init: ServerInit, components: ServerComponents) {
    this.tickTime = init.tickTime ?? 2000;
    this.minSessionTimeout = init.minSessionTimeout ?? this.tickTime * 2;
    this.maxSessionTimeout = init.maxSessionTimeout ?? this.tickTime * 20;
    this.skipACL = init.skipACL ?? false;
    this.superDigest = init.superDigest;
    this.extendedTypes = init.extendedTypesEnabled ?? false;
    this.enforceQuota = init.enforceQuota ?? false;
    this.containerInterval = init.containerCheckIntervalMs ?? 60_000;
    this.maxBuffer = init.maxBuffer ?? 0xfffff;
    this.configMap = init.config ?? {};
    this.version = init.version ?? "3.8.0-zkts";
    this.clock = components.clock;
    this.logger = components.logger;
    this.tree = components.tree;
    this.txnLog = components.txnLog;
    this.txnLog?.setTxnListener({
      durable: (zxid) => this.txnsDurable(zxid),
      failed: (first, last, error) => this.txnsFailed(first, last, error),
    });
    this.serverState = init.serverState ?? "standalone";
    this.ensemble = components.ensemble;
    this.policy = { skipACL: this.skipACL };
    this.hzxid = this.tree.lastProcessedZxid;
    this.tracker = new SessionTracker(
      this.tickTime,
      this.clock.monotonic(),
      initialSessionId(this.clock.now(), BigInt(init.serverId ?? 1)),
    );
    this.info = this.makeInfo();
  }

  get outstanding(): number {
    return this.outstandingCount;
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
    if (this.ensemble?.role === "learner") return; // the leader expires sessions and reaps containers
    this.scheduleExpiry();
    this.scheduleReaper();
  }

  async shutdown(): Promise<void> {
    this.running = false;
    if (this.expiryTimer !== undefined) this.clock.clearTimer(this.expiryTimer);
    if (this.reaperTimer !== undefined) this.clock.clearTimer(this.reaperTimer);
    this.expiryTimer = this.reaperTimer = undefined;
    // wait for txns already handed to the txn log (it always reports them: durable or failed)
    if (this.queue.length > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    for (const cs of [...this.conns.values()]) this.closeConn(cs, "server shutdown");
  }

  // -------------------------------------------------------------------------------------------------------------
  // Connections

  handleConnect(conn: ServerConnection, payload: Buffer): void {
    const cs = this.newConnState(conn);
    this.conns.set(conn.id, cs);
    cs.packetsReceived++;
    this.packetsReceived++;
    let req;
    try {
      req = decodeConnectRequest(payload, { allowTrailing: true, maxBuffer: this.maxBuffer });
    } catch (e) {
      this.logger.warn("malformed connect request", { conn: conn.id, error: String(e) });
      this.rejectConn(cs, "malformed connect request");
      return;
    }
    cs.hasReadOnly = req.hasReadOnly;
    if (req.lastZxidSeen > this.tree.lastProcessedZxid) {
      this.logger.info("refusing session: client has seen a newer zxid", {
        lastZxidSeen: req.lastZxidSeen.toString(16),
        ourZxid: this.tree.lastProcessedZxid.toString(16),
      });
      this.closeConn(cs, "client zxid ahead");
      return;
    }
    let timeout = req.timeOut;
    if (timeout < this.minSessionTimeout) timeout = this.minSessionTimeout;
    if (timeout > this.maxSessionTimeout) timeout = this.maxSessionTimeout;
    cs.timeout = timeout;
    const now = this.clock.monotonic();
    if (req.sessionId === 0n) {
      const id = this.tracker.allocateId();
      this.tracker.add(id, timeout, now);
      cs.sessionId = id;
      this.owners.set(id, cs);
      const r = this.newRequest(cs, id, 0, OpCode.createSession, Buffer.alloc(0));
      r.connectTimeout = timeout;
      this.submit(r);
      return;
    }
    const id = req.sessionId;
    const prev = this.owners.get(id);
    if (prev !== undefined && prev !== cs) this.closeConn(prev, "client reconnected");
    cs.sessionId = id;
    const valid = this.tracker.checkPassword(id, req.passwd) && this.tracker.touch(id, now, timeout);
    if (valid) this.owners.set(id, cs);
    this.finishSessionInit(cs, valid);
  }

  private finishSessionInit(cs: ConnState, valid: boolean): void {
    const rsp = encodeConnectResponse({
      protocolVersion: 0,
      timeOut: valid ? cs.timeout : 0,
      sessionId: valid ? cs.sessionId : 0n,
      passwd: valid ? this.tracker.password(cs.sessionId) : Buffer.alloc(16),
      readOnly: false,
      hasReadOnly: cs.hasReadOnly,
    });
    this.send(cs, rsp);
    if (!valid) {
      this.logger.info("invalid session, probably expired", { session: cs.sessionId.toString(16) });
      this.closeConn(cs, "invalid session");
    }
  }

  handlePacket(conn: ServerConnection, payload: Buffer): void {
    const cs = this.conns.get(conn.id);
    if (cs === undefined || cs.closed) {
      conn.close("packet before handshake");
      return;
    }
    cs.packetsReceived++;
    this.packetsReceived++;
    if (payload.length < 8) {
      this.rejectConn(cs, "truncated request header");
      return;
    }
    // RequestHeader {xid: int, type: int}, read in place
    const xid = payload.readInt32BE(0);
    const type = payload.readInt32BE(4);
    const body = payload.subarray(8);
    if (type === OpCode.auth) return this.handleAuth(cs, xid, body);
    if (type === OpCode.sasl) return this.handleSasl(cs, xid, body);
    // ZooKeeperServer.submitRequestNow: touch, then validate the opcode
    const now = this.clock.monotonic();
    if (!this.tracker.touch(cs.sessionId, now, cs.timeout)) {
      this.logger.debug("dropping request of a missing or closing session", { session: cs.sessionId.toString(16) });
      return;
    }
    if (this.ensemble?.role === "learner") this.touched.set(cs.sessionId, cs.timeout);
    if (!VALID_TYPES.has(type)) {
      this.logger.warn("unknown request type", { type });
      this.sendReply(cs, { xid, zxid: UNKNOWN_REPLY_ZXID, err: ErrorCode.UNIMPLEMENTED }, null);
      this.rejectConn(cs, "unimplemented request");
      return;
    }
    this.submit(this.newRequest(cs, cs.sessionId, xid, type, body, now));
  }

  connectionClosed(conn: ServerConnection): void {
    const cs = this.conns.get(conn.id);
    if (cs === undefined) return;
    this.detach(cs);
  }

  // -------------------------------------------------------------------------------------------------------------
  // auth / sasl (answered directly, as ZooKeeperServer.processPacket)

  private handleAuth(cs: ConnState, xid: number, body: Buffer): void {
    let pkt;
    try {
      pkt = decodeBody(AuthPacket, body, this.maxBuffer);
    } catch {
      this.rejectConn(cs, "malformed auth packet");
      return;
    }
    let ok = false;
    if (pkt.scheme === "digest") {
      const digest = generateDigest((pkt.auth ?? Buffer.alloc(0)).toString("utf8"));
      if (this.superDigest !== undefined && digest === this.superDigest) this.addAuth(cs, { scheme: "super", id: "" });
      this.addAuth(cs, { scheme: "digest", id: digest });
      ok = true;
    } else if (pkt.scheme === "ip") {
      this.addAuth(cs, { scheme: "ip", id: cs.conn.remoteAddress });
      ok = true;
    }
    if (ok) {
      this.sendReply(cs, { xid, zxid: 0n, err: 0 }, null);
    } else {
      this.logger.warn("authentication failed", { scheme: pkt.scheme });
      this.sendReply(cs, { xid, zxid: 0n, err: ErrorCode.AUTHFAILED }, null);
      this.closeConn(cs, "auth failed");
    }
  }

  /** Converts a time on the monotonic clock (session expiry) to wall-clock ms. */
  private wallClockOf(monotonicMs: number | undefined): number | undefined {
    return monotonicMs === undefined ? undefined : this.clock.now() + (monotonicMs - this.clock.monotonic());
  }

  private addAuth(cs: ConnState, id: Id): void {
    // copy on write: queued requests keep the list they were submitted with (see newRequest)
    const next = cs.authInfo.slice();
    if (addAuthId(next, id)) cs.authInfo = next;
  }

  private handleSasl(cs: ConnState, xid: number, body: Buffer): void {
    try {
      decodeBody(GetSASLRequest, body, this.maxBuffer);
    } catch {
      this.rejectConn(cs, "malformed sasl packet");
      return;
    }
    // No SASL login configured: ZooKeeper answers OK with a null token.
    const out = new OutputArchive(32);
    ReplyHeader.write(out, { xid, zxid: 0n, err: 0 });
    SetSASLResponse.write(out, { token: null });
    this.send(cs, out.toBuffer());
  }

  // -------------------------------------------------------------------------------------------------------------
  // Pipeline

  private newRequest(cs: ConnState | null, sessionId: bigint, xid: number, type: number, body: Buffer, now?: number): Request {
    return {
      cs,
      sessionId,
      xid,
      type,
      body,
      // cs.authInfo is never mutated in place (addAuth replaces it), so the request can share it
      authInfo: cs === null ? NO_AUTH : cs.authInfo,
      start: now ?? this.clock.monotonic(),
      hdr: null,
      txn: null,
      error: null,
      ready: false,
      node: undefined,
    };
  }

  private enqueue(r: Request): void {
    this.queue.push(r);
    this.sessionQueued.set(r.sessionId, (this.sessionQueued.get(r.sessionId) ?? 0) + 1);
  }

  private submit(r: Request): void {
    if (r.cs !== null) {
      r.cs.outstanding++;
      this.outstandingCount++;
    }
    const ens = this.ensemble;
    if (ens?.role === "learner" && (WRITE_TYPES.has(r.type) || r.type === OpCode.sync)) {
      // Learner: the leader prepares it; answered when its txn is committed (applyCommitted) or synced (syncDone).
      r.forwarded = true;
      this.enqueue(r);
      if (r.type !== OpCode.sync) {
        const fwd = this.forwardedWrites.get(r.sessionId);
        if (fwd === undefined) this.forwardedWrites.set(r.sessionId, [r]);
        else fwd.push(r);
      }
      const body = r.type === OpCode.createSession ? Buffer.alloc(4) : r.body;
      if (r.type === OpCode.createSession) body.writeInt32BE(r.connectTimeout ?? 0, 0);
      ens.forward({ sessionId: r.sessionId, cxid: r.xid, type: r.type, body, authInfo: r.authInfo });
      return;
    }
    this.prepare(r);
    if (r.hdr === null && ens === undefined && this.queue.length > 0 && !this.draining && this.canAnswerNow(r)) {
      // A read that cannot observe anything still queued: answered now instead of behind other sessions' writes.
      r.ready = true;
      try {
        this.finish(r);
      } catch (e) {
        this.logger.error("request failed", { type: r.type, error: String(e) });
      }
      return;
    }
    this.enqueue(r);
    if (r.hdr !== null && this.txnLog !== undefined) {
      try {
        this.txnLog.logTxn(r.hdr, r.txn);
      } catch (e) {
        this.sinkFailed(r, e);
        this.drain();
        return;
      }
      this.awaitingDurable.push(r);
      return;
    }
    r.ready = true;
    this.drain();
  }

  /** txnLog: the requests of txns up to `zxid` may be applied and answered. */
  private txnsDurable(zxid: bigint): void {
    const a = this.awaitingDurable;
    let i = 0;
    while (i < a.length && a[i]!.hdr!.zxid <= zxid) a[i++]!.ready = true;
    if (i === 0) return;
    if (i === a.length) this.awaitingDurable = [];
    else a.splice(0, i);
    this.drain();
  }

  /** txnLog: the txns from `first` to `last` failed (with them, every txn queued behind them). */
  private txnsFailed(first: bigint, last: bigint, error: unknown): void {
    const keep: Request[] = [];
    for (const r of this.awaitingDurable) {
      const z = r.hdr!.zxid;
      if (z >= first && z <= last) this.sinkFailed(r, error);
      else keep.push(r);
    }
    this.awaitingDurable = keep;
    this.drain();
  }

  /**
   * The txn could not be made durable (ENOSPC, EIO...): it is never applied nor acknowledged. The change records
   * of this txn and of every later one are dropped: a txn log that fails a txn fails every txn queued behind it
   * too (the txn log rejects a failed batch and everything queued after it), so nothing prepared on top of them
   * survives either. ZooKeeper's SyncRequestProcessor exits on such an IOException; we answer SYSTEMERROR.
   */
  private sinkFailed(r: Request, e: unknown): void {
    if (this.sinkFailures++ === 0 || this.sinkFailures % 1000 === 0) {
      this.logger.error("txn log write failed: the write is not acknowledged", {
        zxid: r.hdr?.zxid.toString(16),
        type: r.type,
        session: r.sessionId.toString(16),
        failures: this.sinkFailures,
        error: e instanceof Error ? e.message : String(e),
      });
    }
    r.sinkError = e;
    r.ready = true;
    const zxid = r.hdr!.zxid;
    const kept = this.changes.filter((c) => c.zxid < zxid);
    if (kept.length !== this.changes.length) {
      this.changes.length = 0;
      this.changes.push(...kept);
      this.changesForPath.clear();
      for (const c of kept) this.changesForPath.set(c.path, c);
    }
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.drainClock = this.clock.monotonic();
    try {
      while (this.queue.length > 0 && this.queue[0]!.ready) {
        const r = this.queue.shift()!;
        const left = this.sessionQueued.get(r.sessionId)! - 1;
        if (left === 0) this.sessionQueued.delete(r.sessionId);
        else this.sessionQueued.set(r.sessionId, left);
        try {
          this.finish(r);
        } catch (e) {
          this.logger.error("request failed", { type: r.type, error: String(e) });
        }
      }
    } finally {
      this.draining = false;
      this.drainClock = -1;
    }
    if (this.queue.length === 0 && this.idleWaiters.length > 0) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  }

  /**
   * Whether a read may be answered before the queued requests (writes waiting to be durable, and what queued
   * behind them): its own session has nothing queued (replies stay in request order), and the read cannot see
   * any pending change: a ping, or a read of one path that no queued txn changes (nothing pending at all, or no
   * change record for that path). The tree only ever holds durable txns, so the answer is what the read would
   * have seen had it arrived before the pending writes; a read of a path with a pending change still waits, as
   * ZooKeeper's standalone pipeline (SyncRequestProcessor's toFlush) holds every read behind unflushed writes.
   */
  private canAnswerNow(r: Request): boolean {
    if (!IMMEDIATE_READS.has(r.type) || this.sessionQueued.has(r.sessionId)) return false;
    if (r.type === OpCode.ping || this.changesForPath.size === 0) return true;
    const path = leadingPath(r.body);
    return path !== undefined && !this.changesForPath.has(path === "" ? "/" : path);
  }

  private nextZxid(): bigint {
    this.hzxid += 1n;
    return this.hzxid;
  }

  // ---- ensemble ---------------------------------------------------------------------------------------------

  /**
   * Leader: a request forwarded by a learner for a session whose connection lives there. Prepared, proposed
   * (txnLog) and applied like a local one; nobody is answered here (the learner answers its client once the txn
   * is committed). Touches the session; a createSession (body: int timeout) starts tracking it.
   */
  submitRemote(req: ForwardedRequest): void {
    const now = this.clock.monotonic();
    if (req.type === OpCode.createSession) {
      const timeout = req.body.length >= 4 ? req.body.readInt32BE(0) : this.minSessionTimeout;
      if (this.tracker.get(req.sessionId) === undefined) this.tracker.add(req.sessionId, timeout, now);
    } else {
      this.tracker.touch(req.sessionId, now);
    }
    const r = this.newRequest(null, req.sessionId, req.cxid, req.type, req.body);
    r.authInfo = req.authInfo;
    if (req.type === OpCode.createSession && req.body.length >= 4) r.connectTimeout = req.body.readInt32BE(0);
    this.submit(r);
  }

  /** Leader: a learner reports a session as alive (ZooKeeper's PING session data). */
  touchSession(sessionId: bigint, timeout?: number): void {
    this.tracker.touch(sessionId, this.clock.monotonic(), timeout);
  }

  /** Learner: the sessions touched by local clients since the last call (id -> timeout), for the leader. */
  takeTouchedSessions(): Array<[bigint, number]> {
    const out = [...this.touched];
    this.touched.clear();
    return out;
  }

  /** Leader: the next txn gets zxid `zxid + 1` (ZAB: the new epoch's first counter). */
  setLastProposedZxid(zxid: bigint): void {
    this.hzxid = zxid;
  }

  /**
   * Learner: a txn the leader committed. Applied to the tree now (watches fire); a forwarded request of ours it
   * belongs to is answered in request order; sessions start/end (an expired session's connection is closed).
   */
  applyCommitted(hdr: TxnHeader, txn: unknown): void {
    const rc = this.tree.processTxn(hdr, txn);
    const now = this.clock.monotonic();
    let mine: Request | undefined;
    const fwd = this.forwardedWrites.get(hdr.clientId);
    if (fwd !== undefined) {
      for (let i = 0; i < fwd.length; i++) {
        const r = fwd[i]!;
        if (!r.ready && r.xid === hdr.cxid && (r.type === hdr.type || hdr.type === OpCode.error)) {
          mine = r;
          if (fwd.length === 1) this.forwardedWrites.delete(hdr.clientId);
          else fwd.splice(i, 1);
          break;
        }
      }
    }
    if (hdr.type === OpCode.createSession) {
      if (this.tracker.get(hdr.clientId) === undefined) this.tracker.add(hdr.clientId, (txn as { timeOut: number }).timeOut, now);
    } else if (hdr.type === OpCode.closeSession) {
      this.tracker.remove(hdr.clientId);
      const owner = this.owners.get(hdr.clientId);
      if (owner !== undefined && (mine === undefined || mine.type !== OpCode.closeSession)) this.closeConn(owner, "session expired");
    }
    if (mine !== undefined) {
      mine.hdr = hdr;
      mine.txn = txn;
      mine.rc = rc;
      mine.ready = true;
      this.drain();
    }
  }

  /** Learner: the leader answered the oldest forwarded sync of this session; its reply may go. */
  syncDone(sessionId: bigint, cxid: number): void {
    for (const r of this.queue) {
      if (r.forwarded === true && !r.ready && r.type === OpCode.sync && r.sessionId === sessionId && r.xid === cxid) {
        r.ready = true;
        this.drain();
        return;
      }
    }
  }

  /** The member stops serving (lost its leader or quorum): timers stop, every client connection is closed. */
  abort(reason: string): void {
    this.running = false;
    if (this.expiryTimer !== undefined) this.clock.clearTimer(this.expiryTimer);
    if (this.reaperTimer !== undefined) this.clock.clearTimer(this.reaperTimer);
    this.expiryTimer = this.reaperTimer = undefined;
    for (const cs of [...this.conns.values()]) this.closeConn(cs, reason);
  }

  // ---- prepare (PrepRequestProcessor) -----------------------------------------------------------------------

  private prepare(r: Request): void {
    if (!WRITE_TYPES.has(r.type)) {
      // reads only check the session
      try {
        if (r.cs !== null) this.checkSession(r.sessionId);
      } catch (e) {
        if (e instanceof CoreError) r.error = e;
        else throw e;
      }
      return;
    }
    try {
      switch (r.type) {
        case OpCode.multi:
          this.prepareMulti(r);
          break;
        case OpCode.createSession:
          r.hdr = this.txnHeader(r, this.nextZxid(), r.type);
          r.txn = { timeOut: r.connectTimeout ?? (r.body.length >= 4 ? r.body.readInt32BE(0) : 0) };
          break;
        case OpCode.closeSession:
          r.hdr = this.txnHeader(r, this.nextZxid(), r.type);
          this.prepareCloseSession(r);
          break;
        case OpCode.reconfig: {
          // The body is decoded before a zxid is taken; standalone has reconfigEnabled=false.
          this.read<unknown>(r);
          r.hdr = this.txnHeader(r, this.nextZxid(), r.type);
          throw new CoreError(ErrorCode.RECONFIGDISABLED);
        }
        default:
          this.prepareOp(r.type, this.nextZxid(), r, undefined);
      }
    } catch (e) {
      const code = e instanceof CoreError ? e.code : ErrorCode.MARSHALLINGERROR;
      if (!(e instanceof CoreError) && !(e instanceof JuteDecodeError)) {
        this.logger.error("failed to prepare request", { type: r.type, error: String(e) });
      }
      r.error = e instanceof CoreError ? e : new CoreError(code);
      if (r.hdr !== null) {
        r.hdr = { ...r.hdr, type: OpCode.error };
        r.txn = { err: code };
      }
    }
  }

  private txnHeader(r: Request, zxid: bigint, type: number): TxnHeader {
    return { clientId: r.sessionId, cxid: r.xid, zxid, time: BigInt(this.clock.now()), type };
  }

  private checkSession(sessionId: bigint): void {
    const s = this.tracker.get(sessionId);
    if (s === undefined) throw new CoreError(ErrorCode.UNKNOWNSESSION);
    if (s.closing) throw new CoreError(ErrorCode.SESSIONEXPIRED);
  }

  /** The tree node the last recordFor() found (undefined when it came from a pending change). */
  private lastTreeNode: TreeNode | undefined = undefined;

  private recordFor(path: string): ChangeRecord {
    this.lastTreeNode = undefined;
    const c = this.changesForPath.get(path);
    if (c !== undefined) {
      if (c.stat === null) throw new CoreError(ErrorCode.NONODE, path);
      return c;
    }
    const n = this.tree.getNode(path);
    if (n === undefined) throw new CoreError(ErrorCode.NONODE, path);
    this.lastTreeNode = n;
    return changeRecord(-1n, path, n.stat, childCount(n), this.tree.getACLOf(n), n.data);
  }

  /** Whether `path` exists once the pending changes are applied (recordFor without building an exception). */
  private existsPending(path: string): boolean {
    const c = this.changesForPath.get(path);
    if (c !== undefined) return c.stat !== null;
    return this.tree.getNode(path) !== undefined;
  }

  /** Pending changes of a delete (and deleteContainer): the parent loses a child, its pzxid moves; the node goes. */
  private addDeleteChanges(parent: ChangeRecord, path: string, zxid: bigint): void {
    const ps = parent.stat!;
    this.addChange(
      changeRecord(zxid, parent.path, statWith(ps, ps.czxid, ps.mzxid, ps.ctime, ps.mtime, ps.version, ps.cversion, ps.aversion, zxid), parent.childCount - 1, parent.acl, parent.data),
    );
    this.addChange(changeRecord(zxid, path, null, -1, NO_ACL, null));
  }

  private addChange(c: ChangeRecord): void {
    this.changes.push(c);
    this.changesForPath.set(c.path, c);
  }

  private checkVersion(current: number, expected: number, path: string): number {
    if (expected !== -1 && expected !== current) throw new CoreError(ErrorCode.BADVERSION, path);
    return current + 1;
  }

  private validatePath(path: string): void {
    if (!isValidPath(path)) throw new CoreError(ErrorCode.BADARGUMENTS, path);
  }

  /** getParentPathAndValidate: no slash, NUL, or a special path (/, /zookeeper, ...) -> BADARGUMENTS. */
  private parentForDelete(path: string): string {
    const slash = path.lastIndexOf("/");
    if (slash < 0 || path.includes("\0") || this.isSpecialPath(path)) {
      throw new CoreError(ErrorCode.BADARGUMENTS, path);
    }
    return slash === 0 ? "/" : path.slice(0, slash);
  }

  private isSpecialPath(path: string): boolean {
    return (
      path === "/" || path === "/zookeeper" || path === "/zookeeper/quota" || path === "/zookeeper/config"
    );
  }

  /** Decodes `r`'s body (or uses the multi op's record) and builds the txn. Throws CoreError. */
  private prepareOp(type: number, zxid: bigint, r: Request, record: unknown): void {
    if (r.hdr === null) r.hdr = this.txnHeader(r, zxid, type);
    switch (type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
        this.prepareCreate(type, zxid, r, this.opBody<CreateRequest | CreateTTLRequest>(type, r, record));
        return;
      case OpCode.deleteContainer: {
        const path = record !== undefined ? (record as { path: string }).path : r.body.toString("utf8");
        const parent = this.parentForDelete(path);
        const node = this.recordFor(path);
        if (node.childCount > 0) throw new CoreError(ErrorCode.NOTEMPTY, path);
        if (this.ephemeralType(node.stat!.ephemeralOwner) === "normal") throw new CoreError(ErrorCode.BADVERSION, path);
        const p = this.recordFor(parent);
        r.txn = { path };
        this.addDeleteChanges(p, path, zxid);
        return;
      }
      case OpCode.delete: {
        if (r.cs !== null) this.checkSession(r.sessionId);
        const req = this.opBody<{ path: string; version: number }>(type, r, record);
        const path = req.path;
        const parent = this.parentForDelete(path);
        const p = this.recordFor(parent);
        checkACL(this.policy, p.acl, Perm.DELETE, r.authInfo, path);
        const node = this.recordFor(path);
        this.checkVersion(node.stat!.version, req.version, path);
        if (node.childCount > 0) throw new CoreError(ErrorCode.NOTEMPTY, path);
        r.txn = { path };
        this.addDeleteChanges(p, path, zxid);
        return;
      }
      case OpCode.setData: {
        if (r.cs !== null) this.checkSession(r.sessionId);
        const req = this.opBody<{ path: string; data: Buffer | null; version: number }>(type, r, record);
        const path = req.path;
        this.validatePath(path);
        const node = this.recordFor(path);
        if (r.type === OpCode.setData) r.node = this.lastTreeNode; // spares applying it a second lookup
        checkACL(this.policy, node.acl, Perm.WRITE, r.authInfo, path);
        this.checkQuota(path, node.data, req.data, false);
        const version = this.checkVersion(node.stat!.version, req.version, path);
        r.txn = { path, data: req.data, version };
        const ns = node.stat!;
        this.addChange(
          changeRecord(zxid, path, statWith(ns, ns.czxid, zxid, ns.ctime, r.hdr.time, version, ns.cversion, ns.aversion, ns.pzxid), node.childCount, node.acl, req.data),
        );
        return;
      }
      case OpCode.setACL: {
        if (r.cs !== null) this.checkSession(r.sessionId);
        const req = this.opBody<{ path: string; acl: ACL[]; version: number }>(type, r, record);
        const path = req.path;
        this.validatePath(path);
        const acl = fixupACL(path, r.authInfo, req.acl);
        const node = this.recordFor(path);
        checkACL(this.policy, node.acl, Perm.ADMIN, r.authInfo, path);
        const version = this.checkVersion(node.stat!.aversion, req.version, path);
        r.txn = { path, acl, version };
        const ns = node.stat!;
        this.addChange(
          changeRecord(zxid, path, statWith(ns, ns.czxid, ns.mzxid, ns.ctime, ns.mtime, ns.version, ns.cversion, version, ns.pzxid), node.childCount, node.acl, node.data),
        );
        return;
      }
      case OpCode.check: {
        if (r.cs !== null) this.checkSession(r.sessionId);
        const req = this.opBody<{ path: string; version: number }>(type, r, record);
        const path = req.path;
        this.validatePath(path);
        const node = this.recordFor(path);
        checkACL(this.policy, node.acl, Perm.READ, r.authInfo, path);
        r.txn = { path, version: this.checkVersion(node.stat!.version, req.version, path) };
        return;
      }
      default:
        throw new CoreError(ErrorCode.MARSHALLINGERROR);
    }
  }

  /** The request record of a write: the multi op's record, or `r.body` decoded. Throws MARSHALLINGERROR. */
  private opBody<T>(type: number, r: Request, record: unknown): T {
    if (record !== undefined) return record as T;
    const codec = requestCodec(type);
    if (codec === undefined || codec === null) throw new CoreError(ErrorCode.MARSHALLINGERROR);
    try {
      return decodeBody(codec, r.body, this.maxBuffer) as T;
    } catch {
      throw new CoreError(ErrorCode.MARSHALLINGERROR);
    }
  }

  private ephemeralType(owner: bigint): "void" | "normal" | "container" | "ttl" {
    if (this.extendedTypes && (owner & TTL_MASK) === TTL_MASK) {
      // only the TTL extended feature (bits 0x00ffff0000000000 == 0) exists
      return "ttl";
    }
    if (owner === CONTAINER_OWNER) return "container";
    return owner === 0n ? "void" : "normal";
  }

  private prepareCreate(type: number, zxid: bigint, r: Request, req: CreateRequest | CreateTTLRequest): void {
    const ttl = type === OpCode.createTTL ? (req as CreateTTLRequest).ttl : -1n;
    const mode = createModeFromFlag(req.flags);
    if (mode === undefined) throw new CoreError(ErrorCode.BADARGUMENTS, req.path);
    // validateCreateRequest
    if (mode.ttl && !this.extendedTypes) throw new CoreError(ErrorCode.UNIMPLEMENTED);
    if (mode.ttl ? ttl > MAX_TTL || ttl <= 0n : ttl >= 0n) throw new CoreError(ErrorCode.BADARGUMENTS, req.path);
    if (r.cs !== null) this.checkSession(r.sessionId);
    // validatePathForCreate
    let path = req.path;
    const slash = path.lastIndexOf("/");
    if (slash < 0 || path.includes("\0")) throw new CoreError(ErrorCode.BADARGUMENTS, path);
    const parentPath = slash === 0 ? "/" : path.slice(0, slash);
    const acl = fixupACL(path, r.authInfo, req.acl);
    const parent = this.recordFor(parentPath);
    checkACL(this.policy, parent.acl, Perm.CREATE, r.authInfo, path);
    const parentCVersion = parent.stat!.cversion;
    if (mode.sequential) path = path + javaFormat010(parentCVersion);
    this.validatePath(path);
    if (this.existsPending(path)) throw new CoreError(ErrorCode.NODEEXISTS, path);
    if (this.ephemeralType(parent.stat!.ephemeralOwner) === "normal") {
      throw new CoreError(ErrorCode.NOCHILDRENFOREPHEMERALS, path);
    }
    const newCversion = parent.stat!.cversion + 1;
    this.checkQuota(path, null, req.data, true);
    if (type === OpCode.createContainer) {
      r.txn = { path, data: req.data, acl, parentCVersion: newCversion };
    } else if (type === OpCode.createTTL) {
      r.txn = { path, data: req.data, acl, parentCVersion: newCversion, ttl };
    } else {
      r.txn = { path, data: req.data, acl, ephemeral: mode.ephemeral, parentCVersion: newCversion };
    }
    let owner = 0n;
    if (mode.container) owner = CONTAINER_OWNER;
    else if (mode.ttl) owner = BigInt.asIntN(64, TTL_MASK | ttl);
    else if (mode.ephemeral) owner = r.sessionId;
    const time = r.hdr!.time;
    const stat: StatPersisted = {
      czxid: zxid,
      mzxid: zxid,
      ctime: time,
      mtime: time,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: owner,
      pzxid: zxid,
    };
    const ps = parent.stat!;
    this.addChange(
      changeRecord(zxid, parentPath, statWith(ps, ps.czxid, ps.mzxid, ps.ctime, ps.mtime, ps.version, newCversion, ps.aversion, zxid), parent.childCount + 1, parent.acl, parent.data),
    );
    this.addChange(changeRecord(zxid, path, stat, 0, acl, req.data));
  }

  private prepareCloseSession(r: Request): void {
    const es = new Set(this.tree.ephemerals(r.sessionId));
    for (const c of this.changes) {
      if (c.stat === null) es.delete(c.path);
      else if (c.stat.ephemeralOwner === r.sessionId) es.add(c.path);
    }
    for (const p of es) this.addChange(changeRecord(r.hdr!.zxid, p, null, 0, NO_ACL, null));
    r.txn = { paths2Delete: [...es] };
    this.tracker.setClosing(r.sessionId);
  }

  private prepareMulti(r: Request): void {
    let multi: MultiRequest;
    try {
      multi = decodeBody(requestCodec(OpCode.multi) as Codec<MultiRequest>, r.body, this.maxBuffer);
    } catch {
      r.hdr = this.txnHeader(r, this.nextZxid(), OpCode.multi);
      throw new CoreError(ErrorCode.MARSHALLINGERROR);
    }
    const zxid = this.nextZxid();
    r.hdr = this.txnHeader(r, zxid, OpCode.multi);
    if (multi.ops.some((op) => op.type === OpCode.getData || op.type === OpCode.getChildren)) {
      // a read op in a multi: ZooKeeper fails the whole request (MARSHALLINGERROR, zxid consumed)
      throw new CoreError(ErrorCode.MARSHALLINGERROR);
    }
    const savedLen = this.changes.length;
    const savedMap = new Map(this.changesForPath);
    const txns: Array<{ type: number; data: Buffer }> = [];
    let failed: CoreError | null = null;
    for (const op of multi.ops as MultiOp[]) {
      let type: number;
      let txn: unknown;
      if (failed !== null) {
        type = OpCode.error;
        txn = { err: ErrorCode.RUNTIMEINCONSISTENCY };
      } else {
        try {
          this.prepareOp(op.type, zxid, r, op.body);
          type = op.type;
          txn = r.txn;
        } catch (e) {
          failed = e instanceof CoreError ? e : new CoreError(ErrorCode.MARSHALLINGERROR);
          type = OpCode.error;
          txn = { err: failed.code };
          r.error = failed;
          // roll back the change records of this multi
          this.changes.length = savedLen;
          this.changesForPath.clear();
          for (const [k, v] of savedMap) this.changesForPath.set(k, v);
        }
      }
      txns.push({ type, data: encodeTxnRecord(type, txn) });
    }
    r.txn = { txns };
    r.hdr = this.txnHeader(r, zxid, OpCode.multi);
  }

  private checkQuota(path: string, lastData: Buffer | null, data: Buffer | null, isCreate: boolean): void {
    if (!this.enforceQuota) return;
    const dataBytes = data === null ? 0 : data.length;
    const bytesDelta = isCreate ? dataBytes : dataBytes - (lastData === null ? 0 : lastData.length);
    const q = this.tree.checkQuota(path, bytesDelta, isCreate ? 1 : 0);
    if (q.message !== undefined) this.logger.warn(q.message);
    if (!q.ok) throw new CoreError(ErrorCode.QUOTAEXCEEDED, q.prefix);
  }

  // ---- apply + respond (FinalRequestProcessor) --------------------------------------------------------------

  private applyTxn(r: Request): TxnResult | null {
    if (r.hdr === null) return null;
    const hdr = r.hdr;
    const rc = this.tree.processTxn(hdr, r.txn, r.node);
    if (hdr.type === OpCode.closeSession) {
      this.tracker.remove(r.sessionId);
    }
    while (this.changes.length > 0 && this.changes[0]!.zxid <= hdr.zxid) {
      const c = this.changes.shift()!;
      if (this.changesForPath.get(c.path) === c) this.changesForPath.delete(c.path);
    }
    return rc;
  }

  /** A txn the txn log failed: undo what prepare did to sessions, answer SYSTEMERROR (or close), apply nothing. */
  private finishFailed(r: Request): void {
    const now = this.clock.monotonic();
    if (r.type === OpCode.closeSession) {
      // the session lives on and expires (again) later, when the log may accept the closeSession
      this.tracker.reopen(r.sessionId, now);
    } else if (r.type === OpCode.createSession) {
      this.tracker.remove(r.sessionId);
      if (r.cs !== null && this.owners.get(r.sessionId) === r.cs) this.owners.delete(r.sessionId);
    }
    const cs = r.cs;
    if (cs === null) return;
    cs.outstanding--;
    this.outstandingCount--;
    if (this.outstandingCount === 0) this.onOutstandingDrained?.();
    if (cs.closed) return;
    if (r.type === OpCode.createSession || r.type === OpCode.closeSession) {
      this.closeConn(cs, "txn log write failed");
      return;
    }
    this.updateStats(cs, r, LAST_OP[r.type] ?? "NA", this.tree.lastProcessedZxid);
    const out = new OutputArchive(16);
    ReplyHeader.write(out, { xid: r.xid, zxid: this.tree.lastProcessedZxid, err: ErrorCode.SYSTEMERROR });
    this.send(cs, out.toBuffer());
  }

  private finish(r: Request): void {
    if (r.sinkError !== undefined) return this.finishFailed(r);
    const rc = r.forwarded === true ? (r.rc ?? null) : this.applyTxn(r);
    if (r.type === OpCode.closeSession && r.cs === null) {
      // expiry: close the session's connection, no reply
      const owner = this.owners.get(r.sessionId);
      if (owner !== undefined) this.closeConn(owner, "session expired");
      return;
    }
    const cs = r.cs;
    if (cs === null) return;
    cs.outstanding--;
    this.outstandingCount--;
    if (this.outstandingCount === 0) this.onOutstandingDrained?.();
    if (cs.closed) return;
    const lastZxid = this.tree.lastProcessedZxid;
    const lastOp = LAST_OP[r.type] ?? "NA";
    if (r.type === OpCode.createSession) {
      this.updateStats(cs, r, lastOp, lastZxid);
      if (r.error === null) this.finishSessionInit(cs, true);
      else this.finishSessionInit(cs, false);
      return;
    }
    let err = 0;
    let rsp: { codec: Codec<any> | null; value: unknown } | null = null;
    let xid = r.xid;
    try {
      if (r.hdr !== null && r.hdr.type === OpCode.error) {
        throw r.error ?? new CoreError((r.txn as { err: number }).err);
      }
      if (r.error !== null && r.type !== OpCode.multi) throw r.error;
      rsp = this.respond(r, cs, rc);
      if (r.type === OpCode.ping) {
        xid = -2;
      }
    } catch (e) {
      if (e instanceof ErrorWithBody) {
        err = e.code;
        rsp = { codec: e.codec, value: e.body };
      } else if (e instanceof CoreError) err = e.code;
      else {
        if (!(e instanceof JuteDecodeError)) this.logger.error("failed to process request", { error: String(e) });
        err = ErrorCode.MARSHALLINGERROR;
      }
      if (!(e instanceof ErrorWithBody)) rsp = null;
    }
    this.updateStats(cs, r, lastOp, lastZxid);
    // 3.8.0: a successful standalone check gets no reply at all (observed on the reference server).
    if (r.type === OpCode.check && err === 0) return;
    // One reused archive: length prefix, ReplyHeader {xid, zxid, err}, body; copied out once, exactly sized.
    const out = this.replyOut;
    out.reset();
    const mark = out.beginFrame();
    out.writeInt(xid);
    out.writeLong(lastZxid);
    out.writeInt(err);
    if (rsp !== null && rsp.codec !== null) rsp.codec.write(out, rsp.value);
    out.endFrame(mark);
    this.sendFrame(cs, out.toBuffer());
    if (r.type === OpCode.closeSession) this.closeConn(cs, "client closed session");
  }

  private read<T>(r: Request): T {
    const codec = requestCodec(r.type);
    if (codec === undefined || codec === null) throw new CoreError(ErrorCode.MARSHALLINGERROR);
    try {
      return decodeBody(codec, r.body, this.maxBuffer) as T;
    } catch {
      throw new CoreError(ErrorCode.MARSHALLINGERROR);
    }
  }

  private getDataOp(cs: ConnState, r: Request, req: { path: string; watch: boolean }) {
    const n = this.tree.getNode(req.path);
    if (n === undefined) throw new CoreError(ErrorCode.NONODE, req.path);
    checkACL(this.policy, this.tree.getACLOf(n), Perm.READ, r.authInfo, req.path);
    const res = this.tree.getData(req.path, req.watch ? cs.watcher : undefined);
    if (res === null) throw new CoreError(ErrorCode.NONODE, req.path);
    return res;
  }

  private getChildrenOp(cs: ConnState, r: Request, req: { path: string; watch: boolean }) {
    const n = this.tree.getNode(req.path);
    if (n === undefined) throw new CoreError(ErrorCode.NONODE, req.path);
    checkACL(this.policy, this.tree.getACLOf(n), Perm.READ, r.authInfo, req.path);
    const res = this.tree.getChildren(req.path, req.watch ? cs.watcher : undefined);
    if (res === null) throw new CoreError(ErrorCode.NONODE, req.path);
    return res;
  }

  /** Builds the reply body of a request that did not fail in prepare. Throws CoreError. */
  private respond(
    r: Request,
    cs: ConnState,
    rc: TxnResult | null,
  ): { codec: Codec<any> | null; value: unknown } | null {
    const codec = responseCodecOf;
    switch (r.type) {
      case OpCode.ping:
        return null;
      case OpCode.multi: {
        const results: OpResult[] = [];
        for (const sub of rc?.multiResult ?? []) {
          switch (sub.type) {
            case OpCode.check:
              results.push({ type: OpCode.check, err: 0, body: null });
              break;
            case OpCode.create:
              results.push({ type: OpCode.create, err: 0, body: { path: sub.path ?? "" } });
              break;
            case OpCode.create2:
            case OpCode.createTTL:
            case OpCode.createContainer:
              results.push({ type: OpCode.create2, err: 0, body: { path: sub.path ?? "", stat: sub.stat ?? zeroStat() } });
              break;
            case OpCode.delete:
            case OpCode.deleteContainer:
              results.push({ type: OpCode.delete, err: 0, body: null });
              break;
            case OpCode.setData:
              results.push({ type: OpCode.setData, err: 0, body: { stat: sub.stat ?? zeroStat() } });
              break;
            case OpCode.error:
              results.push({ type: OpCode.error, err: sub.err, body: { err: sub.err } });
              break;
            default:
              throw new CoreError(ErrorCode.MARSHALLINGERROR);
          }
        }
        return { codec: codec(OpCode.multi), value: { results } };
      }
      case OpCode.multiRead: {
        const multi = this.read<MultiRequest>(r);
        const results: OpResult[] = [];
        for (const op of multi.ops) {
          try {
            if (op.type === OpCode.getData) {
              const d = this.getDataOp(cs, r, op.body);
              results.push({ type: OpCode.getData, err: 0, body: d });
            } else if (op.type === OpCode.getChildren) {
              const c = this.getChildrenOp(cs, r, op.body);
              results.push({ type: OpCode.getChildren, err: 0, body: { children: c.children } });
            } else {
              // FinalRequestProcessor has already built an (empty) MultiResponse: it goes out with err -5.
              throw new ErrorWithBody(ErrorCode.MARSHALLINGERROR, codec(OpCode.multiRead), { results: [] });
            }
          } catch (e) {
            if (e instanceof ErrorWithBody || !(e instanceof CoreError)) throw e;
            results.push({ type: OpCode.error, err: e.code, body: { err: e.code } });
          }
        }
        return { codec: codec(OpCode.multiRead), value: { results } };
      }
      case OpCode.create:
        return { codec: codec(r.type), value: { path: rc?.path ?? "" } };
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
        return { codec: codec(r.type), value: { path: rc?.path ?? "", stat: rc?.stat ?? zeroStat() } };
      case OpCode.delete:
      case OpCode.deleteContainer:
        if (rc !== null && rc.err !== 0) throw new CoreError(rc.err);
        return null;
      case OpCode.setData:
      case OpCode.setACL:
      case OpCode.check:
        if (rc !== null && rc.err !== 0) throw new CoreError(rc.err);
        return { codec: codec(r.type), value: { stat: rc?.stat ?? zeroStat() } };
      case OpCode.closeSession:
        return null;
      case OpCode.sync: {
        const req = this.read<{ path: string }>(r);
        return { codec: codec(r.type), value: { path: req.path } };
      }
      case OpCode.exists: {
        const req = this.read<{ path: string; watch: boolean }>(r);
        if (req.path.includes("\0")) throw new CoreError(ErrorCode.BADARGUMENTS);
        // ZooKeeper checks no ACL for exists: a node's Stat is visible to everyone.
        const stat = this.tree.exists(req.path, req.watch ? cs.watcher : undefined);
        if (stat === null) throw new CoreError(ErrorCode.NONODE, req.path);
        return { codec: codec(r.type), value: { stat } };
      }
      case OpCode.getData: {
        const req = this.read<{ path: string; watch: boolean }>(r);
        return { codec: codec(r.type), value: this.getDataOp(cs, r, req) };
      }
      case OpCode.setWatches:
      case OpCode.setWatches2: {
        const req = this.read<{
          relativeZxid: bigint;
          dataWatches: string[];
          existWatches: string[];
          childWatches: string[];
          persistentWatches?: string[];
          persistentRecursiveWatches?: string[];
        }>(r);
        const lists = {
          dataWatches: req.dataWatches,
          existWatches: req.existWatches,
          childWatches: req.childWatches,
          persistentWatches: req.persistentWatches ?? [],
          persistentRecursiveWatches: req.persistentRecursiveWatches ?? [],
        };
        this.tree.setWatches(req.relativeZxid, lists, cs.watcher);
        return null;
      }
      case OpCode.addWatch: {
        const req = this.read<{ path: string; mode: number }>(r);
        if (req.mode !== 0 && req.mode !== 1) throw new CoreError(ErrorCode.MARSHALLINGERROR);
        this.tree.addWatch(req.path, cs.watcher, req.mode === 0 ? "persistent" : "persistentRecursive");
        return { codec: codec(r.type), value: { err: 0 } };
      }
      case OpCode.getACL: {
        const req = this.read<{ path: string }>(r);
        const n = this.tree.getNode(req.path);
        if (n === undefined) throw new CoreError(ErrorCode.NONODE, req.path);
        checkACL(this.policy, this.tree.getACLOf(n), Perm.READ | Perm.ADMIN, r.authInfo, req.path);
        const res = this.tree.getACL(req.path);
        if (res === null) throw new CoreError(ErrorCode.NONODE, req.path);
        const { acl, stat } = res;
        if (hasPerm(this.policy, acl, Perm.ADMIN, r.authInfo)) {
          return { codec: codec(r.type), value: { acl: [...acl], stat } };
        }
        const redacted = acl.map((a) =>
          a.id.scheme === "digest" ? { perms: a.perms, id: { scheme: a.id.scheme, id: (a.id.id ?? "").replace(/:.*/s, ":x") } } : a,
        );
        return { codec: codec(r.type), value: { acl: redacted, stat } };
      }
      case OpCode.getChildren: {
        const req = this.read<{ path: string; watch: boolean }>(r);
        return { codec: codec(r.type), value: { children: this.getChildrenOp(cs, r, req).children } };
      }
      case OpCode.getChildren2: {
        const req = this.read<{ path: string; watch: boolean }>(r);
        return { codec: codec(r.type), value: this.getChildrenOp(cs, r, req) };
      }
      case OpCode.getAllChildrenNumber: {
        const req = this.read<{ path: string }>(r);
        const n = this.tree.getNode(req.path);
        if (n === undefined) throw new CoreError(ErrorCode.NONODE, req.path);
        checkACL(this.policy, this.tree.getACLOf(n), Perm.READ, r.authInfo, req.path);
        return { codec: codec(r.type), value: { totalNumber: this.tree.getAllChildrenNumber(req.path) } };
      }
      case OpCode.checkWatches:
      case OpCode.removeWatches: {
        const req = this.read<{ path: string; type: number }>(r);
        if (req.type < 1 || req.type > 3) throw new CoreError(ErrorCode.MARSHALLINGERROR);
        const found =
          r.type === OpCode.checkWatches
            ? this.tree.containsWatch(req.path, cs.watcher, req.type)
            : this.tree.removeWatch(req.path, cs.watcher, req.type);
        if (!found) throw new CoreError(ErrorCode.NOWATCHER, req.path);
        return null;
      }
      case OpCode.whoAmI:
        return {
          codec: codec(r.type),
          value: { clientInfo: r.authInfo.map((id) => ({ authScheme: id.scheme, user: userOf(id) })) },
        };
      case OpCode.getEphemerals: {
        const req = this.read<{ prefixPath: string }>(r);
        const all = [...this.tree.ephemerals(r.sessionId)];
        const prefix = req.prefixPath;
        const list =
          prefix.trim() === "" || prefix.trim() === "/" ? all : all.filter((p) => p.startsWith(prefix));
        return { codec: codec(r.type), value: { ephemerals: list } };
      }
      default:
        return null;
    }
  }

  private updateStats(cs: ConnState, r: Request, lastOp: string, lastZxid: bigint): void {
    // One clock reading per drained batch (its replies go out together), else one per reply.
    const now = this.drainClock >= 0 ? this.drainClock : this.clock.monotonic();
    const lat = now - r.start;
    this.latency.add(lat);
    cs.latency.add(lat);
    cs.lastOp = lastOp;
    cs.lastCxid = r.xid;
    cs.lastZxid = lastZxid;
    cs.lastLatency = lat;
    cs.lastResponseTime = this.clock.now();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Watches, connections, timers

  private newConnState(conn: ServerConnection): ConnState {
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
    const server = this;
    cs.watcher = {
      get sessionId() {
        return cs.sessionId;
      },
      ids: () => cs.authInfo,
      process(event: TreeEvent) {
        if (cs.closed) return;
        server.send(cs, encodeNotification({ type: event.type, state: event.state, path: event.path }, -1n));
      },
    };
    return cs;
  }

  /** Sends a packet that starts with its length (see ServerConnection.sendFramed). */
  private sendFrame(cs: ConnState, frame: Buffer): void {
    if (cs.closed) return;
    cs.packetsSent++;
    this.packetsSent++;
    const conn = cs.conn;
    if (conn.sendFramed !== undefined) conn.sendFramed(frame);
    else conn.send(frame.subarray(4));
  }

  private send(cs: ConnState, payload: Buffer): void {
    if (cs.closed) return;
    cs.packetsSent++;
    this.packetsSent++;
    cs.conn.send(payload);
  }

  /** A header-only reply (errors, auth, ping, ...): just the ReplyHeader, whatever xid the client used. */
  private sendReply(cs: ConnState, header: ReplyHeader, _body: null): void {
    this.send(cs, encode(ReplyHeader, header, 16));
  }

  private detach(cs: ConnState): void {
    if (!cs.closed) cs.closed = true;
    if (this.conns.get(cs.conn.id) === cs) this.conns.delete(cs.conn.id);
    if (this.owners.get(cs.sessionId) === cs) this.owners.delete(cs.sessionId);
    this.tree.removeWatcher(cs.watcher);
  }

  /** Closes a connection over bad input from the client, logged (at info) with who sent it. */
  private rejectConn(cs: ConnState, reason: string): void {
    this.badInputCount++;
    this.logger.info("closing connection: bad input", {
      reason,
      remote: `${cs.conn.remoteAddress}:${cs.conn.remotePort}`,
      session: cs.sessionId.toString(16),
    });
    this.closeConn(cs, reason);
  }

  private closeConn(cs: ConnState, reason: string): void {
    if (cs.closed) return;
    this.detach(cs);
    cs.conn.close(reason);
  }

  private scheduleExpiry(): void {
    if (!this.running) return;
    const wait = this.tracker.waitTime(this.clock.monotonic());
    this.expiryTimer = this.clock.setTimer(wait, () => {
      this.expiryTimer = undefined;
      this.expireSessions();
      this.scheduleExpiry();
    });
  }

  /** Expires every session whose bucket is due (normally driven by the timer started in start()). */
  expireSessions(): void {
    for (const s of this.tracker.expireDue(this.clock.monotonic())) {
      this.logger.info("expiring session", { session: s.id.toString(16), timeout: s.timeout });
      const r = this.newRequest(null, s.id, 0, OpCode.closeSession, Buffer.alloc(0));
      this.submit(r);
    }
  }

  private scheduleReaper(): void {
    if (!this.running || this.containerInterval <= 0) return;
    this.reaperTimer = this.clock.setTimer(this.containerInterval, () => {
      this.reaperTimer = undefined;
      this.reapContainers();
      this.scheduleReaper();
    });
  }

  /** ContainerManager.checkContainers: a deleteContainer request for every candidate. */
  reapContainers(): void {
    for (const path of this.tree.containerAndTtlCandidates(this.clock.now())) {
      const r = this.newRequest(null, 0n, 0, OpCode.deleteContainer, Buffer.from(path, "utf8"));
      this.submit(r);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // ServerInfo

  private makeInfo(): ServerInfo {
    const s = this;
    return {
      get version() {
        return s.version;
      },
      serverState: s.serverState,
      get zxid() {
        return s.tree.lastProcessedZxid;
      },
      get nodeCount() {
        // ZooKeeper's DataTree keeps the root under both "" and "/", so its node count (srvr, stat, mntr's
        // zk_znode_count) is one more than the number of znodes: report what it reports.
        return s.tree.nodeCount() + 1;
      },
      get packetsReceived() {
        return s.packetsReceived;
      },
      get packetsSent() {
        return s.packetsSent;
      },
      get latency() {
        return s.latency.stats;
      },
      get outstanding() {
        return s.outstandingCount;
      },
      get tickTime() {
        return s.tickTime;
      },
      get minSessionTimeout() {
        return s.minSessionTimeout;
      },
      get maxSessionTimeout() {
        return s.maxSessionTimeout;
      },
      connections: () =>
        [...s.conns.values()].map((cs) => ({
          id: cs.conn.id,
          remoteAddress: cs.conn.remoteAddress,
          remotePort: cs.conn.remotePort,
          queued: cs.outstanding,
          packetsReceived: cs.packetsReceived,
          packetsSent: cs.packetsSent,
          sessionId: cs.sessionId,
          lastOp: cs.lastOp,
          lastCxid: cs.lastCxid,
          lastZxid: cs.lastZxid,
          lastResponseTime: cs.lastResponseTime,
          lastLatency: cs.lastLatency,
          timeout: cs.timeout,
          established: cs.established,
          latency: cs.latency.stats,
        })),
      sessions: () =>
        s.tracker.all().map((x) => ({
          id: x.id,
          timeout: x.timeout,
          ephemerals: [...s.tree.ephemerals(x.id)],
          expiresAt: s.wallClockOf(s.tracker.expiresAt(x.id)),
        })),
      watchSummary: () => s.tree.watchSummary(),
      namespaceStats: () => s.tree.namespaceStats(),
      watchesBySession: () => s.tree.watchesBySession(),
      watchesByPath: () => s.tree.watchesByPath(),
      get approximateDataSize() {
        return s.tree.approximateDataSize();
      },
      get ephemeralsCount() {
        return s.tree.ephemeralsCount();
      },
      resetStats: () => {
        s.packetsReceived = 0;
        s.packetsSent = 0;
        s.latency.reset();
      },
      resetConnectionStats: () => {
        for (const cs of s.conns.values()) {
          cs.packetsReceived = 0;
          cs.packetsSent = 0;
          cs.latency.reset();
          cs.lastOp = "NA";
          cs.lastCxid = -1;
          cs.lastZxid = -1n;
          cs.lastLatency = 0;
          cs.lastResponseTime = 0;
        }
      },
      get config() {
        return { ...s.configMap };
      },
      dataDirSize: 0,
      dataLogDirSize: 0,
      isReadOnly: false,
    };
  }
}

/** An error reply that still carries a body (ZooKeeper serialises a response record it had already built). */
class ErrorWithBody extends CoreError {
  constructor(
    code: number,
    readonly codec: Codec<any> | null,
    readonly body: unknown,
  ) {
    super(code);
  }
}

function responseCodecOf(type: number): Codec<any> | null {
  const c = responseCodec(type);
  return c === undefined ? null : c;
}

function zeroStat(): Stat {
  return {
    czxid: 0n,
    mzxid: 0n,
    ctime: 0n,
    mtime: 0n,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    dataLength: 0,
    numChildren: 0,
    pzxid: 0n,
  };
}

/** Java's String.format("%010d", n) for a negative n: sign, then zero padding to width 10 in total. */
function javaFormat010(n: number): string {
  if (n >= 0) return String(n).padStart(10, "0");
  return "-" + String(-n).padStart(9, "0");
}

