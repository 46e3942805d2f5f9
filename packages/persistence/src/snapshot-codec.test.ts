import { createHash } from "node:crypto";
import { Encoder } from "@msgpack/msgpack";
import { nodeDigest } from "@zkts/datatree";
import type { StatPersisted } from "@zkts/jute";
import { seededRandom } from "@zkts/contracts/testing";
import { describe, expect, it } from "vitest";
import { SnapshotCorruptionError } from "./errors.js";
import { MemoryStorage } from "./memory-storage.js";
import type { Storage, StorageFile } from "./storage.js";
import { NodeChunkEncoder, type NodeRowSource } from "./snapshot-codec.js";
import { readSnapshot, readSnapshotRecords, verifySnapshot, writeSnapshot, type SnapshotNode } from "./snapshot.js";
import { OPEN_ACL } from "./test-helpers.js";

const MIN = -(1n << 63n);
const MAX = (1n << 63n) - 1n;
/** Ints at and around every msgpack width boundary. */
const INTS = [
  0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, -1, -31, -32, -33, -127, -128, -129,
  -32768, -32769, -(2 ** 31), -(2 ** 31) + 1, 7, 1000,
];
const LONGS = [0n, 1n, -1n, 127n, 128n, 2n ** 32n, -(2n ** 32n), MIN, MAX, MIN + 1n, 1_700_000_000_123n, 0x1_0000_0005n, 2n ** 53n + 1n];
const PATHS = ["", "/", "/a", "/" + "x".repeat(30), "/" + "y".repeat(31), "/" + "z".repeat(254), "/" + "w".repeat(255), "/" + "v".repeat(70_000), "/ünïcødé", "/日本語/ノード", "/emoji😀/x", "/é".repeat(20), "/é".repeat(40), "/" + "q".repeat(63), "/" + "r".repeat(64), "/" + "s".repeat(40) + "ß"];

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
    const rand = seededRandom(18);
    const r = () => rand.next();
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

  it("writes a tree's node (ACL ref a number) as the same node with aclRef BigInt(acl)", () => {
    const rand = seededRandom(7);
    const r = () => rand.next();
    const rows = Array.from({ length: 200 }, () => randomRow(r));
    const refs = [-1, 0, 1, 300, 2 ** 32, 2 ** 40 + 3, -(2 ** 33), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const enc = new NodeChunkEncoder();
    rows.forEach((n, i) => {
      const acl = refs[i % refs.length]!;
      n.aclRef = BigInt(acl);
      enc.add({ path: n.path, data: n.data, acl, stat: n.stat });
    });
    expect(Buffer.from(enc.take()).equals(generic(rows))).toBe(true);
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

// ---- reading ----

const enc64 = new Encoder({ useBigInt64: true, ignoreUndefined: false });
/** The node as the reader gives it back (data as a Buffer; Buffer equality is by content). */
const asRead = (n: NodeRowSource): SnapshotNode => ({ ...n, data: n.data === null ? null : Buffer.from(n.data), stat: { ...n.stat } });

/** A sealed zkts snapshot file of the given msgpack record bytes (header, sessions, ACLs, `body`, footer). */
async function fileOf(body: Buffer[], nodes: number): Promise<{ storage: MemoryStorage; path: string }> {
  const storage = new MemoryStorage();
  const parts = [
    enc64.encode([1, { magic: "ZKTS-SNAPSHOT", version: 1, zxid: 5n, time: 7n }]),
    enc64.encode([2, [[1n, 3000]]]),
    enc64.encode([3, [[-1n, [[31, "world", "anyone"]]]]]),
    ...body,
    enc64.encode([5, { sessions: 1, acls: 1, nodes }]),
  ].map((b) => Buffer.from(b));
  const all = Buffer.concat(parts);
  const path = "/d/version-2/snapshot.5";
  await storage.mkdirp("/d/version-2");
  const f = await storage.open(path, "create");
  await f.write(Buffer.concat([all, Buffer.from("ZKTSSEAL", "latin1"), createHash("sha256").update(all).digest()]), 0);
  await f.close();
  return { storage, path };
}

/** The storage with `readInto` on its files (as NodeStorage's): the reader then reads into its own window. */
function withReadInto(storage: Storage): Storage {
  return new Proxy(storage, {
    get(target, prop, recv) {
      if (prop !== "open") return Reflect.get(target, prop, recv) as unknown;
      return async (path: string, mode: "read" | "create" | "append"): Promise<StorageFile> => {
        const f = await target.open(path, mode);
        const readInto = async (buf: Uint8Array, position: number) => {
          const b = await f.read(position, buf.length);
          buf.set(b, 0);
          return b.length;
        };
        return new Proxy(f, { get: (t, q, r) => (q === "readInto" ? readInto : (Reflect.get(t, q, r) as unknown)) });
      };
    },
  });
}

/**
 * Reads the file's nodes three ways: as records, through a node sink (data as views), and through a node bytes sink
 * (data as ranges of the read buffer, as the restore does) from a storage whose files have `readInto`.
 */
async function readBoth(storage: MemoryStorage, path: string, chunkSize?: number): Promise<[SnapshotNode[], SnapshotNode[], SnapshotNode[]]> {
  const records = (await readSnapshot(storage, path, chunkSize === undefined ? {} : { chunkSize })).nodes;
  const sunk: SnapshotNode[] = [];
  const opts = {
    dataViews: true,
    nodeSink: (p: string, data: Buffer | null, acl: number, stat: StatPersisted) =>
      sunk.push({ path: p, data: data === null ? null : Buffer.from(data), aclRef: BigInt(acl), stat }),
    ...(chunkSize === undefined ? {} : { chunkSize }),
  };
  for await (const r of readSnapshotRecords(storage, path, opts)) expect(r.type).not.toBe("nodes");
  const bytes: SnapshotNode[] = [];
  const bytesOpts = {
    nodeSink: () => expect.fail("the bytes sink takes the nodes"),
    nodeBytesSink: (p: string, src: Buffer, start: number, end: number, acl: number, stat: StatPersisted) =>
      bytes.push({ path: p, data: start < 0 ? null : Buffer.from(src.subarray(start, end)), aclRef: BigInt(acl), stat }),
    ...(chunkSize === undefined ? {} : { chunkSize }),
  };
  for await (const r of readSnapshotRecords(withReadInto(storage), path, bytesOpts)) expect(r.type).not.toBe("nodes");
  return [records, sunk, bytes];
}

/** Σ nodeDigest over the rows, as a DataTree sums its nodes' digests. */
const digestSum = (rows: NodeRowSource[]) => rows.reduce((a, n) => a + BigInt(nodeDigest(n.path, n.data === null ? null : Buffer.from(n.data), n.stat)), 0n);

/** The node digest sum readSnapshotRecords computes from the rows' bytes: checking only (verifySnapshot), and while decoding to a sink. */
async function readDigests(storage: MemoryStorage, path: string, chunkSize: number): Promise<[bigint | undefined, bigint | undefined]> {
  let checked: bigint | undefined;
  await verifySnapshot(storage, path, { chunkSize, nodeDigests: (d) => void (checked = d) });
  let decoded: bigint | undefined;
  for await (const r of readSnapshotRecords(storage, path, { chunkSize, nodeSink: () => {}, nodeDigests: (d) => void (decoded = d) })) expect(r.type).not.toBe("nodes");
  return [checked, decoded];
}

describe("snapshot node chunks, read", () => {
  it("reads back random rows of every field width, whatever the read size (rows cut at any byte)", async () => {
    const rand = seededRandom(1818);
    const r = () => rand.next();
    const rows = Array.from({ length: 400 }, () => randomRow(r));
    const storage = new MemoryStorage();
    const info = await writeSnapshot(storage, "/d", { header: { zxid: 9n, time: 1 }, sessions: [], acls: [{ ref: -1n, acl: OPEN_ACL }], nodes: rows }, { nodesPerChunk: 37 });
    // data compared as hex (deep equality of large Buffers is slow)
    const hex = (ns: NodeRowSource[]) => ns.map((n) => ({ ...n, data: n.data === null ? null : Buffer.from(n.data).toString("hex") }));
    const want = hex(rows);
    for (const chunkSize of [1, 2, 3, 7, 64, 1000, 128 * 1024]) {
      const [records, sunk, bytes] = await readBoth(storage, info.path, chunkSize);
      expect(hex(records)).toEqual(want);
      expect(hex(sunk)).toEqual(want);
      expect(hex(bytes)).toEqual(want);
    }
    // the node digests summed from the rows' bytes: DataTree's nodeDigest of each row, whatever the read size
    const sum = digestSum(rows);
    expect(sum).not.toBe(0n);
    for (const chunkSize of [1, 7, 1000, 128 * 1024]) expect(await readDigests(storage, info.path, chunkSize)).toEqual([sum, sum]);
  });

  it("gives each long its own value where rows have equal ones (shared between fields and with the row before)", async () => {
    const stat = (i: bigint, t: bigint): StatPersisted => ({ czxid: i, mzxid: i + (i & 1n), ctime: t, mtime: t + (i & 2n), version: 0, cversion: 0, aversion: 0, ephemeralOwner: i & 4n, pzxid: i & 8n ? i : i + (i & 1n) + 3n });
    const rows = Array.from({ length: 32 }, (_, k): NodeRowSource => {
      const i = BigInt(k) + 0x100000000n;
      return { path: `/n${k}`, data: null, aclRef: -1n, stat: stat(i, 1_700_000_000_000n + BigInt(k >> 2)) };
    });
    const storage = new MemoryStorage();
    const info = await writeSnapshot(storage, "/d", { header: { zxid: 9n, time: 1 }, sessions: [], acls: [], nodes: rows });
    const [records, sunk, bytes] = await readBoth(storage, info.path);
    expect(sunk.map((n) => n.stat)).toEqual(rows.map((n) => n.stat));
    expect(bytes.map((n) => n.stat)).toEqual(rows.map((n) => n.stat));
    expect(records.map((n) => n.stat)).toEqual(rows.map((n) => n.stat));
  });

  it("reads rows in any valid msgpack encoding (ints in other widths, floats, a wider tag and head), mixed in one chunk", async () => {
    // small values, so that every encoding below holds them exactly
    const rows = Array.from({ length: 40 }, (_, i): NodeRowSource => ({
      path: `/n${i}`,
      data: i % 3 === 0 ? null : Buffer.from([i]),
      aclRef: BigInt(i % 4) - 1n,
      stat: { czxid: BigInt(i), mzxid: BigInt(i * 1000), ctime: BigInt(i * 70_000), mtime: -BigInt(i), version: i, cversion: 0 - i * 300, aversion: i * 100_000, ephemeralOwner: 0n, pzxid: BigInt(i) },
    }));
    const asNumbers = (n: NodeRowSource) => rowOf(n).map((v) => (typeof v === "bigint" ? Number(v) : v));
    const encoders = [
      (n: NodeRowSource) => enc64.encode(rowOf(n)), // as zkts writes
      (n: NodeRowSource) => new Encoder().encode(asNumbers(n)), // longs as the smallest int forms
      (n: NodeRowSource) => new Encoder({ forceIntegerToFloat: true }).encode(asNumbers(n)), // every int a float64
      (n: NodeRowSource) => new Encoder({ forceIntegerToFloat: true, forceFloat32: true }).encode(asNumbers(n)), // float32
    ];
    const rowBytes = rows.map((n, i) => Buffer.from(encoders[i % encoders.length]!(n)));
    // head [4, rows] written by hand with an array16 head for 20 rows, and by the generic Encoder (fixarray, or
    // the tag as a uint8)
    const hand = Buffer.concat([Buffer.from([0x92, 0x04, 0xdc, 0x00, 20]), ...rowBytes.slice(0, 20)]);
    const wideTag = Buffer.concat([Buffer.from([0x92, 0xcc, 0x04, 0xdc, 0x00, 10]), ...rowBytes.slice(20, 30)]);
    const generic = Buffer.concat([Buffer.from([0x92, 0x04, 0x9a]), ...rowBytes.slice(30, 40)]);
    const { storage, path } = await fileOf([hand, wideTag, generic], 40);
    for (const chunkSize of [5, 100, 128 * 1024]) {
      const [records, sunk, bytes] = await readBoth(storage, path, chunkSize);
      expect(records).toEqual(rows.map(asRead));
      expect(sunk).toEqual(rows.map(asRead));
      // the rows decoded generically reach the bytes sink too
      expect(bytes).toEqual(rows.map(asRead));
      // rows the fast path reads and rows decoded generically are summed alike
      const sum = digestSum(rows);
      expect(await readDigests(storage, path, chunkSize)).toEqual([sum, sum]);
    }
  });

  it("still rejects malformed rows, in a chunk the fast path reads or not", async () => {
    const ok = [1, "/a", null, -1n, 1n, 1n, 1n, 1n, 0, 0, 0, 0n, 1n].slice(1);
    const bad: unknown[][] = [
      ["/a", null, -1n, 1n, 1n, 1n, 1n, 5n, 0, 0, 0n, 1n], // version as an int64
      ["/a", "text", -1n, 1n, 1n, 1n, 1n, 0, 0, 0, 0n, 1n], // data as a str
      [7, null, -1n, 1n, 1n, 1n, 1n, 0, 0, 0, 0n, 1n], // path as an int
      ["/a", null, -1n, 1n, 1n, 1n, 1n, 0.5, 0, 0, 0n, 1n], // version not an integer
      ["/a", null, -1n, 1n, 1n, 1n, 1n, 0, 0, 0, 0n], // 11 fields
    ];
    for (const row of bad) {
      const chunk = Buffer.from(enc64.encode([4, [ok, row]]));
      const { storage, path } = await fileOf([chunk], 2);
      await expect(readSnapshot(storage, path)).rejects.toThrow(SnapshotCorruptionError);
      await expect(readSnapshot(storage, path)).rejects.toThrow(/malformed node/);
      await expect(verifySnapshot(storage, path)).rejects.toThrow(/malformed node/); // rows checked, not built
    }
    // the same file with a good row reads
    const { storage, path } = await fileOf([Buffer.from(enc64.encode([4, [ok, ok]]))], 2);
    expect((await readSnapshot(storage, path)).nodes).toHaveLength(2);
    expect((await verifySnapshot(storage, path)).zxid).toBe(5n);
  });

  it("a node chunk cut short, or a count that does not match, is a SnapshotCorruptionError", async () => {
    const row = ["/a", null, -1n, 1n, 1n, 1n, 1n, 0, 0, 0, 0n, 1n];
    const full = Buffer.from(enc64.encode([4, [row, row]]));
    // the head says 3 rows: the third is the footer's bytes (not a row)
    const more = Buffer.from(full);
    more[2] = 0x93;
    for (const [chunk, nodes] of [[more, 2], [full, 3], [full.subarray(0, full.length - 4), 2]] as const) {
      const { storage, path } = await fileOf([chunk], nodes);
      await expect(readSnapshot(storage, path)).rejects.toThrow(SnapshotCorruptionError);
      await expect(verifySnapshot(storage, path)).rejects.toThrow(SnapshotCorruptionError);
    }
  });
});
