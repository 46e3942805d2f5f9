/**
 * The txn log after a snapshot read on another thread (a Node adapter, over the real file system only), while the
 * calling thread loads that snapshot: a worker thread runs the same TxnLogReader (the one home of the log format
 * rules: checksums, the zero-filled padding scanned whole, torn and corrupt tails) from the snapshot's zxid + 1 and
 * posts the entries' raw payload bytes in batches (one transferred ArrayBuffer each, no cloned objects), within a
 * bounded window of unacknowledged bytes (it stops reading until the calling thread has taken enough of them). The
 * calling thread only builds LogEntry views over those bytes, then decodes and applies them.
 *
 * What comes out is what `readTxnLog(...).batches()` gives in the calling thread: the same entries in the same
 * batches, the same `end`, the same LogCorruptionError (file, offset, reason). Any other failure (the worker cannot
 * start, dies, a read fails) is a LogTailWorkerError: restoreDatabase then reads the rest of the log in its own
 * thread, which meets (and throws) the same storage error itself.
 */
import { parentPort, Worker } from "node:worker_threads";
import { LogCorruptionError, PersistenceError } from "./errors.js";
import { NodeStorage } from "./node-storage.js";
import { logEntryOf, readTxnLog, type LogEnd, type LogEntry } from "./txnlog-reader.js";
import { workerEntry } from "./worker-txnlog.js";

/** What restoreDatabase reads the log after the candidate snapshot from (see RestoreOptions.logTailReader). */
export interface LogTailSource {
  /** As TxnLogReader.batches(); fails with LogCorruptionError as it does, or LogTailWorkerError for anything else. */
  batches(): AsyncGenerator<LogEntry[]>;
  /** How the log ended (after the batches are all taken). */
  readonly end: LogEnd | undefined;
  /** Stops the reading (the worker ends); idempotent. */
  close(): void;
}

/** Starts reading `<dataLogDir>/version-2` from `fromZxid` elsewhere; undefined when it cannot (read in this thread). */
export type LogTailReader = (dataLogDir: string, opts: { fromZxid: bigint; acceptLoss: boolean }) => LogTailSource | undefined;

/** The off-thread read failed other than by log corruption (the caller reads the log itself instead). */
export class LogTailWorkerError extends PersistenceError {}

export interface LogTailInit {
  dataLogDir: string;
  fromZxid: bigint;
  acceptLoss: boolean;
  /** The worker stops reading while this many posted payload bytes are unacknowledged. */
  windowBytes: number;
}

type ToTail = { t: "ack"; bytes: number };
type FromTail =
  /** `meta`: [offset in the file, payload length] per entry; the payloads back to back in `buf`. */
  | { t: "batch"; file: string; buf: ArrayBuffer; meta: Float64Array }
  | { t: "end"; end: LogEnd }
  | { t: "corrupt"; file: string; offset: number; reason: string }
  | { t: "failed"; message: string };

/** Default window of unacknowledged bytes (about 3x the 21 MB of a 90,000-create tail). */
export const LOG_TAIL_WINDOW = 64 << 20;

/** In the worker: reads the log as `init` says, posting batches (within the window), then the end or the error. */
export function runLogTailJob(init: LogTailInit): void {
  const port = parentPort!;
  let unacked = 0;
  let wake: (() => void) | null = null;
  port.on("message", (m: ToTail) => {
    unacked -= m.bytes;
    const w = wake;
    wake = null;
    w?.();
  });
  const post = (m: FromTail, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const run = async () => {
    const reader = readTxnLog(new NodeStorage(), init.dataLogDir, { fromZxid: init.fromZxid, acceptLoss: init.acceptLoss, payloadViews: true });
    for await (const batch of reader.batches()) {
      let bytes = 0;
      for (const e of batch) bytes += e.payload.length;
      const buf = new ArrayBuffer(bytes);
      const out = new Uint8Array(buf);
      const meta = new Float64Array(batch.length * 2);
      let at = 0;
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i]!.payload;
        out.set(p, at);
        at += p.length;
        meta[2 * i] = batch[i]!.offset;
        meta[2 * i + 1] = p.length;
      }
      // a batch never spans files (the reader hands out each file's entries apart)
      post({ t: "batch", file: batch[0]!.file, buf, meta }, [buf, meta.buffer as ArrayBuffer]);
      unacked += bytes;
      while (unacked > init.windowBytes) await new Promise<void>((r) => (wake = r));
    }
    post({ t: "end", end: reader.end! });
  };
  run().then(
    () => port.close(),
    (e: unknown) => {
      if (e instanceof LogCorruptionError) post({ t: "corrupt", file: e.file, offset: e.offset, reason: e.reason });
      else post({ t: "failed", message: e instanceof Error ? e.message : String(e) });
      port.close();
    },
  );
}

/** The calling thread's side: the worker's messages as TxnLogReader batches. */
class OffThreadTail implements LogTailSource {
  end: LogEnd | undefined;
  private readonly queue: FromTail[] = [];
  private wake: (() => void) | null = null;
  private closed = false;
  private taken = false;

  constructor(private readonly worker: Worker) {
    worker.on("message", (m: FromTail) => this.push(m));
    worker.on("error", (e: Error) => this.push({ t: "failed", message: `log tail worker: ${e.message}` }));
    worker.on("exit", (code: number) => this.push({ t: "failed", message: `log tail worker exited (code ${code}) before the end of the log` }));
  }

  private push(m: FromTail): void {
    this.queue.push(m);
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *batches(): AsyncGenerator<LogEntry[]> {
    if (this.taken) throw new Error("LogTailSource.batches() iterated twice");
    this.taken = true;
    try {
      for (;;) {
        while (this.queue.length === 0) await new Promise<void>((r) => (this.wake = r));
        const m = this.queue.shift()!;
        switch (m.t) {
          case "batch": {
            const n = m.meta.length / 2;
            const entries: LogEntry[] = new Array<LogEntry>(n);
            for (let i = 0, at = 0; i < n; i++) {
              const len = m.meta[2 * i + 1]!;
              const payload = Buffer.from(m.buf, at, len);
              at += len;
              entries[i] = logEntryOf(m.file, m.meta[2 * i]!, payload);
            }
            yield entries;
            // taken (applied, when the caller applies each batch before the next): the worker may read on
            if (!this.closed) this.worker.postMessage({ t: "ack", bytes: m.buf.byteLength } satisfies ToTail);
            break;
          }
          case "end":
            this.end = m.end;
            return;
          case "corrupt":
            throw new LogCorruptionError(m.file, m.offset, m.reason);
          case "failed":
            throw new LogTailWorkerError(m.message);
        }
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
  }
}

/**
 * A LogTailReader over a worker thread (the real file system: the worker reads through NodeStorage). undefined when
 * no worker can be started.
 */
export function logTailOffThread(dataLogDir: string, opts: { fromZxid: bigint; acceptLoss: boolean; windowBytes?: number }): LogTailSource | undefined {
  const init: LogTailInit = { dataLogDir, fromZxid: opts.fromZxid, acceptLoss: opts.acceptLoss, windowBytes: opts.windowBytes ?? LOG_TAIL_WINDOW };
  try {
    const entry = workerEntry();
    return new OffThreadTail(new Worker(entry.code, { eval: entry.eval, workerData: { ...entry.data, zktsLogTail: init }, name: "zkts-log-tail" }));
  } catch {
    return undefined;
  }
}
