/**
 * Deterministic simulation of fast leader election (in the style of FoundationDB / TigerBeetle): N real
 * FastLeaderElection state machines, a virtual clock, and a network that delays, drops, duplicates, reorders
 * and partitions messages, plus crashes and restarts, all drawn from one seed. Invariants are checked after
 * every event; a failing seed replays exactly.
 *
 * ZooKeeper's election alone does not guarantee a unique leader (two servers may both decide LEADING in one
 * round when votes arrive later than finalizeWait); ZAB's epoch handshake settles that. The simulator therefore
 * also models the part of ZAB that matters for liveness ("peer model"): a leader that has not had a quorum of
 * followers for a while goes back to LOOKING, and so does a follower or observer whose leader is down,
 * unreachable or not leading (after `leaderTimeoutMs` / `followerTimeoutMs`).
 */
import { type Decision, type ElectionFaults, FastLeaderElection } from "../fle.js";
import {
  decodeNotification,
  encodeNotification,
  type NotificationInit,
  SERVER_STATE_NAMES,
  ServerState,
} from "../notification.js";
import { parseQuorumConfig, type QuorumVerifier } from "../quorum.js";
import { totalOrderPredicate } from "../vote.js";
import { EventQueue, SimRandom } from "./random.js";

export interface SimNetworkOptions {
  minDelayMs: number;
  maxDelayMs: number;
  /** Probability that a message is delayed by up to `longDelayMs` instead (reordering, late votes). */
  longDelayRate: number;
  longDelayMs: number;
  dropRate: number;
  duplicateRate: number;
}

export interface SimOptions {
  seed: number;
  /** Number of voting servers (sids 1..voters). */
  voters: number;
  /** Number of observers (sids after the voters). */
  observers?: number;
  /** Split the voters into 3 groups with random weights (QuorumHierarchical). */
  hierarchical?: boolean;
  /** Length of the chaotic phase (faults happen only before this time). */
  chaosMs?: number;
  /** After the chaos ends, the cluster must be stable within this time. */
  settleMs?: number;
  /** Mean time between fault events (crash, restart, partition, heal) during the chaos phase. */
  faultEveryMs?: number;
  net?: Partial<SimNetworkOptions>;
  /** Injected bugs, to prove the invariants catch them. */
  faults?: ElectionFaults;
  /** Run the servers' elections eager (ElectionInit.eager), a server down or across a partition being `lost`. */
  eager?: boolean;
  /** Peer model: how long a leader may lack a quorum of followers (initLimit x tickTime; 10 x 2000 in zoo.cfg). */
  leaderTimeoutMs?: number;
  /** Peer model: how long a follower or observer keeps a leader that is down, unreachable or not leading. */
  followerTimeoutMs?: number;
  /** Keep this many trace lines for the failure report. */
  traceLines?: number;
  /** Also trace every server's state twice a second. */
  traceStates?: boolean;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  violation?: string;
  /** Virtual time at the end of the run. */
  endMs: number;
  /** Virtual time from the end of chaos until the cluster was stable (undefined if it never was). */
  settledAfterMs?: number;
  events: number;
  messages: number;
  decisions: number;
  leader?: bigint;
  /**
   * Events after which two or more live servers claimed LEADING at once (only one of them backed by a
   * quorum). FLE allows this; ZAB (here: the peer model) resolves it.
   */
  dualLeaderClaims: number;
  trace: string[];
}

type Ev =
  | { k: "deliver"; from: bigint; to: bigint; bytes: Buffer; inc: number }
  | { k: "tick"; sid: bigint; inc: number }
  | { k: "fault" }
  | { k: "peer" }
  | { k: "heal" };

interface SimServer {
  sid: bigint;
  voter: boolean;
  up: boolean;
  incarnation: number;
  fle: FastLeaderElection | undefined;
  zxid: bigint;
  peerEpoch: bigint;
  scheduled: Set<number>;
  /** Peer model: when the current decision stopped being backed (undefined while backed). */
  unbackedSince: number | undefined;
}

const DEFAULT_NET: SimNetworkOptions = {
  minDelayMs: 1,
  maxDelayMs: 50,
  longDelayRate: 0.05,
  longDelayMs: 1500,
  dropRate: 0.05,
  duplicateRate: 0.03,
};

export class InvariantViolation extends Error {}

export class ElectionSimulator {
  readonly opts: Required<Omit<SimOptions, "net" | "faults">> & { net: SimNetworkOptions; faults: ElectionFaults };
  readonly rng: SimRandom;
  readonly quorum: QuorumVerifier;
  readonly servers = new Map<bigint, SimServer>();
  now = 0;
  private q = new EventQueue<Ev>();
  private partition: Map<bigint, number> | undefined;
  private chaos = true;
  private net: SimNetworkOptions;
  private trace: string[] = [];
  private events = 0;
  private messages = 0;
  private decisions = 0;
  private settledAt: number | undefined;
  private dualLeaderClaims = 0;
  /** Who ever sent which vote: "L|round|leader|zxid|epoch" for LOOKING, "S|leader|epoch" / "LEADING|leader|epoch". */
  private readonly cast = new Map<string, Set<bigint>>();

  constructor(options: SimOptions) {
    this.opts = {
      seed: options.seed,
      voters: options.voters,
      observers: options.observers ?? 0,
      hierarchical: options.hierarchical ?? false,
      chaosMs: options.chaosMs ?? 20_000,
      settleMs: options.settleMs ?? 180_000,
      faultEveryMs: options.faultEveryMs ?? 1_500,
      net: { ...DEFAULT_NET, ...options.net },
      faults: options.faults ?? {},
      eager: options.eager ?? false,
      leaderTimeoutMs: options.leaderTimeoutMs ?? 20_000,
      followerTimeoutMs: options.followerTimeoutMs ?? 4_000,
      traceLines: options.traceLines ?? 60,
      traceStates: options.traceStates ?? false,
    };
    this.rng = new SimRandom(options.seed);
    this.net = this.opts.net;
    const cfg: [string, string][] = [];
    const total = this.opts.voters + this.opts.observers;
    for (let i = 1; i <= total; i++) {
      cfg.push([`server.${i}`, `10.0.0.${i}:2888:3888${i > this.opts.voters ? ":observer" : ""}`]);
    }
    if (this.opts.hierarchical) {
      const groups: number[][] = [[], [], []];
      for (let i = 1; i <= this.opts.voters; i++) groups[(i - 1) % 3]!.push(i);
      groups.forEach((g, gi) => g.length > 0 && cfg.push([`group.${gi + 1}`, g.join(":")]));
      for (let i = 1; i <= this.opts.voters; i++) cfg.push([`weight.${i}`, String(this.rng.int(1, 3))]);
    }
    this.quorum = parseQuorumConfig(cfg);
    // Small ranges so that ties on (epoch, zxid) are common and the sid tie-break matters.
    for (let i = 1; i <= total; i++) {
      const sid = BigInt(i);
      const peerEpoch = BigInt(this.rng.int(0, 1));
      const zxid = (peerEpoch << 32n) | BigInt(this.rng.int(0, 2));
      this.servers.set(sid, {
        sid,
        voter: i <= this.opts.voters,
        up: false,
        incarnation: 0,
        fle: undefined,
        zxid,
        peerEpoch,
        scheduled: new Set(),
        unbackedSince: undefined,
      });
    }
  }

  // ---- running ----

  run(): SimResult {
    try {
      for (const s of this.servers.values()) {
        const at = this.rng.int(0, 300);
        this.q.push(at, { k: "tick", sid: s.sid, inc: -1 }); // boot
      }
      this.q.push(this.rng.int(0, this.opts.faultEveryMs * 2), { k: "fault" });
      this.q.push(500, { k: "peer" });
      this.q.push(this.opts.chaosMs, { k: "heal" });
      const end = this.opts.chaosMs + this.opts.settleMs;
      for (;;) {
        const e = this.q.pop();
        if (!e || e.at > end) break;
        this.now = e.at;
        this.events++;
        this.step(e.ev);
        this.checkSafety();
        if (!this.chaos && this.settledAt === undefined && this.isStable()) {
          this.settledAt = this.now;
          this.log(`stable: leader ${this.stableLeader()}`);
          break;
        }
      }
      if (this.settledAt === undefined) {
        throw new InvariantViolation(
          `liveness: not stable ${this.opts.settleMs} ms after the network healed (${this.describe()})`,
        );
      }
      return this.result(true);
    } catch (e) {
      if (!(e instanceof InvariantViolation)) throw e;
      this.log(`VIOLATION ${e.message}`);
      return this.result(false, e.message);
    }
  }

  private result(ok: boolean, violation?: string): SimResult {
    const r: SimResult = {
      seed: this.opts.seed,
      ok,
      endMs: this.now,
      events: this.events,
      messages: this.messages,
      decisions: this.decisions,
      dualLeaderClaims: this.dualLeaderClaims,
      trace: this.trace,
    };
    if (violation !== undefined) r.violation = violation;
    if (this.settledAt !== undefined) r.settledAfterMs = this.settledAt - this.opts.chaosMs;
    const l = this.stableLeader();
    if (l !== undefined) r.leader = l;
    return r;
  }

  private log(line: string): void {
    this.trace.push(`${String(this.now).padStart(7)}ms ${line}`);
    if (this.trace.length > this.opts.traceLines) this.trace.shift();
  }

  private step(ev: Ev): void {
    switch (ev.k) {
      case "tick": {
        const s = this.servers.get(ev.sid)!;
        if (ev.inc === -1) {
          if (s.incarnation === 0) this.boot(s);
          return;
        }
        if (!s.up || s.incarnation !== ev.inc) return;
        s.scheduled.delete(this.now);
        s.fle!.tick();
        this.flush(s);
        return;
      }
      case "deliver": {
        const s = this.servers.get(ev.to)!;
        const from = this.servers.get(ev.from)!;
        if (!s.up || !from.up || from.incarnation !== ev.inc || !this.connected(ev.from, ev.to)) return;
        s.fle!.receive(ev.from, decodeNotification(ev.bytes));
        this.flush(s);
        return;
      }
      case "fault":
        if (!this.chaos) return;
        this.fault();
        this.q.push(this.now + this.rng.int(1, this.opts.faultEveryMs * 2), { k: "fault" });
        return;
      case "heal":
        this.chaos = false;
        this.partition = undefined;
        this.net = { ...this.net, dropRate: 0, duplicateRate: 0, longDelayRate: 0 };
        for (const s of this.servers.values()) if (!s.up) this.boot(s);
        this.log("heal: all up, no partition, no loss");
        return;
      case "peer":
        if (this.opts.traceStates) this.log(`states ${this.describe()}`);
        this.peerModel();
        this.q.push(this.now + 500, { k: "peer" });
        return;
    }
  }

  private boot(s: SimServer): void {
    s.up = true;
    s.incarnation++;
    s.scheduled.clear();
    s.unbackedSince = undefined;
    s.fle = new FastLeaderElection(
      { sid: s.sid, quorum: this.quorum, faults: this.opts.faults, eager: this.opts.eager === true },
      { clock: { monotonic: () => this.now }, lost: (sid) => this.servers.get(sid)?.up !== true || !this.connected(s.sid, sid) },
    );
    this.log(`boot ${s.sid} (inc ${s.incarnation}, epoch ${s.peerEpoch}, zxid 0x${s.zxid.toString(16)})`);
    s.fle.start({ zxid: s.zxid, peerEpoch: s.peerEpoch });
    this.flush(s);
  }

  private fault(): void {
    const sids = [...this.servers.keys()];
    const r = this.rng.next();
    if (r < 0.3) {
      const s = this.servers.get(this.rng.pick(sids))!;
      if (s.up) {
        s.up = false;
        s.fle = undefined;
        this.log(`crash ${s.sid}`);
      } else {
        this.boot(s);
      }
    } else if (r < 0.55) {
      const part = new Map<bigint, number>();
      for (const sid of sids) part.set(sid, this.rng.int(0, 1));
      this.partition = part;
      this.log(`partition ${sids.map((x) => `${x}:${part.get(x)}`).join(" ")}`);
    } else if (r < 0.8) {
      this.partition = undefined;
      this.log("partition healed");
    } else {
      // A decided server goes back to looking (as after losing its leader).
      const s = this.servers.get(this.rng.pick(sids))!;
      if (s.up && !s.fle!.isLooking) this.relook(s, "forced re-election");
    }
  }

  private relook(s: SimServer, why: string): void {
    this.log(`${s.sid} back to LOOKING: ${why}`);
    s.unbackedSince = undefined;
    s.fle!.start({ zxid: s.zxid, peerEpoch: s.peerEpoch });
    this.flush(s);
  }

  private connected(a: bigint, b: bigint): boolean {
    return this.partition === undefined || this.partition.get(a) === this.partition.get(b);
  }

  /** Sends what the state machine produced and schedules its next timer. */
  private flush(s: SimServer): void {
    const fle = s.fle!;
    if (fle.hasReady()) {
      const rd = fle.ready();
      for (const m of rd.messages) {
        this.record(s.sid, m.notification);
        this.send(s, m.to, encodeNotification(m.notification));
      }
      if (rd.decision) this.onDecision(s, rd.decision);
      fle.advance();
    }
    const d = fle.nextDeadline();
    if (d !== undefined && !s.scheduled.has(d)) {
      s.scheduled.add(d);
      this.q.push(Math.max(d, this.now), { k: "tick", sid: s.sid, inc: s.incarnation });
    }
  }

  private send(from: SimServer, to: bigint, bytes: Buffer): void {
    this.messages++;
    if (!this.connected(from.sid, to) || this.rng.chance(this.net.dropRate)) return;
    const copies = this.rng.chance(this.net.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.rng.chance(this.net.longDelayRate)
        ? this.rng.int(this.net.maxDelayMs, this.net.longDelayMs)
        : this.rng.int(this.net.minDelayMs, this.net.maxDelayMs);
      this.q.push(this.now + delay, { k: "deliver", from: from.sid, to, bytes, inc: from.incarnation });
    }
  }

  // ---- invariants ----

  private record(from: bigint, n: NotificationInit): void {
    const keys =
      n.state === ServerState.LOOKING
        ? [`L|${n.electionEpoch}|${n.leader}|${n.zxid}|${n.peerEpoch}`]
        : n.state === ServerState.OBSERVING
          ? []
          : [`S|${n.leader}|${n.peerEpoch}`, ...(n.state === ServerState.LEADING ? [`LEADING|${n.leader}|${n.peerEpoch}`] : [])];
    for (const k of keys) {
      let set = this.cast.get(k);
      if (!set) this.cast.set(k, (set = new Set()));
      set.add(from);
    }
  }

  /** A decision must rest on votes that were really cast: a quorum of them, and the leader's own word. */
  private checkSupport(s: SimServer, d: Decision): void {
    const v = d.vote;
    if (d.via === "quorum") {
      const senders = new Set(this.cast.get(`L|${v.electionEpoch}|${v.leader}|${v.zxid}|${v.peerEpoch}`) ?? []);
      if (s.voter) senders.add(s.sid); // its own vote loops back without crossing the network
      if (!this.quorum.containsQuorum(senders)) {
        this.fail(`${s.sid} decided for ${v.leader} in round ${v.electionEpoch} without a quorum of such votes`);
      }
    } else {
      // Joining counts FOLLOWING/LEADING votes, plus (within the same round) matching LOOKING votes and our own.
      const senders = new Set([
        ...(this.cast.get(`S|${v.leader}|${v.peerEpoch}`) ?? []),
        ...(this.cast.get(`L|${v.electionEpoch}|${v.leader}|${v.zxid}|${v.peerEpoch}`) ?? []),
      ]);
      if (s.voter) senders.add(s.sid);
      const leaderSaid = this.cast.get(`LEADING|${v.leader}|${v.peerEpoch}`)?.has(v.leader) === true;
      if (v.leader !== s.sid && !leaderSaid) this.fail(`${s.sid} joined ${v.leader}, which never said LEADING`);
      if (!this.quorum.containsQuorum(senders)) this.fail(`${s.sid} joined ${v.leader} without a quorum behind it`);
    }
  }

  private onDecision(s: SimServer, d: Decision): void {
    this.decisions++;
    const v = d.vote;
    this.log(
      `${s.sid} decided ${SERVER_STATE_NAMES[d.state]} leader=${v.leader} round=${v.electionEpoch} via ${d.via}`,
    );
    const leader = this.servers.get(v.leader);
    if (!leader || !leader.voter) this.fail(`${s.sid} decided for ${v.leader}, which is not a voter`);
    this.checkSupport(s, d);
    if (d.state === ServerState.LEADING && v.leader !== s.sid) this.fail(`${s.sid} LEADING for ${v.leader}`);
    if (d.state === ServerState.FOLLOWING && (v.leader === s.sid || !s.voter)) this.fail(`${s.sid} bad FOLLOWING`);
    if (d.state === ServerState.OBSERVING && s.voter) this.fail(`voter ${s.sid} decided OBSERVING`);
    if (v.zxid !== leader!.zxid || v.peerEpoch !== leader!.peerEpoch) {
      this.fail(`${s.sid} decided a vote for ${v.leader} with zxid/epoch it never had`);
    }
    // The leader has the highest (epoch, zxid, sid) among a quorum: the voters whose own vote is not better.
    const notBetter: bigint[] = [];
    for (const o of this.servers.values()) {
      if (!o.voter) continue;
      if (!totalOrderPredicate(o.sid, o.zxid, o.peerEpoch, v.leader, v.zxid, v.peerEpoch)) notBetter.push(o.sid);
    }
    if (!this.quorum.containsQuorum(notBetter)) {
      this.fail(
        `${s.sid} elected ${v.leader} (epoch ${v.peerEpoch}, zxid 0x${v.zxid.toString(16)}), but a quorum has a better vote`,
      );
    }
  }

  /** Voters currently backing `leader` (decided for it, up). */
  private backers(leader: bigint, from?: bigint): bigint[] {
    const out: bigint[] = [];
    for (const o of this.servers.values()) {
      if (!o.up || !o.voter || o.fle!.isLooking) continue;
      if (from !== undefined && !this.connected(from, o.sid)) continue;
      if (o.fle!.currentVote?.leader === leader) out.push(o.sid);
    }
    return out;
  }

  private checkSafety(): void {
    // At most one leader with a quorum behind it, overall and per election round.
    const established: bigint[] = [];
    let claims = 0;
    for (const s of this.servers.values()) {
      if (!s.up || s.fle!.state !== ServerState.LEADING) continue;
      claims++;
      if (this.quorum.containsQuorum(this.backers(s.sid))) established.push(s.sid);
    }
    if (claims > 1) this.dualLeaderClaims++;
    if (established.length > 1) this.fail(`two leaders backed by a quorum: ${established.join(", ")}`);
  }

  private fail(msg: string): never {
    throw new InvariantViolation(msg);
  }

  // ---- peer model (the part of ZAB that affects election liveness) ----

  private peerModel(): void {
    for (const s of this.servers.values()) {
      if (!s.up || s.fle!.isLooking) continue;
      const v = s.fle!.currentVote!;
      let backed: boolean;
      const leading = s.fle!.state === ServerState.LEADING;
      if (leading) {
        backed = this.quorum.containsQuorum(this.backers(s.sid, s.sid));
      } else {
        const l = this.servers.get(v.leader);
        backed =
          l !== undefined && l.up && this.connected(s.sid, l.sid) && l.fle!.state === ServerState.LEADING &&
          l.fle!.currentVote!.peerEpoch === v.peerEpoch;
      }
      if (backed) s.unbackedSince = undefined;
      else if (s.unbackedSince === undefined) s.unbackedSince = this.now;
      else if (this.now - s.unbackedSince >= (leading ? this.opts.leaderTimeoutMs : this.opts.followerTimeoutMs)) {
        this.relook(s, leading ? "no quorum of followers" : "no leader");
      }
    }
  }

  // ---- liveness ----

  private stableLeader(): bigint | undefined {
    let leader: bigint | undefined;
    for (const s of this.servers.values()) {
      if (!s.up || s.fle!.isLooking) return undefined;
      const l = s.fle!.currentVote!.leader;
      if (leader === undefined) leader = l;
      else if (leader !== l) return undefined;
    }
    return leader;
  }

  private isStable(): boolean {
    const l = this.stableLeader();
    return l !== undefined && this.servers.get(l)!.fle!.state === ServerState.LEADING;
  }

  private describe(): string {
    return [...this.servers.values()]
      .map((s) =>
        s.up
          ? `${s.sid}:${SERVER_STATE_NAMES[s.fle!.state]}(${s.fle!.currentVote?.leader},r${s.fle!.logicalClock})`
          : `${s.sid}:down`,
      )
      .join(" ");
  }
}

/** Runs one seeded simulation. */
export function simulate(options: SimOptions): SimResult {
  return new ElectionSimulator(options).run();
}
