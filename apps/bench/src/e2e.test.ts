import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, OpCode } from "@zkts/client-wire";
import { startZkts, type ZktsServer } from "@zkts/testkit";
import { DEFAULT_OPTIONS, WORKLOADS, type BenchOptions, type Workload } from "./args.js";
import { runBenchmark } from "./bench.js";
import { Connection } from "./connection.js";
import { formatResult } from "./format.js";

let zk: ZktsServer;
beforeAll(async () => {
  zk = await startZkts();
});
afterAll(async () => {
  await zk?.stop();
});

const opts = (o: Partial<BenchOptions>): BenchOptions => ({
  ...DEFAULT_OPTIONS,
  server: zk.connectString,
  connections: 2,
  depth: 8,
  keys: 200,
  durationMs: 1000,
  warmupMs: 200,
  deletePool: 2000,
  ...o,
});

async function rootExists(root: string): Promise<boolean> {
  const c = await Connection.open({ host: zk.host, port: zk.port, sessionTimeoutMs: 10_000 });
  try {
    const r = await c.call(OpCode.exists, { path: root, watch: false });
    if (r.err !== 0 && r.err !== ErrorCode.NONODE) throw new Error(`exists: ${r.err}`);
    return r.err === 0;
  } finally {
    await c.close();
  }
}

describe("zkts-bench against a real zkts-server", () => {
  for (const w of WORKLOADS) {
    it(`runs ${w} with throughput and no errors, and removes its tree`, async () => {
      const root = `/bench-${w}`;
      const r = await runBenchmark(opts({ mix: [{ workload: w as Workload, weight: 1 }], root }));
      expect(r.errors, JSON.stringify(r.errorsByCode) + r.firstError).toBe(0);
      expect(r.errorsOutsideWindow).toBe(0);
      expect(r.connectionsLost).toBe(0);
      expect(r.ops).toBeGreaterThan(0);
      expect(r.throughput).toBeGreaterThan(0);
      expect(r.latencyUs.count).toBe(r.ops);
      expect(r.latencyUs.p50).toBeGreaterThan(0);
      expect(r.latencyUs.p99).toBeGreaterThanOrEqual(r.latencyUs.p50);
      expect(r.byOp[w as Workload]!.ops).toBe(r.ops);
      expect(r.setup!.created).toBe(200 + DEFAULT_OPTIONS.children);
      expect(r.bench.cpuPercentOfOneCore).toBeGreaterThan(0);
      expect(await rootExists(root)).toBe(false);
    });
  }

  it("runs a weighted mix and reports each op", async () => {
    const r = await runBenchmark(opts({ mix: [{ workload: "get", weight: 3 }, { workload: "set", weight: 1 }], root: "/bench-mix", keep: true }));
    expect(r.errors).toBe(0);
    expect(r.byOp.get!.ops).toBeGreaterThan(r.byOp.set!.ops);
    expect(r.byOp.set!.ops).toBeGreaterThan(0);
    expect(formatResult(r)).toMatch(/get=3,set=1 on 127\.0\.0\.1:\d+.*\n\s+throughput\s+[\d,]+ ops\/s/);
    // --keep leaves the tree; --no-setup reuses it and a later run removes nothing it did not create.
    expect(await rootExists("/bench-mix")).toBe(true);
    const again = await runBenchmark(opts({ root: "/bench-mix", noSetup: true, keep: false }));
    expect(again.errors).toBe(0);
    expect(again.setup).toBeUndefined();
  });

  it("delete measures deletes of its pool only and ends the window when a connection has used its share up", async () => {
    const r = await runBenchmark(opts({ mix: [{ workload: "delete", weight: 1 }], root: "/bench-pool", deletePool: 400, durationMs: 20_000 }));
    expect(r.errors, r.firstError).toBe(0);
    expect(r.errorsOutsideWindow).toBe(0);
    // 200 pool nodes per connection, plus at most one warm-up node per connection deleted at the window's start.
    expect(r.ops).toBeGreaterThan(0);
    expect(r.ops).toBeLessThanOrEqual(402);
    expect(r.durationMs).toBeLessThan(20_000);
    expect(await rootExists("/bench-pool")).toBe(false);
  });

  it("multi5 sends 5-op multis (create, setData, check, delete, setData) that all succeed", async () => {
    const r = await runBenchmark(opts({ mix: [{ workload: "multi5", weight: 1 }], root: "/bench-multi5", keep: true }));
    expect(r.errors, r.firstError).toBe(0);
    expect(r.ops).toBeGreaterThan(0);
    // Each multi deletes the node it created: nothing is left under root/c.
    const c = await Connection.open({ host: zk.host, port: zk.port, sessionTimeoutMs: 10_000 });
    try {
      const ls = await c.call(OpCode.getChildren, { path: "/bench-multi5/c", watch: false });
      expect(ls.err).toBe(0);
      expect((ls.body as { children: string[] }).children).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it("calls onWindow at the start and the end of the measured window, with worker processes too", async () => {
    for (const procs of [1, 2]) {
      const edges: string[] = [];
      const times: number[] = [];
      const r = await runBenchmark(opts({ procs, root: `/bench-window${procs}` }), {
        onWindow: (e) => {
          edges.push(e);
          times.push(performance.now());
        },
      });
      expect(r.errors).toBe(0);
      expect(edges).toEqual(["start", "end"]);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(r.durationMs - 50);
    }
  }, 60_000);

  it("holds idle sessions while a probe measures latency", async () => {
    const r = await runBenchmark(opts({ idle: true, sessions: 50, sessionTimeoutMs: 4000, root: "/bench-idle" }));
    expect(r.errors).toBe(0);
    expect(r.ops).toBeGreaterThan(0);
    expect(r.sessions).toMatchObject({ requested: 50, opened: 50, failed: 0, alive: 50 });
    expect(r.workload).toBe("idle+probe:get");
  });

  it("forks worker processes and merges their histograms", async () => {
    const r = await runBenchmark(opts({ procs: 2, connections: 3, sessions: 4, root: "/bench-procs", mix: [{ workload: "exists", weight: 1 }] }));
    expect(r.errors).toBe(0);
    expect(r.procs).toBe(2);
    expect(r.ops).toBeGreaterThan(0);
    expect(r.latencyUs.count).toBe(r.ops);
    expect(r.sessions).toMatchObject({ requested: 4, opened: 4, alive: 4 });
  }, 60_000);

  it("counts errors instead of hiding them", async () => {
    // No set-up: every get of a missing key is NONODE.
    const r = await runBenchmark(opts({ noSetup: true, root: "/bench-missing" }));
    expect(r.errors).toBe(r.ops);
    expect(r.errorsOutsideWindow).toBeGreaterThan(0);
    expect(r.errorsByCode).toEqual({ NONODE: r.ops });
    expect(formatResult(r)).toMatch(/errors [\d]+ \{"NONODE":\d+\}, \d+ more outside the measured window \(first: get: NONODE/);
  });
});
