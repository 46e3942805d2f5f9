/**
 * The command layer shared by the four-letter words and the AdminServer, as ZooKeeper 3.8's `Commands` registry:
 * every command has a primary name and aliases, and produces a record (a `CommandResponse`: the command's primary
 * name, an error or null, and ordered data). The AdminServer prints the record as JSON; the four-letter words print
 * the records they share (monitor, environment, watches, dirs, is_read_only, get_trace_mask) as ZooKeeper's text.
 *
 * Pure: what the process and the host know (environment, file descriptors, system properties) comes in through
 * the context (`HostFacts`), built by the node adapter (host.ts).
 */
import { val, type ConnectionInfoView } from "./types.js";
import type { ConnectionSnapshot, FourLetterContext } from "./four-letter.js";
import { MNTR_KEYS } from "./mntr-keys.js";

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

interface CommandDef {
  names: readonly string[];
  /** ZooKeeper's isServerRequired: refused with an error while the server is not running. */
  serverRequired: boolean;
  run(ctx: CommandContext, kwargs: Readonly<Record<string, string>>, out: Map<string, RecordValue>): void;
}

/**
 * What `gtmk` answers: ZooKeeper's default trace mask (ZooTrace: client ping, request and server packet tracing =
 * 306). zkts has no request tracing to tune, so the mask is fixed and `set_trace_mask` answers an error.
 */
export const TRACE_MASK = 306;

export const NOT_SERVING = "This ZooKeeper instance is not currently serving requests";

const COMMANDS: readonly CommandDef[] = [
  {
    names: ["connection_stat_reset", "crst"],
    serverRequired: true,
    run(ctx) {
      ctx.info.resetConnectionStats?.();
      ctx.resetConnectionStats();
    },
  },
  {
    names: ["configuration", "conf", "config"],
    serverRequired: true,
    run(ctx, _k, out) {
      for (const [k, v] of confRecord(ctx)) out.set(k, v);
    },
  },
  {
    names: ["connections", "cons"],
    serverRequired: true,
    run(ctx, _k, out) {
      out.set("connections", connectionRecords(ctx, false));
      out.set("secure_connections", []);
    },
  },
  {
    names: ["hash"],
    serverRequired: true,
    run(_ctx, _k, out) {
      // zkts keeps no digest log (DataTree.getDigestLog): none recorded.
      out.set("digests", []);
    },
  },
  {
    names: ["dirs"],
    serverRequired: true,
    run(ctx, _k, out) {
      for (const [k, v] of dirsRecord(ctx)) out.set(k, v);
    },
  },
  {
    names: ["dump"],
    serverRequired: true,
    run(ctx, _k, out) {
      const sessions = [...(ctx.info.sessions?.() ?? [])];
      const now = ctx.now();
      const byExpiry = new Map<number, bigint[]>();
      for (const s of sessions) {
        const at = s.expiresAt ?? now + s.timeout;
        const list = byExpiry.get(at);
        if (list === undefined) byExpiry.set(at, [BigInt(s.id)]);
        else list.push(BigInt(s.id));
      }
      const expiry = new Map<string, RecordValue>();
      for (const [at, ids] of [...byExpiry].sort((a, b) => a[0] - b[0])) expiry.set(String(at), ids);
      const eph = new Map<string, RecordValue>();
      for (const s of sessions) if ((s.ephemerals?.length ?? 0) > 0) eph.set(BigInt(s.id).toString(), [...s.ephemerals]);
      out.set("expiry_time_to_session_ids", expiry);
      out.set("session_id_to_ephemeral_paths", eph);
    },
  },
  {
    names: ["environment", "env", "envi"],
    serverRequired: false,
    run(ctx, _k, out) {
      for (const [k, v] of environmentRecord(ctx)) out.set(k, v);
    },
  },
  {
    names: ["get_trace_mask", "gtmk"],
    serverRequired: false,
    run(_ctx, _k, out) {
      out.set("tracemask", TRACE_MASK);
    },
  },
  {
    names: ["initial_configuration", "icfg"],
    serverRequired: true,
    run(ctx, _k, out) {
      out.set("initial_configuration", ctx.initialConfig ?? null);
    },
  },
  {
    names: ["is_read_only", "isro"],
    serverRequired: true,
    run(ctx, _k, out) {
      out.set("read_only", isReadOnly(ctx));
    },
  },
  {
    names: ["last_snapshot", "lsnp"],
    serverRequired: true,
    run(ctx, _k, out) {
      const s = ctx.lastSnapshot?.();
      out.set("zxid", s === undefined ? "ffffffffffffffff" : BigInt.asUintN(64, s.zxid).toString(16));
      out.set("timestamp", s === undefined ? -1 : s.timestamp);
    },
  },
  {
    names: ["leader", "lead"],
    serverRequired: true,
    run(ctx, _k, out) {
      const q = ctx.quorum?.();
      if (q === undefined) {
        out.set("error", "server is not initialized");
        return;
      }
      out.set("is_leader", q.isLeader);
      out.set("leader_id", q.leaderId ?? -1);
      out.set("leader_ip", q.leaderAddress ?? "");
    },
  },
  {
    names: ["monitor", "mntr"],
    serverRequired: false,
    run(ctx, _k, out) {
      const values = monitorRecord(ctx);
      for (const [k, v] of values) out.set(k, v);
      // A key ZooKeeper prints that zkts does not measure: null, never a made-up 0.
      for (const k of MNTR_KEYS) {
        const key = k.slice(3);
        if (!out.has(key)) out.set(key, null);
      }
    },
  },
  {
    names: ["observer_connection_stat_reset", "orst"],
    serverRequired: true,
    run() {
      // zkts keeps no per-observer connection statistics: nothing to reset.
    },
  },
  {
    names: ["ruok"],
    serverRequired: true,
    run() {},
  },
  {
    names: ["set_trace_mask", "stmk"],
    serverRequired: false,
    run(_ctx, kwargs, out) {
      const v = kwargs.traceMask;
      if (v === undefined) {
        out.set("error", "setTraceMask requires long traceMask argument");
        return;
      }
      if (!/^[-+]?\d+$/.test(v)) {
        out.set("error", `setTraceMask requires long traceMask argument, got ${v}`);
        return;
      }
      // zkts has no request tracing: the mask cannot be changed (see TRACE_MASK).
      out.set("error", "zkts has no request tracing; the trace mask is fixed at " + TRACE_MASK);
    },
  },
  {
    names: ["server_stats", "srvr"],
    serverRequired: true,
    run(ctx, _k, out) {
      srvrRecord(ctx, out);
    },
  },
  {
    names: ["stats", "stat"],
    serverRequired: true,
    run(ctx, _k, out) {
      srvrRecord(ctx, out);
      out.set("connections", connectionRecords(ctx, true));
      out.set("secure_connections", []);
    },
  },
  {
    names: ["stat_reset", "srst"],
    serverRequired: true,
    run(ctx) {
      ctx.info.resetStats?.();
      ctx.resetServerStats();
      ctx.metrics?.reset();
    },
  },
  {
    names: ["observers", "obsr"],
    serverRequired: true,
    run(_ctx, _k, out) {
      // zkts does not track observers' connection info (LearnerHandler): none listed.
      out.set("synced_observers", 0);
      out.set("observers", []);
    },
  },
  {
    names: ["system_properties", "sysp"],
    serverRequired: false,
    run(ctx, _k, out) {
      const props = ctx.systemProperties ?? {};
      for (const k of Object.keys(props).sort()) out.set(k, props[k]!);
    },
  },
  {
    names: ["voting_view"],
    serverRequired: true,
    run(ctx, _k, out) {
      const q = ctx.quorum?.();
      const view = new Map<string, RecordValue>();
      for (const s of q?.votingView ?? []) {
        view.set(String(s.sid), {
          server_addresses: s.serverAddresses,
          election_addresses: s.electionAddresses,
          client_address: s.clientAddress,
          learner_type: s.learnerType,
        });
      }
      out.set("current_config", view);
    },
  },
  {
    names: ["watches", "wchc"],
    serverRequired: true,
    run(ctx, _k, out) {
      const m = new Map<string, RecordValue>();
      for (const [sid, paths] of watchesBySession(ctx)) m.set(BigInt(sid).toString(), [...paths]);
      out.set("session_id_to_watched_paths", m);
    },
  },
  {
    names: ["watches_by_path", "wchp"],
    serverRequired: true,
    run(ctx, _k, out) {
      const m = new Map<string, RecordValue>();
      for (const [path, sids] of watchesByPath(ctx)) m.set(path, sids.map((s) => BigInt(s)));
      out.set("path_to_session_ids", m);
    },
  },
  {
    names: ["watch_summary", "wchs"],
    serverRequired: true,
    run(ctx, _k, out) {
      const s = watchSummary(ctx);
      out.set("num_connections", s.connections);
      out.set("num_paths", s.paths);
      out.set("num_total_watches", s.total);
    },
  },
  {
    names: ["zabstate"],
    serverRequired: false,
    run(ctx, _k, out) {
      const q = ctx.quorum?.();
      if (q === undefined) {
        out.set("voting", false);
        out.set("zabstate", "");
        return;
      }
      const zxid = BigInt(val(ctx.info.zxid, ctx.info));
      out.set("myid", q.myid);
      out.set("is_leader", q.isLeader);
      out.set("quorum_address", q.quorumAddress);
      out.set("election_address", q.electionAddress);
      out.set("client_address", q.clientAddress);
      out.set("voting", q.voting);
      out.set("last_zxid", `0x${BigInt.asUintN(64, zxid).toString(16).padStart(16, "0")}`);
      out.set("zab_epoch", Number(zxid >> 32n));
      out.set("zab_counter", Number(zxid & 0xffffffffn));
      out.set("zabstate", q.zabState);
    },
  },
];

const BY_NAME = new Map<string, CommandDef>();
for (const c of COMMANDS) for (const n of c.names) BY_NAME.set(n, c);

/** The primary names of every command, sorted (what `/commands` lists). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.names[0]!).sort();

/** Every name (primary and aliases) a command answers to, by primary name. */
export function commandNames(primary: string): readonly string[] | undefined {
  return BY_NAME.get(primary)?.names;
}

/** The primary name of the command called `name` (any alias), or undefined. */
export function primaryName(name: string): string | undefined {
  return BY_NAME.get(name)?.names[0];
}

/** Commands.runCommand: the record of command `name` (any alias), or its error. */
export function runCommand(name: string, ctx: CommandContext, kwargs: Readonly<Record<string, string>> = {}): CommandResponse {
  const def = BY_NAME.get(name);
  if (def === undefined) return { command: name, error: `Unknown command: ${name}`, data: new Map() };
  if (def.serverRequired && ctx.serving === false) return { command: name, error: NOT_SERVING, data: new Map() };
  const data = new Map<string, RecordValue>();
  def.run(ctx, kwargs, data);
  return { command: def.names[0]!, error: null, data };
}

/**
 * CommandResponse.toMap: the data in order, then `command` and `error` (a data key named `error` keeps its place
 * and its value).
 */
export function responseMap(r: CommandResponse): Map<string, RecordValue> {
  const m = new Map<string, RecordValue>(r.data);
  if (!m.has("command")) m.set("command", r.command);
  if (!m.has("error")) m.set("error", r.error);
  return m;
}

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

/** ZooKeeperServerConf.toMap: the configuration keys of `conf` in JSON, from the server's `conf` map. */
const CONF_JSON_KEYS: readonly (readonly [string, string, boolean])[] = [
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

function confRecord(ctx: CommandContext): Map<string, RecordValue> {
  const cfg = ctx.info.config === undefined ? {} : (val(ctx.info.config, ctx.info) as Record<string, string>);
  const out = new Map<string, RecordValue>();
  for (const [from, to, numeric] of CONF_JSON_KEYS) {
    const v = cfg[from];
    out.set(to, v === undefined ? null : numeric ? Number(v) : v);
  }
  return out;
}

function coreInfoFor(ctx: FourLetterContext, c: ConnectionSnapshot): ConnectionInfoView | undefined {
  for (const ci of ctx.info.connections?.() ?? []) {
    if (ci.id !== undefined ? ci.id === c.id : ci.remotePort === c.remotePort && ci.remoteAddress === c.remoteAddress) return ci;
  }
  return undefined;
}

/** ServerCnxn.getConnectionInfo(brief). */
function connectionRecords(ctx: FourLetterContext, brief: boolean): RecordValue[] {
  return ctx.connections.map((c) => {
    const ci = coreInfoFor(ctx, c);
    const addr = c.remoteAddress.startsWith("::ffff:") && c.remoteAddress.includes(".") ? c.remoteAddress.slice(7) : c.remoteAddress;
    const m = new Map<string, RecordValue>([
      ["remote_socket_address", `${addr}:${c.remotePort}`],
      ["interest_ops", c.interestOps],
      ["outstanding_requests", ci?.queued ?? 0],
      ["packets_received", c.packetsReceived],
      ["packets_sent", c.packetsSent],
    ]);
    if (!brief) {
      m.set("session_id", BigInt(ci?.sessionId ?? 0));
      m.set("last_operation", ci?.lastOp ?? "NA");
      m.set("established", Math.trunc(ci?.established ?? 0));
      m.set("session_timeout", ci?.timeout ?? 0);
      m.set("last_cxid", ci?.lastCxid ?? -1);
      m.set("last_zxid", BigInt(ci?.lastZxid ?? -1));
      m.set("last_response_time", Math.trunc(ci?.lastResponseTime ?? 0));
      m.set("last_latency", Math.trunc(ci?.lastLatency ?? 0));
      m.set("min_latency", Math.trunc(ci?.latency?.min ?? 0));
      m.set("avg_latency", Math.trunc(ci?.latency?.avg ?? 0));
      m.set("max_latency", Math.trunc(ci?.latency?.max ?? 0));
    }
    return m;
  });
}

function round4(n: number): number {
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
function srvrRecord(ctx: CommandContext, out: Map<string, RecordValue>): void {
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
    // zkts has no TLS: ZooKeeper counts these non-mTLS connections only under client-certificate auth.
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
  const lat = val(info.latency, info);
  put("version", String(val(info.version, info)));
  put("server_state", String(val(info.serverState, info)));
  put("peer_state", info.peerState !== undefined ? val(info.peerState, info) : undefined);
  put("ephemerals_count", info.ephemeralsCount !== undefined ? val(info.ephemeralsCount, info) : undefined);
  put("num_alive_connections", ctx.connections.length);
  put("avg_latency", new JavaDouble(round4(lat.avg)));
  put("outstanding_requests", val(info.outstanding, info));
  put("znode_count", val(info.nodeCount, info));
  put(
    "global_sessions",
    info.globalSessions !== undefined ? val(info.globalSessions, info) : info.sessions !== undefined ? [...info.sessions()].length : undefined,
  );
  const st = ctx.stats;
  put("last_client_response_size", st.lastClientResponseSize);
  put("packets_sent", val(info.packetsSent, info));
  put("packets_received", val(info.packetsReceived, info));
  put("max_client_response_size", st.maxClientResponseSize);
  put("watch_count", info.watchCount !== undefined ? val(info.watchCount, info) : undefined);
  put("auth_failed_count", info.authFailedCount !== undefined ? val(info.authFailedCount, info) : undefined);
  put("min_latency", Math.trunc(lat.min));
  put("max_file_descriptor_count", ctx.host?.maxFileDescriptors());
  put("approximate_data_size", info.approximateDataSize !== undefined ? val(info.approximateDataSize, info) : undefined);
  put("open_file_descriptor_count", ctx.host?.openFileDescriptors());
  put("uptime", Math.max(0, ctx.now() - st.startedAt));
  put("max_latency", Math.trunc(lat.max));
  put("min_client_response_size", st.minClientResponseSize);
  put("large_requests_rejected", st.largeRequestsRejected);
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
