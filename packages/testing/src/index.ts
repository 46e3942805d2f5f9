/**
 * @zkts/testing — real zkts servers and ensembles for tests: in-process (fast) or as child processes, on free
 * ports with temporary data dirs; kill, restart, partition, pause and session expiry on demand.
 */
export { TestingServer, type TestingServerOptions } from "./server.js";
export { TestingCluster, TestingMember, type TestingClusterOptions } from "./cluster.js";
export { freePort, fourLetterWord, serverMode } from "./ports.js";
export { quietLogger, type ServerLogger } from "./config.js";
