import { nullLogger, type Clock, type Logger, type Random } from "@zkts/contracts";
import type { ACL, StatPersisted, TxnDigest, TxnHeader } from "@zkts/jute";
import { M, MetricsRegistry, type Summary } from "@zkts/metrics";
import { LogCorruptionError, PersistenceError, SnapshotCorruptionError, UnsupportedSnapshotError, logSnapshotFailure } from "./errors.js";
import { VERSION_DIR, makeSnapshotName } from "./log-format.js";
import { joinPath, type Storage } from "./storage.js";
import { TxnType, decodeTxn } from "./txn.js";
import { TxnLog, type TxnLogOptions, type TxnLogWriter } from "./txnlog.js";
import { DEFAULT_SNAP_COUNT, SnapshotSchedule } from "./snapshot-schedule.js";
import { loadNewestValidSnapshot, type RestorableTree, type SnapshotDigester } from "./restore.js";
import { writeZkSnapshot, writeZkSnapshotFuzzy } from "./zk-snapshot.js";
import { zkSnapshotBodyOf } from "./zk-snapshot-stream.js";
import { listLogFiles, logFilesFrom, readTxnLog, truncateTornTail, type LogEnd, type LogEntry } from "./txnlog-reader.js";
import {
  checkCancel,
  listSnapshots,
  verifySnapshot,
  writeSnapshot,
  type SnapshotAcl,
  type SnapshotPacing,
  type SnapshotInfo,
  type TreeSnapshotNode,
} from "./snapshot.js";

/** What persistence needs from the data tree (@zkts/datatree's DataTree satisfies it structurally). */
export interface PersistentTree extends RestorableTree {
  readonly lastProcessedZxid: bigint;
  readonly acls: { entries(): Array<[number, readonly ACL[]]>; convertLong(ref: number): readonly ACL[] };
  snapshotNodes(): Iterable<{ path: string; data: Buffer | null; acl: number; stat: StatPersisted }>;
  processTxn(header: TxnHeader, txn: unknown): { err: number };
  /** The tree digest (DataTree.digest), checked against the digests ZooKeeper's files carry when given. */
  digest?(): bigint;
  /** The ZxidDigest a ZooKeeper-format snapshot ends with. */
  lastProcessedZxidDigest?(): { zxid: bigint; digestVersion: number; digest: bigint };
  readonly isDigestEnabled?: boolean;
}

/** Start-up refused: the data on disk cannot be restored without losing acknowledged txns. */
export class DataLossError extends PersistenceError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

export interface DataDirs {
  storage: Storage;
  /** Holds `version-2/snapshot.*`. */
  dataDir: string;
  /** Holds `version-2/log.*` (default dataDir). */
  dataLogDir?: string;
}

export interface RestoreOptions extends DataDirs {
  tree: PersistentTree;
  /** Start from what is readable when the log is damaged mid-way or no snapshot is valid (loses txns). */
  acceptDataLoss?: boolean;
  logger?: Logger;
  /**
   * Sums a snapshot's node digests on another thread while the tree is built (snapshotDigestOffThread: only over
   * the real file system); without it the tree computes them as it is built.
   */
  snapshotDigester?: SnapshotDigester;
}

export interface RestoreResult {
  /** The last zxid in the restored tree. */
  zxid: bigint;
  /** Live sessions (id -> timeout) from the snapshot and the replayed log. */
  sessions: Map<bigint, number>;
  /** The snapshot restored from (undefined: none, the log was replayed from the start). */
  snapshot?: { path: string; zxid: bigint };
  /** Txns replayed from the log. */
  replayed: number;
  /** How the log ended (torn / corrupt tails were truncated). */
  logEnd?: LogEnd;
  /**
   * Tree digests compared with those the files carry (a ZooKeeper snapshot's ZxidDigest, each logged txn's
   * TxnDigest), as ZooKeeper's DataTree.compareDigest / compareSnapshotDigests do on load; a mismatch is logged.
   */
  digests: { checked: number; mismatched: number };
}

/**
 * ZooKeeper's FileTxnSnapLog.restore: loads the newest valid snapshot (falling back to older ones when one
 * fails its checksum), then replays every logged txn after its zxid into the tree, tracking sessions as
 * createSession/closeSession txns come. A torn or zero-filled tail is truncated (and logged); damage in the
 * middle of the log stops with a DataLossError naming the file and offset unless `acceptDataLoss`.
 */
export async function restoreDatabase(opts: RestoreOptions): Promise<RestoreResult> {
  const { storage, dataDir, tree } = opts;
  const dataLogDir = opts.dataLogDir ?? dataDir;
  const log = opts.logger ?? nullLogger;
  const sessions = new Map<bigint, number>();
  const result: RestoreResult = { zxid: 0n, sessions, replayed: 0, digests: { checked: 0, mismatched: 0 } };
  const digestOn = tree.digest !== undefined && tree.isDigestEnabled !== false;
  const checkDigest = (what: string, zxid: bigint, expected: bigint) => {
    const actual = tree.digest!();
    result.digests.checked++;
    if (actual === expected) return;
    result.digests.mismatched++;
    log.error("digest mismatch: the restored tree differs from what the file recorded", {
      at: what,
      zxid: `0x${zxid.toString(16)}`,
      expected: `0x${BigInt.asUintN(64, expected).toString(16)}`,
      actual: `0x${BigInt.asUintN(64, actual).toString(16)}`,
    });
  };
  let snapDigest: { zxid: bigint; digest: bigint } | null = null;
  /**
   * Replaying over a snapshot without a ZxidDigest (an older zkts snapshot, or one written with digests off): it
   * may be fuzzy up to a zxid nothing records, so no txn digest is compared (a txn the snapshot already holds
   * leaves the tree ahead of the digest its txn carries).
   */
  let fuzzyUnknown = false;
  const digestVersion = tree.lastProcessedZxidDigest?.().digestVersion;

  const { snapshot: snap, rejected } = await loadNewestValidSnapshot(storage, dataDir, tree, { digester: digestOn ? opts.snapshotDigester : undefined });
  for (const r of rejected) {
    log.error("snapshot failed verification, falling back to an older one", { file: r.path, error: r.error.message });
  }
  let from = 0n;
  if (snap) {
    const loaded = snap.load;
    for (const [id, timeout] of loaded.sessions) sessions.set(id, timeout);
    // ZooKeeper's ZxidDigest: the digest at a zxid at or after the snapshot's (fuzzy): checked when the tree gets there.
    if (digestOn && loaded.digest && loaded.digest.digestVersion === digestVersion && loaded.digest.zxid >= snap.zxid) snapDigest = { zxid: loaded.digest.zxid, digest: loaded.digest.digest };
    fuzzyUnknown = digestOn && loaded.digest === null;
    if (snapDigest && snapDigest.zxid === snap.zxid) {
      checkDigest("snapshot", snapDigest.zxid, snapDigest.digest);
      snapDigest = null;
    }
    from = snap.zxid;
    result.snapshot = { path: snap.path, zxid: snap.zxid };
    log.info("restored snapshot", {
      file: snap.path,
      zxid: `0x${snap.zxid.toString(16)}`,
      nodes: loaded.nodes,
      sessions: sessions.size,
      ...(digestOn ? { nodeDigests: loaded.digestsElsewhere === true ? "summed by a worker thread" : "summed while restoring" } : {}),
    });
  } else {
    const snaps = await listSnapshots(storage, dataDir);
    const logs = await listLogFiles(storage, dataLogDir);
    const fromStart = logs.length === 0 || logs[0]!.zxid <= 1n;
    if (snaps.length > 0 || !fromStart) {
      const why =
        snaps.length > 0
          ? `no valid snapshot in ${joinPath(dataDir, VERSION_DIR)} (${snaps.map((s) => s.name).join(", ")} all failed verification)`
          : `no snapshot in ${joinPath(dataDir, VERSION_DIR)} and the txn log does not start at zxid 1 (${logs[0]!.name})`;
      if (!opts.acceptDataLoss) {
        throw new DataLossError(`${why}; refusing to start. Restore the files, or start with --accept-data-loss to start from the log alone`);
      }
      log.error(`${why}; --accept-data-loss given: replaying what the log holds onto an empty tree`);
    }
  }

  // Replay the log after the snapshot (FileTxnSnapLog.fastForwardFromEdits).
  // Each txn is decoded and applied at once and no part of it kept (the tree copies node data): payloads and their
  // buffers are views of the reader's read buffers, not copies.
  const reader = readTxnLog(storage, dataLogDir, { fromZxid: from + 1n, acceptLoss: opts.acceptDataLoss ?? false, payloadViews: true });
  const replayOne = (e: LogEntry): void => {
    const { header, txn, digest } = decodeTxn(e.payload, { views: true });
    if (header.type === TxnType.createSession) sessions.set(header.clientId, (txn as { timeOut: number }).timeOut);
    else if (header.type === TxnType.closeSession) sessions.delete(header.clientId);
    tree.processTxn(header, txn);
    result.replayed++;
    // DataTree.compareSnapshotDigests (from processTxn), then compareDigest: the snapshot's ZxidDigest once the
    // tree reaches its zxid; a txn's digest only out of the snapshot's fuzzy window and of the tree's version
    if (snapDigest && snapDigest.zxid === header.zxid) {
      checkDigest("snapshot", snapDigest.zxid, snapDigest.digest);
      snapDigest = null;
    }
    if (digestOn && snapDigest === null && !fuzzyUnknown && digest && digest.version === digestVersion) checkDigest("txn", header.zxid, digest.treeDigest);
  };
  try {
    // one wait per batch of entries (those parsed from one read), not per entry
    for await (const batch of reader.batches()) {
      for (const e of batch) replayOne(e);
    }
  } catch (e) {
    if (e instanceof LogCorruptionError) {
      throw new DataLossError(
        `${e.message}. Txns after this point would be lost; refusing to start. ` +
          "Start with --accept-data-loss to discard the log from this point on",
        e,
      );
    }
    throw e;
  }
  const end = reader.end!;
  result.logEnd = end;
  if (end.reason === "torn") {
    log.warn("txn log ends with a torn (partial) write: truncating it", { file: end.file, offset: end.offset, detail: end.detail });
    await truncateTornTail(storage, dataLogDir, end);
  } else if (end.reason === "corrupt") {
    log.error("txn log is corrupt: --accept-data-loss given, discarding everything from this point", {
      file: end.file,
      offset: end.offset,
      detail: end.detail,
      discardFiles: end.discardFiles,
    });
    await truncateTornTail(storage, dataLogDir, end);
  } else if (end.discardFiles.length > 0) {
    await truncateTornTail(storage, dataLogDir, end);
  }
  result.zxid = tree.lastProcessedZxid;
  if (result.replayed > 0) {
    log.info("replayed txn log", {
      txns: result.replayed,
      zxid: `0x${result.zxid.toString(16)}`,
      digestsChecked: result.digests.checked,
      digestMismatches: result.digests.mismatched,
    });
  }
  return result;
}

/** The snapshot file format zkts writes (zoo.cfg `snapshot.format`); it reads both. */
export type SnapshotFormat = "zkts" | "zookeeper";
export const SNAPSHOT_FORMATS: readonly SnapshotFormat[] = ["zkts", "zookeeper"];

/** Fuzzy ZooKeeper-format attempts before the snapshot is serialized in one go (see writeZkSnapshotFuzzy). */
const ZK_FUZZY_ATTEMPTS = 3;

/**
 * Writes a (fuzzy, when the tree changes meanwhile) snapshot of the tree at its current zxid, in zkts's format or
 * (`format: "zookeeper"`) in ZooKeeper's FileSnap format, with the ZxidDigest trailer when the tree keeps digests.
 */
export async function snapshotTree(
  storage: Storage,
  dataDir: string,
  tree: PersistentTree,
  sessions: ReadonlyMap<bigint, number>,
  opts: SnapshotTreeOptions,
): Promise<SnapshotInfo> {
  const zxid = tree.lastProcessedZxid;
  const sessionList = [...sessions].map(([id, timeout]) => ({ id, timeout }));
  if (opts.format === "zookeeper") return snapshotTreeZk(storage, dataDir, tree, sessionList, opts);
  const entries = tree.acls.entries();
  const known = new Set(entries.map(([ref]) => ref));
  const late = new Map<number, readonly ACL[]>();
  function* nodes(): Generator<TreeSnapshotNode> {
    for (const n of tree.snapshotNodes()) {
      if (n.acl !== -1 && !known.has(n.acl) && !late.has(n.acl)) late.set(n.acl, tree.acls.convertLong(n.acl));
      // the writer encodes the node's fields as soon as it takes it: the tree's own object, no copy of the stat
      yield n;
    }
  }
  return writeSnapshot(
    storage,
    dataDir,
    {
      header: { zxid, time: opts.time },
      sessions: sessionList,
      acls: entries.map(([ref, acl]): SnapshotAcl => ({ ref: BigInt(ref), acl: [...acl] })),
      nodes: nodes(),
      lateAcls: () => [...late].map(([ref, acl]): SnapshotAcl => ({ ref: BigInt(ref), acl: [...acl] })),
      digest: () => (tree.isDigestEnabled !== false && tree.lastProcessedZxidDigest ? tree.lastProcessedZxidDigest() : null),
    },
    opts,
  );
}

/** The writer's pacing and cancel (SnapshotPacing), with what the header and the format need. */
export interface SnapshotTreeOptions extends SnapshotPacing {
  /** Wall-clock ms written in the header. */
  time: number;
  format?: SnapshotFormat;
}

async function snapshotTreeZk(
  storage: Storage,
  dataDir: string,
  tree: PersistentTree,
  sessions: Array<{ id: bigint; timeout: number }>,
  pace: SnapshotPacing,
): Promise<SnapshotInfo> {
  const digest = () => (tree.isDigestEnabled !== false && tree.lastProcessedZxidDigest ? tree.lastProcessedZxidDigest() : null);
  for (let attempt = 0; attempt < ZK_FUZZY_ATTEMPTS; attempt++) {
    const zxid = tree.lastProcessedZxid;
    const r = await writeZkSnapshotFuzzy(
      storage,
      dataDir,
      {
        zxid,
        sessions,
        acls: tree.acls.entries().map(([ref, acl]) => ({ ref: BigInt(ref), acl })),
        nodes: (function* () {
          for (const n of tree.snapshotNodes()) yield { path: n.path, data: n.data, aclRef: BigInt(n.acl), stat: n.stat };
        })(),
        digest,
      },
      pace,
    );
    if (r) return { ...r, zxid };
  }
  // ACL lists kept being interned while the nodes were written: serialize in one go (the tree cannot change meanwhile).
  const zxid = tree.lastProcessedZxid;
  checkCancel(pace.cancel, joinPath(joinPath(dataDir, VERSION_DIR), makeSnapshotName(zxid)));
  const body = zkSnapshotBodyOf(tree, new Map(sessions.map((s) => [s.id, s.timeout])));
  const nodes = [...body.nodes];
  const out = await writeZkSnapshot(storage, dataDir, { zxid, sessions: body.sessions, acls: body.acls, nodes, digest: digest() });
  return { path: out.path, zxid, bytes: out.bytes, sessions: sessions.length, acls: [...body.acls].length, nodes: nodes.length };
}

// ---- purge (PurgeTxnLog) ----

export interface PurgeResult {
  retained: string[];
  removedSnapshots: string[];
  removedLogs: string[];
}

/**
 * ZooKeeper's PurgeTxnLog.purge: keeps the `retain` newest valid snapshots (at least 3 when run by autopurge)
 * and every txn log a restore from the oldest of them needs (the file holding its zxid and every later one);
 * removes older snapshots and logs. Does nothing when no snapshot is valid.
 */
export async function purgeDataDirs(dirs: DataDirs, retain: number): Promise<PurgeResult> {
  if (!Number.isInteger(retain) || retain < 1) throw new RangeError(`retain count must be at least 1, got ${retain}`);
  const { storage, dataDir } = dirs;
  const dataLogDir = dirs.dataLogDir ?? dataDir;
  const res: PurgeResult = { retained: [], removedSnapshots: [], removedLogs: [] };
  const valid: bigint[] = [];
  for (const f of await listSnapshots(storage, dataDir)) {
    if (valid.length >= retain) break;
    try {
      const h = await verifySnapshot(storage, f.path);
      if (h.zxid !== f.zxid) continue;
      valid.push(f.zxid);
      res.retained.push(f.path);
    } catch (e) {
      // a snapshot zkts cannot read (snappy) is neither counted nor judged damaged here
      if (!(e instanceof SnapshotCorruptionError) && !(e instanceof UnsupportedSnapshotError)) throw e;
    }
  }
  if (valid.length === 0) return res;
  const least = valid[valid.length - 1]!;
  for (const f of await listSnapshots(storage, dataDir)) {
    if (f.zxid < least) {
      await storage.remove(f.path);
      res.removedSnapshots.push(f.path);
    }
  }
  const logs = await listLogFiles(storage, dataLogDir);
  const keep = new Set(logFilesFrom(logs, least).map((f) => f.path));
  for (const f of logs) {
    if (!keep.has(f.path)) {
      await storage.remove(f.path);
      res.removedLogs.push(f.path);
    }
  }
  if (res.removedSnapshots.length) await storage.syncDir(joinPath(dataDir, VERSION_DIR));
  if (res.removedLogs.length) await storage.syncDir(joinPath(dataLogDir, VERSION_DIR));
  return res;
}

// ---- the server-side store ----

export interface DurableStoreOptions extends DataDirs {
  tree: PersistentTree;
  /** Txns between snapshots: a snapshot starts after snapCount/2 + random(snapCount/2) txns (default 100000). */
  snapCount?: number;
  /** Txn log preallocation in bytes (default 64 MiB). */
  preAllocSize?: number;
  /** fdatasync each batch before acknowledging (default true). */
  forceSync?: boolean;
  acceptDataLoss?: boolean;
  logger?: Logger;
  /** For the snapshot roll (inject `seededRandom` from `@zkts/contracts/testing` in tests). */
  random: Pick<Random, "next">;
  /** Wall clock (snapshot header time) and monotonic time (durations: `dbinittime`, `snapshottime`, `fsynctime`). */
  clock: Pick<Clock, "now" | "monotonic">;
  /** The longest the snapshot writer runs between yields to the event loop, in ms of `clock.monotonic` (default 4). */
  sliceMs?: number;
  /** The format snapshots are written in (default "zkts"; both are read). */
  snapshotFormat?: SnapshotFormat;
  /**
   * Opens the txn log writer (default: `TxnLog` over `storage`, in this thread). The server passes
   * `WorkerTxnLog.open` to have a worker thread write the log (the real file system only).
   */
  openTxnLog?: (dataLogDir: string, opts: TxnLogOptions) => Promise<TxnLogWriter>;
  /** See RestoreOptions.snapshotDigester (the server passes snapshotDigestOffThread over the real file system). */
  snapshotDigester?: SnapshotDigester;
  /**
   * Where `dbinittime` and `startup_txns_loaded` (restore), `snapshottime` and the txn log's `fsynctime` /
   * `sync_processor_batch_size` are recorded. Default: a registry of its own.
   */
  metrics?: MetricsRegistry;
}

/**
 * Durable storage for a standalone server: restores the tree at open, logs every txn (group commit) through
 * `logTxn` (plug the store in as the core's `txnLog`), takes fuzzy snapshots every snapCount/2 +
 * random(snapCount/2) txns (rolling the log first, as ZooKeeper's SyncRequestProcessor). Snapshots hold the sessions with their timeouts;
 * session passwords derive from the session id (as ZooKeeper's), so restored sessions can be resumed.
 */
export class DurableStore {
  readonly sessions: Map<bigint, number>;
  readonly restored: RestoreResult;
  private readonly log: TxnLogWriter;
  private readonly logger: Logger;
  private readonly schedule: SnapshotSchedule;
  private readonly clock: Pick<Clock, "now" | "monotonic">;
  private snapshotting: Promise<unknown> | null = null;
  /** A snapshot fell due while one was being written: it starts when that one ends. */
  private snapshotPending = false;
  private closed = false;
  /** Set by `close`: a snapshot being written stops at its next slice (see close). */
  private readonly cancel = { cancelled: false };
  private readonly snapshotTime: Summary;
  readonly stats = { snapshots: 0, deferredSnapshots: 0, cancelledSnapshots: 0, lastSnapshot: null as SnapshotInfo | null, failedAppends: 0 };

  private constructor(
    private readonly opts: DurableStoreOptions,
    restored: RestoreResult,
    log: TxnLogWriter,
  ) {
    this.restored = restored;
    this.sessions = restored.sessions;
    this.log = log;
    this.logger = opts.logger ?? nullLogger;
    this.schedule = new SnapshotSchedule(opts.snapCount ?? DEFAULT_SNAP_COUNT, opts.random);
    this.clock = opts.clock;
    this.snapshotTime = (opts.metrics ?? new MetricsRegistry()).summary(M.SNAPSHOT_TIME);
  }

  static async open(opts: DurableStoreOptions): Promise<DurableStore> {
    const { storage, dataDir } = opts;
    const dataLogDir = opts.dataLogDir ?? dataDir;
    await storage.mkdirp(joinPath(dataDir, VERSION_DIR));
    await storage.mkdirp(joinPath(dataLogDir, VERSION_DIR));
    const metrics = opts.metrics ?? new MetricsRegistry();
    opts = { ...opts, metrics };
    const t0 = opts.clock.monotonic();
    const restored = await restoreDatabase(opts);
    // ZKDatabase.loadDataBase: snapshot load + txn replay time, and the txns replayed (FileTxnSnapLog).
    metrics.summary(M.DB_INIT_TIME).observe(opts.clock.monotonic() - t0);
    metrics.summary(M.STARTUP_TXNS_LOADED).observe(restored.replayed);
    const logOpts: TxnLogOptions = {
      ...(opts.preAllocSize !== undefined ? { preAllocSize: opts.preAllocSize } : {}),
      forceSync: opts.forceSync ?? true,
      lastZxid: restored.zxid,
      metrics,
      clock: opts.clock,
    };
    const log = opts.openTxnLog !== undefined ? await opts.openTxnLog(dataLogDir, logOpts) : await TxnLog.open(storage, dataLogDir, logOpts);
    const store = new DurableStore(opts, restored, log);
    // As ZooKeeper (ZooKeeperServer.loadData): a clean snapshot of what was restored, unless it is on disk already.
    // ZooKeeper writes it before it serves; here it is written in the background as any periodic snapshot (the log
    // rolled first, the event loop free between chunks): every txn it covers is in the log already, so the restart
    // need not wait for it (`idle()` does).
    if (restored.replayed > 0 || restored.snapshot === undefined || restored.snapshot.zxid !== restored.zxid) {
      store.startSnapshot();
    }
    return store;
  }

  /** zxid of the last durable txn. */
  get lastDurableZxid(): bigint {
    return this.log.lastDurableZxid;
  }

  get logStats() {
    return this.log.stats;
  }

  /**
   * The core's txn log port (ZooKeeperServer's `txnLog`): the txn is marshalled straight into the log's batch
   * buffer, and `setTxnListener`'s listener hears, once per batch, up
   * to which zxid txns are durable (or which failed). Throws if the txn cannot be queued.
   */
  logTxn(header: TxnHeader, txn: unknown, digest?: TxnDigest | null): void {
    this.log.appendTxn(header, txn, digest);
    if (header.type === TxnType.createSession || header.type === TxnType.closeSession) {
      this.pendingSessionTxns.push({ zxid: header.zxid, type: header.type, id: header.clientId, timeout: header.type === TxnType.createSession ? (txn as { timeOut: number }).timeOut : 0 });
    }
    if (this.schedule.logged()) this.startSnapshot();
  }

  /** Where `logTxn`'s outcomes go (one listener; a later call replaces it). */
  setTxnListener(listener: { durable(zxid: bigint): void; failed(first: bigint, last: bigint, error: unknown): void }): void {
    this.log.listener = {
      durable: (zxid) => {
        this.applySessionTxns(zxid);
        listener.durable(zxid);
      },
      failed: (first, last, error, count) => {
        this.stats.failedAppends += count;
        this.pendingSessionTxns = this.pendingSessionTxns.filter((t) => t.zxid < first || t.zxid > last);
        listener.failed(first, last, error);
      },
    };
  }

  private pendingSessionTxns: Array<{ zxid: bigint; type: number; id: bigint; timeout: number }> = [];

  private applySessionTxns(durable: bigint): void {
    const p = this.pendingSessionTxns;
    if (p.length === 0 || p[0]!.zxid > durable) return;
    let i = 0;
    for (; i < p.length && p[i]!.zxid <= durable; i++) {
      const t = p[i]!;
      if (t.type === TxnType.createSession) this.sessions.set(t.id, t.timeout);
      else this.sessions.delete(t.id);
    }
    p.splice(0, i);
  }

  /**
   * Rolls the log and writes a fuzzy snapshot in the background. One falling due while the previous one is still
   * being written starts as soon as that one ends (dues meanwhile collapse into that one). ZooKeeper's
   * SyncRequestProcessor skips it instead ("Too busy to snap, skipping") and waits for the next due, which its
   * snapshot thread rarely misses; here snapshots share the event loop with the server, and under sustained writes
   * to a large tree every other due fell while one was written, so the log after the newest snapshot, replayed at
   * each start, grew to several snapCounts (184,180 txns against ZooKeeper's 39,885 in the 1,000,000-znode restart).
   */
  startSnapshot(): void {
    if (this.closed) return;
    if (this.snapshotting) {
      if (!this.snapshotPending) {
        this.stats.deferredSnapshots++;
        this.logger.debug("snapshot due while the previous one is being written: it starts when that one ends");
      }
      this.snapshotPending = true;
      return;
    }
    this.snapshotPending = false;
    this.snapshotting = this.log
      .roll()
      .then(() => this.writeSnapshot())
      .catch((e: unknown) => {
        if (logSnapshotFailure(this.logger, e)) this.stats.cancelledSnapshots++;
      })
      .finally(() => {
        this.snapshotting = null;
        if (this.snapshotPending) this.startSnapshot();
      });
  }

  /** Writes a snapshot of the tree now (the caller rolls the log if it wants a new file). */
  async writeSnapshot(): Promise<SnapshotInfo> {
    const started = this.clock.now();
    const t0 = this.clock.monotonic();
    const info = await snapshotTree(this.opts.storage, this.opts.dataDir, this.opts.tree, this.sessions, {
      time: started,
      format: this.opts.snapshotFormat ?? "zkts",
      now: () => this.clock.monotonic(),
      ...(this.opts.sliceMs !== undefined ? { sliceMs: this.opts.sliceMs } : {}),
      cancel: this.cancel,
    });
    // ZooKeeperServer.takeSnapshot: the time the snapshot took.
    this.snapshotTime.observe(this.clock.monotonic() - t0);
    this.stats.snapshots++;
    this.stats.lastSnapshot = info;
    this.logger.info("snapshot written", {
      file: info.path,
      zxid: `0x${info.zxid.toString(16)}`,
      nodes: info.nodes,
      bytes: info.bytes,
      ms: this.clock.now() - started,
    });
    return info;
  }

  /** Waits for a running snapshot. */
  async idle(): Promise<void> {
    while (this.snapshotting) await this.snapshotting;
  }

  /**
   * Cancels a snapshot being written (it stops at its next slice and removes its partial file: a snapshot is never
   * needed for durability, every txn it covers is in the log, and with 10,000,000 znodes one takes minutes), then
   * closes the txn log after its last fdatasync. As ZooKeeper, whose shutdown does not wait for its snapshot thread
   * either. A restart restores the previous snapshot and replays the log after it.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.cancel.cancelled = true;
    await this.idle();
    await this.log.close();
    const st = this.log.stats;
    this.logger.info("txn log closed", { entries: st.entries, batches: st.batches, syncs: st.syncs, files: st.files, failures: st.failures });
  }
}
