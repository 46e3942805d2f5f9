import { describe, expect, it } from "vitest";
import { MemoryStorage } from "./memory-storage.js";
import { purgeDataDirs } from "./database.js";
import { TxnLog } from "./txnlog.js";
import { marshalTxn } from "./txn.js";
import { writeSnapshot, listSnapshots } from "./snapshot.js";
import { listLogFiles } from "./txnlog-reader.js";

const hdr = (zxid: bigint) => ({ clientId: 1n, cxid: 0, zxid, time: 0n, type: 2 });

describe("purgeDataDirs (PurgeTxnLog)", () => {
  it("keeps the n newest valid snapshots and every log a restore from the oldest needs", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/log", { preAllocSize: 0 });
    // logs start at 1, 11, 21, 31, 41; snapshots at 5, 15, 25, 35, 45
    for (let z = 1n; z <= 50n; z++) {
      await log.append(marshalTxn(hdr(z), { path: "/x" }));
      if (z % 10n === 0n) await log.roll();
      if (z % 10n === 5n) await writeSnapshot(s, "/data", { header: { zxid: z, time: 0 }, sessions: [], acls: [], nodes: [] });
    }
    await log.close();
    // the newest snapshot is damaged: it is not counted
    const f = await s.open("/data/version-2/snapshot.2d", "append");
    await f.write(Buffer.from([0xff]), 3);
    await f.close();
    const r = await purgeDataDirs({ storage: s, dataDir: "/data", dataLogDir: "/log" }, 3);
    expect(r.retained.map((p) => p.split("/").pop())).toEqual(["snapshot.23", "snapshot.19", "snapshot.f"]);
    expect((await listSnapshots(s, "/data")).map((x) => x.name).sort()).toEqual(["snapshot.19", "snapshot.23", "snapshot.2d", "snapshot.f"]);
    // snapshot.f (zxid 15) needs log.b (txns 11..20) and everything after
    expect((await listLogFiles(s, "/log")).map((x) => x.name)).toEqual(["log.b", "log.15", "log.1f", "log.29"]);
    expect(r.removedLogs.map((p) => p.split("/").pop())).toEqual(["log.1"]);
    expect(r.removedSnapshots.map((p) => p.split("/").pop())).toEqual(["snapshot.5"]);
  });

  it("does nothing without a valid snapshot", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/log", { preAllocSize: 0 });
    await log.append(marshalTxn(hdr(1n), { path: "/x" }));
    await log.close();
    const r = await purgeDataDirs({ storage: s, dataDir: "/data", dataLogDir: "/log" }, 3);
    expect(r).toEqual({ retained: [], removedSnapshots: [], removedLogs: [] });
    expect(await listLogFiles(s, "/log")).toHaveLength(1);
  });
});
