/**
 * `zkts-bench compare`: Apache ZooKeeper and zkts side by side on this machine, same zoo.cfg (tickTime 2000,
 * forceSync=yes, data dirs under one base dir on the same disk), the same workloads run alternately against each,
 * then resident memory after loading N znodes of 100 bytes.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { DEFAULT_OPTIONS, mixName, type BenchOptions, type CompareOptions, type Mix } from "./args.js";
import { runBenchmark, setupTree, type BenchResult } from "./bench.js";
import type { WindowEdge } from "./runner.js";
import { ms } from "./format.js";
import { restartAndTime, type RestartFigure } from "./restart.js";
import { keyPath } from "./workload.js";
import {
  processCpuSeconds,
  processMemory,
  startApacheZooKeeper,
  startZktsServer,
  txnLogs,
  type RunningServer,
} from "./servers.js";

export { processCpuSeconds } from "./servers.js";

export interface SideResult {
  result: BenchResult;
  /** Server CPU during the whole run (warm-up + measured), percent of one core, summed over the server processes. */
  serverCpuPercent: number;
  /** The same per server process (for an ensemble: leader first, then the followers by id). */
  serverCpuPercentByProcess: number[];
  /**
   * Server CPU time (utime + stime, summed over the server processes) per reply, in microseconds, over the measured
   * window only: CPU seconds between the window's start and end / the window's length / throughput. NaN or absent if unknown.
   */
  serverCpuPerOpUs?: number;
  /**
   * The same for the main thread of the server processes only (/proc/<pid>/task/<pid>/stat): for zkts the event
   * loop's thread (the rest is libuv's pool, V8's GC helpers and worker threads). Meaningless for a JVM (its main
   * thread only launches the others).
   */
  mainThreadCpuPerOpUs?: number;
}

/** Where a run sends its load: a server list (connections spread over it) and the server processes whose CPU counts. */
export interface LoadTarget {
  name: string;
  /** host:port[,host:port...] */
  server: string;
  pids: number[];
}

/** What every report records about the machine and the software. */
export interface MachineInfo {
  date: string;
  machine: string;
  cores: number;
  memoryGiB: number;
  node: string;
  java: string;
}

export function machineInfo(): MachineInfo {
  return {
    date: new Date().toISOString(),
    machine: `${cpus()[0]?.model ?? "unknown CPU"}`,
    cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    java: javaVersion(),
  };
}

export interface CompareRow {
  workload: string;
  zookeeper: SideResult;
  zkts: SideResult;
}

export interface CompareReport extends MachineInfo {
  loadavgBefore: number[];
  loadavgAfter: number[];
  options: CompareOptions;
  rows: CompareRow[];
  setup: { zookeeper: number; zkts: number; keys: number };
  memory:
    | {
        nodes: number;
        loadPerSecond: { zookeeper: number; zkts: number };
        baseline: { zookeeper: number; zkts: number };
        after: { zookeeper: number; zkts: number };
      }
    | undefined;
  persistence: { zookeeper: { files: number; bytes: number }; zkts: { files: number; bytes: number } };
  /** `--restart`: each server stopped, started again on its data dir, timed to its first getData. */
  restart?: { zookeeper: RestartFigure; zkts: RestartFigure; nodes: number } | undefined;
  zktsInMemoryOnly: boolean;
  profileDir: string | undefined;
}

function javaVersion(): string {
  const r = spawnSync("/usr/bin/java", ["-version"], { encoding: "utf8" });
  return (r.stderr ?? "").split("\n")[0]?.trim() || "java unknown";
}

/** CPU seconds of a process (or of its main thread), NaN once it is gone. */
function cpuSecondsOrNaN(pid: number, mainThread = false): number {
  try {
    return processCpuSeconds(pid, mainThread);
  } catch {
    return NaN;
  }
}

/** One benchmark run (key space already set up) against `target`, with the server processes' CPU over it. */
export async function runOne(
  target: LoadTarget,
  opts: CompareOptions,
  mix: Mix,
  log: (l: string) => void,
  label = mixName(mix),
): Promise<SideResult> {
  const bench: BenchOptions = {
    ...DEFAULT_OPTIONS,
    server: target.server,
    mix,
    connections: opts.connections,
    depth: opts.depth,
    valueSize: opts.valueSize,
    durationMs: opts.durationMs,
    warmupMs: opts.warmupMs,
    keys: opts.keys,
    keep: true,
    noSetup: true,
    procs: opts.procs,
  };
  const cpu0 = target.pids.map((p) => cpuSecondsOrNaN(p));
  const t0 = performance.now();
  const probe = windowCpuProbe(target.pids);
  const result = await runBenchmark(bench, { onWindow: probe.onWindow });
  const serverCpuPerOpUs = probe.perOpUs(result.throughput);
  const mainThreadCpuPerOpUs = probe.mainThreadPerOpUs(result.throughput);
  const wall = (performance.now() - t0) / 1000;
  const byProcess = target.pids.map((pid, i) => ((cpuSecondsOrNaN(pid) - cpu0[i]!) / wall) * 100);
  const serverCpuPercent = byProcess.reduce((a, b) => a + b, 0);
  log(
    `  ${target.name.padEnd(9)} ${label.padEnd(14)} ${Math.round(result.throughput).toLocaleString("en-US").padStart(9)} ops/s` +
      `  p50 ${ms(result.latencyUs.p50)} p99 ${ms(result.latencyUs.p99)} ms  errors ${result.errors}` +
      `  server CPU ${serverCpuPercent.toFixed(0)}%${byProcess.length > 1 ? ` (${byProcess.map((c) => c.toFixed(0)).join(" + ")})` : ""}` +
      `  ${usPerOp(serverCpuPerOpUs)} us/op (main thread ${usPerOp(mainThreadCpuPerOpUs)})` +
      `  bench CPU ${result.bench.cpuPercentOfOneCore.toFixed(0)}%`,
  );
  if (result.errors > 0) log(`    errors: ${JSON.stringify(result.errorsByCode)} first: ${result.firstError}`);
  return { result, serverCpuPercent, serverCpuPercentByProcess: byProcess, serverCpuPerOpUs, mainThreadCpuPerOpUs };
}

/**
 * Reads the server processes' CPU time (/proc/<pid>/stat, 10 ms ticks) when the measured window starts and ends;
 * `perOpUs(throughput)` is then the servers' CPU microseconds per reply over that window.
 */
export function windowCpuProbe(pids: number[]): {
  onWindow: (edge: WindowEdge) => void;
  perOpUs: (throughput: number) => number;
  /** The same for the processes' main threads only. */
  mainThreadPerOpUs: (throughput: number) => number;
} {
  let cpuStart = NaN;
  let cpuEnd = NaN;
  let mainStart = NaN;
  let mainEnd = NaN;
  let tStart = NaN;
  let tEnd = NaN;
  const cpuNow = (mainThread: boolean) => pids.map((p) => cpuSecondsOrNaN(p, mainThread)).reduce((a, b) => a + b, 0);
  const perOp = (cpu: number, throughput: number) => {
    const secs = (tEnd - tStart) / 1000;
    if (!(secs > 0) || !(throughput > 0)) return NaN;
    return (cpu / secs / throughput) * 1e6;
  };
  return {
    onWindow: (edge) => {
      if (edge === "start") {
        cpuStart = cpuNow(false);
        mainStart = cpuNow(true);
        tStart = performance.now();
      } else {
        cpuEnd = cpuNow(false);
        mainEnd = cpuNow(true);
        tEnd = performance.now();
      }
    },
    perOpUs: (throughput) => perOp(cpuEnd - cpuStart, throughput),
    mainThreadPerOpUs: (throughput) => perOp(mainEnd - mainStart, throughput),
  };
}

/** CPU microseconds per op, "n/a" when unknown. */
export const usPerOp = (us: number | undefined) => (us !== undefined && Number.isFinite(us) ? us.toFixed(1) : "n/a");

/** The run with the highest throughput. */
export const best = (a: SideResult[]): SideResult => a.reduce((x, y) => (y.result.throughput > x.result.throughput ? y : x));

/** Writes the report to stdout (markdown, or JSON with --json). */
export const toStdout = (text: string) => void process.stdout.write(text);

export async function runCompare(
  opts: CompareOptions,
  log: (line: string) => void,
  out: (text: string) => void = toStdout,
): Promise<CompareReport> {
  const baseDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "zkts-compare-"));
  const loadavgBefore = loadavg();
  log(`compare: data under ${baseDir}; load average ${loadavgBefore.map((x) => x.toFixed(2)).join(" ")}`);
  const servers: RunningServer[] = [];
  try {
    const cpus = opts.serverCpus !== undefined ? { cpus: opts.serverCpus } : {};
    const zk = await startApacheZooKeeper({ baseDir, heap: opts.zkHeap, ...cpus });
    servers.push(zk);
    const zkts = await startZktsServer({ baseDir, heapMb: opts.zktsHeapMb, profileDir: opts.profileDir, config: opts.zktsConfig, ...cpus });
    servers.push(zkts);
    log(`compare: Apache ZooKeeper pid ${zk.pid} on ${zk.server}, zkts pid ${zkts.pid} on ${zkts.server}`);

    const setupOpts = { ...DEFAULT_OPTIONS, keys: opts.keys, valueSize: opts.valueSize };
    const sZk = await setupTree({ ...setupOpts, server: zk.server });
    const sZkts = await setupTree({ ...setupOpts, server: zkts.server });
    const setup = {
      keys: opts.keys,
      zookeeper: (sZk.created / sZk.ms) * 1000,
      zkts: (sZkts.created / sZkts.ms) * 1000,
    };
    log(`compare: key space of ${opts.keys} loaded (${Math.round(setup.zookeeper)} vs ${Math.round(setup.zkts)} creates/s)`);

    const rows: CompareRow[] = [];
    for (const mix of opts.workloads) {
      const zkRuns: SideResult[] = [];
      const zktsRuns: SideResult[] = [];
      for (let round = 0; round < opts.rounds; round++) {
        // Alternate which server goes first so neither always runs on a warmer (or busier) machine.
        const order = round % 2 === 0 ? [zk, zkts] : [zkts, zk];
        for (const s of order) {
          (s === zk ? zkRuns : zktsRuns).push(await runOne({ name: s.name, server: s.server, pids: [s.pid] }, opts, mix, log));
        }
      }
      rows.push({ workload: mixName(mix), zookeeper: best(zkRuns), zkts: best(zktsRuns) });
    }

    const persistence = { zookeeper: txnLogs(zk.dataDir), zkts: txnLogs(zkts.dataDir) };
    const zktsInMemoryOnly = persistence.zkts.files === 0;
    if (zktsInMemoryOnly) {
      log(`compare: NOTE zkts wrote no txn log under ${zkts.dataDir}/version-2 after the writes: it runs in memory only, so its write figures include no fsync`);
    }

    let memory: CompareReport["memory"];
    if (!opts.skipMemory && opts.memoryNodes > 0) {
      const baseline = { zookeeper: processMemory(zk.pid).rss, zkts: processMemory(zkts.pid).rss };
      const memOpts = { ...DEFAULT_OPTIONS, root: "/zkts-bench-mem", keys: opts.memoryNodes, valueSize: 100, children: 0 };
      log(`compare: loading ${opts.memoryNodes} znodes of 100 bytes into each server`);
      const lZk = await setupTree({ ...memOpts, server: zk.server }, log);
      const lZkts = await setupTree({ ...memOpts, server: zkts.server }, log);
      await new Promise((r) => setTimeout(r, 2000));
      memory = {
        nodes: opts.memoryNodes,
        loadPerSecond: { zookeeper: (lZk.created / lZk.ms) * 1000, zkts: (lZkts.created / lZkts.ms) * 1000 },
        baseline,
        after: { zookeeper: processMemory(zk.pid).rss, zkts: processMemory(zkts.pid).rss },
      };
    }

    let restart: CompareReport["restart"];
    if (opts.restart) {
      const probe = memory ? keyPath("/zkts-bench-mem", memory.nodes - 1) : keyPath(DEFAULT_OPTIONS.root, opts.keys - 1);
      restart = await restartPhase(servers, zk, zkts, probe, log);
      restart.nodes = memory?.nodes ?? opts.keys;
    }

    const report: CompareReport = {
      ...machineInfo(),
      loadavgBefore,
      loadavgAfter: loadavg(),
      options: opts,
      rows,
      setup,
      memory,
      persistence,
      restart,
      zktsInMemoryOnly,
      profileDir: opts.profileDir,
    };
    publish(report, compareMarkdown(report), opts, out);
    return report;
  } finally {
    for (const s of servers.reverse()) await s.stop();
    if (opts.dataDir === undefined) rmSync(baseDir, { recursive: true, force: true });
  }
}

/**
 * `--restart`: ZooKeeper, then zkts (one at a time), stopped and started again on the same data dir; the restarted
 * servers replace the old ones in `servers` (stopped by the caller).
 */
async function restartPhase(
  servers: RunningServer[],
  zk: RunningServer,
  zkts: RunningServer,
  probe: string,
  log: (line: string) => void,
): Promise<NonNullable<CompareReport["restart"]>> {
  const figures: RestartFigure[] = [];
  for (const s of [zk, zkts]) {
    log(`compare: restarting ${s.name} (SIGTERM, then the same command on the same data dir), timed to a getData of ${probe}`);
    const r = await restartAndTime(s, probe);
    servers[servers.indexOf(s)] = r.server;
    const f = r.figure;
    log(
      `  ${f.name.padEnd(9)} stop ${ms(f.stopMs * 1000)} ms, restart to first getData ${ms(f.restartMs * 1000)} ms (CPU ${f.cpuSeconds.toFixed(2)} s) from ${f.snapshot?.name ?? "no snapshot"}` +
        ` (${mb(f.snapshot?.bytes ?? 0)}) + ${f.txnsAfterSnapshot ?? "?"} logged txns; ${f.snapshotsWrittenAtStart} snapshot(s) completed before the first getData; RSS ${mb(f.rssAfter)}`,
    );
    figures.push(f);
  }
  return { zookeeper: figures[0]!, zkts: figures[1]!, nodes: 0 };
}

/** The --restart table (markdown lines). */
export function restartMarkdown(r: NonNullable<CompareReport["restart"]>): string[] {
  const a = r.zookeeper;
  const b = r.zkts;
  const snap = (f: RestartFigure) => (f.snapshot ? `${f.snapshot.name} (${mb(f.snapshot.bytes)})` : "none");
  const cpuS = (f: RestartFigure) => (Number.isFinite(f.cpuSeconds) ? f.cpuSeconds.toFixed(2) : "n/a");
  return [
    `| restart with ${fmtInt(r.nodes)} znodes (SIGTERM, start on the same data dir) | ZooKeeper | zkts | zkts / ZK |`,
    "|---|---:|---:|---:|",
    `| spawn to first getData OK (s) | ${(a.restartMs / 1000).toFixed(2)} | ${(b.restartMs / 1000).toFixed(2)} | ${ratio(b.restartMs, a.restartMs)} |`,
    `| CPU time of the server process from the spawn to that getData (s) | ${cpuS(a)} | ${cpuS(b)} | ${Number.isFinite(a.cpuSeconds) && Number.isFinite(b.cpuSeconds) ? ratio(b.cpuSeconds, a.cpuSeconds) : "n/a"} |`,
    `| stop (SIGTERM to exit, s) | ${(a.stopMs / 1000).toFixed(2)} | ${(b.stopMs / 1000).toFixed(2)} | ${ratio(b.stopMs, a.stopMs)} |`,
    `| restarted from snapshot | ${snap(a)} | ${snap(b)} | |`,
    `| + txns logged after it (replayed) | ${a.txnsAfterSnapshot ?? "n/a"} | ${b.txnsAfterSnapshot ?? "n/a"} | |`,
    `| snapshots completed between the spawn and the first getData | ${a.snapshotsWrittenAtStart} | ${b.snapshotsWrittenAtStart} | |`,
    `| RSS after the restart | ${mb(a.rssAfter)} | ${mb(b.rssAfter)} | ${ratio(b.rssAfter, a.rssAfter)} |`,
  ];
}

/** Prints the report (JSON with --json, else the markdown) and appends the markdown to --markdown's file. */
export function publish(report: object, md: string, opts: Pick<CompareOptions, "json" | "markdown">, out: (text: string) => void): void {
  out(opts.json ? JSON.stringify(report, null, 2) + "\n" : md + "\n");
  if (opts.markdown !== undefined) appendFileSync(opts.markdown, "\n" + md + "\n");
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
export const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");
export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
export const pct = (cpu: number) => (Number.isFinite(cpu) ? `${cpu.toFixed(0)}%` : "n/a");
const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");

/** "Machine: ..., Load average before ..., after ...". */
export function machineLine(r: MachineInfo & { loadavgBefore: number[]; loadavgAfter: number[] }): string {
  return (
    `Machine: ${r.machine}, ${r.cores} cores, ${r.memoryGiB.toFixed(0)} GiB; Node ${r.node}; ${r.java}. ` +
    `Load average before ${loads(r.loadavgBefore)}, after ${loads(r.loadavgAfter)}.`
  );
}

/** The results table's header; `extra` columns go after the workload column. */
export function resultsHeader(extra: string[] = [], cpuTitle = "server CPU ZK / zkts"): string[] {
  const cols = ["workload", ...extra, "ZooKeeper ops/s", "zkts ops/s", "zkts / ZK", "ZK p50 / p99 / p99.9 ms", "zkts p50 / p99 / p99.9 ms", "p99 zkts / ZK", cpuTitle, "bench CPU"];
  const align = ["---", ...extra.map(() => "---"), ...Array.from({ length: 8 }, () => "---:")];
  return [`| ${cols.join(" | ")} |`, `|${align.join("|")}|`];
}

/** Server CPU per op (measured window only): ZooKeeper / zkts in microseconds, and zkts / ZooKeeper. */
export const CPU_PER_OP_COLUMNS = ["server CPU/op ZK / zkts (us)", "CPU/op zkts / ZK"];

/** resultsHeader with the CPU-per-op columns appended. */
export function resultsHeaderWithCpuPerOp(): string[] {
  const [names = "", align = ""] = resultsHeader();
  return [`${names} ${CPU_PER_OP_COLUMNS.join(" | ")} |`, `${align}---:|---:|`];
}

/** resultsRow with the CPU-per-op cells appended. */
export function resultsRowWithCpuPerOp(cells: string[], zk: SideResult, zkts: SideResult): string {
  return `${resultsRow(cells, zk, zkts)} ${cpuPerOpCells(zk, zkts)} |`;
}

export function cpuPerOpCells(zk: SideResult, zkts: SideResult): string {
  const a = zk.serverCpuPerOpUs ?? NaN;
  const b = zkts.serverCpuPerOpUs ?? NaN;
  const r = Number.isFinite(a) && Number.isFinite(b) ? ratio(b, a) : "n/a";
  return `${usPerOp(zk.serverCpuPerOpUs)} / ${usPerOp(zkts.serverCpuPerOpUs)} | ${r}`;
}

/** One results row: ops/s, ratio, latencies, server CPU (summed) and bench CPU of both sides. */
export function resultsRow(cells: string[], zk: SideResult, zkts: SideResult): string {
  const a = zk.result;
  const b = zkts.result;
  const errs = a.errors + b.errors > 0 ? ` (errors ZK ${a.errors}, zkts ${b.errors})` : "";
  const [first = "", ...rest] = cells;
  return (
    `| ${[first + errs, ...rest].join(" | ")} | ${fmtInt(a.throughput)} | ${fmtInt(b.throughput)} | ${ratio(b.throughput, a.throughput)} | ` +
    `${ms(a.latencyUs.p50)} / ${ms(a.latencyUs.p99)} / ${ms(a.latencyUs.p999)} | ${ms(b.latencyUs.p50)} / ${ms(b.latencyUs.p99)} / ${ms(b.latencyUs.p999)} | ` +
    `${ratio(b.latencyUs.p99, a.latencyUs.p99)} | ${pct(zk.serverCpuPercent)} / ${pct(zkts.serverCpuPercent)} | ` +
    `${a.bench.cpuPercentOfOneCore.toFixed(0)}% / ${b.bench.cpuPercentOfOneCore.toFixed(0)}% |`
  );
}

/** A workload's label: writes say "(fsync)" when the servers persisted. */
export function workloadLabel(workload: string, inMemoryOnly: boolean): string {
  const writes = workload === "set" || workload.includes("set") || workload === "create" || workload.includes("multi") || workload.includes("delete");
  return writes && !inMemoryOnly ? `${workload} (fsync)` : workload;
}

/** The report as a markdown section (what docs/benchmarks.md records). */
export function compareMarkdown(r: CompareReport): string {
  const o = r.options;
  const out: string[] = [];
  out.push(`### ${r.date.slice(0, 16).replace("T", " ")} UTC${o.quick ? " (--quick)" : ""}`);
  out.push("");
  out.push(machineLine(r));
  out.push(
    `Load: ${o.connections} connections x depth ${o.depth}, ${o.procs} bench process(es), ${o.valueSize}-byte values, ` +
      `${o.keys} keys, warm-up ${o.warmupMs / 1000} s, measured ${o.durationMs / 1000} s, best of ${o.rounds} alternating round(s). ` +
      `Both servers: tickTime=2000, forceSync=yes, data dirs on the same disk; ZooKeeper -Xmx${o.zkHeap}, zkts --max-old-space-size=${o.zktsHeapMb}` +
      `${Object.keys(o.zktsConfig ?? {}).length > 0 ? ` and ${Object.entries(o.zktsConfig).map(([k, v]) => `${k}=${v}`).join(", ")}` : ""}` +
      `${o.serverCpus !== undefined ? `; both servers under taskset -c ${o.serverCpus}` : ""}.`,
  );
  if (r.zktsInMemoryOnly) {
    out.push("");
    out.push(
      `**zkts ran in memory only** (no txn log under its dataDir/version-2 after the writes; ZooKeeper wrote ` +
        `${r.persistence.zookeeper.files} log file(s), ${mb(r.persistence.zookeeper.bytes)}): its write figures include no disk I/O or fsync.`,
    );
  } else {
    out.push("");
    out.push(
      `Both servers logged to disk (ZooKeeper ${r.persistence.zookeeper.files} txn log file(s), zkts ${r.persistence.zkts.files}).`,
    );
  }
  out.push("");
  out.push(...resultsHeaderWithCpuPerOp());
  for (const row of r.rows) out.push(resultsRowWithCpuPerOp([workloadLabel(row.workload, r.zktsInMemoryOnly)], row.zookeeper, row.zkts));
  out.push(
    `| set-up: create ${fmtInt(r.setup.keys)} keys (8 conns x depth 128) | ${fmtInt(r.setup.zookeeper)} | ${fmtInt(r.setup.zkts)} | ${ratio(r.setup.zkts, r.setup.zookeeper)} | | | | | |`,
  );
  if (r.memory) {
    const m = r.memory;
    out.push(
      `| load ${fmtInt(m.nodes)} znodes of 100 B (creates/s) | ${fmtInt(m.loadPerSecond.zookeeper)} | ${fmtInt(m.loadPerSecond.zkts)} | ${ratio(m.loadPerSecond.zkts, m.loadPerSecond.zookeeper)} | | | | | |`,
    );
    out.push("");
    out.push("| resident memory (VmRSS) | ZooKeeper | zkts | zkts / ZK |");
    out.push("|---|---:|---:|---:|");
    out.push(`| idle, after the workloads | ${mb(m.baseline.zookeeper)} | ${mb(m.baseline.zkts)} | ${ratio(m.baseline.zkts, m.baseline.zookeeper)} |`);
    out.push(`| after loading ${fmtInt(m.nodes)} znodes of 100 B | ${mb(m.after.zookeeper)} | ${mb(m.after.zkts)} | ${ratio(m.after.zkts, m.after.zookeeper)} |`);
  }
  if (r.restart) {
    out.push("");
    out.push(...restartMarkdown(r.restart));
  }
  out.push("");
  out.push("Ratios are zkts / ZooKeeper: above 1x means zkts is faster for ops/s, slower for latency, bigger for memory. Server CPU is over the whole run (warm-up included), in percent of one core; server CPU/op is utime+stime of the server process over the measured window only / replies in it (microseconds); bench CPU is ZK run / zkts run (all bench processes, percent of one core).");
  return out.join("\n");
}
