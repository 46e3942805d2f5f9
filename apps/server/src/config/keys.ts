/**
 * The key tables: which keys QuorumPeerConfig parses, which ZooKeeper handles as system properties and zkts reads,
 * the AdminServer keys accepted only with ZooKeeper's defaults, the Prometheus provider's keys; and the sorting of
 * every entry by them (server lines, quorum groups, system properties, unknown keys).
 */
import type { PropertyEntry } from "../properties.js";
import type { ConfigReader } from "./reader.js";
import { parseServerLine } from "./servers.js";
import type { ServerSpec } from "./types.js";

/** The PrometheusMetricsProvider keys zkts honours (`metricsProvider.<key>`). */
export const PROMETHEUS_KEYS = new Set(["httpHost", "httpPort", "exportJvmInfo"]);

/** AdminServer keys zkts accepts only with ZooKeeper's default value (it serves plain HTTP/1.1). */
export const ADMIN_DEFAULTS_ONLY: Record<string, string> = {
  "admin.portUnification": "false",
  "admin.forceHttps": "false",
  "admin.needClientAuth": "false",
  "admin.httpVersion": "11",
};

/** Keys that ZooKeeper handles as system properties and zkts reads (besides the QuorumPeerConfig keys). */
export const SYSTEM_PROPERTY_KEYS = new Set([
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
  "snapshot.format",
  "zkts.txnLogWorker",
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
  "superUser",
  "zookeeper.superUser",
  "allowSaslFailedClients",
  "sasl.serverconfig",
  "enforce.auth.enabled",
  "enforce.auth.schemes",
  "sessionRequireClientSASLAuth",
]);

/** Keys QuorumPeerConfig parses (not turned into system properties). */
export const QUORUM_KEYS = new Set([
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
  "jvm.pause.monitor",
  "jvm.pause.sleep.time.ms",
  "jvm.pause.info-threshold.ms",
  "jvm.pause.warn-threshold.ms",
]);

/** The entries sorted by kind (QuorumPeerConfig.parseProperties' loop). */
export interface ClassifiedKeys {
  /** Valid `server.N` lines, in file order. */
  servers: ServerSpec[];
  /** `group*` / `weight*` lines. */
  quorumGroups: PropertyEntry[];
  /** A `server.N` line was malformed (the quorum groups are then not checked). */
  badServerLine: boolean;
  systemProperties: Record<string, string>;
  unknownKeys: { key: string; line: number }[];
}

/**
 * Sorts every entry: server lines are parsed, quorum keys skipped, group/weight lines kept, the rest become
 * system properties (`zookeeper.<key>`, as ZooKeeper sets them); unsupported AdminServer settings are problems and
 * keys no part of zkts knows are warnings.
 */
export function classifyKeys(r: ConfigReader): ClassifiedKeys {
  const out: ClassifiedKeys = { servers: [], quorumGroups: [], badServerLine: false, systemProperties: {}, unknownKeys: [] };
  const dynamic = r.has("dynamicConfigFile");
  for (const e of r.entries()) {
    if (dynamic && (e.key.startsWith("server.") || e.key.startsWith("group") || e.key.startsWith("weight"))) {
      r.fail(e, `parameter: ${e.key} must be in a separate dynamic config file`);
      continue;
    }
    if (e.key.startsWith("server.")) {
      const spec = parseServerLine(e);
      if (typeof spec === "string") {
        r.fail(e, spec);
        out.badServerLine = true;
      } else out.servers.push(spec);
      continue;
    }
    if (QUORUM_KEYS.has(e.key)) continue;
    if (e.key.startsWith("group") || e.key.startsWith("weight")) {
      out.quorumGroups.push(e);
      continue;
    }
    if (e.key.startsWith("metricsProvider.")) continue;
    if (e.key.startsWith("quorum.") || e.key.startsWith("ssl.")) {
      out.systemProperties[e.key] = e.value;
      continue;
    }
    const prop = e.key.startsWith("zookeeper.") ? e.key : `zookeeper.${e.key}`;
    out.systemProperties[prop] = e.value;
    const adminKey = e.key.replace(/^zookeeper\./, "");
    if (adminKey.startsWith("admin.") && !SYSTEM_PROPERTY_KEYS.has(adminKey)) {
      checkAdminDefault(r, e, adminKey);
      continue;
    }
    if (!SYSTEM_PROPERTY_KEYS.has(e.key)) {
      out.unknownKeys.push({ key: e.key, line: e.line });
      r.warnings.push(`${r.at(e)}: unknown key ${e.key}; kept as the system property ${prop}`);
    }
  }
  return out;
}

/** The AdminServer's TLS and HTTP/2 settings: only ZooKeeper's defaults can be honoured. */
function checkAdminDefault(r: ConfigReader, e: PropertyEntry, adminKey: string): void {
  const accepted = ADMIN_DEFAULTS_ONLY[adminKey];
  if (accepted !== e.value.toLowerCase()) {
    r.fail(e, `${adminKey} is not supported by zkts (its AdminServer is plain HTTP/1.1)${accepted !== undefined ? `; only ${accepted} is accepted` : ""}`);
  }
}
