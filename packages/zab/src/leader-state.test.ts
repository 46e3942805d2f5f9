import { describe, expect, it } from "vitest";
import { OutstandingQueue, type Outstanding } from "./leader-state.js";

const prop = (zxid: bigint): Outstanding => ({ zxid, acks: new Set(), quorums: [] });

describe("OutstandingQueue", () => {
  it("finds a proposal by zxid, only while it is outstanding", () => {
    const q = new OutstandingQueue();
    expect(q.get(0x100000001n)).toBeUndefined();
    expect(q.first()).toBeUndefined();
    for (let i = 1n; i <= 5n; i++) q.push(prop((1n << 32n) + i));
    expect(q.size).toBe(5);
    expect(q.get(0x100000003n)?.zxid).toBe(0x100000003n);
    expect(q.get(0x100000006n)).toBeUndefined(); // not proposed yet
    q.shift();
    q.shift();
    expect(q.first()?.zxid).toBe(0x100000003n);
    expect(q.get(0x100000002n)).toBeUndefined(); // committed
    expect(q.get(0x100000001n)).toBeUndefined();
    expect(q.get(0x100000005n)?.zxid).toBe(0x100000005n);
    expect([...q].map((o) => o.zxid)).toEqual([0x100000003n, 0x100000004n, 0x100000005n]);
  });

  it("refuses a gap: a term's proposals are consecutive", () => {
    const q = new OutstandingQueue();
    q.push(prop(0x200000007n));
    expect(() => q.push(prop(0x200000009n))).toThrow(/consecutive/);
    q.shift();
    q.push(prop(0x200000009n)); // empty again: any zxid starts it
    expect(q.first()?.zxid).toBe(0x200000009n);
  });

  it("keeps lookups right across its compaction", () => {
    const q = new OutstandingQueue();
    const base = 3n << 32n;
    let next = 1n;
    for (let i = 0; i < 5000; i++) q.push(prop(base + next++));
    for (let i = 0; i < 4000; i++) {
      expect(q.first()?.zxid).toBe(base + BigInt(i + 1));
      q.shift();
      if (i % 7 === 0) q.push(prop(base + next++));
    }
    const first = q.first()!.zxid;
    expect(first).toBe(base + 4001n);
    const end = base + next; // not proposed yet
    expect(q.size).toBe(Number(end - first));
    for (let z = first; z < end; z += 97n) expect(q.get(z)?.zxid).toBe(z);
    expect(q.get(end)).toBeUndefined();
    expect(q.get(first - 1n)).toBeUndefined();
  });
});
