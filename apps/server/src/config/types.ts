/** The typed zkts-server configuration (QuorumPeerConfig's fields), its errors and the class names it recognises. */
import type { QuorumVerifier } from "@zkts/election";
import type { ClientTlsSettings } from "@zkts/tls";
import type { PropertyEntry } from "../properties.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
export type LogFormat = "json" | "text";
export const LOG_FORMATS: readonly LogFormat[] = ["json", "text"];

/**
 * `value` checked against `choices` (log levels, log formats, ...): the value, typed, or the problem as zkts words it
 * for a zoo.cfg key or a command-line option named `name`.
 */
export function oneOf<T extends string>(name: string, choices: readonly T[], value: string): { ok: T } | { problem: string } {
  return (choices as readonly string[]).includes(value)
    ? { ok: value as T }
    : { problem: `${name} must be one of ${choices.join(", ")}, got "${value}"` };
}

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
  /**
   * TLS between members: `sslQuorum` (election and learner connections over TLS, mutual), `portUnification` (the
   * quorum and election ports also take plain connections), `sslQuorumReloadCertFiles`, and the `ssl.quorum.*`
   * settings. Set when sslQuorum or portUnification is on.
   */
  quorumTls?: { settings: ClientTlsSettings; sslQuorum: boolean; portUnification: boolean; reloadCertFiles: boolean };
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
  /**
   * SASL DIGEST-MD5 on the client port: the JAAS file's server section (java.security.auth.login.config in
   * SERVER_JVMFLAGS/JVMFLAGS, section zookeeper.sasl.serverconfig, default Server) with its users;
   * zookeeper.superUser; zookeeper.allowSaslFailedClients. Absent: no SASL login (SASL packets get a null token).
   */
  sasl?: { users: Map<string, string>; source: string; superUser?: string; allowFailedClients: boolean };
  /**
   * SASL DIGEST-MD5 between members (`quorum.auth.enableSasl=true`): whether this member authenticates when it
   * dials (learnerRequireSasl) and requires it of peers (serverRequireSasl), the peers it accepts (JAAS
   * QuorumServer `user_<name>`) and its own credentials (QuorumLearner).
   */
  quorumSasl?: { learnerRequire: boolean; serverRequire: boolean; users: Map<string, string>; username: string; password: string; source: string };
  /** authProvider.N=org.apache.zookeeper.server.auth.SASLAuthenticationProvider: the `sasl` ACL scheme. */
  saslAuthProvider: boolean;
  /** enforce.auth.enabled=true: enforce.auth.schemes (sessionRequireClientSASLAuth=true: ["sasl"]). */
  enforceAuthSchemes?: string[];
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
  /**
   * `snapshot.format` (zkts only; Apache ZooKeeper ignores it): the format of the snapshots zkts writes, `zkts`
   * (default) or `zookeeper` (FileSnap's, so ZooKeeper and its tools read a zkts data dir in place). Both are read.
   */
  snapshotFormat: "zkts" | "zookeeper";
  /**
   * `zkts.txnLogWorker` (zkts only): a standalone server writes its txn log from a worker thread (checksums,
   * write(2), fdatasync and their bookkeeping off the main thread; the same files). Default false, or true when
   * the environment has ZKTS_TXNLOG_WORKER=true (the key wins).
   */
  txnLogWorker: boolean;
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
  /** `reconfigEnabled`: the reconfig operation is allowed, and config files are rewritten as the config changes. */
  reconfigEnabled: boolean;
  standaloneEnabled: boolean;
  /** `dynamicConfigFile`: where the server.N / group / weight lines were read from (as written in zoo.cfg). */
  dynamicConfigFile?: string;
  /** The quorum config's version: the dynamic file name's hex suffix, 0 for server lines in zoo.cfg. */
  configVersion: bigint;
  /** The zoo.cfg path the server was started with (rewritten with reconfigEnabled); absent for text configs. */
  configFile?: string;
  /**
   * `<zoo.cfg>.dynamic.next` as read at start-up (QuorumPeerConfig's lastSeenQuorumVerifier): only with a
   * dynamicConfigFile and a zoo.cfg path, and only when the file exists.
   */
  nextDynamicConfig?: QuorumVerifier;
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
  /**
   * `jvm.pause.monitor=true`: the pause monitor runs (ZooKeeper's JvmPauseMonitor; zkts times its event loop) and
   * fills the `jvm_pause_time_ms` summary. Undefined: off (ZooKeeper's default).
   */
  jvmPauseMonitor?: PauseMonitorConfig;
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

/** `jvm.pause.sleep.time.ms`, `jvm.pause.info-threshold.ms`, `jvm.pause.warn-threshold.ms`. */
export interface PauseMonitorConfig {
  sleepTimeMs: number;
  infoThresholdMs: number;
  warnThresholdMs: number;
}

export const PROMETHEUS_PROVIDER = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider";
/** ZooKeeper's default provider (the one used when className is not set) and its no-op provider. */
export const DEFAULT_METRICS_PROVIDERS: readonly string[] = [
  "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider",
  "org.apache.zookeeper.metrics.impl.NullMetricsProvider",
];

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
  /** Reads the JAAS file and the dynamic config file (default: node:fs). */
  readFile?: (path: string) => string;
  /** The zoo.cfg path (kept in {@link ZkConfig.configFile}); relative dynamicConfigFile paths are read as given. */
  configFile?: string;
}

/** The client-port connection factories ZooKeeper ships (`serverCnxnFactory`) and its x509 auth provider. */
export const NETTY_FACTORY = "org.apache.zookeeper.server.NettyServerCnxnFactory";
export const NIO_FACTORY = "org.apache.zookeeper.server.NIOServerCnxnFactory";
export const X509_PROVIDER = "org.apache.zookeeper.server.auth.X509AuthenticationProvider";
