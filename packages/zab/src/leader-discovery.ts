/**
 * The leader's discovery (Leader.getEpochToPropose / waitForEpochAck, LearnerHandler's first packets): learner
 * info, the new epoch from a quorum's accepted epochs, ACKEPOCH, establishment.
 */
import { type Packet, PacketType, epochOf, leaderInfoPacket, parseAckEpoch, parseLearnerInfo } from "./packets.js";
import { type Handler, type LeaderState, dropHandler, rejectHandler } from "./leader-state.js";
import { checkNewLeaderQuorum, syncLearner } from "./leader-sync.js";
import type { PeerCore } from "./peer-core.js";

/** FOLLOWERINFO / OBSERVERINFO. */
export function onLearnerInfo(c: PeerCore, ls: LeaderState, h: Handler, p: Packet): void {
  if (h.state !== "connected") return rejectHandler(c, h, "duplicate learner info");
  let info;
  try {
    info = parseLearnerInfo(p);
  } catch (e) {
    return rejectHandler(c, h, `bad LearnerInfo: ${(e as Error).message}`);
  }
  const sid = info.serverid;
  if (sid === c.sid) return rejectHandler(c, h, "learner with the leader's sid");
  // A second connection from the same learner replaces the first (LearnerHandler: the old one is shut down).
  for (const other of [...ls.handlers.values()]) {
    if (other !== h && other.sid === sid) dropHandler(c, other, "replaced", true);
  }
  h.sid = sid;
  // LearnerHandler: the learner type is the packet's. A follower that is not a voter of the active config (a
  // joiner, before the reconfig that adds it commits) is sent proposals; its ACKs count in no quorum until it is.
  h.observer = p.type === PacketType.OBSERVERINFO;
  const learnerAccepted = epochOf(p.zxid);
  h.state = "info";
  if (!ls.epochDecided) {
    if (learnerAccepted > ls.maxSeenAcceptedEpoch) ls.maxSeenAcceptedEpoch = learnerAccepted;
    if (!h.observer) ls.connecting.set(sid, learnerAccepted);
    tryDecideEpoch(c);
  } else {
    c.send(h.conn, leaderInfoPacket(ls.epoch));
    h.state = "leaderInfoSent";
  }
}

export function onAckEpoch(c: PeerCore, ls: LeaderState, h: Handler, p: Packet): void {
  if (h.state !== "leaderInfoSent") return rejectHandler(c, h, "unexpected ACKEPOCH");
  let ss;
  try {
    ss = parseAckEpoch(p);
  } catch (e) {
    return rejectHandler(c, h, (e as Error).message);
  }
  h.peerLastZxid = ss.lastLoggedZxid;
  if (ss.currentEpoch !== -1n) {
    // Leader.waitForEpochAck: a follower more recent than the leader cannot be led by it.
    if (
      !c.init.bugs.ignoreFollowerAhead &&
      (ss.currentEpoch > c.currentEpoch || (ss.currentEpoch === c.currentEpoch && ss.lastLoggedZxid > c.lastZxid))
    ) {
      return rejectHandler(c, h, `follower ${h.sid} is ahead of the leader`);
    }
    if (!h.observer) ls.epochAcks.add(h.sid!);
  }
  h.state = "epochAcked";
  if (ls.established) {
    if (ls.phase !== "discovery") syncLearner(c, ls, h);
  } else {
    tryEstablish(c, ls);
  }
}

/** Leader.getEpochToPropose: once a quorum (with us) has connected, epoch = max(acceptedEpoch) + 1. */
export function tryDecideEpoch(c: PeerCore): void {
  const ls = c.leaderState!;
  if (ls.epochDecided || ls.epoch !== -1n) return;
  if (!ls.connecting.has(c.sid) || !c.allQuorums(ls.connecting.keys())) return;
  const epoch = ls.maxSeenAcceptedEpoch + 1n;
  ls.epoch = epoch; // decided, not yet durable: nothing is sent until it is
  const gen = c.gen;
  c.persistEpoch("acceptedEpoch", epoch, () => {
    if (gen !== c.gen) return;
    ls.epochDecided = true;
    for (const h of ls.handlers.values()) {
      if (h.state === "info") {
        c.send(h.conn, leaderInfoPacket(epoch));
        h.state = "leaderInfoSent";
      }
    }
    // Leader.lead: waitForEpochAck(self, leaderStateSummary)
    ls.epochAcks.add(c.sid);
    tryEstablish(c, ls);
  });
}

/** A quorum acknowledged the epoch: persist currentEpoch, then synchronise the learners. */
function tryEstablish(c: PeerCore, ls: LeaderState): void {
  if (ls.established || !ls.epochDecided || !c.allQuorums(ls.epochAcks)) return;
  ls.established = true;
  c.pending.events.push({ type: "established", epoch: ls.epoch });
  const gen = c.gen;
  c.persistEpoch("currentEpoch", ls.epoch, () => {
    if (gen !== c.gen) return;
    ls.phase = "sync";
    ls.newLeaderAcks.add(c.sid);
    for (const h of ls.handlers.values()) if (h.state === "epochAcked") syncLearner(c, ls, h);
    checkNewLeaderQuorum(c, ls);
  });
}
