/** The host loop of each simulated server: persist -> send -> apply -> advance (as apps/server drives a ZabPeer). */
import { zxidHex } from "../packets.js";
import { checkDurableEpochs, checkSend } from "./checker.js";
import { applyOp, encodeSnapshot } from "./disk.js";
import { apply } from "./history.js";
import { closeConn, connect, sendOn } from "./network.js";
import type { Server, SimWorld } from "./world.js";

export function pumpAll(w: SimWorld): void {
  for (const s of w.servers.values()) pump(w, s);
}

/** Takes the server's Ready: early messages go out, the persist ops wait for their simulated fdatasync. */
function pump(w: SimWorld, s: Server): void {
  if (!s.up || s.busy || !s.peer.hasReady()) return;
  const rd = s.peer.ready();
  s.busy = true;
  s.pendingReady = rd;
  // 0. early messages: before the disk write
  for (const m of rd.early) {
    if ("snapshotAt" in m) w.fail(`${s.sid}: a snapshot among the early messages`);
    else {
      checkSend(w, s, m.packet);
      sendOn(w, s, m.conn, { packet: m.packet });
    }
  }
  s.disk.unsynced.push(...rd.persist);
  if (rd.persist.length === 0) {
    finishReady(w, s);
    return;
  }
  const lat = w.rnd.chance(0.05) ? w.rnd.int(10, 40) : w.rnd.int(1, 4);
  w.q.push(w.now + lat, { k: "disk", sid: s.sid, life: s.life });
}

/** The Ready's writes are durable: send, apply, close/connect, then `advance()`. */
export function finishReady(w: SimWorld, s: Server): void {
  const rd = s.pendingReady!;
  s.pendingReady = undefined;
  // 1. durable
  for (const op of s.disk.unsynced) applyOp(w, s, op);
  s.disk.unsynced = [];
  checkDurableEpochs(w, s);
  // 2. send
  for (const m of rd.messages) {
    if ("snapshotAt" in m) {
      const last = s.applied.length > 0 ? s.applied[s.applied.length - 1]!.zxid : 0n;
      if (last !== m.snapshotAt) w.fail(`${s.sid}: snapshot requested at ${zxidHex(m.snapshotAt)}, applied state at ${zxidHex(last)}`);
      w.stats.snaps++;
      sendOn(w, s, m.conn, { snapshot: encodeSnapshot(s.applied) });
    } else {
      checkSend(w, s, m.packet);
      sendOn(w, s, m.conn, { packet: m.packet });
    }
  }
  // 3. apply
  for (const t of rd.committed) apply(w, s, t);
  for (const c of rd.close) closeConn(w, s, c);
  if (rd.connect !== undefined) connect(w, s, rd.connect);
  for (const e of rd.events) {
    w.log(`${s.sid} event ${e.type} ${"epoch" in e ? e.epoch : "reason" in e ? e.reason : "message" in e ? e.message : e.zxid}`);
    if (e.type === "looking") s.lookingSince = w.now;
  }
  s.busy = false;
  s.peer.advance();
}
