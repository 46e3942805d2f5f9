/** Test helpers: a raw-socket ZooKeeper session and a four-letter-word client. */
import * as net from "node:net";
import {
  ConnectRequest,
  ConnectResponse,
  FrameDecoder,
  ReplyHeader,
  RequestHeader,
  decode,
  encode,
  frame,
} from "@zkts/jute";

export function fourLetter(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1" }, () => s.write(word));
    const chunks: Buffer[] = [];
    s.on("data", (d) => chunks.push(d));
    s.on("error", reject);
    s.on("close", () => resolve(Buffer.concat(chunks).toString()));
  });
}

/** A minimal client over a raw socket: connect, then request/response in order. */
export class RawSession {
  private readonly dec = new FrameDecoder();
  private readonly frames: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      this.dec.push(d, (f) => this.frames.push(Buffer.from(f)));
      this.waiter?.();
    });
  }
  static async open(port: number): Promise<{ s: RawSession; resp: ConnectResponse }> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const c = net.connect({ port, host: "127.0.0.1" }, () => resolve(c));
      c.once("error", reject);
    });
    const s = new RawSession(socket);
    socket.write(
      frame(encode(ConnectRequest, { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 10000, sessionId: 0n, passwd: Buffer.alloc(16) })),
    );
    const f = await s.next();
    return { s, resp: decode(ConnectResponse, f, { allowTrailing: true }) };
  }
  async next(): Promise<Buffer> {
    while (this.frames.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no reply")), 10000);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.frames.shift()!;
  }
  async request(xid: number, type: number, body: Buffer): Promise<{ header: ReplyHeader; body: Buffer }> {
    this.socket.write(frame(Buffer.concat([encode(RequestHeader, { xid, type }), body])));
    const f = await this.next();
    return { header: decode(ReplyHeader, f.subarray(0, 16)), body: f.subarray(16) };
  }
}

