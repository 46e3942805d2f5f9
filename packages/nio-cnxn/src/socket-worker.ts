// The entry module of the connection worker thread (StartServerOptions.connectionWorker): built as
// dist/socket-worker.js, next to the code that starts it (WorkerSocketHost).
import { runSocketWorkerThread } from "./socket-worker-thread.js";

runSocketWorkerThread();
