/**
 * The learner's synchronisation (Learner.syncWithLeader): DIFF, TRUNC or SNAP (+ the snapshot bytes), NEWLEADER
 * (persist currentEpoch, then ACK), UPTODATE (commit the initial history, go to broadcast).
 */
import { type Packet, PacketType, epochOf, makeZxid, opPacket, zxidHex } from "./packets.js";
import { type LearnerState, protocolError } from "./learner-state.js";
import type { PeerCore } from "./peer-core.js";

export function onDiff(c: PeerCore, lr: LearnerState, conn: number, p: Packet): void {
  if (lr.phase !== "awaitingSync") return protocolError(c, conn, "unexpected DIFF");
  // Our log is a prefix of the leader's; everything up to the leader's commit point is committed.
  c.commitUpTo(p.zxid < c.lastZxid ? p.zxid : c.lastZxid);
  lr.syncedFrom = c.lastZxid;
  lr.phase = "syncing";
}

export function onTrunc(c: PeerCore, lr: LearnerState, conn: number, p: Packet): void {
  if (lr.phase !== "awaitingSync") return protocolError(c, conn, "unexpected TRUNC");
  const z = p.zxid;
  if (z < c.commitZxid || z < c.baseZxid) {
    return protocolError(c, conn, `TRUNC to ${zxidHex(z)} below our commit point ${zxidHex(c.commitZxid)}`);
  }
  c.log = c.log.filter((t) => t.zxid <= z);
  c.pending.persist.push({ kind: "truncate", zxid: z });
  c.pending.after.push(() => {
    if (c.durableZxid > z) c.durableZxid = z;
  });
  lr.syncedFrom = z;
  lr.phase = "syncing";
  // A TRUNC into the new epoch's txns comes from an established leader, to its commit point (it resends what it
  // proposed after): what we keep of this epoch is committed, as after a DIFF (ZooKeeper's learner applies
  // everything up to the TRUNC zxid).
  if (epochOf(z) === lr.newEpoch) c.commitUpTo(z);
}

export function onSnap(c: PeerCore, lr: LearnerState, conn: number, p: Packet): void {
  if (lr.phase !== "awaitingSync") return protocolError(c, conn, "unexpected SNAP");
  lr.phase = "snapWait";
  c.snapZxid = p.zxid;
}

/** The snapshot stream that followed a SNAP packet (opaque bytes written by the leader's host). */
export function onSnapshotBytes(c: PeerCore, lr: LearnerState, conn: number, data: Buffer): void {
  if (lr.phase !== "snapWait") return protocolError(c, conn, "snapshot bytes without SNAP");
  const zxid = c.snapZxid!;
  c.snapZxid = undefined;
  c.pending.persist.push({ kind: "snapshot", zxid, data });
  c.log = [];
  c.baseZxid = zxid;
  c.commitZxid = zxid;
  c.pending.after.push(() => {
    c.durableZxid = zxid;
  });
  lr.syncedFrom = zxid;
  lr.snapBase = zxid;
  lr.phase = "syncing";
}

export function onNewLeader(c: PeerCore, lr: LearnerState, conn: number, p: Packet): void {
  if (lr.phase !== "syncing") return protocolError(c, conn, "unexpected NEWLEADER");
  const e = epochOf(p.zxid);
  if (e !== lr.newEpoch) return protocolError(c, conn, `NEWLEADER for epoch ${e}, expected ${lr.newEpoch}`);
  lr.phase = "newLeaderPending";
  lr.newLeaderConfig = p.data;
  const gen = c.gen;
  c.persistEpoch("currentEpoch", e, () => {
    if (gen !== c.gen) return;
    lr.ackEnabled = true;
    lr.phase = "awaitingUptodate";
    c.send(conn, opPacket(PacketType.ACK, makeZxid(e, 0n)));
    if (lr.observer) return;
    // Proposals of the new epoch the leader sent before NEWLEADER: ACK those that are durable (later ones ACK on
    // their own). What we had logged before this sync is not ACKed again (ZooKeeper's learner ACKs what it logs).
    const from = lr.syncedFrom ?? -1n;
    for (const t of c.log) {
      if (epochOf(t.zxid) === e && t.zxid > from && t.zxid <= c.durableZxid) c.send(conn, opPacket(PacketType.ACK, t.zxid));
    }
  });
}

export function onUptodate(c: PeerCore, lr: LearnerState, conn: number): void {
  if (lr.phase !== "awaitingUptodate") return protocolError(c, conn, "unexpected UPTODATE");
  lr.phase = "broadcast";
  lr.snapBase = undefined;
  // A quorum accepted the leader's initial history: everything before the new epoch is committed.
  let upTo = c.commitZxid;
  for (const t of c.log) if (epochOf(t.zxid) < lr.newEpoch) upTo = t.zxid;
  c.commitUpTo(upTo);
  c.send(conn, opPacket(PacketType.ACK, makeZxid(lr.newEpoch, 0n)));
  c.pending.events.push({ type: "active", epoch: lr.newEpoch, config: lr.newLeaderConfig ?? null });
}
