/**
 * A zkts snapshot's node digest sum computed on another thread (a Node adapter, over the real file system only):
 * while the calling thread builds the tree from the snapshot without computing digests (TreeRestorer's
 * `deferDigest`), a worker thread reads the same file and sums the digests of its rows from their bytes
 * (readSnapshotRecords' `nodeDigests`, no strings or BigInts made), checking the file whole as the calling thread
 * does. The tree gets that sum when it is built; each node's own digest is computed when a change first needs it.
 *
 * The answer is only an optimisation: any failure (the worker cannot start, the file reads differently, a
 * ZooKeeper-format snapshot) answers undefined and the tree sums the digests itself, as without the worker.
 */
import { parentPort } from "node:worker_threads";
import { Worker } from "node:worker_threads";
import { NodeStorage } from "./node-storage.js";
import { verifySnapshot } from "./snapshot.js";
import { workerEntry } from "./worker-txnlog.js";

export interface SnapshotDigestInit {
  path: string;
}

type DigestReply = { t: "sum"; sum: bigint } | { t: "none"; message?: string };

/** In the worker: reads the snapshot at `init.path`, posts its node digest sum (or none) and ends. */
export function runSnapshotDigestJob(init: SnapshotDigestInit): void {
  const port = parentPort!;
  let sum: bigint | undefined;
  verifySnapshot(new NodeStorage(), init.path, { nodeDigests: (s) => void (sum = s) }).then(
    () => port.postMessage((sum === undefined ? { t: "none" } : { t: "sum", sum }) satisfies DigestReply),
    (e: unknown) => port.postMessage({ t: "none", message: e instanceof Error ? e.message : String(e) } satisfies DigestReply),
  );
}

/**
 * Starts a worker thread summing the node digests of the zkts snapshot at `path` (a real file); resolves to the sum,
 * or undefined when it has none (never rejects).
 */
export function snapshotDigestOffThread(path: string): Promise<bigint | undefined> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      const entry = workerEntry();
      worker = new Worker(entry.code, { eval: entry.eval, workerData: { ...entry.data, zktsSnapshotDigest: { path } satisfies SnapshotDigestInit }, name: "zkts-snapshot-digest" });
    } catch {
      resolve(undefined);
      return;
    }
    let done = false;
    const end = (v: bigint | undefined) => {
      if (done) return;
      done = true;
      resolve(v);
      void worker.terminate();
    };
    worker.once("message", (m: DigestReply) => end(m.t === "sum" ? m.sum : undefined));
    worker.once("error", () => end(undefined));
    worker.once("exit", () => end(undefined));
  });
}
