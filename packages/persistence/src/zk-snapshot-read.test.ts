import { gzipSync } from "node:zlib";
import { zeroStatPersisted, type ACL, type StatPersisted } from "@zkts/jute";
import { describe, expect, it } from "vitest";
import { adler32 } from "./adler32.js";
import { purgeDataDirs, restoreDatabase, snapshotTree, type PersistentTree } from "./database.js";
import { SnapshotCorruptionError, UnsupportedSnapshotError } from "./errors.js";
import { MemoryStorage } from "./memory-storage.js";
import { findNewestValidSnapshot, listSnapshots, readSnapshot, verifySnapshot, writeSnapshot } from "./snapshot.js";
import { parseZkSnapshot, serializeZkSnapshot, writeZkSnapshotFuzzy, type ZkSnapshotNode } from "./zk-snapshot.js";

type Node = { path: string; data: Buffer | null; acl: number; stat: StatPersisted };

/** A tree persistence can snapshot and restore; its "digest" is a checksum of its paths and data. */
class ListTree implements PersistentTree {
  nodes: Node[] = [];
  aclTable = new Map<number, readonly ACL[]>();
  lastProcessedZxid = 0n;
  /** Called after each node is handed to a snapshot writer. */
  onNode: ((i: number) => void) | undefined;
  readonly acls = {
    entries: (): Array<[number, readonly ACL[]]> => [...this.aclTable],
    convertLong: (ref: number): readonly ACL[] => this.aclTable.get(ref) ?? [],
  };
  *snapshotNodes(): Iterable<Node> {
    for (let i = 0; i < this.nodes.length; i++) {
      yield this.nodes[i]!;
      this.onNode?.(i);
    }
  }
  processTxn(): { err: number } {
    return { err: 0 };
  }
  restore(acls: Iterable<readonly [number, readonly ACL[]]>, nodes: Iterable<Node>, lastZxid: bigint): void {
    this.aclTable = new Map(acls);
    this.nodes = [...nodes];
    this.lastProcessedZxid = lastZxid;
  }
  digest(): bigint {
    let h = 0n;
    for (const n of this.nodes) h = (h * 31n + BigInt(adler32(Buffer.concat([Buffer.from(n.path), n.data ?? Buffer.alloc(0)])))) & 0xffffffffffffn;
    return h;
  }
  lastProcessedZxidDigest() {
    return { zxid: this.lastProcessedZxid, digestVersion: 2, digest: this.digest() };
  }
}

const WORLD: ACL[] = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const stat = (z: bigint, extra: Partial<StatPersisted> = {}): StatPersisted => ({
  ...zeroStatPersisted(),
  czxid: z,
  mzxid: z,
  pzxid: z,
  ctime: 1000n + z,
  mtime: 1000n + z,
  ...extra,
});

function sampleNodes(n = 3): ZkSnapshotNode[] {
  const out: ZkSnapshotNode[] = [
    { path: "", data: Buffer.alloc(0), aclRef: 1n, stat: stat(0n, { cversion: n }) },
    { path: "/empty", data: Buffer.alloc(0), aclRef: 1n, stat: stat(1n) },
    { path: "/null", data: null, aclRef: 2n, stat: stat(2n, { ephemeralOwner: 0x77n }) },
  ];
  for (let i = 3; i < n; i++) out.push({ path: `/n${i}`, data: Buffer.alloc((i % 60) * 37, i & 0xff), aclRef: 1n, stat: stat(BigInt(i)) });
  return out;
}

function zkFile(zxid: bigint, nodes = sampleNodes(), digest = true): Buffer {
  return serializeZkSnapshot({
    zxid,
    sessions: [
      { id: 0x77n, timeout: 30000 },
      { id: -5n, timeout: 4000 },
    ],
    acls: [
      { ref: 1n, acl: WORLD },
      { ref: 2n, acl: [{ perms: 1, id: { scheme: "digest", id: "bob:x" } }, ...WORLD] },
    ],
    nodes,
    digest: digest ? { zxid, digestVersion: 2, digest: 0x1234567890n } : null,
  });
}

async function put(s: MemoryStorage, path: string, bytes: Buffer): Promise<void> {
  await s.mkdirp(path.slice(0, path.lastIndexOf("/")));
  const f = await s.open(path, "create");
  await f.write(bytes, 0);
  await f.close();
}

const sameNodes = (a: Array<{ path: string; data: Uint8Array | null; aclRef: bigint; stat: StatPersisted }>, b: ZkSnapshotNode[]) => {
  expect(a.map((n) => ({ ...n, data: n.data === null ? null : Buffer.from(n.data).toString("hex") }))).toEqual(
    b.map((n) => ({ ...n, data: n.data === null ? null : n.data.toString("hex") })),
  );
};

describe("reading ZooKeeper snapshot files through the one snapshot reader", () => {
  it("reads a ZooKeeper snapshot (told by content) in any chunking: same sessions, ACLs, nodes, digest", async () => {
    const s = new MemoryStorage();
    const nodes = sampleNodes(60);
    const bytes = zkFile(0x2an, nodes);
    await put(s, "/d/version-2/snapshot.2a", bytes);
    for (const chunkSize of [1, 7, 64, 1 << 20]) {
      const snap = await readSnapshot(s, "/d/version-2/snapshot.2a", { chunkSize });
      expect(snap.header).toEqual({ zxid: 0x2an, time: 0n, format: "zookeeper" });
      expect(snap.sessions).toEqual([
        { id: 0x77n, timeout: 30000 },
        { id: -5n, timeout: 4000 },
      ]);
      expect(snap.acls.map((a) => a.ref)).toEqual([1n, 2n]);
      sameNodes(snap.nodes, nodes);
      expect(snap.digest).toEqual({ zxid: 0x2an, digestVersion: 2, digest: 0x1234567890n });
    }
    // the same content as the whole-buffer parser
    expect(parseZkSnapshot(bytes, "f", 0x2an).nodes.length).toBe(60);
  });

  it("reads one without the digest trailer (digest.enabled=false) and a gzip-compressed one (snapshot.<zxid>.gz)", async () => {
    const s = new MemoryStorage();
    await put(s, "/d/version-2/snapshot.5", zkFile(5n, sampleNodes(), false));
    expect((await readSnapshot(s, "/d/version-2/snapshot.5")).digest).toBeNull();
    await put(s, "/d/version-2/snapshot.9.gz", gzipSync(zkFile(9n, sampleNodes(40))));
    const gz = await readSnapshot(s, "/d/version-2/snapshot.9.gz", { chunkSize: 5 });
    sameNodes(gz.nodes, sampleNodes(40));
    expect(gz.header.zxid).toBe(9n);
    expect((await listSnapshots(s, "/d")).map((f) => f.name)).toEqual(["snapshot.9.gz", "snapshot.5"]);
  });

  it("finds damage anywhere: every flipped byte, every truncation, bytes after the end, a damaged gzip stream", async () => {
    const s = new MemoryStorage();
    const good = zkFile(3n);
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i] ^= 0x20;
      await put(s, "/d/version-2/snapshot.3", bad);
      // the header's magic: then it is not a ZooKeeper snapshot at all (nor a zkts one)
      await expect(verifySnapshot(s, "/d/version-2/snapshot.3", { chunkSize: 16 }), `byte ${i}`).rejects.toBeInstanceOf(SnapshotCorruptionError);
    }
    for (const len of [0, 3, 16, good.length - 30, good.length - 1]) {
      await put(s, "/d/version-2/snapshot.3", good.subarray(0, len));
      await expect(verifySnapshot(s, "/d/version-2/snapshot.3"), `length ${len}`).rejects.toBeInstanceOf(SnapshotCorruptionError);
    }
    await put(s, "/d/version-2/snapshot.3", Buffer.concat([good, Buffer.from([0])]));
    await expect(verifySnapshot(s, "/d/version-2/snapshot.3")).rejects.toThrow(/bytes after the end/);
    const gz = gzipSync(good);
    gz[gz.length - 6] ^= 1;
    await put(s, "/d/version-2/snapshot.3.gz", gz);
    await expect(verifySnapshot(s, "/d/version-2/snapshot.3.gz")).rejects.toBeInstanceOf(SnapshotCorruptionError);
    await put(s, "/d/version-2/snapshot.3.gz", gzipSync(good).subarray(0, 40));
    await expect(verifySnapshot(s, "/d/version-2/snapshot.3.gz")).rejects.toBeInstanceOf(SnapshotCorruptionError);
    // a read error while inflating is the storage error, not damage
    await put(s, "/d/version-2/snapshot.3.gz", gzipSync(zkFile(3n, sampleNodes(200))));
    s.inject({ op: "read", code: "EIO", path: "snapshot.3.gz", after: 2 });
    await expect(verifySnapshot(s, "/d/version-2/snapshot.3.gz", { chunkSize: 64 })).rejects.toMatchObject({ code: "EIO" });
    s.clearFaults();
    await expect(verifySnapshot(s, "/d/version-2/snapshot.3.gz", { chunkSize: 64 })).resolves.toMatchObject({ zxid: 3n });
    await put(s, "/d/version-2/snapshot.3", zkFile(3n, sampleNodes(200)));
    s.inject({ op: "read", code: "EIO", path: "snapshot.3", after: 2 });
    await expect(verifySnapshot(s, "/d/version-2/snapshot.3", { chunkSize: 64 })).rejects.toMatchObject({ code: "EIO" });
    s.clearFaults();
  });

  it("refuses a snappy snapshot with an error naming the setting (never as damage: no fallback past it)", async () => {
    const s = new MemoryStorage();
    await put(s, "/d/version-2/snapshot.1", zkFile(1n));
    await put(s, "/d/version-2/snapshot.8.snappy", Buffer.concat([Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0]), Buffer.alloc(20, 1)]));
    const e = await findNewestValidSnapshot(s, "/d").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnsupportedSnapshotError);
    expect(String(e)).toMatch(/zookeeper\.snapshot\.compression\.method/);
    expect(String(e)).not.toMatch(/accept-data-loss/);
  });

  it("findNewestValidSnapshot and purge take either format: the newest valid one wins, damaged ones are skipped", async () => {
    const s = new MemoryStorage();
    const zktsSnap = (z: bigint) => writeSnapshot(s, "/d", { header: { zxid: z, time: 0 }, sessions: [], acls: [], nodes: [] });
    await zktsSnap(0x10n);
    await put(s, "/d/version-2/snapshot.20", zkFile(0x20n));
    await zktsSnap(0x30n);
    await put(s, "/d/version-2/snapshot.40", zkFile(0x40n));
    const bad = zkFile(0x50n);
    bad[bad.length - 12] ^= 1;
    await put(s, "/d/version-2/snapshot.50", bad);
    const newest = await findNewestValidSnapshot(s, "/d");
    expect(newest?.name).toBe("snapshot.40");
    expect(newest?.header.format).toBe("zookeeper");
    expect(newest?.rejected.map((r) => r.path)).toEqual(["/d/version-2/snapshot.50"]);
    const r = await purgeDataDirs({ storage: s, dataDir: "/d" }, 3);
    expect(r.retained.map((p) => p.split("/").pop())).toEqual(["snapshot.40", "snapshot.30", "snapshot.20"]);
    expect(r.removedSnapshots.map((p) => p.split("/").pop())).toEqual(["snapshot.10"]);
  });

  it("restoreDatabase restores a ZooKeeper snapshot and checks its ZxidDigest against the tree", async () => {
    const s = new MemoryStorage();
    const nodes = sampleNodes(10);
    const probe = new ListTree();
    probe.restore([[1, WORLD]], nodes.map((n) => ({ path: n.path, data: n.data, acl: Number(n.aclRef), stat: n.stat })), 7n);
    const bytes = serializeZkSnapshot({ zxid: 7n, sessions: [{ id: 9n, timeout: 5000 }], acls: [{ ref: 1n, acl: WORLD }, { ref: 2n, acl: WORLD }], nodes, digest: { zxid: 7n, digestVersion: 2, digest: probe.digest() } });
    await put(s, "/d/version-2/snapshot.7", bytes);
    const tree = new ListTree();
    const r = await restoreDatabase({ storage: s, dataDir: "/d", tree });
    expect(r.zxid).toBe(7n);
    expect(r.snapshot?.zxid).toBe(7n);
    expect([...r.sessions]).toEqual([[9n, 5000]]);
    expect(r.digests).toEqual({ checked: 1, mismatched: 0 });
    expect(tree.nodes.map((n) => n.path)).toEqual(nodes.map((n) => n.path));
    // a digest that does not match is counted (and logged), as ZooKeeper's compareSnapshotDigests
    await put(s, "/d/version-2/snapshot.7", serializeZkSnapshot({ zxid: 7n, sessions: [], acls: [{ ref: 1n, acl: WORLD }], nodes, digest: { zxid: 7n, digestVersion: 2, digest: probe.digest() + 1n } }));
    expect((await restoreDatabase({ storage: s, dataDir: "/d", tree: new ListTree() })).digests).toEqual({ checked: 1, mismatched: 1 });
  });
});

describe("writing ZooKeeper-format snapshots (snapshot.format=zookeeper)", () => {
  function bigTree(n: number): ListTree {
    const t = new ListTree();
    t.aclTable.set(1, WORLD);
    t.aclTable.set(2, [{ perms: 1, id: { scheme: "ip", id: "127.0.0.1" } }]);
    t.nodes = sampleNodes(n).map((x) => ({ path: x.path, data: x.data, acl: Number(x.aclRef), stat: x.stat }));
    t.lastProcessedZxid = 0x99n;
    return t;
  }

  it("writes in pieces, yielding, with a seal over every piece: parseZkSnapshot reads exactly the tree", async () => {
    const s = new MemoryStorage();
    const t = bigTree(3000);
    let yields = 0;
    const tick = setInterval(() => yields++, 0);
    const info = await snapshotTree(s, "/d", t, new Map([[0x77n, 30000]]), { time: 1, format: "zookeeper", yieldEvery: 500 });
    clearInterval(tick);
    expect(info).toMatchObject({ path: "/d/version-2/snapshot.99", zxid: 0x99n, nodes: 3000, sessions: 1, acls: 2 });
    const f = await s.open(info.path, "read");
    const bytes = await f.read(0, await f.size());
    await f.close();
    expect(bytes.length).toBe(info.bytes);
    const snap = parseZkSnapshot(bytes, info.path, 0x99n);
    sameNodes(snap.nodes, sampleNodes(3000));
    expect(snap.digest).toEqual({ zxid: 0x99n, digestVersion: 2, digest: t.digest() });
    expect(snap.sessions).toEqual([{ id: 0x77n, timeout: 30000 }]);
    // a small buffer: many pieces, the same bytes
    const again = await writeZkSnapshotFuzzy(s, "/e", {
      zxid: 0x99n,
      sessions: [{ id: 0x77n, timeout: 30000 }],
      acls: [...t.aclTable].map(([ref, acl]) => ({ ref: BigInt(ref), acl })),
      nodes: sampleNodes(3000),
      digest: () => ({ zxid: 0x99n, digestVersion: 2, digest: t.digest() }),
    }, { bufferSize: 1000, yieldEvery: 700 });
    const g = await s.open(again!.path, "read");
    expect((await g.read(0, await g.size())).equals(bytes)).toBe(true);
    await g.close();
    // byte for byte what the one-piece serializer (FileSnap.serialize's layout) writes
    const whole = serializeZkSnapshot({
      zxid: 0x99n,
      sessions: [{ id: 0x77n, timeout: 30000 }],
      acls: [...t.aclTable].map(([ref, acl]) => ({ ref: BigInt(ref), acl })),
      nodes: sampleNodes(3000),
      digest: { zxid: 0x99n, digestVersion: 2, digest: t.digest() },
    });
    expect(whole.equals(bytes)).toBe(true);
    expect(yields).toBeGreaterThan(0);
  });

  it("an ACL list interned while the nodes are written: that attempt is dropped and the snapshot taken again", async () => {
    const s = new MemoryStorage();
    const t = bigTree(500);
    let changes = 0;
    t.onNode = (i) => {
      // while the first attempt is under way, a node gets an ACL list the cache written did not hold
      if (i === 100 && changes === 0) {
        changes++;
        t.aclTable.set(3, [{ perms: 3, id: { scheme: "world", id: "anyone" } }]);
        t.nodes[400] = { ...t.nodes[400]!, acl: 3 };
      }
    };
    const info = await snapshotTree(s, "/d", t, new Map(), { time: 1, format: "zookeeper", yieldEvery: 50 });
    expect(changes).toBe(1);
    expect(await s.list("/d/version-2")).toEqual(["snapshot.99"]);
    const snap = await readSnapshot(s, info.path);
    expect(snap.acls.map((a) => a.ref)).toEqual([1n, 2n, 3n]);
    expect(snap.nodes[400]!.aclRef).toBe(3n);
  });

  it("without digests (digest.enabled=false) no ZxidDigest is written; restoreDatabase reads the file back", async () => {
    const s = new MemoryStorage();
    const t = bigTree(20);
    Object.defineProperty(t, "isDigestEnabled", { value: false });
    const info = await snapshotTree(s, "/d", t, new Map(), { time: 1, format: "zookeeper" });
    expect((await readSnapshot(s, info.path)).digest).toBeNull();
    const back = new ListTree();
    const r = await restoreDatabase({ storage: s, dataDir: "/d", tree: back });
    expect(r.snapshot?.zxid).toBe(0x99n);
    expect(back.nodes.map((n) => n.path)).toEqual(t.nodes.map((n) => n.path));
  });
});
