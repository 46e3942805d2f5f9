import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataTree } from "@zkts/datatree";
import { restoreDatabase, snapshotTree, type RestoreResult } from "./database.js";
import { LogCorruptionError } from "./errors.js";
import { frameEntry } from "./log-format.js";
import { LogTailWorkerError, logTailOffThread, type LogTailReader, type LogTailSource } from "./log-tail-worker.js";
import { NodeStorage } from "./node-storage.js";
import { OPEN_ACL, setDataTxn } from "./test-helpers.js";
import { TxnLog } from "./txnlog.js";
import { readTxnLog, type LogEnd, type LogEntry } from "./txnlog-reader.js";
import type { Logger } from "@zkts/contracts";

const storage = new NodeStorage();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), "zkts-logtail-"));
  dirs.push(d);
  return d;
};

const DATA = 60;
/** Byte size of one logged setData entry (frame included). */
const ENTRY = frameEntry(setDataTxn(2n, DATA)).length;

/**
 * A data dir: /bench created at zxid 1, snapshot.1 (and snapshot.<snapAt> when given), then setData txns 2..n
 * logged in log.2 (rolled to a new file after zxid `rollAfter` when given).
 */
async function makeDir(n: number, o: { preAlloc?: number; rollAfter?: number; snapAt?: number } = {}): Promise<string> {
  const dir = tmp();
  const tree = new DataTree({ digestEnabled: true });
  tree.processTxn({ clientId: 1n, cxid: 1, zxid: 1n, time: 1n, type: 1 }, { path: "/bench", data: null, acl: [...OPEN_ACL], ephemeral: false, parentCVersion: 1 });
  await snapshotTree(storage, dir, tree, new Map(), { time: 1 });
  const log = await TxnLog.open(storage, dir, { preAllocSize: o.preAlloc ?? 0, lastZxid: 1n, forceSync: false });
  for (let z = 2; z <= n; z++) {
    const payload = setDataTxn(BigInt(z), DATA);
    await log.append(payload);
    if (o.snapAt === z) {
      tree.processTxn({ clientId: 1n, cxid: z, zxid: BigInt(z), time: 1n, type: 5 }, { path: "/bench", data: Buffer.alloc(DATA, z & 0xff), version: -1 });
      await snapshotTree(storage, dir, tree, new Map(), { time: 1 });
    }
    if (o.rollAfter === z) await log.roll();
  }
  await log.close();
  return dir;
}

const v2 = (dir: string) => join(dir, "version-2");
const logPath = (dir: string, zxid: number) => join(v2(dir), `log.${zxid.toString(16)}`);
/** Offset of the entry of `zxid` in a file whose first entry is `first` (all entries the same size). */
const offsetOf = (zxid: number, first: number) => 16 + (zxid - first) * ENTRY;

function damage(path: string, f: (b: Buffer) => Buffer): void {
  writeFileSync(path, f(readFileSync(path)));
}

/** Batches (file, offset, zxid, payload bytes), end and error of a source read to its end. */
async function drain(src: { batches(): AsyncGenerator<LogEntry[]>; readonly end: LogEnd | undefined }) {
  const batches: Array<Array<{ file: string; offset: number; zxid: bigint; payload: string; type: number }>> = [];
  let error: unknown;
  try {
    for await (const b of src.batches()) {
      batches.push(b.map((e) => ({ file: e.file, offset: e.offset, zxid: e.zxid, payload: e.payload.toString("hex"), type: e.header.type })));
    }
  } catch (e) {
    error = e;
  }
  return { batches, end: src.end, error };
}

const offThread = (dir: string, fromZxid: bigint, acceptLoss: boolean, windowBytes?: number): LogTailSource => {
  const s = logTailOffThread(dir, { fromZxid, acceptLoss, ...(windowBytes !== undefined ? { windowBytes } : {}) });
  expect(s).toBeDefined();
  return s!;
};

interface Case {
  name: string;
  make(): Promise<string>;
  from: bigint;
}

const cases: Case[] = [
  { name: "zero-filled preallocated tail (two files)", make: () => makeDir(3000, { preAlloc: 1 << 20, rollAfter: 1500 }), from: 2n },
  { name: "exact end of file", make: () => makeDir(50), from: 2n },
  { name: "from a zxid in the second file", make: () => makeDir(3000, { preAlloc: 1 << 20, rollAfter: 1500 }), from: 2222n },
  {
    name: "torn last entry (no 'B')",
    make: async () => {
      const d = await makeDir(40);
      damage(logPath(d, 2), (b) => b.subarray(0, b.length - 1));
      return d;
    },
    from: 2n,
  },
  {
    name: "torn last entry in the zero-filled tail",
    make: async () => {
      const d = await makeDir(40, { preAlloc: 1 << 16 });
      damage(logPath(d, 2), (b) => {
        const c = Buffer.from(b);
        c.fill(0, offsetOf(40, 2) + 30, offsetOf(40, 2) + ENTRY);
        return c;
      });
      return d;
    },
    from: 2n,
  },
  {
    name: "bad checksum followed by valid entries (corrupt)",
    make: async () => {
      const d = await makeDir(40, { preAlloc: 1 << 16 });
      damage(logPath(d, 2), (b) => {
        const c = Buffer.from(b);
        c[offsetOf(20, 2) + 40]! ^= 1;
        return c;
      });
      return d;
    },
    from: 2n,
  },
  {
    name: "torn tail of an older file followed by a file with txns (corrupt)",
    make: async () => {
      const d = await makeDir(40, { rollAfter: 30 });
      damage(logPath(d, 2), (b) => b.subarray(0, b.length - 3));
      return d;
    },
    from: 2n,
  },
];

describe("logTailOffThread: the log read by a worker thread, as the in-thread reader reads it", () => {
  for (const c of cases) {
    it(`${c.name}: the same batches, entries, end and error, with and without accept-data-loss`, async () => {
      const dir = await c.make();
      for (const acceptLoss of [false, true]) {
        const here = await drain(readTxnLog(storage, dir, { fromZxid: c.from, acceptLoss, payloadViews: true }));
        const there = await drain(offThread(dir, c.from, acceptLoss));
        expect(there.batches).toEqual(here.batches);
        expect(there.end).toEqual(here.end);
        expect(there.error).toEqual(here.error);
        if (here.error !== undefined) {
          expect(there.error).toBeInstanceOf(LogCorruptionError);
          expect((there.error as Error).message).toBe((here.error as Error).message);
        }
        expect(here.batches.flat().length + (here.end === undefined ? 1 : 0)).toBeGreaterThan(0);
      }
    }, 60_000);
  }

  it("stops reading while its window of posted bytes is not taken (back-pressure), then hands out everything", async () => {
    const dir = await makeDir(20000, { preAlloc: 1 << 20 });
    const window = 64 << 10;
    const src = offThread(dir, 2n, false, window);
    const it = src.batches()[Symbol.asyncIterator]();
    // the first batch arrives; the worker reads on until the window is full and waits
    const first = await it.next();
    expect(first.done).toBe(false);
    const pending = (src as unknown as { queue: Array<{ t: string; buf?: ArrayBuffer }> }).queue;
    const queuedBytes = () => pending.reduce((n, m) => n + (m.buf?.byteLength ?? 0), 0);
    // the log holds about 20000 * 100 bytes (2 MB); a batch is at most one 1 MiB read
    for (let i = 0; i < 100 && queuedBytes() < window; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    expect(queuedBytes()).toBeLessThanOrEqual(window + (1 << 20));
    expect(queuedBytes()).toBeLessThan(20000 * ENTRY - (first.value as LogEntry[]).length * ENTRY);
    let n = (first.value as LogEntry[]).length;
    for (let r = await it.next(); !r.done; r = await it.next()) n += (r.value as LogEntry[]).length;
    expect(n).toBe(19999);
    expect(src.end).toMatchObject({ reason: "preallocated", lastZxid: 20000n });
  }, 60_000);

  it("a read the worker cannot do is a LogTailWorkerError (not a corruption)", async () => {
    const dir = tmp();
    writeFileSync(v2(dir), "not a directory");
    const r = await drain(offThread(dir, 1n, false));
    expect(r.error).toBeInstanceOf(LogTailWorkerError);
    expect((r.error as Error).message).toContain("ENOTDIR");
  }, 60_000);
});

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

/** restoreDatabase's outcome with the data dir's path taken out (two copies are compared). */
async function restoreOutcome(dir: string, o: { logTailReader?: LogTailReader; acceptDataLoss?: boolean }) {
  const tree = new DataTree({ digestEnabled: true });
  const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)).split(dir).join("<dir>")) as unknown;
  let result: RestoreResult | undefined;
  let error: unknown;
  try {
    result = await restoreDatabase({ storage, dataDir: dir, tree, logger: quiet, ...o });
  } catch (e) {
    error = e;
  }
  const files = Object.fromEntries(readdirSync(v2(dir)).map((f) => [f, readFileSync(join(v2(dir), f)).toString("base64")]));
  return {
    result: strip(result === undefined ? null : { ...result, sessions: [...result.sessions] }),
    error: error === undefined ? null : strip({ name: (error as Error).name, message: (error as Error).message }),
    digest: tree.digest(),
    data: tree.getNode("/bench")?.data?.toString("hex") ?? null,
    files,
  };
}

/** A LogTailReader recording what it was asked and what became of the source. */
function recording(inner: LogTailReader = logTailOffThread) {
  const calls: Array<{ fromZxid: bigint; batchesTaken: number; closed: boolean }> = [];
  const reader: LogTailReader = (d, o) => {
    const src = inner(d, o);
    if (src === undefined) return undefined;
    const call = { fromZxid: o.fromZxid, batchesTaken: 0, closed: false };
    calls.push(call);
    return {
      get end() {
        return src.end;
      },
      async *batches() {
        for await (const b of src.batches()) {
          call.batchesTaken++;
          yield b;
        }
      },
      close() {
        call.closed = true;
        src.close();
      },
    };
  };
  return { reader, calls };
}

describe("restoreDatabase with the log tail read by a worker thread (logTailReader)", () => {
  for (const c of cases.filter((x) => x.from === 2n)) {
    it(`${c.name}: the same tree, result, error and files as reading in this thread`, async () => {
      const made = await c.make();
      for (const acceptDataLoss of [false, true]) {
        const a = tmp();
        const b = tmp();
        cpSync(made, a, { recursive: true });
        cpSync(made, b, { recursive: true });
        const rec = recording();
        const here = await restoreOutcome(a, { acceptDataLoss });
        const there = await restoreOutcome(b, { acceptDataLoss, logTailReader: rec.reader });
        expect(there).toEqual(here);
        // the worker's read was the one used, from the snapshot's zxid + 1
        expect(rec.calls).toHaveLength(1);
        expect(rec.calls[0]!.fromZxid).toBe(2n);
        expect(rec.calls[0]!.batchesTaken).toBeGreaterThan(0);
      }
    }, 60_000);
  }

  it("the newest snapshot fails verification: the worker's read (from its zxid) is dropped, the log read here from the older one", async () => {
    const made = await makeDir(400, { snapAt: 300, preAlloc: 1 << 16 });
    damage(join(v2(made), "snapshot.12c"), (b) => {
      const c = Buffer.from(b);
      c[Math.floor(c.length / 2)]! ^= 0xff;
      return c;
    });
    const a = tmp();
    const b = tmp();
    cpSync(made, a, { recursive: true });
    cpSync(made, b, { recursive: true });
    const rec = recording();
    const here = await restoreOutcome(a, {});
    const there = await restoreOutcome(b, { logTailReader: rec.reader });
    expect(there).toEqual(here);
    expect(here.result).toMatchObject({ snapshot: { zxid: "1n" }, replayed: 399 });
    expect(rec.calls).toEqual([{ fromZxid: 301n, batchesTaken: 0, closed: true }]);
  }, 60_000);

  it("the worker failing mid-way: the rest of the log is read in this thread, nothing replayed twice or lost", async () => {
    const made = await makeDir(3000, { preAlloc: 1 << 16, rollAfter: 1000 });
    const a = tmp();
    const b = tmp();
    cpSync(made, a, { recursive: true });
    cpSync(made, b, { recursive: true });
    // a source handing out the first two batches of a real worker read, then failing as a dead worker does
    const failing: LogTailReader = (d, o) => {
      const src = logTailOffThread(d, { ...o, windowBytes: 1 << 20 })!;
      return {
        end: undefined,
        async *batches() {
          let n = 0;
          for await (const batch of src.batches()) {
            yield batch;
            if (++n === 2) {
              src.close();
              throw new LogTailWorkerError("log tail worker exited (code 1) before the end of the log");
            }
          }
        },
        close: () => src.close(),
      };
    };
    const rec = recording(failing);
    const here = await restoreOutcome(a, {});
    const there = await restoreOutcome(b, { logTailReader: rec.reader });
    expect(there).toEqual(here);
    expect(here.result).toMatchObject({ replayed: 2999 });
    expect(rec.calls[0]!.batchesTaken).toBe(2);
  }, 60_000);

  it("a worker that cannot read the log: the error is the one reading in this thread gives", async () => {
    const dir = await makeDir(10);
    rmSync(logPath(dir, 2));
    writeFileSync(join(dir, "logs"), "not a directory");
    const tree = new DataTree({ digestEnabled: true });
    const plain = await restoreDatabase({ storage, dataDir: dir, dataLogDir: join(dir, "logs"), tree, logger: quiet }).catch((e: unknown) => e);
    const rec = recording();
    const viaWorker = await restoreDatabase({ storage, dataDir: dir, dataLogDir: join(dir, "logs"), tree: new DataTree({ digestEnabled: true }), logger: quiet, logTailReader: rec.reader }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Error);
    expect(viaWorker).toBeInstanceOf((plain as Error).constructor);
    expect((viaWorker as Error).message).toBe((plain as Error).message);
    expect(rec.calls).toHaveLength(1);
  }, 60_000);
});
