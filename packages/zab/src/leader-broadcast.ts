/**
 * The leader's broadcast (Leader.propose / processAck / tryToCommit): PROPOSAL, ACK counting against every config
 * in force (the active one and a pending reconfig's), COMMIT / INFORM, and for a reconfig txn COMMITANDACTIVATE /
 * INFORMANDACTIVATE with the designated leader.
 */
import { type Packet, PacketType, commitAndActivatePacket, makeZxid, opPacket } from "./packets.js";
import { NotLeaderError } from "./errors.js";
import { type LeaderState, type Outstanding, isForwarding } from "./leader-state.js";
import { informObserver } from "./leader-sync.js";
import type { PeerCore } from "./peer-core.js";
import type { Txn, ZabQuorum } from "./types.js";

const MAX_COUNTER = 0xffffffffn;

/**
 * A client request turned into a txn: logged, sent to the followers, committed once a quorum ACKed it. `activates`:
 * the txn is a reconfig to that config (Leader.propose: setLastSeenQuorumVerifier); from it on, until it commits,
 * every proposal needs a quorum of the active config and of the new one.
 */
export function propose(c: PeerCore, data: Buffer, activates?: ZabQuorum): bigint {
  const ls = c.leaderState;
  if (!ls || ls.phase !== "broadcast") throw new NotLeaderError(`server ${c.sid} is not an active leader`);
  if (ls.counter >= MAX_COUNTER) {
    // ZooKeeper: the counter would roll over; force a new election (and a new epoch).
    c.goLooking("zxid counter exhausted");
    throw new NotLeaderError("zxid counter exhausted");
  }
  ls.counter++;
  c.m.proposals.inc();
  const zxid = makeZxid(ls.epoch, ls.counter);
  const txn: Txn = { zxid, data };
  c.log.push(txn);
  if (activates !== undefined) ls.pendingConfigs.push(activates);
  const o: Outstanding = { zxid, acks: new Set(), quorums: quorumsNow(c, ls) };
  if (activates !== undefined) o.activates = activates;
  ls.outstanding.push(o);
  // The leader's own ACK once the txn is durable: one continuation for a burst of proposals (see appendDurablyRun).
  c.appendDurablyRun(txn, (ls.selfAck ??= selfAck(c, ls, c.gen)));
  // As ZooKeeper's leader: the proposal goes to the followers while the leader logs it (its own ACK counts
  // only once its log write is durable).
  const pkt: Packet = { type: PacketType.PROPOSAL, zxid, data };
  for (const h of ls.handlers.values()) {
    if (!h.observer && isForwarding(h.state)) c.sendEarly(h.conn, pkt);
  }
  return zxid;
}

/**
 * The configs whose quorums a new proposal needs: the active one, and those of reconfigs not yet committed. Without
 * a pending reconfig every proposal shares one array (never mutated), instead of a new one each.
 */
function quorumsNow(c: PeerCore, ls: LeaderState): ZabQuorum[] {
  if (ls.pendingConfigs.length > 0 && !c.init.bugs.reconfigOldQuorumOnly) return [c.quorum, ...ls.pendingConfigs];
  if (ls.soloQuorum?.[0] !== c.quorum) ls.soloQuorum = [c.quorum];
  return ls.soloQuorum;
}

/** The leader's ACK of its own proposals once they are durable (ignored once this term ended). */
function selfAck(c: PeerCore, ls: LeaderState, gen: number): (txns: Txn[]) => void {
  return (txns) => {
    if (gen !== c.gen || c.leaderState !== ls) return;
    const q = ls.outstanding;
    for (const t of txns) q.get(t.zxid)?.acks.add(c.sid);
    commitReady(c, ls);
  };
}

/** An ACK from `sid`: commit in zxid order what a quorum holds. */
export function leaderAck(c: PeerCore, ls: LeaderState, sid: bigint, zxid: bigint): void {
  const q = ls.outstanding;
  const o = q.get(zxid);
  if (!o) return; // already committed or unknown
  o.acks.add(sid);
  // Only the first outstanding proposal can commit next, and commitReady left it not held (or nothing may commit):
  // an ACK of a later one changes nothing yet (its proposal commits once the ones before it do).
  if (o === q.first()) commitReady(c, ls);
}

/** Commits, in zxid order, the outstanding proposals a quorum holds, up to the first one it does not (Leader.tryToCommit). */
function commitReady(c: PeerCore, ls: LeaderState): void {
  const bugNoQuorum = c.init.bugs.commitWithoutQuorum === true;
  const q = ls.outstanding;
  for (let p = q.first(); p !== undefined; p = q.first()) {
    if (ls.handedOverTo !== undefined) return; // allowedToCommit = false
    if (bugNoQuorum ? p.acks.size === 0 : !heldByAll(p)) break;
    q.shift();
    const z = p.zxid;
    c.m.commits.inc(); // Leader.commit
    c.onLeaderCommit?.(z, p.acks);
    c.commitUpTo(z);
    if (p.activates !== undefined) {
      commitAndActivate(c, ls, z, p.activates, p.acks);
      continue;
    }
    let commit: Packet | undefined;
    for (const h of ls.handlers.values()) {
      if (!isForwarding(h.state)) continue;
      if (h.observer) informObserver(c, h);
      // A COMMIT needs only the quorum's ACKs, all received: it goes early, while the host persists the Ready it is
      // in (after the PROPOSAL on that connection, sent in an earlier Ready or earlier in this one's early list).
      else c.sendEarly(h.conn, (commit ??= opPacket(PacketType.COMMIT, z)));
    }
  }
}

/** Whether a quorum of every config the proposal needs ACKed it. */
function heldByAll(p: Outstanding): boolean {
  const qs = p.quorums;
  for (let i = 0; i < qs.length; i++) if (!qs[i]!.containsQuorum(p.acks)) return false;
  return true;
}

/**
 * Leader.tryToCommit for a reconfig: the new config becomes the active one, followers get COMMITANDACTIVATE and
 * observers INFORMANDACTIVATE with the designated leader; a leader that designated another one steps down
 * (ZooKeeper's allowedToCommit=false: nothing more commits; it goes LOOKING at its next tick, once the packets are
 * out) and the members elect again.
 */
function commitAndActivate(c: PeerCore, ls: LeaderState, zxid: bigint, next: ZabQuorum, acks: Set<bigint>): void {
  const designated = designatedLeader(c, ls, zxid, next, acks);
  c.quorum = next;
  ls.pendingConfigs.shift();
  ls.activations.set(zxid, designated);
  for (const h of ls.handlers.values()) {
    if (!isForwarding(h.state)) continue;
    if (h.observer) informObserver(c, h);
    else c.send(h.conn, commitAndActivatePacket(zxid, designated));
  }
  c.pending.events.push({ type: "activate", zxid, leader: designated });
  if (designated !== c.sid) ls.handedOverTo = designated;
}

/**
 * Leader.getDesignatedLeader: this leader if it votes in the new config; else, among the new config's voters that
 * acknowledged the reconfig, the one that acknowledged the most of the proposals after it (smallest sid first, as
 * the iteration of Java's HashSet<Long> of small ids). (ZooKeeper also requires the same quorum address; zab does
 * not know addresses.)
 */
function designatedLeader(c: PeerCore, ls: LeaderState, zxid: bigint, next: ZabQuorum, acks: Set<bigint>): bigint {
  if (next.votingMembers.has(c.sid)) return c.sid;
  const byId = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
  let candidates = [...acks].filter((s) => s !== c.sid && next.votingMembers.has(s)).sort(byId);
  if (candidates.length === 0) return c.sid; // cannot happen: a quorum of the new config acknowledged it
  let cur = candidates[0]!;
  // The outstanding proposals after it, in order: keep the candidates that acknowledged each.
  for (const p of ls.outstanding) {
    if (p.zxid <= zxid) continue;
    for (const _q of p.quorums) {
      candidates = candidates.filter((s) => p.acks.has(s));
      if (candidates.length === 0) return cur;
      cur = candidates[0]!;
      if (candidates.length === 1) return cur;
    }
  }
  return cur;
}
