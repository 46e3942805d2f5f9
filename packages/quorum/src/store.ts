/**
 * Durable state of an ensemble member in its dataDir: the epoch files, the txn log (every logged txn, committed or
 * not: ZAB decides), snapshots (committed state only) — the host side of ZAB's persist ops. Everything goes through
 * persistence's `Storage`; the snapshot cadence (randomised, the log rolled first) is persistence's SnapshotSchedule,
 * the same rule as a standalone server's.
 */
import type { Clock, Logger, Random } from "@zkts/contracts";
import type { DataTree } from "@zkts/datatree";
import {
  DataLossError,
  listSnapshots,
  joinPath,
  listLogFiles,
  loadNewestValidSnapshot,
  readLongFile,
  readTxnLog,
  logSnapshotFailure,
  SnapshotSchedule,
  DEFAULT_ZK_STREAM_LIMITS,
  parseZkSnapStream,
  restoreTree,
  serializeZkSnapStream,
  zkSnapshotBodyOf,
  snapshotTree,
  TxnLog,
  truncateLogAfter,
  truncateTornTail,
  TxnType,
  VERSION_DIR,
  writeLongFile,
  type SnapshotDigester,
  type SnapshotFormat,
  type Storage,
} from "@zkts/persistence";
import { M, MetricsRegistry } from "@zkts/metrics";
import type { PersistOp, Txn } from "@zkts/zab";

export interface EnsembleStoreOptions {
  storage: Storage;
  dataDir: string;
  dataLogDir: string;
  tree: DataTree;
  forceSync: boolean;
  preAllocSize: number;
  logger: Logger;
  /** Snapshot header times (wall) and the durations recorded in metrics (monotonic). */
  clock: Pick<Clock, "now" | "monotonic">;
  /** zoo.cfg snapCount: a snapshot after snapCount/2 + random(snapCount/2) logged txns (SnapshotSchedule). */
  snapCount: number;
  /** The format snapshots are written in (zoo.cfg `snapshot.format`, default "zkts"); both are read. */
  snapshotFormat?: SnapshotFormat;
  /** For the snapshot interval's random part. */
  random: Pick<Random, "next">;
  /** Where `dbinittime`, `snapshottime` and the txn log's metrics are recorded (default: a registry of its own). */
  metrics?: MetricsRegistry;
  /** See QuorumPeerEnv.snapshotDigester. */
  snapshotDigester?: SnapshotDigester;
}

/** One member's durable state: restored at open, then the host side of ZAB's persist ops. */
export class EnsembleStore {
  acceptedEpoch = 0n;
  currentEpoch = 0n;
  /** Live sessions (id -> timeout) of the applied (committed) state. */
  readonly sessions = new Map<bigint, number>();
  /** zxid of the snapshot the tree was restored from. */
  snapshotZxid = 0n;
  /** Logged txns after the snapshot (handed to ZAB at start). */
  restoredLog: Txn[] = [];
  /**
   * Set when the logged txns reach the snapshot schedule's count (the log has been rolled then): the host takes a
   * snapshot of the applied state and clears it.
   */
  snapshotDue = false;
  /** The due snapshot waits for the one being written (logged once). */
  private dueDeferred = false;
  private log!: TxnLog;
  /** A snapshot being written in the background (at most one). */
  private snapshotting: Promise<void> | undefined;
  /** Set by `close`: a background snapshot stops at its next slice and removes its partial file. */
  private readonly cancel = { cancelled: false };
  private readonly metrics: MetricsRegistry;
  private readonly schedule: SnapshotSchedule;

  private constructor(private readonly opts: EnsembleStoreOptions) {
    this.metrics = opts.metrics ?? new MetricsRegistry();
    this.schedule = new SnapshotSchedule(opts.snapCount, opts.random);
  }

  static async open(opts: EnsembleStoreOptions): Promise<EnsembleStore> {
    const s = new EnsembleStore(opts);
    const t0 = opts.clock.monotonic();
    await s.load();
    // ZKDatabase.loadDataBase: the time to restore the snapshot and read the log.
    s.metrics.summary(M.DB_INIT_TIME).observe(opts.clock.monotonic() - t0);
    return s;
  }

  private async load(): Promise<void> {
    const { storage, dataDir, dataLogDir } = this.opts;
    await storage.mkdirp(dataDir);
    await storage.mkdirp(joinPath(dataDir, VERSION_DIR));
    await storage.mkdirp(joinPath(dataLogDir, VERSION_DIR));
    // absent = 0 (a member that never accepted an epoch)
    this.acceptedEpoch = await this.readEpoch("acceptedEpoch");
    this.currentEpoch = await this.readEpoch("currentEpoch");
    // the newest snapshot that reads back whole, checked as it is loaded (one pass over the file)
    const { snapshot: snap, rejected } = await loadNewestValidSnapshot(storage, dataDir, this.opts.tree, {
      digester: this.opts.tree.isDigestEnabled ? this.opts.snapshotDigester : undefined,
    });
    for (const r of rejected) this.opts.logger.error("snapshot failed verification, falling back to an older one", { file: r.path, error: r.error.message });
    if (snap) {
      this.sessions.clear();
      for (const [id, timeout] of snap.load.sessions) this.sessions.set(id, timeout);
      this.snapshotZxid = snap.zxid;
    } else if ((await listSnapshots(storage, dataDir)).length > 0) {
      // As ZooKeeper's FileSnap.deserialize ("Not able to find valid snapshots"): the log alone would give a tree
      // missing what only the snapshots held, under a last zxid that looks current (the leader would then DIFF it).
      throw new DataLossError(
        `no valid snapshot in ${joinPath(dataDir, VERSION_DIR)} (every one failed verification); refusing to start. ` +
          "Restore the files, or empty the member's data dir (it then gets the leader's snapshot when it joins)",
      );
    }
    const reader = readTxnLog(storage, dataLogDir, { fromZxid: this.snapshotZxid + 1n });
    let last = this.snapshotZxid;
    for await (const e of reader) {
      if (e.zxid <= last) continue;
      this.restoredLog.push({ zxid: e.zxid, data: Buffer.from(e.payload) });
      last = e.zxid;
    }
    const end = reader.end!;
    if (end.reason === "torn" || end.reason === "corrupt" || end.discardFiles.length > 0) {
      this.opts.logger.warn("txn log ends with a torn write: truncating it", { file: end.file, offset: end.offset });
      await truncateTornTail(storage, dataLogDir, end);
    }
    this.log = await this.openLog(last);
    this.opts.logger.info("ensemble data restored", {
      snapshotZxid: `0x${this.snapshotZxid.toString(16)}`,
      loggedAfterSnapshot: this.restoredLog.length,
      acceptedEpoch: String(this.acceptedEpoch),
      currentEpoch: String(this.currentEpoch),
    });
  }

  private openLog(lastZxid: bigint): Promise<TxnLog> {
    return TxnLog.open(this.opts.storage, this.opts.dataLogDir, {
      preAllocSize: this.opts.preAllocSize,
      forceSync: this.opts.forceSync,
      lastZxid,
      metrics: this.metrics,
      clock: this.opts.clock,
    });
  }

  /** Tracks sessions as committed txns are applied (the tree is applied by the caller). */
  noteCommitted(type: number, clientId: bigint, txn: unknown): void {
    if (type === TxnType.createSession) this.sessions.set(clientId, (txn as { timeOut: number }).timeOut);
    else if (type === TxnType.closeSession) this.sessions.delete(clientId);
  }

  /**
   * Appends txns; resolves when all are durable. When the snapshot schedule says so, the log is then rolled (the
   * next txn starts a new file, as SyncRequestProcessor's rollLog before a snapshot) and `snapshotDue` is set.
   */
  async append(txns: readonly Txn[]): Promise<void> {
    // the host loop hands one Ready's appends at once, after the round's I/O: the write starts now, not a turn later
    await this.log.appendAll(txns, "now");
    if (txns.length > 0 && this.schedule.logged(txns.length)) {
      await this.log.roll();
      this.snapshotDue = true;
    }
  }

  /** TRUNC: drops every logged txn after `zxid`. */
  async truncate(zxid: bigint): Promise<void> {
    await this.log.close();
    const n = await truncateLogAfter(this.opts.storage, this.opts.dataLogDir, zxid);
    this.opts.logger.info("txn log truncated (TRUNC)", { zxid: `0x${zxid.toString(16)}`, dropped: n });
    this.log = await this.openLog(zxid);
  }

  /**
   * SNAP: the leader's snapshot (ZooKeeper's learner stream: sessions, ACL cache, nodes, "BenWasHere", as
   * Learner.syncWithLeader reads it) becomes our database at `zxid`: parsed first (a damaged one changes nothing),
   * put into the tree, written as our own snapshot, and the log emptied.
   */
  async installSnapshot(zxid: bigint, bytes: Buffer): Promise<void> {
    const { storage, dataDir, dataLogDir, tree } = this.opts;
    const snap = parseZkSnapStream(bytes, { ...DEFAULT_ZK_STREAM_LIMITS, maxTotal: Math.max(bytes.length, DEFAULT_ZK_STREAM_LIMITS.maxTotal) });
    restoreTree(tree, snap.acls, snap.nodes, zxid);
    this.sessions.clear();
    for (const s of snap.sessions) this.sessions.set(s.id, s.timeout);
    await snapshotTree(storage, dataDir, tree, this.sessions, { time: this.opts.clock.now(), format: this.opts.snapshotFormat ?? "zkts" });
    await this.log.close();
    for (const lf of await listLogFiles(storage, dataLogDir)) await storage.remove(lf.path);
    await storage.syncDir(joinPath(dataLogDir, VERSION_DIR));
    this.snapshotZxid = zxid;
    this.log = await this.openLog(zxid);
    this.opts.logger.info("snapshot received from the leader (SNAP)", {
      zxid: `0x${zxid.toString(16)}`,
      bytes: bytes.length,
      nodes: snap.nodes.length,
      sessions: snap.sessions.length,
    });
  }

  /** What follows SNAP for a learner (LearnerHandler.syncFollower): the applied state in ZooKeeper's stream. */
  async snapshotBytes(): Promise<Buffer> {
    return serializeZkSnapStream(zkSnapshotBodyOf(this.opts.tree, this.sessions));
  }

  /** A snapshot of the applied (committed) state on disk (when `snapshotDue`). */
  async writeSnapshot(): Promise<void> {
    const t0 = this.opts.clock.monotonic();
    await snapshotTree(this.opts.storage, this.opts.dataDir, this.opts.tree, this.sessions, {
      time: this.opts.clock.now(),
      format: this.opts.snapshotFormat ?? "zkts",
      now: () => this.opts.clock.monotonic(),
      cancel: this.cancel,
    });
    this.metrics.summary(M.SNAPSHOT_TIME).observe(this.opts.clock.monotonic() - t0);
  }

  /**
   * Reads an epoch file where ZooKeeper keeps it, `<dataDir>/version-2/<kind>`; 0 when absent. One found only where
   * zkts before 0.2 kept it (`<dataDir>/<kind>`) is moved to version-2 first (written durably there, then removed).
   */
  private async readEpoch(kind: "acceptedEpoch" | "currentEpoch"): Promise<bigint> {
    const { storage, dataDir } = this.opts;
    const here = await readLongFile(storage, this.epochPath(kind));
    if (here !== undefined) return here;
    const legacy = joinPath(dataDir, kind);
    const old = await readLongFile(storage, legacy);
    if (old === undefined) return 0n;
    await writeLongFile(storage, this.epochPath(kind), old);
    await storage.remove(legacy);
    await storage.syncDir(dataDir);
    this.opts.logger.info("epoch file moved to version-2 (where ZooKeeper keeps it)", { file: kind, epoch: String(old) });
    return old;
  }

  private epochPath(kind: "acceptedEpoch" | "currentEpoch"): string {
    return joinPath(joinPath(this.opts.dataDir, VERSION_DIR), kind);
  }

  /** Writes an epoch file durably (temp + fdatasync + rename + dir sync); resolves only once it is durable. */
  async setEpoch(kind: "acceptedEpoch" | "currentEpoch", epoch: bigint): Promise<void> {
    const t0 = this.opts.clock.monotonic();
    await writeLongFile(this.opts.storage, this.epochPath(kind), epoch);
    this.opts.logger.debug("epoch file written", { file: kind, epoch: String(epoch), ms: Math.round(this.opts.clock.monotonic() - t0) });
    this[kind] = epoch;
  }

  /** Carries out ZAB's persist ops in order; resolves once all are durable. */
  async persist(ops: readonly PersistOp[]): Promise<void> {
    for (const op of ops) {
      // TRUNC and SNAP rewrite the tree or the log under a background snapshot: let it finish first.
      if ((op.kind === "truncate" || op.kind === "snapshot") && this.snapshotting !== undefined) await this.snapshotting;
      switch (op.kind) {
        case "append":
          await this.append(op.txns);
          break;
        case "truncate":
          await this.truncate(op.zxid);
          break;
        case "snapshot":
          await this.installSnapshot(op.zxid, op.data);
          break;
        case "acceptedEpoch":
        case "currentEpoch":
          await this.setEpoch(op.kind, op.epoch);
          break;
      }
    }
  }

  /**
   * Starts a background snapshot when one is due and the tree holds nothing uncommitted (applied <= commitZxid).
   * Due after snapCount/2 + random(snapCount/2) logged txns, the log rolled (`append`). As ZooKeeper's
   * SyncRequestProcessor: a fuzzy snapshot of the applied state, named after the zxid applied when it starts; txns
   * applied meanwhile are in the log after that zxid and are replayed over it on restore (ZAB recommits them). One
   * falling due while the previous one is still being written starts on the first call after that one ends
   * (ZooKeeper skips it; see DurableStore.startSnapshot for why zkts does not).
   */
  maybeSnapshot(commitZxid: bigint): void {
    const { logger, clock, tree } = this.opts;
    if (this.snapshotDue && this.snapshotting !== undefined) {
      // deferred, not skipped (see DurableStore.startSnapshot): it starts on the first call after the running one ends
      if (!this.dueDeferred) logger.info("snapshot due while the previous one is being written: it starts when that one ends");
      this.dueDeferred = true;
      return;
    }
    if (!this.snapshotDue || tree.lastProcessedZxid > commitZxid) return;
    this.snapshotDue = false;
    this.dueDeferred = false;
    const started = clock.monotonic();
    this.snapshotting = this.writeSnapshot()
      .then(
        () => logger.info("snapshot written", { ms: Math.round(clock.monotonic() - started) }),
        (e: unknown) => void logSnapshotFailure(logger, e),
      )
      .finally(() => {
        this.snapshotting = undefined;
      });
  }

  /**
   * Cancels a background snapshot in progress (it stops at its next slice and removes its partial file; every txn it
   * covers is in the log, see DurableStore.close), waits for it to stop, then closes the txn log.
   */
  async close(): Promise<void> {
    this.cancel.cancelled = true;
    if (this.snapshotting !== undefined) await this.snapshotting;
    await this.log.close();
  }
}
