/**
 * The leader's synchronisation of learners (LearnerHandler.syncFollower, Leader.waitForNewLeaderAck): DIFF, TRUNC
 * or SNAP, the txns the learner lacks, NEWLEADER; the NEWLEADER quorum; UPTODATE; observers' INFORMs.
 */
import { PacketType, UPTODATE_PACKET, epochOf, informAndActivatePacket, newLeaderPacket, opPacket } from "./packets.js";
import { type Handler, type LeaderState, isForwarding } from "./leader-state.js";
import type { PeerCore } from "./peer-core.js";

/** LearnerHandler.syncFollower: DIFF, TRUNC or SNAP, then the txns the learner lacks, then NEWLEADER. */
export function syncLearner(c: PeerCore, ls: LeaderState, h: Handler): void {
  const peerLast = h.peerLastZxid;
  const last = c.lastZxid;
  const observer = h.observer;
  // Observers are sent committed txns only (later ones come as INFORM); participants every logged txn.
  const sendUpTo = observer ? c.commitZxid : last;
  let from: bigint; // txns with zxid > from are sent
  if (ls.phase === "broadcast" && peerLast > c.commitZxid && (peerLast & 0xffffffffn) !== 0n) {
    // An established leader's txns above its commit point are outstanding proposals: a learner that logged some of
    // them (its ACKs may have been lost with its connection) is cut back to the commit point and sent them again,
    // and ACKs them once logged (LearnerHandler.syncFollower: peerLastZxid > maxCommittedLog -> TRUNC to it, then
    // Leader.startForwarding resends the outstanding proposals). A DIFF from its last zxid left such a proposal
    // without those ACKs for good: nothing after it could commit (simulator, seed 201).
    c.send(h.conn, opPacket(PacketType.TRUNC, c.commitZxid));
    c.m.diffSyncs.inc();
    from = c.commitZxid;
  } else if (peerLast === last || (peerLast >= c.baseZxid && c.hasZxid(peerLast))) {
    c.send(h.conn, opPacket(PacketType.DIFF, c.commitZxid));
    c.m.diffSyncs.inc(); // LearnerHandler.syncFollower counts DIFF and TRUNC syncs as diff_count
    from = peerLast;
  } else if (peerLast > c.baseZxid) {
    // The learner has txns we do not: cut back to the newest txn we share (<= its last zxid).
    const p = c.prevZxid(peerLast);
    c.send(h.conn, opPacket(PacketType.TRUNC, p));
    c.m.diffSyncs.inc();
    from = p;
  } else {
    const at = c.appliedZxid;
    c.send(h.conn, opPacket(PacketType.SNAP, at));
    c.pending.messages.push({ conn: h.conn, snapshotAt: at });
    c.m.snapSyncs.inc();
    from = at;
  }

  const history: bigint[] = [];
  for (const t of c.log) {
    if (t.zxid <= from || t.zxid > sendUpTo) continue;
    c.send(h.conn, { type: PacketType.PROPOSAL, zxid: t.zxid, data: t.data });
    if (t.zxid <= c.commitZxid) c.send(h.conn, opPacket(PacketType.COMMIT, t.zxid));
    else if (epochOf(t.zxid) < ls.epoch) history.push(t.zxid);
  }
  if (history.length > 0) h.historyToCommit = history;
  h.informedZxid = c.commitZxid;
  c.send(h.conn, newLeaderPacket(ls.epoch, c.newLeaderConfig(ls.epoch)));
  h.state = "syncing";
}

/** The ACK of NEWLEADER (counter 0 of the new epoch); other counter-0 ACKs (after UPTODATE, stale) are ignored. */
export function onNewLeaderAck(c: PeerCore, ls: LeaderState, h: Handler, zxid: bigint): void {
  if (h.state === "syncing" && epochOf(zxid) === ls.epoch) {
    h.state = "newLeaderAcked";
    if (!h.observer) ls.newLeaderAcks.add(h.sid!);
    if (ls.phase === "broadcast") sendUptodate(c, h);
    else checkNewLeaderQuorum(c, ls);
  }
}

/** Leader.waitForNewLeaderAck: a quorum acknowledged NEWLEADER; the leader becomes active. */
export function checkNewLeaderQuorum(c: PeerCore, ls: LeaderState): void {
  if (ls.phase !== "sync" || !c.allQuorums(ls.newLeaderAcks)) return;
  ls.phase = "broadcast";
  // a pending config is the active one from now on (Leader.startZkServer -> processReconfig)
  const pending = ls.pendingConfigs.pop();
  if (pending !== undefined) c.quorum = pending;
  ls.pendingConfigs = [];
  // The whole initial history (everything logged before the new epoch) is now committed.
  c.commitUpTo(c.lastZxid);
  for (const h of ls.handlers.values()) {
    if (h.observer && isForwarding(h.state)) informObserver(c, h);
    if (h.state === "newLeaderAcked") sendUptodate(c, h);
  }
  c.pending.events.push({ type: "active", epoch: ls.epoch, config: c.newLeaderConfig(ls.epoch) });
}

/**
 * UPTODATE, then a COMMIT for each initial-history txn the learner was sent without one: a ZooKeeper learner logs
 * such proposals as pending at NEWLEADER and expects their COMMITs, in order, before any of the new epoch's (it
 * exits otherwise: "Committing zxid ... but next pending txn ..."); ZooKeeper's own leader sends its whole history
 * committed. A zkts learner has committed them at UPTODATE already: the COMMITs are no-ops there.
 */
function sendUptodate(c: PeerCore, h: Handler): void {
  c.send(h.conn, UPTODATE_PACKET);
  h.state = "uptodate";
  for (const z of h.historyToCommit ?? []) if (z <= c.commitZxid) c.send(h.conn, opPacket(PacketType.COMMIT, z));
  h.historyToCommit = undefined;
}

/** INFORM the observer of every committed txn it has not been sent yet (INFORMANDACTIVATE for a reconfig). */
export function informObserver(c: PeerCore, h: Handler): void {
  const activations = c.leaderState?.activations;
  for (let i = c.indexAfter(h.informedZxid); i < c.log.length; i++) {
    const t = c.log[i]!;
    if (t.zxid > c.commitZxid) break;
    const designated = activations?.get(t.zxid);
    if (designated !== undefined) c.send(h.conn, informAndActivatePacket(t.zxid, designated, t.data));
    else c.send(h.conn, { type: PacketType.INFORM, zxid: t.zxid, data: t.data });
  }
  h.informedZxid = c.commitZxid;
}
