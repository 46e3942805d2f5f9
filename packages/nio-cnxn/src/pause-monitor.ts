/**
 * ZooKeeper's JvmPauseMonitor (zoo.cfg `jvm.pause.monitor=true`), for the node process: a timer set for
 * `jvm.pause.sleep.time.ms` again and again; how much later than that it fires is the time the process could not
 * run. In zkts that is the event loop being busy (one long synchronous piece of work, a GC pause) or the host not
 * scheduling it: every connection waits that long. Each measurement goes into ZooKeeper's `jvm_pause_time_ms`
 * summary (mntr `zk_max_jvm_pause_time_ms`, ..., reset by srst), and pauses over the info / warn thresholds are
 * logged as ZooKeeper logs them. The node adapter's (timers, the real clock), not the pure core's.
 */
import type { Logger } from "@zkts/contracts";
import { M, type MetricsRegistry } from "@zkts/metrics";

export interface PauseMonitorOptions {
  /** `jvm.pause.sleep.time.ms` (ZooKeeper's default 500). */
  sleepTimeMs: number;
  /** `jvm.pause.info-threshold.ms`: longer pauses are logged at info (default 1000). */
  infoThresholdMs: number;
  /** `jvm.pause.warn-threshold.ms`: longer pauses are logged at warn (default 10000). */
  warnThresholdMs: number;
  logger?: Logger;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
}

export const PAUSE_MONITOR_DEFAULTS = { sleepTimeMs: 500, infoThresholdMs: 1000, warnThresholdMs: 10_000 } as const;

export interface PauseMonitor {
  /** Pauses longer than the info / warn thresholds so far, and the sum of all measured pauses (ms). */
  readonly infoThresholdExceeded: number;
  readonly warnThresholdExceeded: number;
  readonly totalPauseMs: number;
  stop(): void;
}

/** Starts the monitor; it records into `metrics` until stopped. The timer does not keep the process alive. */
export function startPauseMonitor(metrics: MetricsRegistry, opts: PauseMonitorOptions): PauseMonitor {
  const summary = metrics.summary(M.JVM_PAUSE_TIME);
  const now = opts.now ?? (() => performance.now());
  const sleep = Math.max(1, opts.sleepTimeMs);
  opts.logger?.info("Starting pause monitor", {
    infoThresholdMs: opts.infoThresholdMs,
    warnThresholdMs: opts.warnThresholdMs,
    sleepTimeMs: sleep,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const state = { info: 0, warn: 0, total: 0 };
  const arm = () => {
    const start = now();
    timer = setTimeout(() => {
      if (stopped) return;
      const extra = Math.floor(now() - start - sleep);
      if (extra >= 0) summary.observe(extra);
      const text = () =>
        `Detected pause in the event loop or host machine (eg GC): pause of approximately ${extra} ms, ` +
        `total pause: info level: ${state.info}, warn level: ${state.warn}`;
      if (extra > opts.warnThresholdMs) {
        state.warn++;
        opts.logger?.warn(text(), { pauseMs: extra });
      } else if (extra > opts.infoThresholdMs) {
        state.info++;
        opts.logger?.info(text(), { pauseMs: extra });
      }
      if (extra > 0) state.total += extra;
      arm();
    }, sleep);
    timer.unref?.();
  };
  arm();
  return {
    get infoThresholdExceeded() {
      return state.info;
    },
    get warnThresholdExceeded() {
      return state.warn;
    },
    get totalPauseMs() {
      return state.total;
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
