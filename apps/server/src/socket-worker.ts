// The entry module of the connection worker thread (zoo.cfg zkts.connectionWorker=true): built as
// dist/socket-worker.js, next to the bundled @zkts/nio-cnxn code that starts it (WorkerSocketHost).
import { runSocketWorkerThread } from "@zkts/nio-cnxn";

runSocketWorkerThread();
