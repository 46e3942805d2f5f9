/**
 * `zkts-bench compare --znodes N`: the large-tree scenario, one server at a time (never both loaded at once: at
 * 10,000,000 znodes each needs many GB). For each server (zkts first, then Apache ZooKeeper; `--only` picks one):
 * start it on a fresh data dir with compare's zoo.cfg, load N znodes of 100 bytes (`/zkts-bench-mem/k<i>`, 8
 * sessions pipelined), read its RSS, run getData then setData on random keys of the N (`--duration`, `--warmup`),
 * stop it (SIGTERM) and time its restart on the same data dir to the first getData of the last znode (restart.ts),
 * read its RSS again, stop it and delete its data dir before the next server starts. A server that fails (out of
 * memory, a timeout) is reported with the phase it failed in and the figures it reached.
 *
 * While loading, every snapCount/2 to snapCount txns (default 100,000) each server writes a snapshot of the whole
 * tree, and neither deletes old ones by default (autopurge is off): 10,000,000 creates would leave ~130 snapshots,
 * over 100 GB. So the bench deletes all but the newest `SNAPSHOTS_KEPT` snapshots every few seconds during the load,
 * as autopurge.snapRetainCount=3 would (the newest, possibly being written, is never touched).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_OPTIONS, type BenchOptions, type CompareOptions, type Mix } from "./args.js";
import { runBenchmark, setupTree, type BenchResult } from "./bench.js";
import { fmtInt, machineInfo, machineLine, mb, publish, toStdout, type MachineInfo } from "./compare.js";
import { ms } from "./format.js";
import { restartAndTime, snapshotFiles, type RestartFigure } from "./restart.js";
import { processMemory, startApacheZooKeeper, startZktsServer, type RunningServer } from "./servers.js";
import { keyPath } from "./workload.js";

export const ZNODES_ROOT = "/zkts-bench-mem";

export interface ZnodesSide {
  name: string;
  /** The phase that failed, with its error; later phases did not run. */
  failure: string | undefined;
  rssStartBytes: number | undefined;
  load: { created: number; ms: number; perSecond: number } | undefined;
  /** After the load (2 s settle): VmRSS and VmHWM. */
  rssLoadedBytes: number | undefined;
  hwmLoadedBytes: number | undefined;
  /** Old snapshots the bench deleted during the load (see SNAPSHOTS_KEPT). */
  snapshotsPurged: number;
  get: BenchResult | undefined;
  set: BenchResult | undefined;
  /**
   * Snapshot writing around each measured phase (warm-up included): snapshot files that appeared during it, and
   * whether one was being written when it started (zkts writes `tmp.snapshot.*` and renames it; ZooKeeper writes
   * `snapshot.*` in place, so for it only the files that appeared are known).
   */
  snapshotsDuring: { get: SnapshotActivity | undefined; set: SnapshotActivity | undefined };
  restart: RestartFigure | undefined;
}

export interface ZnodesReport extends MachineInfo {
  loadavgBefore: number[];
  loadavgAfter: number[];
  options: CompareOptions;
  nodes: number;
  sides: ZnodesSide[];
}

/** Snapshots kept while loading (autopurge.snapRetainCount's default). */
export const SNAPSHOTS_KEPT = 3;

/** Deletes all but the newest `keep` snapshot files of a data dir; returns how many it deleted. */
export function purgeSnapshots(dataDir: string, keep = SNAPSHOTS_KEPT): number {
  let n = 0;
  for (const f of snapshotFiles(dataDir).slice(keep)) {
    try {
      unlinkSync(join(dataDir, "version-2", f.name));
      n++;
    } catch {
      // gone already
    }
  }
  return n;
}

export interface SnapshotActivity {
  /** Snapshot files that appeared between the start and the end of the phase. */
  appeared: number;
  /** A zkts temp snapshot file existed when the phase started (a snapshot was being written). */
  inProgressAtStart: boolean;
}

/** Names of the snapshot files (finished, and zkts's temp ones) in a data dir's version-2. */
function snapshotNames(dataDir: string): { done: Set<string>; temp: boolean } {
  const dir = join(dataDir, "version-2");
  const names = existsSync(dir) ? readdirSync(dir) : [];
  return { done: new Set(names.filter((n) => n.startsWith("snapshot."))), temp: names.some((n) => n.startsWith("tmp.snapshot.")) };
}

/** Runs `phase` and reports the snapshot writing around it. */
async function watchingSnapshots<T>(dataDir: string, phase: () => Promise<T>): Promise<{ value: T; activity: SnapshotActivity }> {
  const before = snapshotNames(dataDir);
  const value = await phase();
  const after = snapshotNames(dataDir);
  return { value, activity: { appeared: [...after.done].filter((n) => !before.done.has(n)).length, inProgressAtStart: before.temp } };
}

const GET: Mix = [{ workload: "get", weight: 1 }];
const SET: Mix = [{ workload: "set", weight: 1 }];

function memory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    return processMemory(pid);
  } catch {
    return undefined;
  }
}

async function measure(s: RunningServer, opts: CompareOptions, mix: Mix, nodes: number, log: (l: string) => void): Promise<BenchResult> {
  const bench: BenchOptions = {
    ...DEFAULT_OPTIONS,
    server: s.server,
    mix,
    connections: opts.connections,
    depth: opts.depth,
    valueSize: 100,
    durationMs: opts.durationMs,
    warmupMs: opts.warmupMs,
    keys: nodes,
    root: ZNODES_ROOT,
    keep: true,
    noSetup: true,
    procs: opts.procs,
  };
  const r = await runBenchmark(bench, {});
  log(
    `  ${s.name.padEnd(9)} ${mix[0]!.workload.padEnd(4)} over ${fmtInt(nodes)} znodes: ${fmtInt(r.throughput)} ops/s, ` +
      `p50 ${ms(r.latencyUs.p50)} p99 ${ms(r.latencyUs.p99)} p99.9 ${ms(r.latencyUs.p999)} max ${ms(r.latencyUs.max)} ms, errors ${r.errors}`,
  );
  return r;
}

/** One server through every phase; `start` spawns it on `baseDir`. The server is stopped when this returns. */
async function runSide(
  name: string,
  start: () => Promise<RunningServer>,
  opts: CompareOptions,
  nodes: number,
  log: (l: string) => void,
): Promise<ZnodesSide> {
  const side: ZnodesSide = {
    name,
    failure: undefined,
    rssStartBytes: undefined,
    load: undefined,
    rssLoadedBytes: undefined,
    hwmLoadedBytes: undefined,
    snapshotsPurged: 0,
    get: undefined,
    set: undefined,
    snapshotsDuring: { get: undefined, set: undefined },
    restart: undefined,
  };
  let phase = "start";
  let s: RunningServer | undefined;
  try {
    s = await start();
    side.rssStartBytes = memory(s.pid)?.rss;
    log(`compare --znodes: ${name} pid ${s.pid} on ${s.server}; loading ${fmtInt(nodes)} znodes of 100 bytes`);
    phase = "load";
    const dataDir = s.dataDir;
    let purged = 0;
    const purger = setInterval(() => (purged += purgeSnapshots(dataDir)), 5000);
    const l = await setupTree({ ...DEFAULT_OPTIONS, server: s.server, root: ZNODES_ROOT, keys: nodes, valueSize: 100, children: 0 }, (x) =>
      log(`  ${name}:${x}`),
    ).finally(() => clearInterval(purger));
    purged += purgeSnapshots(dataDir);
    side.snapshotsPurged = purged;
    side.load = { created: l.created, ms: l.ms, perSecond: (l.created / l.ms) * 1000 };
    await new Promise((r) => setTimeout(r, 2000));
    const m = memory(s.pid);
    side.rssLoadedBytes = m?.rss;
    side.hwmLoadedBytes = m?.hwm;
    log(`  ${name} loaded in ${(l.ms / 1000).toFixed(1)} s (${fmtInt(side.load.perSecond)}/s), RSS ${m ? mb(m.rss) : "n/a"} (peak ${m ? mb(m.hwm) : "n/a"})`);
    phase = "get";
    const srv = s;
    const g = await watchingSnapshots(dataDir, () => measure(srv, opts, GET, nodes, log));
    side.get = g.value;
    side.snapshotsDuring.get = g.activity;
    phase = "set";
    const w = await watchingSnapshots(dataDir, () => measure(srv, opts, SET, nodes, log));
    side.set = w.value;
    side.snapshotsDuring.set = w.activity;
    log(`  ${name} snapshots during get / set: ${[g.activity, w.activity].map((a) => `${a.appeared} appeared${a.inProgressAtStart ? ", one in progress at the start" : ""}`).join(" / ")}`);
    phase = "restart";
    log(`compare --znodes: restarting ${name} (SIGTERM, then the same command on the same data dir)`);
    const r = await restartAndTime(s, keyPath(ZNODES_ROOT, nodes - 1), { timeoutMs: 1_800_000 });
    s = r.server;
    side.restart = r.figure;
    const f = r.figure;
    log(
      `  ${name} stop ${(f.stopMs / 1000).toFixed(2)} s, restart to first getData ${(f.restartMs / 1000).toFixed(2)} s from ` +
        `${f.snapshot?.name ?? "no snapshot"} + ${f.txnsAfterSnapshot ?? "?"} txns, RSS after ${mb(f.rssAfter)}`,
    );
  } catch (e) {
    side.failure = `${phase}: ${(e as Error).message.split("\n")[0]}`;
    log(`compare --znodes: ${name} failed in ${phase}: ${(e as Error).message}`);
  } finally {
    await s?.stop(300_000);
  }
  return side;
}

export async function runZnodesCompare(opts: CompareOptions, log: (line: string) => void, out: (text: string) => void = toStdout): Promise<ZnodesReport> {
  const nodes = opts.znodes;
  const loadavgBefore = loadavg();
  const sides: ZnodesSide[] = [];
  const which = opts.only === undefined ? ["zkts", "zookeeper"] : [opts.only];
  for (const kind of which) {
    const baseDir = mkdtempSync(join(opts.dataDir ?? tmpdir(), "zkts-znodes-"));
    log(`compare --znodes: ${kind} data under ${baseDir}; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
    try {
      sides.push(
        kind === "zkts"
          ? await runSide("zkts", () => startZktsServer({ baseDir, heapMb: opts.zktsHeapMb, profileDir: opts.profileDir }), opts, nodes, log)
          : await runSide("ZooKeeper", () => startApacheZooKeeper({ baseDir, heap: opts.zkHeap }), opts, nodes, log),
      );
    } finally {
      rmSync(baseDir, { recursive: true, force: true });
    }
  }
  const report: ZnodesReport = { ...machineInfo(), loadavgBefore, loadavgAfter: loadavg(), options: opts, nodes, sides };
  publish(report, znodesMarkdown(report), opts, out);
  return report;
}

const na = "n/a";
const mbOr = (b: number | undefined) => (b === undefined ? na : mb(b));
const lat = (r: BenchResult | undefined) =>
  r === undefined ? na : `${ms(r.latencyUs.p50)} / ${ms(r.latencyUs.p99)} / ${ms(r.latencyUs.p999)} / ${ms(r.latencyUs.max)}`;
const ops = (r: BenchResult | undefined) => (r === undefined ? na : `${fmtInt(r.throughput)}${r.errors > 0 ? ` (${fmtInt(r.errors)} errors)` : ""}`);

/** The report as a markdown section (docs/benchmarks.md): one column per server run. */
export function znodesMarkdown(r: ZnodesReport): string {
  const o = r.options;
  const out: string[] = [];
  out.push(`#### ${r.date.slice(0, 16).replace("T", " ")} UTC: compare --znodes ${fmtInt(r.nodes)}`);
  out.push("");
  out.push(machineLine(r));
  out.push(
    `Standalone, compare's zoo.cfg (tickTime=2000, forceSync=yes, default snapCount); ZooKeeper -Xmx${o.zkHeap}, zkts ` +
      `--max-old-space-size=${o.zktsHeapMb}; one server at a time (${r.sides.map((s) => s.name).join(", then ")}), each on a fresh data dir. ` +
      `get / set: ${o.connections} connections x depth ${o.depth} on random keys of the ${fmtInt(r.nodes)}, ${o.durationMs / 1000} s measured ` +
      `after ${o.warmupMs / 1000} s of warm-up; latency p50 / p99 / p99.9 / max in ms. Restart: SIGTERM, then the same command on the same ` +
      `data dir, timed from the spawn to the first getData of the last znode answered OK.`,
  );
  out.push("");
  out.push(`| ${fmtInt(r.nodes)} znodes of 100 B | ${r.sides.map((s) => s.name).join(" | ")} |`);
  out.push(`|---|${r.sides.map(() => "---:").join("|")}|`);
  const row = (label: string, f: (s: ZnodesSide) => string) => out.push(`| ${label} | ${r.sides.map(f).join(" | ")} |`);
  if (r.sides.some((s) => s.failure !== undefined)) row("failed in", (s) => s.failure ?? "-");
  row("load: time (creates/s)", (s) => (s.load === undefined ? na : `${(s.load.ms / 1000).toFixed(1)} s (${fmtInt(s.load.perSecond)}/s)`));
  row("old snapshots deleted during the load (3 kept)", (s) => String(s.snapshotsPurged));
  row("RSS at start / loaded (peak)", (s) => `${mbOr(s.rssStartBytes)} / ${mbOr(s.rssLoadedBytes)} (${mbOr(s.hwmLoadedBytes)})`);
  row("get ops/s", (s) => ops(s.get));
  row("get latency ms", (s) => lat(s.get));
  row("set ops/s (fsync)", (s) => ops(s.set));
  row("set latency ms", (s) => lat(s.set));
  const snaps = (a: SnapshotActivity | undefined) => (a === undefined ? na : `${a.appeared}${a.inProgressAtStart ? " (+ one in progress at the start)" : ""}`);
  row("snapshot files that appeared during get / set", (s) => `${snaps(s.snapshotsDuring.get)} / ${snaps(s.snapshotsDuring.set)}`);
  row("stop (SIGTERM to exit)", (s) => (s.restart === undefined ? na : `${(s.restart.stopMs / 1000).toFixed(2)} s`));
  row("restart: spawn to first getData OK", (s) => (s.restart === undefined ? na : `${(s.restart.restartMs / 1000).toFixed(2)} s`));
  row("restart: server CPU time from the spawn to that getData", (s) =>
    s.restart === undefined || !Number.isFinite(s.restart.cpuSeconds) ? na : `${s.restart.cpuSeconds.toFixed(2)} s`,
  );
  row("restarted from snapshot (+ txns after it)", (s) =>
    s.restart === undefined
      ? na
      : `${s.restart.snapshot === undefined ? "none" : `${s.restart.snapshot.name} (${mb(s.restart.snapshot.bytes)})`} + ${s.restart.txnsAfterSnapshot === undefined ? "?" : fmtInt(s.restart.txnsAfterSnapshot)}`,
  );
  row("snapshots written between spawn and first getData", (s) => (s.restart === undefined ? na : String(s.restart.snapshotsWrittenAtStart)));
  row("RSS after the restart", (s) => (s.restart === undefined ? na : mb(s.restart.rssAfter)));
  return out.join("\n");
}
