/**
 * CPU and wall time of writing zkts-format snapshots of the benches' test tree (tree.ts: n znodes of 100 bytes) on
 * a quiet event loop (no load beside it: snapshot-pause.ts measures the pauses under load), `rounds` times, then of
 * reading each back as the restore does but into a sink that drops the nodes (readSnapshotRecords with a nodeSink,
 * checksum included; a reader without nodeSink yields node records instead), of verifySnapshot (purge's check) and of
 * a streamed load into a new tree (loadSnapshot).
 *
 * Run: npx tsx apps/server/bench/snapshot-cpu.ts [nodes=1000000] [rounds=3] [write]  (write: the writes only)
 * Profile: node --import tsx --cpu-prof --cpu-prof-dir=<dir> apps/server/bench/snapshot-cpu.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { cpuUsage } from "node:process";
import { DataTree } from "@zkts/datatree";
import { NodeStorage, loadSnapshot, readSnapshotRecords, snapshotTree, verifySnapshot } from "@zkts/persistence";
import { buildTree } from "./tree.js";

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const WRITE_ONLY = process.argv[4] === "write";
const cpuMs = () => {
  const u = cpuUsage();
  return (u.user + u.system) / 1000;
};
const la = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const root = mkdtempSync(join(tmpdir(), "zkts-snap-cpu-"));
const storage = new NodeStorage();
try {
  console.log(`load average ${la()}; building a tree of ${N} znodes of 100 bytes`);
  const tree = buildTree(N);
  for (let r = 0; r < ROUNDS; r++) {
    const dir = join(root, `r${r}`);
    const t0 = performance.now();
    const c0 = cpuMs();
    const info = await snapshotTree(storage, dir, tree, new Map(), { time: 1_700_000_000_000 });
    const w = [performance.now() - t0, cpuMs() - c0];
    const f = (x: number[]) => `${x[0]!.toFixed(0)} ms wall / ${x[1]!.toFixed(0)} ms CPU`;
    if (WRITE_ONLY) {
      console.log(`round ${r + 1}: write ${info.nodes} nodes, ${(info.bytes / 1e6).toFixed(1)} MB: ${f(w)}`);
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    const t1 = performance.now();
    const c1 = cpuMs();
    let n = 0;
    // as the restore reads (rows to a node sink: here one that drops them; a reader without nodeSink yields records)
    const nodeSink = () => void n++;
    for await (const rec of readSnapshotRecords(storage, info.path, { dataViews: true, nodeSink })) if (rec.type === "nodes") n += rec.nodes.length;
    const rd = [performance.now() - t1, cpuMs() - c1];
    const t3 = performance.now();
    const c3 = cpuMs();
    await verifySnapshot(storage, info.path);
    const vf = [performance.now() - t3, cpuMs() - c3];
    const into = new DataTree({ digestEnabled: true });
    const t2 = performance.now();
    const c2 = cpuMs();
    const load = await loadSnapshot(storage, info.path, into, info.zxid);
    const ld = [performance.now() - t2, cpuMs() - c2];
    console.log(
      `round ${r + 1}: write ${info.nodes} nodes, ${(info.bytes / 1e6).toFixed(1)} MB: ${f(w)}; read back ${n} nodes: ${f(rd)}; verify: ${f(vf)}; ` +
        `load into a tree ${load.nodes} nodes: ${f(ld)}`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`load average ${la()}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
