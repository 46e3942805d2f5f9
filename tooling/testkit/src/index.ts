export { freePort, waitForPort } from "./net.js";
export {
  startReferenceZooKeeper,
  referenceAvailable,
  SERVLET_API_JAR,
  NETTY_JARS,
  REFERENCE_JAR,
  ZKCLI,
  CLI_MT,
  type ReferenceZooKeeper,
  type ReferenceOptions,
  startJavaQuorumPeer,
  SLF4J_SIMPLE_JAR,
  type JavaQuorumPeer,
} from "./reference.js";
export { fourLetter } from "./net.js";
export { TestPki, pkiToolsAvailable } from "./certs.js";
export { moduleLayoutProblems, MODULE_LINE_LIMIT } from "./module-layout.js";
export { launchServer, type TestServer, type LaunchOptions } from "./server-process.js";
export { startZkts, zktsAvailable, ZKTS_SERVER_BIN, type ZktsServer, type ZktsOptions } from "./zkts.js";
