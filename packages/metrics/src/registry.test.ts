import { describe, expect, it } from "vitest";
import { M, MetricKindError, MetricsRegistry, RESERVOIR_SIZE, Summary, SummarySet } from "./index.js";

const dumpOf = (r: { dump(sink: (k: string, v: number | bigint, d: boolean) => void): void }) => {
  const out: [string, number | bigint, boolean][] = [];
  r.dump((k, v, d) => out.push([k, v, d]));
  return out;
};

describe("Counter", () => {
  it("counts, is shared by name, resets", () => {
    const r = new MetricsRegistry();
    const c = r.counter(M.PROPOSAL_COUNT);
    c.inc();
    c.inc(4);
    expect(r.counter("proposal_count")).toBe(c);
    expect(dumpOf(r)).toEqual([["proposal_count", 5, false]]);
    r.reset();
    expect(c.value).toBe(0);
  });
});

describe("Gauge", () => {
  it("reads on dump, is replaced by a later registration, and is left out while it reads undefined", () => {
    const r = new MetricsRegistry();
    let n = 1;
    const first = r.gauge("learners", () => n);
    n = 3;
    expect(dumpOf(r)).toEqual([["learners", 3, false]]);
    const second = r.gauge("learners", () => undefined);
    expect(dumpOf(r)).toEqual([]);
    r.unregisterGauge(first); // not the current one: kept
    expect(r.get("learners")).toBe(second);
    r.unregisterGauge(second);
    expect(r.has("learners")).toBe(false);
    r.gauge("avg_latency", () => 1.5, { isDouble: true });
    expect(dumpOf(r)).toEqual([["avg_latency", 1.5, true]]);
  });

  it("refuses a name already used by another kind", () => {
    const r = new MetricsRegistry();
    r.counter("x");
    expect(() => r.gauge("x", () => 1)).toThrow(MetricKindError);
    expect(() => r.summary("x")).toThrow(MetricKindError);
  });
});

describe("Summary", () => {
  it("basic: avg/min/max/cnt/sum as ZooKeeper's AvgMinMaxCounter (0s while empty, avg to 4 decimals)", () => {
    const r = new MetricsRegistry();
    const s = r.summary(M.FSYNC_TIME);
    expect(s.detail).toBe("basic");
    expect(dumpOf(s)).toEqual([
      ["avg_fsynctime", 0, true],
      ["min_fsynctime", 0, false],
      ["max_fsynctime", 0, false],
      ["cnt_fsynctime", 0, false],
      ["sum_fsynctime", 0, false],
    ]);
    for (const v of [3, 1, 2.9]) s.observe(v);
    expect(dumpOf(s)).toEqual([
      ["avg_fsynctime", 2, true],
      ["min_fsynctime", 1, false],
      ["max_fsynctime", 3, false],
      ["cnt_fsynctime", 3, false],
      ["sum_fsynctime", 6, false],
    ]);
    s.observe(0);
    s.observe(0);
    expect(s.avg).toBe(1.2);
    const t = new Summary("t");
    t.observe(1);
    t.observe(1);
    t.observe(2);
    expect(t.avg).toBe(1.3333);
    expect(t.quantile(0.5)).toBeUndefined();
    s.reset();
    expect([s.count, s.sum, s.min, s.max]).toEqual([0, 0, 0, 0]);
  });

  it("advanced: p50/p95/p99/p999 from the sample, as Dropwizard's UniformSnapshot", () => {
    const r = new MetricsRegistry();
    const s = r.summary(M.READ_LATENCY);
    expect(s.detail).toBe("advanced");
    expect(s.quantile(0.5)).toBe(0);
    for (let v = 1; v <= 100; v++) s.observe(v);
    // pos = q * (n + 1): 50.5 -> 50.5; 95.95 -> 95.95; 99.99 -> 99.99; 100.899 -> last
    const q = s.quantiles([0.5, 0.95, 0.99, 0.999])!;
    [50.5, 95.95, 99.99, 100].forEach((want, i) => expect(q[i]).toBeCloseTo(want, 9));
    const keys = dumpOf(s).map(([k, v]) => `${k}=${v}`);
    expect(keys).toEqual([
      "avg_readlatency=50.5",
      "min_readlatency=1",
      "max_readlatency=100",
      "cnt_readlatency=100",
      "sum_readlatency=5050",
      "p50_readlatency=51",
      "p95_readlatency=96",
      "p99_readlatency=100",
      "p999_readlatency=100",
    ]);
  });

  it("advanced: the sample stays a bounded uniform sample past its size", () => {
    const s = new Summary("x", "advanced");
    const n = RESERVOIR_SIZE * 10;
    for (let i = 0; i < n; i++) s.observe(i % 1000);
    expect(s.count).toBe(n);
    // uniform over 0..999: the median of the sample is near 500
    expect(Math.abs(s.quantile(0.5)! - 500)).toBeLessThan(60);
    expect(s.quantile(0.999)!).toBeGreaterThan(950);
  });
});

describe("SummarySet", () => {
  it("one summary per key, printed as <stat>_<key>_<name>; a kept handle records without lookups", () => {
    const r = new MetricsRegistry();
    const set = r.summarySet("write_per_namespace");
    expect(set).toBeInstanceOf(SummarySet);
    const app = set.summary("app");
    app.observe(10);
    app.observe(20);
    set.observe("zookeeper", 5);
    expect(set.summary("app")).toBe(app);
    expect(dumpOf(r).map(([k, v]) => `${k}=${v}`)).toEqual([
      "avg_app_write_per_namespace=15",
      "min_app_write_per_namespace=10",
      "max_app_write_per_namespace=20",
      "cnt_app_write_per_namespace=2",
      "sum_app_write_per_namespace=30",
      "avg_zookeeper_write_per_namespace=5",
      "min_zookeeper_write_per_namespace=5",
      "max_zookeeper_write_per_namespace=5",
      "cnt_zookeeper_write_per_namespace=1",
      "sum_zookeeper_write_per_namespace=5",
    ]);
    r.reset();
    expect(app.count).toBe(0);
    expect(r.summarySet("ack_latency").detail).toBe("advanced");
  });
});

describe("MetricsRegistry", () => {
  it("enumerates metrics in registration order", () => {
    const r = new MetricsRegistry();
    r.summary("b");
    r.counter("a");
    r.gauge("c", () => 0);
    r.summarySet("d");
    expect([...r.all()].map((m) => `${m.kind}:${m.name}`)).toEqual(["summary:b", "counter:a", "gauge:c", "summarySet:d"]);
  });
});

describe("observeSummaries and Counter.total (for exporters such as Prometheus)", () => {
  it("passes every recorded value, of summaries existing or created later and of summary sets, until stopped", () => {
    const r = new MetricsRegistry();
    const before = r.summary(M.FSYNC_TIME);
    const seen: string[] = [];
    const stop = r.observeSummaries((v, s, set, key) => seen.push(`${set ? `${set.name}[${key}]` : s.name}=${v}`));
    before.observe(2.7);
    r.summary(M.READ_LATENCY).observe(5);
    const set = r.summarySet("write_per_namespace");
    set.observe("app", 10);
    set.summary("zookeeper").observe(1);
    expect(seen).toEqual(["fsynctime=2", "readlatency=5", "write_per_namespace[app]=10", "write_per_namespace[zookeeper]=1"]);
    stop();
    before.observe(1);
    set.observe("app", 3);
    set.observe("other", 3);
    expect(seen).toHaveLength(4);
    expect(before.count).toBe(2); // recording goes on without observers
  });

  it("a counter's total is never reset (srst resets value only)", () => {
    const r = new MetricsRegistry();
    const c = r.counter(M.COMMIT_COUNT);
    c.inc(3);
    r.reset();
    c.inc();
    expect([c.value, c.total]).toEqual([1, 4]);
  });
});
