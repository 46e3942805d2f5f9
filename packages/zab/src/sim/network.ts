/**
 * The simulated network: TCP-like connections (FIFO per direction, delays, a message that breaks its connection
 * loses everything after it; each end hears a reset or must time out), stale duplicates delivered only after the
 * receiver closed that connection, and partitions.
 */
import { type Packet, PACKET_NAMES, zxidHex } from "../packets.js";
import type { Conn, Ev, Server, SimWorld } from "./world.js";

export function reachable(w: SimWorld, a: bigint, b: bigint): boolean {
  if (a === b) return true;
  if (!w.partition) return true;
  return w.partition.get(a) === w.partition.get(b);
}

export function delay(w: SimWorld): number {
  return w.chaos && w.rnd.chance(0.05) ? w.rnd.int(50, 300) : w.rnd.int(1, 20);
}

/** A learner dials its leader. */
export function connect(w: SimWorld, s: Server, leader: bigint): void {
  const l = w.servers.get(leader)!;
  const c: Conn = {
    id: w.nextConn++,
    learner: s.sid,
    leader,
    open: { learner: true, leader: true },
    broken: false,
    lastDelivery: { toLeader: 0, toLearner: 0 },
    lifeOf: { learner: s.life, leader: l.life },
  };
  w.conns.set(c.id, c);
  if (!l.up || !reachable(w, s.sid, leader)) {
    c.broken = true;
    w.q.push(w.now + w.rnd.int(20, 200), { k: "connectFailed", sid: s.sid, life: s.life });
    return;
  }
  w.q.push(w.now + delay(w), { k: "accept", conn: c.id });
}

export function sendOn(w: SimWorld, s: Server, connId: number, msg: { packet?: Packet; snapshot?: Buffer }): void {
  const c = w.conns.get(connId);
  if (!c) return;
  const fromLeader = s.sid === c.leader;
  const end = fromLeader ? "leader" : "learner";
  if (!c.open[end] || c.broken) return;
  const to = fromLeader ? c.learner : c.leader;
  const toLife = fromLeader ? c.lifeOf.learner : c.lifeOf.leader;
  if (!reachable(w, s.sid, to) || (w.chaos && w.rnd.chance(w.faults.breakRate))) {
    breakConn(w, c);
    return;
  }
  const dir = fromLeader ? "toLearner" : "toLeader";
  const at = Math.max(w.now + delay(w), c.lastDelivery[dir]);
  c.lastDelivery[dir] = at;
  w.q.push(at, { k: "deliver", conn: c.id, to, life: toLife, msg, stale: false });
  if (w.chaos && w.rnd.chance(w.faults.duplicateRate)) {
    w.q.push(at + w.rnd.int(100, 3000), { k: "deliver", conn: c.id, to, life: toLife, msg, stale: true });
  }
}

/** The connection dies: nothing more gets through; each end learns it by a reset (50%) or by its own timeouts. */
export function breakConn(w: SimWorld, c: Conn): void {
  if (c.broken) return;
  c.broken = true;
  w.log(`conn${c.id} (${c.learner}->${c.leader}) broken`);
  for (const [who, life] of [
    [c.learner, c.lifeOf.learner],
    [c.leader, c.lifeOf.leader],
  ] as const) {
    if (w.rnd.chance(0.5)) w.q.push(w.now + w.rnd.int(1, 100), { k: "closed", conn: c.id, to: who, life });
  }
}

/** `s` closes its end; the other end hears it after the messages already on the way. */
export function closeConn(w: SimWorld, s: Server, connId: number): void {
  const c = w.conns.get(connId);
  if (!c) return;
  const end = s.sid === c.leader ? "leader" : "learner";
  if (!c.open[end]) return;
  c.open[end] = false;
  const other = end === "leader" ? c.learner : c.leader;
  const otherLife = end === "leader" ? c.lifeOf.learner : c.lifeOf.leader;
  if (!c.broken && reachable(w, s.sid, other)) {
    const dir = end === "leader" ? "toLearner" : "toLeader";
    w.q.push(Math.max(w.now + delay(w), c.lastDelivery[dir]), { k: "closed", conn: c.id, to: other, life: otherLife });
  }
}

// ------------------------------------------------------------------ network events

export function onDeliver(w: SimWorld, ev: Extract<Ev, { k: "deliver" }>): void {
  const c = w.conns.get(ev.conn)!;
  const s = w.servers.get(ev.to)!;
  if (!s.up || s.life !== ev.life) return;
  const end = ev.to === c.leader ? "leader" : "learner";
  if (ev.stale) {
    if (c.open[end]) return; // only once the receiver has closed its end: a TCP stream never duplicates
  } else if (!c.open[end] || c.broken) return;
  if (ev.msg.snapshot) {
    w.log(`${ev.to} <- conn${c.id} snapshot(${ev.msg.snapshot.length}B)${ev.stale ? " [stale]" : ""}`);
    s.peer.stepSnapshot(c.id, ev.msg.snapshot);
  } else {
    const p = ev.msg.packet!;
    w.log(`${ev.to} <- conn${c.id} ${PACKET_NAMES[p.type]} ${zxidHex(p.zxid)}${ev.stale ? " [stale]" : ""}`);
    s.peer.step(c.id, p);
  }
}

export function onAccept(w: SimWorld, connId: number): void {
  const c = w.conns.get(connId)!;
  const l = w.servers.get(c.leader)!;
  if (!l.up || l.life !== c.lifeOf.leader || l.peer.role !== "leading" || !reachable(w, c.learner, c.leader)) {
    c.open.leader = false;
    w.q.push(w.now + delay(w), { k: "connectFailed", sid: c.learner, life: c.lifeOf.learner });
    return;
  }
  l.peer.accepted(c.id);
  w.q.push(w.now + delay(w), { k: "connected", conn: c.id });
}

export function onConnected(w: SimWorld, connId: number): void {
  const c = w.conns.get(connId)!;
  const s = w.servers.get(c.learner)!;
  if (!s.up || s.life !== c.lifeOf.learner) return;
  if (c.broken || !c.open.leader) {
    s.peer.connectFailed();
    return;
  }
  w.log(`${c.learner} connected to ${c.leader} as conn${c.id}`);
  s.peer.connected(c.id);
}

export function onClosed(w: SimWorld, ev: Extract<Ev, { k: "closed" }>): void {
  const s = w.servers.get(ev.to)!;
  if (!s.up || s.life !== ev.life) return;
  const c = w.conns.get(ev.conn)!;
  c.open[ev.to === c.leader ? "leader" : "learner"] = false;
  s.peer.closed(ev.conn);
}

/** One isolated server, or a random split in 2 or 3; connections across it break. */
export function startPartition(w: SimWorld): void {
  w.stats.partitions++;
  const groups = new Map<bigint, number>();
  const mode = w.rnd.int(0, 2);
  const sids = [...w.servers.keys()];
  if (mode === 0) {
    const iso = w.rnd.pick(sids); // isolate one server
    for (const s of sids) groups.set(s, s === iso ? 1 : 0);
  } else {
    for (const s of sids) groups.set(s, w.rnd.int(0, mode)); // random split in 2 or 3
  }
  w.partition = groups;
  w.log(`partition ${sids.map((s) => `${s}:${groups.get(s)}`).join(" ")}`);
  for (const c of w.conns.values()) if (!reachable(w, c.learner, c.leader)) breakConn(w, c);
  w.q.push(w.now + w.rnd.int(200, 3000), { k: "heal" });
  w.q.push(w.now + w.rnd.int(1, 2 * w.faults.partitionEveryMs), { k: "partition" });
}
