/**
 * Deterministic cluster simulation of ZabPeer (TigerBeetle / FoundationDB style): one seed drives a virtual clock,
 * a TCP-like network (per-connection FIFO; delays, drops that break the connection, stale duplicates delivered
 * after a connection died, partitions, silent or reset closes), disks that lose unsynced writes (a torn prefix
 * survives a crash), crashes and restarts, a leader-picking stand-in (sometimes picking a stale leader) and
 * clients proposing to the leader. Invariants are checked after every event; a failing seed replays exactly.
 */
import { ZabPeer } from "../peer.js";
import { type Packet, PacketType, epochOf, counterOf, zxidHex, PACKET_NAMES } from "../packets.js";
import type { PersistOp, Ready, Txn, ZabBugs, ZabQuorum } from "../types.js";
import { EventQueue, SimRandom } from "@zkts/election/testing";

export interface SimFaults {
  /** Mean ms between crashes during the chaos phase (0 = none). */
  crashEveryMs: number;
  /** Mean ms between partitions (0 = none). */
  partitionEveryMs: number;
  /** Per message: the connection breaks (message and everything after it lost). */
  breakRate: number;
  /** Per message: a stale copy shows up later (delivered only once that connection is dead). */
  duplicateRate: number;
  /** Chance that a crash keeps a random prefix of the unsynced writes (torn) instead of none. */
  tornRate: number;
}

export interface SimOptions {
  seed: number;
  voters: 3 | 5;
  observers?: number;
  /** Virtual ms of chaos (faults on), then the network heals and everything restarts. */
  chaosMs?: number;
  /** Virtual ms after healing during which the cluster must converge. */
  settleMs?: number;
  faults?: Partial<SimFaults>;
  /** Chance the leader stand-in picks a random server instead of the most up-to-date one. */
  staleLeaderChance?: number;
  bugs?: ZabBugs;
  /** Record a trace of every event (for replaying one seed). */
  trace?: boolean;
  maxDiffTxns?: number;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  violation?: string;
  trace: string[];
  stats: {
    events: number;
    proposed: number;
    acked: number;
    committed: number;
    epochs: number;
    crashes: number;
    partitions: number;
    snaps: number;
    truncs: number;
    diffs: number;
    virtualMs: number;
  };
}

export class InvariantViolation extends Error {
  override name = "InvariantViolation";
}

const TICK_MS = 100;
const INIT_LIMIT = 10;
const SYNC_LIMIT = 5;

class Majority implements ZabQuorum {
  readonly votingMembers: ReadonlyMap<bigint, unknown>;
  constructor(voters: bigint[]) {
    this.votingMembers = new Map(voters.map((v) => [v, true]));
  }
  containsQuorum(sids: Iterable<bigint>): boolean {
    let n = 0;
    for (const s of new Set(sids)) if (this.votingMembers.has(s)) n++;
    return n * 2 > this.votingMembers.size;
  }
}

interface Disk {
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  snap: Txn[]; // the durable snapshot's content (committed txns), in order
  log: Txn[];
  index: Map<bigint, Buffer>; // every durable txn (snapshot + log) by zxid
  unsynced: PersistOp[];
}

interface Server {
  sid: bigint;
  voter: boolean;
  up: boolean;
  life: number;
  peer: ZabPeer;
  disk: Disk;
  applied: Txn[];
  busy: boolean;
  lookingSince: number;
  /** zxid -> client request id, for txns this server proposed in this life. */
  clientTxns: Map<bigint, number>;
  pendingReady?: Ready | undefined;
}

interface Conn {
  id: number;
  learner: bigint;
  leader: bigint;
  open: { learner: boolean; leader: boolean };
  broken: boolean;
  lastDelivery: { toLeader: number; toLearner: number };
  lifeOf: { learner: number; leader: number };
}

type Ev =
  | { k: "tick"; sid: bigint; life: number }
  | { k: "disk"; sid: bigint; life: number }
  | { k: "deliver"; conn: number; to: bigint; life: number; msg: { packet?: Packet; snapshot?: Buffer }; stale: boolean }
  | { k: "accept"; conn: number }
  | { k: "connected"; conn: number }
  | { k: "connectFailed"; sid: bigint; life: number }
  | { k: "closed"; conn: number; to: bigint; life: number }
  | { k: "crash" }
  | { k: "restart"; sid: bigint }
  | { k: "partition" }
  | { k: "heal" }
  | { k: "client" }
  | { k: "endChaos" };

function encodeSnapshot(txns: readonly Txn[]): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeInt32BE(txns.length);
  parts.push(n);
  for (const t of txns) {
    const h = Buffer.alloc(12);
    h.writeBigInt64BE(t.zxid);
    h.writeInt32BE(t.data.length, 8);
    parts.push(h, t.data);
  }
  return Buffer.concat(parts);
}

function decodeSnapshot(b: Buffer): Txn[] {
  const out: Txn[] = [];
  const n = b.readInt32BE(0);
  let off = 4;
  for (let i = 0; i < n; i++) {
    const zxid = b.readBigInt64BE(off);
    const len = b.readInt32BE(off + 8);
    out.push({ zxid, data: b.subarray(off + 12, off + 12 + len) });
    off += 12 + len;
  }
  return out;
}

export class ZabSimulator {
  private readonly rnd: SimRandom;
  private readonly q = new EventQueue<Ev>();
  private readonly servers = new Map<bigint, Server>();
  private readonly conns = new Map<number, Conn>();
  private readonly quorum: Majority;
  private readonly faults: SimFaults;
  private readonly staleChance: number;
  private now = 0;
  private nextConn = 1;
  private chaos = true;
  private partition: Map<bigint, number> | null = null;
  private nextClientReq = 1;
  /** The globally committed sequence: every server's applied list must be a prefix of it. */
  private readonly history: Txn[] = [];
  private readonly acked: Txn[] = [];
  private readonly epochLeaders = new Map<bigint, bigint>();
  readonly trace: string[] = [];
  readonly stats: SimResult["stats"] = {
    events: 0,
    proposed: 0,
    acked: 0,
    committed: 0,
    epochs: 0,
    crashes: 0,
    partitions: 0,
    snaps: 0,
    truncs: 0,
    diffs: 0,
    virtualMs: 0,
  };

  constructor(private readonly opts: SimOptions) {
    this.rnd = new SimRandom(opts.seed);
    this.faults = {
      crashEveryMs: 1500,
      partitionEveryMs: 2000,
      breakRate: 0.003,
      duplicateRate: 0.01,
      tornRate: 0.5,
      ...opts.faults,
    };
    this.staleChance = opts.staleLeaderChance ?? 0.2;
    const voters: bigint[] = [];
    for (let i = 1; i <= opts.voters; i++) voters.push(BigInt(i));
    this.quorum = new Majority(voters);
    const total = opts.voters + (opts.observers ?? 0);
    for (let i = 1; i <= total; i++) {
      const sid = BigInt(i);
      const disk: Disk = { acceptedEpoch: 0n, currentEpoch: 0n, snap: [], log: [], index: new Map(), unsynced: [] };
      const s: Server = {
        sid,
        voter: i <= opts.voters,
        up: true,
        life: 0,
        peer: this.newPeer(sid, disk),
        disk,
        applied: [],
        busy: false,
        lookingSince: 0,
        clientTxns: new Map(),
      };
      this.servers.set(sid, s);
      this.q.push(this.rnd.int(0, TICK_MS), { k: "tick", sid, life: 0 });
    }
  }

  private newPeer(sid: bigint, disk: Disk): ZabPeer {
    const snapZxid = disk.snap.length > 0 ? disk.snap[disk.snap.length - 1]!.zxid : 0n;
    const p = new ZabPeer(
      {
        sid,
        quorum: this.quorum,
        initLimit: INIT_LIMIT,
        syncLimit: SYNC_LIMIT,
        maxDiffTxns: this.opts.maxDiffTxns ?? 40,
        quorumVerifierBytes: Buffer.from("version=0"),
        ...(this.opts.bugs ? { bugs: this.opts.bugs } : {}),
      },
      { acceptedEpoch: disk.acceptedEpoch, currentEpoch: disk.currentEpoch, snapshotZxid: snapZxid, log: disk.log },
    );
    return p;
  }

  private log(msg: string): void {
    if (this.opts.trace) this.trace.push(`${String(this.now).padStart(6)} ${msg}`);
  }

  private fail(msg: string): never {
    throw new InvariantViolation(`t=${this.now}ms: ${msg}`);
  }

  run(): SimResult {
    const chaosMs = this.opts.chaosMs ?? 20_000;
    const settleMs = this.opts.settleMs ?? 12_000;
    const end = chaosMs + settleMs;
    if (this.faults.crashEveryMs > 0) this.q.push(this.rnd.int(0, 2 * this.faults.crashEveryMs), { k: "crash" });
    if (this.faults.partitionEveryMs > 0) this.q.push(this.rnd.int(0, 2 * this.faults.partitionEveryMs), { k: "partition" });
    this.q.push(50, { k: "client" });
    this.q.push(chaosMs, { k: "endChaos" });
    let violation: string | undefined;
    try {
      for (;;) {
        const e = this.q.pop();
        if (!e || e.at > end) break;
        this.now = e.at;
        this.stats.events++;
        this.handle(e.ev);
        this.pumpAll();
        this.checkEveryStep();
      }
      this.now = end;
      this.checkConverged();
    } catch (err) {
      if (!(err instanceof InvariantViolation)) throw err;
      violation = err.message;
      this.log(`VIOLATION ${violation}`);
    }
    this.stats.virtualMs = this.now;
    const r: SimResult = { seed: this.opts.seed, ok: violation === undefined, trace: this.trace, stats: this.stats };
    if (violation !== undefined) r.violation = violation;
    return r;
  }

  // ------------------------------------------------------------------ events

  private handle(ev: Ev): void {
    switch (ev.k) {
      case "tick": {
        const s = this.servers.get(ev.sid)!;
        if (!s.up || s.life !== ev.life) return;
        s.peer.tick();
        this.maybeElect(s);
        this.q.push(this.now + TICK_MS, ev);
        return;
      }
      case "disk": {
        const s = this.servers.get(ev.sid)!;
        if (!s.up || s.life !== ev.life) return;
        this.finishReady(s);
        return;
      }
      case "deliver": {
        const c = this.conns.get(ev.conn)!;
        const s = this.servers.get(ev.to)!;
        if (!s.up || s.life !== ev.life) return;
        const end = ev.to === c.leader ? "leader" : "learner";
        if (ev.stale) {
          if (c.open[end]) return; // only once the receiver has closed its end: a TCP stream never duplicates
        } else if (!c.open[end] || c.broken) return;
        if (ev.msg.snapshot) {
          this.log(`${ev.to} <- conn${c.id} snapshot(${ev.msg.snapshot.length}B)${ev.stale ? " [stale]" : ""}`);
          s.peer.stepSnapshot(c.id, ev.msg.snapshot);
        } else {
          const p = ev.msg.packet!;
          this.log(`${ev.to} <- conn${c.id} ${PACKET_NAMES[p.type]} ${zxidHex(p.zxid)}${ev.stale ? " [stale]" : ""}`);
          s.peer.step(c.id, p);
        }
        return;
      }
      case "accept": {
        const c = this.conns.get(ev.conn)!;
        const l = this.servers.get(c.leader)!;
        if (!l.up || l.life !== c.lifeOf.leader || l.peer.role !== "leading" || !this.reachable(c.learner, c.leader)) {
          c.open.leader = false;
          this.q.push(this.now + this.delay(), { k: "connectFailed", sid: c.learner, life: c.lifeOf.learner });
          return;
        }
        l.peer.accepted(c.id);
        this.q.push(this.now + this.delay(), { k: "connected", conn: c.id });
        return;
      }
      case "connected": {
        const c = this.conns.get(ev.conn)!;
        const s = this.servers.get(c.learner)!;
        if (!s.up || s.life !== c.lifeOf.learner) return;
        if (c.broken || !c.open.leader) {
          s.peer.connectFailed();
          return;
        }
        this.log(`${c.learner} connected to ${c.leader} as conn${c.id}`);
        s.peer.connected(c.id);
        return;
      }
      case "connectFailed": {
        const s = this.servers.get(ev.sid)!;
        if (s.up && s.life === ev.life) s.peer.connectFailed();
        return;
      }
      case "closed": {
        const s = this.servers.get(ev.to)!;
        if (!s.up || s.life !== ev.life) return;
        const c = this.conns.get(ev.conn)!;
        c.open[ev.to === c.leader ? "leader" : "learner"] = false;
        s.peer.closed(ev.conn);
        return;
      }
      case "crash": {
        if (!this.chaos) return;
        const up = [...this.servers.values()].filter((s) => s.up);
        if (up.length > 0) this.crash(this.rnd.pick(up));
        this.q.push(this.now + this.rnd.int(1, 2 * this.faults.crashEveryMs), { k: "crash" });
        return;
      }
      case "restart":
        this.restart(this.servers.get(ev.sid)!);
        return;
      case "partition": {
        if (!this.chaos) return;
        this.stats.partitions++;
        const groups = new Map<bigint, number>();
        const mode = this.rnd.int(0, 2);
        const sids = [...this.servers.keys()];
        if (mode === 0) {
          const iso = this.rnd.pick(sids); // isolate one server
          for (const s of sids) groups.set(s, s === iso ? 1 : 0);
        } else {
          for (const s of sids) groups.set(s, this.rnd.int(0, mode)); // random split in 2 or 3
        }
        this.partition = groups;
        this.log(`partition ${sids.map((s) => `${s}:${groups.get(s)}`).join(" ")}`);
        for (const c of this.conns.values()) if (!this.reachable(c.learner, c.leader)) this.breakConn(c);
        this.q.push(this.now + this.rnd.int(200, 3000), { k: "heal" });
        this.q.push(this.now + this.rnd.int(1, 2 * this.faults.partitionEveryMs), { k: "partition" });
        return;
      }
      case "heal":
        if (this.partition) this.log("heal");
        this.partition = null;
        return;
      case "client": {
        if (this.now >= this.stopClientsAt) return;
        const leaders = [...this.servers.values()].filter((s) => s.up && s.peer.isActiveLeader);
        if (leaders.length > 0) {
          const l = this.rnd.pick(leaders);
          const req = this.nextClientReq++;
          const zxid = l.peer.propose(Buffer.from(`req-${req}`));
          l.clientTxns.set(zxid, req);
          this.stats.proposed++;
          this.log(`client req-${req} -> ${l.sid} as ${zxidHex(zxid)}`);
        }
        this.q.push(this.now + this.rnd.int(5, 40), { k: "client" });
        return;
      }
      case "endChaos": {
        this.chaos = false;
        this.partition = null;
        this.log("end of chaos: heal, restart everything");
        for (const s of this.servers.values()) if (!s.up) this.restart(s);
        // Clients stop 4 s before the end so the cluster can quiesce.
        this.stopClientsAt = this.now + (this.opts.settleMs ?? 12_000) - 4000;
        return;
      }
    }
  }
  private stopClientsAt = Infinity;

  // ------------------------------------------------------------------ leader-picking stand-in

  private maybeElect(s: Server): void {
    if (s.peer.role !== "looking") return;
    const wait = this.chaos ? 200 : 300;
    if (this.now - s.lookingSince < wait) return;
    const candidates = [...this.servers.values()].filter((c) => c.up && c.voter && this.reachable(s.sid, c.sid));
    if (candidates.length === 0) return;
    let target: Server;
    const leading = candidates.filter((c) => c.peer.role === "leading");
    if (leading.length > 0 && this.rnd.chance(0.8)) target = this.rnd.pick(leading);
    else if (this.chaos && this.rnd.chance(this.staleChance)) target = this.rnd.pick(candidates);
    else {
      target = candidates.reduce((a, b) => {
        const ka = [a.peer.currentEpoch, a.peer.lastZxid, a.sid];
        const kb = [b.peer.currentEpoch, b.peer.lastZxid, b.sid];
        for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i]! > kb[i]! ? a : b;
        return a;
      });
    }
    if (target === s) {
      if (!s.voter) return;
      this.log(`${s.sid} LEADS (accepted ${s.peer.acceptedEpoch}, current ${s.peer.currentEpoch}, last ${zxidHex(s.peer.lastZxid)})`);
      s.peer.lead();
    } else if (s.voter) {
      this.log(`${s.sid} follows ${target.sid}`);
      s.peer.follow(target.sid);
    } else {
      this.log(`${s.sid} observes ${target.sid}`);
      s.peer.observe(target.sid);
    }
  }

  // ------------------------------------------------------------------ host: persist -> send -> apply -> advance

  private pumpAll(): void {
    for (const s of this.servers.values()) this.pump(s);
  }

  private pump(s: Server): void {
    if (!s.up || s.busy || !s.peer.hasReady()) return;
    const rd = s.peer.ready();
    s.busy = true;
    s.pendingReady = rd;
    // 0. early messages: before the disk write
    for (const m of rd.early) {
      if ("snapshotAt" in m) this.fail(`${s.sid}: a snapshot among the early messages`);
      else {
        this.checkSend(s, m.packet);
        this.sendOn(s, m.conn, { packet: m.packet });
      }
    }
    s.disk.unsynced.push(...rd.persist);
    if (rd.persist.length === 0) {
      this.finishReady(s);
      return;
    }
    const lat = this.rnd.chance(0.05) ? this.rnd.int(10, 40) : this.rnd.int(1, 4);
    this.q.push(this.now + lat, { k: "disk", sid: s.sid, life: s.life });
  }

  private finishReady(s: Server): void {
    const rd = s.pendingReady!;
    s.pendingReady = undefined;
    // 1. durable
    for (const op of s.disk.unsynced) this.applyOp(s, op);
    s.disk.unsynced = [];
    this.checkDurableEpochs(s);
    // 2. send
    for (const m of rd.messages) {
      if ("snapshotAt" in m) {
        const last = s.applied.length > 0 ? s.applied[s.applied.length - 1]!.zxid : 0n;
        if (last !== m.snapshotAt) this.fail(`${s.sid}: snapshot requested at ${zxidHex(m.snapshotAt)}, applied state at ${zxidHex(last)}`);
        this.stats.snaps++;
        this.sendOn(s, m.conn, { snapshot: encodeSnapshot(s.applied) });
      } else {
        this.checkSend(s, m.packet);
        this.sendOn(s, m.conn, { packet: m.packet });
      }
    }
    // 3. apply
    for (const t of rd.committed) this.apply(s, t);
    for (const c of rd.close) this.closeConn(s, c);
    if (rd.connect !== undefined) this.connect(s, rd.connect);
    for (const e of rd.events) {
      this.log(`${s.sid} event ${e.type} ${"epoch" in e ? e.epoch : "reason" in e ? e.reason : e.message}`);
      if (e.type === "looking") s.lookingSince = this.now;
    }
    s.busy = false;
    s.peer.advance();
  }

  private applyOp(s: Server, op: PersistOp): void {
    const d = s.disk;
    switch (op.kind) {
      case "acceptedEpoch":
        d.acceptedEpoch = op.epoch;
        return;
      case "currentEpoch":
        d.currentEpoch = op.epoch;
        return;
      case "append":
        for (const t of op.txns) {
          const last = d.log.length > 0 ? d.log[d.log.length - 1]!.zxid : d.snap.length > 0 ? d.snap[d.snap.length - 1]!.zxid : 0n;
          if (t.zxid <= last) this.fail(`${s.sid}: durable log zxids not increasing: ${zxidHex(t.zxid)} after ${zxidHex(last)}`);
          d.log.push(t);
          d.index.set(t.zxid, t.data);
        }
        return;
      case "truncate": {
        const snapLast = d.snap.length > 0 ? d.snap[d.snap.length - 1]!.zxid : 0n;
        if (op.zxid < snapLast) this.fail(`${s.sid}: truncate to ${zxidHex(op.zxid)} below its snapshot`);
        this.stats.truncs++;
        for (const t of d.log) if (t.zxid > op.zxid) d.index.delete(t.zxid);
        d.log = d.log.filter((t) => t.zxid <= op.zxid);
        this.checkAckedDurable();
        return;
      }
      case "snapshot": {
        const txns = decodeSnapshot(op.data);
        const last = txns.length > 0 ? txns[txns.length - 1]!.zxid : 0n;
        if (last !== op.zxid) this.fail(`${s.sid}: snapshot content ends at ${zxidHex(last)}, SNAP said ${zxidHex(op.zxid)}`);
        d.snap = txns;
        d.log = [];
        d.index = new Map(txns.map((t) => [t.zxid, t.data]));
        s.applied = [];
        for (const t of txns) this.apply(s, t, false);
        this.checkAckedDurable();
        return;
      }
    }
  }

  private apply(s: Server, t: Txn, countAck = true): void {
    const i = s.applied.length;
    const prev = i > 0 ? s.applied[i - 1]!.zxid : 0n;
    if (t.zxid <= prev) this.fail(`${s.sid}: applied ${zxidHex(t.zxid)} after ${zxidHex(prev)}`);
    if (i < this.history.length) {
      const h = this.history[i]!;
      if (h.zxid !== t.zxid || !h.data.equals(t.data)) {
        this.fail(
          `committed prefixes disagree at #${i}: ${s.sid} applied ${zxidHex(t.zxid)} "${t.data}", history has ${zxidHex(h.zxid)} "${h.data}"`,
        );
      }
    } else {
      this.history.push(t);
      this.stats.committed++;
    }
    s.applied.push(t);
    if (countAck && s.clientTxns.has(t.zxid)) {
      s.clientTxns.delete(t.zxid);
      this.acked.push(t);
      this.stats.acked++;
      this.checkTxnOnQuorum(t, "acknowledged");
    }
  }

  // ------------------------------------------------------------------ network

  private reachable(a: bigint, b: bigint): boolean {
    if (a === b) return true;
    if (!this.partition) return true;
    return this.partition.get(a) === this.partition.get(b);
  }

  private delay(): number {
    return this.chaos && this.rnd.chance(0.05) ? this.rnd.int(50, 300) : this.rnd.int(1, 20);
  }

  private connect(s: Server, leader: bigint): void {
    const l = this.servers.get(leader)!;
    const c: Conn = {
      id: this.nextConn++,
      learner: s.sid,
      leader,
      open: { learner: true, leader: true },
      broken: false,
      lastDelivery: { toLeader: 0, toLearner: 0 },
      lifeOf: { learner: s.life, leader: l.life },
    };
    this.conns.set(c.id, c);
    if (!l.up || !this.reachable(s.sid, leader)) {
      c.broken = true;
      this.q.push(this.now + this.rnd.int(20, 200), { k: "connectFailed", sid: s.sid, life: s.life });
      return;
    }
    this.q.push(this.now + this.delay(), { k: "accept", conn: c.id });
  }

  private sendOn(s: Server, connId: number, msg: { packet?: Packet; snapshot?: Buffer }): void {
    const c = this.conns.get(connId);
    if (!c) return;
    const fromLeader = s.sid === c.leader;
    const end = fromLeader ? "leader" : "learner";
    if (!c.open[end] || c.broken) return;
    const to = fromLeader ? c.learner : c.leader;
    const toLife = fromLeader ? c.lifeOf.learner : c.lifeOf.leader;
    if (!this.reachable(s.sid, to) || (this.chaos && this.rnd.chance(this.faults.breakRate))) {
      this.breakConn(c);
      return;
    }
    const dir = fromLeader ? "toLearner" : "toLeader";
    const at = Math.max(this.now + this.delay(), c.lastDelivery[dir]);
    c.lastDelivery[dir] = at;
    this.q.push(at, { k: "deliver", conn: c.id, to, life: toLife, msg, stale: false });
    if (this.chaos && this.rnd.chance(this.faults.duplicateRate)) {
      this.q.push(at + this.rnd.int(100, 3000), { k: "deliver", conn: c.id, to, life: toLife, msg, stale: true });
    }
  }

  /** The connection dies: nothing more gets through; each end learns it by a reset (50%) or by its own timeouts. */
  private breakConn(c: Conn): void {
    if (c.broken) return;
    c.broken = true;
    this.log(`conn${c.id} (${c.learner}->${c.leader}) broken`);
    for (const [who, life] of [
      [c.learner, c.lifeOf.learner],
      [c.leader, c.lifeOf.leader],
    ] as const) {
      if (this.rnd.chance(0.5)) this.q.push(this.now + this.rnd.int(1, 100), { k: "closed", conn: c.id, to: who, life });
    }
  }

  private closeConn(s: Server, connId: number): void {
    const c = this.conns.get(connId);
    if (!c) return;
    const end = s.sid === c.leader ? "leader" : "learner";
    if (!c.open[end]) return;
    c.open[end] = false;
    const other = end === "leader" ? c.learner : c.leader;
    const otherLife = end === "leader" ? c.lifeOf.learner : c.lifeOf.leader;
    if (!c.broken && this.reachable(s.sid, other)) {
      const dir = end === "leader" ? "toLearner" : "toLeader";
      this.q.push(Math.max(this.now + this.delay(), c.lastDelivery[dir]), { k: "closed", conn: c.id, to: other, life: otherLife });
    }
  }

  // ------------------------------------------------------------------ crash / restart

  private crash(s: Server): void {
    this.stats.crashes++;
    const d = s.disk;
    let kept = 0;
    if (d.unsynced.length > 0 && this.rnd.chance(this.faults.tornRate)) {
      // A torn write: a prefix of the unsynced ops survives, the last of them possibly half-written.
      kept = this.rnd.int(0, d.unsynced.length);
      for (let i = 0; i < kept; i++) {
        const op = d.unsynced[i]!;
        if (i === kept - 1 && op.kind === "append" && op.txns.length > 1) {
          this.applyOp(s, { kind: "append", txns: op.txns.slice(0, this.rnd.int(1, op.txns.length)) });
        } else this.applyOp(s, op);
      }
    }
    this.log(`CRASH ${s.sid} (kept ${kept}/${d.unsynced.length} unsynced ops)`);
    d.unsynced = [];
    s.up = false;
    s.busy = false;
    s.pendingReady = undefined;
    s.life++;
    for (const c of this.conns.values()) {
      if (c.learner !== s.sid && c.leader !== s.sid) continue;
      if (c.broken) continue;
      const mine = c.learner === s.sid ? "learner" : "leader";
      if (!c.open[mine]) continue;
      c.open[mine] = false;
      this.breakConn(c);
    }
    this.checkAckedDurable();
    this.q.push(this.now + this.rnd.int(100, 3000), { k: "restart", sid: s.sid });
  }

  private restart(s: Server): void {
    if (s.up) return;
    s.up = true;
    s.life++;
    s.peer = this.newPeer(s.sid, s.disk);
    s.applied = [];
    for (const t of s.disk.snap) this.apply(s, t, false);
    s.clientTxns = new Map();
    s.lookingSince = this.now;
    this.log(`RESTART ${s.sid} (accepted ${s.disk.acceptedEpoch}, current ${s.disk.currentEpoch}, ${s.disk.log.length} logged)`);
    this.q.push(this.now + this.rnd.int(1, TICK_MS), { k: "tick", sid: s.sid, life: s.life });
  }

  // ------------------------------------------------------------------ invariants

  /** A server never acts on an epoch that is not durable. */
  private checkDurableEpochs(s: Server): void {
    if (!s.up) return;
    if (s.peer.acceptedEpoch > s.disk.acceptedEpoch) {
      this.fail(`${s.sid} acts on acceptedEpoch ${s.peer.acceptedEpoch} but only ${s.disk.acceptedEpoch} is durable`);
    }
    if (s.peer.currentEpoch > s.disk.currentEpoch) {
      this.fail(`${s.sid} acts on currentEpoch ${s.peer.currentEpoch} but only ${s.disk.currentEpoch} is durable`);
    }
  }

  private checkSend(s: Server, p: Packet): void {
    const d = s.disk;
    switch (p.type) {
      case PacketType.ACK: {
        const e = epochOf(p.zxid);
        if (e > d.currentEpoch) this.fail(`${s.sid} ACKs ${zxidHex(p.zxid)} with durable currentEpoch ${d.currentEpoch}`);
        if (counterOf(p.zxid) !== 0n && !d.index.has(p.zxid)) this.fail(`${s.sid} ACKs ${zxidHex(p.zxid)} before it is durable`);
        return;
      }
      case PacketType.LEADERINFO:
      case PacketType.ACKEPOCH:
        if (s.peer.acceptedEpoch > d.acceptedEpoch || (p.type === PacketType.LEADERINFO && epochOf(p.zxid) > d.acceptedEpoch)) {
          this.fail(`${s.sid} sends ${PACKET_NAMES[p.type]} before its accepted epoch is durable`);
        }
        return;
      case PacketType.NEWLEADER:
        if (epochOf(p.zxid) > d.currentEpoch) this.fail(`${s.sid} sends NEWLEADER before its current epoch is durable`);
        return;
      case PacketType.PROPOSAL: {
        const e = epochOf(p.zxid);
        const l = this.epochLeaders.get(e);
        if (l !== undefined && l !== s.sid && counterOf(p.zxid) > 0n && s.peer.leaderEpoch === e) {
          this.fail(`two leaders propose in epoch ${e}: ${l} and ${s.sid}`);
        }
        return;
      }
      case PacketType.DIFF:
        this.stats.diffs++;
        return;
    }
  }

  private checkEveryStep(): void {
    for (const s of this.servers.values()) {
      if (!s.up) continue;
      this.checkDurableEpochs(s);
      const e = s.peer.leaderEpoch;
      if (e !== undefined && s.peer.isEstablishedLeader) {
        const l = this.epochLeaders.get(e);
        if (l === undefined) {
          this.epochLeaders.set(e, s.sid);
          this.stats.epochs++;
        } else if (l !== s.sid) this.fail(`two leaders established epoch ${e}: ${l} and ${s.sid}`);
      }
      let prev = -1n;
      for (const t of s.peer.logWindow()) {
        if (t.zxid <= prev) this.fail(`${s.sid}: log zxids not increasing: ${zxidHex(t.zxid)} after ${zxidHex(prev)}`);
        prev = t.zxid;
      }
    }
  }

  private checkTxnOnQuorum(t: Txn, what: string): void {
    const holders: bigint[] = [];
    for (const s of this.servers.values()) {
      const d = s.disk.index.get(t.zxid);
      if (d && d.equals(t.data)) holders.push(s.sid);
    }
    if (!this.quorum.containsQuorum(holders)) {
      this.fail(`${what} txn ${zxidHex(t.zxid)} "${t.data}" is durable only on [${holders.join(",")}]: not a quorum`);
    }
  }

  /** No acknowledged txn is lost: each stays durable on a quorum of voters through truncations and crashes. */
  private checkAckedDurable(): void {
    for (const t of this.acked) this.checkTxnOnQuorum(t, "acknowledged");
  }

  private checkConverged(): void {
    const up = [...this.servers.values()].filter((s) => s.up);
    const leaders = up.filter((s) => s.peer.isActiveLeader);
    if (leaders.length !== 1) {
      this.fail(`not converged: ${leaders.length} active leaders; roles ${up.map((s) => `${s.sid}:${s.peer.role}`).join(" ")}`);
    }
    for (const s of up) {
      if (s !== leaders[0] && !s.peer.isActiveLearner) this.fail(`not converged: ${s.sid} is ${s.peer.role}, not active`);
    }
    const want = this.history.length;
    for (const s of up) {
      if (s.applied.length !== want) this.fail(`not converged: ${s.sid} applied ${s.applied.length} of ${want} committed txns`);
    }
    const zs = new Set(this.history.map((t) => t.zxid));
    for (const t of this.acked) if (!zs.has(t.zxid)) this.fail(`acknowledged ${zxidHex(t.zxid)} lost`);
  }
}

export function simulate(opts: SimOptions): SimResult {
  return new ZabSimulator(opts).run();
}
