import { nullLogger } from "@zkts/contracts";
import { ManualClock, seededRandom } from "@zkts/contracts/testing";
import { DataTree } from "@zkts/datatree";
import { zeroStatPersisted } from "@zkts/jute";
import { TxnType, marshalTxn, parseZkSnapshot, serializeZkSnapStream } from "@zkts/persistence";
import { MemoryStorage, SlowSnapshotStorage, countSnapshotNodes } from "@zkts/persistence/testing";
import { describe, expect, it } from "vitest";
import { EnsembleStore } from "./store.js";

function open(storage: MemoryStorage, tree = new DataTree(), snapshotFormat?: "zkts" | "zookeeper") {
  return EnsembleStore.open({
    storage,
    dataDir: "/data",
    dataLogDir: "/log",
    tree,
    ...(snapshotFormat ? { snapshotFormat } : {}),
    forceSync: true,
    preAllocSize: 4096,
    snapCount: 100,
    logger: nullLogger,
    clock: new ManualClock(),
    random: seededRandom(1),
  });
}

describe("EnsembleStore epoch files", () => {
  it("keeps acceptedEpoch and currentEpoch in <dataDir>/version-2, as ZooKeeper does, and reads them back", async () => {
    const storage = new MemoryStorage();
    const s = await open(storage);
    expect([s.acceptedEpoch, s.currentEpoch]).toEqual([0n, 0n]);
    await s.persist([{ kind: "acceptedEpoch", epoch: 5n }, { kind: "currentEpoch", epoch: 4n }]);
    await s.close();
    expect(storage.peek("/data/version-2/acceptedEpoch")?.toString().trim()).toBe("5");
    expect(storage.peek("/data/version-2/currentEpoch")?.toString().trim()).toBe("4");
    expect(storage.peek("/data/acceptedEpoch")).toBeUndefined();
    storage.crash(); // written durably before persist resolved
    const again = await open(storage);
    expect([again.acceptedEpoch, again.currentEpoch]).toEqual([5n, 4n]);
    await again.close();
  });

  it("moves epoch files from where earlier zkts kept them (<dataDir>) into version-2", async () => {
    const storage = new MemoryStorage();
    storage.poke("/data/acceptedEpoch", Buffer.from("7\n"));
    storage.poke("/data/currentEpoch", Buffer.from("6\n"));
    const s = await open(storage);
    expect([s.acceptedEpoch, s.currentEpoch]).toEqual([7n, 6n]);
    await s.close();
    expect(storage.peek("/data/acceptedEpoch")).toBeUndefined();
    storage.crash();
    expect(storage.peek("/data/version-2/acceptedEpoch")?.toString().trim()).toBe("7");
    expect(storage.peek("/data/version-2/currentEpoch")?.toString().trim()).toBe("6");
  });
});

describe("EnsembleStore snapshot.format=zookeeper", () => {
  it("writes the snapshot after SNAP in ZooKeeper's format (with the digest) and restores from it", async () => {
    const storage = new MemoryStorage();
    const tree = new DataTree();
    const s = await open(storage, tree, "zookeeper");
    const stat = (z: bigint) => ({ ...zeroStatPersisted(), czxid: z, mzxid: z, pzxid: z });
    const world = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
    const snap = serializeZkSnapStream({
      sessions: [{ id: 0x55n, timeout: 9000 }],
      acls: [{ ref: 1n, acl: world }],
      nodes: [
        { path: "", data: Buffer.alloc(0), aclRef: -1n, stat: { ...stat(0n), cversion: 2 } },
        { path: "/a", data: Buffer.from("one"), aclRef: 1n, stat: stat(0x100000001n) },
        { path: "/zookeeper", data: Buffer.alloc(0), aclRef: -1n, stat: stat(0n) },
      ],
    });
    await s.persist([{ kind: "snapshot", zxid: 0x100000001n, data: snap }]);
    await s.close();
    const bytes = storage.peek("/data/version-2/snapshot.100000001")!;
    expect(bytes.readUInt32BE(0)).toBe(0x5a4b534e); // "ZKSN"
    const parsed = parseZkSnapshot(bytes, "snapshot.100000001", 0x100000001n);
    expect(parsed.nodes.map((n) => n.path)).toContain("/a");
    expect(parsed.digest).toEqual(tree.lastProcessedZxidDigest());
    const back = new DataTree();
    const again = await open(storage, back, "zookeeper");
    expect(again.snapshotZxid).toBe(0x100000001n);
    expect([...again.sessions]).toEqual([[0x55n, 9000]]);
    expect(back.digest()).toBe(tree.digest());
    await again.close();
  });
});

describe("EnsembleStore restore", () => {
  it("refuses to start when snapshots are there but none verifies (the log alone would lose what only they held)", async () => {
    const storage = new MemoryStorage();
    const s = await open(storage, new DataTree(), "zookeeper");
    const root = { path: "", data: Buffer.alloc(0), aclRef: -1n, stat: zeroStatPersisted() };
    const zk = { path: "/zookeeper", data: Buffer.alloc(0), aclRef: -1n, stat: zeroStatPersisted() };
    await s.persist([{ kind: "snapshot", zxid: 0x100000001n, data: serializeZkSnapStream({ sessions: [], acls: [], nodes: [root, zk] }) }]);
    await s.close();
    const intact = await open(storage);
    expect(intact.snapshotZxid, "the intact snapshot restores").toBe(0x100000001n);
    await intact.close();
    const path = "/data/version-2/snapshot.100000001";
    const bytes = Buffer.from(storage.peek(path)!);
    bytes[bytes.length - 12] ^= 0xff; // inside the Adler32 seal
    storage.poke(path, bytes);
    await expect(open(storage)).rejects.toThrow(/no valid snapshot in \/data\/version-2/);
  });
});

describe("EnsembleStore snapshot cadence", () => {
  it("a snapshot falling due while the previous one is being written starts once that one ends (not skipped)", async () => {
    const storage = new SlowSnapshotStorage();
    const tree = new DataTree();
    const s = await EnsembleStore.open({
      storage, dataDir: "/data", dataLogDir: "/log", tree, forceSync: false, preAllocSize: 4096,
      snapCount: 2, logger: nullLogger, clock: new ManualClock(), random: seededRandom(1),
    });
    const until = async (what: string, cond: () => boolean) => {
      for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setImmediate(r));
      if (!cond()) throw new Error(`timed out waiting for ${what}`);
    };
    const txn = (zxid: bigint) => ({
      zxid,
      data: marshalTxn({ clientId: 1n, cxid: 0, zxid, time: 0n, type: TxnType.setData }, { path: "/", data: Buffer.alloc(1), version: -1 }),
    });
    let zxid = 0n;
    const logUntilDue = async () => {
      // snapCount 2: due after at most 2 txns
      for (let i = 0; i < 3 && !s.snapshotDue; i++) await s.append([txn(++zxid)]);
      expect(s.snapshotDue).toBe(true);
    };
    await logUntilDue();
    s.maybeSnapshot(tree.lastProcessedZxid);
    await until("the first snapshot", () => storage.waiting === 1);
    await logUntilDue();
    s.maybeSnapshot(tree.lastProcessedZxid); // due while the first is held
    storage.releaseAll();
    await until("the first snapshot to end", () => storage.peek("/data/version-2/snapshot.0") !== undefined);
    for (let i = 0; i < 20 && storage.waiting === 0; i++) {
      await new Promise((r) => setImmediate(r));
      s.maybeSnapshot(tree.lastProcessedZxid); // ZAB calls it after every batch of events
    }
    expect(storage.waiting).toBe(1);
    storage.releaseAll();
    await s.close();
  });
});

describe("EnsembleStore close during a snapshot (issue 18)", () => {
  for (const format of ["zkts", "zookeeper"] as const) {
    it(`snapshot.format=${format}: close cancels the background snapshot, leaves no partial file, and a restart gets every logged txn`, async () => {
      const storage = new MemoryStorage();
      const tree = countSnapshotNodes(new DataTree());
      // every clock reading moves 1 ms on: the writer (4 ms slices) yields, and checks for a close, every 16 nodes
      let ms = 0;
      const clock = { now: () => 1_700_000_000_000 + ms, monotonic: () => ++ms };
      const s = await EnsembleStore.open({
        storage, dataDir: "/data", dataLogDir: "/log", tree, forceSync: true, preAllocSize: 4096, snapshotFormat: format,
        snapCount: 2, logger: nullLogger, clock, random: seededRandom(1),
      });
      const world = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
      const N = 4000;
      const txns = [];
      for (let z = 1n; z <= BigInt(N); z++) {
        const header = { clientId: 1n, cxid: 0, zxid: z, time: 0n, type: TxnType.create };
        const txn = { path: `/n${z}`, data: Buffer.from(`v${z}`), acl: world, ephemeral: false, parentCVersion: Number(z) };
        tree.processTxn(header, txn);
        txns.push({ zxid: z, data: marshalTxn(header, txn) });
      }
      await s.append(txns);
      expect(s.snapshotDue).toBe(true);
      s.maybeSnapshot(tree.lastProcessedZxid);
      for (let i = 0; i < 2000 && tree.taken < 100; i++) await new Promise((r) => setImmediate(r));
      expect(tree.taken).toBeGreaterThanOrEqual(100);
      const takenAtClose = tree.taken;
      await s.close();
      expect(tree.taken - takenAtClose, "stopped within a slice or two").toBeLessThan(100);
      expect(await storage.list("/data/version-2")).not.toContainEqual(expect.stringMatching(/^(tmp\.)?snapshot\./));
      storage.crash();
      const again = await open(storage);
      expect(again.snapshotZxid).toBe(0n);
      expect(again.restoredLog.length).toBe(N);
      expect(again.restoredLog.at(-1)?.zxid).toBe(BigInt(N));
      await again.close();
    });
  }
});
