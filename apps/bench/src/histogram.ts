/**
 * A log-linear latency histogram in the spirit of HdrHistogram: values (non-negative integers, microseconds by
 * convention) below 2^SUB_BITS are counted exactly; above, each power-of-two range is split into 2^(SUB_BITS-1)
 * equal buckets, so any reported percentile is within 1/2^(SUB_BITS-1) (0.8 %) of a recorded value. Recording is
 * O(1) with no allocation; histograms merge by adding counts (worker processes send them to the parent).
 */
const SUB_BITS = 8;
const SUB_COUNT = 1 << SUB_BITS; // 256 exact values
const HALF = SUB_COUNT >> 1; // 128 buckets per power of two above that
/** Largest recordable value; bigger ones are clamped (2^31 - 1 us is about 36 minutes). */
export const HISTOGRAM_MAX_VALUE = 0x7fffffff;
const BUCKETS = SUB_COUNT + (31 - SUB_BITS) * HALF;

/** Bucket index of a value (exported for tests). */
export function bucketOf(value: number): number {
  if (value < SUB_COUNT) return value;
  const msb = 31 - Math.clz32(value);
  const shift = msb - (SUB_BITS - 1);
  return SUB_COUNT + (shift - 1) * HALF + ((value >>> shift) - HALF);
}

/** Highest value that falls into a bucket (exported for tests). */
export function bucketUpper(index: number): number {
  if (index < SUB_COUNT) return index;
  const shift = Math.floor((index - SUB_COUNT) / HALF) + 1;
  const m = ((index - SUB_COUNT) % HALF) + HALF;
  return (m + 1) * 2 ** shift - 1;
}

export interface HistogramSnapshot {
  /** [bucket index, count] pairs of non-empty buckets. */
  buckets: Array<[number, number]>;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  /** Records one value (rounded to an integer, clamped to [0, HISTOGRAM_MAX_VALUE]). */
  record(value: number): void {
    let v = Math.round(value);
    if (!(v >= 0)) v = 0;
    else if (v > HISTOGRAM_MAX_VALUE) v = HISTOGRAM_MAX_VALUE;
    this.counts[bucketOf(v)]++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Adds every count of another histogram (or snapshot) to this one. */
  merge(other: Histogram | HistogramSnapshot): this {
    const snap = other instanceof Histogram ? other.snapshot() : other;
    for (const [i, c] of snap.buckets) this.counts[i] += c;
    this.count += snap.count;
    this.sum += snap.sum;
    if (snap.count > 0) {
      if (snap.min < this.min) this.min = snap.min;
      if (snap.max > this.max) this.max = snap.max;
    }
    return this;
  }

  /**
   * The value at percentile p (0..100): the highest value equivalent to the recorded one of that rank
   * (nearest-rank method), never above the exact maximum. 0 when empty.
   */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    if (p >= 100) return this.max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.max(this.min, Math.min(this.max, bucketUpper(i)));
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      min: this.count === 0 ? 0 : this.min,
      mean: this.mean(),
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max,
    };
  }

  /** A compact, JSON-safe copy (for sending between processes). */
  snapshot(): HistogramSnapshot {
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { buckets, count: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  static from(snap: HistogramSnapshot): Histogram {
    return new Histogram().merge(snap);
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
  }
}
