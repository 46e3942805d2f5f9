/**
 * Forwarded syncs (a client's sync on a learner), as ZooKeeper's members keep them: the learner forwards the sync
 * as a REQUEST and remembers it in order; the leader answers with a bare SYNC once everything proposed before the
 * request is committed (Leader.processSync through its commit order); the learner matches each SYNC to its oldest
 * forwarded sync and answers the client once it has applied every txn committed before the SYNC arrived.
 */
import type { MetricsRegistry } from "@zkts/metrics";

export class SyncTracker {
  /** Learner: forwarded, not answered yet, in order. */
  private forwarded: Array<{ sessionId: bigint; cxid: number }> = [];
  /** Learner: answered by the leader, waiting until we applied `zxid`. */
  private answered: Array<{ sessionId: bigint; cxid: number; zxid: bigint }> = [];
  /** Leader: learners' syncs waiting for the zxid proposed when they arrived to commit. */
  private leaderPending: Array<{ conn: number; zxid: bigint }> = [];

  /** Learner: a sync went to the leader. */
  forwardedSync(sessionId: bigint, cxid: number): void {
    this.forwarded.push({ sessionId, cxid });
  }

  /** Learner: the leader's SYNC arrived while `zxid` was our commit point. False: none was forwarded. */
  leaderAnswered(zxid: bigint): boolean {
    const s = this.forwarded.shift();
    if (s === undefined) return false;
    this.answered.push({ ...s, zxid });
    return true;
  }

  /** Learner: the syncs done now that everything up to `applied` is applied (removed from the tracker). */
  due(applied: bigint): Array<{ sessionId: bigint; cxid: number }> {
    if (this.answered.length === 0) return [];
    const due = this.answered.filter((s) => s.zxid <= applied);
    if (due.length > 0) this.answered = this.answered.filter((s) => s.zxid > applied);
    return due;
  }

  /** Leader: a learner's sync arrived while `proposed` was the last zxid proposed. */
  requested(conn: number, proposed: bigint): void {
    this.leaderPending.push({ conn, zxid: proposed });
  }

  /** Leader: the learners' syncs to answer now that everything up to `committed` is committed (removed). */
  answerable(committed: bigint): Array<{ conn: number; zxid: bigint }> {
    let n = 0;
    while (n < this.leaderPending.length && this.leaderPending[n]!.zxid <= committed) n++;
    return n === 0 ? [] : this.leaderPending.splice(0, n);
  }

  /** A serving period ended: nothing is owed any more. */
  clear(): void {
    this.forwarded = [];
    this.answered = [];
    this.leaderPending = [];
  }
}

/**
 * The leader's gauges (LeaderZooKeeperServer.registerMetrics), read by mntr: `synced` gives the learners synced
 * with the leader (undefined, leaving the gauges out, while not leading); `voting` tells a follower from an observer
 * by the active config.
 */
export function registerLeaderGauges(metrics: MetricsRegistry, synced: () => bigint[] | undefined, voting: (sid: bigint) => boolean): void {
  metrics.gauge("learners", () => synced()?.length);
  metrics.gauge("synced_followers", () => synced()?.filter(voting).length);
  metrics.gauge("synced_observers", () => synced()?.filter((s) => !voting(s)).length);
}
