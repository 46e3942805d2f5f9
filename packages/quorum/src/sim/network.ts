/**
 * The simulated networks. Election notifications: datagram-like between members (delayed, reordered, sometimes
 * dropped or duplicated; nothing crosses a partition). Quorum connections: TCP-like (FIFO per direction, never
 * duplicated; a connection breaks on a partition or at random, and each end then hears a reset or must time out).
 */
import { decodePacket, encodePacket } from "@zkts/zab";
import type { ElectionNet, QuorumNet } from "../types.js";
import type { Member, World } from "./world.js";

interface End {
  sid: bigint;
  life: number;
  open: boolean;
  /** The last delivery time scheduled towards this end (FIFO). */
  lastDelivery: number;
}

interface Link {
  ends: [End, End];
  broken: boolean;
}

export class SimNetwork {
  /** conn id -> its link and which end of it the id names. */
  private readonly conns = new Map<number, { link: Link; side: 0 | 1 }>();
  private nextConn = 1;

  constructor(private readonly w: World) {}

  electionNet(m: Member): ElectionNet {
    const w = this.w;
    const from = m.sid;
    return {
      send: (to, payload) => {
        const target = w.members.get(to);
        if (target === undefined || !target.up || !w.reachable(from, to)) return;
        if (!w.calm && w.rnd.chance(w.faults.electionDropRate)) return;
        const copy = Buffer.from(payload);
        const life = target.life;
        const deliver = () => {
          if (w.reachable(from, to)) target.peer?.electionMessage(from, copy);
        };
        w.at(w.now + w.delay(), to, life, deliver);
        if (!w.calm && w.rnd.chance(w.faults.electionDuplicateRate)) w.at(w.now + w.rnd.int(20, 500), to, life, deliver);
      },
      connectAll: () => {},
      haveDelivered: () => true,
      // the connection manager's view: a member down or across a partition is lost (and now and then, outside the
      // calm phase, a live one is suspected wrongly: a connection being replaced)
      lost: (to) => {
        const target = w.members.get(to);
        if (target === undefined) return false;
        return !target.up || !w.reachable(from, to) || (!w.calm && w.rnd.chance(0.05));
      },
    };
  }

  quorumNet(m: Member): QuorumNet {
    const w = this.w;
    const sid = m.sid;
    const life = m.life;
    return {
      send: (conn, packet) => {
        const bytes = encodePacket(packet);
        this.sendOn(conn, (p) => p.quorumPacket(this.otherId(conn), decodePacket(bytes)));
      },
      sendBytes: (conn, bytes) => {
        const copy = Buffer.from(bytes);
        this.sendOn(conn, (p) => p.quorumSnapshot(this.otherId(conn), copy));
      },
      close: (conn) => this.close(conn),
      dial: (to, timeoutMs) =>
        new Promise<number>((resolve, reject) => {
          let settled = false;
          const settle = (ok: boolean, conn?: number) => {
            if (settled) return;
            settled = true;
            if (ok) resolve(conn!);
            else reject(new Error(`dial ${to}: refused or timed out`));
          };
          w.at(w.now + timeoutMs, sid, life, () => settle(false));
          const target = w.members.get(to);
          if (target === undefined || !target.up || !w.reachable(sid, to)) {
            w.at(w.now + w.rnd.int(1, Math.max(1, timeoutMs)), sid, life, () => settle(false));
            return;
          }
          const link: Link = {
            ends: [
              { sid, life, open: true, lastDelivery: 0 },
              { sid: to, life: target.life, open: true, lastDelivery: 0 },
            ],
            broken: false,
          };
          const mine = this.nextConn++;
          const theirs = this.nextConn++;
          this.conns.set(mine, { link, side: 0 });
          this.conns.set(theirs, { link, side: 1 });
          w.at(w.now + w.delay(), to, target.life, () => {
            if (settled || link.broken || !w.reachable(sid, to)) {
              link.ends[1].open = false;
              return;
            }
            target.peer?.quorumAccepted(theirs);
            w.at(w.now + w.delay(), sid, life, () => {
              if (link.broken || !link.ends[0].open) settle(false);
              else settle(true, mine);
            });
          });
        }),
    };
  }

  private otherId(conn: number): number {
    // ids come in pairs: (mine, theirs) = (odd, even)
    return conn % 2 === 1 ? conn + 1 : conn - 1;
  }

  private sendOn(conn: number, fn: (p: NonNullable<Member["peer"]>) => void): void {
    const w = this.w;
    const c = this.conns.get(conn);
    if (c === undefined) return;
    const { link, side } = c;
    const me = link.ends[side];
    const other = link.ends[1 - side]!;
    if (!me.open || link.broken) return;
    if (!w.reachable(me.sid, other.sid) || (!w.calm && w.rnd.chance(w.faults.breakRate))) {
      this.breakLink(link);
      return;
    }
    const at = Math.max(w.now + w.delay(), other.lastDelivery);
    other.lastDelivery = at;
    const target = w.members.get(other.sid)!;
    w.at(at, other.sid, other.life, () => {
      if (!other.open || link.broken) return;
      if (target.peer !== undefined) fn(target.peer);
    });
  }

  /** The connection dies: nothing more gets through; each end hears a reset (50%) or must time out. */
  private breakLink(link: Link): void {
    if (link.broken) return;
    link.broken = true;
    const w = this.w;
    for (const [i, end] of link.ends.entries()) {
      if (!end.open) continue;
      const id = this.idOf(link, i as 0 | 1);
      if (w.rnd.chance(0.5)) {
        w.at(w.now + w.rnd.int(1, 100), end.sid, end.life, () => {
          if (!end.open) return;
          end.open = false;
          w.members.get(end.sid)!.peer?.quorumClosed(id);
        });
      }
    }
  }

  private idOf(link: Link, side: 0 | 1): number {
    for (const [id, c] of this.conns) if (c.link === link && c.side === side) return id;
    return -1;
  }

  /** `conn`'s owner closes it; the other end hears it after what is already on the way. */
  private close(conn: number): void {
    const w = this.w;
    const c = this.conns.get(conn);
    if (c === undefined) return;
    const me = c.link.ends[c.side];
    const other = c.link.ends[1 - c.side]!;
    if (!me.open) return;
    me.open = false;
    this.conns.delete(conn);
    const otherId = this.otherId(conn);
    if (c.link.broken || !other.open) {
      if (!other.open) this.conns.delete(otherId);
      return;
    }
    const at = Math.max(w.now + w.delay(), other.lastDelivery);
    w.at(at, other.sid, other.life, () => {
      if (!other.open) return;
      other.open = false;
      this.conns.delete(otherId);
      w.members.get(other.sid)!.peer?.quorumClosed(otherId);
    });
  }

  /** A partition starts: every connection across it breaks. */
  breakAcrossPartition(): void {
    const seen = new Set<Link>();
    for (const { link } of this.conns.values()) {
      if (seen.has(link)) continue;
      seen.add(link);
      if (!this.w.reachable(link.ends[0].sid, link.ends[1].sid)) this.breakLink(link);
    }
  }

  /** A member crashed: its connections reset (the other ends hear it or time out). */
  crashed(sid: bigint): void {
    const seen = new Set<Link>();
    for (const { link } of this.conns.values()) {
      if (seen.has(link)) continue;
      seen.add(link);
      const i = link.ends.findIndex((e) => e.sid === sid && e.open);
      if (i < 0) continue;
      link.ends[i]!.open = false;
      this.breakLink(link);
    }
    this.gc();
  }

  /** Forgets links both of whose ends are closed or broken-and-quiet. */
  private gc(): void {
    for (const [id, c] of this.conns) if (!c.link.ends[0].open && !c.link.ends[1].open) this.conns.delete(id);
  }
}
