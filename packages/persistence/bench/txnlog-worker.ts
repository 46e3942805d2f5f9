// The calling thread's CPU per txn: TxnLog (in-thread) vs WorkerTxnLog (worker thread), fsync on, the server's
// shape of load: `outstanding` txns in flight (8 connections x depth 32 = 256), each durable txn replaced by a new
// one in the next event-loop turn, 100-byte setData txns appended with appendTxn (marshalled into the batch).
// Main-thread CPU is /proc/self/task/<pid>/stat (utime + stime of the event loop's thread, 10 ms ticks); process
// CPU is process.cpuUsage() (every thread: libuv's pool, the worker, GC helpers).
// Run: cd packages/persistence && npx tsx --tsconfig ../../tsconfig.json bench/txnlog-worker.ts [seconds] [rounds] [dir]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeStorage, TxnLog, TxnType, WorkerTxnLog, type TxnLogWriter } from "../src/index.js";

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const base = process.argv[4] ?? tmpdir();
const OUTSTANDING = 256;

function mainThreadCpuSeconds(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function run(kind: "in-thread" | "worker" | "worker-blocking") {
  const dir = mkdtempSync(join(base, "zkts-wlogbench-"));
  const log: TxnLogWriter =
    kind === "in-thread" ? await TxnLog.open(new NodeStorage(), dir) : await WorkerTxnLog.open(dir, { blockingIo: kind === "worker-blocking" });
  const data = Buffer.alloc(100, 0x61);
  let next = 1n;
  let durable = 0n;
  let stop = false;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const append = (n: number) => {
    for (let i = 0; i < n; i++) {
      const zxid = next++;
      log.appendTxn({ clientId: 0x1000000abcd0001n, cxid: Number(zxid & 0x7fffn), zxid, time: 1_700_000_000_000n, type: TxnType.setData }, { path: "/bench/node", data, version: 1 });
    }
  };
  log.listener = {
    durable: (z) => {
      const n = Number(z - durable);
      durable = z;
      if (stop) {
        if (durable === next - 1n) finished();
        return;
      }
      // the replies go out, the clients send the next requests: appended in a later turn, as requests read from sockets
      setImmediate(() => append(n));
    },
    failed: (_f, _l, e) => {
      throw e;
    },
  };
  append(OUTSTANDING);
  const warm = performance.now();
  while (performance.now() - warm < 1000) await new Promise((r) => setTimeout(r, 50));
  const d0 = durable;
  const m0 = mainThreadCpuSeconds();
  const p0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const secs = (performance.now() - t0) / 1000;
  const txns = Number(durable - d0);
  const main = mainThreadCpuSeconds() - m0;
  const p = process.cpuUsage(p0);
  stop = true;
  if (durable !== next - 1n) await done;
  const stats = { ...log.stats };
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    kind,
    txnsPerSec: Math.round(txns / secs),
    mainUsPerTxn: +((main / txns) * 1e6).toFixed(2),
    processUsPerTxn: +(((p.user + p.system) / 1e6 / txns) * 1e6).toFixed(2),
    txnsPerBatch: +(stats.entries / Math.max(1, stats.batches)).toFixed(1),
  };
}

for (let i = 0; i < rounds; i++) {
  for (const kind of ["in-thread", "worker", "worker-blocking"] as const) console.log(JSON.stringify(await run(kind)));
}
