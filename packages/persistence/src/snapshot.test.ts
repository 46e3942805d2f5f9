import { afterEach, describe, expect, it } from "vitest";
import { SnapshotCancelledError, SnapshotCorruptionError, StorageError } from "./errors.js";
import { MemoryStorage } from "./memory-storage.js";
import {
  findNewestValidSnapshot,
  listSnapshots,
  readSnapshot,
  readSnapshotRecords,
  verifySnapshot,
  writeSnapshot,
  type SnapshotNode,
  type SnapshotSource,
} from "./snapshot.js";
import { OPEN_ACL, countTurns, storageCases } from "./test-helpers.js";
import { writeZkSnapshotFuzzy } from "./zk-snapshot.js";

const MIN = -(1n << 63n);
const MAX = (1n << 63n) - 1n;

function node(i: number, over: Partial<SnapshotNode> = {}): SnapshotNode {
  return {
    path: i === 0 ? "/" : `/n${i}`,
    data: Buffer.alloc(i % 7, i & 0xff),
    aclRef: 1n,
    stat: {
      czxid: BigInt(i),
      mzxid: BigInt(i) + 0x100000000n,
      ctime: 1_700_000_000_123n + BigInt(i),
      mtime: 1_700_000_000_456n,
      version: i,
      cversion: -1 + i,
      aversion: 0,
      ephemeralOwner: 0n,
      pzxid: BigInt(i),
    },
    ...over,
  };
}

const special: SnapshotNode[] = [
  node(1, { path: "/null-data", data: null }),
  node(2, { path: "/empty-data", data: Buffer.alloc(0) }),
  node(3, { path: "/container", stat: { ...node(3).stat, ephemeralOwner: MIN, czxid: MAX, pzxid: -1n } }),
  node(4, { path: "/ttl", stat: { ...node(4).stat, ephemeralOwner: BigInt.asIntN(64, 0xff00000000000000n | 5000n) } }),
  node(5, { path: "/ünï/cödé/✓", data: Buffer.alloc(100_000, 7), aclRef: -1n }),
];

function source(nodes: Iterable<SnapshotNode | SnapshotNode[]> | AsyncIterable<SnapshotNode | SnapshotNode[]>): SnapshotSource {
  return {
    header: { zxid: 0x300000042n, time: 1_700_000_999_000 },
    sessions: [{ id: 0x1000000abcd0001n, timeout: 30000 }, [{ id: MAX, timeout: 4000 }, { id: MIN, timeout: 1 }]],
    acls: [
      { ref: -1n, acl: OPEN_ACL },
      { ref: 1n, acl: [{ perms: 1, id: { scheme: "digest", id: "u:abc=" } }, { perms: 31, id: { scheme: "ip", id: "10.0.0.1" } }] },
    ],
    nodes,
  };
}

for (const sc of storageCases) {
  describe(`snapshot files on ${sc.name}`, () => {
    let cleanup = () => {};
    afterEach(() => cleanup());
    const setup = () => {
      const c = sc.make();
      cleanup = c.cleanup;
      return c;
    };

    it("round-trips header, sessions, ACL table and nodes exactly (null vs empty data, int64 extremes)", async () => {
      const { storage, dir } = setup();
      const nodes = [node(0), ...special, ...Array.from({ length: 3000 }, (_, i) => node(i + 10))];
      const info = await writeSnapshot(storage, dir, source(nodes), { nodesPerChunk: 100 });
      expect(info).toMatchObject({ zxid: 0x300000042n, nodes: nodes.length, sessions: 3, acls: 2 });
      expect(info.path.endsWith("/version-2/snapshot.300000042")).toBe(true);
      expect(await storage.list(`${dir}/version-2`)).toEqual(["snapshot.300000042"]);
      const got = await readSnapshot(storage, info.path, { chunkSize: 4096 });
      expect(got.header).toEqual({ zxid: 0x300000042n, time: 1_700_000_999_000n });
      expect(got.sessions).toEqual([
        { id: 0x1000000abcd0001n, timeout: 30000 },
        { id: MAX, timeout: 4000 },
        { id: MIN, timeout: 1 },
      ]);
      expect(got.acls).toEqual(source([]).acls);
      expect(got.nodes.length).toBe(nodes.length);
      expect(got.nodes).toEqual(nodes.map((n) => ({ ...n, data: n.data === null ? null : Buffer.from(n.data) })));
      expect(got.nodes[1]!.data).toBeNull();
      expect(got.nodes[2]!.data).toEqual(Buffer.alloc(0));
    });

    it("the footer's ZxidDigest (read once the nodes are written) round-trips; a snapshot without one has none", async () => {
      const { storage, dir } = setup();
      let asked = 0;
      const zd = { zxid: 0x300000050n, digestVersion: 2, digest: MIN + 5n };
      const info = await writeSnapshot(storage, dir, { ...source([node(0), node(1)]), digest: () => (asked++, zd) });
      expect(asked).toBe(1);
      expect((await readSnapshot(storage, info.path)).digest).toEqual(zd);
      await verifySnapshot(storage, info.path);
      const plain = await writeSnapshot(storage, `${dir}/plain`, source([node(0)]));
      expect((await readSnapshot(storage, plain.path)).digest).toBeNull();
    });

    it("accepts async, chunked node sources and streams records in chunks", async () => {
      const { storage, dir } = setup();
      async function* gen() {
        for (let c = 0; c < 10; c++) {
          await Promise.resolve();
          yield Array.from({ length: 250 }, (_, i) => node(c * 250 + i));
        }
        yield node(99_999);
      }
      const info = await writeSnapshot(storage, dir, source(gen()), { nodesPerChunk: 300 });
      const kinds: string[] = [];
      let n = 0;
      for await (const r of readSnapshotRecords(storage, info.path)) {
        kinds.push(r.type);
        if (r.type === "nodes") n += r.nodes.length;
      }
      expect(n).toBe(2501);
      expect(kinds[0]).toBe("header");
      expect(kinds.filter((k) => k === "nodes").length).toBe(9);
    });
  });
}

describe("snapshot writer", () => {
  it("yields to the event loop while writing a large tree", async () => {
    const s = new MemoryStorage();
    const loop = countTurns();
    const nodes = function* () {
      for (let i = 0; i < 20_000; i++) yield node(i);
    };
    await writeSnapshot(s, "/data", source(nodes()), { yieldEvery: 1000, bufferSize: 1 << 22 });
    loop.stop();
    expect(loop.turns).toBeGreaterThanOrEqual(20);
  });

  it("with a clock, yields by elapsed time: no more than the slice's worth of nodes between two event-loop turns", async () => {
    for (const slow of [false, true]) {
      const s = new MemoryStorage();
      const loop = countTurns();
      // a fake monotonic clock: each node "takes" 0.25 ms (slow: 2 ms, as when the machine is busy)
      let clock = 0;
      const perNode = slow ? 2 : 0.25;
      const nodesPerTurn = new Map<number, number>();
      const nodes = function* () {
        for (let i = 0; i < 5_000; i++) {
          clock += perNode;
          nodesPerTurn.set(loop.turns, (nodesPerTurn.get(loop.turns) ?? 0) + 1);
          yield node(i);
        }
      };
      await writeSnapshot(s, "/data", source(nodes()), { now: () => clock, sliceMs: 4, yieldEvery: 1000, bufferSize: 1 << 22 });
      loop.stop();
      const most = Math.max(...nodesPerTurn.values());
      // 4 ms of work is 16 nodes at 0.25 ms, 2 at 2 ms (the clock is read every 4 nodes)
      expect(most).toBeLessThanOrEqual(slow ? 4 : 20);
      expect(most).toBeGreaterThanOrEqual(slow ? 2 : 16);
      expect((await readSnapshot(s, (await listSnapshots(s, "/data"))[0]!.path)).nodes.length).toBe(5_000);
    }
  });

  it("reuses its write buffer (no off-heap allocation per write: a full GC of the heap follows that much)", async () => {
    const s = new MemoryStorage();
    const buffers = new Set<ArrayBufferLike>();
    let writes = 0;
    const open = s.open.bind(s);
    s.open = async (path, mode) => {
      const f = await open(path, mode);
      const write = f.write.bind(f);
      f.write = (data, pos) => {
        writes++;
        buffers.add(data.buffer);
        return write(data, pos);
      };
      return f;
    };
    const nodes = function* () {
      for (let i = 0; i < 5_000; i++) yield node(i);
    };
    await writeSnapshot(s, "/data", source(nodes()), { bufferSize: 4096, nodesPerChunk: 16 });
    expect(writes).toBeGreaterThan(50);
    // the sink's buffer, and the trailer
    expect(buffers.size).toBeLessThanOrEqual(2);
  });

  it("is atomic: a failing write or sync leaves no snapshot and no temp file", async () => {
    for (const op of ["write", "datasync", "rename"] as const) {
      const s = new MemoryStorage();
      s.inject({ op, code: "EIO" });
      await expect(writeSnapshot(s, "/data", source([node(0)]))).rejects.toBeInstanceOf(StorageError);
      expect(await s.list("/data/version-2")).toEqual([]);
    }
  });

  it("a completed snapshot survives a crash; one interrupted before its rename is invisible", async () => {
    const s = new MemoryStorage({ yieldEachOp: true });
    await writeSnapshot(s, "/data", source([node(0), node(1)]));
    s.crash();
    expect((await listSnapshots(s, "/data")).map((f) => f.name)).toEqual(["snapshot.300000042"]);
    const p = writeSnapshot(s, "/data", { ...source([node(2)]), header: { zxid: 0x400000000n, time: 0 } });
    await new Promise((r) => setImmediate(r));
    s.crash();
    await p.catch(() => {});
    expect((await listSnapshots(s, "/data")).map((f) => f.name)).toEqual(["snapshot.300000042"]);
    expect((await readSnapshot(s, "/data/version-2/snapshot.300000042")).nodes.length).toBe(2);
  });
});

describe("snapshot verification", () => {
  async function small() {
    const s = new MemoryStorage();
    const info = await writeSnapshot(s, "/data", source([node(0), ...special.slice(0, 4)]));
    return { s, path: info.path, bytes: s.peek(info.path)! };
  }

  it("rejects every single flipped bit with a typed error naming the file", async () => {
    const { s, path, bytes } = await small();
    expect(bytes.length).toBeLessThan(2000);
    for (let i = 0; i < bytes.length; i++) {
      const c = Buffer.from(bytes);
      c[i] = c[i]! ^ (1 << (i % 8));
      s.poke(path, c);
      const err = await verifySnapshot(s, path).catch((e: unknown) => e);
      expect(err, `bit flip at byte ${i}`).toBeInstanceOf(SnapshotCorruptionError);
      expect((err as SnapshotCorruptionError).file).toBe(path);
    }
  });

  it("rejects truncated files and appended garbage", async () => {
    const { s, path, bytes } = await small();
    for (const cut of [0, 10, bytes.length - 41, bytes.length - 1]) {
      s.poke(path, bytes.subarray(0, cut));
      await expect(verifySnapshot(s, path)).rejects.toBeInstanceOf(SnapshotCorruptionError);
    }
    s.poke(path, Buffer.concat([bytes, Buffer.from("x")]));
    await expect(verifySnapshot(s, path)).rejects.toThrow(/snapshot .* is corrupt at offset \d+/);
  });

  it("findNewestValidSnapshot falls back to older snapshots", async () => {
    const s = new MemoryStorage();
    for (const z of [0x10n, 0x20n, 0x30n]) {
      await writeSnapshot(s, "/data", { ...source([node(Number(z))]), header: { zxid: z, time: 0 } });
    }
    expect((await findNewestValidSnapshot(s, "/data"))?.zxid).toBe(0x30n);
    const newest = "/data/version-2/snapshot.30";
    const b = s.peek(newest)!;
    b[b.length >> 1] ^= 0x40;
    s.poke(newest, b);
    // a copy under another zxid's name is rejected too (header zxid mismatch)
    s.poke("/data/version-2/snapshot.25", s.peek("/data/version-2/snapshot.10")!);
    const found = await findNewestValidSnapshot(s, "/data");
    expect(found).toMatchObject({ zxid: 0x20n, name: "snapshot.20", header: { zxid: 0x20n } });
    expect(found!.rejected.map((r) => r.path)).toEqual([newest, "/data/version-2/snapshot.25"]);
    for (const f of await listSnapshots(s, "/data")) s.poke(f.path, Buffer.from("nope"));
    expect(await findNewestValidSnapshot(s, "/data")).toBeUndefined();
  });
});

describe("snapshot writers: cancel (a store closing)", () => {
  const source = (n: number, onNode: () => void): SnapshotSource => ({
    header: { zxid: 0x42n, time: 1n },
    sessions: [],
    acls: [{ ref: 1n, acl: OPEN_ACL }],
    nodes: (function* () {
      for (let i = 0; i < n; i++) {
        onNode();
        yield node(i);
      }
    })(),
  });

  it("writeSnapshot stops at its next yield, removes its temp file and throws SnapshotCancelledError", async () => {
    const s = new MemoryStorage();
    const cancel = { cancelled: false };
    let taken = 0;
    const src = source(10_000, () => {
      if (++taken === 1000) cancel.cancelled = true;
    });
    await expect(writeSnapshot(s, "/d", src, { yieldEvery: 100, cancel })).rejects.toBeInstanceOf(SnapshotCancelledError);
    expect(taken).toBeLessThanOrEqual(1100);
    expect(await s.list("/d/version-2")).toEqual([]);
  });

  it("writeSnapshot with cancel already set writes nothing; unset, the same source completes", async () => {
    const s = new MemoryStorage();
    await expect(writeSnapshot(s, "/d", source(10, () => {}), { cancel: { cancelled: true } })).rejects.toBeInstanceOf(SnapshotCancelledError);
    expect(await s.list("/d/version-2")).toEqual([]);
    const info = await writeSnapshot(s, "/d", source(10, () => {}), { cancel: { cancelled: false } });
    expect(info.nodes).toBe(10);
    expect(await s.list("/d/version-2")).toEqual(["snapshot.42"]);
  });

  it("writeZkSnapshotFuzzy (snapshot.format=zookeeper) stops at its next yield and removes its temp file", async () => {
    const s = new MemoryStorage();
    const cancel = { cancelled: false };
    let taken = 0;
    const nodes = (function* () {
      for (let i = 0; i < 10_000; i++) {
        if (++taken === 1000) cancel.cancelled = true;
        yield { path: i === 0 ? "" : `/n${i}`, data: Buffer.alloc(3), aclRef: -1n, stat: node(i).stat };
      }
    })();
    const src = { zxid: 0x42n, sessions: [], acls: [], nodes, digest: () => null };
    await expect(writeZkSnapshotFuzzy(s, "/d", src, { yieldEvery: 100, cancel })).rejects.toBeInstanceOf(SnapshotCancelledError);
    expect(taken).toBeLessThanOrEqual(1100);
    expect(await s.list("/d/version-2")).toEqual([]);
  });
});
