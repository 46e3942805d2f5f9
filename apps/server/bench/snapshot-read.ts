/**
 * CPU of reading a snapshot file as the restore reads it, without a tree: rows to a node sink that only counts them
 * (readSnapshotRecords with nodeSink; a reader without that option yields node records, counted the same), checksum
 * included, `rounds` times in one process.
 *
 * Run: npx tsx apps/server/bench/snapshot-read.ts <snapshot file> [rounds=4]
 */
import { loadavg } from "node:os";
import { cpuUsage } from "node:process";
import { NodeStorage, readSnapshotRecords } from "@zkts/persistence";

const file = process.argv[2];
const rounds = Number(process.argv[3] ?? 4);
if (!file) {
  console.error("usage: snapshot-read.ts <snapshot file> [rounds]");
  process.exit(2);
}
const storage = new NodeStorage();
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
for (let i = 0; i < rounds; i++) {
  const c = cpuUsage();
  const t = performance.now();
  let n = 0;
  const nodeSink = () => void n++;
  for await (const r of readSnapshotRecords(storage, file, { dataViews: true, nodeSink })) if (r.type === "nodes") n += r.nodes.length;
  const u = cpuUsage(c);
  console.log(`round ${i + 1}: read ${n} nodes: ${(performance.now() - t).toFixed(0)} ms wall / ${((u.user + u.system) / 1000).toFixed(0)} ms CPU`);
}
