import type { Random } from "@zkts/contracts";
import { seededRandom } from "@zkts/contracts/testing";

/**
 * The simulators' seeded randomness: `@zkts/contracts/testing`'s `seededRandom` (mulberry32) with helpers, so every
 * simulation replays exactly from its seed.
 */
export class SimRandom {
  private readonly r: Random;
  constructor(seed: number) {
    this.r = seededRandom(seed);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.r.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

/** Min-heap of events ordered by (time, insertion order): ties replay in a fixed order. */
export class EventQueue<T> {
  private heap: { at: number; seq: number; ev: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, ev: T): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, ev });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): { at: number; ev: T } | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return { at: top.at, ev: top.ev };
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}
