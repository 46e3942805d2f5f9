/**
 * `zkts-bench compare --scale`: the scale scenarios against Apache ZooKeeper and zkts on this machine, one server
 * at a time (the other one idle), the first server alternating per round. Both get the same zoo.cfg as `compare`
 * plus `jvm.pause.monitor=true` with a 10 ms timer, so each reports its own longest pause in mntr
 * (`zk_max_jvm_pause_time_ms`: ZooKeeper's JVM, zkts's event loop), reset (srst) at the start of each measured phase.
 *
 * - idle: `--sessions N` sessions that only ping, plus the probe (depth 1 getData); the server's pause and RSS are
 *   read at the end of the measured window, before the sessions close.
 * - watches: `--watches N` getData watches over `--watch-sessions` sessions, registered then all fired (scale.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_OPTIONS, type BenchOptions, type CompareOptions } from "./args.js";
import { openFileLimit, runBenchmark, type BenchResult } from "./bench.js";
import { machineInfo, machineLine, publish, toStdout, type MachineInfo } from "./compare.js";
import { ms } from "./format.js";
import { startPauseControl, type PauseControl } from "./pause-control.js";
import { resetServerStats, rssOf, runWatchScale, serverView, type ServerView, type WatchScaleResult } from "./scale.js";
import { startApacheZooKeeper, startZktsServer, type RunningServer } from "./servers.js";

/** What both servers get besides `compare`'s zoo.cfg: the pause monitor, timing every 10 ms. */
export const SCALE_CONFIG: Record<string, string> = { "jvm.pause.monitor": "true", "jvm.pause.sleep.time.ms": "10" };

export interface IdleScaleResult {
  result: BenchResult;
  /** The server's view at the end of the measured window (srst at its start). */
  server: ServerView;
  /** Server RSS before the sessions were opened. */
  rssBeforeBytes: number | undefined;
}

export interface ScaleSide {
  name: string;
  idle: IdleScaleResult | undefined;
  watches: WatchScaleResult | undefined;
  /** A scenario that threw (the other one still ran). */
  failures: string[];
}

export interface ScaleRound {
  zookeeper: ScaleSide;
  zkts: ScaleSide;
  order: string[];
}

export interface ScaleReport extends MachineInfo {
  loadavgBefore: number[];
  loadavgAfter: number[];
  options: CompareOptions;
  openFileLimit: number | undefined;
  rounds: ScaleRound[];
}

/** The idle-sessions scenario against one server, with the server's own view of the measured window. */
export async function runIdleScale(s: RunningServer, opts: CompareOptions, log: (l: string) => void, control?: PauseControl): Promise<IdleScaleResult> {
  const bench: BenchOptions = {
    ...DEFAULT_OPTIONS,
    server: s.server,
    idle: true,
    sessions: opts.scaleSessions,
    procs: opts.procs,
    keys: 100,
    children: 0,
    durationMs: opts.durationMs,
    warmupMs: opts.warmupMs,
    root: "/zkts-bench-idle",
  };
  const rssBeforeBytes = rssOf(s.pid);
  let view: Promise<ServerView> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const result = await runBenchmark(bench, {
    log,
    loadStarted() {
      // srst when the measured window starts, mntr shortly before it ends (the sessions are still connected).
      timers.push(setTimeout(() => void resetServerStats("127.0.0.1", s.port, control), opts.warmupMs));
      timers.push(setTimeout(() => (view = serverView("127.0.0.1", s.port, s.pid, control)), opts.warmupMs + Math.max(0, opts.durationMs - 1000)));
    },
  });
  for (const t of timers) clearTimeout(t);
  const server = (await view) ?? { maxPauseMs: undefined, p99PauseMs: undefined, watchCount: undefined, connections: undefined, rssBytes: undefined, hostMaxPauseMs: undefined };
  const r = result;
  log(
    `  ${s.name.padEnd(9)} idle ${r.sessions?.opened ?? 0}/${opts.scaleSessions} sessions (opened in ${((r.sessions?.openMs ?? 0) / 1000).toFixed(1)} s, ${r.sessions?.alive ?? 0} alive), ` +
      `probe p50 ${ms(r.latencyUs.p50)} p99 ${ms(r.latencyUs.p99)} max ${ms(r.latencyUs.max)} ms, server max pause ${server.maxPauseMs ?? "n/a"} ms (host control ${server.hostMaxPauseMs ?? "n/a"} ms), ` +
      `connections ${server.connections ?? "?"}, RSS ${server.rssBytes === undefined ? "n/a" : `${(server.rssBytes / 2 ** 20).toFixed(0)} MB`}`,
  );
  return { result, server, rssBeforeBytes };
}

async function runSide(s: RunningServer, opts: CompareOptions, log: (l: string) => void, control: PauseControl): Promise<ScaleSide> {
  const side: ScaleSide = { name: s.name, idle: undefined, watches: undefined, failures: [] };
  if (opts.scaleSessions > 0) {
    try {
      side.idle = await runIdleScale(s, opts, log, control);
    } catch (e) {
      side.failures.push(`idle: ${(e as Error).message}`);
      log(`  ${s.name}: idle scenario failed: ${(e as Error).message}`);
    }
  }
  if (opts.scaleWatches > 0) {
    try {
      side.watches = await runWatchScale(
        {
          ...DEFAULT_OPTIONS,
          server: s.server,
          watches: opts.scaleWatches,
          watchSessions: opts.watchSessions,
          serverPid: s.pid,
          depth: 64,
          valueSize: 100,
          root: "/zkts-bench-watch",
        },
        { log: (l) => log(`  ${s.name}:${l}`), control },
      );
    } catch (e) {
      side.failures.push(`watches: ${(e as Error).message}`);
      log(`  ${s.name}: watch scenario failed: ${(e as Error).message}`);
    }
  }
  return side;
}

export async function runScaleCompare(opts: CompareOptions, log: (line: string) => void, out: (text: string) => void = toStdout): Promise<ScaleReport> {
  const baseDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "zkts-scale-"));
  const loadavgBefore = loadavg();
  log(`compare --scale: data under ${baseDir}; load average ${loadavgBefore.map((x) => x.toFixed(2)).join(" ")}; open-file limit ${openFileLimit() ?? "?"}`);
  const servers: RunningServer[] = [];
  const control = await startPauseControl();
  try {
    const zk = await startApacheZooKeeper({ baseDir, heap: opts.zkHeap, config: SCALE_CONFIG });
    servers.push(zk);
    const zkts = await startZktsServer({ baseDir, heapMb: opts.zktsHeapMb, profileDir: opts.profileDir, config: SCALE_CONFIG });
    servers.push(zkts);
    log(`compare --scale: Apache ZooKeeper pid ${zk.pid} on ${zk.server}, zkts pid ${zkts.pid} on ${zkts.server}`);
    const rounds: ScaleRound[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? [zk, zkts] : [zkts, zk];
      const sides = new Map<RunningServer, ScaleSide>();
      for (const s of order) sides.set(s, await runSide(s, opts, log, control));
      rounds.push({ zookeeper: sides.get(zk)!, zkts: sides.get(zkts)!, order: order.map((s) => s.name) });
    }
    const report: ScaleReport = { ...machineInfo(), loadavgBefore, loadavgAfter: loadavg(), options: opts, openFileLimit: openFileLimit(), rounds };
    publish(report, scaleMarkdown(report), opts, out);
    return report;
  } finally {
    control.stop();
    for (const s of servers.reverse()) await s.stop();
    if (opts.dataDir === undefined) rmSync(baseDir, { recursive: true, force: true });
  }
}

const na = "n/a";
const mb = (b: number | undefined) => (b === undefined ? na : `${(b / 2 ** 20).toFixed(0)} MB`);
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const secs = (msv: number) => `${(msv / 1000).toFixed(2)} s`;
const pause = (v: number | undefined) => (v === undefined ? na : `${v} ms`);
const pauseWithHost = (v: ServerView) => `${pause(v.maxPauseMs)} (${pause(v.hostMaxPauseMs)})`;
const lat = (l: { p50: number; p99: number; p999: number; max: number }) => `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.p999)} / ${ms(l.max)}`;

/** The report as a markdown section (docs/benchmarks.md). */
export function scaleMarkdown(r: ScaleReport): string {
  const o = r.options;
  const out: string[] = [];
  out.push(`#### ${r.date.slice(0, 16).replace("T", " ")} UTC: compare --scale`);
  out.push("");
  out.push(machineLine(r));
  out.push(
    `Open-file limit ${r.openFileLimit ?? "?"} per process (soft and hard). Both servers standalone with compare's zoo.cfg (tickTime=2000, ` +
      `forceSync=yes, maxClientCnxns=0) plus jvm.pause.monitor=true, jvm.pause.sleep.time.ms=10; ZooKeeper -Xmx${o.zkHeap}, ` +
      `zkts --max-old-space-size=${o.zktsHeapMb}. One server loaded at a time (the other idle). "server max pause" is each ` +
      `server's own mntr zk_max_jvm_pause_time_ms over the phase (srst at its start): ZooKeeper's JVM pause monitor, zkts's event loop; ` +
      `in brackets the longest delay of the same 10 ms timer in an idle control process on the machine over the same phase (the host's share). ` +
      `Probe: one connection at depth 1 sending getData back to back, latency p50 / p99 / p99.9 / max in ms.`,
  );
  r.rounds.forEach((round, i) => {
    out.push("");
    if (r.rounds.length > 1) out.push(`Round ${i + 1} (${round.order.join(" first, then ")}):`, "");
    out.push("| scenario | figure | ZooKeeper | zkts |", "|---|---|---:|---:|");
    const z = round.zookeeper;
    const k = round.zkts;
    const row = (scenario: string, figure: string, f: (s: ScaleSide) => string) => out.push(`| ${scenario} | ${figure} | ${f(z)} | ${f(k)} |`);
    if (o.scaleSessions > 0) {
      const sc = `${int(o.scaleSessions)} idle sessions, ${o.procs} bench process(es), ${o.durationMs / 1000} s measured`;
      const idle = (f: (x: IdleScaleResult) => string) => (s: ScaleSide) => (s.idle === undefined ? `failed: ${s.failures.find((x) => x.startsWith("idle")) ?? "?"}` : f(s.idle));
      row(sc, "sessions opened / alive at the end", idle((x) => `${int(x.result.sessions?.opened ?? 0)} / ${int(x.result.sessions?.alive ?? 0)}`));
      row(sc, "time to open them", idle((x) => secs(x.result.sessions?.openMs ?? 0)));
      row(sc, "pings answered / sent", idle((x) => `${int(x.result.sessions?.pingsAnswered ?? 0)} / ${int(x.result.sessions?.pingsSent ?? 0)}`));
      row(sc, "probe latency ms", idle((x) => lat(x.result.latencyUs)));
      row(sc, "probe requests (errors)", idle((x) => `${int(x.result.ops)} (${x.result.errors})`));
      row(sc, "server max pause (host control)", idle((x) => pauseWithHost(x.server)));
      row(sc, "server RSS before / with the sessions", idle((x) => `${mb(x.rssBeforeBytes)} / ${mb(x.server.rssBytes)}`));
    }
    if (o.scaleWatches > 0) {
      const w0 = z.watches ?? k.watches;
      const sc = w0 === undefined ? `${int(o.scaleWatches)} watches` : `${int(w0.watches)} watches (${int(w0.nodes)} nodes x ${w0.sessions} sessions)`;
      const w = (f: (x: WatchScaleResult) => string) => (s: ScaleSide) => (s.watches === undefined ? `failed: ${s.failures.find((x) => x.startsWith("watches")) ?? "?"}` : f(s.watches));
      row(sc, "register: time (watches/s)", w((x) => `${secs(x.register.ms)} (${int(x.register.perSecond)}/s)${x.register.failed > 0 ? `, ${x.register.failed} failed` : ""}`));
      row(sc, "register: server watch count", w((x) => (x.register.serverWatchCount === undefined ? na : int(x.register.serverWatchCount))));
      row(sc, "register: probe latency ms", w((x) => lat(x.register.probe)));
      row(sc, "register: server max pause (host control)", w((x) => pauseWithHost(x.register.server)));
      row(sc, "server RSS with the watches", w((x) => mb(x.register.server.rssBytes)));
      row(sc, "fire: first setData to last event (events/s)", w((x) => `${secs(x.fire.lastEventMs)} (${int(x.fire.eventsPerSecond)}/s)${x.fire.timedOut ? " TIMED OUT" : ""}`));
      row(sc, "fire: events received", w((x) => int(x.fire.events)));
      row(sc, "fire: setData replies done", w((x) => `${secs(x.fire.setsMs)}${x.fire.failedSets > 0 ? `, ${x.fire.failedSets} failed` : ""}`));
      row(sc, "fire: probe latency ms", w((x) => lat(x.fire.probe)));
      row(sc, "fire: server max pause (host control)", w((x) => pauseWithHost(x.fire.server)));
    }
  });
  return out.join("\n");
}
