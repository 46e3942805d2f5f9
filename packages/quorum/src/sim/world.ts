/**
 * The simulated world of the whole-cluster simulator: one seeded event queue drives every member's clock, the
 * election and quorum networks, faults and clients. A member's timers and deliveries are events tagged with its
 * life (a restart is a new life: events of the old one are dropped) and held while it is paused.
 */
import type { Clock, TimerHandle } from "@zkts/contracts";
import { EventQueue, SimRandom } from "@zkts/election/testing";
import type { QuorumVerifier } from "@zkts/election";
import type { MemoryStorage } from "@zkts/persistence/testing";
import type { QuorumPeer } from "../peer.js";

/** Thrown by `World.fail`: a named invariant does not hold. */
export class InvariantViolation extends Error {
  constructor(
    readonly invariant: string,
    message: string,
  ) {
    super(`${invariant}: ${message}`);
  }
}

export interface SimFaults {
  /** Chance a quorum message breaks its connection (TCP reset / timeout). */
  breakRate: number;
  /** Chance an election notification is dropped / duplicated. */
  electionDropRate: number;
  electionDuplicateRate: number;
  /** Mean interval between crashes (crash with torn unsynced writes, restart from storage later). */
  crashEveryMs: number;
  /** Mean interval between partitions (some isolate the leader from the majority). */
  partitionEveryMs: number;
  /** Mean interval between pauses (longer than the session timeout). */
  pauseEveryMs: number;
}

export const DEFAULT_FAULTS: SimFaults = {
  breakRate: 0.002,
  electionDropRate: 0.02,
  electionDuplicateRate: 0.01,
  crashEveryMs: 6000,
  partitionEveryMs: 7000,
  pauseEveryMs: 9000,
};

/** One member slot: its storage outlives its lives. */
export interface Member {
  sid: bigint;
  /** The config it starts from (its zoo.cfg): the initial one, a joiner's, then each config it committed. */
  qv: QuorumVerifier;
  /** Its zoo.cfg.dynamic.next: the last config it saw proposed. */
  next: QuorumVerifier | undefined;
  storage: MemoryStorage;
  peer: QuorumPeer | undefined;
  life: number;
  up: boolean;
  paused: boolean;
  /** Events that fell due while paused: run (in order) on resume. */
  held: Array<() => void>;
}

/** An event: `fn` runs for member `sid` in life `life` (undefined: a world event, always run). */
export type Ev = { k: "run"; sid: bigint | undefined; life: number; fn: () => void };

export class World {
  readonly q = new EventQueue<Ev>();
  readonly rnd: SimRandom;
  now = 0;
  readonly members = new Map<bigint, Member>();
  partition: Map<bigint, number> | undefined;
  readonly trace: string[] | undefined;
  readonly faults: SimFaults;
  /** Set once the fault phase is over: no new faults, the network heals. */
  calm = false;

  constructor(
    seed: number,
    readonly quorum: QuorumVerifier,
    faults: Partial<SimFaults>,
    trace: boolean,
  ) {
    this.rnd = new SimRandom(seed);
    this.faults = { ...DEFAULT_FAULTS, ...faults };
    this.trace = trace ? [] : undefined;
  }

  log(line: string): void {
    this.trace?.push(`${String(this.now).padStart(8)} ${line}`);
  }

  /** The first violation: kept even when the throw lands inside a member (a host loop catches it) — the run stops there. */
  violation: InvariantViolation | undefined;

  fail(invariant: string, message: string): never {
    this.log(`VIOLATION ${invariant}: ${message}`);
    const v = new InvariantViolation(invariant, message);
    this.violation ??= v;
    throw v;
  }

  /** Runs `fn` at `at` if member `sid` is still in life `life` (held while it is paused); `sid` undefined: always. */
  at(at: number, sid: bigint | undefined, life: number, fn: () => void): void {
    this.q.push(Math.max(at, this.now), { k: "run", sid, life, fn });
  }

  /** Events of a resumed member, run (in order) before anything else, even events already due at this time. */
  private readonly resumed: Ev[] = [];

  /** A paused member resumes: what it missed runs first, in the order it fell due. */
  resume(m: Member): void {
    m.paused = false;
    for (const fn of m.held) this.resumed.push({ k: "run", sid: m.sid, life: m.life, fn });
    m.held = [];
  }

  /** Runs one event; false when the queue is empty. */
  step(): boolean {
    let ev = this.resumed.shift();
    if (ev === undefined) {
      const e = this.q.pop();
      if (e === undefined) return false;
      this.now = e.at;
      ev = e.ev;
    }
    if (ev.sid === undefined) {
      ev.fn();
      return true;
    }
    const m = this.members.get(ev.sid)!;
    if (!m.up || m.life !== ev.life) return true;
    if (m.paused) m.held.push(ev.fn);
    else ev.fn();
    return true;
  }

  reachable(a: bigint, b: bigint): boolean {
    if (a === b || this.partition === undefined) return true;
    return this.partition.get(a) === this.partition.get(b);
  }

  /** Network latency: mostly 1-20 ms, sometimes 50-300 ms. */
  delay(): number {
    return this.calm ? this.rnd.int(1, 5) : this.rnd.chance(0.05) ? this.rnd.int(50, 300) : this.rnd.int(1, 20);
  }

  /** A member's clock: the world's time; its timers are events of its life. */
  clockOf(m: Member): Clock {
    const life = m.life;
    const live = new Map<number, () => void>();
    let next = 1;
    const w = this;
    return {
      now: () => 1_700_000_000_000 + w.now,
      monotonic: () => w.now,
      setTimer(ms: number, fn: () => void): TimerHandle {
        const id = next++;
        live.set(id, fn);
        const d = Number.isFinite(ms) && ms > 0 ? ms : 0;
        w.at(w.now + d, m.sid, life, () => {
          const f = live.get(id);
          if (f === undefined) return;
          live.delete(id);
          f();
        });
        return { id };
      },
      clearTimer(h: TimerHandle): void {
        live.delete(h.id);
      },
    };
  }
}
