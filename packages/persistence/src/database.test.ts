import { describe, expect, it } from "vitest";
import { ManualClock, seededRandom } from "@zkts/contracts/testing";
import type { ACL, StatPersisted, TxnHeader } from "@zkts/jute";
import { DataTree } from "@zkts/datatree";
import { DurableStore, restoreDatabase, type PersistentTree } from "./database.js";
import { MemoryStorage } from "./memory-storage.js";
import { SlowSnapshotStorage } from "./slow-snapshot-storage.js";
import { countSnapshotNodes } from "./counted-tree.js";
import { listSnapshots } from "./snapshot.js";
import { TxnType } from "./txn.js";
import { OPEN_ACL } from "./test-helpers.js";

/** A tree of one node whose zxid the test moves along with the txns it logs (the core applies them in a server). */
class CountingTree implements PersistentTree {
  lastProcessedZxid = 0n;
  private readonly root = { path: "", data: Buffer.alloc(0), acl: -1, stat: { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n } satisfies StatPersisted };
  readonly acls = { entries: (): Array<[number, readonly ACL[]]> => [], convertLong: (): readonly ACL[] => [] };
  snapshotNodes() {
    return [this.root];
  }
  processTxn(header: TxnHeader): { err: number } {
    this.lastProcessedZxid = header.zxid;
    return { err: 0 };
  }
  restore(): void {}
}

const until = async (what: string, cond: () => boolean) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

describe("DurableStore snapshot cadence", () => {
  it("a snapshot falling due while the previous one is being written starts when that one ends (the log tail stays short)", async () => {
    const storage = new SlowSnapshotStorage();
    const tree = new CountingTree();
    const store = await DurableStore.open({ storage, dataDir: "/d", tree, snapCount: 10, random: seededRandom(7), clock: new ManualClock(), forceSync: false });
    // the start-up snapshot of the empty data dir
    await until("the start-up snapshot", () => storage.waiting === 1);
    storage.releaseAll();
    await store.idle();
    expect(store.stats.snapshots).toBe(1);

    let zxid = 0n;
    const logUntilSnapshotStarts = async () => {
      const before = storage.waiting;
      // a snapshot is due after more than snapCount/2 + random(snapCount/2) txns: at most 11 here
      for (let i = 0; i < 11 && storage.waiting === before; i++) {
        zxid++;
        const header = { clientId: 1n, cxid: 0, zxid, time: 0n, type: TxnType.setData };
        tree.processTxn(header);
        store.logTxn(header, { path: "/", data: Buffer.alloc(1), version: -1 });
        await until("the log", () => store.lastDurableZxid === zxid);
      }
    };
    // a snapshot falls due and starts; it is slow (held)
    await logUntilSnapshotStarts();
    expect(storage.waiting).toBe(1);
    const firstAt = zxid;
    // the next falls due while it is still being written, and again: none may be lost for good
    for (let i = 0; i < 11 * 2; i++) {
      zxid++;
      const header = { clientId: 1n, cxid: 0, zxid, time: 0n, type: TxnType.setData };
      tree.processTxn(header);
      store.logTxn(header, { path: "/", data: Buffer.alloc(1), version: -1 });
      await until("the log", () => store.lastDurableZxid === zxid);
    }
    const lastLogged = zxid;
    expect(storage.waiting).toBe(1);
    storage.releaseAll();
    // the first completes; the one that fell due meanwhile starts at once, covering the txns logged since
    await until("the deferred snapshot", () => storage.waiting === 1);
    storage.releaseAll();
    await store.idle();
    const snaps = (await listSnapshots(storage, "/d")).map((s) => s.zxid);
    expect(snaps[1]).toBe(firstAt);
    expect(snaps[0]).toBe(lastLogged);
    expect(store.stats.snapshots).toBe(3);
    await store.close();
  });

  it("dues collapse into one snapshot after the running one, and none starts after close", async () => {
    const storage = new SlowSnapshotStorage();
    const tree = new CountingTree();
    const store = await DurableStore.open({ storage, dataDir: "/d", tree, snapCount: 2, random: seededRandom(1), clock: new ManualClock(), forceSync: false });
    await until("the start-up snapshot", () => storage.waiting === 1);
    // snapCount 2: due after every txn; ten dues while the start-up snapshot is held
    for (let zxid = 1n; zxid <= 10n; zxid++) {
      const header = { clientId: 1n, cxid: 0, zxid, time: 0n, type: TxnType.setData };
      tree.processTxn(header);
      store.logTxn(header, { path: "/", data: Buffer.alloc(1), version: -1 });
    }
    await until("the log", () => store.lastDurableZxid === 10n);
    storage.releaseAll();
    await until("the deferred snapshot", () => storage.waiting === 1);
    const closing = store.close();
    storage.releaseAll();
    await closing;
    expect(store.stats.snapshots).toBe(2);
    expect((await listSnapshots(storage, "/d")).map((s) => s.zxid)).toEqual([10n, 0n]);
  });
});

describe("DurableStore close during a snapshot (issue 18)", () => {
  for (const format of ["zkts", "zookeeper"] as const) {
    it(`snapshot.format=${format}: close cancels the snapshot at its next slice, removes its partial file, and a restore gives every txn`, async () => {
      const storage = new MemoryStorage();
      const tree = countSnapshotNodes(new DataTree());
      // every clock reading moves 1 ms on: with sliceMs 1 the writer yields (and checks for a close) every 4 nodes
      let ms = 0;
      const clock = { now: () => 1_700_000_000_000 + ms, monotonic: () => ++ms };
      const store = await DurableStore.open({
        storage, dataDir: "/d", tree, snapCount: 1_000_000, random: seededRandom(3), clock, sliceMs: 1, snapshotFormat: format, forceSync: true,
      });
      await store.idle(); // the start-up snapshot (of the empty tree, zxid 0)
      expect(store.stats.snapshots).toBe(1);
      const N = 4000;
      for (let z = 1n; z <= BigInt(N); z++) {
        const header = { clientId: 1n, cxid: 0, zxid: z, time: 0n, type: TxnType.create };
        const txn = { path: `/n${z}`, data: Buffer.from(`v${z}`), acl: OPEN_ACL, ephemeral: false, parentCVersion: Number(z) };
        tree.processTxn(header, txn);
        store.logTxn(header, txn);
      }
      await until("the log", () => store.lastDurableZxid === BigInt(N));
      tree.taken = 0;
      store.startSnapshot();
      await until("the snapshot to be under way", () => tree.taken >= 100);
      const takenAtClose = tree.taken;
      await store.close();
      // stopped within a slice or two, not after the 4,000 nodes
      expect(tree.taken - takenAtClose).toBeLessThan(50);
      expect(store.stats.cancelledSnapshots).toBe(1);
      expect(store.stats.snapshots).toBe(1);
      // no partial file left (neither the temp file nor a truncated snapshot), the previous snapshot kept
      expect(await storage.list("/d/version-2")).not.toContainEqual(expect.stringMatching(/^tmp\./));
      expect((await listSnapshots(storage, "/d")).map((s) => s.zxid)).toEqual([0n]);
      // a restart restores the previous snapshot and replays every txn from the log
      storage.crash();
      const back = new DataTree();
      const restored = await restoreDatabase({ storage, dataDir: "/d", tree: back });
      expect(restored.snapshot?.zxid).toBe(0n);
      expect(restored.replayed).toBe(N);
      expect(restored.zxid).toBe(BigInt(N));
      expect(back.nodeCount()).toBe(tree.nodeCount());
      expect(back.digest()).toBe(tree.digest());
      expect(back.getData(`/n${N}`)?.data?.toString()).toBe(`v${N}`);
    });
  }
});
