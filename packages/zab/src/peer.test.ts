import { M, MetricsRegistry } from "@zkts/metrics";
import { describe, expect, it } from "vitest";
import { ZabPeer, NotLeaderError } from "./peer.js";
import { PacketType, makeZxid, type Packet } from "./packets.js";
import type { Ready, Txn, ZabInit, ZabQuorum } from "./types.js";

const majority = (n: number): ZabQuorum => {
  const votingMembers = new Map<bigint, true>();
  for (let i = 1; i <= n; i++) votingMembers.set(BigInt(i), true);
  return {
    votingMembers,
    containsQuorum(s) {
      let k = 0;
      for (const x of new Set(s)) if (votingMembers.has(x)) k++;
      return 2 * k > n;
    },
  };
};

/** A majority of the given sids. */
const membersOf = (...sids: number[]): ZabQuorum => {
  const votingMembers = new Map<bigint, true>(sids.map((s) => [BigInt(s), true]));
  return {
    votingMembers,
    containsQuorum(s) {
      let k = 0;
      for (const x of new Set(s)) if (votingMembers.has(x)) k++;
      return 2 * k > votingMembers.size;
    },
  };
};

const txn = (epoch: bigint, c: bigint, d = `t${epoch}.${c}`): Txn => ({ zxid: makeZxid(epoch, c), data: Buffer.from(d) });

interface Node {
  peer: ZabPeer;
  metrics: MetricsRegistry;
  readies: Ready[];
  applied: Txn[];
}

/** Instant, lossless network and disk: enough to script the protocol's steps. */
class Harness {
  nodes = new Map<bigint, Node>();
  conns = new Map<number, { learner: bigint; leader: bigint }>();
  wire: { conn: number; to: bigint; packet?: Packet; snapshot?: Buffer }[] = [];
  sent: { from: bigint; packet: Packet; readyIndex: number }[] = [];
  next = 1;
  /** The leader's end of the connection from learner `sid`. */
  connOf(sid: bigint): number {
    return [...this.conns].find(([, c]) => c.learner === sid)![0];
  }
  constructor(
    n: number,
    restore: (sid: bigint) => { acceptedEpoch?: bigint; currentEpoch?: bigint; log?: Txn[]; snapshotZxid?: bigint } = () => ({}),
    maxDiffTxns = 500,
    quorum?: ZabQuorum,
    extra: (sid: bigint) => Partial<ZabInit> = () => ({}),
  ) {
    for (let i = 1; i <= n; i++) {
      const sid = BigInt(i);
      const r = restore(sid);
      const metrics = new MetricsRegistry();
      const peer = new ZabPeer(
        { sid, quorum: quorum ?? majority(n), initLimit: 10, syncLimit: 5, maxDiffTxns, ...extra(sid) },
        { acceptedEpoch: r.acceptedEpoch ?? 0n, currentEpoch: r.currentEpoch ?? 0n, snapshotZxid: r.snapshotZxid ?? 0n, log: r.log ?? [] },
        { metrics },
      );
      this.nodes.set(sid, { peer, metrics, readies: [], applied: [] });
    }
  }
  node(sid: number): Node {
    return this.nodes.get(BigInt(sid))!;
  }
  /** Runs every Ready and delivers every message until nothing moves. */
  settle(block: (from: bigint, to: bigint, packet: Packet) => boolean = () => false): void {
    for (let guard = 0; guard < 10_000; guard++) {
      let moved = false;
      for (const [sid, n] of this.nodes) {
        if (!n.peer.hasReady()) continue;
        moved = true;
        const rd = n.peer.ready();
        n.readies.push(rd);
        for (const m of [...rd.early, ...rd.messages]) {
          const c = this.conns.get(m.conn)!;
          const to = c.leader === sid ? c.learner : c.leader;
          if ("snapshotAt" in m) this.wire.push({ conn: m.conn, to, snapshot: Buffer.from(JSON.stringify(n.applied.map((t) => [String(t.zxid), t.data.toString()]))) });
          else {
            this.sent.push({ from: sid, packet: m.packet, readyIndex: n.readies.length - 1 });
            if (!block(sid, to, m.packet)) this.wire.push({ conn: m.conn, to, packet: m.packet });
          }
        }
        n.applied.push(...rd.committed);
        for (const p of rd.persist) if (p.kind === "snapshot") n.applied = JSON.parse(p.data.toString()).map(([z, d]: [string, string]) => ({ zxid: BigInt(z), data: Buffer.from(d) }));
        if (rd.connect !== undefined) {
          const conn = this.next++;
          this.conns.set(conn, { learner: sid, leader: rd.connect });
          const l = this.nodes.get(rd.connect)!;
          if (l.peer.role === "leading") {
            l.peer.accepted(conn);
            n.peer.connected(conn);
          } else n.peer.connectFailed();
        }
        n.peer.advance();
      }
      const w = this.wire;
      this.wire = [];
      for (const m of w) {
        moved = true;
        const p = this.nodes.get(m.to)!.peer;
        if (m.snapshot) p.stepSnapshot(m.conn, m.snapshot);
        else p.step(m.conn, m.packet!);
      }
      if (!moved) return;
    }
    throw new Error("did not settle");
  }
  readyIndexOf(sid: number, pred: (r: Ready) => boolean): number {
    return this.node(sid).readies.findIndex(pred);
  }
}

describe("ZabPeer: discovery", () => {
  it("proposes max(acceptedEpoch of a quorum) + 1 and persists it before LEADERINFO", () => {
    const h = new Harness(3, (sid) => ({ acceptedEpoch: sid === 2n ? 7n : 3n, currentEpoch: 3n }));
    h.node(1).peer.lead();
    h.node(2).peer.follow(1n);
    h.node(3).peer.follow(1n);
    h.settle();
    expect(h.node(1).peer.isActiveLeader).toBe(true);
    expect(h.node(1).peer.leaderEpoch).toBe(8n);
    for (const sid of [1, 2, 3]) {
      expect(h.node(sid).peer.acceptedEpoch).toBe(8n);
      expect(h.node(sid).peer.currentEpoch).toBe(8n);
    }
    const persisted = h.readyIndexOf(1, (r) => r.persist.some((p) => p.kind === "acceptedEpoch" && p.epoch === 8n));
    const li = h.sent.find((s) => s.from === 1n && s.packet.type === PacketType.LEADERINFO)!;
    expect(persisted).toBeGreaterThanOrEqual(0);
    expect(li.readyIndex).toBeGreaterThan(persisted);
    // Followers: ACKEPOCH only in a Ready after the one persisting the accepted epoch.
    const f = h.readyIndexOf(2, (r) => r.persist.some((p) => p.kind === "acceptedEpoch"));
    const ack = h.sent.find((s) => s.from === 2n && s.packet.type === PacketType.ACKEPOCH)!;
    expect(ack.readyIndex).toBeGreaterThan(f);
  });

  it("refuses a follower whose history is more recent (Leader.waitForEpochAck)", () => {
    const h = new Harness(3, (sid) => (sid === 2n ? { acceptedEpoch: 2n, currentEpoch: 2n, log: [txn(2n, 1n)] } : {}));
    h.node(1).peer.lead();
    h.node(2).peer.follow(1n);
    h.settle();
    const ev = h.node(1).readies.flatMap((r) => r.events);
    expect(ev.some((e) => e.type === "protocolError" && /ahead of the leader/.test(e.message))).toBe(true);
    expect(h.node(1).peer.isEstablishedLeader).toBe(false);
  });
});


/** Three members broadcasting: 1 leads, 2 and 3 follow, synchronised. */
function broadcasting(): Harness {
  const h = new Harness(3);
  h.node(1).peer.lead();
  h.node(2).peer.follow(1n);
  h.node(3).peer.follow(1n);
  h.settle();
  return h;
}

/** Leader 1 and follower 2 share 10 txns and 6 more proposals; node 3 has an empty log, outside a window of 4. */
function leaderAheadOfNode3(): Harness {
  const log = Array.from({ length: 10 }, (_, i) => txn(1n, BigInt(i + 1)));
  const h = new Harness(3, (sid) => ({ acceptedEpoch: 1n, currentEpoch: 1n, log: sid === 3n ? [] : log }), 4);
  h.node(1).peer.lead();
  h.node(2).peer.follow(1n);
  h.settle();
  for (let i = 0; i < 6; i++) h.node(1).peer.propose(Buffer.from(`p${i}`));
  h.settle();
  return h;
}
describe("ZabPeer: synchronisation", () => {
  it("DIFF sends the txns after the learner's last zxid; UPTODATE commits the initial history", () => {
    const log = [txn(1n, 1n), txn(1n, 2n), txn(1n, 3n)];
    const h = new Harness(3, (sid) => ({ acceptedEpoch: 1n, currentEpoch: 1n, log: sid === 1n ? log : log.slice(0, 1) }));
    h.node(1).peer.lead();
    h.node(2).peer.follow(1n);
    h.node(3).peer.follow(1n);
    h.settle();
    const toLearners = h.sent.filter((s) => s.from === 1n).map((s) => PacketType && s.packet.type);
    expect(toLearners.filter((t) => t === PacketType.DIFF)).toHaveLength(2);
    expect(toLearners.filter((t) => t === PacketType.PROPOSAL)).toHaveLength(4);
    for (const sid of [1, 2, 3]) expect(h.node(sid).applied.map((t) => t.zxid)).toEqual(log.map((t) => t.zxid));
  });

  it("TRUNC cuts a divergent tail back to the newest shared zxid", () => {
    const common = [txn(1n, 1n), txn(1n, 2n)];
    const h = new Harness(3, (sid) =>
      sid === 3n
        ? { acceptedEpoch: 2n, currentEpoch: 1n, log: [...common, txn(1n, 3n, "lost")] }
        : { acceptedEpoch: 2n, currentEpoch: 2n, log: [...common, txn(2n, 1n)] },
    );
    h.node(1).peer.lead();
    h.node(2).peer.follow(1n);
    h.node(3).peer.follow(1n);
    h.settle();
    const trunc = h.sent.find((s) => s.packet.type === PacketType.TRUNC)!;
    expect(trunc.packet.zxid).toBe(makeZxid(1n, 2n));
    expect(h.node(3).peer.logWindow().map((t) => t.data.toString())).toEqual(["t1.1", "t1.2", "t2.1"]);
    expect(h.node(3).readies.some((r) => r.persist.some((p) => p.kind === "truncate" && p.zxid === makeZxid(1n, 2n)))).toBe(true);
  });

  it("SNAP when the learner is behind the leader's in-memory window", () => {
    const h = leaderAheadOfNode3();
    h.node(3).peer.follow(1n);
    h.settle();
    expect(h.sent.some((s) => s.packet.type === PacketType.SNAP)).toBe(true);
    expect(h.node(1).metrics.counter(M.SNAP_COUNT).value).toBe(1);
    expect(h.node(1).metrics.counter(M.DIFF_COUNT).value).toBe(1); // node 2's sync
    expect(h.node(3).applied.map((t) => t.zxid)).toEqual(h.node(1).applied.map((t) => t.zxid));
    expect(h.node(3).peer.isActiveLearner).toBe(true);
  });
});

describe("ZabPeer: a SNAP from a ZooKeeper leader", () => {
  it("proposals and commits at or below the snapshot's zxid after SNAP are skipped (LearnerHandler forwards from a zxid read before the SNAP's)", () => {
    const h = leaderAheadOfNode3();
    // node 3 gets SNAP and the snapshot, then nothing more from the leader
    const snaps = () => h.sent.filter((s) => s.packet.type === PacketType.SNAP).length;
    h.node(3).peer.follow(1n);
    h.settle((from, to) => from === 1n && to === 3n && snaps() === 1 && h.sent.at(-1)!.packet.type !== PacketType.SNAP);
    const snapZxid = h.sent.find((s) => s.packet.type === PacketType.SNAP)!.packet.zxid;
    expect(h.node(3).peer.zabState).toBe("synchronization");
    const conn3 = h.connOf(3n);
    const sentBefore = h.sent.length;
    for (const z of [snapZxid - 1n, snapZxid]) {
      h.node(3).peer.step(conn3, { type: PacketType.PROPOSAL, zxid: z, data: Buffer.from("again") });
      h.node(3).peer.step(conn3, { type: PacketType.COMMIT, zxid: z, data: null });
    }
    h.settle(() => true);
    expect(h.node(3).peer.zabState, "no protocol error").toBe("synchronization");
    expect(h.sent.slice(sentBefore).filter((s) => s.from === 3n)).toEqual([]);
    expect(h.node(3).peer.lastZxid).toBe(snapZxid);
    // a proposal after the snapshot is logged as usual
    h.node(3).peer.step(conn3, { type: PacketType.PROPOSAL, zxid: snapZxid + 1n, data: Buffer.from("next") });
    expect(h.node(3).peer.lastZxid).toBe(snapZxid + 1n);
  });
});

describe("ZabPeer: learner PINGs", () => {
  it("a learner does not answer the leader's PING while synchronising, before its NEWLEADER ACK (a ZooKeeper leader drops a learner whose packet after NEWLEADER is not the ACK)", () => {
    const log = [txn(1n, 1n), txn(1n, 2n)];
    const h = new Harness(3, (sid) => ({ acceptedEpoch: 1n, currentEpoch: 1n, log: sid === 3n ? log.slice(0, 1) : log }));
    h.node(1).peer.lead();
    h.node(2).peer.follow(1n);
    h.settle();
    // node 3 gets its DIFF, then nothing more from the leader: it is synchronising
    const diffs = () => h.sent.filter((s) => s.packet.type === PacketType.DIFF).length;
    h.node(3).peer.follow(1n);
    h.settle((from, to) => from === 1n && to === 3n && diffs() === 2 && h.sent.at(-1)!.packet.type !== PacketType.DIFF);
    expect(h.node(3).peer.zabState).toBe("synchronization");
    const conn3 = h.connOf(3n);
    const sentBefore = h.sent.length;
    h.node(3).peer.step(conn3, { type: PacketType.PING, zxid: makeZxid(2n, 0n), data: null });
    h.settle(() => true);
    expect(h.sent.slice(sentBefore).filter((s) => s.from === 3n).map((s) => s.packet.type)).not.toContain(PacketType.PING);
    expect(h.node(3).peer.zabState).toBe("synchronization");
    // a synchronised learner answers
    const conn2 = h.connOf(2n);
    h.node(2).peer.step(conn2, { type: PacketType.PING, zxid: makeZxid(2n, 0n), data: null });
    h.settle(() => true);
    expect(h.sent.slice(sentBefore).filter((s) => s.from === 2n).map((s) => s.packet.type)).toContain(PacketType.PING);
  });
});

describe("ZabPeer: broadcast", () => {
  it("a follower ACKs a proposal only in a Ready after the one that persists it", () => {
    const h = broadcasting();
    const z = h.node(1).peer.propose(Buffer.from("x"));
    h.settle();
    const persisted = h.readyIndexOf(2, (r) => r.persist.some((p) => p.kind === "append" && p.txns.some((t) => t.zxid === z)));
    const ack = h.sent.find((s) => s.from === 2n && s.packet.type === PacketType.ACK && s.packet.zxid === z)!;
    expect(ack.readyIndex).toBeGreaterThan(persisted);
    expect(h.node(3).applied.map((t) => t.zxid)).toEqual([z]);
  });

  it("a follower's ACK of a durable proposal goes early in the next Ready, not behind that Ready's own persist ops", () => {
    const h = broadcasting();
    const f = h.node(2).peer;
    const conn = h.connOf(2n);
    const a = makeZxid(1n, 1n);
    const b = makeZxid(1n, 2n);
    f.step(conn, { type: PacketType.PROPOSAL, zxid: a, data: Buffer.from("a") });
    const r1 = f.ready();
    expect(r1.persist).toEqual([{ kind: "append", txns: [{ zxid: a, data: Buffer.from("a") }] }]);
    expect([...r1.early, ...r1.messages].some((m) => "packet" in m && m.packet.type === PacketType.ACK)).toBe(false);
    // b arrives while a's fsync runs
    f.step(conn, { type: PacketType.PROPOSAL, zxid: b, data: Buffer.from("b") });
    f.advance(); // a is durable
    const r2 = f.ready();
    expect(r2.persist.flatMap((p) => (p.kind === "append" ? p.txns.map((t) => t.zxid) : []))).toEqual([b]);
    const acks = (ms: Ready["early"]) => ms.flatMap((m) => ("packet" in m && m.packet.type === PacketType.ACK ? [m.packet.zxid] : []));
    expect(acks(r2.early)).toEqual([a]); // sent while b is written
    expect(acks(r2.messages)).toEqual([]);
    f.advance();
    expect(acks(f.ready().early)).toEqual([b]); // b's ACK only once b is durable
  });

  it("a leader's COMMIT goes early in the Ready after the quorum's ACKs; its txn, durable there, is committed in that Ready", () => {
    const h = broadcasting();
    const l = h.node(1).peer;
    const connOf = (sid: bigint) => h.connOf(sid);
    const a = l.propose(Buffer.from("a"));
    const r1 = l.ready();
    expect(r1.early.filter((m) => "packet" in m && m.packet.type === PacketType.PROPOSAL)).toHaveLength(2);
    // while the leader writes a: both followers ACK it (a quorum without the leader), and b is proposed
    l.step(connOf(2n), { type: PacketType.ACK, zxid: a, data: null });
    l.step(connOf(3n), { type: PacketType.ACK, zxid: a, data: null });
    const b = l.propose(Buffer.from("b"));
    l.advance();
    expect(l.durableZxid).toBe(a);
    const r2 = l.ready();
    expect(r2.persist.flatMap((p) => (p.kind === "append" ? p.txns.map((t) => t.zxid) : []))).toEqual([b]);
    const commits = (ms: Ready["early"]) => ms.flatMap((m) => ("packet" in m && m.packet.type === PacketType.COMMIT ? [m.packet.zxid] : []));
    expect(commits(r2.early)).toEqual([a, a]); // to both followers, while b is written
    expect(commits(r2.messages)).toEqual([]);
    expect(r2.committed.map((t) => t.zxid)).toEqual([a]);
    // on each connection, in the order they were made: COMMIT a (at 3's ACK), then PROPOSAL b
    for (const sid of [2n, 3n]) {
      const types = r2.early.filter((m) => m.conn === connOf(sid)).map((m) => ("packet" in m ? m.packet.type : -1));
      expect(types).toEqual([PacketType.COMMIT, PacketType.PROPOSAL]);
    }
  });

  it("takeEarly: while a Ready is persisted, the next proposals go out at once, but not ahead of that Ready's own late messages", () => {
    const h = broadcasting();
    const l = h.node(1).peer;
    const connOf = (sid: bigint) => h.connOf(sid);
    const proposals = (ms: ReturnType<ZabPeer["takeEarly"]>) => ms.flatMap((m) => ("packet" in m && m.packet.type === PacketType.PROPOSAL ? [[m.conn, m.packet.zxid]] : []));
    expect(l.takeEarly()).toEqual([]); // nothing in flight: the next Ready carries everything
    const a = l.propose(Buffer.from("a"));
    l.tick(); // PINGs to both followers: late messages of the Ready in flight
    const r1 = l.ready();
    expect(r1.messages.filter((m) => "packet" in m && m.packet.type === PacketType.PING)).toHaveLength(2);
    expect(proposals(r1.early).map(([, z]) => z)).toEqual([a, a]);
    const b = l.propose(Buffer.from("b"));
    expect(l.takeEarly()).toEqual([]); // behind the PINGs of r1, on both connections
    l.advance();
    const r2 = l.ready(); // r2 in flight, without late messages
    expect(proposals(r2.early).map(([, z]) => z)).toEqual([b, b]);
    const c = l.propose(Buffer.from("c"));
    const taken = l.takeEarly();
    expect(proposals(taken).sort()).toEqual([[connOf(2n), c], [connOf(3n), c]].sort());
    expect(l.takeEarly()).toEqual([]);
    // the leader's own log write of c is still the next Ready's; c is not in that Ready's early list again
    l.advance();
    const r3 = l.ready();
    expect(r3.early).toEqual([]);
    expect(r3.persist.flatMap((p) => (p.kind === "append" ? p.txns.map((t) => t.zxid) : []))).toEqual([c]);
  });

  it("counts proposals and commits (leader) and proposals and commits received while broadcasting (followers)", () => {
    const h = new Harness(3, () => ({ acceptedEpoch: 1n, currentEpoch: 1n, log: [txn(1n, 1n)] }));
    h.node(1).peer.lead();
    h.node(2).peer.follow(1n);
    h.node(3).peer.follow(1n);
    h.settle();
    // the sync's own traffic (DIFF) is not broadcast traffic
    expect(h.node(1).metrics.counter(M.DIFF_COUNT).value).toBe(2);
    expect(h.node(2).metrics.counter(M.LEARNER_PROPOSAL_RECEIVED_COUNT).value).toBe(0);
    for (let i = 0; i < 3; i++) h.node(1).peer.propose(Buffer.from(`p${i}`));
    h.settle();
    expect(h.node(1).metrics.counter(M.PROPOSAL_COUNT).value).toBe(3);
    expect(h.node(1).metrics.counter(M.COMMIT_COUNT).value).toBe(3);
    for (const f of [2, 3]) {
      expect(h.node(f).metrics.counter(M.LEARNER_PROPOSAL_RECEIVED_COUNT).value).toBe(3);
      expect(h.node(f).metrics.counter(M.LEARNER_COMMIT_RECEIVED_COUNT).value).toBe(3);
      expect(h.node(f).metrics.counter(M.PROPOSAL_COUNT).value).toBe(0);
    }
  });

  it("commits only with a quorum of ACKs (5 servers: leader + 1 is not enough)", () => {
    const h = new Harness(5);
    h.node(1).peer.lead();
    for (const s of [2, 3, 4, 5]) h.node(s).peer.follow(1n);
    h.settle();
    const only2 = (from: bigint, to: bigint) => (from === 3n || from === 4n || from === 5n) && to === 1n;
    const z = h.node(1).peer.propose(Buffer.from("x"));
    h.settle(only2);
    expect(h.node(1).peer.commitZxid).toBeLessThan(z);
    expect(h.node(1).applied).toEqual([]);

    const h2 = new Harness(5);
    h2.node(1).peer.lead();
    for (const s of [2, 3, 4, 5]) h2.node(s).peer.follow(1n);
    h2.settle();
    const only23 = (from: bigint, to: bigint) => (from === 4n || from === 5n) && to === 1n;
    const z2 = h2.node(1).peer.propose(Buffer.from("y"));
    h2.settle(only23);
    expect(h2.node(1).peer.commitZxid).toBe(z2);
    expect(h2.node(1).applied.map((t) => t.zxid)).toEqual([z2]);
  });

  it("a follower that re-syncs mid-epoch after logging a proposal whose ACK was lost is cut back to the commit point and ACKs it again (LearnerHandler: TRUNC to maxCommittedLog)", () => {
    const h = broadcasting();
    const committed = h.node(1).peer.propose(Buffer.from("a"));
    h.settle();
    // both followers log the next proposal; their ACKs are lost with their connections
    const z = h.node(1).peer.propose(Buffer.from("b"));
    h.settle((from, to) => from !== 1n && to === 1n);
    expect(h.node(2).peer.lastZxid).toBe(z);
    expect(h.node(1).peer.commitZxid).toBe(committed);
    // follower 2 re-syncs with the same leader (still established: 3 keeps it company)
    const conn = h.connOf(2n);
    h.node(2).peer.closed(conn);
    h.node(1).peer.closed(conn);
    h.settle();
    h.node(2).peer.follow(1n);
    const before = h.sent.length;
    h.settle();
    const resync = h.sent.slice(before).filter((s) => s.from === 1n).map((s) => s.packet);
    const kind = resync.find((p) => p.type === PacketType.DIFF || p.type === PacketType.TRUNC || p.type === PacketType.SNAP);
    expect(kind).toMatchObject({ type: PacketType.TRUNC, zxid: committed });
    expect(resync.some((p) => p.type === PacketType.PROPOSAL && p.zxid === z)).toBe(true);
    // its ACK of the proposal, sent again, makes a quorum with the leader's: it commits
    expect(h.node(1).peer.commitZxid).toBe(z);
    expect(h.node(2).applied.map((t) => t.zxid)).toEqual([committed, z]);
  });

  it("a follower cut back by such a TRUNC commits what it keeps (the leader's commit point), as after a DIFF", () => {
    const h = broadcasting();
    // follower 2 logs a and b but hears no COMMIT and its ACKs are lost; a commits on 3's ACK, b does not
    const a = h.node(1).peer.propose(Buffer.from("a"));
    const b = h.node(1).peer.propose(Buffer.from("b"));
    const lost = (from: bigint, to: bigint, p: Packet) =>
      (from === 1n && to === 2n && p.type === PacketType.COMMIT) || (from === 2n && to === 1n) || (from === 3n && p.type === PacketType.ACK && p.zxid === b);
    h.settle(lost);
    expect(h.node(1).peer.commitZxid).toBe(a);
    expect(h.node(2).peer.lastZxid).toBe(b);
    expect(h.node(2).applied).toEqual([]);
    const conn = h.connOf(2n);
    h.node(2).peer.closed(conn);
    h.node(1).peer.closed(conn);
    h.settle();
    h.node(2).peer.follow(1n);
    // b stays uncommitted (its ACKs are still lost): a is committed on 2 by the TRUNC to it alone
    h.settle((from, to, p) => (from === 2n || from === 3n) && to === 1n && p.type === PacketType.ACK && p.zxid === b);
    expect(h.sent.some((s) => s.packet.type === PacketType.TRUNC && s.packet.zxid === a)).toBe(true);
    expect(h.node(2).peer.isActiveLearner).toBe(true);
    expect(h.node(2).applied.map((t) => t.zxid)).toEqual([a]);
  });

  it("propose() throws on a server that is not an active leader", () => {
    const h = new Harness(3);
    expect(() => h.node(1).peer.propose(Buffer.from("x"))).toThrow(NotLeaderError);
  });
});

describe("ZabPeer: liveness limits", () => {
  it("a leader that loses its quorum steps down after syncLimit ticks; a follower drops a silent leader", () => {
    const h = broadcasting();
    const none = () => true;
    for (let i = 0; i < 7; i++) {
      for (const s of [1, 2]) h.node(s).peer.tick();
      h.settle(none);
    }
    expect(h.node(1).peer.role).toBe("looking");
    expect(h.node(2).peer.role).toBe("looking");
    expect(h.node(1).readies.flatMap((r) => r.events).some((e) => e.type === "looking")).toBe(true);
  });

  it("a leader without a quorum of learners gives up after initLimit ticks", () => {
    const h = new Harness(3);
    h.node(1).peer.lead();
    for (let i = 0; i < 11; i++) {
      h.node(1).peer.tick();
      h.settle();
    }
    expect(h.node(1).peer.role).toBe("looking");
  });
});

describe("ZabPeer: reconfig (dual quorums, COMMITANDACTIVATE / INFORMANDACTIVATE)", () => {
  /** 5 peers, active config {1,2,3}; 1 leads, 2..5 follow (4 and 5 as joiners: followers outside the config). */
  function ensemble(observe: number[] = []): Harness {
    const h = new Harness(5, () => ({}), 500, membersOf(1, 2, 3));
    h.node(1).peer.lead();
    for (const sid of [2, 3, 4, 5]) {
      if (observe.includes(sid)) h.node(sid).peer.observe(1n);
      else h.node(sid).peer.follow(1n);
    }
    h.settle();
    expect(h.node(1).peer.isActiveLeader).toBe(true);
    return h;
  }
  const events = (h: Harness, sid: number) => h.node(sid).readies.flatMap((r) => r.events);

  it("a reconfig proposal, and every later one, needs a quorum of the old and of the new config", () => {
    const h = ensemble();
    const z = h.node(1).peer.propose(Buffer.from("reconfig"), membersOf(1, 4, 5));
    const later = h.node(1).peer.propose(Buffer.from("later"));
    // 4 and 5 are cut off from the leader: {1,2,3} (the old config's quorum) ACK both, {1} is no quorum of {1,4,5}.
    h.settle((from, to) => to === 1n && (from === 4n || from === 5n));
    expect(h.node(1).peer.commitZxid).toBeLessThan(z);
    expect(h.node(1).applied.map((t) => t.zxid)).not.toContain(later);
    expect(h.sent.some((s) => s.packet.type === PacketType.COMMITANDACTIVATE)).toBe(false);
  });

  it("once committed, the new config is active: COMMITANDACTIVATE names the leader; later proposals need only it", () => {
    const h = ensemble();
    const z = h.node(1).peer.propose(Buffer.from("reconfig"), membersOf(1, 4, 5));
    h.settle();
    for (const sid of [1, 2, 3, 4, 5]) expect(h.node(sid).applied.map((t) => t.zxid)).toContain(z);
    const cas = h.sent.filter((s) => s.packet.type === PacketType.COMMITANDACTIVATE);
    expect(cas).toHaveLength(4);
    for (const c of cas) {
      expect(c.packet.zxid).toBe(z);
      expect(c.packet.data).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1])); // long designated leader = 1
    }
    for (const sid of [1, 2, 3, 4, 5]) expect(events(h, sid)).toContainEqual({ type: "activate", zxid: z, leader: 1n });
    expect(h.node(1).peer.quorum.votingMembers.has(4n)).toBe(true);
    // 2 and 3 cut off: {1,4,5} alone commits now.
    const next = h.node(1).peer.propose(Buffer.from("next"));
    h.settle((from, to) => to === 1n && (from === 2n || from === 3n));
    expect(h.node(1).peer.commitZxid).toBe(next);
  });

  it("observers get INFORMANDACTIVATE: the designated leader, then the txn", () => {
    const h = ensemble([5]);
    const z = h.node(1).peer.propose(Buffer.from("reconfig-txn"), membersOf(1, 2, 4));
    h.settle();
    const ia = h.sent.filter((s) => s.packet.type === PacketType.INFORMANDACTIVATE);
    expect(ia).toHaveLength(1);
    expect(ia[0]!.packet.zxid).toBe(z);
    expect(ia[0]!.packet.data).toEqual(Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from("reconfig-txn")]));
    expect(h.node(5).applied.map((t) => t.data.toString())).toContain("reconfig-txn");
    expect(events(h, 5)).toContainEqual({ type: "activate", zxid: z, leader: 1n });
  });

  it("a leader elected while a reconfig is pending needs a quorum of both configs, then the pending one is active", () => {
    const pending = membersOf(1, 4, 5);
    // peer 1 leads with {1,4,5} pending (ZabInit.pendingQuorum): {1,2,3} is a quorum of the old config only
    const h = new Harness(5, () => ({}), 500, membersOf(1, 2, 3), (sid) => (sid === 1n ? { pendingQuorum: () => pending } : {}));
    h.node(1).peer.lead();
    h.node(2).peer.follow(1n);
    h.node(3).peer.follow(1n);
    h.settle();
    expect(h.node(1).peer.leaderEpoch).toBeUndefined();
    h.node(4).peer.follow(1n);
    h.settle();
    expect(h.node(1).peer.isActiveLeader).toBe(true);
    expect(h.node(1).peer.quorum).toBe(pending);
  });

  it("a leader outside the new config designates an acknowledging voter of it and steps down", () => {
    const h = ensemble();
    const z = h.node(1).peer.propose(Buffer.from("reconfig"), membersOf(2, 3, 4));
    h.settle();
    const cas = h.sent.filter((s) => s.packet.type === PacketType.COMMITANDACTIVATE);
    expect(cas.length).toBeGreaterThan(0);
    for (const c of cas) expect(c.packet.data!.readBigInt64BE(0)).toBe(2n);
    expect(events(h, 1)).toContainEqual({ type: "activate", zxid: z, leader: 2n });
    // allowedToCommit = false: a later proposal never commits; the next tick ends the term.
    const later = h.node(1).peer.propose(Buffer.from("later"));
    h.settle();
    expect(h.node(1).peer.commitZxid).toBeLessThan(later);
    h.node(1).peer.tick();
    h.settle();
    expect(h.node(1).peer.role).toBe("looking");
  });
});
