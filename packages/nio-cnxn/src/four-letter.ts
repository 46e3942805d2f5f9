import type { MetricsRegistry } from "@zkts/metrics";
import { MNTR_KEYS } from "./mntr-keys.js";
import {
  configurationRecord,
  connectionRecord,
  connectionRecords,
  dirsRecord,
  dumpRecord,
  environmentRecord,
  isReadOnly,
  JavaDouble,
  monitorParts,
  NOT_SERVING,
  runCommand,
  serverStatsRecord,
  TRACE_MASK,
  watchesByPath,
  watchesBySession,
  watchSummary,
  type ConnectionRecord,
  type HostFacts,
  type RecordValue,
} from "./commands.js";
import type { ConnectionInfoView, ServerInfoView } from "./types.js";

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

/** The four-letter words ZooKeeper 3.8 answers with ZK_NOT_SERVING while its server is not running. */
const NEEDS_SERVER: ReadonlySet<FourLetterWord> = new Set(["conf", "cons", "crst", "srst", "srvr", "stat", "dump", "wchs", "wchc", "wchp", "dirs", "mntr"]);

/** The answer ZooKeeper gives to a word that is not whitelisted. */
export function notWhitelisted(word: string): string {
  return `${word} is not executed because it is not in the whitelist.\n`;
}

/**
 * Renders the answer to a four-letter word (ZooKeeper 3.8 formats) as text of the command layer's records
 * (commands.ts): the AdminServer prints the same records as JSON.
 */
export function runFourLetterWord(word: FourLetterWord, ctx: FourLetterContext): string {
  if (ctx.info.notServing === true) {
    // FourLetterCommands while zkServer is not running: isro prints "null"; the words below print ZK_NOT_SERVING;
    // ruok, envi and gtmk answer as ever.
    if (word === "isro") return "null";
    if (NEEDS_SERVER.has(word)) return `${NOT_SERVING}\n`;
  }
  switch (word) {
    case "ruok":
      // RuokCommand: a fixed answer (the AdminServer's `ruok` record is empty).
      return "imok";
    case "gtmk":
      return String(TRACE_MASK);
    case "isro":
      return isReadOnly(ctx) ? "ro" : "rw";
    case "conf":
      return configurationRecord(ctx).map(([k, v]) => `${k}=${v}\n`).join("");
    case "cons":
      return connectionRecords(ctx).map((r) => connectionLine(r, false) + "\n").join("") + "\n";
    case "crst":
    case "srst": {
      // connection_stat_reset / stat_reset: the reset is the command layer's; the text acknowledges it, or prints
      // the command's error (ZooKeeper's 4lw println of ZK_NOT_SERVING while the server is not running).
      const { error } = runCommand(word, ctx);
      if (error !== null) return `${error}\n`;
      return word === "crst" ? "Connection stats reset.\n" : "Server stats reset.\n";
    }
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

/** Java's InetSocketAddress.toString for an unresolved-host socket: `/ip:port` (IPv6 without brackets). */
function socketAddress(r: ConnectionRecord): string {
  return `/${r.address}:${r.port}`;
}

/**
 * A connection record as ServerCnxn.dumpConnectionInfo prints it (a `cons` / `stat` line, without the newline):
 * the session's figures only once it has one, and not in `stat`'s brief lines.
 */
export function connectionLine(r: ConnectionRecord, brief: boolean): string {
  let s = ` ${socketAddress(r)}[${r.interestOps === 0 ? "0" : r.interestOps.toString(16)}](queued=${r.outstandingRequests},recved=${r.packetsReceived},sent=${r.packetsSent}`;
  if (!brief && r.sessionId !== 0n) {
    s += `,sid=0x${hex(r.sessionId)},lop=${r.lastOperation},est=${r.established},to=${r.sessionTimeout}`;
    if (r.lastCxid >= 0) s += `,lcxid=0x${hex(r.lastCxid)}`;
    s += `,lzxid=0x${hex(r.lastZxid)},lresp=${r.lastResponseTime},llat=${r.lastLatency}`;
    s += `,minlat=${r.minLatency},avglat=${r.avgLatency},maxlat=${r.maxLatency}`;
  }
  return s + ")";
}

/** One `cons` / `stat` line for connection `c` and what core knows of it: connectionLine of its record. */
export function dumpConnection(c: ConnectionSnapshot, ci: ConnectionInfoView | undefined, brief: boolean): string {
  return connectionLine(connectionRecord(c, ci), brief);
}

/** `srvr` / `stat`: the server_stats record as ZooKeeper's text (stat adds the clients' brief lines). */
function formatStat(word: "srvr" | "stat", ctx: FourLetterContext): string {
  const r = serverStatsRecord(ctx);
  let out = `Zookeeper version: ${r.version}\n`;
  if (r.readOnly) out += "READ-ONLY mode; serving only read-only clients\n";
  if (word === "stat") {
    out += "Clients:\n";
    for (const c of connectionRecords(ctx)) out += connectionLine(c, true) + "\n";
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

/** `dump`: the dump record as ZooKeeper's text (session buckets, ephemerals, connection buckets). */
function formatDump(ctx: FourLetterContext): string {
  const d = dumpRecord(ctx);
  let out = "SessionTracker dump:\n";
  out += `Session Sets (${d.sessionSets.length})/(${d.sessionCount}):\n`;
  for (const [at, ids] of d.sessionSets) {
    out += `${ids.length} expire at ${javaDate(at)}:\n`;
    for (const id of ids) out += `\t0x${hex(id)}\n`;
  }
  out += "ephemeral nodes dump:\n";
  out += `Sessions with Ephemerals (${d.ephemerals.length}):\n`;
  for (const [id, paths] of d.ephemerals) {
    out += `0x${hex(id)}:\n`;
    for (const p of paths) out += `\t${p}\n`;
  }
  out += "Connections dump:\n";
  out += `Connections Sets (${d.connectionSets.length})/(${d.connectionCount}):\n`;
  for (const [at, list] of d.connectionSets) {
    out += `${list.length} expire at ${javaDate(at)}:\n`;
    for (const r of list) out += `\tip: ${socketAddress(r)} sessionId: 0x${hex(r.sessionId)}\n`;
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
