/**
 * The longest event-loop pause while zkts writes a snapshot of a large tree under load, in both snapshot formats
 * (zkts's and snapshot.format=zookeeper), with the same probe over the same time without a snapshot beside it (the
 * machine's own floor: a shared or loaded machine deschedules the process, which the probe cannot tell apart).
 *
 * Load: setData txns applied to the tree continuously (a batch of 200 per event-loop turn, as the core applies
 * committed txns), so the snapshot is fuzzy as on a live server. Probe: perf_hooks.monitorEventLoopDelay (1 ms
 * resolution) and a 1 ms timer recording the largest gap between its runs; major GCs are counted.
 *
 * Run: npx tsx apps/server/bench/snapshot-pause.ts [nodes=1000000] [formats=zkts,zookeeper] [pacing=time[,count]]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver, monitorEventLoopDelay } from "node:perf_hooks";
import type { DataTree } from "@zkts/datatree";
import { NodeStorage, snapshotTree, type SnapshotFormat } from "@zkts/persistence";
import { buildTree } from "./tree.js";

const N = Number(process.argv[2] ?? 1_000_000);
const FORMATS = (process.argv[3] ?? "zkts,zookeeper").split(",") as SnapshotFormat[];
const PACING = (process.argv[4] ?? "time").split(",") as Array<"time" | "count">;
let lastMs = 0;
const root = mkdtempSync(join(tmpdir(), "zkts-snap-pause-"));


interface Pause {
  ms: number;
  maxDelayMs: number;
  p99DelayMs: number;
  maxGapMs: number;
  majorGcs: number;
  /** The longest GC pause (any kind) and its kind (PerformanceObserver "gc" entries). */
  maxGcMs: number;
  maxGcKind: string;
  txns: number;
}

/** Runs `work` (or waits `idleMs`) with the load on and the probes watching. */
async function probe(tree: DataTree, work: (() => Promise<unknown>) | number): Promise<Pause> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let majorGcs = 0;
  let maxGcMs = 0;
  let maxGcKind = "none";
  const GC_KINDS: Record<number, string> = { 1: "scavenge", 2: "minor mark-compact", 4: "mark-compact", 8: "incremental marking", 16: "weak callbacks" };
  const gcObs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (kind === 4) majorGcs++;
      if (e.duration > maxGcMs) {
        maxGcMs = e.duration;
        maxGcKind = GC_KINDS[kind] ?? String(kind);
      }
    }
  });
  gcObs.observe({ entryTypes: ["gc"] });
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  let running = true;
  let txns = 0;
  let zxid = tree.lastProcessedZxid;
  const data = Buffer.alloc(100, 0x62);
  const load = async () => {
    while (running) {
      for (let i = 0; i < 200; i++) {
        zxid++;
        const path = `/d${Number(zxid % BigInt(Math.floor(N / 1000)))}/n${Number(zxid % 999n)}`;
        tree.processTxn({ clientId: 1n, cxid: 0, zxid, time: 1_700_000_000_000n, type: 5 }, { path, data, version: -1 });
        txns++;
      }
      await new Promise((r) => setImmediate(r));
    }
  };
  h.enable();
  const t0 = performance.now();
  const loading = load();
  if (typeof work === "number") await new Promise((r) => setTimeout(r, work));
  else await work();
  const ms = performance.now() - t0;
  lastMs = ms;
  running = false;
  await loading;
  h.disable();
  clearInterval(timer);
  gcObs.disconnect();
  return { ms, maxDelayMs: h.max / 1e6, p99DelayMs: h.percentile(99) / 1e6, maxGapMs: maxGap, majorGcs, maxGcMs, maxGcKind, txns };
}

/**
 * The writer's own slices, apart from the load between them: the tree handed to the writer notes when each node is
 * taken and in which event-loop turn (a setImmediate counter); a slice is the time from the first to the last node
 * taken in one turn. On a shared machine a slice still includes any time the process was descheduled in it.
 */
function sliceProbe(tree: DataTree): { tree: DataTree; summary(): string } {
  let turn = 0;
  let on = true;
  const tick = () => {
    turn++;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  const slices: number[] = [];
  let curTurn = -1;
  let first = 0;
  let last = 0;
  const close = () => {
    if (curTurn >= 0) slices.push(last - first);
  };
  const wrapped = Object.create(tree) as DataTree;
  wrapped.snapshotNodes = function* () {
    for (const n of tree.snapshotNodes()) {
      const now = performance.now();
      if (turn !== curTurn) {
        close();
        curTurn = turn;
        first = now;
      }
      last = now;
      yield n;
    }
  } as DataTree["snapshotNodes"];
  return {
    tree: wrapped,
    summary() {
      on = false;
      close();
      slices.sort((a, b) => a - b);
      const q = (f: number) => slices[Math.min(slices.length - 1, Math.floor(f * slices.length))] ?? NaN;
      return `${slices.length} slices, median ${q(0.5).toFixed(2)} ms, p99 ${q(0.99).toFixed(2)} ms, longest ${q(1).toFixed(1)} ms`;
    },
  };
}

const fmt = (p: Pause) =>
  `${(p.ms / 1000).toFixed(2)} s, max event-loop delay ${p.maxDelayMs.toFixed(1)} ms (p99 ${p.p99DelayMs.toFixed(1)} ms), ` +
  `max 1 ms timer gap ${p.maxGapMs.toFixed(1)} ms, ${p.majorGcs} major GC(s), longest GC pause ${p.maxGcMs.toFixed(1)} ms (${p.maxGcKind}), ` +
  `${p.txns} setData txns applied meanwhile`;

try {
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; building a tree of ${N} znodes of 100 bytes`);
  const tree = buildTree(N);
  const storage = new NodeStorage();
  for (const format of FORMATS) {
    for (const paced of PACING) {
      let bytes = 0;
      const slices = sliceProbe(tree);
      const p = await probe(tree, async () => {
        // "time": paced as the servers' stores pace it, by elapsed time on the monotonic clock (SNAPSHOT_SLICE_MS);
        // "count": every 250 nodes, as before
        const pace = paced === "time" ? { now: () => performance.now() } : { yieldEvery: 250 };
        const info = await snapshotTree(storage, join(root, format), slices.tree, new Map(), { time: Date.now(), format, ...pace });
        bytes = info.bytes;
      });
      console.log(`snapshot (${format} format, ${(bytes / 2 ** 20).toFixed(0)} MB, yields by ${paced}): ${fmt(p)}`);
      console.log(`  writer slices: ${slices.summary()}`);
    }
    const idle = await probe(tree, Math.round(lastMs));
    console.log(`  same time, no snapshot:       ${fmt(idle)}`);
  }
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
