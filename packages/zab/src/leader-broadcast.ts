/** The leader's broadcast (Leader.propose / processAck / tryToCommit): PROPOSAL, ACK counting, COMMIT / INFORM. */
import { type Packet, PacketType, makeZxid, opPacket } from "./packets.js";
import { NotLeaderError } from "./errors.js";
import { type LeaderState, isForwarding } from "./leader-state.js";
import { informObserver } from "./leader-sync.js";
import type { PeerCore } from "./peer-core.js";
import type { Txn } from "./types.js";

const MAX_COUNTER = 0xffffffffn;

/** A client request turned into a txn: logged, sent to the followers, committed once a quorum ACKed it. */
export function propose(c: PeerCore, data: Buffer): bigint {
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
  ls.outstanding.set(zxid, new Set());
  const gen = c.gen;
  c.appendDurably([txn], () => {
    if (gen !== c.gen || !c.leaderState) return;
    leaderAck(c, c.leaderState, c.sid, zxid);
  });
  // As ZooKeeper's leader: the proposal goes to the followers while the leader logs it (its own ACK counts
  // only once its log write is durable).
  const pkt: Packet = { type: PacketType.PROPOSAL, zxid, data };
  for (const h of ls.handlers.values()) {
    if (!h.observer && isForwarding(h.state)) c.sendEarly(h.conn, pkt);
  }
  return zxid;
}

/** An ACK from `sid` (or the leader's own, once durable): commit in zxid order what a quorum holds. */
export function leaderAck(c: PeerCore, ls: LeaderState, sid: bigint, zxid: bigint): void {
  const acks = ls.outstanding.get(zxid);
  if (!acks) return; // already committed or unknown
  acks.add(sid);
  // Commit in zxid order (Leader.tryToCommit).
  for (const [z, set] of ls.outstanding) {
    const ok = c.init.bugs.commitWithoutQuorum ? set.size > 0 : c.init.quorum.containsQuorum(set);
    if (!ok) break;
    ls.outstanding.delete(z);
    c.m.commits.inc(); // Leader.commit
    c.commitUpTo(z);
    for (const h of ls.handlers.values()) {
      if (!isForwarding(h.state)) continue;
      if (h.observer) informObserver(c, h);
      else c.send(h.conn, opPacket(PacketType.COMMIT, z));
    }
  }
}
