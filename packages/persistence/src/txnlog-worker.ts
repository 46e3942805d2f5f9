// The entry module of WorkerTxnLog's worker thread (built as dist/txnlog-worker.js, found next to the code that starts it).
import { runTxnLogWorkerThread } from "./txnlog-worker-thread.js";

runTxnLogWorkerThread();
