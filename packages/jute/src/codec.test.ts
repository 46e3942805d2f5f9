import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bool,
  buffer,
  decode,
  defineRecord,
  encode,
  int,
  long,
  ustring,
  ustringOrNull,
  vector,
  vectorOrNull,
  type Codec,
} from "./codec.js";
import { JuteEncodeError } from "./errors.js";
import { ACL, CreateRequest, CreateTTLRequest, MultiTxn, SetWatches2, Stat, Txn } from "./records.js";

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function roundTrip<T>(codec: Codec<T>, arb: fc.Arbitrary<T>): void {
  fc.assert(
    fc.property(arb, (v) => {
      const bytes = encode(codec, v);
      expect(decode(codec, bytes)).toEqual(v);
      expect(encode(codec, decode(codec, bytes))).toEqual(bytes);
    }),
    { numRuns: 200 },
  );
}

const hex = <T>(codec: Codec<T>, v: T) => encode(codec, v).toString("hex");

const arbInt = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0, -1));
const arbLong = fc.oneof(
  fc.bigInt({ min: LONG_MIN, max: LONG_MAX }),
  fc.constantFrom(LONG_MIN, LONG_MAX, -1n, 0n, 0x1_0000_0001n, 0xff00_0000_0000_0000n - 2n ** 64n),
);
const arbString = fc.oneof(fc.fullUnicodeString(), fc.constantFrom("", "𝄞", "😀/🎉", "zk\u0000x", "ζ"));
const arbBuffer = fc.oneof(
  fc.constant(null),
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);
const arbId = fc.record({ scheme: arbString, id: arbString });
const arbAcl = fc.record({ perms: arbInt, id: arbId });

describe("primitive round trips", () => {
  it("int incl. -2^31 and 2^31-1", () => roundTrip(int, arbInt));
  it("long as bigint incl. -1, MIN, MAX and large zxids", () => roundTrip(long, arbLong));
  it("boolean", () => roundTrip(bool, fc.boolean()));
  it("ustring incl. beyond the BMP", () => roundTrip(ustring, arbString));
  it("ustring or null", () => roundTrip(ustringOrNull, fc.option(arbString, { nil: null })));
  it("buffer incl. null and empty", () => roundTrip(buffer, arbBuffer));
  it("vectors incl. empty", () => roundTrip(vector(int), fc.array(arbInt, { maxLength: 50 })));
  it("nullable vectors incl. null", () =>
    roundTrip(vectorOrNull(ustring), fc.option(fc.array(arbString, { maxLength: 10 }), { nil: null })));
  it("vector of vectors", () => roundTrip(vector(vector(long)), fc.array(fc.array(arbLong, { maxLength: 5 }), { maxLength: 5 })));
});

describe("record round trips", () => {
  it("CreateRequest with ACLs", () =>
    roundTrip(
      CreateRequest,
      fc.record({ path: arbString, data: arbBuffer, acl: fc.array(arbAcl, { maxLength: 6 }), flags: arbInt }),
    ));
  it("CreateTTLRequest", () =>
    roundTrip(
      CreateTTLRequest,
      fc.record({ path: arbString, data: arbBuffer, acl: fc.array(arbAcl, { maxLength: 3 }), flags: arbInt, ttl: arbLong }),
    ));
  it("MultiTxn", () =>
    roundTrip(MultiTxn, fc.record({ txns: fc.array(fc.record({ type: arbInt, data: arbBuffer }), { maxLength: 8 }) })));
  it("Stat", () =>
    roundTrip(
      Stat,
      fc.record({
        czxid: arbLong,
        mzxid: arbLong,
        ctime: arbLong,
        mtime: arbLong,
        version: arbInt,
        cversion: arbInt,
        aversion: arbInt,
        ephemeralOwner: arbLong,
        dataLength: arbInt,
        numChildren: arbInt,
        pzxid: arbLong,
      }),
    ));
  it("SetWatches2", () => {
    const paths = fc.array(arbString, { maxLength: 4 });
    roundTrip(
      SetWatches2,
      fc.record({
        relativeZxid: arbLong,
        dataWatches: paths,
        existWatches: paths,
        childWatches: paths,
        persistentWatches: paths,
        persistentRecursiveWatches: paths,
      }),
    );
  });
});

describe("byte layout", () => {
  it("primitives are big-endian", () => {
    expect(hex(int, 1)).toBe("00000001");
    expect(hex(int, -1)).toBe("ffffffff");
    expect(hex(int, -(2 ** 31))).toBe("80000000");
    expect(hex(int, 2 ** 31 - 1)).toBe("7fffffff");
    expect(hex(long, -1n)).toBe("ffffffffffffffff");
    expect(hex(long, LONG_MIN)).toBe("8000000000000000");
    expect(hex(long, LONG_MAX)).toBe("7fffffffffffffff");
    expect(hex(long, 0x1_0000_0001n)).toBe("0000000100000001");
    expect(hex(bool, true)).toBe("01");
    expect(hex(bool, false)).toBe("00");
  });

  it("ustring is a UTF-8 byte length + bytes; null is -1", () => {
    expect(hex(ustring, "")).toBe("00000000");
    expect(hex(ustring, "/a")).toBe("000000022f61");
    expect(hex(ustring, "𝄞")).toBe("00000004f09d849e");
    expect(hex(ustring, "é")).toBe("00000002c3a9");
    expect(hex(ustringOrNull, null)).toBe("ffffffff");
    expect(decode(ustringOrNull, Buffer.from("ffffffff", "hex"))).toBeNull();
  });

  it("buffer null and empty are distinct", () => {
    expect(hex(buffer, null)).toBe("ffffffff");
    expect(hex(buffer, Buffer.alloc(0))).toBe("00000000");
    expect(hex(buffer, Buffer.from([0xca, 0xfe]))).toBe("00000002cafe");
    expect(decode(buffer, Buffer.from("ffffffff", "hex"))).toBeNull();
    expect(decode(buffer, Buffer.from("00000000", "hex"))).toEqual(Buffer.alloc(0));
  });

  it("vector is a count + elements; null is -1", () => {
    expect(hex(vector(int), [])).toBe("00000000");
    expect(hex(vector(int), [1, 2])).toBe("000000020000000100000002");
    expect(hex(vectorOrNull(int), null)).toBe("ffffffff");
  });

  it("CreateRequest is its fields in order", () => {
    const v = {
      path: "/a",
      data: Buffer.from("x"),
      acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
      flags: 2,
    };
    expect(hex(CreateRequest, v)).toBe(
      "000000022f61" + "0000000178" + "00000001" + "0000001f" + "00000005776f726c64" + "00000006616e796f6e65" + "00000002",
    );
  });

  it("Stat is 68 bytes", () => {
    const s = {
      czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 5, cversion: 6, aversion: 7,
      ephemeralOwner: 8n, dataLength: 9, numChildren: 10, pzxid: 11n,
    };
    const b = encode(Stat, s);
    expect(b.length).toBe(68);
    expect(b.toString("hex")).toBe(
      "0000000000000001" + "0000000000000002" + "0000000000000003" + "0000000000000004" +
        "00000005" + "00000006" + "00000007" + "0000000000000008" + "00000009" + "0000000a" + "000000000000000b",
    );
  });

  it("MultiTxn nests Txn records", () => {
    expect(hex(MultiTxn, { txns: [{ type: 2, data: Buffer.from("ab") }] })).toBe("00000001" + "00000002" + "000000026162");
    expect(Txn.fields.map(([f]) => f)).toEqual(["type", "data"]);
  });

  it("any non-zero boolean byte is true, as in Java", () => {
    expect(decode(bool, Buffer.from([2]))).toBe(true);
    expect(decode(bool, Buffer.from([0xff]))).toBe(true);
  });

  it("defineRecord keeps declaration order and computes minSize", () => {
    const R = defineRecord("R", { b: bool, a: int, s: ustring });
    expect(R.fields.map(([f]) => f)).toEqual(["b", "a", "s"]);
    expect(R.minSize).toBe(9);
    expect(ACL.minSize).toBe(12);
    expect(hex(R, { b: true, a: 7, s: "" })).toBe("01" + "00000007" + "00000000");
  });
});

describe("encode errors", () => {
  it("rejects values outside the jute type", () => {
    expect(() => encode(int, 2 ** 31)).toThrow(JuteEncodeError);
    expect(() => encode(int, -(2 ** 31) - 1)).toThrow(JuteEncodeError);
    expect(() => encode(int, 1.5)).toThrow(JuteEncodeError);
    expect(() => encode(long, LONG_MAX + 1n)).toThrow(JuteEncodeError);
    expect(() => encode(long, LONG_MIN - 1n)).toThrow(JuteEncodeError);
    expect(() => encode(long, 5 as unknown as bigint)).toThrow(JuteEncodeError);
    try {
      encode(int, 2 ** 31);
    } catch (e) {
      expect((e as JuteEncodeError).code).toBe(-5);
    }
  });
});

describe("encode's reused scratch archive", () => {
  it("gives each value its own exact bytes: after a failed write, for big values, and when a codec encodes while it writes", () => {
    const R = defineRecord("R", { a: int, s: ustring });
    const first = encode(R, { a: 1, s: "x" });
    expect(() => encode(int, 1.5)).toThrow(JuteEncodeError);
    const big = encode(buffer, Buffer.alloc(100_000, 7));
    expect(big.length).toBe(100_004);
    const second = encode(R, { a: 2, s: "yz" });
    expect(first.toString("hex")).toBe("00000001" + "00000001" + "78");
    expect(second.toString("hex")).toBe("00000002" + "00000002" + "797a");
    // a codec that encodes a nested value with encode() in the middle of its own write
    const nested: Codec<number> = {
      name: "nested",
      minSize: 4,
      read: (i) => i.readInt(),
      write: (o, v) => {
        const inner = encode(R, { a: v + 1, s: "in" });
        o.writeInt(v);
        o.writeBuffer(inner);
      },
    };
    const outer = defineRecord("Outer", { n: nested, t: ustring });
    expect(encode(outer, { n: 5, t: "t" }).toString("hex")).toBe(
      "00000005" + "0000000a" + "00000006" + "00000002" + "696e" + "00000001" + "74",
    );
  });
});
