/**
 * The quorum-port transport (node:net): jute QuorumPackets back to back, as ZooKeeper streams them (no length
 * prefix). After a SNAP packet the leader's snapshot follows as ZooKeeper streams it (LearnerHandler.syncFollower:
 * sessions, ACL cache, nodes, the "/" sentinel, "BenWasHere"), with no length: @zkts/persistence's
 * ZkSnapStreamDecoder finds its end as the chunks arrive. Connections are numbered;
 * the driver maps them to ZabPeer's `conn` ids. With `sockets` (quorum TLS: @zkts/tls's QuorumTls), connections
 * are accepted and dialled through it; the stream is the same.
 */
import net from "node:net";
import type { PeerSockets } from "@zkts/election";
import { OutputArchive } from "@zkts/jute";
import { dialPlain } from "@zkts/tls";
import { DEFAULT_ZK_STREAM_LIMITS, ZkSnapStreamDecoder, type ZkStreamLimits } from "@zkts/persistence";
import { decodePacket, packetExtent, PacketType, writePacket, type Packet } from "@zkts/zab";

/** ZooKeeper's zookeeper.leaderConnectDelayDuringRetryMs default: the pause before dialling a refusing leader again. */
const LEADER_CONNECT_RETRY_MS = 100;

/** Payloads from this size on (snapshots) are handed to the socket as they are instead of copied into the batch. */
const DIRECT_WRITE = 256 * 1024;

export interface TransportEvents {
  /** A learner connected to our quorum port. */
  accepted(conn: number): void;
  packet(conn: number, p: Packet): void;
  /** The snapshot stream after SNAP (checked: it parses and ends with the signature), its bytes exactly. */
  snapshot(conn: number, bytes: Buffer): void;
  closed(conn: number): void;
  error(conn: number, message: string): void;
}

interface Conn {
  socket: net.Socket;
  /** Received bytes not yet framed (a frame may span many chunks: no re-concatenation per chunk). */
  chunks: Buffer[];
  buffered: number;
  /** Set from a SNAP packet until the snapshot stream after it has been read. */
  snapshot: ZkSnapStreamDecoder | undefined;
  open: boolean;
  /** Packets sent since the last flush, framed back to back: one socket write per event-loop turn. */
  out: OutputArchive;
  flushQueued: boolean;
  flushTask: () => void;
  /** intAt over this connection's buffered bytes, made once (packetExtent's reader for every packet). */
  intAt: (offset: number) => number;
}

export class QuorumTransport {
  private server: net.Server | undefined;
  private readonly conns = new Map<number, Conn>();
  private next = 1;

  constructor(
    private readonly ev: TransportEvents,
    private readonly sockets?: PeerSockets,
    /** Bounds on a received snapshot stream (each string / buffer, the whole stream). */
    private readonly snapLimits: ZkStreamLimits = DEFAULT_ZK_STREAM_LIMITS,
  ) {}

  listen(host: string, port: number): Promise<void> {
    const adopt = (s: net.Socket) => {
      const id = this.add(s);
      this.ev.accepted(id);
    };
    const sockets = this.sockets;
    const server = net.createServer((raw) => {
      if (sockets === undefined) adopt(raw);
      else sockets.accept(raw, (s) => s !== undefined && adopt(s));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  }

  /**
   * Dials a leader; resolves with the connection id, or rejects. A refused connection is tried again after
   * `retryDelayMs` while `timeoutMs` lasts (Learner.connectToLeader, leaderConnectDelayDuringRetryMs = 100 ms): a
   * ZooKeeper leader listens on its quorum port only once it leads, and a learner may decide before it does.
   */
  async dial(host: string, port: number, timeoutMs: number, retryDelayMs = LEADER_CONNECT_RETRY_MS): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = Math.max(1, Math.round(deadline - performance.now()));
      try {
        const s = await (this.sockets !== undefined ? this.sockets.dial(host, port, left) : dialPlain(host, port, left));
        return this.add(s);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ECONNREFUSED" || deadline - performance.now() <= retryDelayMs) throw e;
      }
      await new Promise((r) => setTimeout(r, retryDelayMs));
    }
  }

  private add(s: net.Socket): number {
    const id = this.next++;
    s.setNoDelay(true);
    const c: Conn = {
      socket: s,
      chunks: [],
      buffered: 0,
      snapshot: undefined,
      open: true,
      out: new OutputArchive(16 * 1024),
      flushQueued: false,
      flushTask: () => this.flush(c),
      intAt: (off) => this.intAt(c, off),
    };
    this.conns.set(id, c);
    s.on("data", (chunk: Buffer) => this.onData(id, c, chunk));
    s.on("error", () => {});
    s.on("close", () => {
      if (!c.open) return;
      c.open = false;
      this.conns.delete(id);
      this.ev.closed(id);
    });
    return id;
  }

  /** The first `n` buffered bytes as one buffer (n <= buffered); they stay buffered. */
  private head(c: Conn, n: number): Buffer {
    const first = c.chunks[0]!;
    if (first.length >= n) return first;
    const joined = Buffer.concat(c.chunks, c.buffered);
    c.chunks = [joined];
    return joined;
  }

  /** Drops the first `n` buffered bytes. */
  private consume(c: Conn, n: number): void {
    c.buffered -= n;
    while (n > 0) {
      const first = c.chunks[0]!;
      if (first.length <= n) {
        c.chunks.shift();
        n -= first.length;
      } else {
        c.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  /** The big-endian int at `offset` of the buffered bytes (offset + 4 <= buffered), without joining chunks. */
  private intAt(c: Conn, offset: number): number {
    let off = offset;
    for (const ch of c.chunks) {
      if (off + 4 <= ch.length) return ch.readInt32BE(off);
      if (off < ch.length) return this.head(c, offset + 4).readInt32BE(offset); // straddles two chunks
      off -= ch.length;
    }
    throw new RangeError("intAt past the buffered bytes");
  }

  private fail(id: number, why: string): void {
    this.ev.error(id, why);
    this.close(id);
    this.ev.closed(id);
  }

  private onData(id: number, c: Conn, chunk: Buffer): void {
    c.chunks.push(chunk);
    c.buffered += chunk.length;
    while (c.open) {
      if (c.snapshot !== undefined) {
        // the snapshot after SNAP: parsed as it arrives; what follows it goes back to packet framing
        const pending = c.chunks;
        c.chunks = [];
        c.buffered = 0;
        let done: ReturnType<ZkSnapStreamDecoder["push"]> = undefined;
        try {
          for (let i = 0; i < pending.length; i++) {
            done = c.snapshot.push(pending[i]!);
            if (done !== undefined) {
              const after = pending.slice(i + 1);
              c.chunks = done.rest.length > 0 ? [done.rest, ...after] : after;
              for (const a of c.chunks) c.buffered += a.length;
              break;
            }
          }
        } catch (e) {
          c.snapshot = undefined;
          return this.fail(id, `bad snapshot stream: ${(e as Error).message}`);
        }
        if (done === undefined) return;
        c.snapshot = undefined;
        this.ev.snapshot(id, done.bytes);
        continue;
      }
      // QuorumPackets back to back, as ZooKeeper's Learner and LearnerHandler stream them (no length prefix)
      let size: number | undefined;
      try {
        size = packetExtent(c.buffered, c.intAt);
      } catch (e) {
        return this.fail(id, `undecodable packet: ${(e as Error).message}`);
      }
      if (size === undefined) return;
      const frame = this.head(c, size).subarray(0, size);
      let p: Packet;
      try {
        p = decodePacket(frame);
      } catch (e) {
        return this.fail(id, `undecodable packet: ${(e as Error).message}`);
      }
      this.consume(c, size);
      if (p.type === PacketType.SNAP) c.snapshot = new ZkSnapStreamDecoder(this.snapLimits);
      this.ev.packet(id, p);
    }
  }

  send(conn: number, p: Packet): void {
    const c = this.conns.get(conn);
    if (!c || !c.open) return;
    writePacket(c.out, p);
    this.queueFlush(c);
  }

  /** Raw bytes after what is queued (the snapshot stream after SNAP, which carries no length). */
  sendBytes(conn: number, bytes: Buffer): void {
    const c = this.conns.get(conn);
    if (!c || !c.open) return;
    if (bytes.length >= DIRECT_WRITE) {
      // a snapshot: after what is queued, without copying it
      this.flush(c);
      c.socket.write(bytes);
      return;
    }
    c.out.writeRaw(bytes);
    this.queueFlush(c);
  }

  private queueFlush(c: Conn): void {
    if (c.flushQueued) return;
    c.flushQueued = true;
    // After the current round of I/O callbacks: everything sent meanwhile (proposals, ACKs, commits, forwarded
    // requests) goes out in one write.
    setImmediate(c.flushTask);
  }

  /**
   * Writes out now what is queued on every connection, instead of after the current round of I/O callbacks: the
   * host calls it once a step of its loop sent all it had for the other members. A PROPOSAL, ACK or COMMIT sent
   * from a setImmediate callback (the host loop runs in one) would otherwise wait for the next loop turn, behind
   * every I/O callback of that turn (client requests read meanwhile on a leader).
   */
  flushAll(): void {
    for (const c of this.conns.values()) if (c.flushQueued) this.flush(c);
  }

  private flush(c: Conn): void {
    c.flushQueued = false;
    if (c.out.length === 0 || !c.open) return;
    const data = Buffer.from(c.out.view());
    c.out.reset();
    c.socket.write(data);
  }

  /** Closes after flushing what was written; no `closed` event for a connection closed here. */
  close(conn: number): void {
    const c = this.conns.get(conn);
    if (!c) return;
    this.flush(c);
    c.open = false;
    this.conns.delete(conn);
    c.socket.end();
    setTimeout(() => c.socket.destroy(), 2000).unref();
  }

  /** Resets every connection now (a test's network partition); returns their ids, which get no `closed` event. */
  resetAll(): number[] {
    const ids = [...this.conns.keys()];
    for (const id of ids) {
      const c = this.conns.get(id)!;
      c.open = false;
      c.socket.destroy();
    }
    this.conns.clear();
    return ids;
  }

  async shutdown(): Promise<void> {
    for (const id of [...this.conns.keys()]) {
      const c = this.conns.get(id)!;
      c.open = false;
      c.socket.destroy();
    }
    this.conns.clear();
    const server = this.server;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
