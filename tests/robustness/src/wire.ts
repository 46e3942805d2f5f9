/** Raw-socket ZooKeeper client pieces for the robustness suite: probes that send arbitrary bytes and record what
 * the server answered, and a small healthy session (create/get/setData, watches, pings). */
import * as net from "node:net";
import { OpCode, decodeConnectResponse, encodeConnectRequest, encodeRequest } from "@zkts/client-wire";
import { FrameDecoder, ReplyHeader, decode, frame } from "@zkts/jute";

export const OPEN_ACL = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
export const PING_XID = -2;

/** The payload of a ConnectRequest (no length prefix). */
export function connectPayload(timeOut = 30_000): Buffer {
  return encodeConnectRequest({
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut,
    sessionId: 0n,
    passwd: Buffer.alloc(16),
    readOnly: false,
    hasReadOnly: true,
  });
}

/** RequestHeader + body as the payload of one frame. */
export function req(xid: number, type: number, body: unknown = null): Buffer {
  return encodeRequest({ xid, type, body });
}

/** A 4-byte big-endian int. */
export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0, 0);
  return b;
}

export function pingFrame(): Buffer {
  return frame(req(PING_XID, OpCode.ping));
}

/** The xid of the `exists "/"` a probe sends after its attack: its answer orders everything before it. */
export const SYNC_XID = 0x5a5a5a5a;

export function syncFrame(): Buffer {
  return frame(req(SYNC_XID, OpCode.exists, { path: "/", watch: false }));
}

export interface Reply {
  xid: number;
  zxid: bigint;
  err: number;
  /** The whole payload. */
  payload: Buffer;
}

/** A raw TCP connection that collects every frame the server sends and notices the close. */
export class RawConnection {
  readonly frames: Buffer[] = [];
  closed = false;
  /** Bytes received that did not form a complete frame before the close. */
  private readonly dec = new FrameDecoder({ maxBuffer: 256 * 1024 * 1024 });
  private waiters: (() => void)[] = [];
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      this.dec.push(d, (f) => this.frames.push(Buffer.from(f)));
      this.wake();
    });
    socket.on("error", () => {});
    this.closedPromise = new Promise<void>((resolve) =>
      socket.once("close", () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static open(port: number, host = "127.0.0.1", timeoutMs = 10_000): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      s.once("connect", () => {
        clearTimeout(t);
        s.removeListener("error", reject);
        resolve(new RawConnection(s));
      });
      s.once("error", (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(bytes: Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Resolves when `cond()` holds or the connection is closed; rejects after timeoutMs. */
  async until(cond: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond() && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the next frame (undefined if the connection closes first). */
  async nextFrame(timeoutMs = 10_000): Promise<Buffer | undefined> {
    await this.until(() => this.frames.length > 0, timeoutMs, "a frame");
    return this.frames.shift();
  }

  /** Sends a ConnectRequest and returns the session id of the ConnectResponse. */
  async handshake(timeOut = 30_000): Promise<bigint> {
    await this.write(frame(connectPayload(timeOut)));
    const f = await this.nextFrame();
    if (f === undefined) throw new Error("closed during the handshake");
    return decodeConnectResponse(f, { allowTrailing: true }).sessionId;
  }

  /** Closes the socket and waits for the close. */
  async destroy(): Promise<void> {
    this.socket.destroy();
    await this.closedPromise;
  }
}

export function replyOf(payload: Buffer): Reply {
  const h = decode(ReplyHeader, payload.subarray(0, 16));
  return { xid: h.xid, zxid: h.zxid, err: h.err, payload };
}

/** What a server did with some bytes. */
export interface Outcome {
  /** The session id of the ConnectResponse, when a handshake was made or the attack was a connect request. */
  sessionId?: bigint;
  /** Replies received (pings excluded), in order: header xid and err, and the body after the ReplyHeader as hex. */
  replies: { xid: number; err: number; body: string }[];
  /** The connection was still open afterwards: the sync request sent after the attack was answered. */
  open: boolean;
}

export interface ProbeOptions {
  /** Do the connect handshake first. Default true. */
  handshake?: boolean;
  /** Send a sync request (exists "/") after the attack and wait for its reply (or for the close). Default true. */
  sync?: boolean;
  timeoutMs?: number;
}

/**
 * Opens a connection, optionally handshakes, writes `attack` (already framed bytes), then a sync request
 * (`exists "/"` with xid SYNC_XID), and waits until it is answered (the connection survived) or the server closes
 * the connection. Deterministic: no quiet periods, the sync reply orders everything before it.
 */
export async function probe(port: number, attack: Buffer, opts: ProbeOptions = {}): Promise<Outcome> {
  const c = await RawConnection.open(port);
  try {
    let sessionId: bigint | undefined;
    if (opts.handshake ?? true) sessionId = await c.handshake();
    await c.write(attack);
    const sync = opts.sync ?? true;
    if (sync) await c.write(syncFrame());
    const out: Outcome = { replies: [], open: false };
    if (sessionId !== undefined) out.sessionId = sessionId;
    const timeoutMs = opts.timeoutMs ?? 15_000;
    let first = !(opts.handshake ?? true);
    for (;;) {
      let f: Buffer | undefined;
      try {
        f = await c.nextFrame(timeoutMs);
      } catch (e) {
        if (sync) throw e;
        out.open = true; // no close within timeoutMs
        break;
      }
      if (f === undefined) break;
      if (first) {
        // the attack itself was the first packet: its answer is a ConnectResponse
        first = false;
        out.sessionId = decodeConnectResponse(f, { allowTrailing: true }).sessionId;
        continue;
      }
      const r = replyOf(f);
      if (r.xid === SYNC_XID && sync) {
        out.open = true;
        break;
      }
      out.replies.push({ xid: r.xid, err: r.err, body: f.subarray(16).toString("hex") });
    }
    return out;
  } finally {
    await c.destroy();
  }
}

/** A well-behaved session: numbered requests, replies matched by xid, notifications collected, pings. */
export class HealthySession {
  private xid = 0;
  readonly notifications: { type: number; state: number; path: string }[] = [];
  private pinger: NodeJS.Timeout | undefined;
  private readonly replies = new Map<number, Reply>();

  private constructor(
    readonly conn: RawConnection,
    readonly sessionId: bigint,
  ) {}

  static async open(port: number, opts: { timeOut?: number; pingEveryMs?: number } = {}): Promise<HealthySession> {
    const c = await RawConnection.open(port);
    const sid = await c.handshake(opts.timeOut ?? 30_000);
    const s = new HealthySession(c, sid);
    c.socket.on("data", () => s.drain());
    const every = opts.pingEveryMs ?? 3000;
    s.pinger = setInterval(() => {
      if (!c.closed) void c.write(pingFrame());
    }, every);
    s.pinger.unref();
    return s;
  }

  private drain(): void {
    while (this.conn.frames.length > 0) {
      const r = replyOf(this.conn.frames.shift()!);
      if (r.xid === -1) {
        // WatcherEvent: int type, int state, ustring path
        const p = r.payload;
        const len = p.readInt32BE(24);
        this.notifications.push({ type: p.readInt32BE(16), state: p.readInt32BE(20), path: p.subarray(28, 28 + len).toString() });
      } else if (r.xid !== PING_XID) {
        this.replies.set(r.xid, r);
      }
    }
  }

  async call(type: number, body: unknown, timeoutMs = 10_000): Promise<Reply> {
    const xid = ++this.xid;
    await this.conn.write(frame(req(xid, type, body)));
    await this.conn.until(() => this.replies.has(xid), timeoutMs, `reply to xid ${xid}`);
    const r = this.replies.get(xid);
    if (r === undefined) throw new Error(`connection closed before the reply to xid ${xid}`);
    this.replies.delete(xid);
    return r;
  }

  create(path: string, data: Buffer = Buffer.alloc(0), flags = 0): Promise<Reply> {
    return this.call(OpCode.create, { path, data, acl: OPEN_ACL, flags });
  }

  /** getData; the data is returned when err is 0. */
  async getData(path: string, watch = false): Promise<{ err: number; data?: Buffer }> {
    const r = await this.call(OpCode.getData, { path, watch });
    if (r.err !== 0) return { err: r.err };
    const len = r.payload.readInt32BE(16);
    return { err: 0, data: len < 0 ? Buffer.alloc(0) : r.payload.subarray(20, 20 + len) };
  }

  setData(path: string, data: Buffer, version = -1): Promise<Reply> {
    return this.call(OpCode.setData, { path, data, version });
  }

  delete(path: string, version = -1): Promise<Reply> {
    return this.call(OpCode.delete, { path, version });
  }

  async waitForNotification(path: string, type: number, timeoutMs = 10_000): Promise<void> {
    await this.conn.until(
      () => this.notifications.some((n) => n.path === path && n.type === type),
      timeoutMs,
      `notification ${type} on ${path}`,
    );
    if (!this.notifications.some((n) => n.path === path && n.type === type)) {
      throw new Error(`connection closed before notification ${type} on ${path}`);
    }
  }

  async close(): Promise<void> {
    if (this.pinger !== undefined) clearInterval(this.pinger);
    await this.conn.destroy();
  }
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): { next(): number; int(n: number): number; bytes(n: number): Buffer } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  return { next, int, bytes };
}
