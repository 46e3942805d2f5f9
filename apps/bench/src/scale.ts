/**
 * The scale scenarios of zkts-bench: many watches registered and all fired (`--watches N`), and what a server
 * reports of itself meanwhile (mntr: its watch count and, with `jvm.pause.monitor=true`, its longest pause;
 * /proc: its resident memory). A probe connection at depth 1 measures request latency through every phase. The
 * idle-sessions scenario is runBenchmark's `--idle --sessions N`; `compare --scale` (compare-scale.ts) runs both
 * against Apache ZooKeeper and zkts.
 */
import { connect } from "node:net";
import { loadavg } from "node:os";
import { OpCode } from "@zkts/client-wire";
import type { BenchOptions } from "./args.js";
import { checkFileLimit, setupTree, sourceAddressCount, teardownTree } from "./bench.js";
import { Connection, openMany, parseServers, type ConnectOptions } from "./connection.js";
import { ms } from "./format.js";
import { Histogram, type LatencySummary } from "./histogram.js";
import type { PauseControl } from "./pause-control.js";
import { pump, sourceAddress } from "./runner.js";
import { processMemory } from "./servers.js";
import { keyPath } from "./workload.js";

/** A four-letter word's answer ("" when the server closes without one or cannot be reached in `timeoutMs`). */
export function fourLetterAt(host: string, port: number, word: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((res) => {
    const chunks: Buffer[] = [];
    const s = connect({ host, port }, () => s.write(word));
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", () => undefined);
    s.on("close", () => {
      clearTimeout(timer);
      res(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

/** mntr as a map (empty when mntr is not whitelisted or the server is unreachable). */
export async function mntr(host: string, port: number): Promise<Map<string, string>> {
  const text = await fourLetterAt(host, port, "mntr");
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const tab = line.indexOf("\t");
    if (line.startsWith("zk_") && tab > 0) out.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  return out;
}

/** What a server says about itself at the end of a phase. */
export interface ServerView {
  /** mntr zk_max_jvm_pause_time_ms since the phase began (srst); undefined when the server does not measure it. */
  maxPauseMs: number | undefined;
  /** mntr zk_p99_jvm_pause_time_ms. */
  p99PauseMs: number | undefined;
  /** mntr zk_watch_count. */
  watchCount: number | undefined;
  /** mntr zk_num_alive_connections. */
  connections: number | undefined;
  /** VmRSS of the server process (bytes), when its pid is known. */
  rssBytes: number | undefined;
  /**
   * The longest pause an idle control process on this machine saw over the same phase (pause-control.ts): the
   * host's share (other processes, CPU contention) of any pause. Undefined without a control.
   */
  hostMaxPauseMs: number | undefined;
}

/** Resident memory of a process on this machine (bytes), undefined when unknown. */
export function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const { rss } = processMemory(pid);
    return rss > 0 ? rss : undefined; // (no VmRSS line: an exited process)
  } catch {
    return undefined;
  }
}

const num = (m: Map<string, string>, k: string): number | undefined => {
  const v = m.get(k);
  return v === undefined ? undefined : Number(v);
};

/** Reads the server's view now (mntr + RSS, and the control's longest pause). */
export async function serverView(host: string, port: number, pid: number | undefined, control?: PauseControl): Promise<ServerView> {
  const [m, hostMaxPauseMs] = await Promise.all([mntr(host, port), control?.read()]);
  return {
    hostMaxPauseMs,
    maxPauseMs: num(m, "zk_max_jvm_pause_time_ms"),
    p99PauseMs: num(m, "zk_p99_jvm_pause_time_ms"),
    watchCount: num(m, "zk_watch_count"),
    connections: num(m, "zk_num_alive_connections"),
    rssBytes: rssOf(pid),
  };
}

/**
 * Starts a new measurement window on the server (srst: its summaries, the pause summary among them, restart) and
 * on the control.
 */
export async function resetServerStats(host: string, port: number, control?: PauseControl): Promise<boolean> {
  control?.reset();
  return (await fourLetterAt(host, port, "srst")).startsWith("Server stats reset");
}

/**
 * One connection at depth 1 sending getData (no watch) on `path` back to back; each reply's latency goes into the
 * histogram of the current phase.
 */
export class Probe {
  private hist = new Histogram();
  private running = false;
  private stopped: () => void = () => undefined;
  errors = 0;

  constructor(
    private readonly conn: Connection,
    private readonly path: string,
  ) {}

  start(): void {
    this.running = true;
    const next = () => {
      if (!this.running || this.conn.closed) {
        this.stopped();
        return;
      }
      this.conn.send(OpCode.getData, { path: this.path, watch: false }, (err, _p, sentAt) => {
        if (err !== 0) this.errors++;
        else this.hist.record((performance.now() - sentAt) * 1000);
        next();
      });
    };
    next();
  }

  /** The latencies since the last call (or the start), and a new histogram for the next phase. */
  phase(): LatencySummary {
    const s = this.hist.summary();
    this.hist = new Histogram();
    return s;
  }

  /** Stops after the request in flight. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const done = new Promise<void>((r) => (this.stopped = r));
    this.running = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
  }
}

export interface WatchScaleResult {
  server: string;
  watches: number;
  sessions: number;
  nodes: number;
  setup: { nodes: number; ms: number };
  register: {
    ms: number;
    perSecond: number;
    failed: number;
    /** mntr zk_watch_count after the registration (should equal `watches`). */
    serverWatchCount: number | undefined;
    probe: LatencySummary;
    server: ServerView;
  };
  fire: {
    /** setData requests, one per node. */
    sets: number;
    failedSets: number;
    /** From the first setData sent to its last reply. */
    setsMs: number;
    /** From the first setData sent to the last notification received. */
    lastEventMs: number;
    /** Notifications received (should equal `watches`). */
    events: number;
    eventsPerSecond: number;
    /** Gave up waiting for notifications (bounded wait). */
    timedOut: boolean;
    probe: LatencySummary;
    server: ServerView;
  };
  probeErrors: number;
  connectionsLost: number;
  loadavg: number[];
  date: string;
}

export interface WatchScaleHooks {
  log?: (line: string) => void;
  /** Longest wait for the notifications after the last setData reply (default 120 s). */
  eventTimeoutMs?: number;
  /** The host's pause control, read beside the server's figures. */
  control?: PauseControl;
}

/**
 * The watch scale scenario: `options.watches` watches, `options.watchSessions` sessions each setting a getData
 * watch on every one of watches/watchSessions nodes (`<root>/k<i>`, created first), then one more connection
 * setting every node's data (each setData fires one notification per session). Measured: registration time, the
 * time from the first setData to the last notification, the probe's latency in each phase, and the server's view
 * (srst at the start of each phase, mntr at its end).
 */
export async function runWatchScale(options: BenchOptions, hooks: WatchScaleHooks = {}): Promise<WatchScaleResult> {
  const log = hooks.log ?? (() => undefined);
  const sessions = Math.max(1, options.watchSessions);
  const nodes = Math.ceil(options.watches / sessions);
  const watches = nodes * sessions;
  const { host, port } = parseServers(options.server)[0]!;
  const total = sessions + 2;
  checkFileLimit(total, 1);
  const sources = sourceAddressCount(options, total);
  let opened = 0;
  const connectOpts = (): ConnectOptions => {
    const localAddress = sourceAddress({ sourceAddresses: sources, workerIndex: 0, shares: 1 }, opened++);
    return { host, port, sessionTimeoutMs: options.sessionTimeoutMs, ...(localAddress !== undefined ? { localAddress } : {}) };
  };
  const tree = { ...options, keys: nodes, children: 0 };
  log(`watches: ${nodes.toLocaleString("en-US")} nodes x ${sessions} sessions = ${watches.toLocaleString("en-US")} watches on ${options.server}`);
  const setup = options.noSetup ? { created: 0, ms: 0 } : await setupTree(tree, log);
  log(`  set-up: ${nodes} nodes in ${(setup.ms / 1000).toFixed(1)} s`);

  const watchers = await openMany(sessions, options.connectConcurrency, connectOpts);
  const extra = await openMany(2, 2, connectOpts);
  const all = [...watchers.conns, ...extra.conns];
  let lost = 0;
  let closing = false;
  for (const c of all) c.onClose(() => void (closing ? undefined : lost++));
  try {
    if (watchers.failures > 0 || extra.failures > 0) throw new Error(`could not open the sessions: ${watchers.firstError ?? extra.firstError}`);
    const [probeConn, firer] = extra.conns as [Connection, Connection];
    const probe = new Probe(probeConn, options.root);
    const depth = Math.max(1, options.depth);

    // Registration: every session sets a data watch on every node.
    await resetServerStats(host, port, hooks.control);
    probe.start();
    const r0 = performance.now();
    const reg = await Promise.all(
      watchers.conns.map((c) => pump([c], nodes, depth, (i) => ({ type: OpCode.getData, body: { path: keyPath(options.root, i), watch: true } }))),
    );
    const regMs = performance.now() - r0;
    const regProbe = probe.phase();
    const regServer = await serverView(host, port, options.serverPid, hooks.control);
    const failed = reg.reduce((n, r) => n + r.failed, 0);
    log(
      `  registered ${watches.toLocaleString("en-US")} watches in ${(regMs / 1000).toFixed(2)} s (${Math.round((watches / regMs) * 1000).toLocaleString("en-US")}/s), ` +
        `server watch count ${regServer.watchCount ?? "?"}, probe p99 ${ms(regProbe.p99)} max ${ms(regProbe.max)} ms, server max pause ${regServer.maxPauseMs ?? "n/a"} ms (host control ${regServer.hostMaxPauseMs ?? "n/a"} ms)`,
    );

    // Fire: one setData per node, each notifying every session.
    let events = 0;
    let lastEventAt = 0;
    let allEvents: () => void = () => undefined;
    const gotAll = new Promise<void>((r) => (allEvents = r));
    for (const c of watchers.conns) {
      c.onNotification = () => {
        events++;
        lastEventAt = performance.now();
        if (events >= watches) allEvents();
      };
    }
    await resetServerStats(host, port, hooks.control);
    probe.phase();
    const value = Buffer.alloc(options.valueSize, 0x79);
    const f0 = performance.now();
    const sets = await pump([firer], nodes, depth, (i) => ({ type: OpCode.setData, body: { path: keyPath(options.root, i), data: value, version: -1 } }));
    const setsMs = performance.now() - f0;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([gotAll.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), hooks.eventTimeoutMs ?? 120_000)))]);
    clearTimeout(timer);
    const lastEventMs = (events > 0 ? lastEventAt : performance.now()) - f0;
    const fireProbe = probe.phase();
    const fireServer = await serverView(host, port, options.serverPid, hooks.control);
    log(
      `  fired: ${events.toLocaleString("en-US")}/${watches.toLocaleString("en-US")} events, last ${(lastEventMs / 1000).toFixed(2)} s after the first setData ` +
        `(setData replies done at ${(setsMs / 1000).toFixed(2)} s), probe p99 ${ms(fireProbe.p99)} max ${ms(fireProbe.max)} ms, server max pause ${fireServer.maxPauseMs ?? "n/a"} ms (host control ${fireServer.hostMaxPauseMs ?? "n/a"} ms)`,
    );
    await probe.stop();
    return {
      server: options.server,
      watches,
      sessions,
      nodes,
      setup: { nodes, ms: setup.ms },
      register: { ms: regMs, perSecond: (watches / regMs) * 1000, failed, serverWatchCount: regServer.watchCount, probe: regProbe, server: regServer },
      fire: {
        sets: nodes,
        failedSets: sets.failed,
        setsMs,
        lastEventMs,
        events,
        eventsPerSecond: lastEventMs > 0 ? (events / lastEventMs) * 1000 : 0,
        timedOut,
        probe: fireProbe,
        server: fireServer,
      },
      probeErrors: probe.errors,
      connectionsLost: lost,
      loadavg: loadavg(),
      date: new Date().toISOString(),
    };
  } finally {
    closing = true;
    await Promise.all(all.map((c) => c.close().catch(() => undefined)));
    if (!options.keep && !options.noSetup) await teardownTree({ ...tree, sessionTimeoutMs: options.sessionTimeoutMs }).catch((e: Error) => log(`tear-down failed: ${e.message}`));
  }
}

const mb = (b: number | undefined) => (b === undefined ? "n/a" : `${(b / 2 ** 20).toFixed(0)} MB`);
const int = (n: number) => Math.round(n).toLocaleString("en-US");

/** Human-readable summary of a watch scale run. */
export function formatWatchScale(r: WatchScaleResult): string {
  const lines = [
    `zkts-bench: ${int(r.watches)} watches (${int(r.nodes)} nodes x ${r.sessions} sessions) on ${r.server}`,
    `  register   ${(r.register.ms / 1000).toFixed(2)} s (${int(r.register.perSecond)}/s), failed ${r.register.failed}, server watch count ${r.register.serverWatchCount ?? "n/a"}, ` +
      `server RSS ${mb(r.register.server.rssBytes)}, server max pause ${r.register.server.maxPauseMs ?? "n/a"} ms (host control ${r.register.server.hostMaxPauseMs ?? "n/a"} ms); probe ms p50 ${ms(r.register.probe.p50)} p99 ${ms(r.register.probe.p99)} max ${ms(r.register.probe.max)}`,
    `  fire       ${int(r.fire.events)}/${int(r.watches)} events in ${(r.fire.lastEventMs / 1000).toFixed(2)} s (${int(r.fire.eventsPerSecond)}/s)${r.fire.timedOut ? " TIMED OUT" : ""}, ` +
      `${int(r.fire.sets)} setData done in ${(r.fire.setsMs / 1000).toFixed(2)} s, failed ${r.fire.failedSets}, server RSS ${mb(r.fire.server.rssBytes)}, ` +
      `server max pause ${r.fire.server.maxPauseMs ?? "n/a"} ms (host control ${r.fire.server.hostMaxPauseMs ?? "n/a"} ms); probe ms p50 ${ms(r.fire.probe.p50)} p99 ${ms(r.fire.probe.p99)} max ${ms(r.fire.probe.max)}`,
    `  probe errors ${r.probeErrors}, connections lost ${r.connectionsLost}; load average ${r.loadavg.map((x) => x.toFixed(2)).join(" ")}`,
  ];
  return lines.join("\n");
}

/** Whether a watch scale run went wrong (exit status 1). */
export function watchScaleFailed(r: WatchScaleResult): boolean {
  return r.register.failed > 0 || r.fire.failedSets > 0 || r.fire.timedOut || r.fire.events !== r.watches || r.connectionsLost > 0 || r.probeErrors > 0;
}
