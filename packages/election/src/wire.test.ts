import { describe, expect, it } from "vitest";
import { ElectionFrameError, HandshakeError, NotificationDecodeError } from "./errors.js";
import {
  ElectionFrameDecoder,
  encodeElectionFrame,
  encodeInitialMessage,
  HandshakeDecoder,
  PACKET_MAX_SIZE,
} from "./handshake.js";
import { decodeNotification, encodeNotification, ServerState } from "./notification.js";
import { QuorumMaj } from "./quorum.js";

// Reference bytes printed by scripts/java-vectors/run.sh, i.e. by ZooKeeper 3.8.0's own
// FastLeaderElection.buildMsg and QuorumMaj.toString (Debian's zookeeper.jar).
const JAVA = {
  config:
    "7365727665722e313d3132372e302e302e313a323838383a333838383a7061727469636970616e740a7365727665722e323d3132372e302e302e313a323838393a333838393a7061727469636970616e743b302e302e302e303a323138320a7365727665722e333d6c6f63616c686f73743a323839303a333839303a6f627365727665723b302e302e302e303a323138330a76657273696f6e3d30",
  notifLooking:
    "000000000000000000000001000000010000000200000000000000010000000000000001000000020000009b7365727665722e313d3132372e302e302e313a323838383a333838383a7061727469636970616e740a7365727665722e323d3132372e302e302e313a323838393a333838393a7061727469636970616e743b302e302e302e303a323138320a7365727665722e333d6c6f63616c686f73743a323839303a333839303a6f627365727665723b302e302e302e303a323138330a76657273696f6e3d30",
  notifLeadingEmpty: "000000020000000000000003ffffffffffffffff7fffffffffffffff00000000000000050000000200000000",
  notif40: "00000001000000000000000200000005000000070000000000000009000000000000000500000001",
};

const javaQuorum = new QuorumMaj({
  "server.1": "127.0.0.1:2888:3888",
  "server.2": "127.0.0.1:2889:3889:participant;2182",
  "server.3": "localhost:2890:3890:observer;0.0.0.0:2183",
});

describe("notification wire format (ZooKeeper 3.8)", () => {
  it("QuorumMaj.toString matches Java byte for byte", () => {
    expect(Buffer.from(javaQuorum.toString()).toString("hex")).toBe(JAVA.config);
  });

  it("encodes a LOOKING notification with config exactly as buildMsg", () => {
    const b = encodeNotification({
      state: ServerState.LOOKING,
      leader: 1n,
      zxid: 0x100000002n,
      electionEpoch: 1n,
      peerEpoch: 1n,
      config: javaQuorum.toString(),
    });
    expect(b.toString("hex")).toBe(JAVA.notifLooking);
  });

  it("encodes extreme longs and an empty config exactly as buildMsg", () => {
    const b = encodeNotification({
      state: ServerState.LEADING,
      leader: 3n,
      zxid: -1n,
      electionEpoch: 0x7fffffffffffffffn,
      peerEpoch: 5n,
    });
    expect(b.toString("hex")).toBe(JAVA.notifLeadingEmpty);
  });

  it("decodes Java's version-2 form", () => {
    const n = decodeNotification(Buffer.from(JAVA.notifLooking, "hex"));
    expect(n).toMatchObject({ state: 0, leader: 1n, zxid: 0x100000002n, electionEpoch: 1n, peerEpoch: 1n, version: 2 });
    expect(n.config?.toString()).toBe(javaQuorum.toString());
  });

  it("decodes the 40-byte form (peerEpoch, version not read)", () => {
    const n = decodeNotification(Buffer.from(JAVA.notif40, "hex"));
    expect(n).toEqual({ state: 1, leader: 2n, zxid: 0x500000007n, electionEpoch: 9n, peerEpoch: 5n, version: 0 });
  });

  it("decodes the 28-byte form, taking peerEpoch from the zxid", () => {
    const n = decodeNotification(Buffer.from(JAVA.notif40, "hex").subarray(0, 28));
    expect(n).toEqual({ state: 1, leader: 2n, zxid: 0x500000007n, electionEpoch: 9n, peerEpoch: 5n, version: 0 });
  });

  it("accepts version <= 1 bodies longer than 40 bytes without a config", () => {
    const b = Buffer.concat([Buffer.from(JAVA.notif40, "hex"), Buffer.from([0, 0])]);
    expect(decodeNotification(b)).toMatchObject({ version: 1, peerEpoch: 5n });
  });

  it("rejects short and truncated forms with a typed error", () => {
    const full = Buffer.from(JAVA.notifLooking, "hex");
    for (const len of [0, 1, 27, 29, 35, 36, 39, 41, 43, 44, 100]) {
      expect(() => decodeNotification(full.subarray(0, len)), `len ${len}`).toThrow(NotificationDecodeError);
    }
    const neg = Buffer.from(full.subarray(0, 44));
    neg.writeInt32BE(-1, 40);
    expect(() => decodeNotification(neg)).toThrow(/negative config length/);
  });

  it("round-trips", () => {
    const init = { state: ServerState.OBSERVING, leader: -5n, zxid: 7n, electionEpoch: 8n, peerEpoch: 9n, config: "x" };
    const n = decodeNotification(encodeNotification(init));
    expect(n).toMatchObject({ ...init, config: Buffer.from("x"), version: 2 });
  });
});

describe("connection handshake", () => {
  // Checked with InitialMessage.parse from ZooKeeper 3.8.0 (scripts/java-vectors/run.sh <hex>):
  //   parsed sid=3 addrs=[/127.0.0.1:3890]
  const V1 = "ffffffffffff000000000000000000030000000e3132372e302e302e313a33383930";
  it("writes the v1 initial message as startConnection does", () => {
    expect(encodeInitialMessage(3n, { host: "127.0.0.1", port: 3890 }).toString("hex")).toBe(V1);
  });

  it("parses byte by byte, then hands back what follows", () => {
    const d = new HandshakeDecoder();
    const bytes = Buffer.concat([Buffer.from(V1, "hex"), Buffer.from([9, 9])]);
    let res;
    for (let i = 0; i < bytes.length && !res; i++) res = d.push(bytes.subarray(i, i + 1));
    expect(res?.message).toEqual({ protocolVersion: -65536n, sid: 3n, addresses: [{ host: "127.0.0.1", port: 3890 }] });
    const rest = new HandshakeDecoder().push(bytes)!.rest;
    expect([...rest]).toEqual([9, 9]);
  });

  it("parses v2 multi-address, IPv6 and drops wildcards", () => {
    const msg = encodeInitialMessage(7n, [
      { host: "10.0.0.1", port: 1 },
      { host: "::1", port: 2 },
      { host: "0.0.0.0", port: 3 },
    ]);
    expect(msg.readBigInt64BE(0)).toBe(-65535n);
    expect(new HandshakeDecoder().push(msg)!.message.addresses).toEqual([
      { host: "10.0.0.1", port: 1 },
      { host: "::1", port: 2 },
    ]);
  });

  it("treats a non-negative first long as a bare sid (pre-3.5)", () => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(4n);
    expect(new HandshakeDecoder().push(b)!.message).toEqual({ protocolVersion: 4n, sid: 4n, addresses: [] });
  });

  it("rejects unknown versions, bad lengths and malformed addresses", () => {
    const bad = (hex: string) => () => new HandshakeDecoder().push(Buffer.from(hex, "hex"));
    expect(bad("fffffffffffeffff")).toThrow(HandshakeError);
    expect(bad("ffffffffffff0000000000000000000300000000")).toThrow(/Unreasonable buffer length: 0/);
    expect(bad("ffffffffffff0000000000000000000300000801")).toThrow(/Unreasonable buffer length: 2049/);
    expect(bad("ffffffffffff00000000000000000003" + "00000003" + Buffer.from("a:b").toString("hex"))).toThrow(
      /Bad port/,
    );
    expect(bad("ffffffffffff00000000000000000003" + "00000005" + Buffer.from("a:1:2").toString("hex"))).toThrow(
      /Badly formed/,
    );
  });
});

describe("election framing", () => {
  it("frames and splits packets across chunks", () => {
    const a = encodeElectionFrame(Buffer.from("abc"));
    const b = encodeElectionFrame(Buffer.alloc(70000, 1));
    const all = Buffer.concat([a, b]);
    const got: number[] = [];
    const d = new ElectionFrameDecoder();
    for (let i = 0; i < all.length; i += 1000) d.push(all.subarray(i, i + 1000), (p) => got.push(p.length));
    expect(got).toEqual([3, 70000]);
  });

  it("rejects lengths of 0, negative and above 512 KiB", () => {
    for (const len of [0, -1, PACKET_MAX_SIZE + 1]) {
      const h = Buffer.alloc(4);
      h.writeInt32BE(len);
      expect(() => new ElectionFrameDecoder().push(h, () => {})).toThrow(ElectionFrameError);
    }
    const max = Buffer.alloc(4);
    max.writeInt32BE(PACKET_MAX_SIZE);
    expect(() => new ElectionFrameDecoder().push(max, () => {})).not.toThrow();
    expect(() => encodeElectionFrame(Buffer.alloc(0))).toThrow(ElectionFrameError);
  });
});
