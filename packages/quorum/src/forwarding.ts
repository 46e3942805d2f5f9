/**
 * Host business carried in quorum packets, beside ZAB's own, byte for byte as ZooKeeper's: a learner's forwarded
 * client request (REQUEST) and the session liveness a learner reports in its PING answers. (The leader's answer
 * to a forwarded sync is a bare SYNC packet: learners match them to their syncs in order.)
 */
import type { ForwardedRequest } from "@zkts/core";
import { InputArchive, OutputArchive } from "@zkts/jute";
import { PacketType, type Packet } from "@zkts/zab";

/** OpCode.createSession. */
const CREATE_SESSION = -10;

/**
 * A learner's REQUEST, as ZooKeeper's Learner.request writes it: data = long sessionId, int cxid, int type, then the
 * request record's bytes as the client sent them (no length); the client connection's auth ids in the packet's
 * authinfo, except on createSession, whose Request ZooKeeper builds without auth info (a null vector).
 */
export function requestPacket(r: ForwardedRequest): Packet {
  const out = new OutputArchive(16 + r.body.length);
  out.writeLong(r.sessionId);
  out.writeInt(r.cxid);
  out.writeInt(r.type);
  out.writeRaw(r.body);
  const p: Packet = { type: PacketType.REQUEST, zxid: -1n, data: out.toBuffer() };
  if (r.type !== CREATE_SESSION) p.authinfo = r.authInfo.map((a) => ({ scheme: a.scheme, id: a.id ?? "" }));
  return p;
}

/** Reads a learner's REQUEST (LearnerHandler: sessionId, cxid, type, the rest is the request). */
export function forwardedRequest(p: Packet): ForwardedRequest {
  const data = p.data;
  if (data === null || data.length < 16) throw new RangeError(`a REQUEST of ${data?.length ?? 0} bytes (at least 16 expected)`);
  const inp = new InputArchive(data);
  const sessionId = inp.readLong();
  const cxid = inp.readInt();
  const type = inp.readInt();
  return { sessionId, cxid, type, body: Buffer.from(data.subarray(16)), authInfo: p.authinfo ?? [] };
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
