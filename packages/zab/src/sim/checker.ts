/**
 * The invariant checker: one leader per epoch, increasing zxids, epochs acted on only once durable, ACKs only for
 * durable txns, acknowledged txns durable on a quorum, and convergence at the end. Each failure throws
 * InvariantViolation (through `w.fail`).
 */
import { type Packet, PACKET_NAMES, PacketType, counterOf, epochOf, zxidHex } from "../packets.js";
import type { Txn } from "../types.js";
import type { Server, SimWorld } from "./world.js";

/** A server never acts on an epoch that is not durable. */
export function checkDurableEpochs(w: SimWorld, s: Server): void {
  if (!s.up) return;
  if (s.peer.acceptedEpoch > s.disk.acceptedEpoch) {
    w.fail(`${s.sid} acts on acceptedEpoch ${s.peer.acceptedEpoch} but only ${s.disk.acceptedEpoch} is durable`);
  }
  if (s.peer.currentEpoch > s.disk.currentEpoch) {
    w.fail(`${s.sid} acts on currentEpoch ${s.peer.currentEpoch} but only ${s.disk.currentEpoch} is durable`);
  }
}

/** Checks a packet as the host hands it to the network (after the Ready's persist ops are durable, or early). */
export function checkSend(w: SimWorld, s: Server, p: Packet): void {
  const d = s.disk;
  switch (p.type) {
    case PacketType.ACK: {
      const e = epochOf(p.zxid);
      if (e > d.currentEpoch) w.fail(`${s.sid} ACKs ${zxidHex(p.zxid)} with durable currentEpoch ${d.currentEpoch}`);
      if (counterOf(p.zxid) !== 0n && !d.index.has(p.zxid)) w.fail(`${s.sid} ACKs ${zxidHex(p.zxid)} before it is durable`);
      return;
    }
    case PacketType.LEADERINFO:
    case PacketType.ACKEPOCH:
      if (s.peer.acceptedEpoch > d.acceptedEpoch || (p.type === PacketType.LEADERINFO && epochOf(p.zxid) > d.acceptedEpoch)) {
        w.fail(`${s.sid} sends ${PACKET_NAMES[p.type]} before its accepted epoch is durable`);
      }
      return;
    case PacketType.NEWLEADER:
      if (epochOf(p.zxid) > d.currentEpoch) w.fail(`${s.sid} sends NEWLEADER before its current epoch is durable`);
      return;
    case PacketType.PROPOSAL: {
      const e = epochOf(p.zxid);
      const l = w.epochLeaders.get(e);
      if (l !== undefined && l !== s.sid && counterOf(p.zxid) > 0n && s.peer.leaderEpoch === e) {
        w.fail(`two leaders propose in epoch ${e}: ${l} and ${s.sid}`);
      }
      return;
    }
    case PacketType.DIFF:
      w.stats.diffs++;
      return;
  }
}

export function checkEveryStep(w: SimWorld): void {
  for (const s of w.servers.values()) {
    if (!s.up) continue;
    checkDurableEpochs(w, s);
    const e = s.peer.leaderEpoch;
    if (e !== undefined && s.peer.isEstablishedLeader) {
      const l = w.epochLeaders.get(e);
      if (l === undefined) {
        w.epochLeaders.set(e, s.sid);
        w.stats.epochs++;
      } else if (l !== s.sid) w.fail(`two leaders established epoch ${e}: ${l} and ${s.sid}`);
    }
    let prev = -1n;
    for (const t of s.peer.logWindow()) {
      if (t.zxid <= prev) w.fail(`${s.sid}: log zxids not increasing: ${zxidHex(t.zxid)} after ${zxidHex(prev)}`);
      prev = t.zxid;
    }
  }
}

export function checkTxnOnQuorum(w: SimWorld, t: Txn, what: string): void {
  const holders: bigint[] = [];
  for (const s of w.servers.values()) {
    const d = s.disk.index.get(t.zxid);
    if (d && d.equals(t.data)) holders.push(s.sid);
  }
  if (!w.quorum.containsQuorum(holders)) {
    w.fail(`${what} txn ${zxidHex(t.zxid)} "${t.data}" is durable only on [${holders.join(",")}]: not a quorum`);
  }
}

/** No acknowledged txn is lost: each stays durable on a quorum of voters through truncations and crashes. */
export function checkAckedDurable(w: SimWorld): void {
  for (const t of w.acked) checkTxnOnQuorum(w, t, "acknowledged");
}

/** At the end: one active leader, every other server active, all with the whole committed history. */
export function checkConverged(w: SimWorld): void {
  const up = [...w.servers.values()].filter((s) => s.up);
  const leaders = up.filter((s) => s.peer.isActiveLeader);
  if (leaders.length !== 1) {
    w.fail(`not converged: ${leaders.length} active leaders; roles ${up.map((s) => `${s.sid}:${s.peer.role}`).join(" ")}`);
  }
  for (const s of up) {
    if (s !== leaders[0] && !s.peer.isActiveLearner) w.fail(`not converged: ${s.sid} is ${s.peer.role}, not active`);
  }
  const want = w.history.length;
  for (const s of up) {
    if (s.applied.length !== want) w.fail(`not converged: ${s.sid} applied ${s.applied.length} of ${want} committed txns`);
  }
  const zs = new Set(w.history.map((t) => t.zxid));
  for (const t of w.acked) if (!zs.has(t.zxid)) w.fail(`acknowledged ${zxidHex(t.zxid)} lost`);
}
