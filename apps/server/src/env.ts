import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Clock, Random, TimerHandle } from "@zkts/contracts";

/** The real Clock: Date.now, performance.now and node timers. */
export function createSystemClock(): Clock & { readonly pending: number } {
  let nextId = 1;
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => Date.now(),
    monotonic: () => performance.now(),
    setTimer(ms: number, fn: () => void): TimerHandle {
      const id = nextId++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.max(0, ms));
      timers.set(id, t);
      return { id };
    },
    clearTimer(h: TimerHandle): void {
      const t = timers.get(h.id);
      if (t !== undefined) {
        clearTimeout(t);
        timers.delete(h.id);
      }
    },
    /** Pending timers (for shutdown diagnostics). */
    get pending(): number {
      return timers.size;
    },
  };
}

/** Cryptographically strong randomness (the contracts' Random). */
export const cryptoRandom: Random = {
  next(): number {
    return randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
  },
  bytes(n: number): Buffer {
    return randomBytes(n);
  },
};
