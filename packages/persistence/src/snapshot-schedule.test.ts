import { describe, expect, it } from "vitest";
import { seededRandom } from "@zkts/contracts/testing";
import { SnapshotSchedule } from "./snapshot-schedule.js";

/** Txn counts at which `logged()` says a snapshot is due, over `total` txns logged one at a time. */
function dueAt(s: SnapshotSchedule, total: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= total; i++) if (s.logged()) out.push(i);
  return out;
}

describe("SnapshotSchedule (SyncRequestProcessor.shouldSnapshot)", () => {
  it("snapshots after more than snapCount/2 + r txns, r in [0, snapCount/2), drawn afresh each time", () => {
    const s = new SnapshotSchedule(1000, seededRandom(1));
    const due = dueAt(s, 50_000);
    const gaps = due.map((d, i) => d - (i === 0 ? 0 : due[i - 1]!));
    for (const g of gaps) {
      expect(g).toBeGreaterThan(500);
      expect(g).toBeLessThanOrEqual(1000);
    }
    expect(new Set(gaps).size).toBeGreaterThan(10); // randomised, not a fixed interval
    expect(gaps.length).toBeGreaterThan(50);
  });

  it("members with different randomness snapshot at different times", () => {
    const a = dueAt(new SnapshotSchedule(1000, seededRandom(1)), 5000);
    const b = dueAt(new SnapshotSchedule(1000, seededRandom(2)), 5000);
    expect(a).not.toEqual(b);
  });

  it("counts batches: a batch that crosses the threshold makes it due once", () => {
    const s = new SnapshotSchedule(10, { next: () => 0 });
    expect(s.logged(3)).toBe(false);
    expect(s.logged(2)).toBe(false); // 5 is not more than 10/2 + 0
    expect(s.logged(4)).toBe(true);
    expect(s.sinceSnapshot).toBe(0);
  });

  it("snapCount below 2 acts as 2", () => {
    const s = new SnapshotSchedule(1, { next: () => 0.99 });
    expect(s.snapCount).toBe(2);
    expect(dueAt(s, 6)).toEqual([2, 4, 6]);
  });
});
