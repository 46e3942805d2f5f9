/**
 * @zkts/contracts/testing — deterministic doubles of the environment contracts, for tests and simulators.
 * Never wire these into a real server.
 */
import type { Clock, Random, TimerHandle } from "./env.js";

interface PendingTimer {
  id: number;
  due: number;
  seq: number;
  fn: () => void;
}

/**
 * A test clock. Time only moves when {@link ManualClock.advance} is called; due timers fire in order of due time,
 * then of scheduling, each seeing `now()` and `monotonic()` at its due time. Timers scheduled while advancing fire
 * in the same call if they fall due within it.
 */
export class ManualClock implements Clock {
  private wall: number;
  private mono: number;
  private nextId = 1;
  private seq = 0;
  private timers = new Map<number, PendingTimer>();

  constructor(opts: { now?: number; monotonic?: number } = {}) {
    this.wall = opts.now ?? 1_700_000_000_000;
    this.mono = opts.monotonic ?? 0;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.timers.set(id, { id, due: this.mono + delay, seq: this.seq++, fn });
    return { id };
  }

  clearTimer(h: TimerHandle): void {
    this.timers.delete(h.id);
  }

  /** Number of timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves both clocks forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance by ${ms}`);
    const target = this.mono + ms;
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.due > target) continue;
        if (next === undefined || t.due < next.due || (t.due === next.due && t.seq < next.seq)) next = t;
      }
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.wall += next.due - this.mono;
      this.mono = next.due;
      next.fn();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }
}

/**
 * A deterministic generator (mulberry32): the same seed gives the same sequence on every platform, so seeded
 * tests and simulator runs replay exactly. Seed 0 is replaced by 0x9e3779b9. `bytes(n)` draws one 32-bit value
 * per 4 bytes, little-endian.
 */
export function seededRandom(seed: number): Random {
  let s = seed >>> 0 || 0x9e3779b9;
  const nextU32 = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    next: () => nextU32() / 0x1_0000_0000,
    bytes(n: number): Buffer {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i += 4) {
        const v = nextU32();
        for (let k = 0; k < 4 && i + k < n; k++) b[i + k] = (v >>> (8 * k)) & 0xff;
      }
      return b;
    },
  };
}
