import { describe, expect, it } from "vitest";
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
