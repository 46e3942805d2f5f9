export {
  ManualClock,
  nullLogger,
  seededRandom,
  type Clock,
  type Logger,
  type Random,
  type TimerHandle,
} from "./env.js";
export { ZooKeeperServer } from "./server.js";
export { encodeTxn } from "./op-tables.js";
export type {
  ConnectionInfo,
  LatencyStats,
  ServerComponents,
  ServerConnection,
  ServerInfo,
  ServerInit,
  SessionInfo,
  TxnLogPort,
  TxnListener,
  EnsembleRole,
  ForwardedRequest,
} from "./types.js";
export { ExpiryQueue, SessionTracker, initialSessionId, roundToNextInterval, type SessionState } from "./sessions.js";
export { CoreError, ErrorCodes } from "./errors.js";
export { checkACL, fixupACL, generateDigest, ipMatches, Perm } from "./auth.js";
export { isValidPath } from "./path.js";
export type { Tree, TreeNode, TreeEvent, TreeWatcher, TxnResult, WatchKind, WatchLists } from "./tree.js";
