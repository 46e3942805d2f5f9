/**
 * `zkts-bench compare --ensemble 3`: an N-member Apache ZooKeeper ensemble, then an N-member zkts ensemble (never
 * both at once), the same zoo.cfg, the same workloads: writes with every connection to the leader, writes and reads
 * spread over the followers. Rounds alternate which ensemble goes first; each round starts fresh ensembles.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_OPTIONS, mixName, WRITE_WORKLOADS, type CompareOptions, type Mix } from "./args.js";
import { setupTree } from "./bench.js";
import {
  best,
  fmtInt,
  machineInfo,
  machineLine,
  mb,
  pct,
  publish,
  resultsHeader,
  resultsRow,
  runOne,
  toStdout,
  workloadLabel,
  type MachineInfo,
  type SideResult,
} from "./compare.js";
import { ms } from "./format.js";
import {
  fourLetter,
  logProblems,
  onAbort,
  processMemory,
  srvrMode,
  startEnsemble,
  txnLogs,
  type ServerKind,
} from "./servers.js";

/** Where a run's connections go: all to the leader, or spread over the followers. */
export type EnsembleTarget = "leader" | "followers";

/** The runs of one workload: writes against the leader and the followers, reads against the followers. */
export function ensembleTargets(mix: Mix): EnsembleTarget[] {
  return mix.every((m) => WRITE_WORKLOADS.has(m.workload)) ? ["leader", "followers"] : ["followers"];
}

export interface EnsembleRow {
  workload: string;
  target: EnsembleTarget;
  /** Best of the rounds; serverCpuPercentByProcess is leader first, then the followers by id. */
  zookeeper: SideResult;
  zkts: SideResult;
}

export interface EnsembleMemberInfo {
  id: number;
  /** srvr Mode when the ensemble was found serving, and after the workloads. */
  mode: string;
  modeAfter: string;
  pid: number;
  clientPort: number;
  /** Still running after the workloads. */
  alive: boolean;
  rssAfter: number;
  txnLogs: { files: number; bytes: number };
  log: { file: string; warnings: number; errors: number; examples: string[] };
}

/** One ensemble's run in one round. */
export interface EnsembleSide {
  kind: ServerKind;
  round: number;
  leaderId: number;
  electionMs: number;
  /** Creates/s of the key space set-up through the leader. */
  setupPerSecond: number;
  members: EnsembleMemberInfo[];
}

export interface EnsembleReport extends MachineInfo {
  ensemble: number;
  loadavgBefore: number[];
  loadavgAfter: number[];
  options: CompareOptions;
  rows: EnsembleRow[];
  /** Every ensemble started, in order. */
  sides: EnsembleSide[];
  zktsInMemoryOnly: boolean;
  /** Things that looked wrong: errors, lost connections, members gone or changing mode, stalls, log errors. */
  problems: string[];
}

const SIZE_WORDS: Record<number, string> = { 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven" };
/** "Three-server ensemble". */
export const ensembleTitle = (n: number) => `${SIZE_WORDS[n] ?? String(n)}-server ensemble`;

const SERVER_NAME: Record<ServerKind, string> = { zookeeper: "ZooKeeper", zkts: "zkts" };

/** A run's longest latency above this suggests a stall (a pause of the server, an election, a slow fsync). */
const STALL_US = 1_000_000;

export async function runEnsembleCompare(
  opts: CompareOptions,
  log: (line: string) => void,
  out: (text: string) => void = toStdout,
): Promise<EnsembleReport> {
  const n = opts.ensemble;
  const baseDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "zkts-compare-ensemble-"));
  const removeBase = () => rmSync(baseDir, { recursive: true, force: true, maxRetries: 3 });
  // Interrupted (SIGINT) or exiting on an error: servers.ts kills the members, this removes their data.
  const unregister = opts.dataDir === undefined ? onAbort(removeBase) : () => undefined;
  const loadavgBefore = loadavg();
  log(
    `compare --ensemble ${n}: data under ${baseDir}; load average ${loadavgBefore.map((x) => x.toFixed(2)).join(" ")}; ` +
      `ZooKeeper -Xmx${opts.zkHeap} and zkts --max-old-space-size=${opts.zktsHeapMb} per member`,
  );
  const runs = new Map<string, { zookeeper: SideResult[]; zkts: SideResult[] }>();
  const sides: EnsembleSide[] = [];
  const problems: string[] = [];
  try {
    for (let round = 0; round < opts.rounds; round++) {
      // Alternate which ensemble goes first; only one runs at a time (the members would share the same cores).
      const order: ServerKind[] = round % 2 === 0 ? ["zookeeper", "zkts"] : ["zkts", "zookeeper"];
      for (const kind of order) {
        const side = await runEnsembleSide(kind, round + 1, opts, join(baseDir, `round${round + 1}`), log, (key, r) => {
          const acc = runs.get(key) ?? { zookeeper: [], zkts: [] };
          acc[kind].push(r);
          runs.set(key, acc);
        }, problems);
        sides.push(side);
      }
    }

    const rows: EnsembleRow[] = [];
    for (const mix of opts.workloads) {
      for (const target of ensembleTargets(mix)) {
        const r = runs.get(`${mixName(mix)}@${target}`)!;
        rows.push({ workload: mixName(mix), target, zookeeper: best(r.zookeeper), zkts: best(r.zkts) });
      }
    }
    const zktsInMemoryOnly = sides.filter((s) => s.kind === "zkts").every((s) => s.members.every((m) => m.txnLogs.files === 0));
    if (zktsInMemoryOnly) problems.push("zkts members wrote no txn log: their write figures include no fsync");
    const report: EnsembleReport = {
      ...machineInfo(),
      ensemble: n,
      loadavgBefore,
      loadavgAfter: loadavg(),
      options: opts,
      rows,
      sides,
      zktsInMemoryOnly,
      problems,
    };
    for (const p of problems) log(`compare: NOTE ${p}`);
    publish(report, ensembleMarkdown(report), opts, out);
    return report;
  } finally {
    unregister();
    if (opts.dataDir === undefined) removeBase();
  }
}

/** Starts one ensemble, sets up the key space through its leader, runs every workload/target, stops it. */
async function runEnsembleSide(
  kind: ServerKind,
  round: number,
  opts: CompareOptions,
  baseDir: string,
  log: (line: string) => void,
  record: (key: string, r: SideResult) => void,
  problems: string[],
): Promise<EnsembleSide> {
  const name = SERVER_NAME[kind];
  log(`compare: round ${round}, starting a ${opts.ensemble}-member ${name} ensemble`);
  const ens = await startEnsemble({
    kind,
    size: opts.ensemble,
    baseDir,
    zkHeap: opts.zkHeap,
    zktsHeapMb: opts.zktsHeapMb,
    profileDir: kind === "zkts" ? opts.profileDir : undefined,
  });
  try {
    const { leader, followers } = ens;
    log(
      `compare: ${name} ensemble serving after ${(ens.electionMs / 1000).toFixed(1)} s: leader server.${leader.id} (pid ${leader.pid}, ${leader.server}), ` +
        `followers ${followers.map((f) => `server.${f.id} (pid ${f.pid}, ${f.server})`).join(", ")}`,
    );
    const s = await setupTree({ ...DEFAULT_OPTIONS, keys: opts.keys, valueSize: opts.valueSize, server: leader.server });
    const setupPerSecond = (s.created / s.ms) * 1000;
    log(`compare: key space of ${opts.keys} created through the leader (${fmtInt(setupPerSecond)} creates/s)`);

    // CPU is read for every member on every run, leader first.
    const pids = [leader, ...followers].map((m) => m.pid);
    for (const mix of opts.workloads) {
      for (const target of ensembleTargets(mix)) {
        const server = target === "leader" ? leader.server : followers.map((f) => f.server).join(",");
        const label = `${mixName(mix)}@${target}`;
        const r = await runOne({ name, server, pids }, opts, mix, log, label);
        record(label, r);
        const res = r.result;
        const where = `${name} ensemble, round ${round}, ${label}`;
        if (res.errors + res.errorsOutsideWindow > 0) {
          problems.push(`${where}: ${res.errors} errors (${res.errorsOutsideWindow} more outside the window), first: ${res.firstError}`);
        }
        if (res.connectionsLost > 0) problems.push(`${where}: ${res.connectionsLost} connections lost`);
        if (res.ops === 0) problems.push(`${where}: no operation completed`);
        if (res.latencyUs.max > STALL_US) problems.push(`${where}: a request took ${ms(res.latencyUs.max)} ms (stall?)`);
      }
    }

    const modesAfter = await Promise.all(ens.members.map(async (m) => srvrMode(await fourLetter(m.port, "srvr", 2000)) ?? "not serving"));
    const members: EnsembleMemberInfo[] = ens.members.map((m, i) => {
      const alive = m.process.exitCode === null && m.process.signalCode === null;
      let rssAfter = 0;
      try {
        rssAfter = processMemory(m.pid).rss;
      } catch {
        // gone
      }
      const lp = logProblems(m.logFile);
      return {
        id: m.id!,
        mode: ens.modes[i]!,
        modeAfter: modesAfter[i]!,
        pid: m.pid,
        clientPort: m.port,
        alive,
        rssAfter,
        txnLogs: txnLogs(m.dataDir),
        log: { file: m.logFile, warnings: lp.warnings, errors: lp.errors, examples: lp.examples },
      };
    });
    for (const m of members) {
      const who = `${name} server.${m.id} (round ${round})`;
      if (!m.alive) problems.push(`${who} exited during the workloads; log ${m.log.file}`);
      else if (m.modeAfter !== m.mode) problems.push(`${who} was ${m.mode} and is ${m.modeAfter} after the workloads`);
      if (m.log.errors > 0) problems.push(`${who} logged ${m.log.errors} error line(s), e.g. ${m.log.examples[0]}`);
    }
    return {
      kind,
      round,
      leaderId: leader.id!,
      electionMs: ens.electionMs,
      setupPerSecond,
      members,
    };
  } finally {
    await ens.stop();
  }
}

/** The report as a markdown section (what docs/benchmarks.md records). */
export function ensembleMarkdown(r: EnsembleReport): string {
  const o = r.options;
  const out: string[] = [];
  out.push(`### ${r.date.slice(0, 16).replace("T", " ")} UTC, ${ensembleTitle(r.ensemble).toLowerCase()}${o.quick ? " (--quick)" : ""}`);
  out.push("");
  out.push(machineLine(r));
  out.push(
    `Load: ${o.connections} connections x depth ${o.depth}, ${o.procs} bench process(es), ${o.valueSize}-byte values, ` +
      `${o.keys} keys (created through the leader), warm-up ${o.warmupMs / 1000} s, measured ${o.durationMs / 1000} s, ` +
      `best of ${o.rounds} round(s). Each ensemble: ${r.ensemble} members on 127.0.0.1, the same zoo.cfg (server.N lines, ` +
      `tickTime=2000, initLimit=10, syncLimit=5, forceSync=yes), one data dir per member on the same disk; ` +
      `ZooKeeper -Xmx${o.zkHeap} per member (QuorumPeerMain), zkts --max-old-space-size=${o.zktsHeapMb} per member. ` +
      `The two ensembles ran one after the other, never at the same time${o.rounds > 1 ? ", alternating which went first" : ""}.`,
  );
  out.push("");
  const sideLine = (s: EnsembleSide) =>
    `${SERVER_NAME[s.kind]}${o.rounds > 1 ? ` (round ${s.round})` : ""}: leader server.${s.leaderId}, serving ${(s.electionMs / 1000).toFixed(1)} s after start, ` +
    `set-up ${fmtInt(s.setupPerSecond)} creates/s, RSS after the workloads ${s.members.map((m) => mb(m.rssAfter)).join(" / ")}, ` +
    `txn log files ${s.members.map((m) => m.txnLogs.files).join(" / ")}, log warnings / errors ${s.members.map((m) => `${m.log.warnings}/${m.log.errors}`).join(", ")} (by member id).`;
  for (const s of r.sides) out.push(`- ${sideLine(s)}`);
  out.push("");
  out.push(...resultsHeader(["connections to"], `server CPU ZK / zkts (sum of ${r.ensemble})`));
  for (const row of r.rows) {
    const target = row.target === "leader" ? "leader" : `followers (${r.ensemble - 1}, spread)`;
    out.push(resultsRow([workloadLabel(row.workload, r.zktsInMemoryOnly), target], row.zookeeper, row.zkts));
  }
  out.push("");
  const roles = ["leader", ...Array.from({ length: r.ensemble - 1 }, () => "follower")].join(" / ");
  out.push(`| server CPU per member | connections to | ZooKeeper ${roles} | zkts ${roles} |`);
  out.push("|---|---|---:|---:|");
  for (const row of r.rows) {
    const per = (s: SideResult) => s.serverCpuPercentByProcess.map(pct).join(" / ");
    out.push(`| ${row.workload} | ${row.target} | ${per(row.zookeeper)} | ${per(row.zkts)} |`);
  }
  out.push("");
  out.push(
    "Ratios are zkts / ZooKeeper: above 1x means zkts is faster for ops/s, slower for latency. Server CPU is utime + stime " +
      `of the ${r.ensemble} members over the whole run (warm-up included), in percent of one core, summed and per member; ` +
      "bench CPU is ZK run / zkts run.",
  );
  if (r.problems.length > 0) {
    out.push("");
    out.push("Seen during the run:");
    for (const p of r.problems) out.push(`- ${p}`);
  }
  return out.join("\n");
}
