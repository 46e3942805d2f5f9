/**
 * The learner's broadcast (Follower.processPacket / Observer.processPacket, also the proposals of the sync
 * stream): PROPOSAL (log, ACK once durable), COMMIT, INFORM.
 */
import { type Packet, PacketType, opPacket, parseActivate, zxidHex } from "./packets.js";
import { type LearnerPhase, type LearnerState, protocolError } from "./learner-state.js";
import type { PeerCore } from "./peer-core.js";
import type { Txn } from "./types.js";

/** Learner phases in which a PROPOSAL is expected (the sync stream's and the broadcast's). */
const PROPOSAL_PHASES: ReadonlySet<LearnerPhase> = new Set(["syncing", "newLeaderPending", "awaitingUptodate", "broadcast"]);

export function onProposal(c: PeerCore, lr: LearnerState, conn: number, p: Packet): void {
  if (!PROPOSAL_PHASES.has(lr.phase)) {
    return protocolError(c, conn, "unexpected PROPOSAL");
  }
  // A ZooKeeper leader starts forwarding to a learner it SNAPs from the zxid it read before the SNAP packet's (its
  // tree moves on in between: LearnerHandler.syncFollower, then run()), so proposals and commits at or below the
  // snapshot's zxid may follow it. Their txns are in the snapshot and committed: Learner.syncWithLeader applies them
  // again (idempotent); here they are skipped.
  if (lr.snapBase !== undefined && p.zxid <= lr.snapBase) return;
  if (p.zxid <= c.lastZxid) return protocolError(c, conn, `PROPOSAL ${zxidHex(p.zxid)} not after ${zxidHex(c.lastZxid)}`);
  // Follower.processPacket (proposals while synchronising are Learner.syncWithLeader's, not counted)
  if (lr.phase === "broadcast") c.m.learnerProposals.inc();
  const txn: Txn = { zxid: p.zxid, data: p.data ?? Buffer.alloc(0) };
  c.log.push(txn);
  if (c.init.bugs.ackBeforeFsync) {
    if (!lr.observer && lr.ackEnabled) c.send(conn, opPacket(PacketType.ACK, txn.zxid));
    c.deferredAppends.push(txn);
    return;
  }
  // one continuation for a burst of proposals (see appendDurablyRun); still one ACK per txn, as ZooKeeper's leader expects
  if (lr.acker?.conn !== conn) lr.acker = { conn, fn: acker(c, lr, conn, c.gen) };
  c.appendDurablyRun(txn, lr.acker.fn);
}

/**
 * ACKs durable proposals to the leader on `conn` (none once this role ended, from an observer, or before ACKs are
 * enabled). Runs once they are durable (advance), so the ACKs need nothing of the next Ready's persist ops: they go
 * early, while the host writes that Ready's proposals (were sent after its fsync: one fsync more per ACK under load).
 */
function acker(c: PeerCore, lr: LearnerState, conn: number, gen: number): (txns: Txn[]) => void {
  return (txns) => {
    if (gen !== c.gen || lr.observer || !lr.ackEnabled) return;
    for (const t of txns) c.sendEarly(conn, opPacket(PacketType.ACK, t.zxid));
  };
}

export function onCommit(c: PeerCore, lr: LearnerState, conn: number, p: Packet): void {
  if (lr.snapBase !== undefined && p.zxid <= lr.snapBase) return; // in the snapshot (see onProposal)
  if (!c.hasZxid(p.zxid)) return protocolError(c, conn, `COMMIT of unknown ${zxidHex(p.zxid)}`);
  if (lr.phase === "broadcast") c.m.learnerCommits.inc();
  c.commitUpTo(p.zxid);
}

/** Observers: a committed txn, logged and applied at once. */
export function onInform(c: PeerCore, lr: LearnerState, conn: number, p: Packet): void {
  if (!lr.observer) return protocolError(c, conn, "INFORM to a follower");
  if (p.zxid <= c.lastZxid) return;
  const txn: Txn = { zxid: p.zxid, data: p.data ?? Buffer.alloc(0) };
  c.log.push(txn);
  c.appendDurably([txn]);
  c.commitUpTo(txn.zxid);
}

/**
 * COMMITANDACTIVATE (followers) / INFORMANDACTIVATE (observers): a committed reconfig txn, then its activation
 * (Follower / Observer.processPacket -> QuorumPeer.processReconfig, done by the host on the `activate` event).
 */
export function onActivate(c: PeerCore, lr: LearnerState, conn: number, p: Packet): void {
  let a;
  try {
    a = parseActivate(p);
  } catch (e) {
    return protocolError(c, conn, (e as Error).message);
  }
  if (p.type === PacketType.INFORMANDACTIVATE) {
    if (!lr.observer) return protocolError(c, conn, "INFORMANDACTIVATE to a follower");
    if (p.zxid > c.lastZxid) {
      const txn: Txn = { zxid: p.zxid, data: a.txn };
      c.log.push(txn);
      c.appendDurably([txn]);
    }
  } else if (!c.hasZxid(p.zxid)) return protocolError(c, conn, `COMMITANDACTIVATE of unknown ${zxidHex(p.zxid)}`);
  if (lr.phase === "broadcast" && p.type === PacketType.COMMITANDACTIVATE) c.m.learnerCommits.inc();
  c.commitUpTo(p.zxid);
  c.pending.events.push({ type: "activate", zxid: p.zxid, leader: a.designatedLeader });
}
