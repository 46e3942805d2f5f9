/**
 * Injected components: the core never reads the time, schedules, draws randomness or logs on its own.
 * `apps/server` wires real implementations; tests use {@link ManualClock}, {@link seededRandom}, {@link nullLogger}.
 */

export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Wall-clock milliseconds (used for ctime/mtime and TTL). */
  now(): number;
  /** Monotonic milliseconds (used for session expiry and latency). */
  monotonic(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(h: TimerHandle): void;
}

export interface Random {
  /** Uniform in [0,1). */
  next(): number;
  bytes(n: number): Buffer;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything. */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

interface PendingTimer {
  id: number;
  due: number;
  seq: number;
  fn: () => void;
}

/**
 * A test clock. Time only moves when {@link ManualClock.advance} is called; due timers fire in order of due time,
 * then of scheduling, each seeing `now()` equal to its due time. Timers scheduled while advancing fire in the same
 * call if they fall due within it.
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

/** A deterministic generator (xorshift128+ style over 32-bit lanes, via mulberry32 per seed). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0 || 0x9e3779b9;
  const nextU32 = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
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
