import { afterEach, describe, expect, it } from "vitest";
import { setDataTxn, storageCases } from "./test-helpers.js";
import { TxnLog } from "./txnlog.js";
import { listLogFiles, readTxnLog } from "./txnlog-reader.js";
import { truncateLogAfter } from "./truncate.js";
import type { Storage } from "./storage.js";

async function zxids(storage: Storage, dir: string): Promise<bigint[]> {
  const out: bigint[] = [];
  for await (const e of readTxnLog(storage, dir)) out.push(e.zxid);
  return out;
}

for (const sc of storageCases) {
  describe(`truncateLogAfter (TRUNC) on ${sc.name}`, () => {
    let cleanup = () => {};
    afterEach(() => cleanup());

    it("drops every txn after the zxid across files, and the log continues from it", async () => {
      const c = sc.make();
      cleanup = c.cleanup;
      const { storage, dir } = c;
      let log = await TxnLog.open(storage, dir, { preAllocSize: 4096 });
      for (let z = 1n; z <= 5n; z++) await log.append(setDataTxn(0x100000000n + z));
      await log.roll();
      for (let z = 6n; z <= 9n; z++) await log.append(setDataTxn(0x100000000n + z));
      await log.roll();
      await log.append(setDataTxn(0x200000001n));
      await log.close();
      expect((await listLogFiles(storage, dir)).length).toBe(3);

      expect(await truncateLogAfter(storage, dir, 0x100000003n)).toBe(7);
      expect(await zxids(storage, dir)).toEqual([0x100000001n, 0x100000002n, 0x100000003n]);
      expect((await listLogFiles(storage, dir)).map((f) => f.name)).toEqual(["log.100000001"]);
      expect(await truncateLogAfter(storage, dir, 0x100000003n)).toBe(0); // idempotent

      log = await TxnLog.open(storage, dir, { preAllocSize: 4096, lastZxid: 0x100000003n });
      await log.append(setDataTxn(0x200000001n));
      await log.close();
      expect(await zxids(storage, dir)).toEqual([0x100000001n, 0x100000002n, 0x100000003n, 0x200000001n]);

      // cutting at a file's first txn removes the file
      expect(await truncateLogAfter(storage, dir, 0x100000003n)).toBe(1);
      expect((await listLogFiles(storage, dir)).map((f) => f.name)).toEqual(["log.100000001"]);
      expect(await truncateLogAfter(storage, dir, 0n)).toBe(3);
      expect(await zxids(storage, dir)).toEqual([]);
    });
  });
}
