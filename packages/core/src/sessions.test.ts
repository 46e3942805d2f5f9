import { describe, expect, it } from "vitest";
import { ManualClock, seededRandom } from "@zkts/contracts/testing";
import { ExpiryQueue, SessionTracker, initialSessionId, roundToNextInterval } from "./sessions.js";

describe("initialSessionId", () => {
  it("matches Java's ((ms << 24) >>> 8) | (sid << 56)", () => {
    // 1700000000000 << 24 wraps in 64 bits; >>> 8 is logical
    const ms = 1_700_000_000_000n;
    const expected = BigInt.asIntN(64, (((ms << 24n) & ((1n << 64n) - 1n)) >> 8n) | (1n << 56n));
    expect(initialSessionId(1_700_000_000_000, 1n)).toBe(expected);
    expect(initialSessionId(0, 1n)).toBe(1n << 56n);
    expect(initialSessionId(0, 0x80n)).toBe(-(1n << 63n) + 1n); // container marker skipped
  });
});

describe("ExpiryQueue", () => {
  it("rounds to the end of the tick bucket", () => {
    expect(roundToNextInterval(0, 2000)).toBe(2000);
    expect(roundToNextInterval(3999, 2000)).toBe(4000);
    expect(roundToNextInterval(4000, 2000)).toBe(6000);
  });
  it("polls due buckets only", () => {
    const q = new ExpiryQueue<string>(1000, 0);
    q.update("a", 3000, 0); // 4000
    q.update("b", 3000, 1500); // 5000
    expect(q.poll(3999)).toEqual([]);
    expect(q.poll(4000)).toEqual(["a"]);
    q.update("b", 3000, 4500); // moved to 8000
    expect(q.poll(7000)).toEqual([]);
    expect(q.poll(8000)).toEqual(["b"]);
  });
});

describe("SessionTracker", () => {
  it("derives ZooKeeper's own 16-byte passwords (checked against java.util.Random in Java 17)", () => {
    // jshell: new java.util.Random(id ^ 0xB3415C00L).nextBytes(b) for these ids.
    const zk = new SessionTracker(2000, 0, 1n);
    expect(zk.password(0x1000023a5190000n).toString("hex")).toBe("ed363d4d76827ad7135c2811af8e0e82");
    expect(zk.password(-1n).toString("hex")).toBe("20f62cb5648dc2d771471c8a2486a9ee");
    const t = new SessionTracker(2000, 0, 5n);
    const id = t.allocateId();
    expect(id).toBe(5n);
    expect(t.allocateId()).toBe(6n);
    const pw = t.password(id);
    expect(pw.length).toBe(16);
    expect(t.checkPassword(id, pw)).toBe(true);
    expect(t.checkPassword(id, Buffer.alloc(16))).toBe(false);
    expect(t.checkPassword(6n, pw)).toBe(false);
    // Another server (a restart, or Apache ZooKeeper itself) checks the same password.
    const other = new SessionTracker(2000, 0, 99n);
    expect(other.checkPassword(id, pw)).toBe(true);
  });
  it("expires untouched sessions, keeps touched ones", () => {
    const t = new SessionTracker(1000, 0, 1n);
    t.add(1n, 4000, 0);
    t.add(2n, 4000, 0);
    t.touch(2n, 3000);
    expect(t.expireDue(4999).map((s) => s.id)).toEqual([]);
    expect(t.expireDue(5000).map((s) => s.id)).toEqual([1n]);
    expect(t.touch(1n, 5000)).toBe(false); // closing
    expect(t.expireDue(8000).map((s) => s.id)).toEqual([2n]);
  });
});

describe("ManualClock", () => {
  it("fires timers in due order and moves both clocks", () => {
    const c = new ManualClock({ now: 1000, monotonic: 0 });
    const seen: string[] = [];
    c.setTimer(20, () => seen.push(`b@${c.monotonic()}`));
    const h = c.setTimer(5, () => seen.push("x"));
    c.setTimer(10, () => {
      seen.push(`a@${c.monotonic()}`);
      c.setTimer(5, () => seen.push(`c@${c.monotonic()}`));
    });
    c.clearTimer(h);
    c.advance(30);
    expect(seen).toEqual(["a@10", "b@20", "c@15"].sort((x, y) => Number(x.split("@")[1]) - Number(y.split("@")[1])));
    expect(c.now()).toBe(1030);
    expect(c.pendingTimers).toBe(0);
  });
  it("seededRandom is deterministic", () => {
    expect(seededRandom(7).bytes(10)).toEqual(seededRandom(7).bytes(10));
    expect(seededRandom(7).bytes(10)).not.toEqual(seededRandom(8).bytes(10));
    const r = seededRandom(3).next();
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(1);
  });
});
