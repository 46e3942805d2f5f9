import { describe, expect, it } from "vitest";
import { CreateTxn, CreateTxnV0, encode, OutputArchive, TxnHeader } from "@zkts/jute";
import { OpCode } from "./constants.js";
import { allOps, opInfo, opString, requestCodec, responseCodec } from "./ops.js";
import { decodeTxn, encodeTxn, encodeTxnRecord, subTxnCodec, txnCodec, UnknownTxnTypeError } from "./txn.js";

const codes = (pred: (d: ReturnType<typeof opInfo>) => boolean) =>
  allOps()
    .filter(pred)
    .map((d) => d.code)
    .sort((a, b) => a - b);

describe("opcode descriptor table", () => {
  it("names opcodes as Request.op2String (3.8.0)", () => {
    expect(opString(OpCode.createTTL)).toBe("createTtl");
    expect(opString(OpCode.getChildren2)).toBe("getChildren2");
    expect(opString(OpCode.createSession)).toBe("createSession");
    // 3.8.0's op2String has no case for addWatch
    expect(opString(OpCode.addWatch)).toBe("unknown 106");
    expect(opString(99)).toBe("unknown 99");
    expect(opString(-12)).toBe("unknown -12");
  });

  it("lists every ZooDefs.OpCode once", () => {
    const defined = Object.values(OpCode).sort((a, b) => a - b);
    expect(allOps().map((d) => d.code)).toEqual(defined);
  });

  it("marks ReadOnlyRequestProcessor's refusals", () => {
    expect(codes((d) => d.readOnlyRefused)).toEqual(
      [
        OpCode.sync,
        OpCode.create,
        OpCode.create2,
        OpCode.createTTL,
        OpCode.createContainer,
        OpCode.delete,
        OpCode.deleteContainer,
        OpCode.setData,
        OpCode.reconfig,
        OpCode.setACL,
        OpCode.multi,
        OpCode.check,
      ].sort((a, b) => a - b),
    );
  });

  it("writes are the served opcodes with a txn record", () => {
    expect(codes((d) => d.write)).toEqual(codes((d) => d.served && d.txn !== undefined));
    expect(opInfo(OpCode.sync).write).toBe(false);
    expect(opInfo(OpCode.createSession).write).toBe(true);
  });

  it("unknown numbers get an all-false descriptor", () => {
    for (const code of [0, 10, 23, 108, -2, 1.5, Number.NaN]) {
      const d = opInfo(code);
      expect(d.served || d.write || d.readOnlyRefused || d.immediateRead).toBe(false);
      expect(d.txn).toBeUndefined();
    }
    expect(opInfo(OpCode.notification).served).toBe(false);
    expect(opInfo(OpCode.sasl).lastOp).toBe("NA");
    expect(opInfo(OpCode.getAllChildrenNumber).lastOp).toBe("GETACN");
  });

  it("body codecs: header-only is null, not sendable is undefined", () => {
    expect(requestCodec(OpCode.ping)).toBeNull();
    expect(requestCodec(OpCode.createSession)).toBeUndefined();
    expect(requestCodec(OpCode.create2)?.name).toBe("CreateRequest");
    expect(responseCodec(OpCode.check)?.name).toBe("SetDataResponse");
    expect(responseCodec(OpCode.delete)).toBeNull();
  });
});

describe("txn encode/decode", () => {
  const header = { clientId: 5n, cxid: 7, zxid: 0x100000001n, time: 1234n, type: OpCode.create };
  const create = { path: "/a", data: Buffer.from("x"), acl: [], ephemeral: false, parentCVersion: 3 };

  it("round-trips header + record (+ digest)", () => {
    const bytes = encodeTxn(header, create, { version: 2, treeDigest: 42n });
    const d = decodeTxn(bytes);
    expect(d.header).toEqual(header);
    expect(d.txn).toEqual(create);
    expect(d.digest).toEqual({ version: 2, treeDigest: 42n });
    expect(encodeTxnRecord(OpCode.create, create)).toEqual(encode(CreateTxn, create));
  });

  it("a multi's sub-txn given as its record (data null) is written in place: the same bytes as its data encoded first", () => {
    const mh = { ...header, type: OpCode.multi };
    const setData = { path: "/a", data: Buffer.from("v"), version: 2 };
    const subs = [
      { type: OpCode.create, record: create },
      { type: OpCode.setData, record: setData },
      { type: OpCode.check, record: { path: "/a", version: 3 } },
      { type: OpCode.delete, record: { path: "/a" } },
      { type: OpCode.error, record: { err: -2 } },
    ];
    const encoded = { txns: subs.map((t) => ({ type: t.type, data: encodeTxnRecord(t.type, t.record) })) };
    const inPlace = { txns: subs.map((t) => ({ type: t.type, data: null, record: t.record })) };
    const bytes = encodeTxn(mh, encoded, { version: 2, treeDigest: 7n });
    expect(encodeTxn(mh, inPlace, { version: 2, treeDigest: 7n })).toEqual(bytes);
    // mixed, and a null data without a record stays a null buffer
    const mixed = { txns: [encoded.txns[0]!, inPlace.txns[1]!, { type: OpCode.error, data: null }] };
    const back = decodeTxn(encodeTxn(mh, mixed)).txn as { txns: Array<{ type: number; data: Buffer | null }> };
    expect(back.txns.map((t) => t.data)).toEqual([encoded.txns[0]!.data, encoded.txns[1]!.data, null]);
    // a record of a type a multi cannot hold is refused
    expect(() => encodeTxn(mh, { txns: [{ type: OpCode.createSession, data: null, record: { timeOut: 1 } }] })).toThrow(RangeError);
  });

  it("each encodeTxn returns its own bytes (the archive it writes into is reused); a big txn after small ones", () => {
    const a = encodeTxn(header, create, { version: 2, treeDigest: 1n });
    const copyA = Buffer.from(a);
    const big = { ...create, data: Buffer.alloc(100_000, 7) };
    const b = encodeTxn(header, big);
    const c = encodeTxn({ ...header, zxid: 0x100000002n }, create);
    expect(a).toEqual(copyA);
    expect(decodeTxn(b).txn).toEqual(big);
    expect(decodeTxn(c).header.zxid).toBe(0x100000002n);
    expect(decodeTxn(a).digest).toEqual({ version: 2, treeDigest: 1n });
  });

  it("decodeTxn with views: the same values, buffers sharing the payload's memory (copies without)", () => {
    const bytes = encodeTxn(header, create, { version: 2, treeDigest: 42n });
    const copied = decodeTxn(bytes);
    const viewed = decodeTxn(bytes, { views: true });
    expect(viewed).toEqual(copied);
    const dataOf = (d: typeof copied) => (d.txn as { data: Buffer }).data;
    bytes[bytes.indexOf(Buffer.from("x"), 30)] = 0x79; // "y"
    expect(dataOf(viewed).toString()).toBe("y");
    expect(dataOf(copied).toString()).toBe("x");
    // the CreateTxnV0 fallback reads views too
    const out = new OutputArchive(64);
    TxnHeader.write(out, header);
    CreateTxnV0.write(out, { path: "/a", data: Buffer.from("x"), acl: [], ephemeral: true });
    const v0 = out.toBuffer();
    const d0 = decodeTxn(v0, { views: true });
    expect(d0.txn).toEqual({ path: "/a", data: Buffer.from("x"), acl: [], ephemeral: true, parentCVersion: -1 });
    expect(dataOf(d0).buffer).toBe(v0.buffer);
  });

  it("reads a CreateTxn without parentCVersion as CreateTxnV0", () => {
    const out = new OutputArchive(64);
    TxnHeader.write(out, header);
    CreateTxnV0.write(out, { path: "/a", data: Buffer.from("x"), acl: [], ephemeral: true });
    expect(decodeTxn(out.toBuffer()).txn).toEqual({ path: "/a", data: Buffer.from("x"), acl: [], ephemeral: true, parentCVersion: -1 });
  });

  it("a closeSession may have no record", () => {
    const bytes = encodeTxn({ ...header, type: OpCode.closeSession }, null);
    expect(decodeTxn(bytes).txn).toBeNull();
  });

  it("throws UnknownTxnTypeError (MARSHALLINGERROR) for a type without a record", () => {
    expect(() => txnCodec(OpCode.getData)).toThrow(UnknownTxnTypeError);
    expect(() => encodeTxn({ ...header, type: OpCode.sync }, null)).toThrow(UnknownTxnTypeError);
    expect(() => encodeTxnRecord(999, {})).toThrow(UnknownTxnTypeError);
    const out = new OutputArchive(64);
    TxnHeader.write(out, { ...header, type: 77 });
    try {
      decodeTxn(out.toBuffer());
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownTxnTypeError);
      expect((e as UnknownTxnTypeError).code).toBe(-5);
    }
  });

  it("a multi holds only single-node txns", () => {
    expect(subTxnCodec(OpCode.setData).name).toBe("SetDataTxn");
    expect(subTxnCodec(OpCode.error).name).toBe("ErrorTxn");
    expect(() => subTxnCodec(OpCode.multi)).toThrow(UnknownTxnTypeError);
    expect(() => subTxnCodec(OpCode.createSession)).toThrow(UnknownTxnTypeError);
  });
});
