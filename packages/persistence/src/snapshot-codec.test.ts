import { Encoder, decode } from "@msgpack/msgpack";
import type { StatPersisted } from "@zkts/jute";
import { describe, expect, it } from "vitest";
import { NodeChunkEncoder, NodeRowDecoder, ROW_ODD, ROW_SHORT, nodeChunkHead, type NodeRowSource } from "./snapshot-codec.js";

/** A seeded PRNG (mulberry32): the same rows on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIN = -(1n << 63n);
const MAX = (1n << 63n) - 1n;
/** Ints at and around every msgpack width boundary. */
const INTS = [
  0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, -1, -31, -32, -33, -127, -128, -129,
  -32768, -32769, -(2 ** 31), -(2 ** 31) + 1, 7, 1000,
];
const LONGS = [0n, 1n, -1n, 127n, 128n, 2n ** 32n, -(2n ** 32n), MIN, MAX, MIN + 1n, 1_700_000_000_123n, 0x1_0000_0005n, 2n ** 53n + 1n];
const PATHS = ["", "/", "/a", "/" + "x".repeat(30), "/" + "y".repeat(31), "/" + "z".repeat(254), "/" + "w".repeat(255), "/" + "v".repeat(70_000), "/ünïcødé", "/日本語/ノード", "/emoji😀/x", "/é".repeat(20)];

function randomRow(r: () => number): NodeRowSource {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const long = () => (r() < 0.7 ? pick(LONGS) : BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 32)) * BigInt(Math.floor(r() * 2 ** 32))));
  const dataKind = r();
  const data =
    dataKind < 0.15
      ? null
      : dataKind < 0.3
        ? Buffer.alloc(0)
        : dataKind < 0.4
          ? Buffer.alloc(pick([255, 256, 65535, 65536, 70_000]), 7)
          : Buffer.from(Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256)));
  const stat: StatPersisted = {
    czxid: long(),
    mzxid: long(),
    ctime: long(),
    mtime: long(),
    version: pick(INTS),
    cversion: pick(INTS),
    aversion: pick(INTS),
    ephemeralOwner: long(),
    pzxid: long(),
  };
  return { path: pick(PATHS) + (r() < 0.5 ? `/n${Math.floor(r() * 1e6)}` : ""), data, aclRef: pick([-1n, 0n, 1n, 2n, 300n, 2n ** 40n]), stat };
}

const rowOf = (n: NodeRowSource): unknown[] => {
  const s = n.stat;
  return [n.path, n.data, n.aclRef, s.czxid, s.mzxid, s.ctime, s.mtime, s.version, s.cversion, s.aversion, s.ephemeralOwner, s.pzxid];
};
const generic = (rows: NodeRowSource[]) => Buffer.from(new Encoder({ useBigInt64: true, ignoreUndefined: false }).encode([4, rows.map(rowOf)]));

describe("NodeChunkEncoder", () => {
  it("writes exactly the generic Encoder's bytes for random rows of every field width", () => {
    const r = rng(18);
    const enc = new NodeChunkEncoder(256); // small: the buffer grows on the way
    for (const count of [0, 1, 15, 16, 17, 300, 512]) {
      const rows = Array.from({ length: count }, () => randomRow(r));
      for (const n of rows) enc.add(n);
      expect(Buffer.from(enc.take()).equals(generic(rows))).toBe(true);
    }
  });

  it("takes chunks of 65536 rows and more (array32 head)", () => {
    const enc = new NodeChunkEncoder();
    const rows = Array.from({ length: 65536 }, (_, i): NodeRowSource => ({
      path: `/n${i}`,
      data: null,
      aclRef: -1n,
      stat: { czxid: 1n, mzxid: 1n, ctime: 2n, mtime: 2n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 1n },
    }));
    for (const n of rows) enc.add(n);
    const out = Buffer.from(enc.take());
    expect(out[2]).toBe(0xdd);
    expect(out.equals(generic(rows))).toBe(true);
  });

  it("encodes fields of other types as the generic Encoder does (numbers for longs, floats, undefined, non-ASCII)", () => {
    const odd = [
      { path: "/a", data: undefined, aclRef: 5, stat: { czxid: 1, mzxid: 2 ** 40, ctime: -(2 ** 40), mtime: 1.5, version: 2 ** 33, cversion: -(2 ** 33), aversion: 0.25, ephemeralOwner: null, pzxid: "x" } },
      { path: 7, data: new Uint16Array([1, 2, 3]), aclRef: 1n, stat: { czxid: 1n, mzxid: 1n, ctime: 1n, mtime: 1n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 1n } },
    ] as unknown as NodeRowSource[];
    const enc = new NodeChunkEncoder(64);
    for (const n of odd) enc.add(n);
    expect(Buffer.from(enc.take()).equals(generic(odd))).toBe(true);
  });
});
