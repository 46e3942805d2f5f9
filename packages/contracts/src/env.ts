/**
 * The environment a protocol core is given instead of reaching for it: time, timers, randomness and logging.
 * Pure state machines (election, zab, datatree, core) read these through injected objects only; apps wire the real
 * implementations and tests the doubles of `@zkts/contracts/testing`.
 */

/** What {@link Clock.setTimer} returns; pass it to {@link Clock.clearTimer}. */
export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Wall-clock milliseconds since the epoch (ctime/mtime, TTLs, snapshot headers). */
  now(): number;
  /** Monotonic milliseconds from an arbitrary origin (session expiry, election and latency timing). */
  monotonic(): number;
  /** Calls `fn` once, `ms` monotonic milliseconds from now (0 or less: as soon as possible). */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a timer that has not fired; a no-op for fired or cleared ones. */
  clearTimer(h: TimerHandle): void;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** `n` random bytes (session passwords). */
  bytes(n: number): Buffer;
}

/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** A logger that drops everything. */
export const nullLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
