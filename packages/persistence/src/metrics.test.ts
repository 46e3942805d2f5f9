import { M, MetricsRegistry } from "@zkts/metrics";
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "./memory-storage.js";
import { mixedTxns } from "./test-helpers.js";
import { TxnLog } from "./txnlog.js";

describe("TxnLog metrics", () => {
  it("records fsynctime per fdatasync and sync_processor_batch_size per batch", async () => {
    const metrics = new MetricsRegistry();
    // a clock that moves 3 ms between the two readings around each fdatasync
    let t = 0;
    const log = await TxnLog.open(new MemoryStorage(), "/d", { metrics, clock: { monotonic: () => (t += 1.5) } });
    const txns = mixedTxns(0x100000001n, true);
    await log.append(txns[0]!);
    await Promise.all(txns.slice(1).map((p) => log.append(p)));
    await log.close();
    const fsync = metrics.summary(M.FSYNC_TIME);
    const batch = metrics.summary(M.SYNC_PROCESSOR_BATCH_SIZE);
    expect(batch.sum).toBe(txns.length);
    expect(batch.count).toBe(log.stats.batches);
    expect(batch.min).toBe(1);
    expect(fsync.count).toBe(log.stats.batches);
    expect(fsync.min).toBe(1);
    expect(fsync.max).toBe(1);
  });

  it("records no fsync time without forceSync", async () => {
    const metrics = new MetricsRegistry();
    const log = await TxnLog.open(new MemoryStorage(), "/d", { metrics, forceSync: false });
    await log.append(mixedTxns(1n, true)[0]!);
    await log.close();
    expect(metrics.summary(M.FSYNC_TIME).count).toBe(0);
    expect(metrics.summary(M.SYNC_PROCESSOR_BATCH_SIZE).count).toBe(1);
  });
});
