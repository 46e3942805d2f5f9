/**
 * The global committed history: every server's applied sequence must be a prefix of it (checked as each txn is
 * applied), and a client's txn is acknowledged when the leader it was proposed to applies it.
 */
import { zxidHex } from "../packets.js";
import type { Txn } from "../types.js";
import { checkTxnOnQuorum } from "./checker.js";
import type { Server, SimWorld } from "./world.js";

export function apply(w: SimWorld, s: Server, t: Txn, countAck = true): void {
  const i = s.applied.length;
  const prev = i > 0 ? s.applied[i - 1]!.zxid : 0n;
  if (t.zxid <= prev) w.fail(`${s.sid}: applied ${zxidHex(t.zxid)} after ${zxidHex(prev)}`);
  if (i < w.history.length) {
    const h = w.history[i]!;
    if (h.zxid !== t.zxid || !h.data.equals(t.data)) {
      w.fail(`committed prefixes disagree at #${i}: ${s.sid} applied ${zxidHex(t.zxid)} "${t.data}", history has ${zxidHex(h.zxid)} "${h.data}"`);
    }
  } else {
    w.history.push(t);
    w.stats.committed++;
  }
  s.applied.push(t);
  if (countAck && s.clientTxns.has(t.zxid)) {
    s.clientTxns.delete(t.zxid);
    w.acked.push(t);
    w.stats.acked++;
    checkTxnOnQuorum(w, t, "acknowledged");
  }
}
