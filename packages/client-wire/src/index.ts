export {
  OpCode,
  opName,
  ErrorCode,
  errorName,
  errorMessage,
  KeeperState,
  keeperStateName,
  EventType,
  eventTypeName,
  WatcherType,
  watcherTypeName,
  AddWatchMode,
  addWatchModeName,
  CreateMode,
  createModeName,
  createModeFromFlag,
  type CreateModeInfo,
  Perms,
  Ids,
  Xid,
} from "./constants.js";
export { KeeperError, UnknownOpCodeError, UnknownXidError, RequestDecodeError } from "./errors.js";
export { ClientInfo, WhoAmIResponse } from "./records.js";
export {
  decodeConnectRequest,
  encodeConnectRequest,
  decodeConnectResponse,
  encodeConnectResponse,
  type ConnectRequestPacket,
  type ConnectResponsePacket,
} from "./connect.js";
export {
  requestCodecs,
  responseCodecs,
  type RequestOpCode,
  type ResponseOpCode,
  type RequestBody,
  type ResponseBody,
} from "./codecs.js";
export {
  MultiRequest,
  MultiResponse,
  multiErrorResults,
  errorResult,
  type MultiOp,
  type OpResult,
} from "./multi.js";
export {
  decodeRequest,
  encodeRequest,
  decodeResponse,
  encodeResponse,
  encodeNotification,
  type DecodeOptions,
  type Request,
  type RequestPacket,
  type Response,
} from "./packet.js";
export { opInfo, opString, allOps, requestCodec, responseCodec, type OpDescriptor } from "./ops.js";
export {
  TxnType,
  UnknownTxnTypeError,
  txnCodec,
  subTxnCodec,
  writeTxn,
  encodeTxn,
  encodeTxnRecord,
  decodeTxn,
  type DecodedTxn,
  type DecodeTxnOptions,
} from "./txn.js";
export {
  CONTAINER_EPHEMERAL_OWNER,
  MAX_TTL,
  clientEphemeralOwner,
  ephemeralKind,
  isValidTtl,
  ownerAsLong,
  ttlEphemeralOwner,
  ttlOf,
  type EphemeralKind,
} from "./ephemeral.js";
export {
  InvalidPathError,
  baseName,
  formatSequence,
  invalidPathReason,
  isValidPath,
  parentPath,
  validatePath,
} from "./path.js";
export {
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
} from "./quota.js";
export {
  DIGEST_MD5_PROTOCOL,
  DIGEST_MD5_SERVER_NAME,
  DigestMd5Client,
  SaslError,
  digestBytes,
  digestResponse,
  parseDirectives,
  quoteDirective,
  type DigestMd5ClientOptions,
} from "./sasl-digest.js";
export { JaasSyntaxError, parseJaas, type JaasEntry } from "./jaas.js";
