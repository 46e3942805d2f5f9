import { describe, expect, it } from "vitest";
import { adler32 } from "./adler32.js";

function naive(b: Uint8Array): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

describe("adler32", () => {
  it("matches known values", () => {
    expect(adler32(Buffer.alloc(0))).toBe(1);
    expect(adler32(Buffer.from("a"))).toBe(0x00620062);
    expect(adler32(Buffer.from("abc"))).toBe(0x024d0127);
    expect(adler32(Buffer.from("Wikipedia"))).toBe(0x11e60398);
  });

  it("matches the per-byte definition on long worst-case input and continues a running value", () => {
    const b = Buffer.alloc(200_003, 0xff);
    for (let i = 0; i < b.length; i += 7) b[i] = i & 0xff;
    expect(adler32(b)).toBe(naive(b));
    const mid = 77_777;
    expect(adler32(b, adler32(b.subarray(0, mid)), mid)).toBe(naive(b));
  });
});
