/**
 * `ZabPeer`: the public face of one ZAB peer. It routes the host's inputs to the role's modules:
 * peer-core.ts (durable epochs, log window, Ready/persist bookkeeping), leader*.ts (discovery, sync, broadcast,
 * LearnerHandler dispatch and heartbeats) and learner*.ts (registration, sync, broadcast, heartbeats).
 */
import type { Packet } from "./packets.js";
import { propose } from "./leader-broadcast.js";
import { tryDecideEpoch } from "./leader-discovery.js";
import { dropHandler, newLeaderState } from "./leader-state.js";
import { acceptLearner, leaderStep, leaderTick } from "./leader.js";
import { onSnapshotBytes } from "./learner-sync.js";
import { learnerConnected, learnerStep, learnerTick, startLearner } from "./learner.js";
import { PeerCore } from "./peer-core.js";
import type { Outbound, Ready, Role, Txn, ZabComponents, ZabInit, ZabQuorum, ZabRestore } from "./types.js";

export { NotLeaderError } from "./errors.js";

/**
 * One ZAB peer: leader, follower or observer, as a pure state machine (no clock, no I/O, no randomness).
 *
 * Inputs: `lead()` / `follow(sid)` / `observe(sid)` (the election's decision), `connected(conn)`,
 * `connectFailed()`, `accepted(conn)`, `closed(conn)`, `step(conn, packet)`, `stepSnapshot(conn, bytes)`,
 * `tick()`, `propose(data)`. Output: `ready()` -> persist, send, apply -> `advance()`.
 */
export class ZabPeer {
  readonly sid: bigint;
  private readonly c: PeerCore;

  constructor(init: ZabInit, restore: ZabRestore, components: ZabComponents = {}) {
    this.c = new PeerCore(init, restore, components);
    this.sid = init.sid;
  }

  // ---------------------------------------------------------------- observers of state

  get role(): Role {
    return this.c.role;
  }
  /** Durable accepted epoch (the last epoch this peer acknowledged in discovery). */
  get acceptedEpoch(): bigint {
    return this.c.acceptedEpoch;
  }
  /** Durable current epoch (the last epoch whose NEWLEADER this peer accepted). */
  get currentEpoch(): bigint {
    return this.c.currentEpoch;
  }
  get lastZxid(): bigint {
    return this.c.lastZxid;
  }
  get commitZxid(): bigint {
    return this.c.commitZxid;
  }
  /** The newest txn of this peer's log known durable (the host persisted every Ready handed out before the current one). */
  get durableZxid(): bigint {
    return this.c.durableZxid;
  }
  /** The epoch this peer leads in, once the epoch is decided. */
  get leaderEpoch(): bigint | undefined {
    return this.c.leaderState?.epochDecided ? this.c.leaderState.epoch : undefined;
  }
  get isEstablishedLeader(): boolean {
    return this.c.role === "leading" && this.c.leaderState!.established;
  }
  /** Leader in the broadcast phase: `propose` is accepted. */
  get isActiveLeader(): boolean {
    return this.c.role === "leading" && this.c.leaderState!.phase === "broadcast";
  }
  get isActiveLearner(): boolean {
    return this.c.learnerState?.phase === "broadcast";
  }
  /**
   * ZooKeeper's QuorumPeer.ZabState, lower-cased as `zk_peer_state` prints it: "election" while looking, then
   * "discovery" (epoch agreement), "synchronization" (DIFF/TRUNC/SNAP up to UPTODATE) and "broadcast".
   */
  get zabState(): "election" | "discovery" | "synchronization" | "broadcast" {
    if (this.c.role === "leading") {
      const phase = this.c.leaderState!.phase;
      return phase === "sync" ? "synchronization" : phase;
    }
    const lr = this.c.learnerState;
    if (this.c.role === "looking" || lr === undefined) return "election";
    switch (lr.phase) {
      case "connecting":
      case "registering":
      case "epochPending":
        return "discovery";
      case "broadcast":
        return "broadcast";
      default:
        return "synchronization";
    }
  }
  get followingSid(): bigint | undefined {
    return this.c.learnerState?.leader;
  }
  /** The in-memory log window (for checkers and hosts). */
  logWindow(): readonly Txn[] {
    return this.c.log;
  }
  /** Sids of the learners the leader counts as synced (itself included), for `stat`/`mntr`. */
  syncedLearners(): bigint[] {
    const ls = this.c.leaderState;
    if (!ls) return [];
    const out = [this.sid];
    for (const h of ls.handlers.values()) if (h.sid !== undefined && h.state === "uptodate") out.push(h.sid);
    return out;
  }

  /** Leader: the followers (not observers) up to date with it (Leader.isQuorumSynced's forwardingFollowers). */
  syncedFollowers(): bigint[] {
    const ls = this.c.leaderState;
    if (!ls) return [];
    const out: bigint[] = [];
    for (const h of ls.handlers.values()) if (h.sid !== undefined && h.state === "uptodate" && !h.observer) out.push(h.sid);
    return out;
  }

  // ---------------------------------------------------------------- Ready / advance

  hasReady(): boolean {
    return this.c.hasReady();
  }

  /** Takes the pending batch. Until `advance()`, `step`/`tick` may go on; their output waits for the next Ready. */
  ready(): Ready {
    return this.c.ready();
  }

  /**
   * While a Ready is being persisted: the messages of the pending batch that may go now (those that need nothing
   * durable: proposals, COMMITs, ACKs of durable txns), except on connections where the Ready in flight still has
   * messages to send once it is durable (they must not be overtaken). The host sends them at once instead of with
   * the next Ready, after the in-flight fsync (as ZooKeeper's leader, which sends a PROPOSAL without waiting for its
   * own log).
   */
  takeEarly(): Outbound[] {
    return this.c.takeEarly();
  }

  /** The host persisted, sent and applied the last Ready. */
  advance(): void {
    this.c.advance();
  }

  // ---------------------------------------------------------------- role changes (from the election)

  /** Become leader (LEADING): discovery starts with our own accepted epoch. */
  lead(): void {
    this.c.reset("leading");
    this.c.leaderState = newLeaderState(this.c);
    tryDecideEpoch(this.c);
  }

  follow(leader: bigint): void {
    startLearner(this.c, leader, false);
  }

  observe(leader: bigint): void {
    startLearner(this.c, leader, true);
  }

  /** Back to LOOKING (shutdown of the current role). */
  stop(reason = "stopped"): void {
    this.c.stop(reason);
  }

  // ---------------------------------------------------------------- connections

  /** Leader: a learner connected to our quorum port. */
  accepted(conn: number): void {
    const ls = this.c.leaderState;
    if (!ls) {
      this.c.pending.close.push(conn);
      return;
    }
    acceptLearner(this.c, ls, conn);
  }

  /** Learner: the connection to the leader is open. */
  connected(conn: number): void {
    learnerConnected(this.c, conn);
  }

  /** Learner: the connection attempt failed; retried on the next tick until initLimit. */
  connectFailed(): void {
    const lr = this.c.learnerState;
    if (lr && lr.phase === "connecting") lr.connectPending = false;
  }

  closed(conn: number): void {
    const c = this.c;
    const ls = c.leaderState;
    if (ls) {
      const h = ls.handlers.get(conn);
      if (h) dropHandler(c, h, "connection closed", false);
      return;
    }
    const lr = c.learnerState;
    if (lr && lr.conn === conn) {
      lr.conn = undefined;
      c.goLooking("connection to leader closed");
    }
  }

  // ---------------------------------------------------------------- time

  tick(): void {
    const c = this.c;
    c.ticks++;
    const ls = c.leaderState;
    if (ls) return leaderTick(c, ls);
    const lr = c.learnerState;
    if (lr) return learnerTick(c, lr);
  }

  // ---------------------------------------------------------------- input

  step(conn: number, p: Packet): void {
    const c = this.c;
    const ls = c.leaderState;
    if (ls) {
      const h = ls.handlers.get(conn);
      if (!h) return; // stale connection
      h.lastHeard = c.ticks;
      leaderStep(c, ls, h, p);
      return;
    }
    const lr = c.learnerState;
    if (lr && lr.conn === conn) {
      lr.lastHeard = c.ticks;
      learnerStep(c, lr, p);
    }
  }

  /** Learner: the snapshot stream that followed a SNAP packet (opaque bytes written by the leader's host). */
  stepSnapshot(conn: number, data: Buffer): void {
    const lr = this.c.learnerState;
    if (!lr || lr.conn !== conn) return;
    lr.lastHeard = this.c.ticks;
    onSnapshotBytes(this.c, lr, conn, data);
  }

  /**
   * Leader: a client request turned into a txn. Returns its zxid; the txn comes back in `Ready.committed`.
   * `activates`: the txn is a reconfig to that config (see `Outstanding`); its commit is followed by an `activate`
   * event.
   */
  propose(data: Buffer, activates?: ZabQuorum): bigint {
    return propose(this.c, data, activates);
  }

  /** The active config's quorum rule. */
  get quorum(): ZabQuorum {
    return this.c.quorum;
  }

  /**
   * The host activated a config (a learner's reconfig, a NEWLEADER config adopted, a restart): quorums are counted
   * with it from now on. A leader with a reconfig of its own pending keeps counting that one too.
   */
  setQuorum(q: ZabQuorum): void {
    this.c.quorum = q;
  }
}
