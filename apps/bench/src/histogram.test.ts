import { describe, expect, it } from "vitest";
import { bucketOf, bucketUpper, Histogram, HISTOGRAM_MAX_VALUE } from "./histogram.js";

describe("Histogram", () => {
  it("gives exact nearest-rank percentiles for values below 256", () => {
    const h = new Histogram();
    for (let v = 1; v <= 200; v++) h.record(v);
    expect(h.percentile(50)).toBe(100);
    expect(h.percentile(90)).toBe(180);
    expect(h.percentile(99)).toBe(198);
    expect(h.percentile(100)).toBe(200);
    expect(h.percentile(0)).toBe(1);
    expect(h.summary()).toMatchObject({ count: 200, min: 1, max: 200, mean: 100.5 });
  });

  it("stays within 0.8% on 1..1,000,000", () => {
    const h = new Histogram();
    for (let v = 1; v <= 1_000_000; v++) h.record(v);
    for (const [p, exact] of [
      [50, 500_000],
      [90, 900_000],
      [99, 990_000],
      [99.9, 999_000],
    ] as const) {
      const got = h.percentile(p);
      expect(got).toBeGreaterThanOrEqual(exact);
      expect((got - exact) / exact).toBeLessThan(1 / 128);
    }
    expect(h.percentile(100)).toBe(1_000_000);
  });

  it("reports a skewed distribution's tail", () => {
    const h = new Histogram();
    for (let i = 0; i < 990; i++) h.record(100);
    for (let i = 0; i < 9; i++) h.record(5000);
    h.record(80_000);
    expect(h.percentile(50)).toBe(100);
    expect(h.percentile(99)).toBe(100);
    expect(h.percentile(99.5)).toBeGreaterThanOrEqual(5000);
    expect(h.percentile(99.5)).toBeLessThan(5000 * (1 + 1 / 128));
    expect(h.percentile(99.95)).toBe(80_000); // clipped to the exact max
  });

  it("maps every value into a bucket whose upper bound is within 1/128 above it", () => {
    for (let v = 0; v < 300_000; v += v < 1000 ? 1 : 97) {
      const i = bucketOf(v);
      const up = bucketUpper(i);
      expect(up).toBeGreaterThanOrEqual(v);
      expect(up - v).toBeLessThanOrEqual(Math.max(0, v / 128));
      if (i > 0) expect(bucketUpper(i - 1)).toBeLessThan(v);
    }
    expect(bucketUpper(bucketOf(HISTOGRAM_MAX_VALUE))).toBe(HISTOGRAM_MAX_VALUE);
  });

  it("clamps negative, NaN and huge values", () => {
    const h = new Histogram();
    h.record(-5);
    h.record(Number.NaN);
    h.record(1e12);
    expect(h.count).toBe(3);
    expect(h.min).toBe(0);
    expect(h.max).toBe(HISTOGRAM_MAX_VALUE);
  });

  it("merges snapshots (as worker processes send them) to the same result as one histogram", () => {
    const all = new Histogram();
    const parts = [new Histogram(), new Histogram(), new Histogram()];
    let x = 12345;
    for (let i = 0; i < 30_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const v = x % 50_000;
      all.record(v);
      parts[i % 3]!.record(v);
    }
    const merged = new Histogram();
    for (const p of parts) merged.merge(JSON.parse(JSON.stringify(p.snapshot())));
    expect(merged.summary()).toEqual(all.summary());
    expect(merged.merge(new Histogram().snapshot()).summary()).toEqual(all.summary());
  });

  it("is empty-safe", () => {
    const h = new Histogram();
    expect(h.summary()).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });
});
