import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputArchive } from "./input.js";
import { OutputArchive } from "./output.js";

describe("OutputArchive reserve / setInt32At / truncate", () => {
  it("fills a reserved slot after the bytes that follow it are written", () => {
    const out = new OutputArchive(16);
    out.writeInt(7);
    const at = out.reserve(8);
    out.writeString("/some/path/longer/than/the/initial/size");
    out.setInt32At(at, 0xdeadbeef);
    out.setInt32At(at + 4, -2);
    const b = out.toBuffer();
    expect(b.readInt32BE(0)).toBe(7);
    expect(b.readUInt32BE(4)).toBe(0xdeadbeef);
    expect(b.readInt32BE(8)).toBe(-2);
    expect(b.toString("utf8", 16)).toBe("/some/path/longer/than/the/initial/size");
    expect(out.buffer.length).toBeGreaterThanOrEqual(out.length);
  });

  it("truncate drops a partly written record; out-of-range positions are refused", () => {
    const out = new OutputArchive(16);
    out.writeInt(1);
    const mark = out.length;
    out.writeLong(5n);
    out.truncate(mark);
    out.writeInt(2);
    expect(out.toBuffer().toString("hex")).toBe("0000000100000002");
    expect(() => out.truncate(9)).toThrow(RangeError);
    expect(() => out.setInt32At(6, 1)).toThrow(RangeError);
  });
});

describe("OutputArchive.writeString / InputArchive.readLong byte for byte", () => {
  it("writes every string as int length + UTF-8, ASCII or not, short or long, at any position", () => {
    const strings = [
      "",
      "/",
      "/zkts-bench/key-0000001234",
      "\u007f/edge",
      "/caf\u00e9",
      "/\u{1f600}/emoji",
      "a".repeat(127) + "\u00e9",
      "b".repeat(128),
      "c".repeat(129),
      "/" + "\u4e2d".repeat(200),
      "x".repeat(5000),
    ];
    const out = new OutputArchive(16);
    const expected: Buffer[] = [];
    for (const s of strings) {
      out.writeByte(1); // odd positions
      out.writeString(s);
      const bytes = Buffer.from(s, "utf8");
      const len = Buffer.alloc(4);
      len.writeInt32BE(bytes.length, 0);
      expected.push(Buffer.from([1]), len, bytes);
    }
    expect(out.toBuffer().equals(Buffer.concat(expected))).toBe(true);
    const back = new InputArchive(out.toBuffer());
    for (const s of strings) {
      expect(back.readByte()).toBe(1);
      expect(back.readString()).toBe(s);
    }
  });

  it("fc: writeString equals Buffer.from(s, 'utf8') behind its length", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.fullUnicodeString({ maxLength: 200 })), (s) => {
        const out = new OutputArchive(8);
        out.writeString(s);
        const b = out.toBuffer();
        const bytes = Buffer.from(s, "utf8");
        expect(b.readInt32BE(0)).toBe(bytes.length);
        expect(b.subarray(4).equals(bytes)).toBe(true);
      }),
    );
  });

  it("readLong reads big-endian int64 at any offset of a buffer that is itself a slice", () => {
    const values = [0n, 1n, -1n, 0x7fffffffffffffffn, -0x8000000000000000n, 0x0100018c3d2e0001n, -0x123456789abcdefn, 2n ** 53n + 1n];
    const backing = Buffer.alloc(3 + values.length * 8 + 5, 0xee);
    const slice = backing.subarray(3, 3 + values.length * 8);
    values.forEach((v, i) => slice.writeBigInt64BE(v, i * 8));
    const inp = new InputArchive(slice);
    expect(values.map(() => inp.readLong())).toEqual(values);
    expect(() => inp.readLong()).toThrow(/truncated long/);
  });
});

describe("OutputArchive int writes", () => {
  it("writeInt, lengths, frames and setInt32At store big-endian int32s as Buffer.writeInt32BE does", () => {
    const values = [0, -0, 1, -1, 255, 256, 0x7fffffff, -0x80000000, 0x12345678, -0x12345678];
    const out = new OutputArchive(8);
    const mark = out.beginFrame();
    for (const v of values) out.writeInt(v);
    out.writeBuffer(Buffer.from([9, 8, 7]));
    const slot = out.reserve(4);
    out.setInt32At(slot, 0xfedcba98);
    out.endFrame(mark);
    const expected = Buffer.alloc(4 + values.length * 4 + 7 + 4);
    let p = 0;
    expected.writeInt32BE(expected.length - 4, p);
    p += 4;
    for (const v of values) p = expected.writeInt32BE(v, p);
    p = expected.writeInt32BE(3, p);
    expected.set([9, 8, 7], p);
    p += 3;
    expected.writeUInt32BE(0xfedcba98, p);
    expect(out.toBuffer().toString("hex")).toBe(expected.toString("hex"));
  });

  it("writeInt refuses what is not an int32", () => {
    const out = new OutputArchive(8);
    for (const v of [0x80000000, -0x80000001, 1.5, NaN, Infinity, -Infinity, 2 ** 40]) {
      expect(() => out.writeInt(v), String(v)).toThrow(/int out of range/);
    }
    expect(() => out.writeInt(5n as unknown as number)).toThrow(/int out of range/);
    expect(() => out.writeInt("5" as unknown as number)).toThrow(/int out of range/);
    expect(out.length).toBe(0);
  });
});
