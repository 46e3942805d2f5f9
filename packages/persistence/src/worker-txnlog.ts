/**
 * The txn log written by a worker thread (a Node adapter, over the real file system only). The calling thread
 * marshals each txn into a log entry (TxnHeader + record [+ TxnDigest], framed with its length and 'B'); batches
 * of those bytes are transferred to the worker, which computes their Adler32 checksums and runs an ordinary
 * `TxnLog` (the same group commit, padding, fdatasync, roll and failure handling, so the same bytes on disk) and
 * answers "durable up to zxid" per group commit. What stays on the calling thread is the marshalling and one copy
 * of each batch; the checksums, the write(2)/fdatasync bookkeeping and their promises move to the worker.
 *
 * Durability is the in-thread log's: `listener.durable(zxid)` is called only after the worker's fdatasync of every
 * entry up to zxid. A failed batch fails every entry appended after it (on either thread): batches posted before
 * the calling thread heard of the failure are dropped by the worker (a generation number), and the report covers
 * everything appended so far. At most MAX_POSTED batches are with the worker at once (the bounded queue); entries
 * appended meanwhile gather into the next, bigger, batch on this side (back-pressure is group commit, as in-thread).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { OutputArchive, type TxnDigest, type TxnHeader as TxnHeaderRecord } from "@zkts/jute";
import { M, MetricsRegistry, type Summary } from "@zkts/metrics";
import { LogClosedError, LogWriteError, PersistenceError, StorageError, ZxidOrderError } from "./errors.js";
import { VERSION_DIR } from "./log-format.js";
import { joinPath } from "./storage.js";
import { frameTxnEntry, type TxnLogListener, type TxnLogOptions, type TxnLogStats, type TxnLogWriter } from "./txnlog.js";
import type { FromWorker, ToWorker, WorkerCause, WorkerInit } from "./worker-protocol.js";

export type WorkerTxnLogOptions = Omit<TxnLogOptions, "summaries" | "clock"> & {
  /**
   * The worker makes its file calls blocking (it has nothing else to do meanwhile: appends gather into the next
   * batch) instead of handing each to libuv's pool and back (default true: less CPU in all, see
   * bench/txnlog-worker.ts; false keeps TxnLog's overlap of one batch's write with the previous one's fdatasync).
   */
  blockingIo?: boolean;
};

/**
 * Batches with the worker (posted, not yet acknowledged) at most; entries appended meanwhile gather here into the
 * next batch. 2, as TxnLog's batches in flight: one being synced while the next is written. (More would only make
 * smaller batches: a message each way per batch costs the calling thread more than the batch's I/O bookkeeping.)
 */
const MAX_POSTED = 2;
const DEFAULT_MAX_BATCH = 4 * 1024 * 1024;
const MIN_BUFFER = 64 * 1024;

interface LocalBatch {
  kind: "batch";
  buf: ArrayBuffer;
  len: number;
  first: bigint;
  last: bigint;
  count: number;
}
interface Marker {
  kind: "roll" | "close";
  id: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The worker's entry module and how to start it (built JavaScript, or the TypeScript sources through tsx). The same
 * entry runs the snapshot digest job (snapshot-digest-worker.ts), told apart by its workerData.
 */
export function workerEntry(): { code: string | URL; eval: boolean; data: Record<string, unknown> } {
  const js = new URL("./txnlog-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(js))) return { code: js, eval: false, data: {} };
  const ts = new URL("./txnlog-worker.ts", import.meta.url);
  if (!existsSync(fileURLToPath(ts))) throw new PersistenceError(`txn log worker: neither ${fileURLToPath(js)} nor its source found`);
  // A source checkout (tests, `zkts-server` from sources): tsx with the repository's tsconfig (which maps @zkts/*
  // to the package sources), as tooling/scripts/launch-app.mjs runs the apps.
  // require.resolve gives the CommonJS build of tsx's API; its ES module build sits beside it.
  const api = createRequire(import.meta.url).resolve("tsx/esm/api");
  const tsx = pathToFileURL(existsSync(api.replace(/\.cjs$/, ".mjs")) ? api.replace(/\.cjs$/, ".mjs") : api).href;
  const tsconfig = fileURLToPath(new URL("../../../tsconfig.json", import.meta.url));
  const code =
    'const { workerData } = require("node:worker_threads");' +
    "import(workerData.tsx).then((m) => { m.register({ tsconfig: workerData.tsconfig }); return import(workerData.entry); });";
  return { code, eval: true, data: { tsx, tsconfig, entry: ts.href } };
}

export class WorkerTxnLog implements TxnLogWriter {
  readonly dir: string;
  listener: TxnLogListener | null = null;
  stats: TxnLogStats = { entries: 0, batches: 0, syncs: 0, failures: 0, files: 0 };
  private file: string | null = null;
  private durable: bigint;
  private queuedZxid: bigint;
  private closed = false;
  /** Set when the worker stopped (crashed, or refused an append): nothing more is written. */
  private broken: Error | null = null;
  private gen = 0;

  /** Entries being gathered into the next batch. */
  private readonly fill = new OutputArchive(MIN_BUFFER);
  private fillFirst = 0n;
  private fillLast = 0n;
  private fillCount = 0;
  /** Sealed batches and roll/close markers not yet posted, in order. */
  private local: Array<LocalBatch | Marker> = [];
  /** Batches with the worker, oldest first. */
  private posted: Array<{ first: bigint; last: bigint; count: number }> = [];
  private readonly markers = new Map<number, Marker>();
  private nextId = 1;
  private readonly freeBuffers: ArrayBuffer[] = [];
  private flushQueued = false;
  private refd = true;
  private readonly fsyncTime: Summary;
  private readonly batchSize: Summary;
  private readonly maxBatchBytes: number;

  private constructor(
    private readonly worker: Worker,
    dataLogDir: string,
    opts: WorkerTxnLogOptions,
  ) {
    this.dir = joinPath(dataLogDir, VERSION_DIR);
    this.durable = this.queuedZxid = opts.lastZxid ?? 0n;
    this.maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH;
    const metrics = opts.metrics ?? new MetricsRegistry();
    this.fsyncTime = metrics.summary(M.FSYNC_TIME);
    this.batchSize = metrics.summary(M.SYNC_PROCESSOR_BATCH_SIZE);
  }

  /** Starts the worker and opens the log in `<dataLogDir>/version-2` (created if missing). */
  static async open(dataLogDir: string, opts: WorkerTxnLogOptions = {}): Promise<WorkerTxnLog> {
    const init: WorkerInit = {
      dataLogDir,
      preAllocSize: opts.preAllocSize,
      forceSync: opts.forceSync ?? true,
      dbId: opts.dbId,
      lastZxid: opts.lastZxid ?? 0n,
      maxBatchBytes: opts.maxBatchBytes,
      blockingIo: opts.blockingIo ?? true,
    };
    const entry = workerEntry();
    const worker = new Worker(entry.code, { eval: entry.eval, workerData: { ...entry.data, zktsTxnLogWorker: init }, name: "zkts-txnlog" });
    const log = new WorkerTxnLog(worker, dataLogDir, opts);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new PersistenceError(`txn log worker exited (code ${code}) before it opened the log`));
      const onError = (e: unknown) => reject(new PersistenceError(`txn log worker failed to start: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      worker.once("exit", onExit);
      worker.once("error", onError);
      worker.once("message", (m: FromWorker) => {
        worker.off("exit", onExit);
        worker.off("error", onError);
        if (m.t === "ready") {
          log.absorb(m);
          worker.on("message", (msg: FromWorker) => log.onMessage(msg));
          worker.on("error", (e) => log.stop(e));
          worker.on("exit", (code) => {
            if (!log.closed || log.markers.size > 0) log.stop(new PersistenceError(`txn log worker exited (code ${code})`));
          });
          resolve();
        } else if (m.t === "openFailed") {
          void worker.terminate();
          reject(causeError(m.cause));
        } else {
          void worker.terminate();
          reject(new PersistenceError(`txn log worker: unexpected first message ${m.t}`));
        }
      });
    });
    log.updateRef();
    return log;
  }

  /** zxid of the last acknowledged (durable) txn. */
  get lastDurableZxid(): bigint {
    return this.durable;
  }

  /** Path of the file being written, as of the worker's last message. */
  get currentFile(): string | null {
    return this.file;
  }

  /** As `TxnLog.appendTxn`: marshals the txn into the next batch; the outcome reaches `listener`. */
  appendTxn(header: TxnHeaderRecord, txn: unknown | null, digest?: TxnDigest | null): void {
    if (this.closed) throw new LogClosedError();
    if (this.broken) throw new LogWriteError(this.dir, this.broken);
    const zxid = header.zxid;
    if (zxid <= this.queuedZxid) throw new ZxidOrderError(zxid, this.queuedZxid);
    frameTxnEntry(this.fill, header, txn, digest);
    if (this.fillCount === 0) this.fillFirst = zxid;
    this.fillLast = zxid;
    this.fillCount++;
    this.queuedZxid = zxid;
    if (this.fill.length >= this.maxBatchBytes) this.seal();
    if (!this.flushQueued) {
      // After the current round of I/O callbacks, so that the requests of every connection read in it share a batch.
      this.flushQueued = true;
      setImmediate(this.flushTask);
    }
  }

  /** Ends the current file after every append made before this call (the next append starts a new file). */
  roll(): Promise<void> {
    if (this.closed) return Promise.reject(new LogClosedError());
    // Nothing appended since the worker last reported no open file (at start, or after a roll): nothing to end, so
    // no round trip (the snapshot a server takes at start-up does not wait for one).
    if (this.broken === null && this.file === null && this.idle()) return Promise.resolve();
    return this.mark("roll");
  }

  /** Nothing is waiting to be posted, with the worker, or being gathered. */
  private idle(): boolean {
    return this.fillCount === 0 && this.local.length === 0 && this.posted.length === 0 && this.markers.size === 0;
  }

  /** Waits for the appends made so far, closes the current file and stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.broken === null) await this.mark("close");
    } finally {
      await this.worker.terminate();
    }
  }

  private mark(kind: "roll" | "close"): Promise<void> {
    if (this.broken) return Promise.reject(new LogWriteError(this.dir, this.broken));
    return new Promise<void>((resolve, reject) => {
      this.seal();
      this.local.push({ kind, id: this.nextId++, resolve, reject });
      this.pump();
    });
  }

  private readonly flushTask = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  private flush(): void {
    if (this.posted.length < MAX_POSTED) this.seal();
    this.pump();
  }

  /** Copies the entries gathered so far into a buffer of their own (transferred to the worker when posted). */
  private seal(): void {
    if (this.fillCount === 0) return;
    const len = this.fill.length;
    let buf: ArrayBuffer | undefined;
    for (let i = this.freeBuffers.length - 1; i >= 0; i--) {
      if (this.freeBuffers[i]!.byteLength >= len) {
        buf = this.freeBuffers[i]!;
        this.freeBuffers.splice(i, 1);
        break;
      }
    }
    buf ??= new ArrayBuffer(Math.max(MIN_BUFFER, len));
    new Uint8Array(buf, 0, len).set(this.fill.buffer.subarray(0, len));
    this.local.push({ kind: "batch", buf, len, first: this.fillFirst, last: this.fillLast, count: this.fillCount });
    this.fill.reset();
    this.fillCount = 0;
  }

  /** Posts what is sealed, in order, while the worker holds fewer than MAX_POSTED batches. */
  private pump(): void {
    while (this.local.length > 0 && this.broken === null) {
      const head = this.local[0]!;
      if (head.kind === "batch") {
        if (this.posted.length >= MAX_POSTED) break;
        this.local.shift();
        this.posted.push({ first: head.first, last: head.last, count: head.count });
        this.post({ t: "batch", buf: head.buf, len: head.len, first: head.first, last: head.last, count: head.count, gen: this.gen }, [head.buf]);
      } else {
        this.local.shift();
        this.markers.set(head.id, head);
        this.post({ t: head.kind, id: head.id });
      }
    }
    this.updateRef();
  }

  private post(msg: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(msg, transfer);
  }

  /** The worker keeps the process alive only while something is outstanding. */
  private updateRef(): void {
    const busy = !this.idle();
    if (busy !== this.refd) {
      this.refd = busy;
      if (busy) this.worker.ref();
      else this.worker.unref();
    }
  }

  private absorb(m: { free?: ArrayBuffer[]; fsyncMs?: number[]; batchSizes?: number[]; stats?: TxnLogStats; file?: string | null }): void {
    if (m.free) for (const b of m.free) if (this.freeBuffers.length < MAX_POSTED + 2) this.freeBuffers.push(b);
    if (m.fsyncMs) for (const v of m.fsyncMs) this.fsyncTime.observe(v);
    if (m.batchSizes) for (const v of m.batchSizes) this.batchSize.observe(v);
    if (m.stats) this.stats = m.stats;
    if (m.file !== undefined) this.file = m.file;
  }

  private onMessage(m: FromWorker): void {
    if (m.t !== "openFailed") this.absorb(m);
    switch (m.t) {
      case "durable": {
        const p = this.posted;
        let i = 0;
        while (i < p.length && p[i]!.last <= m.zxid) i++;
        p.splice(0, i);
        if (m.zxid > this.durable) this.durable = m.zxid;
        this.listener?.durable(m.zxid);
        this.flush();
        return;
      }
      case "failed":
        this.failAll(new LogWriteError(m.logFile, causeError(m.cause)));
        this.gen++;
        this.flush();
        return;
      case "done": {
        const mk = this.markers.get(m.id);
        if (mk === undefined) return;
        this.markers.delete(m.id);
        if (m.error === null) mk.resolve();
        else mk.reject(new LogWriteError(this.file ?? this.dir, causeError(m.error)));
        this.updateRef();
        return;
      }
      case "fatal":
        this.stop(new PersistenceError(`txn log worker stopped: ${m.message}`));
        return;
      default:
        return;
    }
  }

  /** Reports every entry not acknowledged (with the worker, sealed here, being gathered) as failed. */
  private failAll(err: LogWriteError): void {
    let first: bigint | null = null;
    let last = this.durable;
    let count = 0;
    const take = (b: { first: bigint; last: bigint; count: number }) => {
      if (b.count === 0) return;
      first ??= b.first;
      last = b.last;
      count += b.count;
    };
    for (const b of this.posted) take(b);
    this.posted = [];
    const keep: Array<LocalBatch | Marker> = [];
    for (const it of this.local) {
      if (it.kind === "batch") {
        take(it);
        if (this.freeBuffers.length < MAX_POSTED + 2) this.freeBuffers.push(it.buf);
      } else keep.push(it);
    }
    this.local = keep;
    if (this.fillCount > 0) {
      take({ first: this.fillFirst, last: this.fillLast, count: this.fillCount });
      this.fill.reset();
      this.fillCount = 0;
    }
    this.queuedZxid = this.durable;
    if (first !== null) this.listener?.failed(first, last, err, count);
  }

  /** The worker is gone or refused to go on: everything outstanding fails, and so does every later call. */
  private stop(e: unknown): void {
    if (this.broken !== null) return;
    this.broken = e instanceof Error ? e : new Error(String(e));
    this.failAll(new LogWriteError(this.dir, this.broken));
    for (const mk of [...this.markers.values(), ...this.local.filter((x): x is Marker => x.kind !== "batch")]) mk.reject(new LogWriteError(this.dir, this.broken));
    this.markers.clear();
    this.local = [];
    this.updateRef();
    void this.worker.terminate();
  }
}

function causeError(c: WorkerCause): Error {
  if (c.op !== undefined && c.path !== undefined && c.code !== undefined) return new StorageError(c.op, c.path, c.code, c.message);
  return new PersistenceError(c.message);
}
