// The entry module of the txn log worker thread (zoo.cfg zkts.txnLogWorker=true): built as dist/txnlog-worker.js,
// next to the bundled @zkts/persistence code that starts it (WorkerTxnLog).
import { runTxnLogWorkerThread } from "@zkts/persistence";

runTxnLogWorkerThread();
