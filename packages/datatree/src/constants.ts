/**
 * ZooKeeper numeric constants this package needs (ZooDefs, KeeperException.Code, Watcher.Event).
 * Values are ZooKeeper 3.8's; they equal @zkts/client-wire's constants of the same names.
 */

/** KeeperException.Code values used by the tree. */
export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  BADARGUMENTS: -8,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  INVALIDACL: -114,
  NOWATCHER: -121,
  QUOTAEXCEEDED: -125,
} as const;

/** ZooDefs.OpCode values that appear in txn headers. */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

/** Watcher.Event.EventType. */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;

/** Watcher.Event.KeeperState (the tree only fires SyncConnected). */
export const KeeperState = {
  Disconnected: 0,
  SyncConnected: 3,
  Expired: -112,
  Closed: 7,
} as const;

/** Watcher.WatcherType as sent in CheckWatches / RemoveWatches (4 and 5 are 3.9 additions). */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
  Persistent: 4,
  PersistentRecursive: 5,
} as const;
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType];

/** ZooDefs.Perms. */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;

/** Long.MIN_VALUE: the ephemeralOwner of container nodes. */
export const CONTAINER_EPHEMERAL_OWNER = -0x8000000000000000n;
