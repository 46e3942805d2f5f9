/**
 * QuorumPeerConfig's own values, typed with ZooKeeper's defaults: ticks and limits, directories, client ports,
 * session timeouts, autopurge, the election algorithm, the peer type and the ensemble flags.
 */
import type { ConfigReader } from "./reader.js";
import type { ServerSpec, ZkConfig } from "./types.js";

/** The values read before the sub-configurations (in the order QuorumPeerConfig reports their problems). */
export type PeerValues = Pick<
  ZkConfig,
  | "tickTime"
  | "dataDir"
  | "dataLogDir"
  | "clientPort"
  | "secureClientPort"
  | "clientPortAddress"
  | "maxClientCnxns"
  | "minSessionTimeout"
  | "maxSessionTimeout"
  | "autopurgeSnapRetainCount"
  | "autopurgePurgeInterval"
  | "electionAlg"
  | "peerType"
  | "skipACL"
>;

export function readPeer(r: ConfigReader): PeerValues {
  const tickTime = r.int("tickTime", 2000, "positive")!;
  const dataDir = r.str("dataDir");
  if (dataDir === undefined && !r.has("dataDir")) r.problems.push(`${r.file}: dataDir is not set`);
  const dataLogDir = r.str("dataLogDir") ?? dataDir ?? "";
  const clientPort = r.int("clientPort", undefined, "port");
  const secureClientPort = r.int("secureClientPort", undefined, "port");
  const clientPortAddress = r.str("clientPortAddress");
  // QuorumPeerConfig.parseProperties: a client address without a client port is refused.
  if (clientPort === undefined && clientPortAddress !== undefined) r.fail(r.get("clientPortAddress")!, "clientPortAddress is set but clientPort is not set");
  const maxClientCnxns = r.int("maxClientCnxns", 60, "nonNegative")!;
  const [minSessionTimeout, maxSessionTimeout] = readSessionTimeouts(r, tickTime);
  const autopurgeSnapRetainCount = readSnapRetainCount(r);
  const autopurgePurgeInterval = r.int("autopurge.purgeInterval", 0, "nonNegative")!;
  const electionAlg = r.int("electionAlg", 3, "any")!;
  if (electionAlg !== 3 && r.has("electionAlg")) {
    r.fail(r.get("electionAlg")!, `electionAlg must be 3 (the only algorithm ZooKeeper 3.8 supports), got "${electionAlg}"`);
  }
  return {
    tickTime,
    dataDir: dataDir ?? "",
    dataLogDir,
    clientPort,
    secureClientPort,
    clientPortAddress,
    maxClientCnxns,
    minSessionTimeout,
    maxSessionTimeout,
    autopurgeSnapRetainCount,
    autopurgePurgeInterval,
    electionAlg,
    peerType: readPeerType(r),
    skipACL: readSkipAcl(r),
  };
}

/** min/maxSessionTimeout: -1 (the default) means 2 x and 20 x tickTime; min must not exceed max. */
function readSessionTimeouts(r: ConfigReader, tickTime: number): [number, number] {
  const minSessionTimeout = r.int("minSessionTimeout", -1, "any")!;
  const maxSessionTimeout = r.int("maxSessionTimeout", -1, "any")!;
  const minST = minSessionTimeout === -1 ? tickTime * 2 : minSessionTimeout;
  const maxST = maxSessionTimeout === -1 ? tickTime * 20 : maxSessionTimeout;
  if (minST > maxST) {
    const e = r.get("minSessionTimeout") ?? r.get("maxSessionTimeout")!;
    r.fail(e, `minSessionTimeout (${minST}) must not be larger than maxSessionTimeout (${maxST})`);
  }
  return [minST, maxST];
}

/** autopurge.snapRetainCount: below 3 is raised to 3 with a warning (DatadirCleanupManager). */
function readSnapRetainCount(r: ConfigReader): number {
  const snapRetain = r.int("autopurge.snapRetainCount", 3, "any")!;
  if (snapRetain >= 3) return snapRetain;
  const e = r.get("autopurge.snapRetainCount")!;
  r.warnings.push(`${r.at(e)}: autopurge.snapRetainCount ${snapRetain} is below the minimum 3; using 3`);
  return 3;
}

function readPeerType(r: ConfigReader): "participant" | "observer" {
  const pt = r.get("peerType");
  if (pt === undefined) return "participant";
  if (pt.value.toLowerCase() === "observer") return "observer";
  if (pt.value.toLowerCase() !== "participant") r.fail(pt, `peerType must be participant or observer, got "${pt.value}"`);
  return "participant";
}

/** skipACL (zookeeper.skipACL): "yes" or "true" skips ACL checks. */
function readSkipAcl(r: ConfigReader): boolean {
  const e = r.get("skipACL");
  if (e === undefined) return false;
  const v = e.value.toLowerCase();
  if (v === "yes" || v === "true") return true;
  if (v !== "no" && v !== "false") r.fail(e, `skipACL must be yes or no, got "${e.value}"`);
  return false;
}

/** The limits and sizes read after the key tables (their problems come after those). */
export type PeerLimits = Pick<
  ZkConfig,
  | "juteMaxBuffer"
  | "initLimit"
  | "syncLimit"
  | "autopurgePurgeIntervalMs"
  | "snapCount"
  | "snapshotFormat"
  | "txnLogWorker"
  | "preAllocSize"
  | "globalOutstandingLimit"
>;

const SNAPSHOT_FORMATS = ["zkts", "zookeeper"] as const;

/** `ZKTS_TXNLOG_WORKER` (true/yes/1) in the environment: the default of zoo.cfg's `zkts.txnLogWorker`. */
export const TXNLOG_WORKER_ENV = "ZKTS_TXNLOG_WORKER";

export function readLimits(r: ConfigReader, env: Readonly<Record<string, string | undefined>> = {}): PeerLimits {
  const workerEnv = env[TXNLOG_WORKER_ENV]?.trim().toLowerCase();
  return {
    juteMaxBuffer: r.int("jute.maxbuffer", 0xfffff, "positive")!,
    initLimit: r.int("initLimit", undefined, "positive"),
    syncLimit: r.int("syncLimit", undefined, "positive"),
    autopurgePurgeIntervalMs: r.int("zkts.autopurge.purgeIntervalMs", undefined, "nonNegative"),
    snapCount: r.int("snapCount", 100000, "positive")!,
    snapshotFormat: r.choice("snapshot.format", SNAPSHOT_FORMATS) ?? "zkts",
    txnLogWorker: r.bool("zkts.txnLogWorker", workerEnv === "true" || workerEnv === "yes" || workerEnv === "1"),
    preAllocSize: r.int("preAllocSize", 65536, "positive")!,
    globalOutstandingLimit: r.int("globalOutstandingLimit", 1000, "any")!,
  };
}

/**
 * QuorumPeerConfig.isDistributed: server lines are present and either standaloneEnabled=false or more than one of
 * them is a participant. (An invalid standaloneEnabled is reported here and again by {@link readPeerFlags}, as
 * before the split.)
 */
export function isDistributed(r: ConfigReader, servers: readonly ServerSpec[]): boolean {
  return servers.length > 0 && (!r.bool("standaloneEnabled", true) || servers.filter((s) => s.role === "participant").length > 1);
}

export type PeerFlags = Pick<ZkConfig, "syncEnabled" | "reconfigEnabled" | "standaloneEnabled" | "localSessionsEnabled">;

export function readPeerFlags(r: ConfigReader): PeerFlags {
  return {
    syncEnabled: r.bool("syncEnabled", true),
    reconfigEnabled: r.bool("reconfigEnabled", false),
    standaloneEnabled: r.bool("standaloneEnabled", true),
    localSessionsEnabled: r.bool("localSessionsEnabled", false),
  };
}

/** The data tree's switches (system properties in ZooKeeper). */
export type TreeFeatures = Pick<ZkConfig, "extendedTypesEnabled" | "enforceQuota" | "digestEnabled" | "containerCheckIntervalMs">;

export function readTreeFeatures(r: ConfigReader): TreeFeatures {
  return {
    extendedTypesEnabled: r.bool("extendedTypesEnabled", false),
    enforceQuota: r.bool("enforceQuota", false),
    digestEnabled: r.bool("digest.enabled", true),
    containerCheckIntervalMs: r.int("znode.container.checkIntervalMs", 60000, "positive")!,
  };
}
