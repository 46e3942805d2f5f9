export {
  parseArgs,
  parseMix,
  parseWorkload,
  parseDuration,
  parseCount,
  mixName,
  ArgError,
  WORKLOADS,
  DEFAULT_OPTIONS,
  DEFAULT_COMPARE,
  USAGE,
  type BenchOptions,
  type CompareOptions,
  type Command,
  type Mix,
  type Workload,
} from "./args.js";
export { Histogram, bucketOf, bucketUpper, HISTOGRAM_MAX_VALUE, type HistogramSnapshot, type LatencySummary } from "./histogram.js";
export { Connection, openMany, parseHostPort, parseServers, type ConnectOptions } from "./connection.js";
export { runBenchmark, setupTree, teardownTree, split, type BenchResult, type RunHooks } from "./bench.js";
export { runShare, pump, type ShareResult, type ShareSpec } from "./runner.js";
export { formatResult, latencyLine } from "./format.js";
export { OpGenerator, Rng } from "./workload.js";
