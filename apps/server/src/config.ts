/**
 * zoo.cfg parsing, split along QuorumPeerConfig's seams (modules under ./config/):
 * - types.ts: the typed {@link ZkConfig}, {@link ConfigError} and the class-name constants;
 * - keys.ts: the key tables (quorum keys, system properties, AdminServer defaults) and the sorting of every entry;
 * - reader.ts: the properties read into typed values (int/bool/string) with the problems and warnings;
 * - peer.ts: QuorumPeerConfig's own values (ticks, directories, ports, timeouts, limits, ensemble flags);
 * - servers.ts: `server.N` lines, hierarchical quorum groups and the quorum verifier's input;
 * - subconfigs.ts: TLS on the client port, the Prometheus metrics provider, the AdminServer, the log settings;
 * - auth.ts: the super digest and the JVM `-D` flags; defaults.ts: the built-in default config text;
 * - dynamic.ts: dynamicConfigFile (read here), zoo.cfg.bak, zoo.cfg.dynamic.<version> and the rewritten zoo.cfg.
 * This file is the entry point: it runs them in ZooKeeper's order (so problems are listed in that order) and
 * re-exports what the rest of the server imports.
 */
import { readQuorumSasl, readSasl, type SaslValues } from "./config/sasl.js";
import { unhonouredKeys } from "./unhonoured.js";
import { readSuperDigest, type SuperDigest } from "./config/auth.js";
import { classifyKeys, type ClassifiedKeys } from "./config/keys.js";
import { isDistributed, readLimits, readPeer, readPeerFlags, readTreeFeatures, type PeerFlags, type PeerLimits, type PeerValues, type TreeFeatures } from "./config/peer.js";
import { ConfigReader } from "./config/reader.js";
import { checkQuorum } from "./config/servers.js";
import { readDynamicConfigFile, readNextDynamicConfigFile } from "./config/dynamic.js";
import { readAdmin, readClientTls, readLogFormat, readLogLevel, readPauseMonitor, readPrometheus, readQuorumTls, type AdminValues, type ClientTlsValues } from "./config/subconfigs.js";
import { ConfigError, type ParseConfigOptions, type ZkConfig } from "./config/types.js";

export {
  ConfigError,
  DEFAULT_METRICS_PROVIDERS,
  LOG_FORMATS,
  oneOf,
  LOG_LEVELS,
  NETTY_FACTORY,
  NIO_FACTORY,
  PROMETHEUS_PROVIDER,
  X509_PROVIDER,
  type LogFormat,
  type LogLevel,
  type ParseConfigOptions,
  type PauseMonitorConfig,
  type PrometheusConfig,
  type ServerSpec,
  type ZkConfig,
} from "./config/types.js";
export { quorumPairs } from "./config/servers.js";
export { DynamicConfigFiles, dynamicConfigText, editedStaticConfigText, readNextDynamicConfigFile, versionFromFilename } from "./config/dynamic.js";
export { jvmSystemProperty } from "./config/auth.js";
export { SASL_PROVIDER, DIGEST_LOGIN_MODULE } from "./config/sasl.js";
export { DEFAULT_CONFIG_TEXT } from "./config/defaults.js";

/** Parses zoo.cfg text into a validated {@link ZkConfig}. Throws {@link ConfigError} listing every problem. */
export function parseConfig(text: string, opts: ParseConfigOptions = {}): ZkConfig {
  const r = ConfigReader.fromText(text, opts.fileName ?? "zoo.cfg");
  const peer = readPeer(r);
  const logLevel = readLogLevel(r);
  const prometheus = readPrometheus(r);
  const jvmPauseMonitor = readPauseMonitor(r);
  const logFormat = readLogFormat(r);
  const tls = readClientTls(r, peer.secureClientPort);
  const quorumTls = readQuorumTls(r);
  // Keys zkts knows but cannot honour are refused, never silently ignored.
  r.problems.push(...unhonouredKeys(r.entries(), r.file));
  const keys = classifyKeys(r);
  const dynamicConfigFile = r.str("dynamicConfigFile");
  const dynamic = dynamicConfigFile === undefined ? undefined : readDynamicConfigFile(r, dynamicConfigFile, opts.readFile);
  if (dynamic !== undefined) {
    keys.servers = dynamic.servers;
    keys.quorumGroups = dynamic.quorumGroups;
    keys.badServerLine = dynamic.badServerLine;
  }
  checkQuorum(r, keys.servers, keys.quorumGroups, keys.badServerLine);
  const digest = readSuperDigest(r, opts.env ?? {});
  const sasl = readSasl(r, opts.env ?? {}, tls.x509AuthProvider, opts.readFile);
  const quorumSasl = readQuorumSasl(r, opts.env ?? {}, opts.readFile);
  const limits = readLimits(r, opts.env ?? {});
  const distributed = isDistributed(r, keys.servers);
  const flags = readPeerFlags(r);
  const admin = readAdmin(r);
  const features = readTreeFeatures(r);
  const logFile = r.str("zkts.logFile");
  const cfg = assemble({ r, peer, tls, quorumTls, quorumSasl, keys, limits, distributed, flags, admin, features, digest, sasl, logFile, logLevel, logFormat, prometheus });
  cfg.dynamicConfigFile = dynamicConfigFile;
  cfg.configVersion = dynamic?.version ?? 0n;
  cfg.configFile = opts.configFile;
  if (dynamic !== undefined && opts.configFile !== undefined) {
    const next = readNextDynamicConfigFile(r, opts.configFile, opts.readFile);
    if (next !== undefined) cfg.nextDynamicConfig = next;
  }
  if (jvmPauseMonitor !== undefined) cfg.jvmPauseMonitor = jvmPauseMonitor;
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return cfg;
}

interface Parts {
  r: ConfigReader;
  peer: PeerValues;
  tls: ClientTlsValues;
  quorumTls: ZkConfig["quorumTls"];
  quorumSasl: ZkConfig["quorumSasl"];
  keys: ClassifiedKeys;
  limits: PeerLimits;
  distributed: boolean;
  flags: PeerFlags;
  admin: AdminValues;
  features: TreeFeatures;
  digest: SuperDigest;
  sasl: SaslValues;
  logFile: string | undefined;
  logLevel: ZkConfig["logLevel"];
  logFormat: ZkConfig["logFormat"];
  prometheus: ZkConfig["prometheus"];
}

/** The {@link ZkConfig} from the parts read (its fields in a fixed order: the order they are listed in). */
function assemble(p: Parts): ZkConfig {
  const { peer, tls, keys, limits, flags, admin, features } = p;
  return {
    tickTime: peer.tickTime,
    initLimit: limits.initLimit,
    syncLimit: limits.syncLimit,
    dataDir: peer.dataDir,
    dataLogDir: peer.dataLogDir,
    clientPort: peer.clientPort,
    secureClientPort: peer.secureClientPort,
    secureClientPortAddress: tls.secureClientPortAddress,
    clientPortUnification: tls.clientPortUnification,
    tls: tls.tls,
    quorumTls: p.quorumTls,
    clientCertReload: tls.clientCertReload,
    outstandingHandshakeLimit: tls.outstandingHandshakeLimit,
    x509AuthProvider: tls.x509AuthProvider,
    x509SuperUser: tls.x509SuperUser,
    ...p.sasl,
    quorumSasl: p.quorumSasl,
    clientPortAddress: peer.clientPortAddress,
    maxClientCnxns: peer.maxClientCnxns,
    minSessionTimeout: peer.minSessionTimeout,
    maxSessionTimeout: peer.maxSessionTimeout,
    autopurgeSnapRetainCount: peer.autopurgeSnapRetainCount,
    autopurgePurgeInterval: peer.autopurgePurgeInterval,
    autopurgePurgeIntervalMs: limits.autopurgePurgeIntervalMs,
    snapCount: limits.snapCount,
    snapshotFormat: limits.snapshotFormat,
    txnLogWorker: limits.txnLogWorker,
    preAllocSize: limits.preAllocSize,
    forceSync: keys.systemProperties["zookeeper.forceSync"] !== "no",
    globalOutstandingLimit: limits.globalOutstandingLimit,
    electionAlg: peer.electionAlg,
    servers: keys.servers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    configVersion: 0n,
    quorumGroups: keys.quorumGroups,
    distributed: p.distributed,
    peerType: peer.peerType,
    ...flags,
    fourLetterWhitelist: p.r.get("4lw.commands.whitelist")?.value,
    ...admin,
    juteMaxBuffer: limits.juteMaxBuffer,
    extendedTypesEnabled: features.extendedTypesEnabled,
    skipACL: peer.skipACL,
    enforceQuota: features.enforceQuota,
    digestEnabled: features.digestEnabled,
    containerCheckIntervalMs: features.containerCheckIntervalMs,
    ...p.digest,
    logFile: p.logFile,
    logLevel: p.logLevel,
    prometheus: p.prometheus,
    logFormat: p.logFormat,
    systemProperties: keys.systemProperties,
    unknownKeys: keys.unknownKeys,
    warnings: p.r.warnings,
  };
}
