/**
 * zkts-server as a member of an ensemble: the zoo.cfg turned into a @zkts/quorum QuorumPeer on real sockets
 * (election port, quorum port, NodeStorage in dataDir), its client port (@zkts/nio-cnxn), autopurge, and the
 * AdminServer's view of the quorum. The member's life (election, ZAB, serving periods, forwarding, sync, read-only
 * mode, snapshots) is the QuorumPeer's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger, Random } from "@zkts/contracts";
import { parseQuorumConfig, type QuorumVerifier } from "@zkts/election";
import { MetricsRegistry } from "@zkts/metrics";
import { startPauseMonitor, startServer, type QuorumView, type RunningServer } from "@zkts/nio-cnxn";
import { NodeStorage, snapshotDigestOffThread, type Storage } from "@zkts/persistence";
import { ElectionPortError, openNodeQuorumPeer } from "@zkts/quorum";
import { dialPlain, QuorumTls } from "@zkts/tls";
import { epochOf } from "@zkts/zab";
import { DynamicConfigFiles, quorumPairs, type ZkConfig } from "./config.js";
import { dirSizesOf } from "./dir-sizes.js";
import { createSystemClock, cryptoRandom } from "./env.js";
import { checkDataDirs, ElectionPortBindError } from "./exit-codes.js";
import { QuorumSasl } from "./quorum-sasl.js";
import { autoPurgeOf, clientPortTlsOptions, confMap, coreInit, UnsupportedConfigError, type RunningZkts } from "./run.js";

export interface EnsembleRunOptions {
  logger: Logger;
  storage?: Storage;
  /** For the snapshot interval (default cryptoRandom; tests inject `seededRandom` from @zkts/contracts/testing). */
  random?: Pick<Random, "next">;
  /** The server's metrics (default: a new registry); every component records into it, mntr prints it. */
  metrics?: MetricsRegistry;
  /**
   * The member's host loop failed (a storage error) and it stopped working. Default: exit the process with 1, as
   * ZooKeeper does; an in-process host (@zkts/testing) shuts the member down instead.
   */
  onFatal?: (error: unknown) => void;
}

/**
 * The members' TLS (QuorumX509Util): a QuorumTls reading the `ssl.quorum.*` stores, or undefined without
 * sslQuorum / portUnification. Refused peers are counted by it and logged here.
 */
function quorumTlsOf(cfg: ZkConfig, log: Logger): QuorumTls | undefined {
  const q = cfg.quorumTls;
  if (q === undefined) return undefined;
  const t: QuorumTls = new QuorumTls(q.settings, {
    dialTls: q.sslQuorum,
    portUnification: q.portUnification || !q.sslQuorum,
    reloadCertFiles: q.reloadCertFiles,
    onFailure: (side, remote, why) => log.warn("quorum TLS: peer refused", { side, remote, why, failures: t.failures }),
    onReload: (error) => (error === undefined ? log.info("quorum TLS: reloaded the key and trust stores", {}) : log.error("quorum TLS: could not reload the stores; keeping the previous ones", { error })),
  });
  log.info("quorum TLS", { sslQuorum: q.sslQuorum, portUnification: q.portUnification, reloadCertFiles: q.reloadCertFiles });
  return t;
}

/**
 * SASL DIGEST-MD5 between members (`quorum.auth.enableSasl=true`), or undefined. Failed logins are counted by it
 * and logged here.
 */
function quorumSaslOf(cfg: ZkConfig, log: Logger): QuorumSasl | undefined {
  const q = cfg.quorumSasl;
  if (q === undefined) return undefined;
  const s: QuorumSasl = new QuorumSasl(q, {
    failed: (side, remote, why) => log.warn("quorum SASL: authentication failed", { side, remote, why, failures: s.failures, required: side === "accepted" ? q.serverRequire : q.learnerRequire }),
    succeeded: (side, remote, user) => log.debug("quorum SASL: authenticated", { side, remote, user }),
  });
  log.info("quorum SASL", { learnerRequireSasl: q.learnerRequire, serverRequireSasl: q.serverRequire, source: q.source });
  return s;
}

/** Reads `<dataDir>/myid` (a decimal server id), as QuorumPeerConfig does. */
export function readMyId(dataDir: string): bigint {
  let text: string;
  try {
    text = readFileSync(join(dataDir, "myid"), "utf8");
  } catch (e) {
    throw new UnsupportedConfigError(`${join(dataDir, "myid")} file is missing (${(e as Error).message}); it must hold this server's id`);
  }
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new UnsupportedConfigError(`${join(dataDir, "myid")} must hold a server id, got "${t}"`);
  return BigInt(t);
}

/**
 * The quorum verifier of the server.N lines and the group/weight lines: a QuorumHierarchical when any are given,
 * else a majority (same text on every member: it travels in NEWLEADER/notifications).
 */
export function quorumOf(cfg: ZkConfig): QuorumVerifier {
  return parseQuorumConfig([...quorumPairs(cfg.servers, cfg.quorumGroups), ["version", cfg.configVersion.toString(16)]]);
}

/**
 * The member's config files, next to the zoo.cfg it was started with (QuorumPeer's configFilename). At start-up
 * `<zoo.cfg>.dynamic.next` is removed whatever reconfigEnabled says (runFromConfig -> setQuorumVerifier(qv, false):
 * the committed config is the last seen one, and `.next` goes; the config parsed from it, if any, was read before
 * and becomes the last seen config again). With reconfigEnabled: zoo.cfg.bak when the server lines are still in
 * zoo.cfg (QuorumPeerConfig.backupOldConfig); `onCommitted` writes zoo.cfg.dynamic.<version> and rewrites zoo.cfg
 * when a newer config is committed, removing `.next` when that config is the last seen one
 * (QuorumPeer.setQuorumVerifier); `onSeen` writes `.next` when a newer config is seen proposed
 * (QuorumPeer.setLastSeenQuorumVerifier(qv, true)). `lastSeen` is the last seen config the peer starts with.
 */
function configFilesOf(
  cfg: ZkConfig,
  myid: bigint,
  quorum: QuorumVerifier,
  log: Logger,
): { lastSeen?: QuorumVerifier; onCommitted?: (qv: QuorumVerifier) => void; onSeen?: (qv: QuorumVerifier) => void } {
  if (cfg.configFile === undefined) return {};
  const files = new DynamicConfigFiles(cfg.configFile);
  try {
    files.removeNext();
  } catch (e) {
    log.warn("could not remove the next dynamic config file", { file: files.nextFileName, error: (e as Error).message });
  }
  if (!cfg.reconfigEnabled) return {};
  if (cfg.dynamicConfigFile === undefined) files.backupOldConfig();
  // QuorumPeer.setLastSeenQuorumVerifier at start-up; ConfigVersions takes `.next`'s config when it is newer
  const next = cfg.nextDynamicConfig;
  let lastSeenVersion = next !== undefined && next.version > quorum.version ? next.version : quorum.version;
  return {
    ...(next !== undefined ? { lastSeen: next } : {}),
    onCommitted: (qv) => {
      if (qv.version > lastSeenVersion) lastSeenVersion = qv.version;
      try {
        files.commit(qv.toString(), qv.version, qv.allMembers.get(myid)?.clientAddr !== undefined, qv.version === lastSeenVersion);
        log.info("config files written", { dynamicConfigFile: files.dynamicFileName(qv.version) });
      } catch (e) {
        // QuorumPeer.setQuorumVerifier logs the IOException and goes on
        log.error("could not write the config files", { error: (e as Error).message });
      }
    },
    onSeen: (qv) => {
      lastSeenVersion = qv.version;
      try {
        files.writeNext(qv.toString());
        log.info("next dynamic config file written", { file: files.nextFileName, version: qv.version.toString(16) });
      } catch (e) {
        // setLastSeenQuorumVerifier: "Error writing next dynamic config file to disk", and goes on
        log.error("could not write the next dynamic config file", { error: (e as Error).message });
      }
    },
  };
}

/** Whether zoo.cfg (kept as a system property) or SERVER_JVMFLAGS/JVMFLAGS enable read-only mode. */
export function readOnlyModeEnabled(cfg: ZkConfig, env: NodeJS.ProcessEnv = process.env): boolean {
  const v = cfg.systemProperties["zookeeper.readonlymode.enabled"] ?? cfg.systemProperties["readonlymode.enabled"];
  if (v !== undefined) return v.trim() === "true";
  for (const flags of [env.SERVER_JVMFLAGS, env.JVMFLAGS]) {
    const m = /(?:^|\s)-Dreadonlymode\.enabled=(\S+)/.exec(flags ?? "");
    if (m) return m[1] === "true";
  }
  return false;
}

export async function runEnsemble(cfg: ZkConfig, opts: EnsembleRunOptions): Promise<RunningZkts> {
  const log = opts.logger;
  if (cfg.txnLogWorker) {
    // A setting zkts cannot honour stops start-up: the member's store logs on the main thread.
    throw new UnsupportedConfigError(
      "zkts.txnLogWorker=true (or ZKTS_TXNLOG_WORKER) is for a standalone server only: an ensemble member writes its txn log on the main thread",
    );
  }
  const myid = readMyId(cfg.dataDir);
  const me = cfg.servers.find((s) => s.id === myid);
  if (me === undefined) throw new UnsupportedConfigError(`myid is ${myid} but there is no server.${myid} line`);
  const quorum = quorumOf(cfg);
  const configFiles = configFilesOf(cfg, myid, quorum, log);
  // QuorumPeer.processReconfig: a committed config that gives this member another client address moves the
  // client port listener there (ServerCnxnFactory.reconfigure); set once the listener runs.
  let moveClientPort: ((qv: QuorumVerifier) => void) | undefined;
  const onConfigCommitted = (qv: QuorumVerifier) => {
    configFiles.onCommitted?.(qv);
    moveClientPort?.(qv);
  };
  const clientPort = me.clientPort ?? cfg.clientPort;
  if (clientPort === undefined) throw new UnsupportedConfigError(`no clientPort (zoo.cfg clientPort or server.${myid}=...;port)`);
  const tickTime = cfg.tickTime;
  const initLimit = cfg.initLimit ?? 10;
  const syncLimit = cfg.syncLimit ?? 5;
  if (opts.storage === undefined) checkDataDirs(cfg.dataDir, cfg.dataLogDir);
  const storage = opts.storage ?? new NodeStorage();
  const metrics = opts.metrics ?? new MetricsRegistry();
  const clock = createSystemClock();
  const conf = confMap(cfg, clientPort);
  conf.serverId = String(myid);
  conf.initLimit = String(initLimit);
  conf.syncLimit = String(syncLimit);
  conf.electionAlg = "3";
  conf.electionPort = String(me.electionPort);
  conf.quorumPort = String(me.quorumPort);
  conf.peerType = me.role === "observer" ? "1" : "0";

  // quorum TLS (sslQuorum / portUnification) and SASL: the election and learner connections get their sockets here
  const quorumTls = quorumTlsOf(cfg, log);
  const quorumSasl = quorumSaslOf(cfg, log);
  const learnerSockets = quorumSasl !== undefined ? quorumSasl.learnerSockets(quorumTls, dialPlain) : quorumTls;

  let member;
  try {
    member = await openNodeQuorumPeer({
      init: {
        sid: myid,
        quorum,
        tickTime,
        initLimit,
        syncLimit,
        server: coreInit(cfg, conf, Number(myid)),
        tree: { digestEnabled: cfg.digestEnabled, extendedTypesEnabled: cfg.extendedTypesEnabled, skipACL: cfg.skipACL },
        readOnlyMode: readOnlyModeEnabled(cfg),
        reconfigEnabled: cfg.reconfigEnabled,
        ...(configFiles.lastSeen !== undefined ? { lastSeenQuorum: configFiles.lastSeen } : {}),
        standaloneEnabled: cfg.standaloneEnabled,
        store: {
          dataDir: cfg.dataDir,
          dataLogDir: cfg.dataLogDir,
          forceSync: cfg.forceSync,
          preAllocSize: cfg.preAllocSize * 1024,
          snapCount: cfg.snapCount,
          snapshotFormat: cfg.snapshotFormat,
        },
      },
      env: {
        clock,
        random: { next: () => (opts.random ?? cryptoRandom).next(), bytes: (n) => cryptoRandom.bytes(n) },
        logger: log,
        metrics,
        storage,
        // a snapshot's node digests summed by a worker thread while the tree is restored (the real file system only)
        ...(cfg.digestEnabled && opts.storage === undefined ? { snapshotDigester: snapshotDigestOffThread } : {}),
        electionLogger: {
          debug: (m, f) => log.debug(`election: ${m}`, f),
          info: (m, f) => log.debug(`election: ${m}`, f),
          warn: (m, f) => log.debug(`election: ${m}`, f),
          error: (m, f) => log.warn(`election: ${m}`, f),
        },
        onFatal: opts.onFatal ?? (() => process.exit(1)),
        onConfigCommitted,
        ...(configFiles.onSeen !== undefined ? { onConfigSeen: configFiles.onSeen } : {}),
      },
      quorumAddr: { host: me.host, port: me.quorumPort },
      ...(quorumTls !== undefined ? { electionSockets: quorumTls } : {}),
      ...(quorumSasl !== undefined ? { electionAuth: quorumSasl.electionAuth() } : {}),
      ...(learnerSockets !== undefined ? { learnerSockets } : {}),
    });
  } catch (e) {
    quorumTls?.close();
    if (e instanceof ElectionPortError) throw new ElectionPortBindError(e.message);
    throw e;
  }
  const peer = member.peer;

  let net: RunningServer;
  try {
    net = await startServer({
      host: cfg.clientPortAddress ?? me.clientHost,
      port: clientPort,
      core: peer.clientPort,
      maxClientCnxns: cfg.maxClientCnxns,
      maxBuffer: cfg.juteMaxBuffer,
      globalOutstandingLimit: cfg.globalOutstandingLimit,
      fourLetterWhitelist: cfg.fourLetterWhitelist,
      logger: log,
      metrics,
      dirSizes: dirSizesOf(storage, cfg.dataDir, cfg.dataLogDir),
      ...clientPortTlsOptions(cfg, cfg.clientPortAddress ?? me.clientHost),
    });
  } catch (e) {
    await member.close();
    quorumTls?.close();
    throw e;
  }
  conf.clientPort = String(net.port);
  let clientHost = cfg.clientPortAddress ?? me.clientHost;
  moveClientPort = (qv) => {
    const next = qv.allMembers.get(myid)?.clientAddr;
    if (next === undefined || (next.port === net.port && next.host === (clientHost ?? "0.0.0.0"))) return;
    log.info("client address changed by a reconfig", { from: `${clientHost ?? "0.0.0.0"}:${net.port}`, to: `${next.host}:${next.port}` });
    clientHost = next.host;
    void net.reconfigure(next.host, next.port).then(() => {
      conf.clientPort = String(net.port);
    });
  };
  if (net.securePort !== undefined) conf.secureClientPort = String(net.securePort);
  // DatadirCleanupManager, as on a standalone server.
  const autoPurge = autoPurgeOf(cfg, storage, clock, log);
  autoPurge.start();
  // QuorumPeerMain starts the JvmPauseMonitor when jvm.pause.monitor=true.
  const pauseMonitor = cfg.jvmPauseMonitor === undefined ? undefined : startPauseMonitor(metrics, { ...cfg.jvmPauseMonitor, logger: log });

  peer.start();
  log.info("ensemble member started", {
    myid: String(myid),
    servers: cfg.servers.length,
    quorumPort: me.quorumPort,
    electionPort: me.electionPort,
    role: me.role,
    epochs: `${peer.store.acceptedEpoch}/${peer.store.currentEpoch}`,
    lastZxid: `0x${peer.zab.lastZxid.toString(16)}`,
    epochOfLastZxid: String(epochOf(peer.zab.lastZxid)),
  });

  let stopped: Promise<void> | undefined;
  return {
    get port() {
      return net.port;
    },
    get address() {
      return net.address;
    },
    get core() {
      return peer.serving;
    },
    net,
    store: undefined as never,
    metrics,
    quorum(): QuorumView | undefined {
      if (peer.mode === "looking" && peer.lastElectedLeader === undefined) return undefined;
      const addr = (h: string, p: number) => `${h}:${p}`;
      const leaderId = peer.leader;
      const leaderSpec = leaderId === undefined ? undefined : cfg.servers.find((x) => x.id === leaderId);
      return {
        myid: Number(myid),
        isLeader: peer.mode === "leader",
        leaderId: leaderSpec === undefined ? undefined : Number(leaderSpec.id),
        leaderAddress: leaderSpec === undefined ? undefined : addr(leaderSpec.host, leaderSpec.quorumPort),
        quorumAddress: addr(me.host, me.quorumPort),
        electionAddress: addr(me.host, me.electionPort),
        clientAddress: addr(clientHost ?? "0.0.0.0", net.port),
        voting: me.role === "participant",
        zabState: peer.zab.zabState,
        votingView: cfg.servers
          .filter((x) => x.role === "participant")
          .map((x) => ({
            sid: Number(x.id),
            serverAddresses: [addr(x.host, x.quorumPort)],
            electionAddresses: [addr(x.host, x.electionPort)],
            clientAddress: x.clientPort === undefined ? "" : addr(x.clientHost ?? "0.0.0.0", x.clientPort),
            learnerType: "participant" as const,
          })),
      };
    },
    isolate(on: boolean) {
      member.isolate(on);
    },
    shutdown() {
      stopped ??= (async () => {
        pauseMonitor?.stop();
        await peer.shutdown();
        await net.close();
        await member.close();
        quorumTls?.close();
        await autoPurge.stop();
      })();
      return stopped;
    },
  };
}
