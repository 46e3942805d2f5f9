import { describe, expect, it } from "vitest";
import { ManualClock } from "@zkts/contracts/testing";
import { AutoPurge } from "./autopurge.js";
import { MemoryStorage } from "./memory-storage.js";
import { TxnLog } from "./txnlog.js";
import { marshalTxn } from "./txn.js";
import { listSnapshots, writeSnapshot } from "./snapshot.js";
import { listLogFiles } from "./txnlog-reader.js";

const hdr = (zxid: bigint) => ({ clientId: 1n, cxid: 0, zxid, time: 0n, type: 2 });
const settle = () => new Promise((r) => setTimeout(r, 10));

describe("AutoPurge (DatadirCleanupManager)", () => {
  it("purges at start and then every interval, keeping at least 3 snapshots", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/log", { preAllocSize: 0 });
    let z = 0n;
    const grow = async (n: number) => {
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 10; k++) await log.append(marshalTxn(hdr(++z), { path: "/x" }));
        await log.roll();
        await writeSnapshot(s, "/data", { header: { zxid: z, time: 0 }, sessions: [], acls: [], nodes: [] });
      }
    };
    await grow(5);
    const clock = new ManualClock();
    const runs: number[] = [];
    // snapRetainCount 1 is raised to ZooKeeper's minimum 3
    const p = new AutoPurge({ storage: s, dataDir: "/data", dataLogDir: "/log", snapRetainCount: 1, intervalMs: 60_000, clock, onPurged: (r) => runs.push(r.removedSnapshots.length) });
    p.start();
    await settle();
    expect(runs).toEqual([2]);
    expect((await listSnapshots(s, "/data")).length).toBe(3);
    await grow(2);
    clock.advance(59_999);
    await settle();
    expect(runs).toEqual([2]);
    clock.advance(1);
    await settle();
    expect(runs).toEqual([2, 2]);
    expect((await listSnapshots(s, "/data")).map((x) => x.zxid)).toEqual([70n, 60n, 50n]);
    // logs a restore from snapshot 50 needs: the one holding txn 51 onwards
    expect((await listLogFiles(s, "/log")).map((f) => f.zxid)).toEqual([41n, 51n, 61n]);
    await p.stop();
    expect(clock.pendingTimers).toBe(0);
    await log.close();
  });

  it("is off with interval 0; a failed run is logged and the schedule goes on", async () => {
    const clock = new ManualClock();
    const s = new MemoryStorage();
    const off = new AutoPurge({ storage: s, dataDir: "/d", snapRetainCount: 3, intervalMs: 0, clock });
    off.start();
    expect(off.enabled).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    s.inject({ op: "list", code: "EIO", times: 1 });
    const p = new AutoPurge({ storage: s, dataDir: "/d", snapRetainCount: 3, intervalMs: 1000, clock });
    p.start();
    await settle();
    expect(p.stats).toMatchObject({ runs: 1, failures: 1 });
    clock.advance(1000);
    await settle();
    expect(p.stats).toMatchObject({ runs: 2, failures: 1 });
    await p.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
