/** Which jute record is the body of each opcode's request and reply. */
import {
  AddWatchRequest,
  AuthPacket,
  CheckVersionRequest,
  CheckWatchesRequest,
  Create2Response,
  CreateRequest,
  CreateResponse,
  CreateTTLRequest,
  DeleteRequest,
  ErrorResponse,
  ExistsRequest,
  ExistsResponse,
  GetACLRequest,
  GetACLResponse,
  GetAllChildrenNumberRequest,
  GetAllChildrenNumberResponse,
  GetChildren2Request,
  GetChildren2Response,
  GetChildrenRequest,
  GetChildrenResponse,
  GetDataRequest,
  GetDataResponse,
  GetEphemeralsRequest,
  GetEphemeralsResponse,
  GetSASLRequest,
  ReconfigRequest,
  RemoveWatchesRequest,
  SetACLRequest,
  SetACLResponse,
  SetDataRequest,
  SetDataResponse,
  SetSASLResponse,
  SetWatches,
  SetWatches2,
  SyncRequest,
  SyncResponse,
  type Infer,
} from "@zkts/jute";
import { OpCode } from "./constants.js";
import { MultiRequest, MultiResponse } from "./multi.js";
import { WhoAmIResponse } from "./records.js";

/** Request body codec per opcode a client may send; `null` = header only. */
export const requestCodecs = {
  [OpCode.create]: CreateRequest,
  [OpCode.delete]: DeleteRequest,
  [OpCode.exists]: ExistsRequest,
  [OpCode.getData]: GetDataRequest,
  [OpCode.setData]: SetDataRequest,
  [OpCode.getACL]: GetACLRequest,
  [OpCode.setACL]: SetACLRequest,
  [OpCode.getChildren]: GetChildrenRequest,
  [OpCode.sync]: SyncRequest,
  [OpCode.ping]: null,
  [OpCode.getChildren2]: GetChildren2Request,
  [OpCode.check]: CheckVersionRequest,
  [OpCode.multi]: MultiRequest,
  [OpCode.create2]: CreateRequest,
  [OpCode.reconfig]: ReconfigRequest,
  [OpCode.checkWatches]: CheckWatchesRequest,
  [OpCode.removeWatches]: RemoveWatchesRequest,
  [OpCode.createContainer]: CreateRequest,
  [OpCode.deleteContainer]: DeleteRequest,
  [OpCode.createTTL]: CreateTTLRequest,
  [OpCode.multiRead]: MultiRequest,
  [OpCode.auth]: AuthPacket,
  [OpCode.setWatches]: SetWatches,
  [OpCode.sasl]: GetSASLRequest,
  [OpCode.getEphemerals]: GetEphemeralsRequest,
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberRequest,
  [OpCode.setWatches2]: SetWatches2,
  [OpCode.addWatch]: AddWatchRequest,
  [OpCode.whoAmI]: null,
  [OpCode.closeSession]: null,
} as const;

/** Reply body codec per opcode (when the reply header's err is 0); `null` = header only. */
export const responseCodecs = {
  [OpCode.create]: CreateResponse,
  [OpCode.delete]: null,
  [OpCode.exists]: ExistsResponse,
  [OpCode.getData]: GetDataResponse,
  [OpCode.setData]: SetDataResponse,
  [OpCode.getACL]: GetACLResponse,
  [OpCode.setACL]: SetACLResponse,
  [OpCode.getChildren]: GetChildrenResponse,
  [OpCode.sync]: SyncResponse,
  [OpCode.ping]: null,
  [OpCode.getChildren2]: GetChildren2Response,
  [OpCode.check]: SetDataResponse,
  [OpCode.multi]: MultiResponse,
  [OpCode.create2]: Create2Response,
  [OpCode.reconfig]: GetDataResponse,
  [OpCode.checkWatches]: null,
  [OpCode.removeWatches]: null,
  [OpCode.createContainer]: Create2Response,
  [OpCode.deleteContainer]: null,
  [OpCode.createTTL]: Create2Response,
  [OpCode.multiRead]: MultiResponse,
  [OpCode.auth]: null,
  [OpCode.setWatches]: null,
  [OpCode.sasl]: SetSASLResponse,
  [OpCode.getEphemerals]: GetEphemeralsResponse,
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberResponse,
  [OpCode.setWatches2]: null,
  [OpCode.addWatch]: ErrorResponse,
  [OpCode.whoAmI]: WhoAmIResponse,
  [OpCode.closeSession]: null,
} as const;

type RequestCodecs = typeof requestCodecs;
type ResponseCodecs = typeof responseCodecs;

/** Opcodes a client may send (every key of the request table). */
export type RequestOpCode = keyof RequestCodecs;
/** Opcodes with a known reply body. */
export type ResponseOpCode = keyof ResponseCodecs;

/** The decoded request body of an opcode (null when the request is header only). */
export type RequestBody<Op extends RequestOpCode> = RequestCodecs[Op] extends null
  ? null
  : Infer<RequestCodecs[Op]>;
/** The decoded reply body of an opcode when err is 0 (null when the reply is header only). */
export type ResponseBody<Op extends ResponseOpCode> = ResponseCodecs[Op] extends null
  ? null
  : Infer<ResponseCodecs[Op]>;
