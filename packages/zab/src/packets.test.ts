import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  PacketType,
  UPTODATE_PACKET,
  ackEpochPacket,
  decodePacket,
  encodePacket,
  epochOf,
  counterOf,
  leaderInfoPacket,
  learnerInfoPacket,
  makeZxid,
  newLeaderPacket,
  opPacket,
  parseAckEpoch,
  parseLearnerInfo,
  type Packet,
} from "./packets.js";
import { LearnerInfo, encode } from "@zkts/jute";

// Printed by scripts/java-vectors/run.sh from ZooKeeper 3.8.0's own QuorumPacket/LearnerInfo classes.
const vectors = new Map(
  readFileSync(new URL("./java-vectors.txt", import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(" ") as [string, string]),
);
const hex = (name: string) => {
  const v = vectors.get(name);
  if (!v) throw new Error(`no vector ${name}`);
  return v;
};

describe("QuorumPacket wire format (vectors from ZooKeeper 3.8's classes)", () => {
  const txn = Buffer.from([1, 2, 3, 0xff]);
  const cases: [string, Packet][] = [
    ["followerinfo", learnerInfoPacket(false, 5n, 3n, 0x100000000n)],
    ["observerinfo", learnerInfoPacket(true, 0n, 4n, 0n)],
    ["leaderinfo", leaderInfoPacket(6n)],
    ["ackepoch", ackEpochPacket(makeZxid(5n, 7n), 5n)],
    ["ackepoch_minus1", ackEpochPacket(makeZxid(5n, 7n), -1)],
    ["diff", opPacket(PacketType.DIFF, makeZxid(5n, 7n))],
    ["trunc", opPacket(PacketType.TRUNC, makeZxid(4n, 2n))],
    ["snap", opPacket(PacketType.SNAP, makeZxid(5n, 9n))],
    ["newleader", newLeaderPacket(6n, Buffer.from("version=0"))],
    ["ack_newleader", opPacket(PacketType.ACK, makeZxid(6n, 0n))],
    ["ack", opPacket(PacketType.ACK, makeZxid(6n, 1n))],
    ["uptodate", UPTODATE_PACKET],
    ["proposal", { type: PacketType.PROPOSAL, zxid: makeZxid(6n, 1n), data: txn }],
    ["commit", opPacket(PacketType.COMMIT, makeZxid(6n, 1n))],
    ["inform", { type: PacketType.INFORM, zxid: makeZxid(6n, 1n), data: txn }],
    ["ping", opPacket(PacketType.PING, makeZxid(6n, 1n))],
    ["ping_reply", { type: PacketType.PING, zxid: makeZxid(6n, 1n), data: Buffer.alloc(0) }],
  ];
  for (const [name, p] of cases) {
    it(`${name} encodes byte for byte and decodes back`, () => {
      const bytes = encodePacket(p);
      expect(bytes.toString("hex")).toBe(hex(name));
      const back = decodePacket(bytes);
      expect(back.type).toBe(p.type);
      expect(back.zxid).toBe(p.zxid);
      expect(back.data === null ? null : back.data.toString("hex")).toBe(p.data === null ? null : p.data.toString("hex"));
    });
  }

  it("LearnerInfo and ACKEPOCH payloads parse", () => {
    expect(encode(LearnerInfo, { serverid: 3n, protocolVersion: 0x10000, configVersion: 0x100000000n }).toString("hex")).toBe(
      hex("learnerinfo"),
    );
    expect(parseLearnerInfo(decodePacket(Buffer.from(hex("followerinfo"), "hex")))).toEqual({
      serverid: 3n,
      protocolVersion: 0x10000,
      configVersion: 0x100000000n,
    });
    expect(parseAckEpoch(decodePacket(Buffer.from(hex("ackepoch_minus1"), "hex")))).toEqual({
      lastLoggedZxid: makeZxid(5n, 7n),
      currentEpoch: -1n,
    });
  });

  it("packet type numbers match Leader.java", () => {
    const java = hex("types").split(",").map(Number);
    const ours = [
      PacketType.REQUEST, PacketType.PROPOSAL, PacketType.ACK, PacketType.COMMIT, PacketType.PING, PacketType.REVALIDATE,
      PacketType.SYNC, PacketType.INFORM, PacketType.COMMITANDACTIVATE, PacketType.NEWLEADER, PacketType.FOLLOWERINFO,
      PacketType.UPTODATE, PacketType.DIFF, PacketType.TRUNC, PacketType.SNAP, PacketType.OBSERVERINFO,
      PacketType.LEADERINFO, PacketType.ACKEPOCH, PacketType.INFORMANDACTIVATE,
    ];
    expect(ours).toEqual(java);
  });

  it("zxid = epoch << 32 | counter", () => {
    const z = makeZxid(0x12n, 0xfffffffen);
    expect(z).toBe(0x12fffffffen);
    expect(epochOf(z)).toBe(0x12n);
    expect(counterOf(z)).toBe(0xfffffffen);
  });
});

describe("writePacket / packetExtent", () => {
  it("writes exactly encodePacket's bytes, back to back, and finds each packet's end in a stream as it arrives", async () => {
    const { OutputArchive } = await import("@zkts/jute");
    const { writePacket, encodePacket, packetExtent, decodePacket } = await import("./packets.js");
    const packets = [
      { type: 2, zxid: 0x100000007n, data: Buffer.from("txn bytes") },
      { type: 4, zxid: 0x100000007n, data: null },
      { type: 3, zxid: -1n, data: Buffer.alloc(0) },
      { type: 1, zxid: -1n, data: Buffer.from("request"), authinfo: [{ scheme: "digest", id: "alice:x" }, { scheme: "ip", id: "127.0.0.1" }] },
    ];
    const out = new OutputArchive(8);
    for (const p of packets) writePacket(out, p);
    const stream = out.toBuffer();
    expect(stream.equals(Buffer.concat(packets.map((p) => encodePacket(p))))).toBe(true);
    let off = 0;
    for (const p of packets) {
      const size = encodePacket(p).length;
      // every prefix shorter than the packet is "not yet"
      for (let n = 0; n < size; n++) expect(packetExtent(n, (o) => stream.readInt32BE(off + o))).toBeUndefined();
      expect(packetExtent(stream.length - off, (o) => stream.readInt32BE(off + o))).toBe(size);
      expect(decodePacket(stream.subarray(off, off + size))).toEqual(p);
      off += size;
    }
    const bad = Buffer.alloc(20);
    bad.writeInt32BE(0x01000000, 12);
    expect(() => packetExtent(20, (o) => bad.readInt32BE(o))).toThrow(/Unreasonable length = 16777216/);
  });
});

describe("decodePacket", () => {
  it("reads the common shapes in place exactly as the generic decoder, and falls back for the rest", async () => {
    const { encodePacket, decodePacket } = await import("./packets.js");
    const { decode, encode, QuorumPacket } = await import("@zkts/jute");
    const cases = [
      { type: 3, zxid: 0x100000007n, data: null },
      { type: 2, zxid: -1n, data: Buffer.from("txn bytes") },
      { type: 2, zxid: 5n, data: Buffer.alloc(0) },
    ];
    for (const p of cases) {
      const bytes = encodePacket(p);
      const q = decodePacket(bytes);
      expect(q).toEqual(p);
      expect(q).toEqual((({ type, zxid, data }) => ({ type, zxid, data }))(decode(QuorumPacket, bytes)));
      if (q.data !== null && q.data.length > 0) {
        bytes.fill(0xee); // owned, not a view of the frame
        expect(q.data).toEqual(p.data);
      }
    }
    // with authinfo (a learner's REQUEST): the generic path, the ids kept
    const withAuth = encode(QuorumPacket, { type: 6, zxid: 9n, data: null, authinfo: [{ scheme: "digest", id: "u:p" }] });
    expect(decodePacket(withAuth)).toEqual({ type: 6, zxid: 9n, data: null, authinfo: [{ scheme: "digest", id: "u:p" }] });
    // truncated / trailing bytes: refused as before
    expect(() => decodePacket(encodePacket(cases[1]!).subarray(0, 18))).toThrow();
  });
});
