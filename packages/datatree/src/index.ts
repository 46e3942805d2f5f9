/**
 * @zkts/datatree — ZooKeeper's znode tree, pure and in memory.
 *
 * API summary (see README.md):
 * - `new DataTree(opts?)` — `/`, `/zookeeper`, `/zookeeper/quota`, `/zookeeper/config` as ZooKeeper 3.8 starts.
 * - `processTxn(header, txn)` applies one jute txn record (create/create2, createTTL, createContainer,
 *   delete/deleteContainer, setData/reconfig, setACL, check, createSession, closeSession, error, multi) and
 *   fires watches; errors are returned in `ProcessTxnResult.err`, never thrown. A multi's sub-txn may carry
 *   its decoded `record` (`PreparedSubTxn`), applied instead of decoding its `data` again.
 * - reads: `getData`, `exists`, `getChildren`, `getACL` (null when missing; they register watches),
 *   `getAllChildrenNumber`, `getEphemerals`, `getNode`, `statOf`, `getACLOf`.
 * - watches: `addWatch`, `containsWatch`, `removeWatch`, `removeWatcher`, `setWatches`, reports.
 * - `containerAndTtlCandidates(now)`, `checkQuota(path, bytesDelta, countDelta)`, `digest()`.
 * - helpers: `validatePath`, `checkACL`, `digestOf`, `ipMatches`, `formatSequence`, `ttlEphemeralOwner`.
 */
export {
  DataTree,
  DataNode,
  newNodeStat,
  type DataTreeOptions,
  type DigestHint,
  type NamespaceSummary,
  type PreparedSubTxn,
  type ProcessTxnResult,
  type QuotaCheck,
  type SetWatchesLists,
  type SnapshotNode,
  type WatchKind,
} from "./datatree.js";
export { TreeRestorer } from "./snapshot.js";
export { WatchMode, WatchTable, type WatchEvent, type Watcher } from "./watches.js";
export {
  ACLCache,
  ANYONE_ID_UNSAFE,
  AUTH_IDS,
  CREATOR_ALL_ACL,
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE,
  DEFAULT_SCHEMES,
  checkACL,
  digestOf,
  digestOfAuth,
  fixupACL,
  generateDigest,
  idMatches,
  ipMatches,
  isSuper,
  isValidIpAcl,
  userOf,
  type ACLCheckOptions,
  type AclScheme,
} from "./acl.js";
// Path validation, ephemeral-owner encoding and quota records live in @zkts/client-wire (one copy each, shared
// with the client and the CLI); re-exported here for the tree's users.
export {
  InvalidPathError,
  baseName,
  formatSequence,
  isValidPath,
  parentPath,
  validatePath,
  MAX_TTL,
  clientEphemeralOwner,
  ephemeralKind,
  isValidTtl,
  ttlEphemeralOwner,
  ttlOf,
  type EphemeralKind,
  CONFIG_ZOOKEEPER,
  LIMIT_NODE,
  PROC_ZOOKEEPER,
  QUOTA_ZOOKEEPER,
  STAT_NODE,
  StatsTrack,
  limitPath,
  quotaPath,
  statPath,
  trimQuotaPath,
} from "@zkts/client-wire";
export { DIGEST_STAT_BYTES, DIGEST_VERSION, DigestSum, crc32, nodeDigest, nodeDigestOfBytes } from "./digest.js";
export {
  CONTAINER_EPHEMERAL_OWNER,
  ErrorCode,
  EventType,
  KeeperState,
  OpCode,
  Perms,
  WatcherType,
} from "./constants.js";
