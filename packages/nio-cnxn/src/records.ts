/**
 * The records of the command layer (commands.ts): what each command reports, typed, built once from the server's
 * info, the connection layer and the host facts. The AdminServer prints them as JSON (json.ts) and the four-letter
 * words as ZooKeeper's text (four-letter.ts), so each figure has one source.
 */
import { val, type ConnectionInfoView, type ServerInfoView } from "./types.js";
import type { CnxnStats, ConnectionSnapshot, FourLetterContext } from "./four-letter.js";

/** A Java double in a record: printed as Java prints it ("0.0", "2.8571") in JSON and in text. */
export class JavaDouble {
  constructor(readonly value: number) {}
}

/** A record value: what Jackson would print for the ZooKeeper object. `null` is a value zkts does not measure. */
export type RecordValue =
  | null
  | string
  | number
  | bigint
  | boolean
  | JavaDouble
  | readonly RecordValue[]
  | RecordMap;
export type RecordMap = ReadonlyMap<string, RecordValue> | { readonly [k: string]: RecordValue };

/** What the process and host know: read by a node adapter, never by this module. */
export interface HostFacts {
  /** `envi` / `environment` lines, in ZooKeeper's order (Environment.list). */
  environment(): readonly (readonly [string, string])[];
  maxFileDescriptors(): number | undefined;
  openFileDescriptors(): number | undefined;
}

/** What a quorum member knows about the ensemble (absent on a standalone server). */
export interface QuorumView {
  myid: number;
  isLeader: boolean;
  /** The sid of the leader this member follows or is (undefined while electing). */
  leaderId: number | undefined;
  /** `host:port` of the leader's quorum port, or undefined. */
  leaderAddress: string | undefined;
  quorumAddress: string;
  electionAddress: string;
  clientAddress: string;
  voting: boolean;
  /** ZAB phase: election, discovery, synchronization, broadcast. */
  zabState: string;
  votingView: readonly {
    sid: number;
    serverAddresses: string[];
    electionAddresses: string[];
    clientAddress: string;
    learnerType: "participant" | "observer";
  }[];
}

/** The context of one command: the four-letter words' context plus what only some commands read. */
export interface CommandContext extends FourLetterContext {
  host?: HostFacts;
  /** The zoo.cfg text as the server read it (`initial_configuration`). */
  initialConfig?: string;
  /** `zookeeper.*` system properties as ZooKeeper would hold them from zoo.cfg (`system_properties`). */
  systemProperties?: Readonly<Record<string, string>>;
  /** The newest snapshot (`last_snapshot`): its zxid and its time in seconds. */
  lastSnapshot?: () => { zxid: bigint; timestamp: number } | undefined;
  quorum?: () => QuorumView | undefined;
  /** False while the server is not serving (starting, electing): commands that need a server answer an error. */
  serving?: boolean;
}

export interface CommandResponse {
  /** The command's primary name (or the name asked for, when unknown). */
  command: string;
  error: string | null;
  data: Map<string, RecordValue>;
}
/**
 * What `gtmk` answers: ZooKeeper's default trace mask (ZooTrace: client ping, request and server packet tracing =
 * 306). zkts has no request tracing to tune, so the mask is fixed and `set_trace_mask` answers an error.
 */
export const TRACE_MASK = 306;

export const NOT_SERVING = "This ZooKeeper instance is not currently serving requests";

// ---- shared records (also formatted as text by four-letter.ts) ---------------------------------------------------

export function isReadOnly(ctx: FourLetterContext): boolean {
  return ctx.info.isReadOnly !== undefined && val(ctx.info.isReadOnly, ctx.info);
}

export function watchSummary(ctx: FourLetterContext): { connections: number; paths: number; total: number } {
  return ctx.info.watchSummary?.() ?? { connections: 0, paths: 0, total: 0 };
}

function entries<K, V>(src: Map<K, V> | Iterable<[K, V]> | ReadonlyMap<K, V> | undefined): [K, V][] {
  if (src === undefined) return [];
  return [...(src as Iterable<[K, V]>)];
}

export function watchesBySession(ctx: FourLetterContext): [bigint, readonly string[]][] {
  return entries(ctx.info.watchesBySession?.());
}

export function watchesByPath(ctx: FourLetterContext): [string, readonly bigint[]][] {
  return entries(ctx.info.watchesByPath?.());
}

/** `dirs`: the measured sizes, or nothing when they could not be measured. */
export function dirsRecord(ctx: FourLetterContext): [string, number][] {
  const d = ctx.dirSizes;
  return d === undefined ? [] : [["datadir_size", d.dataDirSize], ["logdir_size", d.logDirSize]];
}

export function environmentRecord(ctx: CommandContext): readonly (readonly [string, string])[] {
  const env = ctx.host?.environment() ?? [];
  // zookeeper.version is the server's, not the host's.
  return env.map(([k, v]): readonly [string, string] => (k === "zookeeper.version" ? [k, String(val(ctx.info.version, ctx.info))] : [k, v]));
}

/**
 * `conf` / `configuration`: the server's configuration in its order, as ZooKeeperServer.dumpConf lists it:
 * `dataDir` is followed by `dataDirSize` and `dataLogDir` by `dataLogSize` (getDataDirSize / getLogDirSize), from
 * the measured sizes, or left out when they were not measured. The text prints every pair; the JSON picks
 * ZooKeeperServerConf.toMap's keys from it.
 */
export function configurationRecord(ctx: FourLetterContext): [string, string][] {
  const info = ctx.info;
  const cfg = info.config === undefined ? {} : val(info.config, info);
  const pairs: Iterable<readonly [string, unknown]> =
    Symbol.iterator in (cfg as object)
      ? (cfg as unknown as Iterable<readonly [string, unknown]>)
      : Object.entries(cfg as Record<string, unknown>);
  const sizes = ctx.dirSizes;
  const out: [string, string][] = [];
  for (const [k, v] of pairs) {
    if (k === "dataDirSize" || k === "dataLogSize") continue;
    out.push([k, String(v)]);
    if (sizes !== undefined && k === "dataDir") out.push(["dataDirSize", String(sizes.dataDirSize)]);
    if (sizes !== undefined && k === "dataLogDir") out.push(["dataLogSize", String(sizes.logDirSize)]);
  }
  return out;
}

/** ZooKeeperServerConf.toMap: [configuration key, JSON key, numeric]. */
export const CONF_JSON_KEYS: readonly (readonly [string, string, boolean])[] = [
  ["clientPort", "client_port", true],
  ["dataDir", "data_dir", false],
  ["dataLogDir", "data_log_dir", false],
  ["tickTime", "tick_time", true],
  ["maxClientCnxns", "max_client_cnxns", true],
  ["minSessionTimeout", "min_session_timeout", true],
  ["maxSessionTimeout", "max_session_timeout", true],
  ["serverId", "server_id", true],
  ["clientPortListenBacklog", "client_port_listen_backlog", true],
];

function coreInfoFor(ctx: FourLetterContext, c: ConnectionSnapshot): ConnectionInfoView | undefined {
  for (const ci of ctx.info.connections?.() ?? []) {
    if (ci.id !== undefined ? ci.id === c.id : ci.remotePort === c.remotePort && ci.remoteAddress === c.remoteAddress) return ci;
  }
  return undefined;
}

/**
 * One client connection as ServerCnxn reports it: the connection layer's counters and core's session facts (whole
 * milliseconds, as Java's longs). `cons` / `stat` print it as dumpConnectionInfo's line, `connections` / `stats` as
 * getConnectionInfo's map.
 */
export interface ConnectionRecord {
  /** The remote IP as Java prints it (an IPv4-mapped IPv6 address as plain IPv4). */
  address: string;
  port: number;
  interestOps: number;
  outstandingRequests: number;
  packetsReceived: number;
  packetsSent: number;
  /** 0 before the session is established. */
  sessionId: bigint;
  lastOperation: string;
  established: number;
  sessionTimeout: number;
  lastCxid: number;
  lastZxid: bigint;
  lastResponseTime: number;
  lastLatency: number;
  minLatency: number;
  avgLatency: number;
  maxLatency: number;
}

/** The record of connection `c`, with what core knows of it (`ci`; absent: no session yet). */
export function connectionRecord(c: ConnectionSnapshot, ci: ConnectionInfoView | undefined): ConnectionRecord {
  return {
    address: c.remoteAddress.startsWith("::ffff:") && c.remoteAddress.includes(".") ? c.remoteAddress.slice(7) : c.remoteAddress,
    port: c.remotePort,
    interestOps: c.interestOps,
    outstandingRequests: ci?.queued ?? 0,
    packetsReceived: c.packetsReceived,
    packetsSent: c.packetsSent,
    sessionId: BigInt(ci?.sessionId ?? 0),
    lastOperation: ci?.lastOp ?? "NA",
    established: Math.trunc(ci?.established ?? 0),
    sessionTimeout: ci?.timeout ?? 0,
    lastCxid: ci?.lastCxid ?? -1,
    lastZxid: BigInt(ci?.lastZxid ?? -1),
    lastResponseTime: Math.trunc(ci?.lastResponseTime ?? 0),
    lastLatency: Math.trunc(ci?.lastLatency ?? 0),
    minLatency: Math.trunc(ci?.latency?.min ?? 0),
    avgLatency: Math.trunc(ci?.latency?.avg ?? 0),
    maxLatency: Math.trunc(ci?.latency?.max ?? 0),
  };
}

/** Every live connection's record, in the connection layer's order. */
export function connectionRecords(ctx: FourLetterContext): ConnectionRecord[] {
  return ctx.connections.map((c) => connectionRecord(c, coreInfoFor(ctx, c)));
}

/** ServerCnxn.getConnectionInfo(brief): the record as the `connections` / `stats` JSON list holds it. */
export function connectionJson(r: ConnectionRecord, brief: boolean): RecordValue {
  const m = new Map<string, RecordValue>([
    ["remote_socket_address", `${r.address}:${r.port}`],
    ["interest_ops", r.interestOps],
    ["outstanding_requests", r.outstandingRequests],
    ["packets_received", r.packetsReceived],
    ["packets_sent", r.packetsSent],
  ]);
  if (!brief) {
    m.set("session_id", r.sessionId);
    m.set("last_operation", r.lastOperation);
    m.set("established", r.established);
    m.set("session_timeout", r.sessionTimeout);
    m.set("last_cxid", r.lastCxid);
    m.set("last_zxid", r.lastZxid);
    m.set("last_response_time", r.lastResponseTime);
    m.set("last_latency", r.lastLatency);
    m.set("min_latency", r.minLatency);
    m.set("avg_latency", r.avgLatency);
    m.set("max_latency", r.maxLatency);
  }
  return m;
}

/**
 * ZooKeeper's NIO layer expires idle connections through an ExpiryQueue whose buckets are
 * `zookeeper.nio.sessionlessCnxnTimeout` (10 s) wide; a connection's timeout is its session's, or that same 10 s
 * before a session exists. `dump` prints those buckets.
 */
const SESSIONLESS_CNXN_TIMEOUT_MS = 10_000;

/**
 * `dump`: sessions by the wall-clock ms their expiry bucket ends (SessionTracker.dumpSessions; the JSON's
 * getSessionExpiryMap), sessions that own ephemeral nodes (dumpEphemerals; getEphemerals), and connections by the
 * NIO layer's expiry bucket (NIOServerCnxnFactory.dumpConnections; text only). Buckets come earliest first.
 */
export interface DumpRecord {
  sessionSets: [number, bigint[]][];
  sessionCount: number;
  ephemerals: [bigint, readonly string[]][];
  connectionSets: [number, ConnectionRecord[]][];
  connectionCount: number;
}

function buckets<T>(items: readonly T[], at: (t: T) => number): [number, T[]][] {
  const m = new Map<number, T[]>();
  for (const it of items) {
    const k = at(it);
    const list = m.get(k);
    if (list === undefined) m.set(k, [it]);
    else list.push(it);
  }
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

export function dumpRecord(ctx: FourLetterContext): DumpRecord {
  const sessions = [...(ctx.info.sessions?.() ?? [])];
  const now = ctx.now();
  const sessionSets = buckets(sessions, (s) => s.expiresAt ?? now + s.timeout).map(
    ([at, list]): [number, bigint[]] => [at, list.map((s) => BigInt(s.id))],
  );
  const ephemerals = sessions
    .filter((s) => (s.ephemerals?.length ?? 0) > 0)
    .map((s): [bigint, readonly string[]] => [BigInt(s.id), s.ephemerals]);
  const conns = ctx.connections.map((c) => ({ c, r: connectionRecord(c, coreInfoFor(ctx, c)) }));
  const connectionSets = buckets(conns, ({ c, r }) => {
    const timeout = r.sessionTimeout || SESSIONLESS_CNXN_TIMEOUT_MS;
    return (Math.floor((c.lastActivity + timeout) / SESSIONLESS_CNXN_TIMEOUT_MS) + 1) * SESSIONLESS_CNXN_TIMEOUT_MS;
  }).map(([at, list]): [number, ConnectionRecord[]] => [at, list.map((x) => x.r)]);
  return { sessionSets, sessionCount: sessions.length, ephemerals, connectionSets, connectionCount: conns.length };
}

/** ServerStats.getAvgLatency's rounding: half-up to 4 decimals. */
export function round4(n: number): number {
  return Math.round(n * 10000) / 10000;
}

/** What `srvr` / `stat` / `server_stats` report (SrvrCommand: version, read_only, ServerStats, node_count). */
export interface ServerStatsRecord {
  version: string;
  readOnly: boolean;
  packetsSent: number;
  packetsReceived: number;
  /** fsync_threshold_exceed_count, when the registry has it. */
  fsyncThresholdExceedCount: number | bigint | undefined;
  clientResponse: { last: number; min: number; max: number };
  dirSizes: { dataDirSize: number; logDirSize: number } | undefined;
  serverState: string;
  lastProcessedZxid: bigint;
  outstandingRequests: number;
  /** Rounded to 4 decimals, as ServerStats.getAvgLatency. */
  avgLatency: number;
  maxLatency: number;
  minLatency: number;
  numAliveClientConnections: number;
  uptime: number;
  authFailedCount: number | undefined;
  nodeCount: number;
}

export function serverStatsRecord(ctx: FourLetterContext): ServerStatsRecord {
  const info = ctx.info;
  const st = ctx.stats;
  const lat = val(info.latency, info);
  const fsyncMetric = ctx.metrics?.get("fsync_threshold_exceed_count");
  const fsync = fsyncMetric !== undefined && "value" in fsyncMetric ? fsyncMetric.value : undefined;
  return {
    version: String(val(info.version, info)),
    readOnly: isReadOnly(ctx),
    packetsSent: val(info.packetsSent, info),
    packetsReceived: val(info.packetsReceived, info),
    fsyncThresholdExceedCount: typeof fsync === "number" || typeof fsync === "bigint" ? fsync : undefined,
    clientResponse: { last: st.lastClientResponseSize, min: st.minClientResponseSize, max: st.maxClientResponseSize },
    dirSizes: ctx.dirSizes,
    serverState: String(val(info.serverState, info)),
    lastProcessedZxid: BigInt(val(info.zxid, info)),
    outstandingRequests: val(info.outstanding, info),
    avgLatency: round4(lat.avg),
    maxLatency: Math.trunc(lat.max),
    minLatency: Math.trunc(lat.min),
    numAliveClientConnections: ctx.connections.length,
    uptime: Math.max(0, ctx.now() - st.startedAt),
    authFailedCount: info.authFailedCount !== undefined ? val(info.authFailedCount, info) : undefined,
    nodeCount: val(info.nodeCount, info),
  };
}

/** SrvrCommand's JSON: version, read_only, server_stats (ServerStats as Jackson prints it), client_response, node_count. */
export function srvrRecord(ctx: CommandContext, out: Map<string, RecordValue>): void {
  const r = serverStatsRecord(ctx);
  const clientResponse = {
    last_buffer_size: r.clientResponse.last,
    min_buffer_size: r.clientResponse.min,
    max_buffer_size: r.clientResponse.max,
  };
  out.set("version", r.version);
  out.set("read_only", r.readOnly);
  out.set("server_stats", {
    packets_sent: r.packetsSent,
    packets_received: r.packetsReceived,
    fsync_threshold_exceed_count: r.fsyncThresholdExceedCount ?? null,
    client_response_stats: clientResponse,
    data_dir_size: r.dirSizes?.dataDirSize ?? null,
    log_dir_size: r.dirSizes?.logDirSize ?? null,
    provider_null: false,
    server_state: r.serverState,
    last_processed_zxid: r.lastProcessedZxid,
    outstanding_requests: r.outstandingRequests,
    avg_latency: new JavaDouble(r.avgLatency),
    max_latency: r.maxLatency,
    min_latency: r.minLatency,
    num_alive_client_connections: r.numAliveClientConnections,
    uptime: r.uptime,
    auth_failed_count: r.authFailedCount ?? null,
    // not measured by zkts (ZooKeeper counts non-mTLS connections only under client-certificate auth).
    non_mtlsremote_conn_count: null,
    non_mtlslocal_conn_count: null,
  });
  out.set("client_response", clientResponse);
  out.set("node_count", r.nodeCount);
}

/**
 * `mntr` / `monitor`: ZooKeeper's dumpMonitorValues (version, server_state) and then its metrics, only where zkts
 * measures them: the live values of the server info and connection layer, then everything in the metrics
 * registry, keyed without the `zk_` prefix, in insertion order.
 */
export function monitorRecord(ctx: FourLetterContext & { host?: HostFacts }): Map<string, RecordValue> {
  const { values, namespace } = monitorParts(ctx);
  for (const [k, v] of namespace) values.set(k, v);
  return values;
}

/** What ZooKeeper's server gauges read: the core's info, the connection layer's stats, the live connections. */
export interface ServerGaugeSource {
  info(): ServerInfoView;
  stats: Readonly<CnxnStats>;
  aliveConnections(): number;
  now(): number;
  /** File descriptor counts; absent: those gauges are not measured. */
  host?: HostFacts;
}

/**
 * The gauges ZooKeeperServer.registerMetrics registers in ZooKeeper 3.8's root metrics context, for those zkts
 * measures (local_sessions, connection_drop_probability, outstanding_tls_handshake and the non_mtls_* counts are
 * not measured), in `monitor`'s order: [name, read, is a double]. A value that is not measured reads undefined and
 * is left out. The one definition of these figures: the connection layer registers them in the metrics registry
 * (mntr's and Prometheus's source, server-gauges.ts) and `monitor` reads them directly when there is no registry.
 */
export function serverGauges(src: ServerGaugeSource): readonly (readonly [string, () => number | bigint | undefined, boolean])[] {
  const info = src.info;
  return [
    ["ephemerals_count", () => info().ephemeralsCount, false],
    ["num_alive_connections", () => src.aliveConnections(), false],
    ["avg_latency", () => round4(info().latency.avg), true],
    ["outstanding_requests", () => info().outstanding, false],
    ["znode_count", () => info().nodeCount, false],
    ["global_sessions", () => info().globalSessions ?? info().sessions().length, false],
    ["last_client_response_size", () => src.stats.lastClientResponseSize, false],
    ["packets_sent", () => info().packetsSent, false],
    ["packets_received", () => info().packetsReceived, false],
    ["max_client_response_size", () => src.stats.maxClientResponseSize, false],
    ["watch_count", () => info().watchCount, false],
    ["auth_failed_count", () => info().authFailedCount, false],
    ["min_latency", () => Math.trunc(info().latency.min), false],
    ["max_file_descriptor_count", () => src.host?.maxFileDescriptors(), false],
    ["approximate_data_size", () => info().approximateDataSize, false],
    ["open_file_descriptor_count", () => src.host?.openFileDescriptors(), false],
    ["uptime", () => Math.max(0, src.now() - src.stats.startedAt), false],
    ["max_latency", () => Math.trunc(info().latency.max), false],
    // -1 until a response was sent, as ZooKeeper's BufferStats
    ["min_client_response_size", () => src.stats.minClientResponseSize, false],
  ];
}

/** monitorRecord in two parts: the server's values and metrics, then the per-namespace summary sets. */
export function monitorParts(ctx: FourLetterContext & { host?: HostFacts }): {
  values: Map<string, RecordValue>;
  namespace: Map<string, RecordValue>;
} {
  const info = ctx.info;
  const values = new Map<string, RecordValue>();
  const put = (key: string, v: RecordValue | undefined): void => {
    if (v !== undefined) values.set(key, v);
  };
  put("version", String(val(info.version, info)));
  put("server_state", String(val(info.serverState, info)));
  put("peer_state", info.peerState !== undefined ? val(info.peerState, info) : undefined);
  // The server gauges, read here too so that `monitor` has them without a registry; a registry's gauges (the same
  // definitions, registered by the connection layer) then overwrite them in place.
  const gaugeSource = { info: () => info, stats: ctx.stats, aliveConnections: () => ctx.connections.length, now: () => ctx.now(), host: ctx.host };
  for (const [key, read, isDouble] of serverGauges(gaugeSource)) {
    const v = read();
    put(key, v === undefined ? undefined : isDouble ? new JavaDouble(Number(v)) : v);
  }
  put("large_requests_rejected", ctx.stats.largeRequestsRejected);
  ctx.metrics?.dump((key, v, isDouble) => put(key, isDouble ? new JavaDouble(Number(v)) : v));
  // ZooKeeper's per-namespace summary sets (kept by the data tree).
  const namespace = new Map<string, RecordValue>();
  const ns = info.namespaceStats?.();
  for (const [dir, m] of [["read", ns?.read], ["write", ns?.write]] as const) {
    for (const [name, v] of m ?? []) {
      const key = (stat: string) => `${stat}_${name}_${dir}_per_namespace`;
      namespace.set(key("avg"), new JavaDouble(v.count === 0 ? 0 : round4(v.sum / v.count)));
      namespace.set(key("min"), v.min);
      namespace.set(key("max"), v.max);
      namespace.set(key("cnt"), v.count);
      namespace.set(key("sum"), v.sum);
    }
  }
  return { values, namespace };
}

/** The probes: live while the process answers; ready while it serves clients (standalone, or with a leader). */
export function readiness(ctx: Pick<CommandContext, "info" | "serving">): { ready: boolean; state: string } {
  if (ctx.serving === false) return { ready: false, state: "starting" };
  const state = String(val(ctx.info.serverState, ctx.info));
  const ready = ["standalone", "leader", "follower", "observer"].includes(state) && !isReadOnlyInfo(ctx.info);
  return { ready, state };
}

function isReadOnlyInfo(info: CommandContext["info"]): boolean {
  return info.isReadOnly !== undefined && val(info.isReadOnly, info);
}
