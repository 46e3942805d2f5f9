import { QuorumConfigError, QuorumHierarchical } from "@zkts/election";
import { parseClientTlsSettings, TlsSettingsError, type ClientTlsSettings } from "@zkts/tls";
import { parseProperties, PropertiesSyntaxError, type PropertyEntry } from "./properties.js";
import { unhonouredKeys } from "./unhonoured.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
export type LogFormat = "json" | "text";
export const LOG_FORMATS: readonly LogFormat[] = ["json", "text"];

/** One `server.N=host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]` line. */
export interface ServerSpec {
  id: bigint;
  host: string;
  quorumPort: number;
  electionPort: number;
  role: "participant" | "observer";
  clientHost?: string;
  clientPort?: number;
  line: number;
}

/** The effective zkts-server configuration (ZooKeeper's zoo.cfg keys, typed, with ZooKeeper's defaults). */
export interface ZkConfig {
  tickTime: number;
  initLimit?: number;
  syncLimit?: number;
  dataDir: string;
  /** Defaults to dataDir. */
  dataLogDir: string;
  clientPort?: number;
  secureClientPort?: number;
  /** `secureClientPortAddress` (default: clientPortAddress's host, else all interfaces). */
  secureClientPortAddress?: string;
  /** `client.portUnification`: the client port also takes TLS clients. */
  clientPortUnification: boolean;
  /** The client port's `ssl.*` settings; set when TLS is on (secureClientPort or client.portUnification). */
  tls?: ClientTlsSettings;
  /** `client.certReload` (zookeeper.client.certReload): reload the stores when their files change. */
  clientCertReload: boolean;
  /** `netty.server.outstandingHandshake.limit` (zookeeper.netty.server.outstandingHandshake.limit); <= 0: none. */
  outstandingHandshakeLimit: number;
  /**
   * The `x509` scheme is registered: TLS is on for the client port (QuorumPeerConfig.configureSSLAuth registers
   * it then), or an `authProvider.N` names X509AuthenticationProvider.
   */
  x509AuthProvider: boolean;
  /** `X509AuthenticationProvider.superUser` (zookeeper.X509AuthenticationProvider.superUser). */
  x509SuperUser?: string;
  clientPortAddress?: string;
  /** Per client IP; 0 = unlimited. Default 60. */
  maxClientCnxns: number;
  /** Default 2 x tickTime. */
  minSessionTimeout: number;
  /** Default 20 x tickTime. */
  maxSessionTimeout: number;
  autopurgeSnapRetainCount: number;
  /** Hours; 0 = off. */
  autopurgePurgeInterval: number;
  /**
   * `zkts.autopurge.purgeIntervalMs` (zkts only, for tests and short-lived deployments): the autopurge interval in
   * milliseconds, used instead of `autopurge.purgeInterval` when set; 0 = off.
   */
  autopurgePurgeIntervalMs?: number;
  snapCount: number;
  /** KiB. */
  preAllocSize: number;
  /** `forceSync` (zookeeper.forceSync): fdatasync the txn log before acknowledging; only "no" turns it off. */
  forceSync: boolean;
  globalOutstandingLimit: number;
  electionAlg: number;
  servers: ServerSpec[];
  /**
   * The hierarchical quorum's lines as written: every key starting with `group` or `weight` (QuorumPeerConfig:
   * such a key makes the quorum a QuorumHierarchical), e.g. `group.1=1:2:3`, `weight.4=2`. Empty: a majority.
   */
  quorumGroups: PropertyEntry[];
  /**
   * Runs as an ensemble member (QuorumPeerConfig.isDistributed): server lines are present and either
   * `standaloneEnabled=false` or more than one of them is a participant. One `server.N` line with standaloneEnabled
   * (the default, and what ZooKeeper's Docker image writes) is a standalone server, as in ZooKeeper.
   */
  distributed: boolean;
  peerType: "participant" | "observer";
  syncEnabled: boolean;
  reconfigEnabled: boolean;
  standaloneEnabled: boolean;
  localSessionsEnabled: boolean;
  /** `4lw.commands.whitelist` as written; undefined = ZooKeeper's default (srvr only). */
  fourLetterWhitelist?: string;
  /** `admin.enableServer`: the AdminServer (HTTP commands and probes) runs unless this is false. */
  adminEnableServer: boolean;
  /** `admin.serverPort` (default 8080; 0 picks a free port). */
  adminServerPort: number;
  /** `admin.serverAddress` (default 0.0.0.0). */
  adminServerAddress: string;
  /** `admin.idleTimeout` in ms (default 30000). */
  adminIdleTimeout: number;
  /** `admin.commandURL` (default /commands). */
  adminCommandUrl: string;
  juteMaxBuffer: number;
  extendedTypesEnabled: boolean;
  skipACL: boolean;
  /** `enforceQuota` (ZooKeeper's zookeeper.enforceQuota): hard quota limits reject writes with QUOTAEXCEEDED. */
  enforceQuota: boolean;
  digestEnabled: boolean;
  containerCheckIntervalMs: number;
  /** `super:<base64 sha1>` from zoo.cfg or the environment. */
  superDigest?: string;
  /** Where the superDigest came from (for the startup log; never the digest itself). */
  superDigestSource?: string;
  /** `zkts.logFile`: JSON-lines log file instead of stdout. */
  logFile?: string;
  /** `zkts.logLevel`. */
  logLevel?: LogLevel;
  /** `zkts.logFormat`: json (default) or text (ZooKeeper-like lines). */
  logFormat?: LogFormat;
  /**
   * Keys QuorumPeerConfig does not parse itself: ZooKeeper turns them into `zookeeper.<key>` system
   * properties. Kept here the same way (including the known ones such as `zookeeper.4lw.commands.whitelist`).
   */
  systemProperties: Record<string, string>;
  /**
   * `metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider` with its
   * `metricsProvider.httpHost` / `httpPort` / `exportJvmInfo`: serve Prometheus `/metrics`. Undefined: ZooKeeper's
   * default provider (metrics through mntr only).
   */
  prometheus?: PrometheusConfig;
  /** Keys no part of zkts knows (also in systemProperties), with their line. */
  unknownKeys: { key: string; line: number }[];
  /** Human-readable warnings (unknown keys, adjusted values). */
  warnings: string[];
}

/** ZooKeeper's PrometheusMetricsProvider settings (its defaults: 0.0.0.0, 7000, true). */
export interface PrometheusConfig {
  httpHost: string;
  httpPort: number;
  /** ZooKeeper: JVM metrics (hotspot DefaultExports); zkts: Node.js process metrics (prom-client's defaults). */
  exportJvmInfo: boolean;
}

export const PROMETHEUS_PROVIDER = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider";
/** ZooKeeper's default provider (the one used when className is not set) and its no-op provider. */
export const DEFAULT_METRICS_PROVIDERS: readonly string[] = [
  "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider",
  "org.apache.zookeeper.metrics.impl.NullMetricsProvider",
];
/** The PrometheusMetricsProvider keys zkts honours (`metricsProvider.<key>`). */
const PROMETHEUS_KEYS = new Set(["httpHost", "httpPort", "exportJvmInfo"]);

/** Invalid configuration: every problem found, each naming the file, line and key. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

export interface ParseConfigOptions {
  /** Name used in messages, e.g. `zoo.cfg`. */
  fileName?: string;
  /** Environment for the super digest (`ZKTS_SUPER_DIGEST`, `SERVER_JVMFLAGS`, `JVMFLAGS`). */
  env?: Record<string, string | undefined>;
}

/** AdminServer keys zkts accepts only with ZooKeeper's default value (it serves plain HTTP/1.1). */
const ADMIN_DEFAULTS_ONLY: Record<string, string> = {
  "admin.portUnification": "false",
  "admin.forceHttps": "false",
  "admin.needClientAuth": "false",
  "admin.httpVersion": "11",
};

/** Keys that ZooKeeper handles as system properties and zkts reads (besides the QuorumPeerConfig keys). */
const SYSTEM_PROPERTY_KEYS = new Set([
  "readonlymode.enabled",
  "4lw.commands.whitelist",
  "admin.enableServer",
  "admin.serverPort",
  "admin.serverAddress",
  "admin.idleTimeout",
  "admin.commandURL",
  "jute.maxbuffer",
  "extendedTypesEnabled",
  "skipACL",
  "enforceQuota",
  "digest.enabled",
  "znode.container.checkIntervalMs",
  "snapCount",
  "preAllocSize",
  "forceSync",
  "zookeeper.forceSync",
  "globalOutstandingLimit",
  "DigestAuthenticationProvider.superDigest",
  "zookeeper.DigestAuthenticationProvider.superDigest",
  "readonlymode.enabled",
  "zkts.logFile",
  "zkts.logLevel",
  "zkts.logFormat",
  "zkts.autopurge.purgeIntervalMs",
  "client.certReload",
  "serverCnxnFactory",
  "netty.server.outstandingHandshake.limit",
  "X509AuthenticationProvider.superUser",
]);

export const NETTY_FACTORY = "org.apache.zookeeper.server.NettyServerCnxnFactory";
export const NIO_FACTORY = "org.apache.zookeeper.server.NIOServerCnxnFactory";
export const X509_PROVIDER = "org.apache.zookeeper.server.auth.X509AuthenticationProvider";

/** Keys QuorumPeerConfig parses (not turned into system properties). */
const QUORUM_KEYS = new Set([
  "dataDir",
  "dataLogDir",
  "clientPort",
  "localSessionsEnabled",
  "localSessionsUpgradingEnabled",
  "clientPortAddress",
  "secureClientPort",
  "secureClientPortAddress",
  "clientPortListenBacklog",
  "tickTime",
  "maxClientCnxns",
  "minSessionTimeout",
  "maxSessionTimeout",
  "initLimit",
  "syncLimit",
  "connectToLearnerMasterLimit",
  "electionAlg",
  "quorumListenOnAllIPs",
  "peerType",
  "syncEnabled",
  "dynamicConfigFile",
  "autopurge.snapRetainCount",
  "autopurge.purgeInterval",
  "standaloneEnabled",
  "reconfigEnabled",
  "sslQuorum",
  "portUnification",
  "sslQuorumReloadCertFiles",
  "client.portUnification",
  "multiAddress.enabled",
  "multiAddress.reachabilityCheckTimeoutMs",
  "multiAddress.reachabilityCheckEnabled",
  "metricsProvider.className",
]);

const SERVER_FORMAT = "host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]";

/** Parses zoo.cfg text into a validated {@link ZkConfig}. Throws {@link ConfigError} listing every problem. */
export function parseConfig(text: string, opts: ParseConfigOptions = {}): ZkConfig {
  const file = opts.fileName ?? "zoo.cfg";
  const problems: string[] = [];
  const warnings: string[] = [];
  let entries: PropertyEntry[];
  try {
    entries = parseProperties(text);
  } catch (e) {
    if (e instanceof PropertiesSyntaxError) throw new ConfigError([`${file}:${e.line}: ${e.reason}`]);
    throw e;
  }
  // Later lines override earlier ones, as with java.util.Properties.
  const byKey = new Map<string, PropertyEntry>();
  for (const e of entries) {
    const trimmed = { ...e, value: e.value.trim() };
    byKey.set(e.key, trimmed);
  }
  const at = (e: PropertyEntry) => `${file}:${e.line}`;
  const fail = (e: PropertyEntry, msg: string) => problems.push(`${at(e)}: ${msg}`);

  const int = (key: string, def: number | undefined, check: "positive" | "nonNegative" | "any" | "port" = "any"): number | undefined => {
    const e = byKey.get(key);
    if (e === undefined) return def;
    const v = e.value;
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
    const ok =
      Number.isSafeInteger(n) &&
      n >= -2147483648 &&
      n <= 2147483647 &&
      (check === "positive" ? n > 0 : check === "nonNegative" ? n >= 0 : check === "port" ? n >= 0 && n <= 65535 : true);
    if (!ok) {
      const what =
        check === "positive"
          ? "a positive integer"
          : check === "nonNegative"
            ? "a non-negative integer"
            : check === "port"
              ? "a port number (0-65535)"
              : "an integer";
      fail(e, `${key} must be ${what}, got "${v}"`);
      return def;
    }
    return n;
  };
  const bool = (key: string, def: boolean): boolean => {
    const e = byKey.get(key);
    if (e === undefined) return def;
    const v = e.value.toLowerCase();
    if (v === "true") return true;
    if (v === "false") return false;
    fail(e, `${key} must be true or false, got "${e.value}"`);
    return def;
  };
  const str = (key: string): string | undefined => {
    const e = byKey.get(key);
    if (e === undefined) return undefined;
    if (e.value === "") {
      fail(e, `${key} must not be empty`);
      return undefined;
    }
    return e.value;
  };

  const tickTime = int("tickTime", 2000, "positive")!;
  const dataDir = str("dataDir");
  if (dataDir === undefined && !byKey.has("dataDir")) problems.push(`${file}: dataDir is not set`);
  const dataLogDir = str("dataLogDir") ?? dataDir ?? "";
  const clientPort = int("clientPort", undefined, "port");
  const secureClientPort = int("secureClientPort", undefined, "port");
  const clientPortAddress = str("clientPortAddress");
  const maxClientCnxns = int("maxClientCnxns", 60, "nonNegative")!;
  const minSessionTimeout = int("minSessionTimeout", -1, "any")!;
  const maxSessionTimeout = int("maxSessionTimeout", -1, "any")!;
  const minST = minSessionTimeout === -1 ? tickTime * 2 : minSessionTimeout;
  const maxST = maxSessionTimeout === -1 ? tickTime * 20 : maxSessionTimeout;
  if (minST > maxST) {
    const e = byKey.get("minSessionTimeout") ?? byKey.get("maxSessionTimeout")!;
    fail(e, `minSessionTimeout (${minST}) must not be larger than maxSessionTimeout (${maxST})`);
  }
  let snapRetain = int("autopurge.snapRetainCount", 3, "any")!;
  if (snapRetain < 3) {
    const e = byKey.get("autopurge.snapRetainCount")!;
    warnings.push(`${at(e)}: autopurge.snapRetainCount ${snapRetain} is below the minimum 3; using 3`);
    snapRetain = 3;
  }
  const purgeInterval = int("autopurge.purgeInterval", 0, "nonNegative")!;
  const electionAlg = int("electionAlg", 3, "any")!;
  if (electionAlg !== 3 && byKey.has("electionAlg")) {
    fail(byKey.get("electionAlg")!, `electionAlg must be 3 (the only algorithm ZooKeeper 3.8 supports), got "${electionAlg}"`);
  }
  let peerType: "participant" | "observer" = "participant";
  const pt = byKey.get("peerType");
  if (pt !== undefined) {
    if (pt.value.toLowerCase() === "observer") peerType = "observer";
    else if (pt.value.toLowerCase() === "participant") peerType = "participant";
    else fail(pt, `peerType must be participant or observer, got "${pt.value}"`);
  }
  const skipAclEntry = byKey.get("skipACL");
  let skipACL = false;
  if (skipAclEntry !== undefined) {
    const v = skipAclEntry.value.toLowerCase();
    if (v === "yes" || v === "true") skipACL = true;
    else if (v !== "no" && v !== "false") fail(skipAclEntry, `skipACL must be yes or no, got "${skipAclEntry.value}"`);
  }
  let logLevel: LogLevel | undefined;
  const ll = byKey.get("zkts.logLevel");
  if (ll !== undefined) {
    if ((LOG_LEVELS as readonly string[]).includes(ll.value)) logLevel = ll.value as LogLevel;
    else fail(ll, `zkts.logLevel must be one of ${LOG_LEVELS.join(", ")}, got "${ll.value}"`);
  }

  // metricsProvider.*: QuorumPeerConfig refuses a provider class it cannot load; zkts knows two kinds.
  let prometheus: PrometheusConfig | undefined;
  const providerEntry = byKey.get("metricsProvider.className");
  const providerKeys = [...byKey.values()].filter((e) => e.key.startsWith("metricsProvider.") && e.key !== "metricsProvider.className");
  if (providerEntry !== undefined && providerEntry.value === PROMETHEUS_PROVIDER) {
    for (const e of providerKeys) {
      const k = e.key.slice("metricsProvider.".length);
      if (!PROMETHEUS_KEYS.has(k)) {
        fail(e, `${e.key} is not supported by zkts (its Prometheus provider honours ${[...PROMETHEUS_KEYS].map((x) => `metricsProvider.${x}`).join(", ")})`);
      }
    }
    const host = byKey.get("metricsProvider.httpHost");
    if (host !== undefined && host.value === "") fail(host, "metricsProvider.httpHost must not be empty");
    prometheus = {
      httpHost: host?.value || "0.0.0.0",
      httpPort: int("metricsProvider.httpPort", 7000, "port")!,
      exportJvmInfo: bool("metricsProvider.exportJvmInfo", true),
    };
  } else if (providerEntry !== undefined && !DEFAULT_METRICS_PROVIDERS.includes(providerEntry.value)) {
    fail(
      providerEntry,
      `metrics provider class was not found: metricsProvider.className=${providerEntry.value} ` +
        `(zkts supports ${PROMETHEUS_PROVIDER} and ZooKeeper's default ${DEFAULT_METRICS_PROVIDERS[0]})`,
    );
  } else {
    for (const e of providerKeys) warnings.push(`${at(e)}: ${e.key} is ignored: the metrics provider is not Prometheus (as ZooKeeper ignores it)`);
  }
  let logFormat: LogFormat | undefined;
  const lf = byKey.get("zkts.logFormat");
  if (lf !== undefined) {
    if ((LOG_FORMATS as readonly string[]).includes(lf.value)) logFormat = lf.value as LogFormat;
    else fail(lf, `zkts.logFormat must be one of ${LOG_FORMATS.join(", ")}, got "${lf.value}"`);
  }
  // TLS on the client port (NettyServerCnxnFactory): keys as in zoo.cfg or with ZooKeeper's `zookeeper.` prefix.
  const prop = (key: string): PropertyEntry | undefined => byKey.get(`zookeeper.${key}`) ?? byKey.get(key);
  const secureClientPortAddress = str("secureClientPortAddress");
  const clientPortUnification = bool("client.portUnification", false);
  let tls: ClientTlsSettings | undefined;
  const tlsOn = secureClientPort !== undefined || clientPortUnification;
  const factory = prop("serverCnxnFactory");
  if (factory !== undefined && factory.value !== NETTY_FACTORY && factory.value !== NIO_FACTORY) {
    fail(factory, `serverCnxnFactory must be ${NETTY_FACTORY} or ${NIO_FACTORY}, got "${factory.value}"`);
  }
  if (tlsOn) {
    const what = secureClientPort !== undefined ? "secureClientPort" : "client.portUnification";
    if (factory?.value !== NETTY_FACTORY) {
      problems.push(`${factory ? at(factory) : file}: ${what} needs serverCnxnFactory=${NETTY_FACTORY} (as ZooKeeper: its NIO factory has no TLS)`);
    }
    try {
      tls = parseClientTlsSettings((k) => prop(`ssl.${k}`)?.value);
      if (tls.keyStore === undefined) problems.push(`${file}: ${what} needs ssl.keyStore.location (the server's key and certificate)`);
    } catch (e) {
      if (!(e instanceof TlsSettingsError)) throw e;
      for (const msg of e.problems) {
        const key = /^ssl\.[A-Za-z.]+/.exec(msg)?.[0];
        const entry = key === undefined ? undefined : prop(key);
        problems.push(`${entry ? at(entry) : file}: ${msg}`);
      }
    }
  }
  if (secureClientPortAddress !== undefined && secureClientPort === undefined) {
    fail(byKey.get("secureClientPortAddress")!, "secureClientPortAddress is set but secureClientPort is not set");
  }
  // QuorumPeerConfig.configureSSLAuth: a TLS client port registers the x509 provider (ssl.authProvider's scheme).
  let x509AuthProvider = tlsOn;
  for (const e of byKey.values()) {
    if (/^(zookeeper\.)?authProvider\./.test(e.key) && e.value.trim() === X509_PROVIDER) x509AuthProvider = true;
  }
  const handshakeLimit = prop("netty.server.outstandingHandshake.limit");
  let outstandingHandshakeLimit = -1;
  if (handshakeLimit !== undefined) {
    if (/^[+-]?\d+$/.test(handshakeLimit.value)) outstandingHandshakeLimit = Number(handshakeLimit.value);
    else fail(handshakeLimit, `${handshakeLimit.key} must be an integer, got "${handshakeLimit.value}"`);
  }

  // Keys zkts knows but cannot honour are refused, never silently ignored.
  problems.push(...unhonouredKeys(byKey.values(), file));

  const servers: ServerSpec[] = [];
  const quorumGroups: PropertyEntry[] = [];
  let badServerLine = false;
  const systemProperties: Record<string, string> = {};
  const unknownKeys: { key: string; line: number }[] = [];
  for (const e of byKey.values()) {
    if (e.key.startsWith("server.")) {
      const spec = parseServerLine(e);
      if (typeof spec === "string") {
        fail(e, spec);
        badServerLine = true;
      } else servers.push(spec);
      continue;
    }
    if (QUORUM_KEYS.has(e.key)) continue;
    if (e.key.startsWith("group") || e.key.startsWith("weight")) {
      quorumGroups.push(e);
      continue;
    }
    if (e.key.startsWith("metricsProvider.")) continue;
    if (e.key.startsWith("quorum.") || e.key.startsWith("ssl.")) {
      systemProperties[e.key] = e.value;
      continue;
    }
    const prop = e.key.startsWith("zookeeper.") ? e.key : `zookeeper.${e.key}`;
    systemProperties[prop] = e.value;
    const adminKey = e.key.replace(/^zookeeper\./, "");
    if (adminKey.startsWith("admin.") && !SYSTEM_PROPERTY_KEYS.has(adminKey)) {
      // The AdminServer's TLS and HTTP/2 settings: only ZooKeeper's defaults can be honoured.
      if (ADMIN_DEFAULTS_ONLY[adminKey] !== e.value.toLowerCase()) {
        fail(e, `${adminKey} is not supported by zkts (its AdminServer is plain HTTP/1.1)${ADMIN_DEFAULTS_ONLY[adminKey] !== undefined ? `; only ${ADMIN_DEFAULTS_ONLY[adminKey]} is accepted` : ""}`);
      }
      continue;
    }
    if (!SYSTEM_PROPERTY_KEYS.has(e.key)) {
      unknownKeys.push({ key: e.key, line: e.line });
      warnings.push(`${at(e)}: unknown key ${e.key}; kept as the system property ${prop}`);
    }
  }
  const ids = new Set<bigint>();
  for (const s of servers) {
    if (ids.has(s.id)) problems.push(`${file}:${s.line}: server.${s.id} is defined twice`);
    ids.add(s.id);
  }
  // group/weight lines: checked as ZooKeeper checks them (QuorumHierarchical), also when the server runs standalone.
  if (quorumGroups.length > 0 && !badServerLine) {
    try {
      new QuorumHierarchical(quorumPairs(servers, quorumGroups));
    } catch (err) {
      if (!(err instanceof QuorumConfigError)) throw err;
      const e = err.key === undefined ? undefined : (byKey.get(err.key) ?? quorumGroups.find((g) => g.key === err.key));
      problems.push(`${e === undefined ? file : `${at(e)}: ${e.key}=${e.value}`}: ${err.message}`);
    }
  }

  // super digest: zoo.cfg, then ZKTS_SUPER_DIGEST, then -D flags in SERVER_JVMFLAGS / JVMFLAGS.
  let superDigest: string | undefined;
  let superDigestSource: string | undefined;
  for (const key of ["zookeeper.DigestAuthenticationProvider.superDigest", "DigestAuthenticationProvider.superDigest"]) {
    const e = byKey.get(key);
    if (e !== undefined && superDigest === undefined) {
      superDigest = e.value;
      superDigestSource = `${at(e)} ${key}`;
    }
  }
  const env = opts.env ?? {};
  if (superDigest === undefined && env.ZKTS_SUPER_DIGEST) {
    superDigest = env.ZKTS_SUPER_DIGEST;
    superDigestSource = "environment ZKTS_SUPER_DIGEST";
  }
  for (const v of ["SERVER_JVMFLAGS", "JVMFLAGS"]) {
    if (superDigest !== undefined) break;
    const flags = env[v];
    if (!flags) continue;
    const d = jvmSystemProperty(flags, "zookeeper.DigestAuthenticationProvider.superDigest");
    if (d !== undefined) {
      superDigest = d;
      superDigestSource = `environment ${v}`;
    }
  }
  if (superDigest !== undefined && !/^[^:]+:.+$/.test(superDigest)) {
    problems.push(`${superDigestSource}: superDigest must look like "super:<base64 sha1 digest>"`);
  }

  const jute = int("jute.maxbuffer", 0xfffff, "positive")!;
  const cfg: ZkConfig = {
    tickTime,
    initLimit: int("initLimit", undefined, "positive"),
    syncLimit: int("syncLimit", undefined, "positive"),
    dataDir: dataDir ?? "",
    dataLogDir,
    clientPort,
    secureClientPort,
    secureClientPortAddress,
    clientPortUnification,
    tls,
    clientCertReload: prop("client.certReload")?.value.toLowerCase() === "true",
    outstandingHandshakeLimit,
    x509AuthProvider,
    x509SuperUser: prop("X509AuthenticationProvider.superUser")?.value,
    clientPortAddress,
    maxClientCnxns,
    minSessionTimeout: minST,
    maxSessionTimeout: maxST,
    autopurgeSnapRetainCount: snapRetain,
    autopurgePurgeInterval: purgeInterval,
    autopurgePurgeIntervalMs: int("zkts.autopurge.purgeIntervalMs", undefined, "nonNegative"),
    snapCount: int("snapCount", 100000, "positive")!,
    preAllocSize: int("preAllocSize", 65536, "positive")!,
    forceSync: systemProperties["zookeeper.forceSync"] !== "no",
    globalOutstandingLimit: int("globalOutstandingLimit", 1000, "any")!,
    electionAlg,
    servers: servers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    quorumGroups,
    distributed: servers.length > 0 && (!bool("standaloneEnabled", true) || servers.filter((s) => s.role === "participant").length > 1),
    peerType,
    syncEnabled: bool("syncEnabled", true),
    reconfigEnabled: bool("reconfigEnabled", false),
    standaloneEnabled: bool("standaloneEnabled", true),
    localSessionsEnabled: bool("localSessionsEnabled", false),
    fourLetterWhitelist: byKey.get("4lw.commands.whitelist")?.value,
    adminEnableServer: bool("admin.enableServer", true),
    adminServerPort: int("admin.serverPort", 8080, "port")!,
    adminServerAddress: str("admin.serverAddress") ?? "0.0.0.0",
    adminIdleTimeout: int("admin.idleTimeout", 30000, "positive")!,
    adminCommandUrl: str("admin.commandURL") ?? "/commands",
    juteMaxBuffer: jute,
    extendedTypesEnabled: bool("extendedTypesEnabled", false),
    skipACL,
    enforceQuota: bool("enforceQuota", false),
    digestEnabled: bool("digest.enabled", true),
    containerCheckIntervalMs: int("znode.container.checkIntervalMs", 60000, "positive")!,
    superDigest,
    superDigestSource,
    logFile: str("zkts.logFile"),
    logLevel,
    prometheus,
    logFormat,
    systemProperties,
    unknownKeys,
    warnings,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return cfg;
}

/**
 * The quorum verifier's input: the `server.N` lines (in the form @zkts/election parses) and the `group`/`weight`
 * lines. Every member builds the same text from it: it travels in notifications and NEWLEADER.
 */
export function quorumPairs(servers: readonly ServerSpec[], quorumGroups: readonly PropertyEntry[]): [string, string][] {
  const pairs: [string, string][] = servers.map((s) => {
    const host = (h: string) => (h.includes(":") ? `[${h}]` : h);
    let v = `${host(s.host)}:${s.quorumPort}:${s.electionPort}`;
    if (s.role === "observer") v += ":observer";
    if (s.clientPort !== undefined) v += `;${host(s.clientHost ?? "0.0.0.0")}:${s.clientPort}`;
    return [`server.${s.id}`, v];
  });
  for (const g of quorumGroups) pairs.push([g.key, g.value]);
  return pairs;
}

function parseServerLine(e: PropertyEntry): ServerSpec | string {
  const idText = e.key.slice("server.".length);
  const bad = `${e.key} must be ${SERVER_FORMAT}, got "${e.value}"`;
  if (!/^\d+$/.test(idText) || BigInt(idText) > 0x7fffffffffffffffn) {
    return `server id in "${e.key}" must be a non-negative integer`;
  }
  const [quorumPart, clientPart, ...rest] = e.value.split(";");
  if (rest.length > 0 || quorumPart === undefined) return bad;
  const parts = splitHostParts(quorumPart.trim());
  if (parts === undefined || parts.length < 3 || parts.length > 4) return bad;
  const [host, qp, ep, role] = parts as [string, string, string, string | undefined];
  const quorumPort = port(qp);
  const electionPort = port(ep);
  if (host === "" || quorumPort === undefined || electionPort === undefined) return bad;
  let r: "participant" | "observer" = "participant";
  if (role !== undefined) {
    if (role.toLowerCase() === "observer") r = "observer";
    else if (role.toLowerCase() !== "participant") return bad;
  }
  const spec: ServerSpec = { id: BigInt(idText), host, quorumPort, electionPort, role: r, line: e.line };
  if (clientPart !== undefined) {
    const c = splitHostParts(clientPart.trim());
    if (c === undefined || c.length < 1 || c.length > 2) return bad;
    const cp = port(c[c.length - 1]!);
    if (cp === undefined) return bad;
    spec.clientPort = cp;
    if (c.length === 2) spec.clientHost = c[0]!;
  }
  return spec;
}

/** Splits `host:a:b` where host may be a bracketed IPv6 address. */
function splitHostParts(s: string): string[] | undefined {
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return undefined;
    const host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest === "") return [host];
    if (!rest.startsWith(":")) return undefined;
    return [host, ...rest.slice(1).split(":")];
  }
  return s.split(":");
}

function port(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 0 && n <= 65535 ? n : undefined;
}

/** Finds `-D<name>=<value>` in a JVM flags string (values may be quoted). */
export function jvmSystemProperty(flags: string, name: string): string | undefined {
  const tokens = flags.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  let found: string | undefined;
  for (const t of tokens) {
    const unq = t.replace(/"([^"]*)"|'([^']*)'/g, (_m, a: string | undefined, b: string | undefined) => a ?? b ?? "");
    const prefix = `-D${name}=`;
    if (unq.startsWith(prefix)) found = unq.slice(prefix.length);
  }
  return found;
}

/** The configuration `zkts-server` runs with when given no zoo.cfg. */
export const DEFAULT_CONFIG_TEXT = `# zkts-server built-in defaults
tickTime=2000
dataDir=./.zkts-data
clientPort=2181
4lw.commands.whitelist=*
`;
