// Time and longest event-loop pause to write (and read back) a 1,000,000-node snapshot with 100-byte data, in zkts's
// format and in ZooKeeper's (snapshot.format=zookeeper).
// Run: cd packages/persistence && npx tsx bench/snapshot-1m.ts [dir] [nodes]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { NodeStorage, readSnapshotRecords, writeSnapshot, writeZkSnapshotFuzzy, type SnapshotNode } from "../src/index.js";

const base = process.argv[2] ?? tmpdir();
const N = Number(process.argv[3] ?? 1_000_000);
const data = Buffer.alloc(100, 0x62);

function* nodes(): Generator<SnapshotNode> {
  for (let i = 0; i < N; i++) {
    const z = BigInt(i + 1);
    yield {
      path: `/bench/p${(i % 1000).toString().padStart(4, "0")}/n${i}`,
      data,
      aclRef: 1n,
      stat: { czxid: z, mzxid: z, ctime: 1_700_000_000_000n + z, mtime: 1_700_000_000_000n + z, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: z },
    };
  }
}

/** Longest gap between timer callbacks that should fire every 1 ms: the longest event-loop pause. */
function pauseMonitor() {
  let last = performance.now();
  let worst = 0;
  const h = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  const hist = monitorEventLoopDelay({ resolution: 1 });
  hist.enable();
  return {
    stop() {
      clearInterval(h);
      hist.disable();
      return { longestGapMs: +worst.toFixed(1), loopDelayMaxMs: +(hist.max / 1e6).toFixed(1), loopDelayP99Ms: +(hist.percentile(99) / 1e6).toFixed(1) };
    },
  };
}

const dir = mkdtempSync(join(base, "zkts-snapbench-"));
const storage = new NodeStorage();
try {
  for (const yieldEvery of [250, 1000]) {
    const mon = pauseMonitor();
    const t0 = performance.now();
    const info = await writeSnapshot(
      storage,
      dir,
      { header: { zxid: BigInt(N), time: Date.now() }, sessions: [], acls: [{ ref: 1n, acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }] }], nodes: nodes() },
      { yieldEvery },
    );
    const writeMs = performance.now() - t0;
    const pauses = mon.stop();
    console.log(
      JSON.stringify({ op: "write", nodes: N, yieldEvery, seconds: +(writeMs / 1000).toFixed(2), mb: +(info.bytes / 1e6).toFixed(1), ...pauses }),
    );
    const mon2 = pauseMonitor();
    const t1 = performance.now();
    let n = 0;
    for await (const r of readSnapshotRecords(storage, info.path)) if (r.type === "nodes") n += r.nodes.length;
    const readMs = performance.now() - t1;
    console.log(JSON.stringify({ op: "read+verify", nodes: n, seconds: +(readMs / 1000).toFixed(2), ...mon2.stop() }));
  }
  for (const yieldEvery of [250, 1000]) {
    const zkDir = join(dir, `zk-${yieldEvery}`);
    const mon = pauseMonitor();
    const t0 = performance.now();
    const info = await writeZkSnapshotFuzzy(
      storage,
      zkDir,
      {
        zxid: BigInt(N),
        sessions: [],
        acls: [{ ref: 1n, acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }] }],
        nodes: (function* () {
          yield { path: "", data: null, aclRef: 1n, stat: { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n } };
          for (const n of nodes()) yield { ...n, data: n.data as Buffer };
        })(),
        digest: () => ({ zxid: BigInt(N), digestVersion: 2, digest: 1n }),
      },
      { yieldEvery },
    );
    const writeMs = performance.now() - t0;
    const pauses = mon.stop();
    console.log(
      JSON.stringify({ op: "write zookeeper format", nodes: N, yieldEvery, seconds: +(writeMs / 1000).toFixed(2), mb: +(info!.bytes / 1e6).toFixed(1), ...pauses }),
    );
    const mon2 = pauseMonitor();
    const t1 = performance.now();
    let n = 0;
    for await (const r of readSnapshotRecords(storage, info!.path)) if (r.type === "nodes") n += r.nodes.length;
    const readMs = performance.now() - t1;
    console.log(JSON.stringify({ op: "read+verify zookeeper format", nodes: n, seconds: +(readMs / 1000).toFixed(2), ...mon2.stop() }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
