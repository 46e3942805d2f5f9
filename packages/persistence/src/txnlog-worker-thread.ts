/**
 * The txn log worker thread (a Node adapter: run by the worker `WorkerTxnLog` starts, from its entry module
 * txnlog-worker.ts, or a bundled app's copy of it). It owns a
 * `TxnLog` over the real file system: the server's thread posts batches of entries it framed (checksums not yet
 * filled), this thread computes their Adler32 checksums, writes, pads, fdatasyncs and rolls the files exactly as
 * the in-thread `TxnLog` does (same class, same bytes), and posts back "durable up to zxid" per group commit, or
 * the failure of a batch and everything behind it.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { NodeStorage, SyncNodeStorage } from "./node-storage.js";
import { TxnLog, type TxnLogStats } from "./txnlog.js";
import { StorageError } from "./errors.js";
import type { ToWorker, FromWorker, WorkerCause, WorkerInit } from "./worker-protocol.js";
import { runSnapshotDigestJob, type SnapshotDigestInit } from "./snapshot-digest-worker.js";

function causeOf(e: unknown): WorkerCause {
  if (e instanceof StorageError) return { message: e.message, op: e.op, path: e.path, code: e.code };
  return { message: e instanceof Error ? e.message : String(e) };
}

function runTxnLogWorker(init: WorkerInit): void {
  const port = parentPort!;
  /** ArrayBuffers received, handed back with the next message (the server's thread reuses them). */
  let free: ArrayBuffer[] = [];
  /** fsync times (ms) and batch sizes observed since the last message. */
  let fsyncMs: number[] = [];
  let batchSizes: number[] = [];
  /** Batches of an older generation (posted before the server's thread heard of a failure) are dropped. */
  let gen = 0;
  let log: TxnLog | null = null;
  const stats = (): TxnLogStats => ({ ...log!.stats });
  const extras = () => {
    const m = { free, fsyncMs, batchSizes, stats: stats(), file: log!.currentFile };
    free = [];
    fsyncMs = [];
    batchSizes = [];
    return m;
  };
  const post = (msg: FromWorker): void => port.postMessage(msg, "free" in msg ? msg.free : undefined);

  const onMessage = (msg: ToWorker): void => {
    switch (msg.t) {
      case "batch": {
        free.push(msg.buf);
        if (msg.gen !== gen) return;
        try {
          log!.appendFramed(new Uint8Array(msg.buf, 0, msg.len), msg.first, msg.last, msg.count);
        } catch (e) {
          // Not expected (the server's thread checks the order first): nothing more is acknowledged.
          port.off("message", onMessage);
          post({ t: "fatal", message: e instanceof Error ? e.message : String(e), ...extras() });
        }
        return;
      }
      case "roll":
      case "close": {
        const p = msg.t === "roll" ? log!.roll() : log!.close();
        p.then(
          () => post({ t: "done", id: msg.id, error: null, ...extras() }),
          (e: unknown) => post({ t: "done", id: msg.id, error: causeOf(e instanceof Error && e.cause !== undefined ? e.cause : e), ...extras() }),
        );
        return;
      }
    }
  };

  void TxnLog.open(init.blockingIo ? new SyncNodeStorage() : new NodeStorage(), init.dataLogDir, {
    preAllocSize: init.preAllocSize,
    forceSync: init.forceSync,
    dbId: init.dbId,
    lastZxid: init.lastZxid,
    maxBatchBytes: init.maxBatchBytes,
    clock: { monotonic: () => performance.now() },
    summaries: { fsyncTime: { observe: (v) => void fsyncMs.push(v) }, batchSize: { observe: (v) => void batchSizes.push(v) } },
  }).then(
    (opened) => {
      log = opened;
      log.listener = {
        durable: (zxid) => post({ t: "durable", zxid, ...extras() }),
        failed: (_first, _last, error) => {
          gen++;
          post({ t: "failed", logFile: error.file, cause: causeOf(error.cause), ...extras() });
        },
      };
      port.on("message", onMessage);
      post({ t: "ready", ...extras() });
    },
    (e: unknown) => port.postMessage({ t: "openFailed", cause: causeOf(e) } satisfies FromWorker),
  );
}

/**
 * Runs the txn log worker when called in a worker thread `WorkerTxnLog` started (returns true); does nothing
 * elsewhere (returns false). An app bundling @zkts/persistence calls it from its own `txnlog-worker.js` entry.
 */
export function runTxnLogWorkerThread(): boolean {
  const data = workerData as { zktsTxnLogWorker?: WorkerInit; zktsSnapshotDigest?: SnapshotDigestInit } | null;
  if (isMainThread) return false;
  if (data?.zktsSnapshotDigest !== undefined) {
    runSnapshotDigestJob(data.zktsSnapshotDigest);
    return true;
  }
  if (data?.zktsTxnLogWorker === undefined) return false;
  runTxnLogWorker(data.zktsTxnLogWorker);
  return true;
}
