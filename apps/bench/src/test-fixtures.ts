/** Test fixtures shared by the bench's report tests. */
import type { BenchResult } from "./bench.js";
import { Histogram } from "./histogram.js";

/** A BenchResult with the given throughput and latencies (µs), as a run of `workload` would report it. */
export function fakeResult(throughput: number, latencies: number[], workload = "get", benchCpu = 20): BenchResult {
  const h = new Histogram();
  for (const l of latencies) h.record(l);
  return {
    server: "127.0.0.1:1", workload, connections: 8, depth: 32, procs: 1, valueSize: 100, keys: 10, durationMs: 1000,
    ops: throughput, throughput, errors: 0, errorsOutsideWindow: 0, errorsByCode: {}, firstError: undefined, connectionsLost: 0,
    latencyUs: h.summary(), byOp: {}, setup: undefined, sessions: undefined, bench: { cpuPercentOfOneCore: benchCpu, cores: 2 },
    loadavg: [1, 1, 1], date: "2026-01-01T00:00:00.000Z",
  };
}
