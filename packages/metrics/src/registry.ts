import { SUMMARY_DETAIL, SUMMARY_SET_DETAIL, type DetailLevel } from "./names.js";

/** A value as ZooKeeper's metrics hold them: whole numbers (Java longs) except averages (doubles). */
export type MetricValue = number | bigint;

/** Receives one printed value: `key` as ZooKeeper's metrics dump names it (mntr adds `zk_`). */
export type ValueSink = (key: string, value: MetricValue, isDouble: boolean) => void;

/** A monotonically increasing count (ZooKeeper's SimpleCounter). Keep the handle; `inc` allocates nothing. */
export class Counter {
  readonly kind = "counter";
  /** Since start or the last reset (srst): what mntr prints. */
  value = 0;
  /** Since start, never reset: what a Prometheus counter exposes (ZooKeeper's Prometheus provider ignores resets). */
  total = 0;
  constructor(readonly name: string) {}
  inc(by = 1): void {
    this.value += by;
    this.total += by;
  }
  reset(): void {
    this.value = 0;
  }
}

/** A value read on demand (ZooKeeper's Gauge): nothing is recorded, `read` runs when the metrics are dumped. */
export class Gauge {
  readonly kind = "gauge";
  constructor(
    readonly name: string,
    readonly read: () => MetricValue | undefined,
    /** Printed as a Java double (e.g. avg_latency). */
    readonly isDouble = false,
  ) {}
}

/** Size of the uniform sample an advanced summary keeps for its quantiles (ZooKeeper's reservoir: 4096). */
export const RESERVOIR_SIZE = 4096;

/**
 * ZooKeeper's AvgMinMaxCounter (basic) or AvgMinMaxPercentileCounter (advanced): count, sum, min, max, and for
 * advanced summaries a uniform reservoir sample (Vitter's algorithm R, like ZooKeeper's ResettableUniformReservoir)
 * from which p50/p95/p99/p999 are computed when read. `observe` allocates nothing.
 */
export class Summary {
  readonly kind = "summary";
  count = 0;
  sum = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private readonly sample: Float64Array | undefined;
  private seen = 0;
  /** xorshift32 state of the reservoir's replacement choice. */
  private rnd = 0x9e3779b9;
  /** Receives every recorded value (set by {@link MetricsRegistry.observeSummaries}); undefined: nobody listens. */
  tap: ((value: number) => void) | undefined = undefined;

  constructor(
    readonly name: string,
    readonly detail: DetailLevel = "basic",
  ) {
    this.sample = detail === "advanced" ? new Float64Array(RESERVOIR_SIZE) : undefined;
  }

  /** Records one value, truncated to a whole number (ZooKeeper's summaries take longs). */
  observe(value: number): void {
    const v = Math.trunc(value);
    this.count++;
    this.sum += v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
    const s = this.sample;
    if (s !== undefined) {
      const c = ++this.seen;
      if (c <= s.length) {
        s[c - 1] = v;
      } else {
        let x = this.rnd;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        this.rnd = x;
        const r = Math.floor(((x >>> 0) / 4294967296) * c);
        if (r < s.length) s[r] = v;
      }
    }
    const t = this.tap;
    if (t !== undefined) t(v);
  }

  /** 0 while empty, as ZooKeeper's getMin. */
  get min(): number {
    return this.count === 0 ? 0 : this.lo;
  }

  get max(): number {
    return this.count === 0 ? 0 : this.hi;
  }

  /** sum / count rounded half-up to 4 decimals (AvgMinMaxCounter.getAvg); 0 while empty. */
  get avg(): number {
    return this.count === 0 ? 0 : Math.round((this.sum / this.count) * 10000) / 10000;
  }

  get hasQuantiles(): boolean {
    return this.sample !== undefined;
  }

  /**
   * The q-quantile (0..1) of the sample, as Dropwizard's UniformSnapshot.getValue; 0 while empty.
   * Undefined for basic summaries (they keep no sample).
   */
  quantile(q: number): number | undefined {
    return this.quantiles([q])?.[0];
  }

  /** Several quantiles from one sorted copy of the sample. */
  quantiles(qs: readonly number[]): number[] | undefined {
    const s = this.sample;
    if (s === undefined) return undefined;
    const n = Math.min(this.seen, s.length);
    if (n === 0) return qs.map(() => 0);
    const sorted = s.slice(0, n).sort();
    return qs.map((q) => {
      const pos = q * (n + 1);
      const index = Math.floor(pos);
      if (index < 1) return sorted[0]!;
      if (index >= n) return sorted[n - 1]!;
      const lower = sorted[index - 1]!;
      const upper = sorted[index]!;
      return lower + (pos - index) * (upper - lower);
    });
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.lo = Number.POSITIVE_INFINITY;
    this.hi = Number.NEGATIVE_INFINITY;
    this.seen = 0;
  }

  /** ZooKeeper's values(): avg_, min_, max_, cnt_, sum_ (+ p50_, p95_, p99_, p999_ when advanced). */
  dump(sink: ValueSink, name = this.name): void {
    sink(`avg_${name}`, this.avg, true);
    sink(`min_${name}`, this.min, false);
    sink(`max_${name}`, this.max, false);
    sink(`cnt_${name}`, this.count, false);
    sink(`sum_${name}`, this.sum, false);
    const q = this.quantiles(QUANTILES);
    if (q !== undefined) {
      for (let i = 0; i < QUANTILES.length; i++) sink(`${QUANTILE_PREFIX[i]}_${name}`, Math.round(q[i]!), false);
    }
  }
}

const QUANTILES = [0.5, 0.95, 0.99, 0.999] as const;
const QUANTILE_PREFIX = ["p50", "p95", "p99", "p999"] as const;

/**
 * ZooKeeper's AvgMinMaxCounterSet: one summary per key (e.g. per top-level namespace), printed as
 * `avg_<key>_<name>`, ... Hot paths take `summary(key)` once and keep the handle.
 */
export class SummarySet {
  readonly kind = "summarySet";
  private readonly byKey = new Map<string, Summary>();
  /** Told of each key's summary when it is created (set by {@link MetricsRegistry.observeSummaries}). */
  onNewSummary: ((key: string, summary: Summary) => void) | undefined = undefined;
  constructor(
    readonly name: string,
    readonly detail: DetailLevel = "basic",
  ) {}

  /** The summary of one key (created on first use). */
  summary(key: string): Summary {
    let s = this.byKey.get(key);
    if (s === undefined) {
      s = new Summary(`${key}_${this.name}`, this.detail);
      this.byKey.set(key, s);
      this.onNewSummary?.(key, s);
    }
    return s;
  }

  /** One lookup by key; prefer a kept `summary(key)` handle on hot paths. */
  observe(key: string, value: number): void {
    this.summary(key).observe(value);
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  entries(): IterableIterator<[string, Summary]> {
    return this.byKey.entries();
  }

  reset(): void {
    for (const s of this.byKey.values()) s.reset();
  }

  dump(sink: ValueSink): void {
    for (const s of this.byKey.values()) s.dump(sink);
  }
}

export type Metric = Counter | Gauge | Summary | SummarySet;

/**
 * Receives every value a registry's summaries record: `summary` is a registry summary, or (with `set` and `key`)
 * one key's summary of a summary set. For exporters that keep their own view of the values (a Prometheus summary
 * over a time window); values are whole numbers, as recorded.
 */
export type SummaryObserver = (value: number, summary: Summary, set?: SummarySet, key?: string) => void;

/** Thrown when a name is registered twice with different kinds. */
export class MetricKindError extends Error {
  constructor(name: string, had: string, wanted: string) {
    super(`metric ${name} is a ${had}, not a ${wanted}`);
    this.name = "MetricKindError";
  }
}

/**
 * One server's metrics, under ZooKeeper's names. Components ask for their handles once (`counter`, `summary`,
 * `summarySet`: get-or-create, so two components may share one) and record through them; `gauge` registers a
 * callback read on dump (a later registration under the same name replaces it, as ZooKeeper's registerGauge).
 * `all()` enumerates in registration order (for mntr and, later, Prometheus).
 */
export class MetricsRegistry {
  private readonly byName = new Map<string, Metric>();
  private readonly observers = new Set<SummaryObserver>();

  /**
   * Calls `observer` with every value recorded from now on by the registry's summaries, those of summary sets
   * included, and those created later. Returns a function that stops it. Recording costs nothing extra while no
   * observer is attached.
   */
  observeSummaries(observer: SummaryObserver): () => void {
    this.observers.add(observer);
    if (this.observers.size === 1) for (const m of this.byName.values()) this.attach(m);
    return () => {
      if (!this.observers.delete(observer) || this.observers.size > 0) return;
      for (const m of this.byName.values()) {
        if (m.kind === "summary") m.tap = undefined;
        else if (m.kind === "summarySet") {
          m.onNewSummary = undefined;
          for (const [, s] of m.entries()) s.tap = undefined;
        }
      }
    };
  }

  private attach(m: Metric): void {
    const observers = this.observers;
    if (m.kind === "summary") {
      m.tap = (v) => {
        for (const o of observers) o(v, m);
      };
    } else if (m.kind === "summarySet") {
      const attachKey = (key: string, s: Summary) => {
        s.tap = (v) => {
          for (const o of observers) o(v, s, m, key);
        };
      };
      for (const [key, s] of m.entries()) attachKey(key, s);
      m.onNewSummary = attachKey;
    }
  }

  counter(name: string): Counter {
    return this.getOrCreate(name, "counter", () => new Counter(name));
  }

  /** A summary; its detail level defaults to ZooKeeper's for that name (basic for names ZooKeeper lacks). */
  summary(name: string, detail: DetailLevel = SUMMARY_DETAIL[name] ?? "basic"): Summary {
    return this.getOrCreate(name, "summary", () => new Summary(name, detail));
  }

  summarySet(name: string, detail: DetailLevel = SUMMARY_SET_DETAIL[name] ?? "basic"): SummarySet {
    return this.getOrCreate(name, "summarySet", () => new SummarySet(name, detail));
  }

  /** Registers (or replaces) a gauge. `read` returning undefined means "not measurable now": nothing is printed. */
  gauge(name: string, read: () => MetricValue | undefined, opts: { isDouble?: boolean } = {}): Gauge {
    const had = this.byName.get(name);
    if (had !== undefined && had.kind !== "gauge") throw new MetricKindError(name, had.kind, "gauge");
    const g = new Gauge(name, read, opts.isDouble ?? false);
    this.byName.set(name, g);
    return g;
  }

  /** Removes a gauge only if it is still `g` (a component leaving does not remove its successor's gauge). */
  unregisterGauge(g: Gauge): void {
    if (this.byName.get(g.name) === g) this.byName.delete(g.name);
  }

  get(name: string): Metric | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  all(): IterableIterator<Metric> {
    return this.byName.values();
  }

  /**
   * Every value, as ZooKeeper's metrics dump names it: counters and gauges by name, summaries as
   * avg_/min_/max_/cnt_/sum_(/p50_...), summary sets per key. Gauges that read undefined are left out.
   */
  dump(sink: ValueSink): void {
    for (const m of this.byName.values()) {
      switch (m.kind) {
        case "counter":
          sink(m.name, m.value, false);
          break;
        case "gauge": {
          const v = m.read();
          if (v !== undefined) sink(m.name, v, m.isDouble);
          break;
        }
        case "summary":
        case "summarySet":
          m.dump(sink);
          break;
      }
    }
  }

  /** Resets every counter and summary (ZooKeeper's resetAllValues, run by `srst`); gauges are live. */
  reset(): void {
    for (const m of this.byName.values()) if (m.kind !== "gauge") m.reset();
  }

  private getOrCreate<T extends Metric>(name: string, kind: T["kind"], make: () => T): T {
    const had = this.byName.get(name);
    if (had !== undefined) {
      if (had.kind !== kind) throw new MetricKindError(name, had.kind, kind);
      return had as T;
    }
    const m = make();
    this.byName.set(name, m);
    if (this.observers.size > 0) this.attach(m);
    return m;
  }
}
