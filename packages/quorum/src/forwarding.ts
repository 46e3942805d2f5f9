/**
 * Host business carried in quorum packets, beside ZAB's own, byte for byte as ZooKeeper's: a learner's forwarded
 * client request (REQUEST) and the session liveness a learner reports in its PING answers. (The leader's answer
 * to a forwarded sync is a bare SYNC packet: learners match them to their syncs in order.)
 */
import type { Logger } from "@zkts/contracts";
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

/** Learner.ping's payload: the sessions this member's clients touched since the last PING (none without a core). */
export function learnerPingData(core: { takeTouchedSessions(): Array<[bigint, number]> } | undefined): Buffer {
  const touched = core?.takeTouchedSessions() ?? [];
  return encodeTouchedSessions(touched, touched.length);
}

export function* decodeTouchedSessions(data: Buffer): Generator<[bigint, number]> {
  const inp = new InputArchive(data);
  for (let i = 0; i + 12 <= data.length; i += 12) yield [inp.readLong(), inp.readInt()];
}

/** Learner.validateSession: REVALIDATE(zxid -1, data = long sessionId, int timeout, no authinfo). */
export function revalidatePacket(sessionId: bigint, timeout: number): Packet {
  const out = new OutputArchive(12);
  out.writeLong(sessionId);
  out.writeInt(timeout);
  return { type: PacketType.REVALIDATE, zxid: -1n, data: out.toBuffer() };
}

/** LearnerHandler: the learner's REVALIDATE (sessionId, timeout). */
export function parseRevalidate(p: Packet): { sessionId: bigint; timeout: number } {
  if (p.data === null || p.data.length < 12) throw new RangeError(`a REVALIDATE of ${p.data?.length ?? 0} bytes (12 expected)`);
  return { sessionId: p.data.readBigInt64BE(0), timeout: p.data.readInt32BE(8) };
}

/** LearnerHandler's answer: the learner's packet with data = long sessionId, boolean valid. */
export function revalidateAnswer(ask: Packet, sessionId: bigint, valid: boolean): Packet {
  const out = new OutputArchive(9);
  out.writeLong(sessionId);
  out.writeBool(valid);
  return { type: PacketType.REVALIDATE, zxid: ask.zxid, data: out.toBuffer() };
}

/** Learner.revalidate: the leader's answer (sessionId, valid). */
export function parseRevalidateAnswer(p: Packet): { sessionId: bigint; valid: boolean } {
  if (p.data === null || p.data.length < 9) throw new RangeError(`a REVALIDATE answer of ${p.data?.length ?? 0} bytes (9 expected)`);
  return { sessionId: p.data.readBigInt64BE(0), valid: p.data[8] !== 0 };
}

/**
 * LearnerHandler's REVALIDATE: the answer, valid when `touch` finds the session live (checkIfValidGlobalSession
 * touches it; zkts keeps no session owner to move); undefined for a malformed packet.
 */
export function answerRevalidate(p: Packet, touch: (sessionId: bigint, timeout: number) => boolean): Packet | undefined {
  if (p.data === null || p.data.length < 12) return undefined;
  const ask = parseRevalidate(p);
  return revalidateAnswer(p, ask.sessionId, touch(ask.sessionId, ask.timeout));
}

/**
 * A learner's sessions that clients reattached to, waiting for the leader's verdict (Learner.pendingRevalidations).
 * If the leader goes first the serving period ends, closing the clients' connections: `clear()` forgets them.
 */
export class Revalidations {
  private readonly pending = new Map<bigint, (valid: boolean) => void>();

  /** The REVALIDATE to send for `sessionId`; `done` gets the leader's verdict. */
  ask(sessionId: bigint, timeout: number, done: (valid: boolean) => void): Packet {
    this.pending.set(sessionId, done);
    return revalidatePacket(sessionId, timeout);
  }

  /** The leader's answer: the waiting connect is finished. False for a malformed answer. */
  answered(p: Packet): boolean {
    if (p.data === null || p.data.length < 9) return false;
    const { sessionId, valid } = parseRevalidateAnswer(p);
    const done = this.pending.get(sessionId);
    this.pending.delete(sessionId);
    done?.(valid);
    return true;
  }

  clear(): void {
    this.pending.clear();
  }
}

/**
 * Leader: a learner's session business besides REQUEST. A PING answer's table touches its sessions (unless the
 * ignoreSessionPings fault is on); a REVALIDATE is answered (the packet to send back).
 */
export function learnerSessionPacket(p: Packet, core: { touchSession(id: bigint, timeout: number): boolean } | undefined, ignorePings: boolean): Packet | undefined {
  if (core === undefined) return undefined;
  if (p.type === PacketType.PING && p.data !== null && p.data.length >= 12 && !ignorePings) {
    for (const [id, to] of decodeTouchedSessions(p.data)) core.touchSession(id, to);
  }
  return p.type === PacketType.REVALIDATE ? answerRevalidate(p, (id, to) => core.touchSession(id, to)) : undefined;
}

/** forwardedRequest, or undefined (logged) when the REQUEST on `conn` is malformed. */
export function forwardedRequestOrWarn(p: Packet, conn: number, log: Logger): ForwardedRequest | undefined {
  try {
    return forwardedRequest(p);
  } catch (e) {
    log.warn("dropping a malformed forwarded request", { conn, error: (e as Error).message });
    return undefined;
  }
}
