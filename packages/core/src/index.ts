/** The environment contracts, re-exported from @zkts/contracts for compatibility. */
export { nullLogger, type Clock, type Logger, type Random, type TimerHandle } from "@zkts/contracts";
export { ZooKeeperServer } from "./server.js";
export { encodeTxn } from "@zkts/client-wire";
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
  ReconfigCheck,
} from "./types.js";
export { ExpiryQueue, SessionTracker, initialSessionId, roundToNextInterval, type SessionState } from "./sessions.js";
export { CoreError, ErrorCodes } from "./errors.js";
// The ACL engine, path validator and Perms have one home each (@zkts/datatree, @zkts/client-wire); re-exported
// with the signatures core exported before: checkACL throws NOAUTH, fixupACL throws INVALIDACL (CoreError).
export { requireACL as checkACL, requireValidACL as fixupACL } from "./request.js";
export { generateDigest, ipMatches } from "@zkts/datatree";
export { Perms as Perm, isValidPath } from "@zkts/client-wire";
export type { Tree, TreeNode, TreeEvent, TreeWatcher, TxnResult, WatchKind, WatchLists } from "./tree.js";
export { DigestMd5Server, SaslError, digestResponse, parseDirectives, DIGEST_MD5_PROTOCOL, DIGEST_MD5_SERVER_NAME } from "./digest-md5.js";
