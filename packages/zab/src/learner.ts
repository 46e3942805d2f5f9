/**
 * The learner (Follower / Observer, Learner.connectToLeader / registerWithLeader): connecting, registration
 * (LearnerInfo, LEADERINFO -> ACKEPOCH), the packet dispatch to sync and broadcast, and the heartbeats (PING echo;
 * a leader silent for syncLimit, or no broadcast within initLimit, sends the learner back to LOOKING).
 */
import { type Packet, PACKET_NAMES, PacketType, ackEpochPacket, epochOf, learnerInfoPacket } from "./packets.js";
import { onActivate, onCommit, onInform, onProposal } from "./learner-broadcast.js";
import { type LearnerState, protocolError } from "./learner-state.js";
import { onDiff, onNewLeader, onSnap, onTrunc, onUptodate } from "./learner-sync.js";
import type { PeerCore } from "./peer-core.js";

export function startLearner(c: PeerCore, leader: bigint, observer: boolean): void {
  if (leader === c.sid) throw new Error("cannot follow oneself");
  c.reset(observer ? "observing" : "following");
  c.learnerState = {
    leader,
    observer,
    phase: "connecting",
    connectPending: true,
    started: c.ticks,
    lastHeard: c.ticks,
    newEpoch: -1n,
    ackEnabled: false,
  };
  c.pending.connect = leader;
}

/** The connection to the leader is open: register (FOLLOWERINFO / OBSERVERINFO). */
export function learnerConnected(c: PeerCore, conn: number): void {
  const lr = c.learnerState;
  if (!lr || lr.phase !== "connecting" || !lr.connectPending) {
    c.pending.close.push(conn);
    return;
  }
  lr.connectPending = false;
  lr.conn = conn;
  lr.lastHeard = c.ticks;
  lr.phase = "registering";
  c.send(conn, learnerInfoPacket(lr.observer, c.acceptedEpoch, c.sid, typeof c.init.configVersion === "function" ? c.init.configVersion() : c.init.configVersion));
}

export function learnerTick(c: PeerCore, lr: LearnerState): void {
  if (lr.phase !== "broadcast" && c.ticks - lr.started > c.init.initLimit) {
    return c.goLooking(`could not sync with leader ${lr.leader} within initLimit`);
  }
  if (lr.phase === "connecting") {
    if (!lr.connectPending) {
      lr.connectPending = true;
      c.pending.connect = lr.leader;
    }
    return;
  }
  const limit = lr.phase === "broadcast" ? c.init.syncLimit : c.init.initLimit;
  if (c.ticks - lr.lastHeard > limit) c.goLooking(`leader ${lr.leader} silent`);
}

export function learnerStep(c: PeerCore, lr: LearnerState, p: Packet): void {
  const conn = lr.conn!;
  switch (p.type) {
    case PacketType.LEADERINFO:
      return onLeaderInfo(c, lr, conn, p);
    case PacketType.DIFF:
      return onDiff(c, lr, conn, p);
    case PacketType.TRUNC:
      return onTrunc(c, lr, conn, p);
    case PacketType.SNAP:
      return onSnap(c, lr, conn, p);
    case PacketType.PROPOSAL:
      return onProposal(c, lr, conn, p);
    case PacketType.COMMIT:
      return onCommit(c, lr, conn, p);
    case PacketType.INFORM:
      return onInform(c, lr, conn, p);
    case PacketType.COMMITANDACTIVATE:
    case PacketType.INFORMANDACTIVATE:
      return onActivate(c, lr, conn, p);
    case PacketType.NEWLEADER:
      return onNewLeader(c, lr, conn, p);
    case PacketType.UPTODATE:
      return onUptodate(c, lr, conn);
    case PacketType.PING:
      // Learner.syncWithLeader reads no PING: a ZooKeeper leader takes the packet after NEWLEADER for its ACK
      // and drops a learner that sends anything else. Answered once the NEWLEADER ACK is out.
      if (lr.phase !== "awaitingUptodate" && lr.phase !== "broadcast") return;
      // Learner.ping: one answer, the packet with the host's session-touch table
      c.send(conn, { type: PacketType.PING, zxid: p.zxid, data: c.learnerPingData() });
      return;
    case PacketType.SYNC:
    case PacketType.REVALIDATE:
      return; // host business
    default:
      return protocolError(c, conn, `unexpected ${PACKET_NAMES[p.type] ?? p.type} from the leader`);
  }
}

/** LEADERINFO: persist the new accepted epoch, then ACKEPOCH (Learner.registerWithLeader). */
function onLeaderInfo(c: PeerCore, lr: LearnerState, conn: number, p: Packet): void {
  if (lr.phase !== "registering") return protocolError(c, conn, "unexpected LEADERINFO");
  const newEpoch = epochOf(p.zxid);
  lr.newEpoch = newEpoch;
  if (newEpoch > c.acceptedEpoch) {
    const wasCurrent = c.currentEpoch;
    lr.phase = "epochPending";
    const gen = c.gen;
    c.persistEpoch("acceptedEpoch", newEpoch, () => {
      if (gen !== c.gen) return;
      lr.phase = "awaitingSync";
      c.send(conn, ackEpochPacket(c.lastZxid, wasCurrent));
    });
  } else if (newEpoch === c.acceptedEpoch) {
    // Already acknowledged this epoch (to this or another leader): ack with -1, which is not counted.
    lr.phase = "awaitingSync";
    c.send(conn, ackEpochPacket(c.lastZxid, -1));
  } else {
    c.pending.close.push(conn);
    lr.conn = undefined;
    c.goLooking(`leader's epoch ${newEpoch} is less than our accepted epoch ${c.acceptedEpoch}`);
  }
}
