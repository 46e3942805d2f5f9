import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MetricsRegistry, M } from "@zkts/metrics";
import { LogClosedError, LogWriteError, StorageError, ZxidOrderError } from "./errors.js";
import { FILE_HEADER_SIZE, VERSION_DIR, makeLogName } from "./log-format.js";
import { NodeStorage } from "./node-storage.js";
import { mixedTxns, setDataTxn } from "./test-helpers.js";
import { decodeTxn, payloadZxid, type DecodedTxn } from "./txn.js";
import { TxnLog, type TxnLogListener, type TxnLogWriter } from "./txnlog.js";
import { readTxnLog, type LogEntry } from "./txnlog-reader.js";
import { WorkerTxnLog } from "./worker-txnlog.js";

const dirs: string[] = [];
const logs: TxnLogWriter[] = [];
afterEach(async () => {
  for (const l of logs.splice(0)) await l.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "zkts-wlog-"));
  dirs.push(d);
  return d;
};
let blockingIo = true;
const openWorker = async (dir: string, opts: Parameters<typeof WorkerTxnLog.open>[1] = {}) => {
  const log = await WorkerTxnLog.open(dir, { blockingIo, ...opts });
  logs.push(log);
  return log;
};
const tick = () => new Promise<void>((r) => setImmediate(r));

/** Collects the listener's reports; `until(zxid)` resolves once `zxid` is durable (rejects on a failure report). */
function recorder(log: TxnLogWriter) {
  const durable: bigint[] = [];
  const failed: Array<{ first: bigint; last: bigint; count: number; error: LogWriteError }> = [];
  let waiter: { zxid: bigint; resolve: () => void } | null = null;
  const listener: TxnLogListener = {
    durable: (z) => {
      durable.push(z);
      if (waiter && z >= waiter.zxid) waiter.resolve();
    },
    failed: (first, last, error, count) => {
      failed.push({ first, last, error, count });
      if (waiter && last >= waiter.zxid) waiter.resolve();
    },
  };
  log.listener = listener;
  const until = (zxid: bigint) =>
    new Promise<void>((resolve) => {
      if (durable.some((z) => z >= zxid) || failed.some((f) => f.last >= zxid)) resolve();
      else waiter = { zxid, resolve };
    });
  return { durable, failed, until, listener };
}

/** Every entry of the logs under `dir` (read with the ordinary reader). */
async function readAll(dir: string): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readTxnLog(new NodeStorage(), dir)) out.push(e);
  return out;
}

/** The files of `<dir>/version-2`, name -> bytes. */
function files(dir: string): Map<string, Buffer> {
  const v = join(dir, VERSION_DIR);
  return new Map(readdirSync(v).sort().map((n) => [n, readFileSync(join(v, n))]));
}

const decoded = (first: bigint, n: number, digest = true): DecodedTxn[] => {
  const out: DecodedTxn[] = [];
  let z = first;
  while (out.length < n) {
    for (const p of mixedTxns(z, digest)) {
      if (out.length < n) out.push(decodeTxn(p));
    }
    z = first + BigInt(out.length);
  }
  return out;
};
const appendAll = (log: TxnLogWriter, txns: DecodedTxn[]) => {
  for (const t of txns) log.appendTxn(t.header, t.txn, t.digest);
};

for (const blocking of [true, false]) describe(`WorkerTxnLog (the txn log written by a worker thread), ${blocking ? "blocking" : "libuv pool"} file calls`, () => {
  beforeAll(() => {
    blockingIo = blocking;
  });

  it("writes the same bytes as the in-thread TxnLog for the same appends, rolls and closes", async () => {
    const a = tempDir();
    const b = tempDir();
    const inThread = await TxnLog.open(new NodeStorage(), a, { preAllocSize: 4096 });
    const worker = await openWorker(b, { preAllocSize: 4096 });
    const ra = recorder(inThread);
    const rb = recorder(worker);
    // 3 rounds, each appended in one go (one batch on both sides), then a roll: 3 files padded alike.
    const rounds = [decoded(1n, 7), decoded(8n, 40), decoded(48n, 100, false)];
    for (const round of rounds) {
      const last = round.at(-1)!.header.zxid;
      appendAll(inThread, round);
      appendAll(worker, round);
      await Promise.all([ra.until(last), rb.until(last)]);
      await Promise.all([inThread.roll(), worker.roll()]);
    }
    await inThread.close();
    await worker.close();
    expect(ra.failed).toEqual([]);
    expect(rb.failed).toEqual([]);
    expect(rb.durable).toEqual([7n, 47n, 147n]);
    const fa = files(a);
    const fb = files(b);
    expect([...fb.keys()].sort()).toEqual([makeLogName(1n), makeLogName(8n), makeLogName(48n)].sort());
    expect([...fb.keys()]).toEqual([...fa.keys()]);
    for (const [name, bytes] of fa) expect(fb.get(name)!.equals(bytes), name).toBe(true);
    // ...and they are the txns appended, checksums and all (the reader verifies each Adler32).
    const entries = await readAll(b);
    expect(entries.map((e) => e.zxid)).toEqual(rounds.flat().map((t) => t.header.zxid));
    expect(worker.stats).toMatchObject({ entries: 147, files: 3, failures: 0 });
    expect(worker.lastDurableZxid).toBe(147n);
  });

  it("acknowledges in zxid order, each zxid only once it is in the file, over many batches", async () => {
    const dir = tempDir();
    const metrics = new MetricsRegistry();
    const log = await openWorker(dir, { metrics, lastZxid: 0x500000000n, maxBatchBytes: 8 * 1024, preAllocSize: 4096 });
    const inFile: bigint[] = [];
    const r = recorder(log);
    const durable = r.listener.durable;
    r.listener.durable = (z) => {
      // Read synchronously when told: the entry must be in the file by then (the worker wrote and synced it).
      const bytes = readFileSync(log.currentFile!);
      let p = FILE_HEADER_SIZE;
      let last = 0n;
      while (p + 12 <= bytes.length) {
        const len = bytes.readInt32BE(p + 8);
        if (len <= 0 || p + 12 + len + 1 > bytes.length) break;
        last = payloadZxid(bytes.subarray(p + 12, p + 12 + len));
        p += 12 + len + 1;
      }
      inFile.push(last);
      durable(z);
    };
    let z = 0x500000001n;
    for (let round = 0; round < 60; round++) {
      // rounds of 1..40 txns, ~1 KiB each, appended across event-loop turns
      for (let i = 0; i < 1 + ((round * 7) % 40); i++) {
        const t = decodeTxn(setDataTxn(z++, 1000));
        log.appendTxn(t.header, t.txn, t.digest);
      }
      if (round % 3 === 0) await tick();
    }
    const last = z - 1n;
    await r.until(last);
    expect(r.failed).toEqual([]);
    expect(r.durable.at(-1)).toBe(last);
    expect(r.durable.length).toBeGreaterThan(1);
    for (let i = 1; i < r.durable.length; i++) expect(r.durable[i]!).toBeGreaterThan(r.durable[i - 1]!);
    for (let i = 0; i < r.durable.length; i++) expect(inFile[i]!).toBeGreaterThanOrEqual(r.durable[i]!);
    const entries = await readAll(dir);
    expect(entries.length).toBe(Number(last - 0x500000000n));
    expect(entries.at(-1)!.zxid).toBe(last);
    // the worker's fsync times and batch sizes reach this thread's registry
    const batches = metrics.summary(M.SYNC_PROCESSOR_BATCH_SIZE);
    expect(batches.count).toBe(log.stats.batches);
    expect(batches.sum).toBe(entries.length);
    expect(metrics.summary(M.FSYNC_TIME).count).toBe(log.stats.syncs);
    expect(log.stats.syncs).toBeGreaterThan(0);
  });

  it("refuses appends out of order, after close, and rolls after close", async () => {
    const dir = tempDir();
    const log = await openWorker(dir, { lastZxid: 10n });
    // a roll before any append (a server's start-up snapshot): nothing to end, no file made
    await log.roll();
    expect(readdirSync(join(dir, VERSION_DIR))).toEqual([]);
    const [t] = decoded(10n, 1);
    expect(() => log.appendTxn(t!.header, t!.txn, t!.digest)).toThrow(ZxidOrderError);
    const [u] = decoded(11n, 1);
    log.appendTxn(u!.header, u!.txn, u!.digest);
    await log.close();
    expect(log.lastDurableZxid).toBe(11n);
    const [v] = decoded(12n, 1);
    expect(() => log.appendTxn(v!.header, v!.txn, v!.digest)).toThrow(LogClosedError);
    await expect(log.roll()).rejects.toThrow(LogClosedError);
    await log.close(); // again: a no-op
    expect((await readAll(dir)).map((e) => e.zxid)).toEqual([11n]);
  });

  it("fails opening when the log directory cannot be created", async () => {
    const base = tempDir();
    writeFileSync(join(base, "file"), "x");
    const err = await WorkerTxnLog.open(join(base, "file"), { blockingIo }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe("ENOTDIR");
  });

  it("on a failed write (ENOSPC) reports every entry appended behind it as failed, none durable, then recovers", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, VERSION_DIR));
    // The first log file is /dev/full: every write to it fails with ENOSPC.
    symlinkSync("/dev/full", join(dir, VERSION_DIR, makeLogName(1n)));
    const log = await openWorker(dir);
    const r = recorder(log);
    const txns = decoded(1n, 30);
    // appended over several turns: some reach the worker after its failure, some are still on this side
    for (let i = 0; i < txns.length; i++) {
      appendAll(log, [txns[i]!]);
      if (i % 4 === 0) await tick();
    }
    await r.until(30n);
    expect(r.durable).toEqual([]);
    const covered = new Set<bigint>();
    for (const f of r.failed) {
      expect(f.error).toBeInstanceOf(LogWriteError);
      expect(f.error.cause, f.error.message).toBeInstanceOf(StorageError);
      expect((f.error.cause as StorageError).code).toBe("ENOSPC");
      for (let z = f.first; z <= f.last; z++) {
        expect(covered.has(z)).toBe(false);
        covered.add(z);
      }
    }
    expect([...covered].sort((x, y) => (x < y ? -1 : 1))).toEqual(txns.map((t) => t.header.zxid));
    expect(r.failed.reduce((n, f) => n + f.count, 0)).toBe(30);
    expect(log.lastDurableZxid).toBe(0n);
    // The failed file was removed (nothing in it was acknowledged): the same zxids go to a real file now.
    appendAll(log, txns);
    for (let i = 0; i < 1000 && r.durable.at(-1) !== 30n; i++) await new Promise((res) => setTimeout(res, 10));
    await log.close();
    expect(r.durable.at(-1)).toBe(30n);
    expect((await readAll(dir)).map((e) => e.zxid)).toEqual(txns.map((t) => t.header.zxid));
  });

  it("when the worker dies, fails what is outstanding and every later call", async () => {
    const dir = tempDir();
    const log = await openWorker(dir);
    const r = recorder(log);
    appendAll(log, decoded(1n, 5));
    await r.until(5n);
    appendAll(log, decoded(6n, 5));
    await (log as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    for (let i = 0; i < 100 && r.failed.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(r.durable).toEqual([5n]);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]).toMatchObject({ first: 6n, last: 10n, count: 5 });
    const [t] = decoded(11n, 1);
    expect(() => log.appendTxn(t!.header, t!.txn, t!.digest)).toThrow(LogWriteError);
    await expect(log.roll()).rejects.toThrow(LogWriteError);
  });
});
