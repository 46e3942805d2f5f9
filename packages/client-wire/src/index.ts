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
  requestCodec,
  responseCodec,
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
