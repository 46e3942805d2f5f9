/**
 * Every record of ZooKeeper's jute schema (zookeeper.jute): data, client protocol, quorum, persistence and txn
 * modules. Field order is wire order. Strings that a peer may legitimately send as null use `ustringOrNull`;
 * buffers are always nullable (ZooKeeper keeps null data distinct from empty data).
 */
import {
  bool,
  buffer,
  defineRecord,
  int,
  long,
  ustring,
  ustringOrNull,
  vector,
  vectorOrNull,
  type Infer,
} from "./codec.js";

// ---- org.apache.zookeeper.data ----
/** `id` may be null on the wire: kazoo sends the auth id "" as a null ustring, and ZooKeeper accepts it. */
export const Id = defineRecord("Id", { scheme: ustring, id: ustringOrNull });
export type Id = Infer<typeof Id>;

export const ACL = defineRecord("ACL", { perms: int, id: Id });
export type ACL = Infer<typeof ACL>;

export const Stat = defineRecord("Stat", {
  czxid: long,
  mzxid: long,
  ctime: long,
  mtime: long,
  version: int,
  cversion: int,
  aversion: int,
  ephemeralOwner: long,
  dataLength: int,
  numChildren: int,
  pzxid: long,
});
export type Stat = Infer<typeof Stat>;

export const StatPersisted = defineRecord("StatPersisted", {
  czxid: long,
  mzxid: long,
  ctime: long,
  mtime: long,
  version: int,
  cversion: int,
  aversion: int,
  ephemeralOwner: long,
  pzxid: long,
});
export type StatPersisted = Infer<typeof StatPersisted>;

/** A Stat with every field 0 (what `new Stat()` holds in Java), a fresh object each call. */
export function zeroStat(): Stat {
  return { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 0n };
}

/** A StatPersisted with every field 0, a fresh object each call. */
export function zeroStatPersisted(): StatPersisted {
  return { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n };
}

const aclList = vector(ACL);
const stringList = vector(ustring);

// ---- org.apache.zookeeper.proto ----
/** The jute part of ConnectRequest; the optional trailing readOnly byte is handled by @zkts/client-wire. */
export const ConnectRequest = defineRecord("ConnectRequest", {
  protocolVersion: int,
  lastZxidSeen: long,
  timeOut: int,
  sessionId: long,
  passwd: buffer,
});
export type ConnectRequest = Infer<typeof ConnectRequest>;

/** The jute part of ConnectResponse; the optional trailing readOnly byte is handled by @zkts/client-wire. */
export const ConnectResponse = defineRecord("ConnectResponse", {
  protocolVersion: int,
  timeOut: int,
  sessionId: long,
  passwd: buffer,
});
export type ConnectResponse = Infer<typeof ConnectResponse>;

export const SetWatches = defineRecord("SetWatches", {
  relativeZxid: long,
  dataWatches: stringList,
  existWatches: stringList,
  childWatches: stringList,
});
export type SetWatches = Infer<typeof SetWatches>;

export const SetWatches2 = defineRecord("SetWatches2", {
  relativeZxid: long,
  dataWatches: stringList,
  existWatches: stringList,
  childWatches: stringList,
  persistentWatches: stringList,
  persistentRecursiveWatches: stringList,
});
export type SetWatches2 = Infer<typeof SetWatches2>;

export const RequestHeader = defineRecord("RequestHeader", { xid: int, type: int });
export type RequestHeader = Infer<typeof RequestHeader>;

export const MultiHeader = defineRecord("MultiHeader", { type: int, done: bool, err: int });
export type MultiHeader = Infer<typeof MultiHeader>;

export const AuthPacket = defineRecord("AuthPacket", { type: int, scheme: ustring, auth: buffer });
export type AuthPacket = Infer<typeof AuthPacket>;

export const ReplyHeader = defineRecord("ReplyHeader", { xid: int, zxid: long, err: int });
export type ReplyHeader = Infer<typeof ReplyHeader>;

export const GetDataRequest = defineRecord("GetDataRequest", { path: ustring, watch: bool });
export type GetDataRequest = Infer<typeof GetDataRequest>;

export const SetDataRequest = defineRecord("SetDataRequest", { path: ustring, data: buffer, version: int });
export type SetDataRequest = Infer<typeof SetDataRequest>;

export const ReconfigRequest = defineRecord("ReconfigRequest", {
  joiningServers: ustringOrNull,
  leavingServers: ustringOrNull,
  newMembers: ustringOrNull,
  curConfigId: long,
});
export type ReconfigRequest = Infer<typeof ReconfigRequest>;

export const SetDataResponse = defineRecord("SetDataResponse", { stat: Stat });
export type SetDataResponse = Infer<typeof SetDataResponse>;

export const GetSASLRequest = defineRecord("GetSASLRequest", { token: buffer });
export type GetSASLRequest = Infer<typeof GetSASLRequest>;

export const SetSASLRequest = defineRecord("SetSASLRequest", { token: buffer });
export type SetSASLRequest = Infer<typeof SetSASLRequest>;

export const SetSASLResponse = defineRecord("SetSASLResponse", { token: buffer });
export type SetSASLResponse = Infer<typeof SetSASLResponse>;

export const CreateRequest = defineRecord("CreateRequest", {
  path: ustring,
  data: buffer,
  acl: aclList,
  flags: int,
});
export type CreateRequest = Infer<typeof CreateRequest>;

export const CreateTTLRequest = defineRecord("CreateTTLRequest", {
  path: ustring,
  data: buffer,
  acl: aclList,
  flags: int,
  ttl: long,
});
export type CreateTTLRequest = Infer<typeof CreateTTLRequest>;

export const DeleteRequest = defineRecord("DeleteRequest", { path: ustring, version: int });
export type DeleteRequest = Infer<typeof DeleteRequest>;

export const GetChildrenRequest = defineRecord("GetChildrenRequest", { path: ustring, watch: bool });
export type GetChildrenRequest = Infer<typeof GetChildrenRequest>;

export const GetAllChildrenNumberRequest = defineRecord("GetAllChildrenNumberRequest", { path: ustring });
export type GetAllChildrenNumberRequest = Infer<typeof GetAllChildrenNumberRequest>;

export const GetStatPersistedRequest = defineRecord("GetStatPersistedRequest", { path: ustring });
export type GetStatPersistedRequest = Infer<typeof GetStatPersistedRequest>;

export const GetChildren2Request = defineRecord("GetChildren2Request", { path: ustring, watch: bool });
export type GetChildren2Request = Infer<typeof GetChildren2Request>;

export const CheckVersionRequest = defineRecord("CheckVersionRequest", { path: ustring, version: int });
export type CheckVersionRequest = Infer<typeof CheckVersionRequest>;

export const GetMaxChildrenRequest = defineRecord("GetMaxChildrenRequest", { path: ustring });
export type GetMaxChildrenRequest = Infer<typeof GetMaxChildrenRequest>;

export const GetMaxChildrenResponse = defineRecord("GetMaxChildrenResponse", { max: int });
export type GetMaxChildrenResponse = Infer<typeof GetMaxChildrenResponse>;

export const SetMaxChildrenRequest = defineRecord("SetMaxChildrenRequest", { path: ustring, max: int });
export type SetMaxChildrenRequest = Infer<typeof SetMaxChildrenRequest>;

export const SyncRequest = defineRecord("SyncRequest", { path: ustring });
export type SyncRequest = Infer<typeof SyncRequest>;

export const SyncResponse = defineRecord("SyncResponse", { path: ustring });
export type SyncResponse = Infer<typeof SyncResponse>;

export const GetACLRequest = defineRecord("GetACLRequest", { path: ustring });
export type GetACLRequest = Infer<typeof GetACLRequest>;

export const SetACLRequest = defineRecord("SetACLRequest", { path: ustring, acl: aclList, version: int });
export type SetACLRequest = Infer<typeof SetACLRequest>;

export const SetACLResponse = defineRecord("SetACLResponse", { stat: Stat });
export type SetACLResponse = Infer<typeof SetACLResponse>;

export const AddWatchRequest = defineRecord("AddWatchRequest", { path: ustring, mode: int });
export type AddWatchRequest = Infer<typeof AddWatchRequest>;

export const WatcherEvent = defineRecord("WatcherEvent", { type: int, state: int, path: ustringOrNull });
export type WatcherEvent = Infer<typeof WatcherEvent>;

export const ErrorResponse = defineRecord("ErrorResponse", { err: int });
export type ErrorResponse = Infer<typeof ErrorResponse>;

export const CreateResponse = defineRecord("CreateResponse", { path: ustring });
export type CreateResponse = Infer<typeof CreateResponse>;

export const Create2Response = defineRecord("Create2Response", { path: ustring, stat: Stat });
export type Create2Response = Infer<typeof Create2Response>;

export const ExistsRequest = defineRecord("ExistsRequest", { path: ustring, watch: bool });
export type ExistsRequest = Infer<typeof ExistsRequest>;

export const ExistsResponse = defineRecord("ExistsResponse", { stat: Stat });
export type ExistsResponse = Infer<typeof ExistsResponse>;

export const GetDataResponse = defineRecord("GetDataResponse", { data: buffer, stat: Stat });
export type GetDataResponse = Infer<typeof GetDataResponse>;

export const GetChildrenResponse = defineRecord("GetChildrenResponse", { children: stringList });
export type GetChildrenResponse = Infer<typeof GetChildrenResponse>;

export const GetAllChildrenNumberResponse = defineRecord("GetAllChildrenNumberResponse", { totalNumber: int });
export type GetAllChildrenNumberResponse = Infer<typeof GetAllChildrenNumberResponse>;

export const GetStatPersistedResponse = defineRecord("GetStatPersistedResponse", {
  statPersisted: StatPersisted,
});
export type GetStatPersistedResponse = Infer<typeof GetStatPersistedResponse>;

export const GetChildren2Response = defineRecord("GetChildren2Response", { children: stringList, stat: Stat });
export type GetChildren2Response = Infer<typeof GetChildren2Response>;

export const GetACLResponse = defineRecord("GetACLResponse", { acl: aclList, stat: Stat });
export type GetACLResponse = Infer<typeof GetACLResponse>;

export const CheckWatchesRequest = defineRecord("CheckWatchesRequest", { path: ustring, type: int });
export type CheckWatchesRequest = Infer<typeof CheckWatchesRequest>;

export const RemoveWatchesRequest = defineRecord("RemoveWatchesRequest", { path: ustring, type: int });
export type RemoveWatchesRequest = Infer<typeof RemoveWatchesRequest>;

export const GetEphemeralsRequest = defineRecord("GetEphemeralsRequest", { prefixPath: ustring });
export type GetEphemeralsRequest = Infer<typeof GetEphemeralsRequest>;

export const GetEphemeralsResponse = defineRecord("GetEphemeralsResponse", { ephemerals: stringList });
export type GetEphemeralsResponse = Infer<typeof GetEphemeralsResponse>;

// ---- org.apache.zookeeper.server.quorum ----
export const LearnerInfo = defineRecord("LearnerInfo", {
  serverid: long,
  protocolVersion: int,
  configVersion: long,
});
export type LearnerInfo = Infer<typeof LearnerInfo>;

export const QuorumPacket = defineRecord("QuorumPacket", {
  type: int,
  zxid: long,
  data: buffer,
  authinfo: vectorOrNull(Id),
});
export type QuorumPacket = Infer<typeof QuorumPacket>;

export const QuorumAuthPacket = defineRecord("QuorumAuthPacket", { magic: long, status: int, token: buffer });
export type QuorumAuthPacket = Infer<typeof QuorumAuthPacket>;

// ---- org.apache.zookeeper.server.persistence ----
export const FileHeader = defineRecord("FileHeader", { magic: int, version: int, dbid: long });
export type FileHeader = Infer<typeof FileHeader>;

// ---- org.apache.zookeeper.txn ----
export const TxnDigest = defineRecord("TxnDigest", { version: int, treeDigest: long });
export type TxnDigest = Infer<typeof TxnDigest>;

export const TxnHeader = defineRecord("TxnHeader", {
  clientId: long,
  cxid: int,
  zxid: long,
  time: long,
  type: int,
});
export type TxnHeader = Infer<typeof TxnHeader>;

export const CreateTxnV0 = defineRecord("CreateTxnV0", {
  path: ustring,
  data: buffer,
  acl: aclList,
  ephemeral: bool,
});
export type CreateTxnV0 = Infer<typeof CreateTxnV0>;

export const CreateTxn = defineRecord("CreateTxn", {
  path: ustring,
  data: buffer,
  acl: aclList,
  ephemeral: bool,
  parentCVersion: int,
});
export type CreateTxn = Infer<typeof CreateTxn>;

export const CreateTTLTxn = defineRecord("CreateTTLTxn", {
  path: ustring,
  data: buffer,
  acl: aclList,
  parentCVersion: int,
  ttl: long,
});
export type CreateTTLTxn = Infer<typeof CreateTTLTxn>;

export const CreateContainerTxn = defineRecord("CreateContainerTxn", {
  path: ustring,
  data: buffer,
  acl: aclList,
  parentCVersion: int,
});
export type CreateContainerTxn = Infer<typeof CreateContainerTxn>;

export const DeleteTxn = defineRecord("DeleteTxn", { path: ustring });
export type DeleteTxn = Infer<typeof DeleteTxn>;

export const SetDataTxn = defineRecord("SetDataTxn", { path: ustring, data: buffer, version: int });
export type SetDataTxn = Infer<typeof SetDataTxn>;

export const CheckVersionTxn = defineRecord("CheckVersionTxn", { path: ustring, version: int });
export type CheckVersionTxn = Infer<typeof CheckVersionTxn>;

export const SetACLTxn = defineRecord("SetACLTxn", { path: ustring, acl: aclList, version: int });
export type SetACLTxn = Infer<typeof SetACLTxn>;

export const SetMaxChildrenTxn = defineRecord("SetMaxChildrenTxn", { path: ustring, max: int });
export type SetMaxChildrenTxn = Infer<typeof SetMaxChildrenTxn>;

export const CreateSessionTxn = defineRecord("CreateSessionTxn", { timeOut: int });
export type CreateSessionTxn = Infer<typeof CreateSessionTxn>;

export const CloseSessionTxn = defineRecord("CloseSessionTxn", { paths2Delete: stringList });
export type CloseSessionTxn = Infer<typeof CloseSessionTxn>;

export const ErrorTxn = defineRecord("ErrorTxn", { err: int });
export type ErrorTxn = Infer<typeof ErrorTxn>;

export const Txn = defineRecord("Txn", { type: int, data: buffer });
export type Txn = Infer<typeof Txn>;

export const MultiTxn = defineRecord("MultiTxn", { txns: vector(Txn) });
export type MultiTxn = Infer<typeof MultiTxn>;
