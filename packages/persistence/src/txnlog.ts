import { OutputArchive, TxnDigest, type TxnHeader as TxnHeaderRecord } from "@zkts/jute";
import type { Clock } from "@zkts/contracts";
import { M, MetricsRegistry, type Summary } from "@zkts/metrics";
import { adler32 } from "./adler32.js";
import { LogClosedError, LogWriteError, ZxidOrderError } from "./errors.js";
import {
  DEFAULT_PREALLOC_SIZE,
  EOR,
  FILE_HEADER_SIZE,
  VERSION_DIR,
  logFileHeader,
  makeLogName,
  sizeWithPadding,
} from "./log-format.js";
import { joinPath, type Storage, type StorageFile } from "./storage.js";
import { writeTxn } from "@zkts/client-wire";
import { payloadZxid } from "./txn.js";

export interface TxnLogOptions {
  /** Bytes the file is extended by, with zeros, ahead of the write position (default 64 MiB; 0 = never). */
  preAllocSize?: number;
  /** fdatasync each batch before acknowledging it (default true; false = zookeeper.forceSync=no). */
  forceSync?: boolean;
  /** FileHeader.dbid (ZooKeeper writes 0). */
  dbId?: bigint;
  /** Appends must carry a zxid greater than this (default 0: the last zxid recovered from disk). */
  lastZxid?: bigint;
  /** Most bytes written by one batch (default 4 MiB); more appends wait for the next batch. */
  maxBatchBytes?: number;
  /** Where `fsynctime` (ms per fdatasync) and `sync_processor_batch_size` (txns per batch) are recorded. */
  metrics?: MetricsRegistry;
  /** Monotonic time for `fsynctime`; without it the fsync time is not measured (and not reported). */
  clock?: Pick<Clock, "monotonic">;
  /** Where `fsynctime` and `sync_processor_batch_size` go instead of `metrics` (the txn log worker forwards them). */
  summaries?: { fsyncTime: Pick<Summary, "observe">; batchSize: Pick<Summary, "observe"> };
}

/**
 * What a server's store needs from a txn log writer: `TxnLog` in the calling thread, or `WorkerTxnLog` (the same
 * log written by a worker thread).
 */
export interface TxnLogWriter {
  readonly lastDurableZxid: bigint;
  readonly stats: TxnLogStats;
  listener: TxnLogListener | null;
  appendTxn(header: TxnHeaderRecord, txn: unknown | null, digest?: TxnDigest | null): void;
  roll(): Promise<void>;
  close(): Promise<void>;
}

export interface TxnLogStats {
  /** Entries made durable (acknowledged). */
  entries: number;
  /** Batches written (each ends with one fdatasync when forceSync). */
  batches: number;
  syncs: number;
  /** Batches that failed (their appends were rejected). */
  failures: number;
  /** Files created. */
  files: number;
}

/**
 * Entries waiting to be written, framed in place (checksum, length, payload, 'B') in one buffer: a txn is
 * encoded once, straight into the batch that is handed to the file.
 */
interface BatchItem {
  kind: "batch";
  out: OutputArchive;
  first: bigint;
  last: bigint;
  count: number;
  /** Promises of `append()` calls in this batch (null: only `appendTxn` entries, reported to the listener). */
  waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> | null;
}
interface RollItem {
  kind: "roll" | "close";
  resolve: () => void;
  reject: (e: unknown) => void;
}
type Item = BatchItem | RollItem;

/** Told, in log order, when entries became durable or were rejected. */
export interface TxnLogListener {
  /** Every entry up to and including `zxid` is durable. */
  durable(zxid: bigint): void;
  /** The `count` entries from `first` to `last` (zxids) were not written and never will be: none is acknowledged. */
  failed(first: bigint, last: bigint, error: LogWriteError, count: number): void;
}

/** Bytes before a payload: long checksum (Adler32 in its low 32 bits), int length. */
export const ENTRY_HEAD = 12;
/** Batches written at once (the next one's write starts while the previous one is still being made durable). */
const MAX_INFLIGHT = 2;
/** Batch buffers kept for reuse (being written, one filling). */
const POOL_SIZE = MAX_INFLIGHT + 1;
const WOKEN = Symbol("woken");

interface Job {
  batch: BatchItem;
  /** File position after the batch. */
  end: number;
  /** The job synced the directory (the first batch of a new file). */
  dirSynced: boolean;
  done: Promise<unknown>;
}
const POOLED_MAX = 1024 * 1024;

/**
 * The txn log writer, in Apache ZooKeeper's format: `<dir>/version-2/log.<hex zxid of its first txn>`,
 * FileHeader{ZKLG, 2, dbId}, then per txn: long Adler32 of the payload, int length, payload, 'B'.
 *
 * Group commit: `append()` queues an entry and returns a promise resolved once it is durable. One batch is
 * written and fdatasync'ed at a time; appends arriving meanwhile form the next batch, covered by the next
 * single fdatasync. If a write or sync fails, every append of that batch and every append queued behind it
 * is rejected with `LogWriteError` (none is acknowledged); the next append retries at the same file position,
 * overwriting (and zero-filling) whatever the failed batch may have left, so rejected entries never reappear.
 *
 * A new file is created for the first append and after `roll()` (ZooKeeper rolls the log when a snapshot
 * starts); the directory is fsynced before the first batch of a new file is acknowledged.
 *
 * `appendTxn()` is the allocation-free form the server uses: the txn is marshalled straight into the batch
 * buffer and the outcome goes to the `listener` (one call per batch) instead of a promise per entry.
 */
export class TxnLog implements TxnLogWriter {
  readonly dir: string;
  private readonly preAllocSize: number;
  private readonly forceSync: boolean;
  private readonly dbId: bigint;
  private readonly maxBatchBytes: number;

  private file: StorageFile | null = null;
  private filePath: string | null = null;
  /** End of the last acknowledged entry in the current file. */
  private pos = 0;
  /** Size the file has been padded to. */
  private padded = 0;
  /** End of the bytes a failed batch may have written (>= pos). */
  private dirtyEnd = 0;
  private fileHasDurableEntries = false;
  private dirSyncPending = false;
  private needHeader = false;

  private queue: Item[] = [];
  private readonly pool: OutputArchive[] = [];
  /** Receives durable / failed reports for every entry (appendTxn and append alike). */
  listener: TxnLogListener | null = null;
  private running = false;
  private closed = false;
  private queuedZxid: bigint;
  private durable: bigint;
  readonly stats: TxnLogStats = { entries: 0, batches: 0, syncs: 0, failures: 0, files: 0 };
  private readonly fsyncTime: Pick<Summary, "observe">;
  private readonly batchSize: Pick<Summary, "observe">;
  private readonly clock: Pick<Clock, "monotonic"> | undefined;

  private constructor(
    private readonly storage: Storage,
    dataLogDir: string,
    opts: TxnLogOptions,
  ) {
    this.dir = joinPath(dataLogDir, VERSION_DIR);
    this.preAllocSize = opts.preAllocSize ?? DEFAULT_PREALLOC_SIZE;
    this.forceSync = opts.forceSync ?? true;
    this.dbId = opts.dbId ?? 0n;
    this.maxBatchBytes = opts.maxBatchBytes ?? 4 * 1024 * 1024;
    this.queuedZxid = opts.lastZxid ?? 0n;
    this.durable = this.queuedZxid;
    if (opts.summaries !== undefined) {
      this.fsyncTime = opts.summaries.fsyncTime;
      this.batchSize = opts.summaries.batchSize;
    } else {
      const metrics = opts.metrics ?? new MetricsRegistry();
      this.fsyncTime = metrics.summary(M.FSYNC_TIME);
      this.batchSize = metrics.summary(M.SYNC_PROCESSOR_BATCH_SIZE);
    }
    this.clock = opts.clock;
  }

  /** Opens a log writer over `<dataLogDir>/version-2` (created if missing). Files are created lazily. */
  static async open(storage: Storage, dataLogDir: string, opts: TxnLogOptions = {}): Promise<TxnLog> {
    const log = new TxnLog(storage, dataLogDir, opts);
    await storage.mkdirp(log.dir);
    return log;
  }

  /** zxid of the last acknowledged (durable) txn. */
  get lastDurableZxid(): bigint {
    return this.durable;
  }

  /** Path of the file being written, if any. */
  get currentFile(): string | null {
    return this.filePath;
  }

  /** Appends one marshalled txn (TxnHeader + record [+ TxnDigest], see `marshalTxn`); resolves when durable. */
  append(payload: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new LogClosedError());
    let zxid: bigint;
    try {
      zxid = payloadZxid(payload);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.appendAll([{ zxid, data: payload }]);
  }

  /**
   * Appends marshalled txns (as `append`) whose zxids the caller knows; resolves once all are durable, rejects
   * if any could not be written. One promise for the lot. `start`: "nextTurn" (default) starts the write after the
   * current round of I/O callbacks, so that appends made in that round share one batch; "now" starts it at once,
   * for a caller that gathered its batch already (an ensemble member's host loop, once per round): waiting for the
   * next turn would only delay the fsync its ACKs and replies wait for, by that turn's I/O callbacks.
   */
  appendAll(txns: ReadonlyArray<{ zxid: bigint; data: Uint8Array }>, start: "nextTurn" | "now" = "nextTurn"): Promise<void> {
    if (txns.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new LogClosedError());
    let prev = this.queuedZxid;
    for (const t of txns) {
      if (t.zxid <= prev) return Promise.reject(new ZxidOrderError(t.zxid, prev));
      prev = t.zxid;
    }
    let b: BatchItem | undefined;
    for (const t of txns) {
      b = this.openBatch(t.data.length);
      const start = b.out.reserve(ENTRY_HEAD);
      b.out.writeRaw(t.data);
      this.sealEntry(b, start, t.zxid);
    }
    const last = b!;
    return new Promise<void>((resolve, reject) => {
      (last.waiters ??= []).push({ resolve, reject });
      if (start === "now") this.kickNow();
      else this.kick();
    });
  }

  /**
   * Appends a txn, marshalled (TxnHeader + record + the TxnDigest when given, as `marshalTxn`) straight into the
   * batch being filled. Nothing is returned: the outcome reaches `listener`. Throws (and appends nothing) on a
   * closed log, a zxid not above the last one, or a txn its record codec cannot encode.
   */
  appendTxn(header: TxnHeaderRecord, txn: unknown | null, digest?: TxnDigest | null): void {
    if (this.closed) throw new LogClosedError();
    const zxid = header.zxid;
    if (zxid <= this.queuedZxid) throw new ZxidOrderError(zxid, this.queuedZxid);
    const b = this.openBatch(128);
    const start = b.out.length;
    frameTxnEntry(b.out, header, txn, digest);
    this.countEntry(b, start, zxid);
    this.kick();
  }

  /**
   * Appends `count` entries framed by `frameTxnEntry` (checksum fields not yet filled: they are computed here),
   * zxids `first` to `last`, as one run of bytes; the outcome reaches `listener`. This is how the txn log worker
   * receives the entries the server's thread encoded. Throws (and appends nothing) on a closed log or a `first`
   * not above the last zxid appended.
   */
  appendFramed(frames: Uint8Array, first: bigint, last: bigint, count: number): void {
    if (this.closed) throw new LogClosedError();
    if (first <= this.queuedZxid) throw new ZxidOrderError(first, this.queuedZxid);
    if (count === 0) return;
    const b = this.openBatch(frames.length);
    const out = b.out;
    let p = out.length;
    out.writeRaw(frames);
    const buf = out.buffer;
    const end = out.length;
    while (p < end) {
      const len = buf.readInt32BE(p + 8);
      buf.writeInt32BE(adler32(buf, 1, p + ENTRY_HEAD, p + ENTRY_HEAD + len) | 0, p + 4);
      p += ENTRY_HEAD + len + 1;
    }
    if (b.count === 0) b.first = first;
    b.last = last;
    b.count += count;
    this.queuedZxid = last;
    this.kick();
  }

  /** The batch at the tail of the queue while it has room, else a new one. */
  private openBatch(hint: number): BatchItem {
    const tail = this.queue.length > 0 ? this.queue[this.queue.length - 1]! : undefined;
    if (tail !== undefined && tail.kind === "batch" && tail.out.length + hint + ENTRY_HEAD + 1 <= this.maxBatchBytes) return tail;
    const b: BatchItem = { kind: "batch", out: this.pool.pop() ?? new OutputArchive(64 * 1024), first: 0n, last: 0n, count: 0, waiters: null };
    this.queue.push(b);
    return b;
  }

  /** Completes the entry whose 12-byte head is at `start`: 'B' after the payload, then length and checksum. */
  private sealEntry(b: BatchItem, start: number, zxid: bigint): void {
    sealFrame(b.out, start);
    this.countEntry(b, start, zxid);
  }

  /** The entry framed at `start` (up to the end of the batch) gets its checksum and is counted in the batch. */
  private countEntry(b: BatchItem, start: number, zxid: bigint): void {
    const out = b.out;
    out.setInt32At(start + 4, adler32(out.buffer, 1, start + ENTRY_HEAD, out.length - 1));
    if (b.count === 0) b.first = zxid;
    b.last = zxid;
    b.count++;
    this.queuedZxid = zxid;
  }

  /**
   * Ends the current file after every append made before this call; the next append starts a new file.
   * Resolves when the old file is closed.
   */
  roll(): Promise<void> {
    if (this.closed) return Promise.reject(new LogClosedError());
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: "roll", resolve, reject });
      this.kick();
    });
  }

  /** Waits for queued appends, then closes the current file. Further appends are rejected. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: "close", resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) {
      // A batch may go out now if fewer than MAX_INFLIGHT are being written: wake the writer, after the current
      // round of I/O callbacks (so the batch holds every request read in this round).
      if (this.wake !== null && !this.wakeQueued) {
        this.wakeQueued = true;
        setImmediate(this.wakeTask);
      }
      return;
    }
    this.running = true;
    // Started after the current round of I/O callbacks, so that the requests of every connection read in this
    // round share the first batch (later batches form while earlier ones are being written).
    setImmediate(this.runTask);
  }

  /**
   * As `kick`, without waiting for the next turn: an idle writer starts in this call (the batch's write is issued
   * before it returns); a writer waiting with room for another batch takes it in a microtask.
   */
  private kickNow(): void {
    if (this.running) {
      const w = this.wake;
      this.wake = null;
      w?.(); // a wakeTask queued meanwhile then finds nothing to wake
      return;
    }
    this.running = true;
    void this.run();
  }

  private readonly runTask = (): void => void this.run();
  /** Resolves the writer's wait for "the oldest write finished, or there is more to write". */
  private wake: (() => void) | null = null;
  private wakeQueued = false;
  private readonly wakeTask = (): void => {
    this.wakeQueued = false;
    const w = this.wake;
    this.wake = null;
    w?.();
  };

  /** Batches being written (at most MAX_INFLIGHT), oldest first; acknowledged in this order. */
  private inflight: Job[] = [];
  /** End of the bytes handed to the file (>= pos: includes the batches in flight). */
  private writePos = 0;
  /** The last dispatched batch's writes (the next batch's writes wait for them); null: none pending. */
  private lastWritten: Promise<void> | null = null;

  /**
   * The writer: up to MAX_INFLIGHT batches are written (and synced) at once, at consecutive positions, and
   * acknowledged strictly in order, each once it and every batch before it are durable. If one fails, every
   * batch in flight or queued is rejected once all writes in flight have settled.
   */
  private async run(): Promise<void> {
    try {
      for (;;) {
        while (this.inflight.length < MAX_INFLIGHT && this.queue.length > 0 && this.queue[0]!.kind === "batch") {
          const b = this.queue.shift() as BatchItem;
          if (b.count === 0) {
            // its only entry failed to encode
            this.recycle(b.out);
            continue;
          }
          if (!this.file) {
            try {
              await this.openFile(b.first);
            } catch (e) {
              await this.fail([b], e);
              continue;
            }
          }
          this.inflight.push(this.dispatch(b));
        }
        if (this.inflight.length === 0) {
          if (this.queue.length === 0) break;
          const head = this.queue.shift() as RollItem;
          try {
            await this.closeFile();
            head.resolve();
          } catch (e) {
            head.reject(new LogWriteError(this.filePath ?? this.dir, e));
          }
          continue;
        }
        const oldest = this.inflight[0]!;
        let outcome: unknown;
        if (this.inflight.length < MAX_INFLIGHT && (this.queue.length === 0 || this.queue[0]!.kind === "batch")) {
          outcome = await Promise.race([oldest.done, new Promise<typeof WOKEN>((r) => (this.wake = () => r(WOKEN)))]);
          this.wake = null;
          if (outcome === WOKEN) continue;
        } else {
          outcome = await oldest.done;
        }
        if (outcome !== null) {
          // Let every write in flight settle, then take them all back.
          const jobs = this.inflight;
          this.inflight = [];
          await Promise.all(jobs.map((j) => j.done));
          await this.fail(
            jobs.map((j) => j.batch),
            outcome,
          );
          continue;
        }
        this.inflight.shift();
        this.pos = oldest.end;
        // Everything written is acknowledged once nothing is in flight (zero-filled bytes past it are zeros now).
        if (this.inflight.length === 0) this.dirtyEnd = this.pos;
        if (oldest.dirSynced) this.dirSyncPending = false;
        if (this.forceSync) this.stats.syncs++;
        this.fileHasDurableEntries = true;
        const b = oldest.batch;
        this.durable = b.last;
        this.stats.entries += b.count;
        const ws = b.waiters;
        this.recycle(b.out);
        if (ws !== null) for (const w of ws) w.resolve();
        this.listener?.durable(b.last);
      }
    } finally {
      this.running = false;
    }
  }

  private recycle(out: OutputArchive): void {
    if (this.pool.length < POOL_SIZE && out.buffer.length <= POOLED_MAX) {
      out.reset();
      this.pool.push(out);
    }
  }

  /**
   * Starts writing a batch at `writePos`: positions, padding and zero-filling are decided now, in batch order;
   * the I/O runs in the background. `done` resolves with null once the batch is durable, or with the error.
   */
  private dispatch(b: BatchItem): Job {
    const file = this.file!;
    const out = b.out;
    const bytes = out.length;
    const data = out.buffer.subarray(0, bytes);
    const start = this.writePos;
    const end = start + bytes;
    // Overwrite whatever an earlier failed batch may have left beyond our end with zeros.
    const total = Math.max(end, this.dirtyEnd) - start;
    // As ZooKeeper: pad from the position the batch starts at (and further if the batch would overrun).
    let newSize = sizeWithPadding(start, this.padded, this.preAllocSize);
    if (newSize < end) newSize = sizeWithPadding(end, newSize, this.preAllocSize);
    this.dirtyEnd = Math.max(this.dirtyEnd, start + total);
    let padAt = -1;
    if (newSize > this.padded && newSize > start + total) {
      // Extend the file with zeros ahead of the write position (a sparse write of its last byte, as ZooKeeper).
      padAt = newSize - 1;
      this.padded = newSize;
    }
    const header = this.needHeader;
    this.needHeader = false;
    const dirSync = this.forceSync && this.dirSyncPending;
    this.writePos = end;
    this.stats.batches++;
    // ZooKeeper's SyncRequestProcessor records the requests of each flush.
    this.batchSize.observe(b.count);
    // The writes themselves go one batch after the other (a batch's write starts once the previous batch's
    // write returned, and not at all if it failed), so a crashed process never leaves a hole before a later
    // batch's entries; only the syncs overlap.
    const prev = this.lastWritten;
    const written = (async (): Promise<void> => {
      if (prev !== null) await prev;
      if (header) await file.write(logFileHeader(this.dbId), 0);
      if (padAt >= 0) await file.write(ZERO_BYTE, padAt);
      if (total > bytes) await file.write(Buffer.alloc(total - bytes), end);
      await file.write(data, start);
    })();
    written.catch(() => {}); // seen through `done`
    this.lastWritten = written;
    const done = (async (): Promise<unknown> => {
      try {
        await written;
        if (this.forceSync) {
          const clock = this.clock;
          const t0 = clock === undefined ? 0 : clock.monotonic();
          await file.datasync();
          // FileTxnLog.commit: milliseconds per fsync (only when a clock was given).
          if (clock !== undefined) this.fsyncTime.observe(clock.monotonic() - t0);
          if (dirSync) await this.storage.syncDir(this.dir);
        }
        return null;
      } catch (e) {
        return e;
      }
    })();
    return { batch: b, end, dirSynced: dirSync, done };
  }

  private async openFile(firstZxid: bigint): Promise<void> {
    const path = joinPath(this.dir, makeLogName(firstZxid));
    const file = await this.storage.open(path, "create");
    this.file = file;
    this.filePath = path;
    this.pos = FILE_HEADER_SIZE;
    this.writePos = FILE_HEADER_SIZE;
    this.lastWritten = null;
    this.padded = 0;
    this.dirtyEnd = FILE_HEADER_SIZE;
    this.fileHasDurableEntries = false;
    this.dirSyncPending = this.forceSync;
    this.needHeader = false;
    this.stats.files++;
    await file.write(logFileHeader(this.dbId), 0);
    this.padded = FILE_HEADER_SIZE;
  }

  private async fail(batches: BatchItem[], cause: unknown): Promise<void> {
    const batch = batches[0]!;
    this.stats.failures++;
    const err = new LogWriteError(this.filePath ?? this.dir, cause);
    // Before any of them is answered: take back what the failed batch wrote. A short write (ENOSPC) or a failed
    // fdatasync (EIO) leaves whole entries in the file (and in the page cache: a kill -9 keeps them), which a
    // restart would otherwise replay as if they had been logged.
    if (this.file && !this.fileHasDurableEntries) {
      // Nothing in this file was ever acknowledged: drop it, so the retry starts a file named after its own
      // first zxid. If that fails too, keep the file and rewrite it from the header on the next batch.
      const file = this.file;
      const path = this.filePath!;
      try {
        await this.storage.remove(path);
        await file.close().catch(() => {});
        this.file = null;
        this.filePath = null;
      } catch {
        this.needHeader = true;
      }
    } else if (this.file && this.dirtyEnd > this.pos) {
      // Cut the file after the last acknowledged entry (this needs no space: it frees some). If that fails,
      // the next batch, or closing the file, overwrites the rejected bytes with zeros.
      try {
        await this.file.truncate(this.pos);
        this.padded = Math.min(this.padded, this.pos);
        if (this.forceSync) await this.file.datasync();
        this.dirtyEnd = this.pos;
      } catch {
        // keep dirtyEnd
      }
    }
    this.writePos = this.pos;
    this.lastWritten = null;
    // Reject the batch and every append queued behind it, those made while the file above was cleaned up included
    // (they may rest on the failed txns: none of them may become durable); roll/close markers stay queued.
    const queued = this.queue.filter((it): it is BatchItem => it.kind === "batch");
    this.queue = this.queue.filter((it) => it.kind !== "batch");
    this.queuedZxid = this.durable;
    let last = batch.last;
    let count = 0;
    for (const b of [...batches, ...queued]) {
      if (b.count > 0) last = b.last;
      count += b.count;
      for (const w of b.waiters ?? []) w.reject(err);
      this.recycle(b.out);
    }
    this.listener?.failed(batch.first, last, err, count);
  }

  private async closeFile(): Promise<void> {
    const file = this.file;
    if (!file) return;
    if (this.dirtyEnd > this.pos) {
      // A failed batch may have left (rejected) entries after the last acknowledged one: zero them durably.
      await file.write(Buffer.alloc(this.dirtyEnd - this.pos), this.pos);
      await file.datasync();
      this.dirtyEnd = this.pos;
    }
    this.file = null;
    this.filePath = null;
    await file.close();
  }
}

const ZERO_BYTE = Buffer.alloc(1);

/**
 * Frames one txn at the end of `out` as a log entry, its checksum left 0 (`sealFrame`, then the checksum, or
 * `TxnLog.appendFramed`, which computes it): 12-byte head, TxnHeader + record [+ TxnDigest], 'B'. Appends
 * nothing if the record cannot be encoded (and rethrows).
 */
export function frameTxnEntry(out: OutputArchive, header: TxnHeaderRecord, txn: unknown | null, digest?: TxnDigest | null): void {
  const start = out.reserve(ENTRY_HEAD);
  try {
    writeTxn(out, header, txn);
    if (digest) TxnDigest.write(out, digest);
  } catch (e) {
    out.truncate(start);
    throw e;
  }
  sealFrame(out, start);
}

/** Ends the entry whose head is at `start` (its payload runs to the end of `out`): 'B', the length, checksum 0. */
function sealFrame(out: OutputArchive, start: number): void {
  const end = out.length;
  out.writeByte(EOR);
  out.setInt32At(start, 0);
  out.setInt32At(start + 4, 0);
  out.setInt32At(start + 8, end - start - ENTRY_HEAD);
}
