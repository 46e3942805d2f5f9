import { InputArchive, JuteDecodeError, MultiHeader, RequestHeader, encode } from "@zkts/jute";
import { describe, expect, it } from "vitest";
import { ErrorCode, OpCode } from "./constants.js";
import { MultiResponse, errorResult, multiErrorResults } from "./multi.js";
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from "./packet.js";
import { stat } from "./samples.test-util.js";

const hdr = (type: number, done: boolean, err: number) => encode(MultiHeader, { type, done, err }).toString("hex");
const str = (s: string) => Buffer.from(s).length.toString(16).padStart(8, "0") + Buffer.from(s).toString("hex");

describe("multi request", () => {
  it("lays out MultiHeader(type, false, -1) + op, ended by MultiHeader(-1, true, -1)", () => {
    const bytes = encodeRequest({
      xid: 2,
      type: OpCode.multi,
      body: {
        ops: [
          { type: OpCode.check, body: { path: "/a", version: 1 } },
          { type: OpCode.delete, body: { path: "/a", version: -1 } },
        ],
      },
    });
    const hex =
      "00000002" + "0000000e" +
      hdr(13, false, -1) + str("/a") + "00000001" +
      hdr(2, false, -1) + str("/a") + "ffffffff" +
      hdr(-1, true, -1);
    expect(bytes.toString("hex")).toBe(hex);
    expect(hdr(-1, true, -1)).toBe("ffffffff01ffffffff");
  });

  it("decodes an empty multi", () => {
    const bytes = Buffer.from("00000001" + "0000000e" + hdr(-1, true, -1), "hex");
    expect(decodeRequest(bytes)).toEqual({ xid: 1, type: OpCode.multi, body: { ops: [] } });
  });

  it("rejects op types that cannot be in a multi, naming the op", () => {
    const bytes = Buffer.from("00000001" + "0000000e" + hdr(3, false, -1) + str("/a") + "00" + hdr(-1, true, -1), "hex");
    try {
      decodeRequest(bytes);
      throw new Error("no throw");
    } catch (e) {
      expect(e).toBeInstanceOf(JuteDecodeError);
      expect((e as JuteDecodeError).record).toBe("MultiOperationRecord");
      expect((e as JuteDecodeError).field).toBe("ops[0]");
      expect((e as JuteDecodeError).message).toMatch(/invalid type of op 3/);
    }
  });

  it("rejects mixing reads and writes", () => {
    expect(() =>
      encodeRequest({ xid: 1, type: OpCode.multi, body: { ops: [{ type: OpCode.exists as never, body: {} as never }] } }),
    ).toThrow(TypeError);
    const bytes = encodeRequest({
      xid: 1,
      type: OpCode.multi,
      body: {
        ops: [
          { type: OpCode.getData, body: { path: "/a", watch: false } },
          { type: OpCode.delete, body: { path: "/a", version: -1 } },
        ],
      },
    });
    expect(() => decodeRequest(bytes)).toThrow(/mixing/);
  });

  it("rejects a multi without its end marker", () => {
    const bytes = Buffer.from("00000001" + "0000000e" + hdr(2, false, -1) + str("/a") + "ffffffff", "hex");
    expect(() => decodeRequest(bytes)).toThrow(JuteDecodeError);
    try {
      decodeRequest(bytes);
    } catch (e) {
      expect((e as JuteDecodeError).trail).toEqual(["MultiOperationRecord.ops[1]", "MultiHeader.type"]);
    }
  });

  it("names the failing field inside an op", () => {
    const good = encodeRequest({
      xid: 1,
      type: OpCode.multi,
      body: { ops: [{ type: OpCode.setData, body: { path: "/a", data: Buffer.alloc(4), version: -1 } }] },
    });
    // corrupt the data length to exceed what is left
    const bad = Buffer.from(good);
    bad.writeInt32BE(1000, 8 + 9 + 6);
    try {
      decodeRequest(bad);
      throw new Error("no throw");
    } catch (e) {
      expect((e as JuteDecodeError).trail).toEqual(["MultiOperationRecord.ops[0]", "SetDataRequest.data"]);
    }
  });

  it("does not loop or allocate on a huge garbage stream", () => {
    const junk = Buffer.concat([encode(RequestHeader, { xid: 1, type: OpCode.multi }), Buffer.alloc(1000, 0x01)]);
    expect(() => decodeRequest(junk)).toThrow(JuteDecodeError);
  });
});

describe("multi response", () => {
  it("lays out results as in MultiResponse.java", () => {
    const body = {
      results: [
        { type: OpCode.create, err: 0, body: { path: "/a" } },
        { type: OpCode.delete, err: 0, body: null },
        { type: OpCode.check, err: 0, body: null },
      ],
    };
    const bytes = encodeResponse({ header: { xid: 5, zxid: 0x10n, err: 0 }, body }, OpCode.multi);
    const hex =
      "00000005" + "0000000000000010" + "00000000" +
      hdr(1, false, 0) + str("/a") +
      hdr(2, false, 0) +
      hdr(13, false, 0) +
      hdr(-1, true, -1);
    expect(bytes.toString("hex")).toBe(hex);
    expect(decodeResponse(bytes, () => OpCode.multi).body).toEqual(body);
  });

  it("implements the failed-multi result rules", () => {
    const results = multiErrorResults(4, 1, ErrorCode.NONODE);
    expect(results.map((r) => [r.type, r.err, r.body])).toEqual([
      [-1, 0, { err: 0 }],
      [-1, -101, { err: -101 }],
      [-1, -2, { err: -2 }],
      [-1, -2, { err: -2 }],
    ]);
    expect(multiErrorResults(2, 0, ErrorCode.BADVERSION).map((r) => r.err)).toEqual([-103, -2]);
    expect(multiErrorResults(2, 1, ErrorCode.NOTEMPTY).map((r) => r.err)).toEqual([0, -111]);
    const bytes = encodeResponse({ header: { xid: 6, zxid: 0x11n, err: 0 }, body: { results } }, OpCode.multi);
    expect(bytes.subarray(16, 16 + 13).toString("hex")).toBe(hdr(-1, false, 0) + "00000000");
    expect(bytes.subarray(16 + 13, 16 + 26).toString("hex")).toBe(hdr(-1, false, -101) + "ffffff9b");
    expect(decodeResponse(bytes, () => OpCode.multi)).toEqual({ header: { xid: 6, zxid: 0x11n, err: 0 }, body: { results } });
  });

  it("round-trips multiRead results with errors", () => {
    const body = {
      results: [
        { type: OpCode.getData, err: 0, body: { data: Buffer.from("v"), stat } },
        errorResult(ErrorCode.NONODE),
        { type: OpCode.getChildren, err: 0, body: { children: ["a"] } },
      ],
    };
    const bytes = encodeResponse({ header: { xid: 7, zxid: 1n, err: 0 }, body }, OpCode.multiRead);
    expect(decodeResponse(bytes, () => OpCode.multiRead).body).toEqual(body);
  });

  it("rejects unknown result types", () => {
    const bytes = Buffer.from(hdr(3, false, 0) + hdr(-1, true, -1), "hex");
    expect(() => MultiResponse.read(new InputArchive(bytes))).toThrow(/invalid type 3 in MultiResponse/);
  });
});

