// Txn log write throughput with fsync on: many concurrent appenders, 100-byte setData txns, group commit.
// Run: cd packages/persistence && npx tsx bench/log-throughput.ts [dir]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeStorage, TxnLog, TxnType, marshalTxn } from "../src/index.js";

const base = process.argv[2] ?? tmpdir();

function txn(zxid: bigint): Buffer {
  return marshalTxn(
    { clientId: 0x1000000abcd0001n, cxid: Number(zxid & 0x7fffn), zxid, time: BigInt(Date.now()), type: TxnType.setData },
    { path: "/bench/node", data: Buffer.alloc(100, 0x61), version: 1 },
  );
}

async function run(appenders: number, total: number, forceSync: boolean) {
  const dir = mkdtempSync(join(base, "zkts-logbench-"));
  const log = await TxnLog.open(new NodeStorage(), dir, { forceSync });
  let next = 1n;
  const perAppender = Math.ceil(total / appenders);
  const latencies: number[] = [];
  const t0 = performance.now();
  // Each appender is a client with one outstanding write: append, wait until durable, repeat.
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      for (let i = 0; i < perAppender; i++) {
        const s = performance.now();
        await log.append(txn(next++));
        latencies.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const n = appenders * perAppender;
  return {
    appenders,
    forceSync,
    txns: n,
    txnsPerSec: Math.round(n / secs),
    syncs: log.stats.syncs,
    txnsPerSync: +(n / Math.max(1, log.stats.syncs)).toFixed(1),
    p50ms: +latencies[Math.floor(n * 0.5)]!.toFixed(2),
    p99ms: +latencies[Math.floor(n * 0.99)]!.toFixed(2),
  };
}

const rows = [];
rows.push(await run(1, 2000, true));
for (const a of [10, 100, 1000]) rows.push(await run(a, 50_000, true));
rows.push(await run(1000, 100_000, false));
console.table(rows);
