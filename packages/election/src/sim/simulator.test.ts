import { describe, expect, it } from "vitest";
import { totalOrderPredicate } from "../vote.js";
import { ElectionSimulator, simulate, type SimOptions } from "./simulator.js";

function options(seed: number): SimOptions {
  return { seed, voters: seed % 2 === 0 ? 3 : 5, observers: seed % 4 === 1 ? 1 : 0, hierarchical: seed % 7 === 0 };
}

describe("deterministic election simulation", () => {
  it("200 fixed seeds (3 and 5 voters, observers, hierarchical): invariants hold and every run settles", () => {
    const failures: string[] = [];
    let simulated = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const r = simulate(options(seed));
      simulated += r.endMs;
      if (!r.ok) failures.push(`seed ${seed}: ${r.violation}\n${r.trace.join("\n")}`);
      else expect(r.leader).toBeDefined();
    }
    expect(failures).toEqual([]);
    expect(simulated).toBeGreaterThan(200 * 20_000);
  });

  it("eager elections (no finalizeWait once every voter not lost agrees; worse votes told ours): the same 200 seeds hold", () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const r = simulate({ ...options(seed), eager: true });
      if (!r.ok) failures.push(`seed ${seed}: ${r.violation}\n${r.trace.join("\n")}`);
      else expect(r.leader).toBeDefined();
    }
    expect(failures).toEqual([]);
  });

  it("eager elections without faults settle on the best (epoch, zxid, sid), sooner than with finalizeWait", () => {
    let eagerTotal = 0;
    let plainTotal = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const eager = new ElectionSimulator({ seed, voters: 5, chaosMs: 0, settleMs: 5_000, eager: true });
      const r = eager.run();
      expect(r.ok).toBe(true);
      const best = [...eager.servers.values()].reduce((a, b) =>
        totalOrderPredicate(b.sid, b.zxid, b.peerEpoch, a.sid, a.zxid, a.peerEpoch) ? b : a,
      );
      expect(r.leader).toBe(best.sid);
      eagerTotal += r.settledAfterMs!;
      plainTotal += new ElectionSimulator({ seed, voters: 5, chaosMs: 0, settleMs: 5_000 }).run().settledAfterMs!;
    }
    expect(eagerTotal).toBeLessThan(plainTotal);
  });

  it("replays a seed exactly", () => {
    const a = simulate(options(42));
    const b = simulate(options(42));
    expect(b).toEqual(a);
    expect(simulate(options(43)).trace).not.toEqual(a.trace);
  });

  it("catches a deliberately wrong vote order (lower sid wins ties)", () => {
    let caught: string | undefined;
    for (let seed = 1; seed <= 50 && caught === undefined; seed++) {
      const r = simulate({ ...options(seed), faults: { invertSidOrder: true } });
      if (!r.ok) caught = r.violation;
    }
    expect(caught).toMatch(/a quorum has a better vote/);
  });

  it("without faults, settles within a second on the best (epoch, zxid, sid)", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sim = new ElectionSimulator({ seed, voters: 5, chaosMs: 0, settleMs: 5_000 });
      const r = sim.run();
      expect(r.ok).toBe(true);
      expect(r.settledAfterMs).toBeLessThan(1_000);
      const best = [...sim.servers.values()].reduce((a, b) =>
        totalOrderPredicate(b.sid, b.zxid, b.peerEpoch, a.sid, a.zxid, a.peerEpoch) ? b : a,
      );
      expect(r.leader).toBe(best.sid);
    }
  });
});
