import { LearnerInfo, OutputArchive, QuorumPacket, decode, encode } from "@zkts/jute";

/** Quorum packet types (org.apache.zookeeper.server.quorum.Leader). */
export const PacketType = {
  REQUEST: 1,
  PROPOSAL: 2,
  ACK: 3,
  COMMIT: 4,
  PING: 5,
  REVALIDATE: 6,
  SYNC: 7,
  INFORM: 8,
  COMMITANDACTIVATE: 9,
  NEWLEADER: 10,
  FOLLOWERINFO: 11,
  UPTODATE: 12,
  DIFF: 13,
  TRUNC: 14,
  SNAP: 15,
  OBSERVERINFO: 16,
  LEADERINFO: 17,
  ACKEPOCH: 18,
  INFORMANDACTIVATE: 19,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

export const PACKET_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(PacketType).map(([k, v]) => [v, k]),
);

/** LearnerInfo.protocolVersion / LEADERINFO payload of ZooKeeper >= 3.4 (ZAB 1.0). */
export const ZAB_PROTOCOL_VERSION = 0x10000;

const MASK32 = 0xffffffffn;

/** zxid = epoch << 32 | counter (ZxidUtils.makeZxid). */
export function makeZxid(epoch: bigint, counter: bigint): bigint {
  return (epoch << 32n) | (counter & MASK32);
}
export function epochOf(zxid: bigint): bigint {
  return zxid >> 32n;
}
export function counterOf(zxid: bigint): bigint {
  return zxid & MASK32;
}
export function zxidHex(zxid: bigint): string {
  return "0x" + (zxid < 0n ? zxid + (1n << 64n) : zxid).toString(16);
}

/** An auth id carried in a packet's `authinfo` (Learner.request: the forwarded request's connection ids). */
export interface PacketId {
  scheme: string;
  id: string;
}

/**
 * A QuorumPacket as the protocol core produces and consumes it. `authinfo` is absent (written as a null vector)
 * except on REQUEST, where ZooKeeper's learners put the client connection's auth ids.
 */
export interface Packet {
  type: number;
  zxid: bigint;
  data: Buffer | null;
  authinfo?: PacketId[];
}

export function encodePacket(p: Packet): Buffer {
  return encode(QuorumPacket, { type: p.type, zxid: p.zxid, data: p.data, authinfo: p.authinfo ?? null });
}

/**
 * Writes one QuorumPacket into `out` as the quorum port carries it: jute, back to back, no length prefix
 * (BinaryOutputArchive.writeRecord on the socket stream, as ZooKeeper's Learner and LearnerHandler write it).
 */
export function writePacket(out: OutputArchive, p: Packet): void {
  out.writeInt(p.type);
  out.writeLong(p.zxid);
  out.writeBuffer(p.data);
  if (p.authinfo === undefined) {
    out.writeInt(-1); // authinfo: null vector
    return;
  }
  out.writeInt(p.authinfo.length);
  for (const a of p.authinfo) {
    out.writeString(a.scheme);
    out.writeString(a.id);
  }
}

/** The quorum port's limit on one packet's buffers (ZooKeeper's jute.maxbuffer default plus its padding). */
export const MAX_PACKET_BUFFER = 0xfffff + 1024;

/**
 * The size of the QuorumPacket at the start of a stream, read through `intAt(offset)` (which may see only what has
 * arrived: `available` bytes): the packet's length once it is all there, undefined while it is not. Throws on
 * lengths no ZooKeeper peer sends ("Unreasonable length").
 */
export function packetExtent(available: number, intAt: (offset: number) => number, maxBuffer = MAX_PACKET_BUFFER): number | undefined {
  if (available < 16) return undefined;
  const len = intAt(12);
  if (len < -1 || len > maxBuffer) throw new RangeError(`Unreasonable length = ${len}`);
  let off = 16 + Math.max(len, 0);
  if (available < off + 4) return undefined;
  const n = intAt(off);
  off += 4;
  if (n < -1 || n > 4096) throw new RangeError(`Unreasonable authinfo count = ${n}`);
  for (let i = 0; i < n * 2; i++) {
    if (available < off + 4) return undefined;
    const l = intAt(off);
    if (l < -1 || l > maxBuffer) throw new RangeError(`Unreasonable length = ${l}`);
    off += 4 + Math.max(l, 0);
  }
  return available < off ? undefined : off;
}

export function decodePacket(bytes: Uint8Array): Packet {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The common shape, read in place: int type, long zxid, buffer data (or -1), authinfo null (-1), nothing after.
  if (b.length >= 20) {
    const len = b.readInt32BE(12);
    if (len === -1 && b.length === 20 && b.readInt32BE(16) === -1) return { type: b.readInt32BE(0), zxid: b.readBigInt64BE(4), data: null };
    if (len >= 0 && b.length === 20 + len && b.readInt32BE(16 + len) === -1) {
      return { type: b.readInt32BE(0), zxid: b.readBigInt64BE(4), data: Buffer.from(b.subarray(16, 16 + len)) };
    }
  }
  const q = decode(QuorumPacket, b);
  const p: Packet = { type: q.type, zxid: q.zxid, data: q.data };
  if (q.authinfo !== null && q.authinfo !== undefined) p.authinfo = q.authinfo.map((a: { scheme: string | null; id: string | null }) => ({ scheme: a.scheme ?? "", id: a.id ?? "" }));
  return p;
}

function int4(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v | 0);
  return b;
}

// ---- builders, each as ZooKeeper 3.8 builds it (Learner, LearnerHandler, Leader) ----

/** Learner.registerWithLeader: zxid = makeZxid(acceptedEpoch, 0), data = LearnerInfo. */
export function learnerInfoPacket(
  observer: boolean,
  acceptedEpoch: bigint,
  sid: bigint,
  configVersion = 0n,
): Packet {
  return {
    type: observer ? PacketType.OBSERVERINFO : PacketType.FOLLOWERINFO,
    zxid: makeZxid(acceptedEpoch, 0n),
    data: encode(LearnerInfo, { serverid: sid, protocolVersion: ZAB_PROTOCOL_VERSION, configVersion }),
  };
}

export function parseLearnerInfo(p: Packet): LearnerInfo {
  if (!p.data) throw new Error("LearnerInfo packet without data");
  return decode(LearnerInfo, p.data);
}

/** LearnerHandler: LEADERINFO(makeZxid(newEpoch, 0), int protocolVersion). */
export function leaderInfoPacket(newEpoch: bigint): Packet {
  return { type: PacketType.LEADERINFO, zxid: makeZxid(newEpoch, 0n), data: int4(ZAB_PROTOCOL_VERSION) };
}

/** Learner: ACKEPOCH(lastLoggedZxid, int currentEpoch, or -1 when the epoch was already accepted). */
export function ackEpochPacket(lastLoggedZxid: bigint, currentEpoch: bigint | -1): Packet {
  return { type: PacketType.ACKEPOCH, zxid: lastLoggedZxid, data: int4(currentEpoch === -1 ? -1 : Number(currentEpoch)) };
}

export function parseAckEpoch(p: Packet): { lastLoggedZxid: bigint; currentEpoch: bigint } {
  if (!p.data || p.data.length < 4) throw new Error("ACKEPOCH without epoch");
  return { lastLoggedZxid: p.zxid, currentEpoch: BigInt(p.data.readInt32BE(0)) };
}

/** LearnerHandler.queueOpPacket / Leader: packets with a zxid and no data. */
export function opPacket(type: number, zxid: bigint): Packet {
  return { type, zxid, data: null };
}

/** NEWLEADER(makeZxid(epoch, 0), quorum verifier bytes). */
export function newLeaderPacket(epoch: bigint, quorumVerifierBytes: Buffer): Packet {
  return { type: PacketType.NEWLEADER, zxid: makeZxid(epoch, 0n), data: quorumVerifierBytes };
}

export const UPTODATE_PACKET: Packet = { type: PacketType.UPTODATE, zxid: -1n, data: null };

function long8(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return b;
}

/** Leader.commitAndActivate: COMMITANDACTIVATE(zxid, long designatedLeader), to followers. */
export function commitAndActivatePacket(zxid: bigint, designatedLeader: bigint): Packet {
  return { type: PacketType.COMMITANDACTIVATE, zxid, data: long8(designatedLeader) };
}

/** Leader.informAndActivate: INFORMANDACTIVATE(zxid, long designatedLeader + the proposal's txn bytes), to observers. */
export function informAndActivatePacket(zxid: bigint, designatedLeader: bigint, txn: Buffer): Packet {
  return { type: PacketType.INFORMANDACTIVATE, zxid, data: Buffer.concat([long8(designatedLeader), txn]) };
}

/** Learner: the designated leader (and, for INFORMANDACTIVATE, the txn bytes) of an ...ANDACTIVATE packet. */
export function parseActivate(p: Packet): { designatedLeader: bigint; txn: Buffer } {
  if (!p.data || p.data.length < 8) throw new Error(`${PACKET_NAMES[p.type] ?? p.type} without the designated leader`);
  return { designatedLeader: p.data.readBigInt64BE(0), txn: Buffer.from(p.data.subarray(8)) };
}
