import { JuteDecodeError, encode, ReplyHeader, RequestHeader } from "@zkts/jute";
import { describe, expect, it } from "vitest";
import { requestCodecs, responseCodecs } from "./codecs.js";
import { ErrorCode, EventType, KeeperState, OpCode, Xid } from "./constants.js";
import { RequestDecodeError, UnknownOpCodeError, UnknownXidError } from "./errors.js";
import { decodeRequest, decodeResponse, encodeNotification, encodeRequest, encodeResponse } from "./packet.js";
import { requestSamples, responseSamples } from "./samples.test-util.js";

const opcodes = Object.keys(requestCodecs).map(Number);

describe("requests", () => {
  it("has a sample for every opcode", () => {
    expect(opcodes.sort()).toEqual(Object.keys(requestSamples).map(Number).sort());
    expect(opcodes.length).toBe(30);
  });

  for (const type of opcodes) {
    it(`round-trips opcode ${type}`, () => {
      const req = { xid: 17, type, body: requestSamples[type] };
      const bytes = encodeRequest(req);
      expect(bytes.readInt32BE(0)).toBe(17);
      expect(bytes.readInt32BE(4)).toBe(type);
      const back = decodeRequest(bytes);
      expect(back).toEqual(req);
      expect(encodeRequest(back)).toEqual(bytes);
      if (requestSamples[type] === null) expect(bytes.length).toBe(8);
    });
  }

  it("decodes a create request laid out by hand", () => {
    const hex =
      "00000001" + "00000001" + // xid 1, create
      "00000002" + "2f61" + // "/a"
      "00000002" + "6869" + // data "hi"
      "00000001" + "0000001f" + "00000005" + "776f726c64" + "00000006" + "616e796f6e65" + // OPEN_ACL_UNSAFE
      "00000001"; // EPHEMERAL
    const r = decodeRequest(Buffer.from(hex, "hex"));
    expect(r.type).toBe(OpCode.create);
    if (r.type !== OpCode.create) throw new Error("narrowing");
    expect(r.body.path).toBe("/a");
    expect(r.body.acl).toEqual([{ perms: 31, id: { scheme: "world", id: "anyone" } }]);
    expect(r.body.flags).toBe(1);
    expect(encodeRequest(r).toString("hex")).toBe(hex);
  });

  it("throws UnknownOpCodeError carrying xid and type", () => {
    for (const type of [0, 10, 23, 99, 108, -10, -1, 0x7fffffff]) {
      const bytes = encode(RequestHeader, { xid: 5, type });
      const err = (() => {
        try {
          decodeRequest(bytes);
        } catch (e) {
          return e;
        }
        throw new Error("no throw");
      })();
      expect(err).toBeInstanceOf(UnknownOpCodeError);
      expect((err as UnknownOpCodeError).xid).toBe(5);
      expect((err as UnknownOpCodeError).type).toBe(type);
      expect((err as UnknownOpCodeError).code).toBe(ErrorCode.UNIMPLEMENTED);
    }
    expect(() => encodeRequest({ xid: 1, type: 55, body: null })).toThrow(UnknownOpCodeError);
  });

  it("rejects a truncated header", () => {
    expect(() => decodeRequest(Buffer.from("000000010000", "hex"))).toThrow(JuteDecodeError);
  });

  it("names record and field of a truncated body, with xid and type", () => {
    const full = encodeRequest({ xid: 9, type: OpCode.create, body: requestSamples[OpCode.create] });
    // cut inside the second ACL entry's id scheme
    const cutAt = full.indexOf(Buffer.from("digest")) + 2;
    try {
      decodeRequest(full.subarray(0, cutAt));
      throw new Error("no throw");
    } catch (e) {
      expect(e).toBeInstanceOf(RequestDecodeError);
      expect(e).toBeInstanceOf(JuteDecodeError);
      const d = e as RequestDecodeError;
      expect(d.xid).toBe(9);
      expect(d.type).toBe(OpCode.create);
      expect(d.record).toBe("CreateRequest");
      expect(d.field).toBe("acl[1]");
      expect(d.trail).toEqual(["CreateRequest.acl[1]", "ACL.id", "Id.scheme"]);
    }
  });

  it("rejects every strict prefix of every request", () => {
    for (const type of opcodes) {
      const full = encodeRequest({ xid: 1, type, body: requestSamples[type] });
      for (let cut = 0; cut < full.length; cut++) {
        expect(() => decodeRequest(full.subarray(0, cut)), `opcode ${type} cut ${cut}`).toThrow(JuteDecodeError);
      }
    }
  });

  it("rejects trailing bytes unless allowed", () => {
    const full = Buffer.concat([encodeRequest({ xid: 1, type: OpCode.ping, body: null }), Buffer.from([0])]);
    expect(() => decodeRequest(full)).toThrow(JuteDecodeError);
    expect(decodeRequest(full, { allowTrailing: true })).toEqual({ xid: 1, type: OpCode.ping, body: null });
  });

  it("rejects lengths over maxBuffer", () => {
    const bytes = encodeRequest({ xid: 1, type: OpCode.setData, body: { path: "/a", data: Buffer.alloc(100), version: -1 } });
    expect(decodeRequest(bytes).type).toBe(OpCode.setData);
    expect(() => decodeRequest(bytes, { maxBuffer: 50 })).toThrow(/maxbuffer/);
  });

  it("rejects a null path", () => {
    const bytes = Buffer.concat([encode(RequestHeader, { xid: 1, type: OpCode.exists }), Buffer.from("ffffffff00", "hex")]);
    expect(() => decodeRequest(bytes)).toThrow(/ExistsRequest\.path/);
  });
});

describe("responses", () => {
  it("has a sample for every opcode", () => {
    expect(Object.keys(responseCodecs).map(Number).sort()).toEqual(Object.keys(responseSamples).map(Number).sort());
  });

  for (const type of Object.keys(responseCodecs).map(Number)) {
    it(`round-trips the reply to opcode ${type}`, () => {
      const resp = { header: { xid: 3, zxid: 0x1_0000_0007n, err: 0 }, body: responseSamples[type] };
      const bytes = encodeResponse(resp, type);
      const back = decodeResponse(bytes, (xid) => (xid === 3 ? type : undefined));
      expect(back).toEqual(resp);
      expect(encodeResponse(back, type)).toEqual(bytes);
      if (responseSamples[type] === null) expect(bytes.length).toBe(16);
    });
  }

  it("has no body when err != 0", () => {
    const resp = { header: { xid: 4, zxid: 9n, err: ErrorCode.NONODE }, body: null };
    const bytes = encodeResponse(resp, OpCode.getData);
    expect(bytes.toString("hex")).toBe("00000004" + "0000000000000009" + "ffffff9b");
    expect(decodeResponse(bytes, () => OpCode.getData)).toEqual(resp);
    // the callback is not consulted for errors
    expect(decodeResponse(bytes, () => undefined)).toEqual(resp);
  });

  it("decodes a notification", () => {
    const ev = { type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: "/a" };
    const bytes = encodeNotification(ev);
    expect(bytes.toString("hex")).toBe(
      "ffffffff" + "ffffffffffffffff" + "00000000" + "00000003" + "00000003" + "00000002" + "2f61",
    );
    const r = decodeResponse(bytes, () => {
      throw new Error("not consulted");
    });
    expect(r).toEqual({ header: { xid: -1, zxid: -1n, err: 0 }, body: ev });
    expect(encodeNotification(ev, 5n).readBigInt64BE(4)).toBe(5n);
  });

  it("decodes ping, auth and setWatches replies with no body", () => {
    for (const xid of [Xid.PING, Xid.AUTH, Xid.SET_WATCHES]) {
      const resp = { header: { xid, zxid: 0x10n, err: 0 }, body: null };
      const bytes = encodeResponse(resp);
      expect(bytes.length).toBe(16);
      expect(decodeResponse(bytes, () => undefined)).toEqual(resp);
    }
    const authFailed = { header: { xid: Xid.AUTH, zxid: 0n, err: ErrorCode.AUTHFAILED }, body: null };
    expect(decodeResponse(encodeResponse(authFailed), () => undefined)).toEqual(authFailed);
  });

  it("throws UnknownXidError when the xid matches no request", () => {
    const bytes = encode(ReplyHeader, { xid: 77, zxid: 1n, err: 0 });
    expect(() => decodeResponse(bytes, () => undefined)).toThrow(UnknownXidError);
    expect(() => decodeResponse(bytes, () => 55)).toThrow(UnknownOpCodeError);
  });

  it("names the record and field of a truncated reply body", () => {
    const bytes = encodeResponse({ header: { xid: 2, zxid: 1n, err: 0 }, body: responseSamples[OpCode.getData] }, OpCode.getData);
    try {
      decodeResponse(bytes.subarray(0, bytes.length - 3), () => OpCode.getData);
      throw new Error("no throw");
    } catch (e) {
      expect(e).toBeInstanceOf(JuteDecodeError);
      const d = e as JuteDecodeError;
      expect(d.record).toBe("GetDataResponse");
      expect(d.field).toBe("stat");
      expect(d.trail).toEqual(["GetDataResponse.stat", "Stat.pzxid"]);
    }
  });

  it("rejects every strict prefix of every reply", () => {
    for (const type of Object.keys(responseCodecs).map(Number)) {
      const full = encodeResponse({ header: { xid: 1, zxid: 1n, err: 0 }, body: responseSamples[type] }, type);
      for (let cut = 0; cut < full.length; cut++) {
        expect(() => decodeResponse(full.subarray(0, cut), () => type), `opcode ${type} cut ${cut}`).toThrow(JuteDecodeError);
      }
    }
  });
});
