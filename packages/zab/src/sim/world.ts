/** The simulated cluster's state, shared by the simulator's modules (network, disks, host loop, clients, checker). */
import { ZabPeer } from "../peer.js";
import type { Packet } from "../packets.js";
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

export const TICK_MS = 100;
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

export interface Disk {
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  snap: Txn[]; // the durable snapshot's content (committed txns), in order
  log: Txn[];
  index: Map<bigint, Buffer>; // every durable txn (snapshot + log) by zxid
  unsynced: PersistOp[];
}

export interface Server {
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

export interface Conn {
  id: number;
  learner: bigint;
  leader: bigint;
  open: { learner: boolean; leader: boolean };
  broken: boolean;
  lastDelivery: { toLeader: number; toLearner: number };
  lifeOf: { learner: number; leader: number };
}

export type Ev =
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

/** One seed's world: the virtual clock and event queue, the servers, connections, global history and stats. */
export class SimWorld {
  readonly rnd: SimRandom;
  readonly q = new EventQueue<Ev>();
  readonly servers = new Map<bigint, Server>();
  readonly conns = new Map<number, Conn>();
  readonly quorum: Majority;
  readonly faults: SimFaults;
  readonly staleChance: number;
  now = 0;
  nextConn = 1;
  chaos = true;
  partition: Map<bigint, number> | null = null;
  nextClientReq = 1;
  stopClientsAt = Infinity;
  /** The globally committed sequence: every server's applied list must be a prefix of it. */
  readonly history: Txn[] = [];
  readonly acked: Txn[] = [];
  readonly epochLeaders = new Map<bigint, bigint>();
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

  constructor(readonly opts: SimOptions) {
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

  /** A peer restored from what the disk holds durably. */
  newPeer(sid: bigint, disk: Disk): ZabPeer {
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

  log(msg: string): void {
    if (this.opts.trace) this.trace.push(`${String(this.now).padStart(6)} ${msg}`);
  }

  fail(msg: string): never {
    throw new InvariantViolation(`t=${this.now}ms: ${msg}`);
  }
}
