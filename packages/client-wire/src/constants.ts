/**
 * ZooKeeper's protocol constants (ZooDefs, KeeperException.Code, Watcher.Event, CreateMode, ...), as `const`
 * objects with reverse name lookups.
 */
import type { ACL, Id } from "@zkts/jute";

type ValueOf<T> = T[keyof T];

function reverse<T extends Record<string, number>>(obj: T): Map<number, keyof T & string> {
  const m = new Map<number, keyof T & string>();
  for (const [k, v] of Object.entries(obj)) if (!m.has(v)) m.set(v, k as keyof T & string);
  return m;
}

/** Request/transaction types (ZooDefs.OpCode). */
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
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;
export type OpCode = ValueOf<typeof OpCode>;
const opNames = reverse(OpCode);
/** `opName(1) === "create"`; undefined for an unknown opcode. */
export function opName(code: number): keyof typeof OpCode | undefined {
  return opNames.get(code);
}

/** KeeperException.Code. */
export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;
export type ErrorCode = ValueOf<typeof ErrorCode>;
const errorNames = reverse(ErrorCode);
/** `errorName(-101) === "NONODE"`; undefined for a code ZooKeeper does not define. */
export function errorName(code: number): keyof typeof ErrorCode | undefined {
  return errorNames.get(code);
}

/** KeeperException.getCodeMessage, as in ZooKeeper 3.8 (REQUESTTIMEOUT has no message there). */
const codeMessages: Record<number, string> = {
  [ErrorCode.OK]: "ok",
  [ErrorCode.SYSTEMERROR]: "SystemError",
  [ErrorCode.RUNTIMEINCONSISTENCY]: "RuntimeInconsistency",
  [ErrorCode.DATAINCONSISTENCY]: "DataInconsistency",
  [ErrorCode.CONNECTIONLOSS]: "ConnectionLoss",
  [ErrorCode.MARSHALLINGERROR]: "MarshallingError",
  [ErrorCode.NEWCONFIGNOQUORUM]: "NewConfigNoQuorum",
  [ErrorCode.RECONFIGINPROGRESS]: "ReconfigInProgress",
  [ErrorCode.UNIMPLEMENTED]: "Unimplemented",
  [ErrorCode.OPERATIONTIMEOUT]: "OperationTimeout",
  [ErrorCode.BADARGUMENTS]: "BadArguments",
  [ErrorCode.APIERROR]: "APIError",
  [ErrorCode.NONODE]: "NoNode",
  [ErrorCode.NOAUTH]: "NoAuth",
  [ErrorCode.BADVERSION]: "BadVersion",
  [ErrorCode.NOCHILDRENFOREPHEMERALS]: "NoChildrenForEphemerals",
  [ErrorCode.NODEEXISTS]: "NodeExists",
  [ErrorCode.INVALIDACL]: "InvalidACL",
  [ErrorCode.AUTHFAILED]: "AuthFailed",
  [ErrorCode.NOTEMPTY]: "Directory not empty",
  [ErrorCode.SESSIONEXPIRED]: "Session expired",
  [ErrorCode.INVALIDCALLBACK]: "Invalid callback",
  [ErrorCode.SESSIONMOVED]: "Session moved",
  [ErrorCode.NOTREADONLY]: "Not a read-only call",
  [ErrorCode.EPHEMERALONLOCALSESSION]: "Ephemeral node on local session",
  [ErrorCode.NOWATCHER]: "No such watcher",
  [ErrorCode.RECONFIGDISABLED]: "Reconfig is disabled",
  [ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH]: "Session closed because client failed to authenticate",
  [ErrorCode.QUOTAEXCEEDED]: "Quota has exceeded",
  [ErrorCode.THROTTLEDOP]: "Op throttled due to high load",
};

/**
 * Java's KeeperException message: `errorMessage(-101) === "KeeperErrorCode = NoNode"`,
 * `errorMessage(-101, "/a") === "KeeperErrorCode = NoNode for /a"`.
 */
export function errorMessage(code: number, path?: string): string {
  const msg = codeMessages[code] ?? `Unknown error ${errorName(code) ?? code}`;
  return path === undefined ? `KeeperErrorCode = ${msg}` : `KeeperErrorCode = ${msg} for ${path}`;
}

/** Watcher.Event.KeeperState. */
export const KeeperState = {
  Unknown: -1,
  Disconnected: 0,
  NoSyncConnected: 1,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const;
export type KeeperState = ValueOf<typeof KeeperState>;
const keeperStateNames = reverse(KeeperState);
export function keeperStateName(state: number): keyof typeof KeeperState | undefined {
  return keeperStateNames.get(state);
}

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
export type EventType = ValueOf<typeof EventType>;
const eventTypeNames = reverse(EventType);
export function eventTypeName(type: number): keyof typeof EventType | undefined {
  return eventTypeNames.get(type);
}

/** Watcher.WatcherType, the `type` of CheckWatchesRequest / RemoveWatchesRequest. */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
  /** 3.9 */
  Persistent: 4,
  /** 3.9 */
  PersistentRecursive: 5,
} as const;
export type WatcherType = ValueOf<typeof WatcherType>;
const watcherTypeNames = reverse(WatcherType);
export function watcherTypeName(type: number): keyof typeof WatcherType | undefined {
  return watcherTypeNames.get(type);
}

/** AddWatchMode, the `mode` of AddWatchRequest. */
export const AddWatchMode = {
  PERSISTENT: 0,
  PERSISTENT_RECURSIVE: 1,
} as const;
export type AddWatchMode = ValueOf<typeof AddWatchMode>;
const addWatchModeNames = reverse(AddWatchMode);
export function addWatchModeName(mode: number): keyof typeof AddWatchMode | undefined {
  return addWatchModeNames.get(mode);
}

/** CreateMode flags (the `flags` of CreateRequest / CreateTTLRequest). */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;
export type CreateMode = ValueOf<typeof CreateMode>;
const createModeNames = reverse(CreateMode);
export function createModeName(flags: number): keyof typeof CreateMode | undefined {
  return createModeNames.get(flags);
}

export interface CreateModeInfo {
  readonly ephemeral: boolean;
  readonly sequential: boolean;
  readonly container: boolean;
  readonly ttl: boolean;
}

const createModeInfo: ReadonlyArray<CreateModeInfo> = [
  { ephemeral: false, sequential: false, container: false, ttl: false },
  { ephemeral: true, sequential: false, container: false, ttl: false },
  { ephemeral: false, sequential: true, container: false, ttl: false },
  { ephemeral: true, sequential: true, container: false, ttl: false },
  { ephemeral: false, sequential: false, container: true, ttl: false },
  { ephemeral: false, sequential: false, container: false, ttl: true },
  { ephemeral: false, sequential: true, container: false, ttl: true },
].map((m) => Object.freeze(m));

/**
 * CreateMode.fromFlag: what a create's `flags` mean, or undefined when the flag is not a CreateMode
 * (ZooKeeper answers BADARGUMENTS).
 */
export function createModeFromFlag(flags: number): CreateModeInfo | undefined {
  return Number.isInteger(flags) && flags >= 0 ? createModeInfo[flags] : undefined;
}

/** ZooDefs.Perms. */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;
export type Perms = ValueOf<typeof Perms>;

const ANYONE_ID_UNSAFE: Id = Object.freeze({ scheme: "world", id: "anyone" });
const AUTH_IDS: Id = Object.freeze({ scheme: "auth", id: "" });
const acl = (perms: number, id: Id): ACL[] => Object.freeze([Object.freeze({ perms, id })]) as ACL[];

/** ZooDefs.Ids (frozen). */
export const Ids = Object.freeze({
  /** world:anyone */
  ANYONE_ID_UNSAFE,
  /** auth:"" — expands to the ids of the creating session. */
  AUTH_IDS,
  /** ALL for world:anyone. */
  OPEN_ACL_UNSAFE: acl(Perms.ALL, ANYONE_ID_UNSAFE),
  /** ALL for the creator's ids. */
  CREATOR_ALL_ACL: acl(Perms.ALL, AUTH_IDS),
  /** READ for world:anyone. */
  READ_ACL_UNSAFE: acl(Perms.READ, ANYONE_ID_UNSAFE),
});

/** Special xids of ReplyHeader/RequestHeader. */
export const Xid = {
  NOTIFICATION: -1,
  PING: -2,
  AUTH: -4,
  SET_WATCHES: -8,
} as const;
export type Xid = ValueOf<typeof Xid>;
