/**
 * The quorum-port transport (node:net): 4-byte length-framed jute QuorumPackets. After a SNAP packet the next
 * frame is the leader's snapshot (the @zkts/persistence snapshot bytes, one frame). Connections are numbered;
 * the driver maps them to ZabPeer's `conn` ids.
 */
import net from "node:net";
import { decodePacket, encodePacket, PacketType, type Packet } from "@zkts/zab";

/** Frames larger than this close the connection (a snapshot frame may be as large as this). */
const MAX_FRAME = 1 << 30;

export interface TransportEvents {
  /** A learner connected to our quorum port. */
  accepted(conn: number): void;
  packet(conn: number, p: Packet): void;
  snapshot(conn: number, bytes: Buffer): void;
  closed(conn: number): void;
  error(conn: number, message: string): void;
}

interface Conn {
  socket: net.Socket;
  buf: Buffer;
  expectSnapshot: boolean;
  open: boolean;
  corked: boolean;
}

export class QuorumTransport {
  private server: net.Server | undefined;
  private readonly conns = new Map<number, Conn>();
  private next = 1;

  constructor(private readonly ev: TransportEvents) {}

  listen(host: string, port: number): Promise<void> {
    const server = net.createServer((s) => {
      const id = this.add(s);
      this.ev.accepted(id);
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

  /** Dials a leader; resolves with the connection id, or rejects. */
  dial(host: string, port: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error("connect timeout"));
      }, timeoutMs);
      s.once("error", (e) => {
        clearTimeout(t);
        reject(e);
      });
      s.once("connect", () => {
        clearTimeout(t);
        s.removeAllListeners("error");
        resolve(this.add(s));
      });
    });
  }

  private add(s: net.Socket): number {
    const id = this.next++;
    s.setNoDelay(true);
    const c: Conn = { socket: s, buf: Buffer.alloc(0), expectSnapshot: false, open: true, corked: false };
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

  private onData(id: number, c: Conn, chunk: Buffer): void {
    c.buf = c.buf.length === 0 ? chunk : Buffer.concat([c.buf, chunk]);
    while (c.open && c.buf.length >= 4) {
      const len = c.buf.readInt32BE(0);
      if (len < 0 || len > MAX_FRAME) {
        this.ev.error(id, `bad frame length ${len}`);
        this.close(id);
        this.ev.closed(id);
        return;
      }
      if (c.buf.length < 4 + len) return;
      const frame = c.buf.subarray(4, 4 + len);
      c.buf = c.buf.subarray(4 + len);
      if (c.expectSnapshot) {
        c.expectSnapshot = false;
        this.ev.snapshot(id, Buffer.from(frame));
        continue;
      }
      let p: Packet;
      try {
        p = decodePacket(frame);
      } catch (e) {
        this.ev.error(id, `undecodable packet: ${(e as Error).message}`);
        this.close(id);
        this.ev.closed(id);
        return;
      }
      if (p.type === PacketType.SNAP) c.expectSnapshot = true;
      this.ev.packet(id, p);
    }
  }

  send(conn: number, p: Packet): void {
    this.sendBytes(conn, encodePacket(p));
  }

  sendBytes(conn: number, bytes: Buffer): void {
    const c = this.conns.get(conn);
    if (!c || !c.open) return;
    const hdr = Buffer.allocUnsafe(4);
    hdr.writeInt32BE(bytes.length, 0);
    // One write per event-loop turn for everything sent meanwhile (proposals, ACKs, forwarded requests).
    if (!c.corked) {
      c.corked = true;
      c.socket.cork();
      process.nextTick(() => {
        c.corked = false;
        c.socket.uncork();
      });
    }
    c.socket.write(hdr);
    c.socket.write(bytes);
  }

  /** Closes after flushing what was written; no `closed` event for a connection closed here. */
  close(conn: number): void {
    const c = this.conns.get(conn);
    if (!c) return;
    c.open = false;
    this.conns.delete(conn);
    c.socket.end();
    setTimeout(() => c.socket.destroy(), 2000).unref();
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
