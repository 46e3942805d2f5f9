/**
 * The whole-cluster simulator on a fixed seed set: real QuorumPeers under delays, drops, connection breaks,
 * partitions (the leader isolated from the majority among them), crashes with torn writes and restarts, pauses
 * longer than the session timeout, with clients writing through every member. Clean runs hold every invariant;
 * each injected bug is caught by a named invariant; a seed replays exactly.
 */
import { describe, expect, it } from "vitest";
import { simulate, type SimOptions } from "../testing.js";

/** Lets the members' promise callbacks run between events (MemoryStorage only: no real I/O is pending). */
const drain = () => new Promise<void>((r) => setImmediate(r));
const run = (o: SimOptions) => simulate(o, drain);

describe("whole-cluster simulation (real QuorumPeers)", () => {
  it("3 and 5 voters (and an observer) hold every invariant under faults, then heal to one history", async () => {
    let simulated = 0;
    const totals = { crashes: 0, partitions: 0, leaderIsolated: 0, pauses: 0, acked: 0, epochs: 0, expired: 0 };
    for (const seed of [1, 2, 3, 4]) {
      for (const voters of [3, 5]) {
        const r = await run({ seed, voters, durationMs: 20_000 });
        expect(r.violation, `seed ${seed} voters ${voters}`).toBeUndefined();
        expect(r.ok).toBe(true);
        simulated += r.simulatedMs;
        totals.crashes += r.stats["crashes"]!;
        totals.partitions += r.stats["partitions"]!;
        totals.leaderIsolated += r.stats["leaderIsolated"]!;
        totals.pauses += r.stats["pauses"]!;
        totals.acked += r.stats["acked"]!;
        totals.epochs += r.stats["epochs"]!;
        totals.expired += r.stats["client_expired"]!;
      }
    }
    const withObserver = await run({ seed: 5, voters: 3, observers: 1, durationMs: 20_000 });
    expect(withObserver.violation).toBeUndefined();
    // the faults and the workload really happened
    expect(simulated).toBeGreaterThan(8 * 20_000);
    for (const [k, v] of Object.entries(totals)) expect(v, k).toBeGreaterThan(0);
  }, 60_000);

  // The injected-bug runs below use ZooKeeper's election timing (eagerElection: false), so that their seeds do not
  // move with the election's timing; the first one is also caught with the eager election.
  it("answerBeforeCommit (a leader answers before the quorum has the txn) is caught", async () => {
    // seed 3 (was 2 until session 11: the txn log's write starting at once changed the course of the seeds; 2 no
    // longer reaches a lost acknowledged write, 3 and 5-9 do)
    const a = await run({ seed: 3, voters: 3, durationMs: 20_000, bugs: { answerBeforeCommit: true }, eagerElection: false });
    expect(a.ok).toBe(false);
    expect(a.invariant).toBe("every acknowledged write survives");
    const b = await run({ seed: 4, voters: 3, durationMs: 20_000, bugs: { answerBeforeCommit: true }, eagerElection: false });
    expect(b.invariant).toBe("committed prefixes agree");
    const eager = await run({ seed: 3, voters: 3, durationMs: 20_000, bugs: { answerBeforeCommit: true } });
    expect(eager.invariant).toBe("every acknowledged write survives");
    const eagerB = await run({ seed: 10, voters: 3, durationMs: 20_000, bugs: { answerBeforeCommit: true } });
    expect(eagerB.invariant).toBe("committed prefixes agree");
  }, 30_000);

  it("applyUncommitted (a learner applies a proposal before its COMMIT) is caught", async () => {
    // seed 10 (was 2 until session 11, see above: 2 is now caught by "every acknowledged write survives", 10 by this)
    const r = await run({ seed: 10, voters: 5, durationMs: 30_000, bugs: { applyUncommitted: true }, eagerElection: false });
    expect(r.ok).toBe(false);
    expect(r.invariant).toBe("committed prefixes agree");
  }, 30_000);

  it("ignoreSessionPings (the leader ignores the session liveness learners report) is caught", async () => {
    const r = await run({ seed: 1, voters: 3, durationMs: 10_000, bugs: { ignoreSessionPings: true }, eagerElection: false });
    expect(r.ok).toBe(false);
    expect(r.invariant).toBe("live sessions survive a quiet network");
  }, 30_000);

  it("reconfigs (adds of spares, removals, participant <-> observer, refused stale/invalid ones) interleaved with the faults hold every invariant", async () => {
    const totals = { reconfigsCommitted: 0, commitQuorumsChecked: 0, client_reconfigsRefused: 0, crashes: 0, partitions: 0, acked: 0 };
    for (const [seed, voters] of [[1, 3], [2, 3], [1, 5]] as const) {
      const r = await run({ seed, voters, durationMs: 20_000, reconfig: true });
      expect(r.violation, `seed ${seed} voters ${voters}`).toBeUndefined();
      expect(r.ok).toBe(true);
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.stats[k]!;
    }
    // the reconfigs, the checks and the faults really happened
    for (const [k, v] of Object.entries(totals)) expect(v, k).toBeGreaterThan(0);
  }, 60_000);

  it("reconfigOldQuorumOnly (a reconfig committed on the old config's quorum alone) is caught", async () => {
    for (const [seed, voters] of [[6, 3], [5, 5]] as const) {
      const r = await run({ seed, voters, durationMs: 20_000, reconfig: true, bugs: { reconfigOldQuorumOnly: true }, eagerElection: false });
      expect(r.ok, `seed ${seed} voters ${voters}`).toBe(false);
      expect(r.invariant).toBe("every commit had a quorum of its configs");
    }
  }, 30_000);

  it("a member restarted without its zoo.cfg.dynamic.next (last seen config) is caught; with it the same seed is clean", async () => {
    // seed 97 (was 38 until session 9: ACKs and COMMITs going early changed the course of every seed; 38 no longer
    // reached the restart in question, 55 and 64 did; then 55 until session 11: the txn log's write starting at once
    // changed it again, and of seeds 1-140 only 97 reaches it)
    const o: SimOptions = { seed: 97, voters: 5, durationMs: 20_000, reconfig: true, eagerElection: false };
    const bad = await run({ ...o, forgetLastSeenConfig: true });
    expect(bad.ok).toBe(false);
    expect(bad.invariant).toBe("every commit had a quorum of its configs");
    const good = await run(o);
    expect(good.violation).toBeUndefined();
  }, 30_000);

  it("a learner synchronising while the leader's reconfig is outstanding does not commit its config at UPTODATE", async () => {
    // Seed 30: member 4, just made an observer, synchronises with leader 2 (epoch 4) while 2's reconfig 0x40000000b
    // (4 a participant) is outstanding, and NEWLEADER carries that config. Committed at UPTODATE (as ZooKeeper's
    // learner does), it spreads to 1, 2 and 5, the reconfig's txn is lost, and 4 leads epoch 5 as a participant of
    // a config the history never got: "members commit only the history's configs" at 16,045 ms. (Found on seed
    // 126, 5 voters, where the config then spread through election notifications and a later leader committed on
    // a quorum of it that was no quorum of the history's config; that seed takes another course since the zab
    // TRUNC fix.)
    const r = await run({ seed: 30, voters: 3, durationMs: 17_000, reconfig: true, eagerElection: false });
    expect(r.violation).toBeUndefined();
    expect(r.stats["reconfigsCommitted"]).toBeGreaterThan(0);
  }, 60_000);

  it("a seed replays exactly", async () => {
    const a = await run({ seed: 11, voters: 3, durationMs: 5_000, trace: true });
    const b = await run({ seed: 11, voters: 3, durationMs: 5_000, trace: true });
    expect(a.ok).toBe(true);
    expect(a.trace.length).toBeGreaterThan(100);
    expect(b.trace).toEqual(a.trace);
    expect(b.stats).toEqual(a.stats);
  }, 30_000);
});
