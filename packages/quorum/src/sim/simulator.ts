/**
 * The whole-cluster simulator: N real QuorumPeers (real FastLeaderElection, ZabPeer, @zkts/core server, DataTree,
 * EnsembleStore on MemoryStorage) and simulated clients under one seeded event queue, with message delays, drops,
 * connection breaks, partitions (some isolate the leader from the majority), crashes with torn unsynced writes and
 * restarts from storage, and pauses longer than the session timeout. The invariants (checker.ts) are checked after
 * every event; then the faults stop, the network heals, every member is restarted and resumed, the clients leave,
 * and the healed, quiet ensemble must agree.
 *
 * One seed replays exactly: no real timers, randomness or wall time. The peers' promise chains (MemoryStorage,
 * the host loop) settle between events through `drain`, which the driver supplies (the test and the script pass a
 * setImmediate turn, deterministic with no real I/O pending) — this module never touches the event loop itself.
 */
import { nullLogger, type LogFields, type Logger } from "@zkts/contracts";
import { seededRandom } from "@zkts/contracts/testing";
import { parseQuorumConfig } from "@zkts/election";
import { generateDigest } from "@zkts/datatree";
import { MemoryStorage } from "@zkts/persistence/testing";
import { QuorumPeer } from "../peer.js";
import type { QuorumPeerFaults } from "../types.js";
import { Checker } from "./checker.js";
import { SimClient, SUPER, type ClientStats } from "./clients.js";
import { SimNetwork } from "./network.js";
import { InvariantViolation, World, type Member, type SimFaults } from "./world.js";

export interface SimOptions {
  seed: number;
  /** Voting members (3 or 5). */
  voters: number;
  /** Observers besides the voters (default 0). */
  observers?: number;
  /** Simulated milliseconds of the fault phase (default 20,000). */
  durationMs?: number;
  /** Simulated clients (default 4). */
  clients?: number;
  /** Injected bugs (the invariants must catch them). */
  bugs?: QuorumPeerFaults;
  faults?: Partial<SimFaults>;
  /** tickTime of every member (default 100 ms); sessions ask for 10 ticks. */
  tickTime?: number;
  /** snapCount (default 40: snapshots and log rolls happen often). */
  snapCount?: number;
  trace?: boolean;
  /**
   * reconfigEnabled on every member, spare members started with a joiner's config (the members and itself), and
   * client 0 issuing reconfigs as the super user (adds, removes, participant <-> observer, invalid ones and stale
   * fromConfig, which must be refused) through the fault phase.
   */
  reconfig?: boolean;
  /**
   * Reconfig only: non-incremental reconfigs too (`newMembers`: a whole member list from the world's members, any
   * number of members changed at once). Off by default so that the seeds pinned in tests replay as before.
   */
  reconfigNewMembers?: boolean;
  /** Spare members (reconfig only; default 2). */
  spares?: number;
  /** Injected host bug (reconfig only): a restarted member is not given its zoo.cfg.dynamic.next (last seen config). */
  forgetLastSeenConfig?: boolean;
  /** QuorumPeerInit.eagerElection of every member (default true); false: ZooKeeper's election timing. */
  eagerElection?: boolean;
}

export interface SimResult {
  ok: boolean;
  /** The violated invariant's name. */
  invariant?: string;
  violation?: string;
  /** Simulated milliseconds covered (fault phase and healing). */
  simulatedMs: number;
  events: number;
  stats: Record<string, number>;
  trace: string[];
}

/** Runs one simulation. `drain` lets pending promise callbacks run (e.g. `() => new Promise(r => setImmediate(r))`). */
export async function simulate(opts: SimOptions, drain: () => Promise<void>): Promise<SimResult> {
  const sim = new QuorumSimulator(opts, drain);
  return sim.run();
}

export class QuorumSimulator {
  readonly w: World;
  readonly net: SimNetwork;
  readonly checker: Checker;
  private readonly clients: SimClient[] = [];
  private readonly clientStats: ClientStats = { sessions: 0, reconnects: 0, expired: 0, closed: 0, requests: 0, acked: 0, failed: 0, reconfigs: 0, reconfigsOk: 0, reconfigsRefused: 0 };
  private readonly tickTime: number;
  private readonly stats = { crashes: 0, restarts: 0, partitions: 0, leaderIsolated: 0, pauses: 0, events: 0 };
  private readonly opening = new Set<Promise<void>>();

  constructor(
    private readonly opts: SimOptions,
    private readonly drain: () => Promise<void>,
  ) {
    const lines: [string, string][] = [];
    const voters = opts.voters;
    const observers = opts.observers ?? 0;
    for (let i = 1; i <= voters + observers; i++) {
      lines.push([`server.${i}`, `127.0.0.1:${2000 + i}:${3000 + i}${i > voters ? ":observer" : ""}`]);
    }
    this.w = new World(opts.seed, parseQuorumConfig(lines), opts.faults ?? {}, opts.trace === true);
    this.net = new SimNetwork(this.w);
    this.checker = new Checker(this.w);
    this.tickTime = opts.tickTime ?? 100;
    const spares = opts.reconfig === true ? (opts.spares ?? 2) : 0;
    for (let i = 1; i <= voters + observers + spares; i++) {
      const sid = BigInt(i);
      // a joiner's config: the members and itself as a participant (ZooKeeper's admin guide)
      const qv = i <= voters + observers ? this.w.quorum : parseQuorumConfig([...lines, [`server.${i}`, `127.0.0.1:${2000 + i}:${3000 + i}:participant`]]);
      this.w.members.set(sid, { sid, qv, next: undefined, storage: new MemoryStorage(), peer: undefined, life: 0, up: false, paused: false, held: [] });
    }
    this.initial = voters + observers;
  }

  /** The members of the initial config (the rest are spares). */
  private readonly initial: number;

  /** The members the healed ensemble must hold: the final config's (every member without reconfig). */
  private finalMembers(): Member[] {
    const all = [...this.w.members.values()];
    if (this.opts.reconfig !== true) return all;
    const cfg = this.checker.config;
    return all.filter((m) => cfg.allMembers.has(m.sid));
  }

  async run(): Promise<SimResult> {
    const w = this.w;
    const duration = this.opts.durationMs ?? 20_000;
    let violation: InvariantViolation | undefined;
    try {
      for (const m of w.members.values()) {
        // spares start once the ensemble had time to elect a leader
        if (m.sid <= BigInt(this.initial)) this.open(m);
        else
          w.at(w.rnd.int(1000, 3000), undefined, 0, () => {
            if (!m.up && !w.calm) this.open(m);
          });
      }
      await this.settle();
      for (let i = 0; i < (this.opts.clients ?? 4); i++) {
        const c = new SimClient(i, w, this.checker, this.clientStats, this.tickTime * 10, i === 0 && this.opts.reconfig === true, this.opts.reconfigNewMembers === true);
        this.clients.push(c);
        c.start();
      }
      this.scheduleFaults();
      await this.runUntil(() => w.now >= duration);
      await this.heal();
    } catch (e) {
      if (!(e instanceof InvariantViolation)) throw e;
      violation = w.violation ?? e;
    } finally {
      for (const m of w.members.values()) if (m.up) void m.peer?.shutdown().catch(() => {});
      await this.drain();
    }
    return {
      ok: violation === undefined,
      ...(violation !== undefined ? { invariant: violation.invariant, violation: violation.message } : {}),
      simulatedMs: w.now,
      events: this.stats.events,
      stats: { ...this.stats, ...this.checker.stats, ...prefixed("client_", this.clientStats) },
      trace: w.trace ?? [],
    };
  }

  /** Runs events (draining promises and checking invariants after each) until `done` or the queue is empty. */
  private async runUntil(done: () => boolean): Promise<void> {
    const w = this.w;
    while (!done()) {
      if (!w.step()) break;
      this.stats.events++;
      await this.settle();
      if (w.violation !== undefined) throw w.violation;
      for (const c of this.clients) c.poll();
      this.checker.everyStep();
    }
  }

  private async settle(): Promise<void> {
    await this.drain();
    while (this.opening.size > 0) {
      await Promise.all([...this.opening]);
      await this.drain();
    }
  }

  /** Opens member `m` from its storage (a new life) and starts it. */
  private open(m: Member): void {
    const w = this.w;
    m.life++;
    m.up = true;
    m.paused = false;
    m.held = [];
    const life = m.life;
    const p = QuorumPeer.open(
      {
        sid: m.sid,
        quorum: m.qv,
        tickTime: this.tickTime,
        initLimit: 10,
        syncLimit: 5,
        server: { tickTime: this.tickTime, ...(this.opts.reconfig === true ? { superDigest: generateDigest(SUPER), reconfigEnabled: true } : {}) },
        ...(this.opts.reconfig === true ? { reconfigEnabled: true, ...(m.next !== undefined && this.opts.forgetLastSeenConfig !== true ? { lastSeenQuorum: m.next } : {}) } : {}),
        finalizeWaitMs: 200,
        eagerElection: this.opts.eagerElection !== false,
        store: { dataDir: `/d${m.sid}`, dataLogDir: `/l${m.sid}`, forceSync: true, preAllocSize: 4096, snapCount: this.opts.snapCount ?? 40 },
        faults: this.opts.bugs ?? {},
      },
      {
        clock: w.clockOf(m),
        random: seededRandom(w.rnd.int(1, 2 ** 31 - 1)),
        logger: w.trace !== undefined ? this.traceLogger(m.sid) : nullLogger,
        electionLogger: nullLogger,
        storage: m.storage,
        electionNet: this.net.electionNet(m),
        quorumNet: this.net.quorumNet(m),
        onFatal: (e) => w.log(`${m.sid} fatal: ${String(e)}`),
        onConfigCommitted: (qv) => {
          if (m.life !== life) return;
          m.qv = qv; // the host's zoo.cfg: the next life starts from it
          this.checker.configCommitted(m.sid, qv);
          if (m.next !== undefined && m.next.version <= qv.version) m.next = undefined;
        },
        onConfigSeen: (qv) => {
          if (m.life === life) m.next = qv; // zoo.cfg.dynamic.next
        },
        onLeaderCommit: (zxid, acks) => {
          if (m.life === life) this.checker.leaderCommitted(m.sid, zxid, acks);
        },
      },
    ).then((peer) => {
      if (m.life !== life || !m.up) {
        void peer.shutdown().catch(() => {});
        return;
      }
      m.peer = peer;
      this.checker.watch(m, peer);
      peer.start();
      w.log(`${m.sid} opened (life ${life}) at ${hex(peer.tree.lastProcessedZxid)}, log to ${hex(peer.zab.lastZxid)}`);
    });
    const tracked = p.finally(() => this.opening.delete(tracked));
    this.opening.add(tracked);
  }

  /** The member's log lines (info and above) in the trace. */
  private traceLogger(sid: bigint): Logger {
    const line = (level: string) => (msg: string, fields?: LogFields) =>
      this.w.log(`${sid} [${level}] ${msg}${fields !== undefined ? ` ${JSON.stringify(fields, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}` : ""}`);
    return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
  }

  private crash(m: Member): void {
    const w = this.w;
    this.stats.crashes++;
    w.log(`${m.sid} CRASH${m.peer?.mode === "leader" ? " (leader)" : ""}`);
    const peer = m.peer;
    m.peer = undefined;
    m.up = false;
    m.paused = false;
    m.held = [];
    this.net.crashed(m.sid);
    void peer?.shutdown().catch(() => {});
    m.storage.crash({ torn: seededRandom(w.rnd.int(1, 2 ** 31 - 1)) });
  }

  private scheduleFaults(): void {
    const w = this.w;
    const f = w.faults;
    const every = (mean: number, fn: () => void) => {
      if (!(mean > 0) || !Number.isFinite(mean)) return;
      const loop = () => {
        if (w.calm) return;
        fn();
        w.at(w.now + w.rnd.int(1, 2 * mean), undefined, 0, loop);
      };
      w.at(w.now + w.rnd.int(1, 2 * mean), undefined, 0, loop);
    };
    every(f.crashEveryMs, () => {
      const ups = [...w.members.values()].filter((m) => m.up);
      if (ups.length === 0) return;
      // the leader half of the time
      const leader = ups.find((m) => m.peer?.mode === "leader");
      const m = leader !== undefined && w.rnd.chance(0.5) ? leader : w.rnd.pick(ups);
      this.crash(m);
      w.at(w.now + w.rnd.int(100, 3000), undefined, 0, () => {
        if (w.calm || m.up) return;
        this.stats.restarts++;
        this.open(m);
      });
    });
    every(f.partitionEveryMs, () => {
      if (w.partition !== undefined) return;
      this.stats.partitions++;
      const sids = [...w.members.keys()];
      const groups = new Map<bigint, number>();
      const leader = [...w.members.values()].find((m) => m.up && m.peer?.mode === "leader");
      const mode = w.rnd.int(0, 2);
      if (mode === 0 && leader !== undefined) {
        // the leader isolated from the majority (alone, or with one follower in a 5-member ensemble)
        this.stats.leaderIsolated++;
        const buddy = sids.length >= 5 && w.rnd.chance(0.5) ? w.rnd.pick(sids.filter((s) => s !== leader.sid)) : undefined;
        for (const s of sids) groups.set(s, s === leader.sid || s === buddy ? 1 : 0);
      } else {
        for (const s of sids) groups.set(s, w.rnd.int(0, mode === 0 ? 1 : mode));
      }
      w.partition = groups;
      w.log(`PARTITION ${sids.map((s) => `${s}:${groups.get(s)}`).join(" ")}`);
      this.net.breakAcrossPartition();
      w.at(w.now + w.rnd.int(500, 5000), undefined, 0, () => {
        w.partition = undefined;
        w.log("partition healed");
      });
    });
    every(f.pauseEveryMs, () => {
      const ups = [...w.members.values()].filter((m) => m.up && !m.paused);
      if (ups.length === 0) return;
      const m = w.rnd.pick(ups);
      const life = m.life;
      // longer than the session timeout (10 ticks) and than syncLimit
      const ms = w.rnd.int(this.tickTime * 12, this.tickTime * 40);
      this.stats.pauses++;
      m.paused = true;
      w.log(`${m.sid} PAUSE for ${ms} ms`);
      w.at(w.now + ms, undefined, 0, () => {
        if (m.life === life && m.paused) this.resume(m);
      });
    });
  }

  private resume(m: Member): void {
    const w = this.w;
    w.log(`${m.sid} resumes (${m.held.length} held events)`);
    w.resume(m);
  }

  /** No more faults: heal, resume, restart; clients leave; then the ensemble must converge and agree. */
  private async heal(): Promise<void> {
    const w = this.w;
    w.calm = true;
    w.partition = undefined;
    w.log("HEAL: no more faults; every member up");
    for (const m of w.members.values()) {
      if (!m.up) this.open(m);
      else if (m.paused) this.resume(m);
    }
    await this.settle();
    const start = w.now;
    const deadline = start + 120_000;
    const ms = () => this.finalMembers();
    const serving = () => {
      if (!ms().every((m) => m.up && m.peer !== undefined && m.peer.isServing)) return false;
      if (ms().filter((m) => m.peer!.zab.isActiveLeader).length !== 1) return false;
      return ms().every((m) => m.peer!.zab.isActiveLeader || m.peer!.zab.isActiveLearner);
    };
    await this.runUntil(() => serving() || w.now >= deadline);
    // A quiet network with every member serving: the clients go on for a while, and none of their sessions may
    // expire while its client holds it on a connection to a serving member (its pings reach the leader).
    const quietFrom = w.now;
    this.checker.onExpiry = (sessionId, zxid) => {
      for (const c of this.clients) {
        const live = c.liveSession();
        if (live === undefined || live.sessionId !== sessionId) continue;
        const from = Math.max(live.since, quietFrom);
        if (w.now - from > live.timeout) {
          w.fail(
            "live sessions survive a quiet network",
            `session ${hex(sessionId)} expired at ${hex(zxid)} while client${c.id} has held it on ${live.member} since ${live.since} ms (quiet since ${quietFrom} ms, timeout ${live.timeout} ms)`,
          );
        }
      }
    };
    await this.runUntil(() => w.now >= quietFrom + this.tickTime * 10 * 3 || w.now >= deadline);
    for (const c of this.clients) c.idle = true; // sessions kept alive by pings alone
    await this.runUntil(() => w.now >= quietFrom + this.tickTime * 10 * 6 || w.now >= deadline);
    for (const c of this.clients) c.stopped = true;
    // sessions of departed clients expire after their timeout
    const quietAfter = w.now + this.tickTime * 20 * 3;
    const converged = () => {
      if (!serving()) return false;
      const zx = ms().map((m) => m.peer!.tree.lastProcessedZxid);
      return zx.every((z) => z === zx[0]) && ms().every((m) => m.peer!.store.sessions.size === 0);
    };
    await this.runUntil(() => (w.now >= quietAfter && converged()) || w.now >= deadline);
    if (!converged()) {
      w.fail(
        "the healed ensemble converges",
        `not within ${deadline - start} ms: ${ms().map((m) => `${m.sid}:${m.peer?.mode ?? "down"}${m.peer?.isServing === true ? "+serving" : ""} ${hex(m.peer?.tree.lastProcessedZxid ?? 0n)} sessions ${m.peer?.store.sessions.size ?? "-"}`).join("; ")}`,
      );
    }
    this.checker.final(this.finalMembers());
  }
}

const hex = (z: bigint) => `0x${z.toString(16)}`;

function prefixed(p: string, o: object): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [p + k, v as number]));
}
