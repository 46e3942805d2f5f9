import { describe, expect, it } from "vitest";
import { encodeTxn, OpCode } from "@zkts/client-wire";
import { parseQuorumConfig, type QuorumVerifier } from "@zkts/election";
import type { Ready } from "@zkts/zab";
import { DataTree } from "@zkts/datatree";
import { ConfigVersions, configFromString } from "./config-versions.js";

const cfg = (lines: string[], version: bigint): QuorumVerifier =>
  parseQuorumConfig([...lines.map((l): [string, string] => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]), ["version", version.toString(16)]]);
const s = (id: number, type = "participant") => `server.${id}=10.0.0.${id}:2888:3888:${type};2181`;
const start = cfg([s(1), s(2), s(3)], 0x100000000n);

/** A reconfig txn to `text` at `zxid`, as the leader's prep makes it. */
const reconfigTxn = (zxid: bigint, text: string) =>
  encodeTxn({ clientId: 1n, cxid: 1, zxid, time: 0n, type: OpCode.reconfig }, { path: "/zookeeper/config", data: Buffer.from(text), version: -1 });

/** A Ready holding the committed reconfig txn and its `activate` event. */
const activating = (zxid: bigint, text: string, leader: bigint): Ready => ({
  early: [],
  persist: [],
  messages: [],
  committed: [{ zxid, data: reconfigTxn(zxid, text) }],
  close: [],
  events: [{ type: "activate", zxid, leader }],
});

function versions(reconfigEnabled = true) {
  const committed: QuorumVerifier[] = [];
  const active: QuorumVerifier[] = [];
  const cv = new ConfigVersions({ quorum: start, reconfigEnabled }, undefined, (qv) => committed.push(qv), (qv) => active.push(qv));
  return { cv, committed, active };
}

describe("ConfigVersions: a reconfig's proposal and activation (QuorumPeer.processReconfig)", () => {
  it("a learner: PROPOSAL sets the last seen config; the activation commits it (files, quorums) before the txn applies", () => {
    const { cv, committed, active } = versions();
    const next = cfg([s(1), s(2), s(3), s(4)], 0x100000005n).toString();
    cv.proposedTxn(reconfigTxn(0x100000005n, next));
    expect(cv.lastSeen.version).toBe(0x100000005n);
    expect(cv.committed.version).toBe(0x100000000n);
    expect(cv.activateFrom(activating(0x100000005n, next, 1n), 2n, "follower", 1n)).toBeUndefined(); // same role, same leader
    expect(cv.committed.toString()).toBe(next);
    expect(committed.map((q) => q.version)).toEqual([0x100000005n]);
    expect(active.map((q) => q.version)).toEqual([0x100000005n]);
    expect(cv.takeHandover()).toBeUndefined();
  });

  it("a role or leader change ends the role; the next one is the designated leader's (no election)", () => {
    const toObserver = versions();
    const text = cfg([s(1), s(2), s(3, "observer")], 0x100000007n).toString();
    expect(toObserver.cv.activateFrom(activating(0x100000007n, text, 1n), 3n, "follower", 1n)).toMatch(/role/);
    expect(toObserver.cv.takeHandover()).toEqual({ leader: 1n, zxid: 0x100000007n });
    expect(toObserver.cv.takeHandover()).toBeUndefined();

    const newLeader = versions();
    const without1 = cfg([s(2), s(3)], 0x100000008n).toString();
    expect(newLeader.cv.activateFrom(activating(0x100000008n, without1, 2n), 3n, "follower", 1n)).toMatch(/leader/);
    expect(newLeader.cv.takeHandover()).toEqual({ leader: 2n, zxid: 0x100000008n });
    // the removed leader itself
    const removed = versions();
    expect(removed.cv.activateFrom(activating(0x100000008n, without1, 2n), 1n, "leader", 1n)).toMatch(/leader/);
    expect(removed.cv.takeHandover()).toEqual({ leader: 2n, zxid: 0x100000008n });
  });

  it("the leader activates the config object it proposed (its text keeps the txn's server order)", () => {
    const { cv } = versions();
    const text = [4, 1, 2].map((id) => `server.${id}=10.0.0.${id}:2888:3888:participant;0.0.0.0:2181`).join("\n") + "\nversion=100000009";
    const proposed = cv.proposedReconfig({ path: "/zookeeper/config", data: Buffer.from(text), version: -1 });
    expect(proposed.toString()).toBe(text);
    cv.activateFrom(activating(0x100000009n, text, 1n), 1n, "leader", 1n);
    expect(cv.committed.toString()).toBe(text);
    // a learner parses it: a fresh HashMap's order
    const learner = versions();
    learner.cv.activateFrom(activating(0x100000009n, text, 1n), 2n, "follower", 1n);
    expect(learner.cv.committed.toString()).toBe(configFromString(text).toString());
    expect(learner.cv.committed.toString().startsWith("server.1=")).toBe(true);
  });

  it("with reconfigEnabled=false nothing moves", () => {
    const { cv, committed, active } = versions(false);
    const next = cfg([s(1), s(2), s(3), s(4)], 0x100000005n).toString();
    cv.proposedTxn(reconfigTxn(0x100000005n, next));
    expect(cv.activateFrom(activating(0x100000005n, next, 1n), 2n, "follower", 1n)).toBeUndefined();
    expect(cv.committed).toBe(start);
    expect(cv.lastSeen).toBe(start);
    expect(committed).toEqual([]);
    expect(active).toEqual([]);
  });

  it("zoo.cfg.dynamic.next: a proposal's config is handed to the host to write, and read back at the next start as the pending config", () => {
    const seen: QuorumVerifier[] = [];
    const cv = new ConfigVersions({ quorum: start, reconfigEnabled: true }, undefined, undefined, undefined, (qv) => seen.push(qv));
    const next = cfg([s(1), s(2), s(3), s(4)], 0x100000005n);
    cv.proposedTxn(reconfigTxn(0x100000005n, next.toString()));
    cv.proposedTxn(reconfigTxn(0x100000005n, next.toString())); // the same proposal again: written once
    expect(seen.map((q) => q.version)).toEqual([0x100000005n]);
    // restarted from zoo.cfg (start) and zoo.cfg.dynamic.next: a leader elected now needs both configs' quorums
    const restarted = new ConfigVersions({ quorum: start, lastSeenQuorum: seen[0]!, reconfigEnabled: true });
    expect(restarted.committed).toBe(start);
    expect(restarted.lastSeen.version).toBe(0x100000005n);
    expect(restarted.pending?.version).toBe(0x100000005n);
    // a next file not newer than zoo.cfg's config (already committed) is ignored, as is any without reconfigEnabled
    expect(new ConfigVersions({ quorum: start, lastSeenQuorum: cfg([s(1), s(2)], 0x100000000n), reconfigEnabled: true }).pending).toBeUndefined();
    expect(new ConfigVersions({ quorum: start, lastSeenQuorum: next, reconfigEnabled: false }).pending).toBeUndefined();
    // without the file the restarted member forgets the pending config (what the simulator found)
    expect(new ConfigVersions({ quorum: start, reconfigEnabled: true }).pending).toBeUndefined();
  });

  it("NEWLEADER's config is the last seen one even when older: a truncated reconfig's config is no longer pending", () => {
    const seen: QuorumVerifier[] = [];
    const cv = new ConfigVersions({ quorum: start, reconfigEnabled: true }, undefined, undefined, undefined, (qv) => seen.push(qv));
    const truncated = cfg([s(1), s(2), s(3), s(4)], 0x300000009n);
    cv.proposedTxn(reconfigTxn(0x300000009n, truncated.toString())); // proposed, then dropped by a TRUNC
    expect(cv.pending?.version).toBe(0x300000009n);
    const leaders = start; // the new leader's config: the committed one, older than the truncated reconfig's
    cv.newLeaderSeen(Buffer.from(leaders.toString()));
    expect(cv.lastSeen.version).toBe(0x100000000n);
    expect(cv.pending).toBeUndefined();
    expect(seen.map((q) => q.version)).toEqual([0x300000009n, 0x100000000n]); // zoo.cfg.dynamic.next rewritten
    // a reconfig the new leader proposes after NEWLEADER (before UPTODATE) is the last seen one again, and stays so
    const later = cfg([s(1), s(2), s(3), s(5)], 0x400000002n);
    cv.proposedTxn(reconfigTxn(0x400000002n, later.toString()));
    cv.activate(Buffer.from(leaders.toString()), new DataTree(), 0);
    expect(cv.committed.version).toBe(0x100000000n);
    expect(cv.pending?.version).toBe(0x400000002n);
  });

  it("a learner synchronising with an established leader while its reconfig is outstanding keeps NEWLEADER's config as last seen until the reconfig commits", () => {
    const { cv, committed } = versions();
    // the leader of epoch 5 proposed 0x50000001d (outstanding); NEWLEADER carries its last seen config
    const outstanding = cfg([s(2), s(3)], 0x50000001dn);
    cv.newLeaderSeen(Buffer.from(outstanding.toString()));
    cv.activate(Buffer.from(outstanding.toString()), new DataTree(), 0, 0x50000001cn); // UPTODATE, committed up to 0x50000001c
    expect(cv.committed).toBe(start);
    expect(cv.pending?.version).toBe(0x50000001dn);
    expect(committed).toEqual([]);
    // its COMMITANDACTIVATE (INFORMANDACTIVATE for an observer) commits it
    cv.activateFrom(activating(0x50000001dn, outstanding.toString(), 2n), 2n, "follower", 2n);
    expect(cv.committed.version).toBe(0x50000001dn);
    expect(committed.map((q) => q.version)).toEqual([0x50000001dn]);
  });

  it("NEWLEADER's config is committed at UPTODATE when the learner's history commits its reconfig, when it is the epoch's initial config (counter 0), and on the leader", () => {
    // a reconfig committed before the learner joined: the sync sent its txn committed
    const committedBefore = versions();
    committedBefore.cv.activate(Buffer.from(cfg([s(2), s(3)], 0x50000001dn).toString()), new DataTree(), 0, 0x50000001dn);
    expect(committedBefore.cv.committed.version).toBe(0x50000001dn);
    // a leader elected while the reconfig was pending establishes the epoch with it: the initial history (holding
    // its txn) is committed at UPTODATE
    const establishing = versions();
    establishing.cv.activate(Buffer.from(cfg([s(2), s(3)], 0x50000001dn).toString()), new DataTree(), 0, 0x500000020n);
    expect(establishing.cv.committed.version).toBe(0x50000001dn);
    // ZOOKEEPER-1783: a version-0 config versioned with the epoch's zxid, above any txn of the learner's
    const initial = versions();
    initial.cv.activate(Buffer.from(cfg([s(1), s(2), s(3)], 0x600000000n).toString()), new DataTree(), 0, 0x50000001cn);
    expect(initial.cv.committed.version).toBe(0x600000000n);
    // the leader (no learner commit point) activates what it established the epoch with
    const leader = versions();
    leader.cv.activate(Buffer.from(cfg([s(2), s(3)], 0x50000001dn).toString()), new DataTree(), 0);
    expect(leader.cv.committed.version).toBe(0x50000001dn);
  });
});
