// Bytes produced by Apache ZooKeeper 3.8.0's own serializers (scripts/JuteGolden.java, run against
// /usr/share/java/zookeeper.jar): our encoders must produce them exactly and our decoders must read them back.
import { Ids, OpCode } from "./constants.js";
import { describe, expect, it } from "vitest";
import { decodeConnectRequest, decodeConnectResponse, encodeConnectRequest, encodeConnectResponse } from "./connect.js";
import { MultiRequest, MultiResponse, errorResult } from "./multi.js";
import { WhoAmIResponse } from "./records.js";
import { decode, encode, type Codec } from "@zkts/jute";

const java = {
  multi:
    "0000000100ffffffff000000022f610000000178000000010000001f00000005776f726c6400000006616e796f6e65000000020000001300ffffffff000000022f6200000000000000010000001f00000005776f726c6400000006616e796f6e65000000040000001500ffffffff000000022f74ffffffff000000010000001f00000005776f726c6400000006616e796f6e650000000500000000000013880000000200ffffffff000000022f61ffffffff0000000500ffffffff000000022f620000000179000000030000000d00ffffffff000000022f6200000001ffffffff01ffffffff",
  multiRead:
    "0000000800ffffffff000000012f000000000400ffffffff000000022f6100ffffffff01ffffffff",
  multiResp:
    "0000000100000000000000000c2f61303030303030303030310000000f0000000000000000022f6200000000000000010000000000000002000000000000000300000000000000040000000500000006000000070000000000000008000000090000000a000000000000000b00000002000000000000000005000000000000000000000000010000000000000002000000000000000300000000000000040000000500000006000000070000000000000008000000090000000a000000000000000b0000000d0000000000ffffffff00ffffff9bffffff9bffffffff01ffffffff",
  multiReadResp:
    "0000000800000000000000000200000001780000000179000000040000000000000000017600000000000000010000000000000002000000000000000300000000000000040000000500000006000000070000000000000008000000090000000a000000000000000bffffffff00ffffff9bffffff9bffffffff01ffffffff",
  whoAmI:
    "00000002000000026970000000093132372e302e302e31000000066469676573740000000175",
  connectReq:
    "0000000000000001000000050000753000000000000000000000001000000000000000000000000000000000",
  connectResp:
    "000000000000753010000000000000010000001000000000000000000000000000000000",
};

const stat = {
  czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 5, cversion: 6, aversion: 7,
  ephemeralOwner: 8n, dataLength: 9, numChildren: 10, pzxid: 11n,
};
const acl = Ids.OPEN_ACL_UNSAFE;

function same<T>(codec: Codec<T>, value: T, hex: string): void {
  expect(encode(codec, value).toString("hex")).toBe(hex);
  expect(decode(codec, Buffer.from(hex, "hex"))).toEqual(value);
}

describe("byte-identical with ZooKeeper 3.8's Java serializers", () => {
  it("MultiOperationRecord of writes", () =>
    same(
      MultiRequest,
      {
        ops: [
          { type: OpCode.create, body: { path: "/a", data: Buffer.from("x"), acl, flags: 2 } },
          { type: OpCode.createContainer, body: { path: "/b", data: Buffer.alloc(0), acl, flags: 4 } },
          { type: OpCode.createTTL, body: { path: "/t", data: null, acl, flags: 5, ttl: 5000n } },
          { type: OpCode.delete, body: { path: "/a", version: -1 } },
          { type: OpCode.setData, body: { path: "/b", data: Buffer.from("y"), version: 3 } },
          { type: OpCode.check, body: { path: "/b", version: 1 } },
        ],
      },
      java.multi,
    ));

  it("MultiOperationRecord of reads", () =>
    same(
      MultiRequest,
      {
        ops: [
          { type: OpCode.getChildren, body: { path: "/", watch: false } },
          { type: OpCode.getData, body: { path: "/a", watch: false } },
        ],
      },
      java.multiRead,
    ));

  it("MultiResponse of writes", () =>
    same(
      MultiResponse,
      {
        results: [
          { type: OpCode.create, err: 0, body: { path: "/a0000000001" } },
          { type: OpCode.create2, err: 0, body: { path: "/b", stat } },
          { type: OpCode.delete, err: 0, body: null },
          { type: OpCode.setData, err: 0, body: { stat } },
          { type: OpCode.check, err: 0, body: null },
          errorResult(-101),
        ],
      },
      java.multiResp,
    ));

  it("MultiResponse of reads", () =>
    same(
      MultiResponse,
      {
        results: [
          { type: OpCode.getChildren, err: 0, body: { children: ["x", "y"] } },
          { type: OpCode.getData, err: 0, body: { data: Buffer.from("v"), stat } },
          errorResult(-101),
        ],
      },
      java.multiReadResp,
    ));

  it("WhoAmIResponse", () =>
    same(
      WhoAmIResponse,
      { clientInfo: [{ authScheme: "ip", user: "127.0.0.1" }, { authScheme: "digest", user: "u" }] },
      java.whoAmI,
    ));

  it("ConnectRequest / ConnectResponse (jute part; the readOnly byte follows)", () => {
    const req = { protocolVersion: 0, lastZxidSeen: 0x1_0000_0005n, timeOut: 30000, sessionId: 0n, passwd: Buffer.alloc(16) };
    expect(encodeConnectRequest({ ...req, readOnly: false, hasReadOnly: false }).toString("hex")).toBe(java.connectReq);
    expect(decodeConnectRequest(Buffer.from(java.connectReq + "01", "hex"))).toEqual({ ...req, readOnly: true, hasReadOnly: true });
    const resp = { protocolVersion: 0, timeOut: 30000, sessionId: 0x1000_0000_0000_0001n, passwd: Buffer.alloc(16) };
    expect(encodeConnectResponse({ ...resp, readOnly: false, hasReadOnly: true }).toString("hex")).toBe(java.connectResp + "00");
    expect(decodeConnectResponse(Buffer.from(java.connectResp, "hex"))).toEqual({ ...resp, readOnly: false, hasReadOnly: false });
  });
});
