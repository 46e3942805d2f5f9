/**
 * Runs one share of a benchmark in this process: idle sessions, load connections (or the probe), warm-up,
 * measured window, drain, clean-up of created nodes. runBenchmark (bench.ts) runs one share in-process or one per
 * worker process and merges the results.
 */
import { decodeResponse, ErrorCode, errorName, Ids, OpCode, type MultiResponse } from "@zkts/client-wire";
import type { BenchOptions, Workload } from "./args.js";
import { Connection, openMany, parseServers, type ConnectOptions } from "./connection.js";
import { Histogram, type HistogramSnapshot } from "./histogram.js";
import { OpGenerator } from "./workload.js";

export interface ShareSpec {
  workerIndex: number;
  /** Load connections of this share (0 in idle mode). */
  connections: number;
  /** Idle sessions of this share. */
  sessions: number;
  /** Run the latency probe (one connection, depth 1) in this share. */
  probe: boolean;
  /** Unique per run, part of the names of created nodes. */
  runTag: string;
  /**
   * Index of this share's first connection among all shares' (load and idle alike): with a server list, connection
   * k of the share goes to server (connectionOffset + k) % servers, so the list is covered evenly across workers.
   */
  connectionOffset?: number;
  /**
   * Source addresses 127.0.0.1..127.0.0.<n> this share's connections take in turn (interleaved with the other
   * shares': worker w of p takes addresses w, w + p, ...); 1 or absent: the OS picks.
   */
  sourceAddresses?: number;
  /** Shares in the run (for the interleaving of source addresses). */
  shares?: number;
}

/** The source address of this share's `n`-th connection (undefined: let the OS pick). */
export function sourceAddress(share: Pick<ShareSpec, "sourceAddresses" | "shares" | "workerIndex">, n: number): string | undefined {
  const count = share.sourceAddresses ?? 1;
  if (count <= 1) return undefined;
  return `127.0.0.${((n * (share.shares ?? 1) + share.workerIndex) % count) + 1}`;
}

export interface OpStats {
  ops: number;
  errors: number;
  hist: HistogramSnapshot;
}

export interface ShareResult {
  ops: number;
  errors: number;
  /** Errors of requests outside the measured window (warm-up, drain). */
  errorsOutsideWindow: number;
  errorsByCode: Record<string, number>;
  byOp: Partial<Record<Workload, OpStats>>;
  hist: HistogramSnapshot;
  measuredMs: number;
  /** CPU time of this process during the measured window (microseconds). */
  cpuUs: number;
  connectionsLost: number;
  firstError: string | undefined;
  sessions: {
    requested: number;
    opened: number;
    failed: number;
    firstError: string | undefined;
    /** Wall time to open them. */
    openMs: number;
    /** Still connected at the end of the measured window. */
    alive: number;
    pingsSent: number;
    pingsAnswered: number;
  };
  /** Nodes created by the create workload (and deleted again afterwards). */
  created: number;
}

/** Sends `total` requests over the connections with at most `depth` in flight on each; returns error counts. */
export async function pump(
  conns: Connection[],
  total: number,
  depth: number,
  op: (i: number) => { type: number; body: unknown },
  ok: (err: number) => boolean = (err) => err === 0,
): Promise<{ failed: number; firstErr: number | undefined }> {
  let next = 0;
  let failed = 0;
  let firstErr: number | undefined;
  await Promise.all(
    conns.map(
      (c) =>
        new Promise<void>((resolve) => {
          let inflight = 0;
          const issue = () => {
            while (inflight < depth && next < total && !c.closed) {
              const o = op(next++);
              inflight++;
              c.send(o.type, o.body, (err) => {
                inflight--;
                if (!ok(err)) {
                  failed++;
                  firstErr ??= err;
                }
                if (inflight === 0 && (next >= total || c.closed)) resolve();
                else issue();
              });
            }
            if (inflight === 0) resolve();
          };
          issue();
        }),
    ),
  );
  return { failed, firstErr };
}

/** Creates every generator's delete pool (pipelined over all connections; before the load, not measured). */
async function createDeletePool(conns: Connection[], gens: OpGenerator[]): Promise<void> {
  const per = gens[0]!.poolSize;
  const value = Buffer.alloc(0);
  const r = await pump(conns, per * gens.length, 128, (i) => ({
    type: OpCode.create,
    body: { path: gens[i % gens.length]!.poolPath(Math.floor(i / gens.length)), data: value, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 },
  }));
  if (r.failed > 0) throw new Error(`creating the delete pool: ${errorName(r.firstErr!) ?? r.firstErr}`);
}

function multiFailed(payload: Buffer): boolean {
  const r = decodeResponse(payload, () => OpCode.multi).body as MultiResponse;
  return r.results.some((x) => x.err !== 0 || x.type === OpCode.error);
}

/** Where the measured window of a share starts and ends (compare reads the server's CPU time there). */
export type WindowEdge = "start" | "end";

/**
 * Runs one share. `ready` is awaited after every connection is open (and the delete workload's pool created) and
 * before the load starts; `onWindow` is called when the measured window starts and ends.
 */
export async function runShare(
  options: BenchOptions,
  share: ShareSpec,
  ready: () => Promise<void> = async () => undefined,
  onWindow: (edge: WindowEdge) => void = () => undefined,
): Promise<ShareResult> {
  const servers = parseServers(options.server);
  const offset = share.connectionOffset ?? 0;
  let opened = 0;
  const connectOpts = (i: number): ConnectOptions => {
    const localAddress = sourceAddress(share, opened++);
    return { ...servers[(offset + i) % servers.length]!, sessionTimeoutMs: options.sessionTimeoutMs, ...(localAddress !== undefined ? { localAddress } : {}) };
  };

  const t0 = performance.now();
  const idle = await openMany(share.sessions, options.connectConcurrency, connectOpts);
  const openMs = performance.now() - t0;

  const nLoad = share.probe ? 1 : share.connections;
  const depth = share.probe ? 1 : options.depth;
  const load = await openMany(nLoad, options.connectConcurrency, connectOpts);
  if (load.failures > 0) {
    for (const c of [...load.conns, ...idle.conns]) c.close().catch(() => undefined);
    throw new Error(`could not open ${load.failures} of ${nLoad} load connections: ${load.firstError}`);
  }
  const deletes = options.mix.some((m) => m.workload === "delete");

  const hist = new Histogram();
  const perOp = new Map<Workload, { ops: number; errors: number; hist: Histogram }>();
  for (const m of options.mix) perOp.set(m.workload, { ops: 0, errors: 0, hist: new Histogram() });
  const errorsByCode: Record<string, number> = {};
  let ops = 0;
  let errors = 0;
  let errorsOutside = 0;
  let firstError: string | undefined;
  let phase: "warmup" | "measure" | "drain" = "warmup";
  let mStart = Infinity;
  let mEnd = 0;
  let cpuStart = process.cpuUsage();
  let inflight = 0;
  let drained: () => void = () => undefined;
  const allDrained = new Promise<void>((r) => (drained = r));
  let lost = 0;
  let closing = false;
  // The delete workload ends the window when a connection has used up its pool.
  let poolUsedUp: () => void = () => undefined;
  const poolEmpty = new Promise<void>((r) => (poolUsedUp = r));

  const gens = load.conns.map(
    (_, i) =>
      new OpGenerator({
        root: options.root,
        keys: options.keys,
        valueSize: options.valueSize,
        multiOps: options.multiOps,
        mix: options.mix,
        tag: `${share.runTag}w${share.workerIndex}c${i}`,
        seed: options.seed * 7919 + share.workerIndex * 1009 + i + 1,
        deletePool: deletes ? Math.ceil(options.deletePool / Math.max(1, options.connections)) : 0,
      }),
  );
  if (deletes && gens.length > 0) await createDeletePool(load.conns, gens);
  await ready();

  load.conns.forEach((conn, i) => {
    const gen = gens[i]!;
    conn.onClose(() => {
      if (!closing) lost++;
    });
    const issue = () => {
      const op = gen.next(phase !== "warmup");
      if (op === undefined) {
        poolUsedUp();
        if (inflight === 0 && phase === "drain") drained();
        return;
      }
      inflight++;
      conn.send(op.type, op.body, (err, payload, sentAt) => {
        inflight--;
        if (phase === "measure" && sentAt >= mStart) {
          const now = performance.now();
          const us = (now - sentAt) * 1000;
          const s = perOp.get(op.workload)!;
          let e = err;
          if (e === 0 && op.type === OpCode.multi && multiFailed(payload)) e = ErrorCode.SYSTEMERROR;
          else if (e === 0 && options.decode && payload.length > 0) decodeResponse(payload, () => op.type);
          ops++;
          s.ops++;
          hist.record(us);
          s.hist.record(us);
          if (e !== 0) {
            errors++;
            s.errors++;
            const name = errorName(e) ?? String(e);
            errorsByCode[name] = (errorsByCode[name] ?? 0) + 1;
            firstError ??= `${op.workload}: ${name}`;
          }
        } else if (err !== 0 && err !== -4) {
          // Errors outside the measured window still mean something is wrong.
          errorsOutside++;
          firstError ??= `${op.workload}: ${errorName(err) ?? err} (outside the measured window)`;
        }
        if (phase !== "drain" && !conn.closed) issue();
        else if (inflight === 0) drained();
      });
    };
    for (let d = 0; d < depth; d++) issue();
  });

  await new Promise((r) => setTimeout(r, options.warmupMs));
  phase = "measure";
  onWindow("start");
  mStart = performance.now();
  cpuStart = process.cpuUsage();
  let windowTimer: NodeJS.Timeout | undefined;
  await Promise.race([poolEmpty, new Promise((r) => (windowTimer = setTimeout(r, options.durationMs)))]);
  clearTimeout(windowTimer);
  phase = "drain";
  mEnd = performance.now();
  const cpu = process.cpuUsage(cpuStart);
  onWindow("end");
  const alive = idle.conns.filter((c) => !c.closed).length;
  let pingsSent = 0;
  let pingsAnswered = 0;
  for (const c of idle.conns) {
    pingsSent += c.pingsSent;
    pingsAnswered += c.pingsAnswered;
  }
  if (inflight > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allDrained, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
  }

  // Delete what the create workload made (not measured).
  let created = 0;
  const live = load.conns.filter((c) => !c.closed);
  for (let i = 0; i < gens.length; i++) {
    const g = gens[i]!;
    const rest = g.poolSize - g.poolDeleted;
    if (rest > 0 && live.length > 0) {
      const r = await pump(live, rest, 64, (n) => ({ type: OpCode.delete, body: { path: g.poolPath(g.poolDeleted + n), version: -1 } }), (err) => err === 0 || err === ErrorCode.NONODE);
      if (r.failed > 0) firstError ??= `cleaning up the delete pool: ${errorName(r.firstErr!) ?? r.firstErr}`;
    }
    if (g.created === 0) continue;
    created += g.created;
    const conns = live.length > 0 ? live : [];
    if (conns.length === 0) break;
    const r = await pump(conns, g.created, 64, (n) => ({ type: OpCode.delete, body: { path: g.createdPath(n), version: -1 } }), (err) => err === 0 || err === ErrorCode.NONODE);
    if (r.failed > 0) firstError ??= `cleaning up created nodes: ${errorName(r.firstErr!) ?? r.firstErr}`;
  }

  closing = true;
  await Promise.all([...load.conns, ...idle.conns].map((c) => c.close().catch(() => undefined)));

  const byOp: Partial<Record<Workload, OpStats>> = {};
  for (const [w, s] of perOp) byOp[w] = { ops: s.ops, errors: s.errors, hist: s.hist.snapshot() };
  return {
    ops,
    errors,
    errorsOutsideWindow: errorsOutside,
    errorsByCode,
    byOp,
    hist: hist.snapshot(),
    measuredMs: mEnd - mStart,
    cpuUs: cpu.user + cpu.system,
    connectionsLost: lost,
    firstError,
    sessions: {
      requested: share.sessions,
      opened: idle.conns.length,
      failed: idle.failures,
      firstError: idle.firstError,
      openMs,
      alive,
      pingsSent,
      pingsAnswered,
    },
    created,
  };
}
