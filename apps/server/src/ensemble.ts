/**
 * zkts-server as a member of an ensemble: fast leader election (@zkts/election) on the election port, then ZAB
 * (@zkts/zab) as leader / follower / observer over the quorum port, the txn log and epoch files in dataDir, and
 * a @zkts/core server per serving period (created when ZAB is active, aborted when it loses its leader/quorum).
 *
 * Host loop for each ZAB Ready: persist (durably) -> send -> apply committed txns -> events -> advance.
 *
 * Over the ~600-line rule (issue 11) on purpose, for now: this closure is what issue 12 takes apart into the pure,
 * simulated `QuorumPeer` of a `@zkts/quorum` package (roles, forwarding, session tracking, sync, read-only mode),
 * leaving apps/server with config and wiring. Splitting it into app modules first would be done twice.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger, Random, ServerConnection, ServerInfo } from "@zkts/contracts";
import { encodeTxn, ZooKeeperServer, type TxnListener, type TxnLogPort } from "@zkts/core";
import { DataTree } from "@zkts/datatree";
import { ElectionPeer, parseQuorumConfig, ServerState, type QuorumVerifier } from "@zkts/election";
import { InputArchive, OutputArchive } from "@zkts/jute";
import { MetricsRegistry } from "@zkts/metrics";
import { startServer, type QuorumView, type RunningServer } from "@zkts/nio-cnxn";
import { dialPlain, QuorumTls } from "@zkts/tls";
import { QuorumSasl } from "./quorum-sasl.js";
import { NodeStorage, TxnType, type Storage } from "@zkts/persistence";
import { epochOf, makeZxid, PacketType, ZabPeer, type Packet, type Ready } from "@zkts/zab";
import { quorumPairs, type ZkConfig } from "./config.js";
import { dirSizesOf } from "./dir-sizes.js";
import { decodeTxn, EnsembleStore } from "./ensemble-store.js";
import { createSystemClock, cryptoRandom } from "./env.js";
import { checkDataDirs, ElectionPortBindError } from "./exit-codes.js";
import { autoPurgeOf, clientPortTlsOptions, confMap, coreInit, UnsupportedConfigError, type RunningZkts } from "./run.js";
import { copyTree, readOnlyModeEnabled, ReadOnlyServer } from "./readonly.js";

export interface EnsembleRunOptions {
  logger: Logger;
  storage?: Storage;
  /** For the snapshot interval (default cryptoRandom; tests inject `seededRandom` from @zkts/contracts/testing). */
  random?: Pick<Random, "next">;
  /** The server's metrics (default: a new registry); every component records into it, mntr prints it. */
  metrics?: MetricsRegistry;
}

type Mode = "looking" | "leader" | "follower" | "observer";

/** TxnHeader: long clientId, int cxid, long zxid, long time, then int type. */
const TXN_TYPE_OFFSET = 28;

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
  return parseQuorumConfig(quorumPairs(cfg.servers, cfg.quorumGroups));
}

/** REQUEST payload: long sessionId, int cxid, int type, then (zkts) the auth ids, then the request body. */
function encodeRequest(sessionId: bigint, cxid: number, type: number, authInfo: readonly { scheme: string; id: string }[], body: Buffer): Buffer {
  const out = new OutputArchive(64 + body.length);
  out.writeLong(sessionId);
  out.writeInt(cxid);
  out.writeInt(type);
  out.writeInt(authInfo.length);
  for (const a of authInfo) {
    out.writeString(a.scheme);
    out.writeString(a.id);
  }
  out.writeBuffer(body);
  return out.toBuffer();
}

function decodeRequest(data: Buffer) {
  const inp = new InputArchive(data);
  const sessionId = inp.readLong();
  const cxid = inp.readInt();
  const type = inp.readInt();
  const n = inp.readInt();
  const authInfo: { scheme: string; id: string }[] = [];
  for (let i = 0; i < n; i++) authInfo.push({ scheme: inp.readString() ?? "", id: inp.readString() ?? "" });
  const body = inp.readBuffer() ?? Buffer.alloc(0);
  return { sessionId, cxid, type, authInfo, body };
}

export async function runEnsemble(cfg: ZkConfig, opts: EnsembleRunOptions): Promise<RunningZkts> {
  const log = opts.logger;
  const myid = readMyId(cfg.dataDir);
  const me = cfg.servers.find((s) => s.id === myid);
  if (me === undefined) throw new UnsupportedConfigError(`myid is ${myid} but there is no server.${myid} line`);
  const quorum = quorumOf(cfg);
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

  const tree = new DataTree({ digestEnabled: cfg.digestEnabled, extendedTypesEnabled: cfg.extendedTypesEnabled, skipACL: cfg.skipACL, metrics });
  const store = await EnsembleStore.open({
    metrics,
    storage,
    dataDir: cfg.dataDir,
    dataLogDir: cfg.dataLogDir,
    tree,
    forceSync: cfg.forceSync,
    preAllocSize: cfg.preAllocSize * 1024,
    snapCount: cfg.snapCount,
    random: opts.random ?? cryptoRandom,
    logger: log,
  });
  const zab = new ZabPeer(
    { sid: myid, quorum, initLimit, syncLimit, quorumVerifierBytes: Buffer.from(quorum.toString()) },
    { acceptedEpoch: store.acceptedEpoch, currentEpoch: store.currentEpoch, snapshotZxid: store.snapshotZxid, log: store.restoredLog },
    { metrics },
  );

  let mode: Mode = "looking";
  let core: ZooKeeperServer | undefined;
  let stopping = false;
  /**
   * Leader: the current core's txn log port. Its txns are proposed through ZAB; the core hears, once per Ready,
   * up to which zxid its proposals are committed (and applies and answers them then).
   */
  let leaderListener: TxnListener | undefined;
  /** Leader: the first and last zxids the current core proposed (0: none). */
  let leaderFirst = 0n;
  let leaderProposed = 0n;
  const leaderPort: TxnLogPort = {
    logTxn(hdr, txn) {
      const z = zab.propose(encodeTxn(hdr, txn));
      if (z !== hdr.zxid) {
        log.error("zxid mismatch between core and ZAB: stepping down", { core: hdr.zxid.toString(16), zab: z.toString(16) });
        zab.stop("zxid mismatch");
      }
      if (leaderFirst === 0n) leaderFirst = z;
      leaderProposed = z;
      kick();
    },
    setTxnListener(l) {
      leaderListener = l;
    },
  };
  /** Learner: syncs answered by the leader, waiting until we applied its zxid. */
  let pendingSyncs: Array<{ sessionId: bigint; cxid: number; zxid: bigint }> = [];
  let learnerConn: number | undefined;
  /** A snapshot being written in the background (at most one). */
  let snapshotting: Promise<void> | undefined;

  /** srvr/stat/mntr: the role once serving, "looking" until then (ZooKeeper: "not currently serving"). */
  const modeName = (): string => (core === undefined ? (ro !== undefined ? "read-only" : "looking") : mode);
  /** Read-only mode (readonlymode.enabled): the period's server while looking, over a copy of the tree. */
  const roEnabled = readOnlyModeEnabled(cfg);
  let ro: ReadOnlyServer | undefined;
  let roGen = 0;
  const baseInit = coreInit(cfg, conf, Number(myid));
  // Answers 4lw while no core serves (srvr: Mode: looking); never started.
  const idle = new ZooKeeperServer({ ...baseInit, serverState: "looking" }, { clock, random: cryptoRandom, logger: log, tree, metrics });

  // ---- the client port: one listener, requests go to the core of the current serving period -------------
  const switcher = {
    handleConnect(conn: ServerConnection, payload: Buffer) {
      if (core === undefined) {
        if (ro !== undefined) ro.handleConnect(conn, payload);
        else conn.close("not serving: this member has no leader/quorum");
        return;
      }
      core.handleConnect(conn, payload);
    },
    handlePacket(conn: ServerConnection, payload: Buffer) {
      if (core === undefined) {
        if (ro !== undefined) ro.handlePacket(conn, payload);
        else conn.close("not serving");
        return;
      }
      core.handlePacket(conn, payload);
    },
    connectionClosed(conn: ServerConnection) {
      core?.connectionClosed(conn);
      ro?.connectionClosed(conn);
    },
    get outstanding() {
      return (core ?? ro?.core)?.outstanding ?? 0;
    },
    onOutstandingDrained: undefined as (() => void) | undefined,
    info: undefined as unknown as ServerInfo,
  };
  const infoOf = () => (core ?? ro?.core ?? idle).info;
  // The leader's gauges (LeaderZooKeeperServer.registerMetrics), read by mntr; left out while not leading.
  const syncedLearners = (): bigint[] | undefined =>
    mode === "leader" && core !== undefined ? zab.syncedLearners().filter((sid) => sid !== myid) : undefined;
  metrics.gauge("learners", () => syncedLearners()?.length);
  metrics.gauge("synced_followers", () => syncedLearners()?.filter((sid) => quorum.votingMembers.has(sid)).length);
  metrics.gauge("synced_observers", () => syncedLearners()?.filter((sid) => !quorum.votingMembers.has(sid)).length);
  switcher.info = new Proxy({} as ServerInfo, {
    get(_t, prop) {
      if (prop === "serverState") return modeName();
      // QuorumZooKeeperServer.dumpMonitorValues: mntr's zk_peer_state
      // QuorumPeer.getDetailedPeerState: the peer state, then the ZAB phase unless electing ("leading - broadcast").
      if (prop === "peerState") return zab.zabState === "election" ? zab.role : `${zab.role} - ${zab.zabState}`;
      if (prop === "isReadOnly") return core === undefined && ro !== undefined;
      const i = infoOf() as unknown as Record<string | symbol, unknown>;
      const v = i[prop];
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(i) : v;
    },
    has(_t, prop) {
      return prop in infoOf();
    },
  });

  const net: RunningServer = await startServer({
    host: cfg.clientPortAddress ?? me.clientHost,
    port: clientPort,
    core: switcher,
    maxClientCnxns: cfg.maxClientCnxns,
    maxBuffer: cfg.juteMaxBuffer,
    globalOutstandingLimit: cfg.globalOutstandingLimit,
    fourLetterWhitelist: cfg.fourLetterWhitelist,
    logger: log,
    metrics,
    dirSizes: dirSizesOf(storage, cfg.dataDir, cfg.dataLogDir),
    ...clientPortTlsOptions(cfg, cfg.clientPortAddress ?? me.clientHost),
  });
  conf.clientPort = String(net.port);
  // DatadirCleanupManager, as on a standalone server.
  const autoPurge = autoPurgeOf(cfg, storage, clock, log);
  autoPurge.start();
  if (net.securePort !== undefined) conf.secureClientPort = String(net.securePort);

  // ---- quorum TLS (sslQuorum / portUnification): the election and learner connections get their sockets here --
  const quorumTls = quorumTlsOf(cfg, log);
  const quorumSasl = quorumSaslOf(cfg, log);
  const learnerSockets = quorumSasl !== undefined ? quorumSasl.learnerSockets(quorumTls, dialPlain) : quorumTls;

  // ---- quorum transport -------------------------------------------------------------------------------------
  const { QuorumTransport } = await import("./quorum-transport.js");
  /** Learner connections accepted before this member decided to lead (conn -> accepted at). */
  const pendingAccepts = new Map<number, number>();
  const heldPackets: Array<{ conn: number; p: Packet }> = [];
  const transport = new QuorumTransport({
    accepted(conn) {
      if (zab.role !== "leading") {
        // A learner that decided faster than we did: held until our own decision (LearnerCnxAcceptor starts
        // when LEADING), closed if we do not lead.
        pendingAccepts.set(conn, Date.now());
        return;
      }
      zab.accepted(conn);
      kick();
    },
    packet(conn, p) {
      if (pendingAccepts.has(conn)) {
        // FOLLOWERINFO before we lead: keep it for when we do
        heldPackets.push({ conn, p });
        return;
      }
      onPacket(conn, p);
      zab.step(conn, p);
      kick();
    },
    snapshot(conn, bytes) {
      zab.stepSnapshot(conn, bytes);
      kick();
    },
    closed(conn) {
      if (pendingAccepts.delete(conn)) return;
      if (conn === learnerConn) learnerConn = undefined;
      zab.closed(conn);
      kick();
    },
    error(conn, message) {
      log.warn("quorum connection error", { conn, message });
    },
  }, learnerSockets);
  await transport.listen(me.host, me.quorumPort);
  function dropPendingAccepts(olderThanMs: number): void {
    const now = Date.now();
    for (const [c, at] of pendingAccepts) {
      if (now - at < olderThanMs) continue;
      pendingAccepts.delete(c);
      transport.close(c);
    }
    if (pendingAccepts.size === 0) heldPackets.length = 0;
    else for (let i = heldPackets.length - 1; i >= 0; i--) if (!pendingAccepts.has(heldPackets[i]!.conn)) heldPackets.splice(i, 1);
  }

  /** Host business carried in quorum packets: REQUEST, session PINGs, SYNC. */
  function onPacket(conn: number, p: Packet): void {
    if (zab.role === "leading") {
      if (p.type === PacketType.REQUEST && p.data !== null) {
        const r = decodeRequest(p.data);
        if (r.type === 9 /* sync */) {
          // Answered once the learner applied everything proposed so far.
          const out = new OutputArchive(16);
          out.writeLong(r.sessionId);
          out.writeInt(r.cxid);
          transport.send(conn, { type: PacketType.SYNC, zxid: zab.lastZxid, data: out.toBuffer() });
          return;
        }
        if (core !== undefined && zab.isActiveLeader) core.submitRemote(r);
        return;
      }
      if (p.type === PacketType.PING && p.data !== null && p.data.length >= 12 && core !== undefined) {
        const inp = new InputArchive(p.data);
        for (let i = 0; i + 12 <= p.data.length; i += 12) core.touchSession(inp.readLong(), inp.readInt());
      }
      return;
    }
    if (p.type === PacketType.DIFF || p.type === PacketType.TRUNC || p.type === PacketType.SNAP) {
      const kind = p.type === PacketType.DIFF ? "DIFF" : p.type === PacketType.TRUNC ? "TRUNC" : "SNAP";
      log.info("synchronising with the leader", { kind, zxid: `0x${p.zxid.toString(16)}`, ours: `0x${zab.lastZxid.toString(16)}` });
    } else if (p.type === PacketType.PING && core !== undefined) {
      const touched = core.takeTouchedSessions();
      if (touched.length > 0) {
        const out = new OutputArchive(12 * touched.length);
        for (const [id, to] of touched) {
          out.writeLong(id);
          out.writeInt(to);
        }
        transport.send(conn, { type: PacketType.PING, zxid: p.zxid, data: out.toBuffer() });
      }
    } else if (p.type === PacketType.SYNC && p.data !== null && p.data.length >= 12) {
      const inp = new InputArchive(p.data);
      pendingSyncs.push({ sessionId: inp.readLong(), cxid: inp.readInt(), zxid: p.zxid });
      releaseSyncs();
    }
  }

  function releaseSyncs(): void {
    if (pendingSyncs.length === 0 || core === undefined) return;
    const applied = tree.lastProcessedZxid;
    const due = pendingSyncs.filter((s) => s.zxid <= applied);
    if (due.length === 0) return;
    pendingSyncs = pendingSyncs.filter((s) => s.zxid > applied);
    for (const s of due) core.syncDone(s.sessionId, s.cxid);
  }

  // ---- serving periods ----------------------------------------------------------------------------------------
  function startServing(epoch: bigint): void {
    stopServing("new serving period");
    stopReadOnly("serving again");
    const m = mode;
    const c = new ZooKeeperServer(
      { ...baseInit, serverState: m },
      m === "leader"
        ? {
            clock,
            random: cryptoRandom,
            logger: log,
            tree,
            ensemble: { role: "leader" },
            txnLog: leaderPort,
            metrics,
          }
        : {
            clock,
            random: cryptoRandom,
            logger: log,
            tree,
            metrics,
            ensemble: {
              role: "learner",
              forward: (r) => {
                if (learnerConn === undefined) return;
                transport.send(learnerConn, { type: PacketType.REQUEST, zxid: -1n, data: encodeRequest(r.sessionId, r.cxid, r.type, r.authInfo as { scheme: string; id: string }[], r.body) });
              },
            },
          },
    );
    if (m === "leader") c.setLastProposedZxid(makeZxid(epoch, 0n));
    for (const [id, timeout] of store.sessions) c.restoreSession(id, timeout);
    c.onOutstandingDrained = () => switcher.onOutstandingDrained?.();
    c.start();
    core = c;
    log.info("serving clients", { mode: m, epoch: String(epoch), zxid: `0x${tree.lastProcessedZxid.toString(16)}`, sessions: store.sessions.size });
  }

  function stopServing(reason: string): void {
    const c = core;
    core = undefined;
    leaderListener = undefined;
    leaderFirst = leaderProposed = 0n;
    pendingSyncs = [];
    if (c !== undefined) {
      c.abort(reason);
      log.info("stopped serving clients", { reason });
    }
  }

  function stopReadOnly(reason: string): void {
    roGen++;
    const r = ro;
    ro = undefined;
    r?.stop(reason);
  }

  /** ZooKeeper starts its ReadOnlyZooKeeperServer max(2000, tickTime) ms into LOOKING. */
  function scheduleReadOnly(): void {
    if (!roEnabled || ro !== undefined) return;
    const gen = ++roGen;
    setTimeout(() => {
      if (gen !== roGen || stopping || core !== undefined || ro !== undefined) return;
      void copyTree(tree, () => new DataTree({ digestEnabled: cfg.digestEnabled, extendedTypesEnabled: cfg.extendedTypesEnabled, skipACL: cfg.skipACL, metrics })).then(
        (copy) => {
          if (gen !== roGen || stopping || core !== undefined) return;
          const c = new ZooKeeperServer(
            { ...baseInit, serverState: "read-only" },
            { clock, random: cryptoRandom, logger: log, tree: copy, metrics, ensemble: { role: "read-only" } },
          );
          c.onOutstandingDrained = () => switcher.onOutstandingDrained?.();
          c.start();
          ro = new ReadOnlyServer(c, log);
          log.info("read-only mode: serving readOnly clients", { zxid: `0x${copy.lastProcessedZxid.toString(16)}` });
        },
        (e: unknown) => log.warn("read-only mode failed to start", { error: String(e) }),
      );
    }, Math.max(2000, tickTime)).unref();
  }

  // ---- election ---------------------------------------------------------------------------------------------
  const election = new ElectionPeer({ sid: myid, quorum }, {
    logger: {
      debug: () => {},
      info: (m, f) => log.debug(`election: ${m}`, f),
      warn: (m, f) => log.debug(`election: ${m}`, f),
      error: (m, f) => log.warn(`election: ${m}`, f),
    },
    metrics,
    ...(quorumTls !== undefined ? { sockets: quorumTls } : {}),
    ...(quorumSasl !== undefined ? { auth: quorumSasl.electionAuth() } : {}),
  });
  try {
    await election.listen();
  } catch (e) {
    throw new ElectionPortBindError(`cannot bind the election port ${me.host}:${me.electionPort}: ${(e as Error).message}`);
  }
  let electing = false;
  let lookingSince = Date.now();
  /** The leader of the last decided election (the AdminServer's `leader` / `zabstate`). */
  let currentLeader: bigint | undefined;

  async function elect(): Promise<void> {
    if (electing || stopping) return;
    electing = true;
    scheduleReadOnly();
    try {
      mode = "looking";
      lookingSince = Date.now();
      election.lookForLeader({ zxid: zab.lastZxid, peerEpoch: zab.currentEpoch });
      const d = await election.waitForDecision();
      if (stopping) return;
      const leader = d.vote.leader;
      currentLeader = leader;
      log.info("election decided", { state: d.state, leader: String(leader), zxid: `0x${d.vote.zxid.toString(16)}`, ms: Date.now() - lookingSince });
      if (d.state === ServerState.LEADING) {
        mode = "leader";
        zab.lead();
        for (const c of pendingAccepts.keys()) zab.accepted(c);
        pendingAccepts.clear();
        for (const h of heldPackets.splice(0)) {
          onPacket(h.conn, h.p);
          zab.step(h.conn, h.p);
        }
      } else if (d.state === ServerState.OBSERVING) {
        mode = "observer";
        zab.observe(leader);
      } else {
        mode = "follower";
        zab.follow(leader);
      }
      if (d.state !== ServerState.LEADING) dropPendingAccepts(0);
    } finally {
      electing = false;
    }
    kick();
  }

  // ---- the host loop ----------------------------------------------------------------------------------------
  let pumping = false;
  let failed = false;
  /**
   * Runs the host loop after the current round of I/O callbacks: every packet read in that round (a burst of ACKs,
   * forwarded requests) is stepped into ZAB first, so one Ready carries all their output.
   */
  let kickQueued = false;
  function kick(): void {
    if (kickQueued || pumping || failed) return;
    kickQueued = true;
    setImmediate(runKick);
  }
  function runKick(): void {
    kickQueued = false;
    if (pumping || failed) return;
    pumping = true;
    pump()
      .catch((e: unknown) => {
        failed = true;
        log.error("fatal: ensemble host loop failed", { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        process.exit(1);
      })
      .finally(() => {
        pumping = false;
        // Work that arrived after the loop's last hasReady() check, while its promise settled (a kick() made in
        // that window was a no-op), is not left waiting for the next tick.
        if (zab.hasReady()) kick();
      });
  }

  async function pump(): Promise<void> {
    while (zab.hasReady()) {
      const rd = zab.ready();
      for (const m of rd.early) if ("packet" in m) transport.send(m.conn, m.packet);
      await persist(rd);
      for (const m of rd.messages) {
        if ("packet" in m) transport.send(m.conn, m.packet);
        else {
          if (tree.lastProcessedZxid !== m.snapshotAt) {
            log.warn("snapshot zxid differs from the requested one", { tree: tree.lastProcessedZxid.toString(16), want: m.snapshotAt.toString(16) });
          }
          transport.sendBytes(m.conn, await store.snapshotBytes());
        }
      }
      let ours = 0n;
      for (const t of rd.committed) {
        if (leaderListener !== undefined && t.zxid >= leaderFirst && t.zxid <= leaderProposed && leaderFirst !== 0n) {
          // the leader core's own proposal: it applies and answers it (below); only session txns concern the store
          const type = t.data.readInt32BE(TXN_TYPE_OFFSET);
          if (type === TxnType.createSession || type === TxnType.closeSession) {
            const { header, txn } = decodeTxn(t.data);
            store.noteCommitted(header.type, header.clientId, txn);
          }
          ours = t.zxid;
        } else {
          const { header, txn } = decodeTxn(t.data);
          store.noteCommitted(header.type, header.clientId, txn);
          if (core !== undefined && mode !== "leader") core.applyCommitted(header, txn);
          else tree.processTxn(header, txn);
        }
      }
      if (ours !== 0n) leaderListener?.durable(ours); // the core applies (in order) and answers
      releaseSyncs();
      for (const c of rd.close) {
        if (c === learnerConn) learnerConn = undefined;
        transport.close(c);
      }
      if (rd.connect !== undefined) dialLeader(rd.connect);
      for (const e of rd.events) {
        if (e.type === "looking") {
          log.info("ZAB role ended: looking for a leader", { reason: e.reason });
          stopServing(`lost the leader/quorum: ${e.reason}`);
          mode = "looking";
          setImmediate(() => void elect());
        } else if (e.type === "active") {
          log.info("ZAB active", { mode, epoch: String(e.epoch), ms: Date.now() - lookingSince });
          startServing(e.epoch);
        } else if (e.type === "established") {
          log.info("new epoch established", { epoch: String(e.epoch) });
        } else if (e.type === "protocolError") {
          log.warn("ZAB protocol error", { conn: e.conn, message: e.message });
        }
      }
      zab.advance();
      if (store.snapshotDue && snapshotting !== undefined) {
        // SyncRequestProcessor: a snapshot still being written when the next is due -> this one is skipped.
        store.snapshotDue = false;
        log.warn("too busy to snapshot, skipping");
      }
      if (store.snapshotDue && tree.lastProcessedZxid <= zab.commitZxid) {
        store.snapshotDue = false;
        // Due after snapCount/2 + random(snapCount/2) logged txns, the log rolled (EnsembleStore.append). In the
        // background, as ZooKeeper's SyncRequestProcessor: a fuzzy snapshot of the applied state, named
        // after the zxid applied when it starts; txns applied meanwhile are in the log after that zxid and are
        // replayed over it on restore (ZAB recommits them). The pump goes on meanwhile.
        const started = Date.now();
        snapshotting = store
          .writeSnapshot()
          .then(
            () => log.info("snapshot written", { ms: Date.now() - started }),
            (e: unknown) => log.error("snapshot failed", { error: e instanceof Error ? e.message : String(e) }),
          )
          .finally(() => {
            snapshotting = undefined;
          });
      }
    }
  }

  async function persist(rd: Ready): Promise<void> {
    for (const op of rd.persist) {
      // TRUNC and SNAP rewrite the tree or the log under a background snapshot: let it finish first.
      if ((op.kind === "truncate" || op.kind === "snapshot") && snapshotting !== undefined) await snapshotting;
      switch (op.kind) {
        case "append":
          await store.append(op.txns);
          break;
        case "truncate":
          await store.truncate(op.zxid);
          break;
        case "snapshot":
          await store.installSnapshot(op.zxid, op.data);
          break;
        case "acceptedEpoch":
        case "currentEpoch":
          await store.setEpoch(op.kind, op.epoch);
          break;
      }
    }
  }

  function dialLeader(sid: bigint): void {
    const spec = cfg.servers.find((s) => s.id === sid);
    if (spec === undefined) {
      zab.connectFailed();
      return;
    }
    transport.dial(spec.host, spec.quorumPort, tickTime * 2).then(
      (conn) => {
        learnerConn = conn;
        zab.connected(conn);
        kick();
      },
      () => {
        zab.connectFailed();
        kick();
      },
    );
  }

  const ticker = setInterval(() => {
    if (pendingAccepts.size > 0) dropPendingAccepts(tickTime * initLimit);
    zab.tick();
    kick();
  }, tickTime);

  void elect();
  log.info("ensemble member started", {
    myid: String(myid),
    servers: cfg.servers.length,
    quorumPort: me.quorumPort,
    electionPort: me.electionPort,
    role: me.role,
    epochs: `${store.acceptedEpoch}/${store.currentEpoch}`,
    lastZxid: `0x${zab.lastZxid.toString(16)}`,
    epochOfLastZxid: String(epochOf(zab.lastZxid)),
  });

  let stopped: Promise<void> | undefined;
  return {
    port: net.port,
    address: net.address,
    get core() {
      return core ?? idle;
    },
    net,
    store: undefined as never,
    metrics,
    quorum(): QuorumView | undefined {
      if (mode === "looking" && currentLeader === undefined) return undefined;
      const addr = (h: string, p: number) => `${h}:${p}`;
      const leaderSpec = currentLeader === undefined || mode === "looking" ? undefined : cfg.servers.find((x) => x.id === currentLeader);
      return {
        myid: Number(myid),
        isLeader: mode === "leader",
        leaderId: leaderSpec === undefined ? undefined : Number(leaderSpec.id),
        leaderAddress: leaderSpec === undefined ? undefined : addr(leaderSpec.host, leaderSpec.quorumPort),
        quorumAddress: addr(me.host, me.quorumPort),
        electionAddress: addr(me.host, me.electionPort),
        clientAddress: addr(cfg.clientPortAddress ?? me.clientHost ?? "0.0.0.0", net.port),
        voting: me.role === "participant",
        zabState: zab.zabState,
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
    shutdown() {
      stopped ??= (async () => {
        stopping = true;
        clearInterval(ticker);
        stopServing("server shutdown");
        stopReadOnly("server shutdown");
        zab.stop("shutdown");
        await net.close();
        await election.close();
        await transport.shutdown();
        quorumTls?.close();
        await autoPurge.stop();
        if (snapshotting !== undefined) await snapshotting;
        await store.close();
      })();
      return stopped;
    },
  };
}
