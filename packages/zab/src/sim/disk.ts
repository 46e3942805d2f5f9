/**
 * Simulated disks and crashes: a Ready's ops stay unsynced until its fdatasync; a crash loses them or keeps a torn
 * prefix (the last append possibly half-written); a server restarts from what is durable.
 */
import { zxidHex } from "../packets.js";
import type { PersistOp, Txn } from "../types.js";
import { checkAckedDurable } from "./checker.js";
import { apply } from "./history.js";
import { breakConn } from "./network.js";
import { type Server, type SimWorld, TICK_MS } from "./world.js";

/** The simulated hosts' snapshot format: the applied txns, length-prefixed. */
export function encodeSnapshot(txns: readonly Txn[]): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeInt32BE(txns.length);
  parts.push(n);
  for (const t of txns) {
    const h = Buffer.alloc(12);
    h.writeBigInt64BE(t.zxid);
    h.writeInt32BE(t.data.length, 8);
    parts.push(h, t.data);
  }
  return Buffer.concat(parts);
}

function decodeSnapshot(b: Buffer): Txn[] {
  const out: Txn[] = [];
  const n = b.readInt32BE(0);
  let off = 4;
  for (let i = 0; i < n; i++) {
    const zxid = b.readBigInt64BE(off);
    const len = b.readInt32BE(off + 8);
    out.push({ zxid, data: b.subarray(off + 12, off + 12 + len) });
    off += 12 + len;
  }
  return out;
}

/** One persist op reaches the disk (durably). */
export function applyOp(w: SimWorld, s: Server, op: PersistOp): void {
  const d = s.disk;
  switch (op.kind) {
    case "acceptedEpoch":
      d.acceptedEpoch = op.epoch;
      return;
    case "currentEpoch":
      d.currentEpoch = op.epoch;
      return;
    case "append":
      for (const t of op.txns) {
        const last = d.log.length > 0 ? d.log[d.log.length - 1]!.zxid : d.snap.length > 0 ? d.snap[d.snap.length - 1]!.zxid : 0n;
        if (t.zxid <= last) w.fail(`${s.sid}: durable log zxids not increasing: ${zxidHex(t.zxid)} after ${zxidHex(last)}`);
        d.log.push(t);
        d.index.set(t.zxid, t.data);
      }
      return;
    case "truncate": {
      const snapLast = d.snap.length > 0 ? d.snap[d.snap.length - 1]!.zxid : 0n;
      if (op.zxid < snapLast) w.fail(`${s.sid}: truncate to ${zxidHex(op.zxid)} below its snapshot`);
      w.stats.truncs++;
      for (const t of d.log) if (t.zxid > op.zxid) d.index.delete(t.zxid);
      d.log = d.log.filter((t) => t.zxid <= op.zxid);
      checkAckedDurable(w);
      return;
    }
    case "snapshot": {
      const txns = decodeSnapshot(op.data);
      const last = txns.length > 0 ? txns[txns.length - 1]!.zxid : 0n;
      if (last !== op.zxid) w.fail(`${s.sid}: snapshot content ends at ${zxidHex(last)}, SNAP said ${zxidHex(op.zxid)}`);
      d.snap = txns;
      d.log = [];
      d.index = new Map(txns.map((t) => [t.zxid, t.data]));
      s.applied = [];
      for (const t of txns) apply(w, s, t, false);
      checkAckedDurable(w);
      return;
    }
  }
}

export function crash(w: SimWorld, s: Server): void {
  w.stats.crashes++;
  const d = s.disk;
  let kept = 0;
  if (d.unsynced.length > 0 && w.rnd.chance(w.faults.tornRate)) {
    // A torn write: a prefix of the unsynced ops survives, the last of them possibly half-written.
    kept = w.rnd.int(0, d.unsynced.length);
    for (let i = 0; i < kept; i++) {
      const op = d.unsynced[i]!;
      if (i === kept - 1 && op.kind === "append" && op.txns.length > 1) {
        applyOp(w, s, { kind: "append", txns: op.txns.slice(0, w.rnd.int(1, op.txns.length)) });
      } else applyOp(w, s, op);
    }
  }
  w.log(`CRASH ${s.sid} (kept ${kept}/${d.unsynced.length} unsynced ops)`);
  d.unsynced = [];
  s.up = false;
  s.busy = false;
  s.pendingReady = undefined;
  s.life++;
  for (const c of w.conns.values()) {
    if (c.learner !== s.sid && c.leader !== s.sid) continue;
    if (c.broken) continue;
    const mine = c.learner === s.sid ? "learner" : "leader";
    if (!c.open[mine]) continue;
    c.open[mine] = false;
    breakConn(w, c);
  }
  checkAckedDurable(w);
  w.q.push(w.now + w.rnd.int(100, 3000), { k: "restart", sid: s.sid });
}

export function restart(w: SimWorld, s: Server): void {
  if (s.up) return;
  s.up = true;
  s.life++;
  s.peer = w.newPeer(s.sid, s.disk);
  s.applied = [];
  for (const t of s.disk.snap) apply(w, s, t, false);
  s.clientTxns = new Map();
  s.lookingSince = w.now;
  w.log(`RESTART ${s.sid} (accepted ${s.disk.acceptedEpoch}, current ${s.disk.currentEpoch}, ${s.disk.log.length} logged)`);
  w.q.push(w.now + w.rnd.int(1, TICK_MS), { k: "tick", sid: s.sid, life: s.life });
}
