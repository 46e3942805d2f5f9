import { describe, expect, it } from "vitest";
import { makeZxid, PacketType, type Ready, type Txn } from "@zkts/zab";
import { durableCommittedPrefix } from "./apply-early.js";

const t = (c: bigint): Txn => ({ zxid: makeZxid(1n, c), data: Buffer.from(`t${c}`) });
const ready = (r: Partial<Ready>): Ready => ({ persist: [], early: [], messages: [], committed: [], close: [], events: [], ...r });

describe("durableCommittedPrefix: committed txns applied before a Ready's persist ops are durable", () => {
  it("the committed txns up to the durable zxid, while newer appends are written", () => {
    const rd = ready({ committed: [t(1n), t(2n), t(3n)], persist: [{ kind: "append", txns: [t(3n), t(4n)] }] });
    expect(durableCommittedPrefix(rd, makeZxid(1n, 2n))).toBe(2);
    expect(durableCommittedPrefix(rd, makeZxid(1n, 0n))).toBe(0);
    expect(durableCommittedPrefix(ready({ committed: [t(1n)] }), makeZxid(1n, 1n))).toBe(1);
  });

  it("none when the Ready carries events, other persist ops or a snapshot to send (they keep the order after persist)", () => {
    const committed = [t(1n)];
    const durable = makeZxid(1n, 1n);
    expect(durableCommittedPrefix(ready({ committed, events: [{ type: "activate", zxid: t(1n).zxid, leader: 1n }] }), durable)).toBe(0);
    expect(durableCommittedPrefix(ready({ committed, persist: [{ kind: "truncate", zxid: 0n }] }), durable)).toBe(0);
    expect(durableCommittedPrefix(ready({ committed, persist: [{ kind: "currentEpoch", epoch: 2n }] }), durable)).toBe(0);
    expect(durableCommittedPrefix(ready({ committed, messages: [{ conn: 1, snapshotAt: 0n }] }), durable)).toBe(0);
    expect(durableCommittedPrefix(ready({ committed, messages: [{ conn: 1, packet: { type: PacketType.PING, zxid: 0n, data: null } }] }), durable)).toBe(1);
  });
});
