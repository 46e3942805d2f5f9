/** Test helper: a pipelining raw ZooKeeper client over a socket (requests are answered in order). */
import * as net from "node:net";
import {
  ConnectRequest,
  ConnectResponse,
  CreateRequest,
  DeleteRequest,
  FrameDecoder,
  GetChildrenRequest,
  GetChildrenResponse,
  GetDataRequest,
  GetDataResponse,
  MultiHeader,
  OutputArchive,
  ReplyHeader,
  RequestHeader,
  SetDataRequest,
  WatcherEvent,
  decode,
  encode,
  frame,
} from "@zkts/jute";

export const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];

/** A pipelining raw client: requests are answered in order. */
export class Client {
  private readonly dec = new FrameDecoder();
  private readonly waiting: Array<{ ok: (f: Buffer) => void; fail: (e: Error) => void }> = [];
  private xid = 1;
  closed = false;
  /** Watch notifications received, in order. */
  readonly events: { type: number; path: string }[] = [];
  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) =>
      this.dec.push(d, (f) => {
        const b = Buffer.from(f);
        // a watch notification (xid -1) answers no request
        if (b.length >= 16 && b.readInt32BE(0) === -1) {
          const e = decode(WatcherEvent, b.subarray(16));
          this.events.push({ type: e.type, path: e.path ?? "" });
          return;
        }
        this.waiting.shift()?.ok(b);
      }),
    );
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w.fail(new Error("connection closed"));
    });
    socket.on("error", () => {});
  }
  static async connect(port: number, sessionId = 0n, passwd: Buffer = Buffer.alloc(16), opts: { readOnly?: boolean } = {}): Promise<{ c: Client; resp: ConnectResponse; readOnly?: boolean }> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(s));
      s.once("error", reject);
    });
    const c = new Client(socket);
    const f = c.nextFrame();
    const req = encode(ConnectRequest, { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId, passwd });
    // a client that accepts a read-only server sends the readOnly flag after the request (ClientCnxnSocket)
    socket.write(frame(opts.readOnly ? Buffer.concat([req, Buffer.from([1])]) : req));
    const body = await f;
    const resp = decode(ConnectResponse, body, { allowTrailing: true });
    // ZooKeeperServer.finishSessionInit: the response is followed by the server's read-only flag
    const tail = 4 + 4 + 8 + 4 + (resp.passwd?.length ?? 0);
    return { c, resp, ...(body.length > tail ? { readOnly: body[tail] === 1 } : {}) };
  }
  private nextFrame(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error("connection closed"));
      const t = setTimeout(() => reject(new Error("no reply")), 10000);
      this.waiting.push({
        ok: (f) => {
          clearTimeout(t);
          resolve(f);
        },
        fail: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
    });
  }
  async req(type: number, body: Buffer): Promise<{ err: number; body: Buffer }> {
    const f = this.nextFrame();
    this.socket.write(frame(Buffer.concat([encode(RequestHeader, { xid: this.xid++, type }), body])));
    const r = await f;
    return { err: decode(ReplyHeader, r.subarray(0, 16)).err, body: r.subarray(16) };
  }
  create(path: string, data: string, flags = 0) {
    return this.req(1, encode(CreateRequest, { path, data: Buffer.from(data), acl: OPEN, flags }));
  }
  setData(path: string, data: string) {
    return this.req(5, encode(SetDataRequest, { path, data: Buffer.from(data), version: -1 }));
  }
  delete(path: string) {
    return this.req(2, encode(DeleteRequest, { path, version: -1 }));
  }
  async get(path: string): Promise<{ err: number; data?: string; version?: number }> {
    const r = await this.req(4, encode(GetDataRequest, { path, watch: false }));
    if (r.err !== 0) return { err: r.err };
    const d = decode(GetDataResponse, r.body);
    return { err: 0, data: d.data?.toString() ?? "", version: d.stat.version };
  }
  /** getData leaving a data watch on `path`. */
  async getWatch(path: string): Promise<{ err: number; data?: string }> {
    const r = await this.req(4, encode(GetDataRequest, { path, watch: true }));
    if (r.err !== 0) return { err: r.err };
    return { err: 0, data: decode(GetDataResponse, r.body).data?.toString() ?? "" };
  }
  async children(path: string): Promise<{ err: number; children?: string[] }> {
    const r = await this.req(8, encode(GetChildrenRequest, { path, watch: false }));
    if (r.err !== 0) return { err: r.err };
    return { err: 0, children: decode(GetChildrenResponse, r.body).children ?? [] };
  }
  /** multi of setData ops on one path; err is the first op's error (0 when all succeeded). */
  async multiSet(path: string, values: string[]): Promise<{ err: number }> {
    const out = new OutputArchive(256);
    for (const v of values) {
      MultiHeader.write(out, { type: 5, done: false, err: -1 });
      SetDataRequest.write(out, { path, data: Buffer.from(v), version: -1 });
    }
    MultiHeader.write(out, { type: -1, done: true, err: -1 });
    const r = await this.req(14, out.toBuffer());
    if (r.err !== 0) return r;
    const h = decode(MultiHeader, r.body.subarray(0, 9), { allowTrailing: true });
    return { err: h.type === -1 ? h.err || -2 : 0 };
  }
  close() {
    this.socket.destroy();
  }
}

