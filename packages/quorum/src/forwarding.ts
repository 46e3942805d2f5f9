/**
 * Host business carried in quorum packets, beside ZAB's own: a learner's forwarded client request (REQUEST), the
 * session liveness a learner reports in its PING answers, and the leader's SYNC answer.
 */
import type { ForwardedRequest } from "@zkts/core";
import { InputArchive, OutputArchive } from "@zkts/jute";

/** REQUEST payload: long sessionId, int cxid, int type, then (zkts) the auth ids, then the request body. */
export function encodeRequest(r: ForwardedRequest): Buffer {
  const out = new OutputArchive(64 + r.body.length);
  out.writeLong(r.sessionId);
  out.writeInt(r.cxid);
  out.writeInt(r.type);
  out.writeInt(r.authInfo.length);
  for (const a of r.authInfo) {
    out.writeString(a.scheme);
    out.writeString(a.id);
  }
  out.writeBuffer(r.body);
  return out.toBuffer();
}

export function decodeRequest(data: Buffer): ForwardedRequest {
  const inp = new InputArchive(data);
  const sessionId = inp.readLong();
  const cxid = inp.readInt();
  const type = inp.readInt();
  const n = inp.readInt();
  if (n < 0 || n > data.length) throw new RangeError(`bad auth id count ${n} in a forwarded request`);
  const authInfo: { scheme: string; id: string }[] = [];
  for (let i = 0; i < n; i++) authInfo.push({ scheme: inp.readString() ?? "", id: inp.readString() ?? "" });
  const body = inp.readBuffer() ?? Buffer.alloc(0);
  return { sessionId, cxid, type, authInfo, body };
}

/** A learner's PING answer: (long sessionId, int timeout) for each session touched since the last one. */
export function encodeTouchedSessions(touched: Iterable<readonly [bigint, number]>, count: number): Buffer {
  const out = new OutputArchive(12 * count);
  for (const [id, to] of touched) {
    out.writeLong(id);
    out.writeInt(to);
  }
  return out.toBuffer();
}

export function* decodeTouchedSessions(data: Buffer): Generator<[bigint, number]> {
  const inp = new InputArchive(data);
  for (let i = 0; i + 12 <= data.length; i += 12) yield [inp.readLong(), inp.readInt()];
}

/** SYNC answer payload: long sessionId, int cxid (the zxid to wait for is the packet's). */
export function encodeSyncAnswer(sessionId: bigint, cxid: number): Buffer {
  const out = new OutputArchive(16);
  out.writeLong(sessionId);
  out.writeInt(cxid);
  return out.toBuffer();
}

export function decodeSyncAnswer(data: Buffer): { sessionId: bigint; cxid: number } {
  const inp = new InputArchive(data);
  return { sessionId: inp.readLong(), cxid: inp.readInt() };
}
