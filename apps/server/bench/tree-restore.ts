/**
 * The tree-building part of a restore alone: 1,000,000 snapshot nodes (100-byte data) given to
 * `DataTree.beginRestore().node()` as a snapshot reader gives them, with no file read or decoded. Shapes: `flat`
 * (all under one parent, as `zkts-bench compare --restart` loads them) or `fanout` (1,000 children per parent).
 * Each round restores into a new tree from fresh path strings and stat objects (their hashes not cached); prints
 * wall and CPU time per round.
 *
 * Run: npx tsx apps/server/bench/tree-restore.ts [flat|fanout] [rounds=3]
 */
import { cpuUsage } from "node:process";
import type { StatPersisted } from "@zkts/jute";
import { DataTree } from "@zkts/datatree";

const shape = process.argv[2] ?? "flat";
const rounds = Number(process.argv[3] ?? 3);
const N = 1_000_000;
const data = Buffer.alloc(100, 0x61);
const stat = (z: bigint): StatPersisted => ({ czxid: z, mzxid: z, ctime: 1_700_000_000_000n, mtime: 1_700_000_000_000n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: z });
const nodes: { path: string; data: Buffer; stat: StatPersisted }[] = [
  { path: "", data: Buffer.alloc(0), stat: stat(0n) },
  { path: "/zookeeper", data: Buffer.alloc(0), stat: stat(0n) },
];
if (shape === "flat") {
  nodes.push({ path: "/p", data, stat: stat(1n) });
  for (let i = 0; i < N; i++) nodes.push({ path: `/p/k${i}`, data, stat: stat(BigInt(i + 2)) });
} else {
  let z = 1n;
  for (let d = 0; d * 1000 < N; d++) {
    nodes.push({ path: `/d${d}`, data, stat: stat(z++) });
    for (let i = 0; i < 999; i++) nodes.push({ path: `/d${d}/n${i}`, data, stat: stat(z++) });
  }
}
for (let round = 0; round < rounds; round++) {
  const fresh = nodes.map((n) => ({ path: ` ${n.path}`.slice(1), data: n.data, stat: { ...n.stat } }));
  const tree = new DataTree({ digestEnabled: true });
  const c0 = cpuUsage();
  const t0 = performance.now();
  const r = tree.beginRestore();
  for (const n of fresh) r.node(n.path, n.data, -1, n.stat);
  r.finish(1n);
  const t1 = performance.now();
  const c = cpuUsage(c0);
  console.log(`${shape} round ${round + 1}: ${tree.nodeCount()} nodes, ${(t1 - t0).toFixed(0)} ms wall, ${((c.user + c.system) / 1000).toFixed(0)} ms CPU`);
}
