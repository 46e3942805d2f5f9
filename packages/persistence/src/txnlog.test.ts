import { afterEach, describe, expect, it } from "vitest";
import { LogClosedError, LogWriteError, ZxidOrderError } from "./errors.js";
import { FILE_HEADER_SIZE, makeLogName, sizeWithPadding } from "./log-format.js";
import { seededRandom } from "@zkts/contracts/testing";
import { MemoryStorage } from "./memory-storage.js";
import { joinPath, readWholeFile } from "./storage.js";
import { mixedTxns, setDataTxn, storageCases } from "./test-helpers.js";
import { TxnType, decodeTxn, marshalTxn } from "./txn.js";
import { TxnLog } from "./txnlog.js";
import { listLogFiles, readTxnLog, truncateTornTail, type LogEntry } from "./txnlog-reader.js";
import type { Storage } from "./storage.js";

async function readAll(storage: Storage, dir: string, fromZxid?: bigint) {
  const r = readTxnLog(storage, dir, fromZxid === undefined ? {} : { fromZxid });
  const out: LogEntry[] = [];
  for await (const e of r) out.push(e);
  return { entries: out, end: r.end! };
}

describe("sizeWithPadding (FilePadding.calculateFileSizeWithPadding)", () => {
  it("grows by a block when within 4 KiB of the end, to the next boundary when overrun", () => {
    const P = 65536;
    expect(sizeWithPadding(16, 16, P)).toBe(16 + P);
    expect(sizeWithPadding(1000, 16 + P, P)).toBe(16 + P);
    expect(sizeWithPadding(P - 4000, P + 16, P)).toBe(2 * P + 16);
    expect(sizeWithPadding(3 * P + 5, P, P)).toBe(4 * P);
    expect(sizeWithPadding(123, 16, 0)).toBe(16);
  });
});

for (const sc of storageCases) {
  describe(`TxnLog on ${sc.name}`, () => {
    let cleanup = () => {};
    afterEach(() => cleanup());
    const setup = () => {
      const c = sc.make();
      cleanup = c.cleanup;
      return c;
    };

    it("writes ZooKeeper's file layout and reads every txn back", async () => {
      const { storage, dir } = setup();
      const log = await TxnLog.open(storage, dir, { preAllocSize: 8192 });
      const txns = mixedTxns(0x100000001n, true);
      await Promise.all(txns.map((t) => log.append(t)));
      await log.close();
      const files = await listLogFiles(storage, dir);
      expect(files.map((f) => f.name)).toEqual([makeLogName(0x100000001n)]);
      expect(files[0]!.name).toBe("log.100000001");
      const bytes = await readWholeFile(storage, files[0]!.path);
      expect(bytes.subarray(0, 16).toString("hex")).toBe("5a4b4c4700000002" + "0000000000000000");
      expect((bytes.length - 16) % 8192).toBe(0); // header + whole preallocated blocks, as ZooKeeper
      const { entries, end } = await readAll(storage, dir);
      expect(entries.map((e) => e.payload)).toEqual(txns);
      expect(entries.map((e) => e.zxid)).toEqual(txns.map((_, i) => 0x100000001n + BigInt(i)));
      expect(end.reason).toBe("preallocated");
      expect(entries[0]!.offset).toBe(FILE_HEADER_SIZE);
      const d = decodeTxn(entries[1]!.payload);
      expect(d.header.type).toBe(1);
      expect((d.txn as { path: string }).path).toBe("/a");
      expect(d.digest).toEqual({ version: 2, treeDigest: 0x1234567890n });
    });

    it("group-commits concurrent appends: one fdatasync covers every append that queued meanwhile", async () => {
      const { storage, dir } = setup();
      const log = await TxnLog.open(storage, dir, { preAllocSize: 1 << 20 });
      const n = 500;
      const done: number[] = [];
      await Promise.all(
        Array.from({ length: n }, (_, i) => log.append(setDataTxn(BigInt(i + 1))).then(() => done.push(i))),
      );
      expect(done).toEqual(Array.from({ length: n }, (_, i) => i)); // acknowledged in order
      expect(log.stats.entries).toBe(n);
      expect(log.stats.syncs).toBe(log.stats.batches);
      expect(log.stats.syncs).toBeLessThanOrEqual(3);
      expect(log.lastDurableZxid).toBe(BigInt(n));
      await log.close();
      expect((await readAll(storage, dir)).entries.length).toBe(n);
    });

    it("roll() starts a new file named after its first zxid; reading from a zxid picks files as ZooKeeper", async () => {
      const { storage, dir } = setup();
      const log = await TxnLog.open(storage, dir, { preAllocSize: 4096 });
      for (let z = 1n; z <= 5n; z++) await log.append(setDataTxn(z));
      const rolled = log.roll();
      const more = [6n, 7n, 8n].map((z) => log.append(setDataTxn(z)));
      await rolled;
      await Promise.all(more);
      await log.roll();
      await log.append(setDataTxn(0x20n));
      await log.close();
      expect((await listLogFiles(storage, dir)).map((f) => f.name)).toEqual(["log.1", "log.6", "log.20"]);
      const all = await readAll(storage, dir);
      expect(all.entries.map((e) => e.zxid)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 0x20n]);
      const from7 = await readAll(storage, dir, 7n);
      expect(from7.entries.map((e) => e.zxid)).toEqual([7n, 8n, 0x20n]);
      expect(from7.entries[0]!.file.endsWith("log.6")).toBe(true);
      expect(from7.end.lastZxid).toBe(0x20n);
    });

    it("rejects non-increasing zxids and appends after close", async () => {
      const { storage, dir } = setup();
      const log = await TxnLog.open(storage, dir, { preAllocSize: 4096, lastZxid: 10n });
      await expect(log.append(setDataTxn(10n))).rejects.toBeInstanceOf(ZxidOrderError);
      await log.append(setDataTxn(11n));
      await expect(log.append(setDataTxn(11n))).rejects.toBeInstanceOf(ZxidOrderError);
      await log.close();
      await expect(log.append(setDataTxn(12n))).rejects.toBeInstanceOf(LogClosedError);
    });
  });
}

describe("TxnLog.appendAll start", () => {
  /** Batches dispatched (their writes issued) by the time the current turn's setImmediate callbacks run. */
  async function dispatchedBeforeNextTurn(start: "nextTurn" | "now" | undefined): Promise<{ sync: number; turn: number }> {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/data", { preAllocSize: 8192 });
    await log.appendAll([{ zxid: 1n, data: setDataTxn(1n) }]); // the file is open
    const before = log.stats.batches;
    const turn = new Promise<number>((r) => setImmediate(() => r(log.stats.batches - before)));
    const a = log.appendAll([{ zxid: 2n, data: setDataTxn(2n) }], start);
    const sync = log.stats.batches - before;
    // a second batch while the first is being written (two may be in flight)
    const b = log.appendAll([{ zxid: 3n, data: setDataTxn(3n) }], start);
    const result = { sync, turn: await turn };
    await Promise.all([a, b]);
    expect(log.lastDurableZxid).toBe(3n);
    await log.close();
    expect((await readAll(s, "/data")).entries.map((e) => e.zxid)).toEqual([1n, 2n, 3n]);
    return result;
  }

  it('"now" issues the write at once (the second batch\'s in a microtask), not after the next turn\'s I/O callbacks', async () => {
    expect(await dispatchedBeforeNextTurn("now")).toEqual({ sync: 1, turn: 2 });
  });

  it("by default the write starts a turn later, so that the appends of one round of I/O share a batch", async () => {
    expect(await dispatchedBeforeNextTurn(undefined)).toEqual({ sync: 0, turn: 0 });
  });
});

describe("TxnLog durability (MemoryStorage)", () => {
  it("forceSync=false writes without syncing", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/data", { preAllocSize: 4096, forceSync: false });
    await Promise.all([1n, 2n, 3n].map((z) => log.append(setDataTxn(z))));
    expect(s.ops.datasync).toBe(0);
    expect(log.stats.syncs).toBe(0);
    await log.close();
    expect((await readAll(s, "/data")).entries.length).toBe(3);
  });

  it("an acknowledged append survives a crash, including the new file's directory entry", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/data", { preAllocSize: 4096 });
    await log.append(setDataTxn(1n));
    await log.append(setDataTxn(2n));
    s.crash();
    const { entries } = await readAll(s, "/data");
    expect(entries.map((e) => e.zxid)).toEqual([1n, 2n]);
  });

  for (const [label, fault] of [
    ["ENOSPC on write", { op: "write", code: "ENOSPC" }],
    ["EIO on fdatasync", { op: "datasync", code: "EIO" }],
    ["EIO on the directory fsync of a new file", { op: "syncDir", code: "EIO" }],
  ] as const) {
    it(`${label}: rejects every pending append, resolves none, and recovers once storage works`, async () => {
      const s = new MemoryStorage();
      const log = await TxnLog.open(s, "/data", { preAllocSize: 4096 });
      if (fault.op !== "syncDir") await log.append(setDataTxn(1n));
      s.inject({ ...fault });
      const first = fault.op === "syncDir" ? 1n : 2n;
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => log.append(setDataTxn(first + BigInt(i)))),
      );
      expect(results.every((r) => r.status === "rejected")).toBe(true);
      const reason = (results[0] as PromiseRejectedResult).reason as LogWriteError;
      expect(reason).toBeInstanceOf(LogWriteError);
      expect(reason.message).toContain(fault.code);
      expect(log.lastDurableZxid).toBe(first - 1n);
      // Still broken: still rejected.
      await expect(log.append(setDataTxn(first))).rejects.toBeInstanceOf(LogWriteError);
      s.clearFaults();
      // Retry with fewer (and different) txns than the failed batch: stale rejected bytes must not reappear.
      await log.append(setDataTxn(first, 10));
      await log.append(setDataTxn(first + 1n, 10));
      s.crash();
      const { entries, end } = await readAll(s, "/data");
      expect(entries.map((e) => e.zxid)).toEqual([...(first === 2n ? [1n] : []), first, first + 1n]);
      expect(entries.at(-1)!.payload).toEqual(setDataTxn(first + 1n, 10));
      expect(["preallocated", "eof"]).toContain(end.reason);
    });
  }

  it("appends made while a failed batch's file is being cleaned up fail with it: nothing behind a failed txn becomes durable", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/data", { preAllocSize: 4096 });
    // the failed file's removal waits for the test: appends arrive meanwhile, and storage works again
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let removing = false;
    const remove = s.remove.bind(s);
    s.remove = async (path: string) => {
      removing = true;
      await gate;
      return remove(path);
    };
    s.inject({ op: "write", code: "ENOSPC", times: 1 });
    const early = [1n, 2n, 3n].map((z) => log.append(setDataTxn(z)));
    for (let i = 0; i < 100 && !removing; i++) await new Promise((r) => setImmediate(r));
    expect(removing).toBe(true);
    const late = [4n, 5n, 6n].map((z) => log.append(setDataTxn(z)));
    release();
    const results = await Promise.allSettled([...early, ...late]);
    expect(results.map((r) => r.status)).toEqual(new Array(6).fill("rejected"));
    expect(log.lastDurableZxid).toBe(0n);
    // the same zxids go to the log afterwards
    s.remove = remove;
    await log.append(setDataTxn(1n));
    await log.close();
    expect((await readAll(s, "/data")).entries.map((e) => e.zxid)).toEqual([1n]);
  });

  it("ENOSPC while preallocating: fails the batch, and works once space is freed", async () => {
    const s = new MemoryStorage({ capacity: 3000 });
    const log = await TxnLog.open(s, "/data", { preAllocSize: 4096 });
    await expect(log.append(setDataTxn(1n))).rejects.toMatchObject({ name: "LogWriteError" });
    s.capacity = undefined;
    await log.append(setDataTxn(1n));
    await log.close();
    const files = await listLogFiles(s, "/data");
    expect(files.map((f) => f.name)).toEqual(["log.1"]);
    expect((await readAll(s, "/data")).entries.length).toBe(1);
  });

  it("a rejected append is never read back, even when the process dies before the next batch (kill -9)", async () => {
    // EIO on fdatasync: the batch was written whole; ENOSPC: a short write leaves whole entries before it fails.
    for (const fault of ["EIO", "ENOSPC"] as const) {
      const s = new MemoryStorage();
      const log = await TxnLog.open(s, "/data", { preAllocSize: 0 });
      await log.append(setDataTxn(1n));
      const file = (await listLogFiles(s, "/data"))[0]!.path;
      const entry = setDataTxn(2n).length + 13;
      if (fault === "EIO") s.inject({ op: "datasync", code: "EIO", times: 1 });
      else s.capacity = (await s.size(file))! + 2 * entry + 50; // 2 (alone in its batch), 3 whole, 4 torn
      // EIO: 2, 3 and 4 share one batch. ENOSPC: 2 goes out alone (the writer starts after the current round of
      // callbacks), 3 and 4 form the next batch.
      const p2 = log.append(setDataTxn(2n));
      p2.catch(() => {});
      if (fault === "ENOSPC") await new Promise((r) => setImmediate(r));
      const rs = await Promise.allSettled([p2, log.append(setDataTxn(3n)), log.append(setDataTxn(4n))]);
      const acked = fault === "EIO" ? [1n] : [1n, 2n];
      expect(rs.map((r) => r.status), fault).toEqual(fault === "EIO" ? ["rejected", "rejected", "rejected"] : ["fulfilled", "rejected", "rejected"]);
      // no crash(): a killed process leaves the page cache, and so every byte it wrote, in place
      expect((await readAll(s, "/data")).entries.map((e) => e.zxid), fault).toEqual(acked);
      s.capacity = undefined;
      await log.append(setDataTxn(5n));
      expect((await readAll(s, "/data")).entries.map((e) => e.zxid), fault).toEqual([...acked, 5n]);
    }
  });

  it("rolling after a failed batch zero-fills the rejected entries durably", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/data", { preAllocSize: 4096 });
    await log.append(setDataTxn(1n));
    s.inject({ op: "datasync", code: "EIO", times: 1 });
    await expect(log.append(setDataTxn(2n))).rejects.toBeInstanceOf(LogWriteError);
    await log.roll();
    await log.append(setDataTxn(2n, 5));
    s.crash();
    const { entries } = await readAll(s, "/data");
    expect(entries.map((e) => [e.zxid, e.file.split("/").pop()])).toEqual([
      [1n, "log.1"],
      [2n, "log.2"],
    ]);
  });

  it("random crashes with torn writes: recovery keeps every acknowledged txn and a clean prefix", async () => {
    const ends = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const rnd = () => random.next();
      const s = new MemoryStorage({ yieldEachOp: true });
      let next = 1n;
      const acked: bigint[] = [];
      for (let life = 0; life < 4; life++) {
        // recover
        const r = readTxnLog(s, "/data");
        const seen: bigint[] = [];
        for await (const e of r) seen.push(e.zxid);
        // every acknowledged txn is there, in order, and what is there is a gap-free sequence
        expect(seen.slice(0, acked.length)).toEqual(acked);
        expect(seen).toEqual(seen.map((_, i) => 1n + BigInt(i)));
        ends.add(r.end!.reason);
        await truncateTornTail(s, "/data", r.end!);
        acked.splice(0, acked.length, ...seen);
        next = (seen.at(-1) ?? 0n) + 1n;
        const log = await TxnLog.open(s, "/data", { preAllocSize: 2048, lastZxid: next - 1n });
        const n = 1 + Math.floor(rnd() * 30);
        const ps: Promise<void>[] = [];
        for (let i = 0; i < n; i++) {
          const z = next++;
          ps.push(log.append(setDataTxn(z, Math.floor(rnd() * 300))).then(() => void acked.push(z)));
          if (rnd() < 0.3) await Promise.resolve();
          if (rnd() < 0.1) await ps[ps.length - 1];
          if (rnd() < 0.05) log.roll().catch(() => {});
        }
        // crash at a random moment while batches are in flight
        const steps = Math.floor(rnd() * 12);
        for (let k = 0; k < steps; k++) await new Promise((res) => setImmediate(res));
        s.crash({ torn: random });
        await Promise.allSettled(ps);
        acked.sort((a, b) => (a < b ? -1 : 1));
      }
    }
    // the simulation really produced torn tails and clean ends
    expect([...ends].sort()).toEqual(["eof", "preallocated", "torn"]);
  });
});

describe("TxnLog.appendTxn (marshalled into the batch, outcome to the listener)", () => {
  const hdr = (zxid: bigint, type: number = TxnType.setData) => ({ clientId: 0x1234n, cxid: Number(zxid), zxid, time: 1_700_000_000_000n + zxid, type });
  const sd = (zxid: bigint) => ({ path: "/bench/" + zxid, data: Buffer.alloc(50 + Number(zxid), Number(zxid)), version: Number(zxid) });

  it("writes the same bytes as append(marshalTxn(...)) and reports durability once per batch", async () => {
    const a = new MemoryStorage();
    const b = new MemoryStorage();
    const la = await TxnLog.open(a, "/d", { preAllocSize: 4096 });
    const lb = await TxnLog.open(b, "/d", { preAllocSize: 4096 });
    const reports: bigint[] = [];
    lb.listener = { durable: (z) => reports.push(z), failed: () => expect.unreachable() };
    for (let z = 1n; z <= 5n; z++) {
      void la.append(marshalTxn(hdr(z), sd(z)));
      lb.appendTxn(hdr(z), sd(z));
    }
    lb.appendTxn(hdr(6n, TxnType.createSession), { timeOut: 30000 });
    void la.append(marshalTxn(hdr(6n, TxnType.createSession), { timeOut: 30000 }));
    await la.close();
    await lb.close();
    expect(reports).toEqual([6n]); // one batch
    const fa = (await listLogFiles(a, "/d"))[0]!;
    const fb = (await listLogFiles(b, "/d"))[0]!;
    expect(fb.name).toBe(fa.name);
    expect((await readWholeFile(b, fb.path)).equals(await readWholeFile(a, fa.path))).toBe(true);
    expect((await readAll(b, "/d")).entries.map((e) => e.zxid)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
  });

  it("appends the TxnDigest after the record when given, as ZooKeeper's Util.marshallTxnEntry (digest.enabled)", async () => {
    const a = new MemoryStorage();
    const b = new MemoryStorage();
    const la = await TxnLog.open(a, "/d", { preAllocSize: 4096 });
    const lb = await TxnLog.open(b, "/d", { preAllocSize: 4096 });
    const d = (z: bigint) => ({ version: 2, treeDigest: -0x7654321012345678n + z });
    for (let z = 1n; z <= 3n; z++) {
      void la.append(marshalTxn(hdr(z), sd(z), d(z)));
      lb.appendTxn(hdr(z), sd(z), z === 2n ? null : d(z));
    }
    await la.close();
    await lb.close();
    const ea = (await readAll(a, "/d")).entries.map((e) => decodeTxn(e.payload));
    const eb = (await readAll(b, "/d")).entries.map((e) => decodeTxn(e.payload));
    expect(eb.map((e) => e.digest)).toEqual([d(1n), null, d(3n)]);
    expect(eb.map((e) => e.txn)).toEqual([sd(1n), sd(2n), sd(3n)]);
    expect(ea.map((e) => e.digest)).toEqual([d(1n), d(2n), d(3n)]);
  });

  it("refuses a zxid out of order or a txn it cannot encode at once, appending nothing", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/d", { preAllocSize: 0 });
    log.appendTxn(hdr(1n), sd(1n));
    expect(() => log.appendTxn(hdr(1n), sd(1n))).toThrow(ZxidOrderError);
    expect(() => log.appendTxn(hdr(2n), { path: 42, data: null, version: 1 })).toThrow();
    log.appendTxn(hdr(2n), sd(2n));
    await log.close();
    expect(() => log.appendTxn(hdr(3n), sd(3n))).toThrow(LogClosedError);
    expect((await readAll(s, "/d")).entries.map((e) => decodeTxn(e.payload).txn)).toEqual([sd(1n), sd(2n)]);
  });

  it("a failed batch is reported with every entry queued behind it; later appends work", async () => {
    const s = new MemoryStorage();
    const log = await TxnLog.open(s, "/d", { preAllocSize: 0 });
    const events: string[] = [];
    log.listener = {
      durable: (z) => events.push(`durable ${z}`),
      failed: (f, l, e, n) => events.push(`failed ${f}-${l} (${n}) ${e.name}`),
    };
    log.appendTxn(hdr(1n), sd(1n));
    await new Promise((r) => setImmediate(r));
    s.inject({ op: "datasync", code: "EIO", times: 1 });
    for (const z of [2n, 3n, 4n]) log.appendTxn(hdr(z), sd(z)); // one batch, its fdatasync fails
    await log.roll();
    log.appendTxn(hdr(3n), sd(3n)); // after the failure the zxids may be taken again
    await log.close();
    expect(events).toEqual(["durable 1", "failed 2-4 (3) LogWriteError", "durable 3"]);
    expect((await readAll(s, "/d")).entries.map((e) => e.zxid)).toEqual([1n, 3n]);
  });
});

describe("TxnLog: two batches in flight", () => {
  const hdr = (zxid: bigint) => ({ clientId: 0x99n, cxid: Number(zxid), zxid, time: 1_700_000_000_000n, type: TxnType.setData });
  const sd = (zxid: bigint) => ({ path: "/p", data: Buffer.alloc(40, Number(zxid)), version: Number(zxid) });
  const tick = () => new Promise((r) => setImmediate(r));

  it("a second batch is written while the first one syncs; acknowledgements stay in order", async () => {
    const s = new MemoryStorage({ yieldEachOp: true });
    // record file I/O as it starts and ends
    const io: string[] = [];
    const open = s.open.bind(s);
    s.open = async (path, mode) => {
      const f = await open(path, mode);
      const write = f.write.bind(f);
      const datasync = f.datasync.bind(f);
      f.write = async (data, pos) => {
        io.push(`write ${pos}`);
        await write(data, pos);
      };
      f.datasync = async () => {
        io.push("sync start");
        await datasync();
        io.push("sync end");
      };
      return f;
    };
    const log = await TxnLog.open(s, "/d", { preAllocSize: 0 });
    const events: string[] = [];
    log.listener = { durable: (z) => events.push(`durable ${z}`), failed: () => events.push("failed") };
    log.appendTxn(hdr(1n), sd(1n));
    await tick(); // batch [1] goes out
    log.appendTxn(hdr(2n), sd(2n));
    log.appendTxn(hdr(3n), sd(3n));
    await tick();
    await tick(); // batch [2, 3] goes out before [1] is durable
    log.appendTxn(hdr(4n), sd(4n));
    await log.close();
    expect(events).toEqual(["durable 1", "durable 3", "durable 4"]);
    expect(log.stats.batches).toBe(3);
    // the second batch's write started before the first batch's sync ended
    const firstSyncEnd = io.indexOf("sync end");
    const dataWrites = io.map((e, i) => [e, i] as const).filter(([e]) => e.startsWith("write ") && e !== "write 0");
    expect(dataWrites.length).toBeGreaterThanOrEqual(3);
    expect(dataWrites[1]![1]).toBeLessThan(firstSyncEnd);
    expect((await readAll(s, "/d")).entries.map((e) => e.zxid)).toEqual([1n, 2n, 3n, 4n]);
  });

  it("the second batch in flight fails: the first is acknowledged, the second and everything after rejected and gone", async () => {
    const s = new MemoryStorage({ yieldEachOp: true });
    const log = await TxnLog.open(s, "/d", { preAllocSize: 0 });
    const events: string[] = [];
    log.listener = { durable: (z) => events.push(`durable ${z}`), failed: (f, l, _e, n) => events.push(`failed ${f}-${l} (${n})`) };
    s.inject({ op: "datasync", code: "EIO", times: 1, after: 1 }); // the 1st fdatasync works, the 2nd fails
    log.appendTxn(hdr(1n), sd(1n));
    await tick();
    log.appendTxn(hdr(2n), sd(2n));
    await tick();
    await tick();
    log.appendTxn(hdr(3n), sd(3n));
    await log.roll();
    log.appendTxn(hdr(2n), sd(2n)); // taken again after the failure
    await log.close();
    expect(events).toEqual(["durable 1", "failed 2-3 (2)", "durable 2"]);
    expect((await readAll(s, "/d")).entries.map((e) => e.zxid)).toEqual([1n, 2n]);
    // and nothing rejected survives a crash either
    s.crash();
    expect((await readAll(s, "/d")).entries.map((e) => e.zxid)).toEqual([1n, 2n]);
  });
});

void joinPath;
