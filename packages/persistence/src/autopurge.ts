import { nullLogger, type Clock, type Logger, type TimerHandle } from "@zkts/contracts";
import { purgeDataDirs, type DataDirs, type PurgeResult } from "./database.js";

/** ZooKeeper's minimum `autopurge.snapRetainCount` (DatadirCleanupManager / PurgeTxnLog). */
export const MIN_SNAP_RETAIN_COUNT = 3;

export interface AutoPurgeOptions extends DataDirs {
  /** Snapshots to keep (raised to 3 if lower, as ZooKeeper). */
  snapRetainCount: number;
  /** Milliseconds between runs; 0 or less: autopurge is off (ZooKeeper's purgeInterval, in hours, times 3600000). */
  intervalMs: number;
  /** For the timer. */
  clock: Pick<Clock, "setTimer" | "clearTimer">;
  logger?: Logger;
  /** Told the result of each run (tests, metrics). */
  onPurged?: (r: PurgeResult) => void;
}

/**
 * ZooKeeper's DatadirCleanupManager: once started, purges the data directories ({@link purgeDataDirs}) at once and
 * then every `intervalMs`, keeping the `snapRetainCount` newest snapshots and the logs they need. Runs never overlap;
 * a failed run is logged and the next one comes as planned. One implementation for standalone and ensemble members.
 */
export class AutoPurge {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  readonly stats = { runs: 0, failures: 0, removedSnapshots: 0, removedLogs: 0 };

  constructor(private readonly opts: AutoPurgeOptions) {}

  get enabled(): boolean {
    return this.opts.intervalMs > 0;
  }

  /** Starts the schedule (no-op when disabled). */
  start(): void {
    if (!this.enabled || this.stopped || this.timer !== undefined || this.running !== undefined) return;
    const log = this.opts.logger ?? nullLogger;
    log.info("autopurge started", { snapRetainCount: this.retain, intervalMs: this.opts.intervalMs });
    this.run();
  }

  private get retain(): number {
    return Math.max(MIN_SNAP_RETAIN_COUNT, this.opts.snapRetainCount);
  }

  private run(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const log = this.opts.logger ?? nullLogger;
    const { storage, dataDir } = this.opts;
    const dataLogDir = this.opts.dataLogDir ?? dataDir;
    this.running = purgeDataDirs({ storage, dataDir, dataLogDir }, this.retain)
      .then(
        (r) => {
          this.stats.runs++;
          this.stats.removedSnapshots += r.removedSnapshots.length;
          this.stats.removedLogs += r.removedLogs.length;
          log.info("autopurge done", { retained: r.retained.length, removedSnapshots: r.removedSnapshots, removedLogs: r.removedLogs });
          this.opts.onPurged?.(r);
        },
        (e: unknown) => {
          this.stats.runs++;
          this.stats.failures++;
          log.error("autopurge failed", { error: e instanceof Error ? e.message : String(e) });
        },
      )
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = this.opts.clock.setTimer(this.opts.intervalMs, () => this.run());
      });
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
