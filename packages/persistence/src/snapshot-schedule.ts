import type { Random } from "@zkts/contracts";

/** ZooKeeper's default `snapCount`. */
export const DEFAULT_SNAP_COUNT = 100000;

/**
 * When to snapshot (ZooKeeper's SyncRequestProcessor.shouldSnapshot): after more than snapCount/2 + r logged txns,
 * r drawn uniformly from [0, snapCount/2) afresh after each snapshot, so that the members of an ensemble do not all
 * snapshot at the same time. The caller rolls the txn log, then takes the snapshot, when {@link logged} says so.
 * One rule for standalone servers and ensemble members.
 */
export class SnapshotSchedule {
  readonly snapCount: number;
  private count = 0;
  private randRoll: number;

  constructor(
    snapCount: number,
    private readonly random: Pick<Random, "next">,
  ) {
    // ZooKeeper: snapCount below 2 is set to 2 (SyncRequestProcessor.setSnapCount's callers; snapCount/2 >= 1).
    this.snapCount = Math.max(2, Math.floor(snapCount));
    this.randRoll = this.draw();
  }

  /** Counts `n` txns just logged; true when a snapshot is due now (the count then starts again, with a new roll). */
  logged(n = 1): boolean {
    this.count += n;
    if (this.count > this.snapCount / 2 + this.randRoll) {
      this.count = 0;
      this.randRoll = this.draw();
      return true;
    }
    return false;
  }

  /** Txns logged since the last due snapshot. */
  get sinceSnapshot(): number {
    return this.count;
  }

  private draw(): number {
    return Math.floor(this.random.next() * (this.snapCount / 2));
  }
}
