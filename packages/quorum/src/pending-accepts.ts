/**
 * Learner connections accepted before this member decided to lead (ZooKeeper's LearnerCnxAcceptor starts only
 * when LEADING): held, with the packets they sent, until the decision; closed if it is not to lead or after
 * `olderThanMs`.
 */
import type { Packet } from "@zkts/zab";

export class PendingAccepts {
  /** conn -> accepted at (monotonic ms). */
  private readonly conns = new Map<number, number>();
  private held: Array<{ conn: number; p: Packet }> = [];

  get size(): number {
    return this.conns.size;
  }

  add(conn: number, at: number): void {
    this.conns.set(conn, at);
  }

  has(conn: number): boolean {
    return this.conns.has(conn);
  }

  delete(conn: number): boolean {
    return this.conns.delete(conn);
  }

  /** A packet from a held connection, kept for when we lead. */
  hold(conn: number, p: Packet): void {
    this.held.push({ conn, p });
  }

  /** We lead: every held connection and its packets, in arrival order; nothing is held any more. */
  take(): { conns: number[]; packets: Array<{ conn: number; p: Packet }> } {
    const conns = [...this.conns.keys()];
    this.conns.clear();
    return { conns, packets: this.held.splice(0) };
  }

  /** Drops (and returns, for closing) the connections held for `olderThanMs` or more at `now`. */
  drop(now: number, olderThanMs: number): number[] {
    const out: number[] = [];
    for (const [c, at] of this.conns) {
      if (now - at < olderThanMs) continue;
      this.conns.delete(c);
      out.push(c);
    }
    this.held = this.conns.size === 0 ? [] : this.held.filter((h) => this.conns.has(h.conn));
    return out;
  }
}
