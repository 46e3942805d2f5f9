/**
 * What drives the simulated servers from outside ZAB: clients proposing to active leaders, and the leader-picking
 * stand-in for the election (it follows a reachable leader, else the most up-to-date reachable voter, or sometimes
 * any voter, stale ones included: the protocol must refuse or time them out).
 */
import { zxidHex } from "../packets.js";
import { reachable } from "./network.js";
import type { Server, SimWorld } from "./world.js";

/** A client request to a random active leader; the next one 5-40 ms later. */
export function clientRequest(w: SimWorld): void {
  if (w.now >= w.stopClientsAt) return;
  const leaders = [...w.servers.values()].filter((s) => s.up && s.peer.isActiveLeader);
  if (leaders.length > 0) {
    const l = w.rnd.pick(leaders);
    const req = w.nextClientReq++;
    const zxid = l.peer.propose(Buffer.from(`req-${req}`));
    l.clientTxns.set(zxid, req);
    w.stats.proposed++;
    w.log(`client req-${req} -> ${l.sid} as ${zxidHex(zxid)}`);
  }
  w.q.push(w.now + w.rnd.int(5, 40), { k: "client" });
}

export function maybeElect(w: SimWorld, s: Server): void {
  if (s.peer.role !== "looking") return;
  const wait = w.chaos ? 200 : 300;
  if (w.now - s.lookingSince < wait) return;
  const candidates = [...w.servers.values()].filter((c) => c.up && c.voter && reachable(w, s.sid, c.sid));
  if (candidates.length === 0) return;
  let target: Server;
  const leading = candidates.filter((c) => c.peer.role === "leading");
  if (leading.length > 0 && w.rnd.chance(0.8)) target = w.rnd.pick(leading);
  else if (w.chaos && w.rnd.chance(w.staleChance)) target = w.rnd.pick(candidates);
  else {
    target = candidates.reduce((a, b) => {
      const ka = [a.peer.currentEpoch, a.peer.lastZxid, a.sid];
      const kb = [b.peer.currentEpoch, b.peer.lastZxid, b.sid];
      for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i]! > kb[i]! ? a : b;
      return a;
    });
  }
  if (target === s) {
    if (!s.voter) return;
    w.log(`${s.sid} LEADS (accepted ${s.peer.acceptedEpoch}, current ${s.peer.currentEpoch}, last ${zxidHex(s.peer.lastZxid)})`);
    s.peer.lead();
  } else if (s.voter) {
    w.log(`${s.sid} follows ${target.sid}`);
    s.peer.follow(target.sid);
  } else {
    w.log(`${s.sid} observes ${target.sid}`);
    s.peer.observe(target.sid);
  }
}
