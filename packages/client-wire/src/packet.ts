/** Whole client packets: RequestHeader + body, ReplyHeader + body (payloads without the 4-byte length). */
import {
  InputArchive,
  JuteDecodeError,
  OutputArchive,
  ReplyHeader,
  RequestHeader,
  WatcherEvent,
  type Codec,
  type InputArchiveOptions,
} from "@zkts/jute";
import type { RequestBody, RequestOpCode } from "./codecs.js";
import { requestCodec, responseCodec } from "./ops.js";
import { Xid } from "./constants.js";
import { RequestDecodeError, UnknownOpCodeError, UnknownXidError } from "./errors.js";

export interface DecodeOptions {
  /** Reject ustring/buffer/vector lengths above this (jute.maxbuffer, default 0xfffff). */
  maxBuffer?: number;
  /** Accept bytes after the body (ZooKeeper ignores them); by default they are a JuteDecodeError. */
  allowTrailing?: boolean;
}

/** A decoded request, discriminated by `type`: `if (r.type === OpCode.create) r.body.path`. */
export type Request = { [Op in RequestOpCode]: { xid: number; type: Op; body: RequestBody<Op> } }[RequestOpCode];

/** Any request shape `encodeRequest` accepts (body `null` for header-only opcodes). */
export interface RequestPacket {
  xid: number;
  type: number;
  body: unknown;
}

export interface Response {
  header: ReplyHeader;
  /** WatcherEvent for xid -1; the opcode's reply record when err is 0; otherwise null. */
  body: unknown;
}

function checkEnd(inp: InputArchive, name: string, options: DecodeOptions): void {
  if (!options.allowTrailing && !inp.atEnd()) {
    throw new JuteDecodeError(`${inp.remaining} trailing bytes after ${name}`, inp.offset, [name]);
  }
}

function archiveOptions(options: DecodeOptions): InputArchiveOptions {
  return options.maxBuffer === undefined ? {} : { maxBuffer: options.maxBuffer };
}

/**
 * Decodes a client packet after the handshake. Throws UnknownOpCodeError (with xid and type) for an opcode a
 * client may not send, RequestDecodeError (a JuteDecodeError with xid and type) when the body does not decode,
 * and JuteDecodeError when not even the header does.
 */
export function decodeRequest(payload: Uint8Array, options: DecodeOptions = {}): Request {
  const inp = new InputArchive(payload, archiveOptions(options));
  const { xid, type } = RequestHeader.read(inp);
  const codec = requestCodec(type);
  if (codec === undefined) throw new UnknownOpCodeError(xid, type);
  let body: unknown = null;
  try {
    if (codec !== null) body = codec.read(inp);
    checkEnd(inp, codec?.name ?? "RequestHeader", options);
  } catch (e) {
    if (e instanceof JuteDecodeError) throw new RequestDecodeError(e, xid, type);
    throw e;
  }
  return { xid, type, body } as Request;
}

/** Encodes a request (RequestHeader + body), the exact inverse of decodeRequest. */
export function encodeRequest(req: RequestPacket): Buffer {
  const codec = requestCodec(req.type);
  if (codec === undefined) throw new UnknownOpCodeError(req.xid, req.type);
  const out = new OutputArchive(128);
  RequestHeader.write(out, { xid: req.xid, type: req.type });
  if (codec !== null) codec.write(out, req.body);
  return out.toBuffer();
}

/** Body codec of a reply: by special xid, else by the opcode of the request. */
function replyCodec(header: ReplyHeader, opcode: number | undefined): Codec<unknown> | null {
  switch (header.xid) {
    case Xid.NOTIFICATION:
      return WatcherEvent;
    case Xid.PING:
    case Xid.AUTH:
    case Xid.SET_WATCHES:
      return null;
  }
  if (header.err !== 0) return null;
  if (opcode === undefined) throw new UnknownXidError(header.xid);
  const codec = responseCodec(opcode);
  if (codec === undefined) throw new UnknownOpCodeError(header.xid, opcode);
  return codec;
}

/**
 * Decodes a server packet after the handshake. xid -1 is a notification (WatcherEvent); -2 ping, -4 auth and
 * -8 setWatches have no body; otherwise `opcodeOf(xid)` names the request it answers. A reply with err != 0
 * has no body.
 */
export function decodeResponse(
  payload: Uint8Array,
  opcodeOf: (xid: number) => number | undefined,
  options: DecodeOptions = {},
): Response {
  const inp = new InputArchive(payload, archiveOptions(options));
  const header = ReplyHeader.read(inp);
  const special = header.xid === Xid.NOTIFICATION || header.xid === Xid.PING || header.xid === Xid.AUTH || header.xid === Xid.SET_WATCHES;
  const codec = replyCodec(header, special || header.err !== 0 ? undefined : opcodeOf(header.xid));
  const body = codec === null ? null : codec.read(inp);
  checkEnd(inp, codec?.name ?? "ReplyHeader", options);
  return { header, body };
}

/**
 * Encodes a server packet, the exact inverse of decodeResponse. `opcode` (the request's type) selects the body
 * record; it is ignored for the special xids and when err != 0 (then no body is written).
 */
export function encodeResponse(resp: Response, opcode?: number): Buffer {
  const codec = replyCodec(resp.header, opcode);
  const out = new OutputArchive(128);
  ReplyHeader.write(out, resp.header);
  if (codec !== null) codec.write(out, resp.body);
  return out.toBuffer();
}

/**
 * A watch notification: ReplyHeader(-1, zxid, 0) + WatcherEvent. ZooKeeper 3.8 sends zxid -1, 3.9 the
 * event's zxid.
 */
export function encodeNotification(event: WatcherEvent, zxid = -1n): Buffer {
  return encodeResponse({ header: { xid: Xid.NOTIFICATION, zxid, err: 0 }, body: event });
}
