/** runBenchmark: set-up of the key space, the load (in-process or in worker processes), merge, tear-down. */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { ErrorCode, errorName, Ids, OpCode } from "@zkts/client-wire";
import { mixName, type BenchOptions, type Workload } from "./args.js";
import { Connection, openMany, parseServers } from "./connection.js";
import { Histogram, type LatencySummary } from "./histogram.js";
import { pump, runShare, type ShareResult, type ShareSpec, type WindowEdge } from "./runner.js";
import { createDir, keyPath, listPath } from "./workload.js";

export interface BenchResult {
  server: string;
  workload: string;
  connections: number;
  depth: number;
  procs: number;
  valueSize: number;
  keys: number;
  /** Length of the measured window (ms; the longest of the workers'). */
  durationMs: number;
  ops: number;
  /** Completed requests per second (sum over workers). */
  throughput: number;
  /** Failed requests in the measured window (errorsByCode counts them by error name). */
  errors: number;
  /** Failed requests during warm-up and drain. */
  errorsOutsideWindow: number;
  errorsByCode: Record<string, number>;
  firstError: string | undefined;
  connectionsLost: number;
  /** Latency in microseconds, all ops. */
  latencyUs: LatencySummary;
  byOp: Partial<Record<Workload, { ops: number; throughput: number; errors: number; latencyUs: LatencySummary }>>;
  setup: { keys: number; created: number; ms: number; perSecond: number } | undefined;
  sessions:
    | {
        requested: number;
        opened: number;
        failed: number;
        firstError: string | undefined;
        openMs: number;
        alive: number;
        pingsSent: number;
        pingsAnswered: number;
      }
    | undefined;
  bench: {
    /** CPU of all bench processes during the measured window, in percent of one core. */
    cpuPercentOfOneCore: number;
    cores: number;
  };
  loadavg: number[];
  date: string;
}

export interface RunHooks {
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /**
   * Called when the measured window starts (the first worker's) and ends (the last worker's): compare reads the
   * servers' CPU time there.
   */
  onWindow?: (edge: WindowEdge) => void;
  /** Called when every connection is open and the load (or the probe) starts: warm-up, then the measured window. */
  loadStarted?: () => void;
}

const NODEEXISTS = ErrorCode.NODEEXISTS;

/** Creates root, root/c, root/ls (+ children) and the keys; returns how many creates it sent and how long it took. */
export async function setupTree(
  options: Pick<BenchOptions, "server" | "root" | "keys" | "children" | "valueSize" | "sessionTimeoutMs">,
  log: (line: string) => void = () => undefined,
): Promise<{ created: number; ms: number }> {
  // With a server list, through the first server (its writes reach the others through the ensemble).
  const { host, port } = parseServers(options.server)[0]!;
  const { conns } = await openMany(8, 8, { host, port, sessionTimeoutMs: options.sessionTimeoutMs });
  if (conns.length === 0) throw new Error(`cannot connect to ${options.server}`);
  try {
    const value = Buffer.alloc(options.valueSize, 0x78);
    const create = (path: string, data: Buffer = Buffer.alloc(0)) => ({
      type: OpCode.create,
      body: { path, data, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 },
    });
    const okOrExists = (err: number) => err === 0 || err === NODEEXISTS;
    // Parents of the root, then the fixed nodes.
    const parts = options.root.split("/").filter((p) => p !== "");
    const fixed: string[] = [];
    for (let i = 1; i <= parts.length; i++) fixed.push("/" + parts.slice(0, i).join("/"));
    fixed.push(createDir(options.root), listPath(options.root));
    for (const p of fixed) {
      const r = await conns[0]!.call(create(p).type, create(p).body);
      if (!okOrExists(r.err)) throw new Error(`create ${p}: ${errorName(r.err) ?? r.err}`);
    }
    const t0 = performance.now();
    let r = await pump(conns, options.children, 64, (i) => create(`${listPath(options.root)}/child${i}`), okOrExists);
    if (r.failed > 0) throw new Error(`creating children: ${errorName(r.firstErr!) ?? r.firstErr}`);
    let lastLog = performance.now();
    let done = 0;
    const step = 100_000;
    for (let from = 0; from < options.keys; from += step) {
      const n = Math.min(step, options.keys - from);
      r = await pump(conns, n, 128, (i) => create(keyPath(options.root, from + i), value), okOrExists);
      if (r.failed > 0) throw new Error(`creating keys: ${errorName(r.firstErr!) ?? r.firstErr}`);
      done += n;
      if (performance.now() - lastLog > 5000) {
        log(`  set-up: ${done}/${options.keys} keys`);
        lastLog = performance.now();
      }
    }
    return { created: options.keys + options.children, ms: performance.now() - t0 };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}

/** Deletes the bench tree made by setupTree (and anything left under root/c and root/ls). */
export async function teardownTree(
  options: Pick<BenchOptions, "server" | "root" | "keys" | "sessionTimeoutMs">,
): Promise<void> {
  // With a server list, through the first server (its writes reach the others through the ensemble).
  const { host, port } = parseServers(options.server)[0]!;
  const { conns } = await openMany(8, 8, { host, port, sessionTimeoutMs: options.sessionTimeoutMs });
  if (conns.length === 0) throw new Error(`cannot connect to ${options.server}`);
  try {
    const del = (path: string) => ({ type: OpCode.delete, body: { path, version: -1 } });
    const okOrGone = (err: number) => err === 0 || err === ErrorCode.NONODE;
    let r = await pump(conns, options.keys, 128, (i) => del(keyPath(options.root, i)), okOrGone);
    if (r.failed > 0) throw new Error(`deleting keys: ${errorName(r.firstErr!) ?? r.firstErr}`);
    for (const dir of [createDir(options.root), listPath(options.root)]) {
      const ls = await conns[0]!.call(OpCode.getChildren, { path: dir, watch: false });
      const children = ls.err === 0 ? (ls.body as { children: string[] }).children : [];
      r = await pump(conns, children.length, 128, (i) => del(`${dir}/${children[i]}`), okOrGone);
      if (r.failed > 0) throw new Error(`deleting under ${dir}: ${errorName(r.firstErr!) ?? r.firstErr}`);
      await conns[0]!.call(OpCode.delete, del(dir).body);
    }
    const rest = await conns[0]!.call(OpCode.delete, del(options.root).body);
    if (!okOrGone(rest.err)) throw new Error(`deleting ${options.root}: ${errorName(rest.err) ?? rest.err}`);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}

/** Splits n into k near-equal parts. */
export function split(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

/**
 * Connections per source address when the bench picks the count. A connection from a given source address is
 * bound to it (bind to port 0, then connect), and the kernel's search for a free port is linear in the ports that
 * address already holds: measured here (3+3-member zkts ensemble, idle sessions) 30,000 sessions opened in 48 s
 * over 2 addresses against 5.7 s over 12, and 100,000 over 6 addresses took 345 s with 2,439 failed handshakes.
 */
export const CONNECTIONS_PER_SOURCE = 2_500;

/** How many source addresses `total` connections take: --source-addresses, else one per 2,500 to a loopback server. */
export function sourceAddressCount(options: Pick<BenchOptions, "server" | "sourceAddresses">, total: number): number {
  if (options.sourceAddresses > 0) return options.sourceAddresses;
  const loopback = parseServers(options.server).every((s) => s.host.startsWith("127.") || s.host === "localhost");
  return loopback ? Math.max(1, Math.ceil(total / CONNECTIONS_PER_SOURCE)) : 1;
}

/** This process's open-file limit (soft, from /proc/self/limits); undefined where it cannot be read. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Files a bench process keeps open besides its connections (stdio, IPC, the event loop's own). */
export const FILE_MARGIN = 64;

/**
 * Throws when one process would need more sockets than its open-file limit allows (each connection is a file):
 * the fix is more processes (--procs), since the limit cannot always be raised.
 */
export function checkFileLimit(perProcess: number, procs: number, limit: number | null = openFileLimit() ?? null): void {
  // null: the limit is unknown here (not Linux), nothing to check against
  if (limit === null || perProcess + FILE_MARGIN <= limit) return;
  const need = Math.ceil((perProcess * procs) / (limit - FILE_MARGIN));
  throw new Error(
    `${perProcess.toLocaleString("en-US")} connections in one bench process, but its open-file limit (ulimit -n) is ` +
      `${limit.toLocaleString("en-US")}: use --procs ${need} or more (or raise the limit)`,
  );
}

export const BIN = fileURLToPath(new URL("../bin/zkts-bench.js", import.meta.url));

interface WorkerHandle {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<ShareResult>;
}

function startWorker(options: BenchOptions, share: ShareSpec, onWindow: (edge: WindowEdge) => void): WorkerHandle {
  const child = fork(BIN, ["__worker"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let onReady: () => void = () => undefined;
  let onResult: (r: ShareResult) => void = () => undefined;
  let onError: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((res, rej) => {
    onReady = res;
    onError = rej;
  });
  const result = new Promise<ShareResult>((res, rej) => {
    onResult = res;
    const prev = onError;
    onError = (e) => {
      prev(e);
      rej(e);
    };
  });
  ready.catch(() => undefined);
  result.catch(() => undefined);
  let finished = false;
  child.on("message", (m: { type: string; result?: ShareResult; error?: string; edge?: WindowEdge }) => {
    if (m.type === "ready") onReady();
    else if (m.type === "window") onWindow(m.edge!);
    else if (m.type === "result") {
      finished = true;
      onResult(m.result!);
    } else if (m.type === "error") {
      finished = true;
      onError(new Error(`worker ${share.workerIndex}: ${m.error}`));
    }
  });
  child.on("exit", (code, sig) => {
    if (!finished) onError(new Error(`worker ${share.workerIndex} exited (${code ?? sig}) without a result`));
  });
  child.send({ type: "run", options, share });
  return { child, ready, result };
}

/** Entry of a worker process (`zkts-bench __worker`): runs the share it is sent, reports over IPC. */
export function workerMain(): void {
  process.once("message", (m: { type: string; options: BenchOptions; share: ShareSpec }) => {
    let go: () => void = () => undefined;
    const started = new Promise<void>((r) => (go = r));
    process.on("message", (msg: { type: string }) => {
      if (msg.type === "go") go();
    });
    runShare(
      m.options,
      m.share,
      async () => {
        process.send!({ type: "ready" });
        await started;
      },
      (edge) => process.send!({ type: "window", edge }),
    ).then(
      (result) => process.send!({ type: "result", result }, () => process.exit(0)),
      (e: Error) => process.send!({ type: "error", error: e.message }, () => process.exit(1)),
    );
  });
}

function mergeShares(options: BenchOptions, results: ShareResult[]): Omit<BenchResult, "setup" | "date"> {
  const hist = new Histogram();
  const errorsByCode: Record<string, number> = {};
  const byOpHist = new Map<Workload, { ops: number; errors: number; hist: Histogram; throughput: number }>();
  let ops = 0;
  let errors = 0;
  let errorsOutsideWindow = 0;
  let throughput = 0;
  let durationMs = 0;
  let cpuUs = 0;
  let lost = 0;
  let firstError: string | undefined;
  const sessions = { requested: 0, opened: 0, failed: 0, firstError: undefined as string | undefined, openMs: 0, alive: 0, pingsSent: 0, pingsAnswered: 0 };
  for (const r of results) {
    hist.merge(r.hist);
    ops += r.ops;
    errors += r.errors;
    errorsOutsideWindow += r.errorsOutsideWindow;
    const secs = r.measuredMs / 1000;
    throughput += secs > 0 ? r.ops / secs : 0;
    durationMs = Math.max(durationMs, r.measuredMs);
    cpuUs += r.cpuUs;
    lost += r.connectionsLost;
    firstError ??= r.firstError;
    for (const [k, v] of Object.entries(r.errorsByCode)) errorsByCode[k] = (errorsByCode[k] ?? 0) + v;
    for (const [w, s] of Object.entries(r.byOp) as Array<[Workload, NonNullable<ShareResult["byOp"][Workload]>]>) {
      const acc = byOpHist.get(w) ?? { ops: 0, errors: 0, hist: new Histogram(), throughput: 0 };
      acc.ops += s.ops;
      acc.errors += s.errors;
      acc.hist.merge(s.hist);
      acc.throughput += secs > 0 ? s.ops / secs : 0;
      byOpHist.set(w, acc);
    }
    sessions.requested += r.sessions.requested;
    sessions.opened += r.sessions.opened;
    sessions.failed += r.sessions.failed;
    sessions.firstError ??= r.sessions.firstError;
    sessions.openMs = Math.max(sessions.openMs, r.sessions.openMs);
    sessions.alive += r.sessions.alive;
    sessions.pingsSent += r.sessions.pingsSent;
    sessions.pingsAnswered += r.sessions.pingsAnswered;
  }
  const byOp: BenchResult["byOp"] = {};
  for (const [w, s] of byOpHist) byOp[w] = { ops: s.ops, throughput: s.throughput, errors: s.errors, latencyUs: s.hist.summary() };
  return {
    server: options.server,
    workload: (options.idle ? "idle+probe:" : "") + mixName(options.mix),
    connections: options.idle ? 1 : options.connections,
    depth: options.idle ? 1 : options.depth,
    procs: options.procs,
    valueSize: options.valueSize,
    keys: options.keys,
    durationMs,
    ops,
    throughput,
    errors,
    errorsOutsideWindow,
    errorsByCode,
    firstError,
    connectionsLost: lost,
    latencyUs: hist.summary(),
    byOp,
    sessions: options.sessions > 0 ? sessions : undefined,
    bench: { cpuPercentOfOneCore: durationMs > 0 ? (cpuUs / 1000 / durationMs) * 100 : 0, cores: availableParallelism() },
    loadavg: loadavg(),
  };
}

/** Runs a whole benchmark as the CLI does (set-up, load, tear-down). */
export async function runBenchmark(options: BenchOptions, hooks: RunHooks = {}): Promise<BenchResult> {
  const log = hooks.log ?? (() => undefined);
  const runTag = Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
  const procs = Math.max(1, options.procs);
  const conns = split(options.idle ? 0 : options.connections, procs);
  const sess = split(options.sessions, procs);
  const total = options.sessions + (options.idle ? 1 : options.connections);
  const sources = sourceAddressCount(options, total);
  const shares: ShareSpec[] = conns.map((c, i) => ({
    workerIndex: i,
    connections: c,
    sessions: sess[i]!,
    probe: options.idle && i === 0,
    runTag,
    connectionOffset: conns.slice(0, i).reduce((a, b) => a + b, 0),
    sourceAddresses: sources,
    shares: procs,
  }));
  checkFileLimit(Math.max(...shares.map((s) => s.sessions + (s.probe ? 1 : s.connections))), procs);
  let setup: BenchResult["setup"];
  if (!options.noSetup) {
    log(`set-up: ${options.keys} keys of ${options.valueSize} bytes under ${options.root}`);
    const s = await setupTree(options, log);
    setup = { keys: options.keys, created: s.created, ms: s.ms, perSecond: s.ms > 0 ? (s.created / s.ms) * 1000 : 0 };
  }
  log(
    `load: ${mixName(options.mix)} on ${options.server}, ` +
      (options.idle ? `${options.sessions} idle sessions + 1 probe` : `${options.connections} connections x depth ${options.depth}`) +
      (sources > 1 ? ` from ${sources} source addresses (127.0.0.1-${sources})` : "") +
      `, ${procs} process(es), warm-up ${options.warmupMs} ms, measuring ${options.durationMs} ms`,
  );
  let results: ShareResult[];
  try {
    const onWindow = hooks.onWindow ?? (() => undefined);
    if (procs === 1) {
      results = [await runShare(options, shares[0]!, async () => hooks.loadStarted?.(), onWindow)];
    } else {
      // The window runs from the first worker's start to the last worker's end.
      let started = 0;
      let ended = 0;
      const edge = (e: WindowEdge) => {
        if (e === "start" && started++ === 0) onWindow("start");
        if (e === "end" && ++ended === procs) onWindow("end");
      };
      const workers = shares.map((s) => startWorker(options, s, edge));
      try {
        await Promise.all(workers.map((w) => w.ready));
        for (const w of workers) w.child.send({ type: "go" });
        hooks.loadStarted?.();
        results = await Promise.all(workers.map((w) => w.result));
      } finally {
        for (const w of workers) if (w.child.exitCode === null) w.child.kill();
      }
    }
  } finally {
    if (!options.keep && !options.noSetup) await teardownTree(options).catch((e: Error) => log(`tear-down failed: ${e.message}`));
  }
  return { ...mergeShares(options, results), setup, date: new Date().toISOString() };
}

export { Connection };
