/**
 * The leader's side of each learner connection (LearnerHandler): accepting it, dispatching its packets to
 * discovery, sync and broadcast, and the heartbeats (PING every tick; learners silent past syncLimit/initLimit are
 * dropped; "not sufficient followers synced" ends the term).
 */
import { type Packet, PACKET_NAMES, PacketType, counterOf, makeZxid, opPacket } from "./packets.js";
import { leaderAck } from "./leader-broadcast.js";
import { onAckEpoch, onLearnerInfo } from "./leader-discovery.js";
import { type Handler, type LeaderState, dropHandler, isForwarding, rejectHandler } from "./leader-state.js";
import { onNewLeaderAck } from "./leader-sync.js";
import type { PeerCore } from "./peer-core.js";

/** A learner connected to our quorum port. */
export function acceptLearner(c: PeerCore, ls: LeaderState, conn: number): void {
  ls.handlers.set(conn, {
    conn,
    observer: false,
    state: "connected",
    lastHeard: c.ticks,
    peerLastZxid: -1n,
    informedZxid: -1n,
  });
}

export function leaderTick(c: PeerCore, ls: LeaderState): void {
  if (ls.handedOverTo !== undefined) return c.goLooking(`a reconfig designated server ${ls.handedOverTo} as the leader`);
  if (ls.phase !== "broadcast" && c.ticks - ls.started > c.init.initLimit) {
    return c.goLooking(
      ls.phase === "discovery" ? "no quorum of learners for the new epoch within initLimit" : "no quorum acknowledged NEWLEADER within initLimit",
    );
  }
  for (const h of [...ls.handlers.values()]) {
    const limit = h.state === "uptodate" || h.state === "newLeaderAcked" ? c.init.syncLimit : c.init.initLimit;
    if (c.ticks - h.lastHeard > limit) {
      dropHandler(c, h, "learner silent", true);
      continue;
    }
    // LearnerHandler.ping: the zxid last proposed (makeZxid(epoch, 0) until the new epoch's first proposal)
    if (isForwarding(h.state)) c.send(h.conn, opPacket(PacketType.PING, makeZxid(ls.epoch, ls.counter)));
  }
  if (ls.phase === "broadcast") {
    const synced = new Set<bigint>([c.sid]);
    for (const h of ls.handlers.values()) {
      if (h.sid !== undefined && !h.observer && (h.state === "uptodate" || h.state === "newLeaderAcked")) synced.add(h.sid);
    }
    // Leader.lead: synced with a quorum of the active config and of a pending reconfig's config
    if (!c.allQuorums(synced)) c.goLooking("not sufficient followers synced");
  }
}

export function leaderStep(c: PeerCore, ls: LeaderState, h: Handler, p: Packet): void {
  switch (p.type) {
    case PacketType.FOLLOWERINFO:
    case PacketType.OBSERVERINFO:
      return onLearnerInfo(c, ls, h, p);
    case PacketType.ACKEPOCH:
      return onAckEpoch(c, ls, h, p);
    case PacketType.ACK: {
      // the NEWLEADER ACK, the ACK that follows UPTODATE, or a stale one
      if (counterOf(p.zxid) === 0n) return onNewLeaderAck(c, ls, h, p.zxid);
      if (!h.observer && (h.state === "newLeaderAcked" || h.state === "uptodate")) leaderAck(c, ls, h.sid!, p.zxid);
      return;
    }
    case PacketType.PING:
      return; // lastHeard already updated; the session data is the host's business
    case PacketType.REQUEST:
    case PacketType.REVALIDATE:
      return; // handled by the host's request pipeline
    default:
      return rejectHandler(c, h, `unexpected ${PACKET_NAMES[p.type] ?? p.type} from a learner`);
  }
}
