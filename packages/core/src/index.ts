/** The environment contracts, re-exported from @zkts/contracts for compatibility. */
export { nullLogger, type Clock, type Logger, type Random, type TimerHandle } from "@zkts/contracts";
export {
  ZooKeeperServer,
  encodeTxn,
  type ConnectionInfo,
  type LatencyStats,
  type ServerComponents,
  type ServerConnection,
  type ServerInfo,
  type ServerInit,
  type SessionInfo,
  type TxnLogPort,
  type TxnListener,
  type EnsembleRole,
  type ForwardedRequest,
} from "./server.js";
export { ExpiryQueue, SessionTracker, initialSessionId, roundToNextInterval, type SessionState } from "./sessions.js";
export { CoreError, ErrorCodes } from "./errors.js";
export { checkACL, fixupACL, generateDigest, ipMatches, Perm } from "./auth.js";
export { isValidPath } from "./path.js";
export type { Tree, TreeNode, TreeEvent, TreeWatcher, TxnResult, WatchKind, WatchLists } from "./tree.js";
