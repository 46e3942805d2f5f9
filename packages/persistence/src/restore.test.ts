import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataTree } from "@zkts/datatree";
import { describe, expect, it } from "vitest";
import type { ACL, StatPersisted } from "@zkts/jute";
import { snapshotTree, type PersistentTree } from "./database.js";
import { MemoryStorage } from "./memory-storage.js";
import { NodeStorage } from "./node-storage.js";
import { snapshotDigestOffThread } from "./snapshot-digest-worker.js";
import { loadNewestValidSnapshot, loadSnapshot, type TreeRestoreSink } from "./restore.js";
import { listSnapshots } from "./snapshot.js";
import { OPEN_ACL } from "./test-helpers.js";

interface Node {
  path: string;
  data: Buffer | null;
  acl: number;
  stat: StatPersisted;
}

const stat = (i: number): StatPersisted => ({
  czxid: BigInt(i),
  mzxid: BigInt(i),
  ctime: 1_700_000_000_000n,
  mtime: 1_700_000_000_000n + BigInt(i % 3),
  version: i % 5,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: i % 4 === 0 ? 0x55n : 0n,
  pzxid: BigInt(i),
});

/** A tree that records how it was restored: streamed (beginRestore) or in one call. */
class StreamTree implements PersistentTree {
  aclTable = new Map<number, readonly ACL[]>();
  nodes: Node[] = [];
  lastProcessedZxid = 0n;
  calls: string[] = [];
  get acls() {
    return { entries: () => [...this.aclTable], convertLong: (ref: number) => this.aclTable.get(ref) ?? OPEN_ACL };
  }
  snapshotNodes(): Iterable<Node> {
    return this.nodes;
  }
  processTxn(): { err: number } {
    return { err: 0 };
  }
  restore(): void {
    throw new Error("restore() called: the load was not streamed");
  }
  beginRestore(): TreeRestoreSink {
    this.calls.push("begin");
    this.aclTable = new Map();
    this.nodes = [];
    return {
      acls: (entries) => {
        for (const [r, a] of entries) this.aclTable.set(r, a);
      },
      // the sink copies the data, as the tree's does (the reader hands views of its buffers)
      node: (path, data, acl, st) => void this.nodes.push({ path, data: data === null ? null : Buffer.from(data), acl, stat: st }),
      finish: (zxid) => {
        this.calls.push("finish");
        this.lastProcessedZxid = zxid;
      },
      abort: () => {
        this.calls.push("abort");
        this.nodes = [];
        this.aclTable = new Map();
        this.lastProcessedZxid = 0n;
      },
    };
  }
}

function sample(n: number, zxid: bigint): StreamTree {
  const t = new StreamTree();
  t.aclTable.set(1, [{ perms: 1, id: { scheme: "digest", id: "u:abc=" } }]);
  t.nodes.push({ path: "", data: Buffer.alloc(0), acl: -1, stat: stat(0) });
  for (let i = 1; i <= n; i++) t.nodes.push({ path: `/n${i}`, data: i % 9 === 0 ? null : Buffer.alloc(i % 200, i & 0xff), acl: i % 2 ? 1 : -1, stat: stat(i) });
  t.lastProcessedZxid = zxid;
  return t;
}

const view = (t: StreamTree) => ({ acls: [...t.aclTable], nodes: t.nodes, zxid: t.lastProcessedZxid });

for (const format of ["zkts", "zookeeper"] as const) {
  describe(`streamed snapshot load (${format} format)`, () => {
    it("puts every node, ACL and session into the tree through beginRestore; equal to the source", async () => {
      const s = new MemoryStorage();
      const src = sample(3000, 0x100000bb8n);
      const sessions = new Map([[0x55n, 30000]]);
      const info = await snapshotTree(s, "/data", src, sessions, { time: 1, format });
      const dst = new StreamTree();
      const loaded = await loadSnapshot(s, info.path, dst, info.zxid);
      expect(dst.calls).toEqual(["begin", "finish"]);
      expect(loaded.nodes).toBe(3001);
      expect(loaded.sessions).toEqual(sessions);
      expect(view(dst)).toEqual(view(src));
    });

    it("loadNewestValidSnapshot: a damaged newest snapshot is aborted mid-load and the older one loaded", async () => {
      const s = new MemoryStorage();
      const older = sample(500, 0x10n);
      await snapshotTree(s, "/data", older, new Map(), { time: 1, format });
      await snapshotTree(s, "/data", sample(600, 0x20n), new Map(), { time: 2, format });
      const [newest] = await listSnapshots(s, "/data");
      const b = s.peek(newest!.path)!;
      b[Math.floor(b.length * 0.6)] ^= 0x08;
      s.poke(newest!.path, b);
      const dst = new StreamTree();
      const r = await loadNewestValidSnapshot(s, "/data", dst);
      expect(r.rejected.map((x) => x.path)).toEqual([newest!.path]);
      expect(r.snapshot?.zxid).toBe(0x10n);
      expect(dst.calls).toEqual(["begin", "abort", "begin", "finish"]);
      expect(view(dst)).toEqual(view(older));
    });
  });
}

describe("loadNewestValidSnapshot", () => {
  it("rejects a snapshot whose header zxid is not its name's, and leaves a new tree when none is valid", async () => {
    const s = new MemoryStorage();
    const info = await snapshotTree(s, "/data", sample(10, 0x30n), new Map(), { time: 1 });
    s.poke("/data/version-2/snapshot.40", s.peek(info.path)!);
    s.poke(info.path, Buffer.from("nope"));
    const dst = new StreamTree();
    const r = await loadNewestValidSnapshot(s, "/data", dst);
    expect(r.snapshot).toBeUndefined();
    expect(r.rejected.map((x) => x.error.message)).toEqual([expect.stringMatching(/header zxid 0x30 does not match/), expect.stringMatching(/corrupt/)]);
    expect(dst.nodes).toEqual([]);
    expect(dst.lastProcessedZxid).toBe(0n);
  });
});

describe("node digests summed off the thread building the tree (snapshotDigester)", () => {
  /** A DataTree with nodes under /zookeeper/ (digest 0), non-ASCII paths, null and empty data, ephemerals. */
  function digestTree(): DataTree {
    const t = new DataTree({ digestEnabled: true });
    let z = 0;
    const create = (path: string, data: Buffer | null, owner = 0n) => {
      const parent = path.slice(0, path.lastIndexOf("/")) || "/";
      const pn = t.getNode(parent)!;
      const zx = ++z;
      const r = t.processTxn(
        { clientId: owner || 1n, cxid: zx, zxid: BigInt(zx), time: 1_700_000_000_000n + BigInt(zx), type: 1 },
        { path, data, acl: [...OPEN_ACL], ephemeral: owner !== 0n, parentCVersion: pn.stat.cversion + 1 },
      );
      expect(r.err).toBe(0);
    };
    create("/a", Buffer.from("alpha"));
    create("/zookeeper/x", Buffer.from("under zookeeper"));
    create("/ünïcødé", null);
    create("/ünïcødé/日本語", Buffer.alloc(0));
    for (let i = 0; i < 300; i++) create(`/a/n${i}`, Buffer.alloc(i % 50, i), i % 7 === 0 ? 0x55n : 0n);
    return t;
  }

  it("a worker thread sums the digests of a zkts snapshot file; the tree built without them has the source's digest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkts-sdig-"));
    try {
      const s = new NodeStorage();
      const src = digestTree();
      const info = await snapshotTree(s, dir, src, new Map(), { time: 1 });
      const sums: Array<bigint | undefined> = [];
      const digester = async (p: string) => {
        const d = await snapshotDigestOffThread(p);
        sums.push(d);
        return d;
      };
      const dst = new DataTree({ digestEnabled: true });
      expect((await loadSnapshot(s, info.path, dst, info.zxid, { digester })).digestsElsewhere).toBe(true);
      expect(sums).toHaveLength(1);
      expect(sums[0]).toBeDefined();
      expect(BigInt.asIntN(64, sums[0]!)).toBe(src.digest());
      expect(dst.digest()).toBe(src.digest());
      // no node digest was computed while restoring
      expect(dst.getNode("/a/n5")!.digest).toBeUndefined();
      // no sum (a ZooKeeper-format snapshot, a missing file): undefined, and the tree sums the digests itself
      expect(await snapshotDigestOffThread(join(dir, "nope"))).toBeUndefined();
      const zk = await snapshotTree(s, join(dir, "zk"), src, new Map(), { time: 1, format: "zookeeper" });
      expect(await snapshotDigestOffThread(zk.path)).toBeUndefined();
      const dst2 = new DataTree({ digestEnabled: true });
      expect((await loadSnapshot(s, zk.path, dst2, zk.zxid, { digester: snapshotDigestOffThread })).digestsElsewhere).toBe(false);
      expect(dst2.digest()).toBe(src.digest());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
