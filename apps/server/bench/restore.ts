/**
 * The start-up restore of a data dir, in one process, phase by phase: the newest valid snapshot streamed into a new
 * DataTree, then the txn log after it replayed (restoreDatabase, what zkts-server's start does before it serves).
 * The data dir is only read (a torn log tail is not truncated: pass a copy when it may have one). Prints wall and
 * CPU time of each phase, the nodes and txns, the heap and RSS after, and the load average.
 *
 * Run: npx tsx apps/server/bench/restore.ts <dataDir> [rounds=1]   (ZKTS_RESTORE_DIGEST=inline: no digest worker)
 * The CPU figures are the process's (all threads: the digest worker's too).
 *      (a 1,000,000-znode data dir: `zkts-bench compare --restart --data-dir <dir>` leaves one in <dir>/zkts)
 * Profile: node --import tsx --cpu-prof --cpu-prof-dir=<dir> apps/server/bench/restore.ts <dataDir>
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { cpuUsage, memoryUsage } from "node:process";
import { DataTree } from "@zkts/datatree";
import { NodeStorage, restoreDatabase, snapshotDigestOffThread, type Storage } from "@zkts/persistence";

const dataDir = process.argv[2];
const rounds = Number(process.argv[3] ?? 1);
/** As zkts-server: the snapshot's node digests summed by a worker thread (ZKTS_RESTORE_DIGEST=inline: in this thread). */
const offThread = process.env.ZKTS_RESTORE_DIGEST !== "inline";
if (!dataDir) {
  console.error("usage: restore.ts <dataDir> [rounds]");
  process.exit(2);
}

/** NodeStorage that refuses writes: the probe must not change the data dir it measures. */
function readOnly(s: Storage): Storage {
  const refuse = async () => {
    throw new Error("restore probe: the data dir is read only here");
  };
  return new Proxy(s, {
    get(target, prop, recv) {
      if (prop === "remove" || prop === "rename" || prop === "syncDir") return refuse;
      if (prop === "open") return (path: string, mode: "read" | "create" | "append") => (mode === "read" ? target.open(path, mode) : refuse());
      const v = Reflect.get(target, prop, recv) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const cpuMs = () => {
  const u = cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU time of this process's main thread alone (Linux: /proc/self/task/<pid>/stat utime + stime, 10 ms ticks), ms; NaN elsewhere. */
const mainCpuMs = () => {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, "latin1");
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return NaN;
  }
};
const la = () => loadavg().map((x) => x.toFixed(2)).join(" ");

console.log(`load average ${la()}; restoring ${dataDir} (${rounds} round(s)), node digests ${offThread ? "summed by a worker thread" : "in this thread"}`);
for (let round = 0; round < rounds; round++) {
  const tree = new DataTree({ digestEnabled: true, extendedTypesEnabled: true });
  const t0 = performance.now();
  const c0 = cpuMs();
  const m0 = mainCpuMs();
  let tSnap = NaN;
  let cSnap = NaN;
  // the replay starts with the first processTxn: time the snapshot load up to there
  const processTxn = tree.processTxn.bind(tree);
  let first = true;
  tree.processTxn = ((h, t) => {
    if (first) {
      first = false;
      tSnap = performance.now();
      cSnap = cpuMs();
    }
    return processTxn(h, t);
  }) as typeof tree.processTxn;
  const r = await restoreDatabase({ storage: readOnly(new NodeStorage()), dataDir, tree, ...(offThread ? { snapshotDigester: snapshotDigestOffThread } : {}) });
  const t1 = performance.now();
  const c1 = cpuMs();
  const m1 = mainCpuMs();
  if (first) {
    tSnap = t1;
    cSnap = c1;
  }
  const m = memoryUsage();
  console.log(
    `round ${round + 1}: ${tree.nodeCount()} znodes from ${r.snapshot?.path ?? "no snapshot"} + ${r.replayed} txns replayed: ` +
      `total ${(t1 - t0).toFixed(0)} ms wall / ${(c1 - c0).toFixed(0)} ms CPU (main thread ${(m1 - m0).toFixed(0)} ms); snapshot ${(tSnap - t0).toFixed(0)} ms wall / ` +
      `${(cSnap - c0).toFixed(0)} ms CPU; log tail ${(t1 - tSnap).toFixed(0)} ms wall / ${(c1 - cSnap).toFixed(0)} ms CPU; ` +
      `heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MB, RSS ${(m.rss / 2 ** 20).toFixed(0)} MB; digests checked ${r.digests.checked}, mismatched ${r.digests.mismatched}`,
  );
}
console.log(`load average ${la()}`);
