import type { MetricsRegistry } from "@zkts/metrics";
import { MNTR_KEYS } from "./mntr-keys.js";
import {
  dirsRecord,
  environmentRecord,
  isReadOnly,
  JavaDouble,
  monitorParts,
  serverStatsRecord,
  TRACE_MASK,
  watchesByPath,
  watchesBySession,
  watchSummary,
  type HostFacts,
  type RecordValue,
} from "./commands.js";
import { val, type ConnectionInfoView, type ServerInfoView } from "./types.js";

/** Every four-letter word zkts answers. */
export const FOUR_LETTER_WORDS = [
  "ruok",
  "conf",
  "cons",
  "crst",
  "dump",
  "envi",
  "srst",
  "srvr",
  "stat",
  "wchs",
  "wchc",
  "wchp",
  "mntr",
  "isro",
  "dirs",
  "gtmk",
] as const;

export { TRACE_MASK };
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

const BY_CODE = new Map<number, FourLetterWord>(
  FOUR_LETTER_WORDS.map((w) => [Buffer.from(w, "latin1").readInt32BE(0), w]),
);

/** The word whose 4 bytes, read as a big-endian int (as ZooKeeper reads a frame length), equal `code`. */
export function fourLetterWordOf(code: number): FourLetterWord | undefined {
  return BY_CODE.get(code);
}

/**
 * Parses `4lw.commands.whitelist` as ZooKeeper does: a comma list, `*` enables every word, blanks are
 * ignored; `srvr` is always enabled (zkServer.sh status needs it). Undefined means the 3.8 default (srvr only).
 */
export function parseWhitelist(spec: string | readonly string[] | undefined): Set<string> {
  const out = new Set<string>();
  const items = spec === undefined ? [] : typeof spec === "string" ? spec.split(",") : spec;
  for (const raw of items) {
    const cmd = raw.trim();
    if (cmd === "*") {
      for (const w of FOUR_LETTER_WORDS) out.add(w);
      break;
    }
    if (cmd !== "") out.add(cmd);
  }
  out.add("srvr");
  return out;
}

/** What the connection layer knows about one of its live connections. */
export interface ConnectionSnapshot {
  id: number;
  remoteAddress: string;
  remotePort: number;
  /** Selector interest ops as ZooKeeper prints them: 1 while reading, 0 while paused. */
  interestOps: number;
  packetsReceived: number;
  packetsSent: number;
  /** Wall-clock ms of the connection's last activity (for `dump`). */
  lastActivity: number;
}

/**
 * ZooKeeper's NIO layer expires idle connections through an ExpiryQueue whose buckets are
 * `zookeeper.nio.sessionlessCnxnTimeout` (10 s) wide; a connection's timeout is its session's, or that same 10 s
 * before a session exists. `dump` prints those buckets.
 */
const SESSIONLESS_CNXN_TIMEOUT_MS = 10_000;


/** Connection-layer statistics shown by `mntr` next to core's (counters of the registry are read from it). */
export interface CnxnStats {
  startedAt: number;
  largeRequestsRejected: number;
  lastClientResponseSize: number;
  minClientResponseSize: number;
  maxClientResponseSize: number;
}

/**
 * The byte sizes ZooKeeper's `dirs` and `conf` print, measured when asked. As ZooKeeperServer: `dataDirSize` is the
 * size of the txn log directory (FileTxnSnapLog's "dataDir", i.e. `<dataLogDir>/version-2`) and `logDirSize` that
 * of the snapshot directory (`<dataDir>/version-2`).
 */
export interface DirSizes {
  dataDirSize: number;
  logDirSize: number;
}

export interface FourLetterContext {
  info: ServerInfoView;
  connections: readonly ConnectionSnapshot[];
  stats: CnxnStats;
  /** The server's metrics (mntr prints what they hold; srst resets them). */
  metrics?: MetricsRegistry;
  /** Measured directory sizes for `dirs` and `conf` (absent: those lines are left out). */
  dirSizes?: DirSizes;
  /** Called by crst / srst on the connection layer's own counters. */
  resetConnectionStats(): void;
  resetServerStats(): void;
  now(): number;
  /** What the host knows (envi, file descriptors in mntr); absent: those are left out. */
  host?: HostFacts;
}

/** The answer ZooKeeper gives to a word that is not whitelisted. */
export function notWhitelisted(word: string): string {
  return `${word} is not executed because it is not in the whitelist.\n`;
}

/** Renders the answer to a four-letter word (ZooKeeper 3.8 formats). */
export function runFourLetterWord(word: FourLetterWord, ctx: FourLetterContext): string {
  const info = ctx.info;
  switch (word) {
    case "ruok":
      return "imok";
    case "gtmk":
      return String(TRACE_MASK);
    case "isro":
      return isReadOnly(ctx) ? "ro" : "rw";
    case "conf":
      return formatConf(info, ctx.dirSizes);
    case "cons":
      return ctx.connections.map((c) => dumpConnection(c, coreInfoFor(info, c), false) + "\n").join("") + "\n";
    case "crst":
      info.resetConnectionStats?.();
      ctx.resetConnectionStats();
      return "Connection stats reset.\n";
    case "srst":
      info.resetStats?.();
      ctx.resetServerStats();
      // ServerStats.reset() also resets every metric (ServerMetrics.resetAll).
      ctx.metrics?.reset();
      return "Server stats reset.\n";
    case "srvr":
    case "stat":
      return formatStat(word, ctx);
    case "dump":
      return formatDump(ctx);
    case "envi":
      return "Environment:\n" + environmentRecord(ctx).map(([k, v]) => `${k}=${v}\n`).join("");
    case "wchs": {
      const s = watchSummary(ctx);
      return `${s.connections} connections watching ${s.paths} paths\nTotal watches:${s.total}\n`;
    }
    case "wchc": {
      let out = "";
      for (const [sid, paths] of watchesBySession(ctx)) {
        out += `0x${hex(sid)}\n`;
        for (const p of paths) out += `\t${p}\n`;
      }
      return out + "\n";
    }
    case "wchp": {
      let out = "";
      for (const [path, sids] of watchesByPath(ctx)) {
        out += `${path}\n`;
        for (const s of sids) out += `\t0x${hex(s)}\n`;
      }
      return out + "\n";
    }
    case "dirs":
      return dirsRecord(ctx).map(([k, v]) => `${k}: ${v}\n`).join("");
    case "mntr":
      return formatMntr(ctx);
  }
}

/** Java's Long.toHexString: two's complement for negatives. */
export function hex(v: bigint | number): string {
  return BigInt.asUintN(64, BigInt(v)).toString(16);
}

/**
 * A latency average as ZooKeeper prints it: rounded half-up to 4 decimals, then Java's Double.toString
 * ("0.0", "15.1667", "2.5", "1.0E-4").
 */
export function javaDouble(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : n < 0 ? "-Infinity" : "NaN";
  if (n === 0) return "0.0";
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(n);
    return s.includes(".") ? s : `${s}.0`;
  }
  const [mant, exp] = n.toExponential().split("e");
  const m = mant!.includes(".") ? mant! : `${mant}.0`;
  return `${m}E${Number(exp)}`;
}

/** ZooKeeper keeps latencies and times as whole milliseconds (Java longs). */
function ms(n: number): number {
  return Math.trunc(n);
}

export function round4(n: number): number {
  return Math.round(n * 10000) / 10000;
}

function coreInfoFor(info: ServerInfoView, c: ConnectionSnapshot): ConnectionInfoView | undefined {
  const all = info.connections?.();
  if (all === undefined) return undefined;
  for (const ci of all) {
    if (ci.id !== undefined ? ci.id === c.id : ci.remotePort === c.remotePort && ci.remoteAddress === c.remoteAddress) {
      return ci;
    }
  }
  return undefined;
}

/** Java's InetSocketAddress.toString for an unresolved-host socket: `/ip:port` (IPv6 without brackets). */
function socketAddress(c: ConnectionSnapshot): string {
  const addr = c.remoteAddress.startsWith("::ffff:") && c.remoteAddress.includes(".")
    ? c.remoteAddress.slice(7)
    : c.remoteAddress;
  return `/${addr}:${c.remotePort}`;
}

/** One `cons` / `stat` line (ServerCnxn.dumpConnectionInfo), without the newline. */
export function dumpConnection(c: ConnectionSnapshot, ci: ConnectionInfoView | undefined, brief: boolean): string {
  let s = ` ${socketAddress(c)}[${c.interestOps === 0 ? "0" : c.interestOps.toString(16)}](queued=${ci?.queued ?? 0},recved=${c.packetsReceived},sent=${c.packetsSent}`;
  const sid = ci?.sessionId ?? 0;
  if (!brief && ci !== undefined && BigInt(sid) !== 0n) {
    const lat = ci.latency;
    const minLat = lat?.min ?? 0;
    const avgLat = lat?.avg ?? 0;
    const maxLat = lat?.max ?? 0;
    s += `,sid=0x${hex(sid)},lop=${ci.lastOp ?? "NA"},est=${ms(ci.established ?? 0)},to=${ci.timeout ?? 0}`;
    const lcxid = ci.lastCxid ?? -1;
    if (lcxid >= 0) s += `,lcxid=0x${hex(lcxid)}`;
    s += `,lzxid=0x${hex(ci.lastZxid ?? -1)},lresp=${ms(ci.lastResponseTime ?? 0)},llat=${ms(ci.lastLatency ?? 0)}`;
    s += `,minlat=${ms(minLat)},avglat=${ms(avgLat)},maxlat=${ms(maxLat)}`;
  }
  return s + ")";
}

/**
 * The configuration as `conf` prints it. ZooKeeper's dumpConf follows `dataDir` with `dataDirSize` and `dataLogDir`
 * with `dataLogSize` (getDataDirSize / getLogDirSize): those come from the measured sizes, or are left out.
 */
function formatConf(info: ServerInfoView, sizes: DirSizes | undefined): string {
  const cfg = info.config === undefined ? {} : val(info.config, info);
  const pairs: Iterable<readonly [string, unknown]> =
    Symbol.iterator in (cfg as object)
      ? (cfg as unknown as Iterable<readonly [string, unknown]>)
      : Object.entries(cfg as Record<string, unknown>);
  let out = "";
  for (const [k, v] of pairs) {
    if (k === "dataDirSize" || k === "dataLogSize") continue;
    out += `${k}=${String(v)}\n`;
    if (sizes !== undefined && k === "dataDir") out += `dataDirSize=${sizes.dataDirSize}\n`;
    if (sizes !== undefined && k === "dataLogDir") out += `dataLogSize=${sizes.logDirSize}\n`;
  }
  return out;
}

/** `srvr` / `stat`: the server_stats record as ZooKeeper's text (stat adds the clients' brief lines). */
function formatStat(word: "srvr" | "stat", ctx: FourLetterContext): string {
  const r = serverStatsRecord(ctx);
  let out = `Zookeeper version: ${r.version}\n`;
  if (r.readOnly) out += "READ-ONLY mode; serving only read-only clients\n";
  if (word === "stat") {
    out += "Clients:\n";
    for (const c of ctx.connections) out += dumpConnection(c, coreInfoFor(ctx.info, c), true) + "\n";
    out += "\n";
  }
  out += `Latency min/avg/max: ${r.minLatency}/${javaDouble(r.avgLatency)}/${r.maxLatency}\n`;
  out += `Received: ${r.packetsReceived}\n`;
  out += `Sent: ${r.packetsSent}\n`;
  out += `Connections: ${r.numAliveClientConnections}\n`;
  out += `Outstanding: ${r.outstandingRequests}\n`;
  out += `Zxid: 0x${hex(r.lastProcessedZxid)}\n`;
  out += `Mode: ${r.serverState}\n`;
  out += `Node count: ${r.nodeCount}\n`;
  return out;
}

/** Java's Date.toString in UTC: `Sun Nov 22 01:51:22 UTC 2026`. */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
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

function formatDump(ctx: FourLetterContext): string {
  const info = ctx.info;
  const sessions = [...(info.sessions?.() ?? [])];
  const now = ctx.now();
  let out = "SessionTracker dump:\n";
  const sb = buckets(sessions, (s) => s.expiresAt ?? now + s.timeout);
  out += `Session Sets (${sb.length})/(${sessions.length}):\n`;
  for (const [at, list] of sb) {
    out += `${list.length} expire at ${javaDate(at)}:\n`;
    for (const s of list) out += `\t0x${hex(s.id)}\n`;
  }
  const withEph = sessions.filter((s) => (s.ephemerals?.length ?? 0) > 0);
  out += "ephemeral nodes dump:\n";
  out += `Sessions with Ephemerals (${withEph.length}):\n`;
  for (const s of withEph) {
    out += `0x${hex(s.id)}:\n`;
    for (const p of s.ephemerals ?? []) out += `\t${p}\n`;
  }
  out += "Connections dump:\n";
  const cb = buckets(ctx.connections, (c) => {
    const timeout = coreInfoFor(info, c)?.timeout || SESSIONLESS_CNXN_TIMEOUT_MS;
    return (Math.floor((c.lastActivity + timeout) / SESSIONLESS_CNXN_TIMEOUT_MS) + 1) * SESSIONLESS_CNXN_TIMEOUT_MS;
  });
  out += `Connections Sets (${cb.length})/(${ctx.connections.length}):\n`;
  for (const [at, list] of cb) {
    out += `${list.length} expire at ${javaDate(at)}:\n`;
    for (const c of list) {
      const ci = coreInfoFor(info, c);
      out += `\tip: ${socketAddress(c)} sessionId: 0x${hex(ci?.sessionId ?? 0)}\n`;
    }
  }
  return out;
}

/** MNTR_KEYS, with a quorum member's zk_peer_state where QuorumZooKeeperServer.dumpMonitorValues puts it. */
const MNTR_ORDER: readonly string[] = (() => {
  const keys = [...MNTR_KEYS];
  keys.splice(keys.indexOf("zk_server_state") + 1, 0, "zk_peer_state");
  return keys;
})();

/**
 * `mntr`: ZooKeeper's dumpMonitorValues (version, server_state) and then its metrics, printed only where zkts
 * measures them: the live values of the server info and connection layer, then everything in the metrics registry.
 * Keys ZooKeeper 3.8 prints in a standalone server's mntr come in its order (MNTR_KEYS); the others (role
 * gauges of ensemble members, per-key summary sets) follow in registration order. A key zkts does not measure is
 * left out, never printed as a made-up 0.
 */
function formatMntr(ctx: FourLetterContext): string {
  const { values, namespace } = monitorParts(ctx);
  const text = (v: RecordValue): string => (v instanceof JavaDouble ? javaDouble(v.value) : String(v));
  let out = "";
  for (const key of MNTR_ORDER) {
    const k = key.slice(3);
    const v = values.get(k);
    if (v === undefined) continue;
    out += `${key}\t${text(v)}\n`;
    values.delete(k);
  }
  for (const [k, v] of values) out += `zk_${k}\t${text(v)}\n`;
  for (const [k, v] of namespace) out += `zk_${k}\t${text(v)}\n`;
  return out;
}
