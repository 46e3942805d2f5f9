import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameLengthError, JuteError } from "./errors.js";
import { FrameDecoder, frame } from "./frame.js";

const len = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

function feed(dec: FrameDecoder, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) dec.push(c, (f) => out.push(Buffer.from(f)));
  return out;
}

describe("frame", () => {
  it("prefixes the big-endian length", () => {
    expect(frame(Buffer.from("abc")).toString("hex")).toBe("00000003616263");
    expect(frame(Buffer.alloc(0)).toString("hex")).toBe("00000000");
  });
});

describe("FrameDecoder", () => {
  const payload = Buffer.from("hello, zookeeper");
  const framed = frame(payload);

  it("reassembles one frame split at every byte position", () => {
    for (let cut = 0; cut <= framed.length; cut++) {
      const dec = new FrameDecoder();
      const frames = feed(dec, [framed.subarray(0, cut), framed.subarray(cut)]);
      expect(frames, `cut ${cut}`).toEqual([payload]);
      expect(dec.buffered).toBe(0);
    }
  });

  it("reassembles a frame fed one byte at a time", () => {
    const dec = new FrameDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < framed.length; i++) {
      const n = dec.push(framed.subarray(i, i + 1), (f) => out.push(Buffer.from(f)));
      expect(n).toBe(i === framed.length - 1 ? 1 : 0);
    }
    expect(out).toEqual([payload]);
  });

  it("emits many frames from one chunk, in order", () => {
    const payloads = Array.from({ length: 50 }, (_, i) => Buffer.from(`frame-${i}`.repeat(i % 4)));
    const dec = new FrameDecoder();
    const out = dec.pushAll(Buffer.concat(payloads.map(frame)));
    expect(out.map((b) => Buffer.from(b))).toEqual(payloads);
  });

  it("handles zero-length frames", () => {
    const dec = new FrameDecoder();
    const stream = Buffer.concat([len(0), frame(Buffer.from("x")), len(0), len(0)]);
    expect(dec.pushAll(stream).map((b) => b.toString())).toEqual(["", "x", "", ""]);
    expect(dec.buffered).toBe(0);
  });

  it("keeps a partial frame until it completes", () => {
    const dec = new FrameDecoder();
    expect(dec.pushAll(Buffer.concat([frame(Buffer.from("a")), len(5), Buffer.from("bc")]))).toHaveLength(1);
    expect(dec.buffered).toBe(6);
    expect(dec.pushAll(Buffer.from("de")).length).toBe(0);
    expect(dec.pushAll(Buffer.from("fg")).map((b) => b.toString())).toEqual(["bcdef"]);
    expect(dec.buffered).toBe(1);
    dec.reset();
    expect(dec.buffered).toBe(0);
  });

  it("rejects a negative length with FrameLengthError", () => {
    const dec = new FrameDecoder();
    try {
      dec.pushAll(len(-1));
      throw new Error("no throw");
    } catch (e) {
      expect(e).toBeInstanceOf(FrameLengthError);
      expect(e).toBeInstanceOf(JuteError);
      expect((e as FrameLengthError).length).toBe(-1);
      expect((e as FrameLengthError).code).toBe(-5);
    }
  });

  it("rejects a length over maxBuffer, even when the header arrives split", () => {
    expect(() => new FrameDecoder().pushAll(len(0xfffff + 1))).toThrow(FrameLengthError);
    expect(new FrameDecoder().pushAll(Buffer.concat([len(0xfffff), Buffer.alloc(0xfffff)]))).toHaveLength(1);
    const dec = new FrameDecoder({ maxBuffer: 10 });
    expect(dec.maxBuffer).toBe(10);
    expect(dec.pushAll(len(11).subarray(0, 2))).toHaveLength(0);
    expect(() => dec.pushAll(len(11).subarray(2))).toThrow(FrameLengthError);
    // a bad length after good frames in one chunk: the good frames are delivered first
    const out: Buffer[] = [];
    const dec2 = new FrameDecoder({ maxBuffer: 10 });
    expect(() => dec2.push(Buffer.concat([frame(Buffer.from("ok")), len(1000)]), (f) => out.push(f))).toThrow(
      /exceeds jute.maxbuffer 10/,
    );
    expect(out.map((b) => b.toString())).toEqual(["ok"]);
  });

  it("gives the same frames for any chunking of a stream", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => frame(p)));
          const points = [...new Set(cuts.map((c) => (stream.length === 0 ? 0 : c % (stream.length + 1))))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let prev = 0;
          for (const p of [...points, stream.length]) {
            chunks.push(stream.subarray(prev, p));
            prev = p;
          }
          const dec = new FrameDecoder();
          const out = feed(dec, chunks);
          expect(out).toEqual(payloads.map((p) => Buffer.from(p)));
          expect(dec.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
