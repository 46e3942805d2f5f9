import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Clock, Logger, Random } from "@zkts/contracts";
import { ZooKeeperServer, type ServerInit } from "@zkts/core";
import { DataTree } from "@zkts/datatree";
import { MetricsRegistry } from "@zkts/metrics";
import { startPauseMonitor, startServer, type QuorumView, type RunningServer, type StartServerOptions } from "@zkts/nio-cnxn";
import { AutoPurge, DurableStore, NodeStorage, WorkerTxnLog, snapshotDigestOffThread, type Storage } from "@zkts/persistence";
import type { ZkConfig } from "./config.js";
import { dirSizesOf } from "./dir-sizes.js";
import { readMyId } from "./ensemble.js";
import { checkDataDirs } from "./exit-codes.js";
import { createSystemClock, cryptoRandom } from "./env.js";

/** Thrown for configurations zkts-server cannot run (yet). */
export class UnsupportedConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedConfigError";
  }
}

export interface RunOptions {
  logger: Logger;
  /** Overrides clientPort (tests use 0). */
  port?: number;
  /** Overrides clientPortAddress. */
  host?: string;
  /** Close connections that never send a connect request after this many ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Start even if the txn log is damaged mid-way or no snapshot is valid, losing what cannot be read. */
  acceptDataLoss?: boolean;
  /** Where dataDir/dataLogDir live (default: the real file system; tests inject a MemoryStorage). */
  storage?: Storage;
  /** For the snapshot interval (default cryptoRandom; tests inject `seededRandom` from @zkts/contracts/testing). */
  random?: Pick<Random, "next">;
  /** The server's metrics (default: a new registry); every component records into it, mntr prints it. */
  metrics?: MetricsRegistry;
}

export interface RunningZkts {
  readonly port: number;
  readonly address: string;
  readonly core: ZooKeeperServer;
  readonly net: RunningServer;
  readonly store: DurableStore;
  /** The one registry every component of this server records into. */
  readonly metrics: MetricsRegistry;
  /** An ensemble member's view of the quorum (AdminServer: leader, voting_view, zabstate); absent standalone. */
  quorum?(): QuorumView | undefined;
  /** An ensemble member only, for tests (@zkts/testing): cut it off the ensemble's quorum and election traffic, or heal. */
  isolate?(on: boolean): void;
  /**
   * Graceful stop: stop accepting, let in-flight requests finish (up to `drainMs`), close every session's
   * socket, stop timers.
   */
  shutdown(drainMs?: number): Promise<void>;
}

/**
 * The effective configuration as ZooKeeper's `conf` four-letter word prints it (the connection layer adds the
 * measured dataDirSize / dataLogSize after dataDir / dataLogDir).
 */
export function confMap(cfg: ZkConfig, clientPort: number): Record<string, string> {
  return {
    clientPort: String(clientPort),
    secureClientPort: String(cfg.secureClientPort ?? -1),
    dataDir: `${resolve(cfg.dataDir)}/version-2`,
    dataLogDir: `${resolve(cfg.dataLogDir)}/version-2`,
    tickTime: String(cfg.tickTime),
    maxClientCnxns: String(cfg.maxClientCnxns),
    minSessionTimeout: String(cfg.minSessionTimeout),
    maxSessionTimeout: String(cfg.maxSessionTimeout),
    clientPortListenBacklog: "-1",
    serverId: "0",
  };
}

/**
 * The client port's TLS options for startServer (secureClientPort / secureClientPortAddress, client.portUnification,
 * ssl.*): nothing when TLS is off. The secure port binds to secureClientPortAddress, else clientPortAddress's host.
 */
export function clientPortTlsOptions(cfg: ZkConfig, host: string | undefined): Pick<StartServerOptions, "tls" | "secure" | "portUnification"> {
  if (cfg.tls === undefined) return {};
  return {
    tls: { settings: cfg.tls, certReload: cfg.clientCertReload, outstandingHandshakeLimit: cfg.outstandingHandshakeLimit },
    ...(cfg.secureClientPort !== undefined ? { secure: { port: cfg.secureClientPort, host: cfg.secureClientPortAddress ?? host } } : {}),
    portUnification: cfg.clientPortUnification,
  };
}

/** The core's settings from a parsed zoo.cfg (standalone and ensemble members alike). */
export function coreInit(cfg: ZkConfig, conf: Record<string, string>, serverId: number): ServerInit {
  return {
    tickTime: cfg.tickTime,
    minSessionTimeout: cfg.minSessionTimeout,
    maxSessionTimeout: cfg.maxSessionTimeout,
    superDigest: cfg.superDigest,
    ...(cfg.x509AuthProvider ? { x509: cfg.x509SuperUser !== undefined ? { superUser: cfg.x509SuperUser } : {} } : {}),
    ...(cfg.sasl !== undefined
      ? { sasl: { users: cfg.sasl.users, allowFailedClients: cfg.sasl.allowFailedClients, ...(cfg.sasl.superUser !== undefined ? { superUser: cfg.sasl.superUser } : {}) } }
      : {}),
    saslAuthProvider: cfg.saslAuthProvider,
    ...(cfg.enforceAuthSchemes !== undefined ? { enforceAuthSchemes: cfg.enforceAuthSchemes } : {}),
    skipACL: cfg.skipACL,
    reconfigEnabled: cfg.reconfigEnabled,
    enforceQuota: cfg.enforceQuota,
    extendedTypesEnabled: cfg.extendedTypesEnabled,
    containerCheckIntervalMs: cfg.containerCheckIntervalMs,
    maxBuffer: cfg.juteMaxBuffer,
    digestEnabled: cfg.digestEnabled,
    serverId,
    config: conf,
  };
}

/**
 * The client address of a standalone server (QuorumPeerConfig.setupClientPort): clientPort/clientPortAddress, or,
 * when the config has server lines (one participant with standaloneEnabled, as ZooKeeper's Docker image writes it)
 * and dataDir holds a myid, the `;host:port` of this server's line. A clientPort that differs from that line's is a
 * configuration error, as in ZooKeeper.
 */
export function standaloneClientAddress(cfg: ZkConfig): { port?: number; host?: string } {
  const own = { port: cfg.clientPort, host: cfg.clientPortAddress };
  if (cfg.servers.length === 0 || !existsSync(join(cfg.dataDir, "myid"))) return own;
  const id = readMyId(cfg.dataDir);
  const spec = cfg.servers.find((s) => s.id === id);
  if (spec?.clientPort === undefined) return own;
  if (cfg.clientPort !== undefined && cfg.clientPort !== spec.clientPort) {
    throw new UnsupportedConfigError(
      `client address for this server (id = ${id}) in static config file is port ${cfg.clientPort}, ` +
        `different from the one in its server.${id} line: ${spec.clientPort}`,
    );
  }
  return { port: spec.clientPort, host: cfg.clientPortAddress ?? spec.clientHost };
}

/**
 * Autopurge from zoo.cfg (DatadirCleanupManager), standalone and ensemble alike: `autopurge.snapRetainCount`
 * snapshots kept, every `autopurge.purgeInterval` hours (or `zkts.autopurge.purgeIntervalMs` milliseconds when set);
 * off when the interval is 0.
 */
export function autoPurgeOf(cfg: ZkConfig, storage: Storage, clock: Pick<Clock, "setTimer" | "clearTimer">, logger: Logger): AutoPurge {
  return new AutoPurge({
    storage,
    dataDir: cfg.dataDir,
    dataLogDir: cfg.dataLogDir,
    snapRetainCount: cfg.autopurgeSnapRetainCount,
    intervalMs: cfg.autopurgePurgeIntervalMs ?? cfg.autopurgePurgeInterval * 3600_000,
    clock,
    logger,
  });
}

/** Wires the real clock, randomness and network around @zkts/core for a standalone server. */
export async function runStandalone(cfg: ZkConfig, opts: RunOptions): Promise<RunningZkts> {
  if (cfg.distributed) {
    throw new UnsupportedConfigError(
      `this zoo.cfg defines an ensemble (${cfg.servers.map((s) => `server.${s.id}`).join(", ")}): ` +
        "run it with runEnsemble (zkts-server does), not runStandalone",
    );
  }
  const client = standaloneClientAddress(cfg);
  const port = opts.port ?? client.port;
  if (port === undefined) throw new UnsupportedConfigError("clientPort is not set (zkts-server serves secureClientPort beside a clientPort)");
  const log = opts.logger;
  if (opts.storage === undefined) checkDataDirs(cfg.dataDir, cfg.dataLogDir);
  const storage = opts.storage ?? new NodeStorage();
  const metrics = opts.metrics ?? new MetricsRegistry();
  const clock = createSystemClock();
  // core keeps this object for `conf`; clientPort is filled in once the port is bound (it may be 0 here).
  const conf = confMap(cfg, port);
  const tree = new DataTree({
    digestEnabled: cfg.digestEnabled,
    extendedTypesEnabled: cfg.extendedTypesEnabled,
    skipACL: cfg.skipACL,
    metrics,
  });
  const restoreStart = Date.now();
  const store = await DurableStore.open({
    storage,
    dataDir: cfg.dataDir,
    dataLogDir: cfg.dataLogDir,
    tree,
    snapCount: cfg.snapCount,
    snapshotFormat: cfg.snapshotFormat,
    // The worker writes through node:fs itself: only over the real file system (tests injecting a storage keep it).
    ...(cfg.txnLogWorker && opts.storage === undefined ? { openTxnLog: (dir: string, o: object) => WorkerTxnLog.open(dir, o) } : {}),
    // A snapshot's node digests are summed by a worker thread reading the same file while this one builds the tree.
    ...(cfg.digestEnabled && opts.storage === undefined ? { snapshotDigester: snapshotDigestOffThread } : {}),
    preAllocSize: cfg.preAllocSize * 1024,
    forceSync: cfg.forceSync,
    acceptDataLoss: opts.acceptDataLoss ?? false,
    logger: log,
    random: opts.random ?? cryptoRandom,
    clock,
    metrics,
  });
  log.info("data restored", {
    zxid: `0x${store.restored.zxid.toString(16)}`,
    nodes: tree.nodeCount(),
    sessions: store.sessions.size,
    replayed: store.restored.replayed,
    ms: Date.now() - restoreStart,
  });
  if (cfg.txnLogWorker) {
    if (opts.storage === undefined) log.info("txn log written by a worker thread (zkts.txnLogWorker=true)");
    else log.warn("zkts.txnLogWorker=true ignored: the data dirs are on an injected storage, not the file system");
  }
  if (!cfg.forceSync) log.warn("forceSync=no: acknowledged writes may be lost if the machine crashes");
  // Standalone ZooKeeper reports serverId=0 in `conf` but gives its session tracker sid 1 (session ids 0x01...).
  const core = new ZooKeeperServer(coreInit(cfg, conf, 1), {
    clock,
    random: cryptoRandom,
    logger: log,
    tree,
    txnLog: store,
    metrics,
  });
  for (const [id, timeout] of store.sessions) core.restoreSession(id, timeout);
  core.start();
  const autoPurge = autoPurgeOf(cfg, storage, clock, log);
  autoPurge.start();
  let net: RunningServer;
  try {
    net = await startServer({
      host: opts.host ?? client.host,
      port,
      core,
      maxClientCnxns: cfg.maxClientCnxns,
      maxBuffer: cfg.juteMaxBuffer,
      connectTimeoutMs: opts.connectTimeoutMs,
      globalOutstandingLimit: cfg.globalOutstandingLimit,
      fourLetterWhitelist: cfg.fourLetterWhitelist,
      logger: log,
      metrics,
      dirSizes: dirSizesOf(storage, cfg.dataDir, cfg.dataLogDir),
      ...clientPortTlsOptions(cfg, opts.host ?? client.host),
    });
  } catch (e) {
    await autoPurge.stop();
    await core.shutdown();
    await store.close();
    throw e;
  }
  conf.clientPort = String(net.port);
  if (net.securePort !== undefined) conf.secureClientPort = String(net.securePort);
  // ZooKeeperServerMain starts the JvmPauseMonitor when jvm.pause.monitor=true.
  const pauseMonitor = cfg.jvmPauseMonitor === undefined ? undefined : startPauseMonitor(metrics, { ...cfg.jvmPauseMonitor, logger: log });
  let stopping: Promise<void> | undefined;
  return {
    port: net.port,
    address: net.address,
    core,
    net,
    store,
    metrics,
    shutdown(drainMs = 5000) {
      stopping ??= (async () => {
        pauseMonitor?.stop();
        await net.stopAccepting();
        const deadline = Date.now() + drainMs;
        while (core.outstanding > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        if (core.outstanding > 0) log.warn("shutting down with requests still in flight", { outstanding: core.outstanding });
        await autoPurge.stop();
        await core.shutdown();
        await net.close();
        await store.close();
      })();
      return stopping;
    },
  };
}
