/** Messages between `WorkerTxnLog` (the server's thread) and the txn log worker thread (txnlog-worker.ts). */
import type { TxnLogStats } from "./txnlog.js";

export interface WorkerInit {
  dataLogDir: string;
  preAllocSize: number | undefined;
  forceSync: boolean;
  dbId: bigint | undefined;
  lastZxid: bigint;
  maxBatchBytes: number | undefined;
  /** The worker's file calls block it (SyncNodeStorage) instead of going through libuv's pool (NodeStorage). */
  blockingIo: boolean;
}

/** A storage error, as it crosses the thread boundary (rebuilt as a StorageError). */
export interface WorkerCause {
  message: string;
  op?: string;
  path?: string;
  code?: string;
}

export type ToWorker =
  /** `count` framed entries, zxids first..last, in buf[0, len); dropped unless `gen` is the worker's generation. */
  | { t: "batch"; buf: ArrayBuffer; len: number; first: bigint; last: bigint; count: number; gen: number }
  | { t: "roll" | "close"; id: number };

interface Extras {
  /** Batch buffers handed back for reuse (transferred). */
  free: ArrayBuffer[];
  /** fdatasync durations (ms) and batch sizes (txns) observed since the last message. */
  fsyncMs: number[];
  batchSizes: number[];
  stats: TxnLogStats;
  file: string | null;
}

export type FromWorker =
  | ({ t: "ready" } & Extras)
  /** Every entry up to `zxid` is durable. */
  | ({ t: "durable"; zxid: bigint } & Extras)
  /** The oldest batch not acknowledged failed: it and every batch received after it are dropped (generation + 1). */
  | ({ t: "failed"; logFile: string; cause: WorkerCause } & Extras)
  /** roll/close `id` finished (error: why it failed). */
  | ({ t: "done"; id: number; error: WorkerCause | null } & Extras)
  /** The worker cannot go on (an append it could not take); nothing more is acknowledged. */
  | ({ t: "fatal"; message: string } & Partial<Extras>)
  | { t: "openFailed"; cause: WorkerCause };
