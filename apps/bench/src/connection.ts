/**
 * One ZooKeeper session over a raw socket, speaking the wire protocol with @zkts/client-wire: the connect
 * handshake, pipelined requests answered in order, pings when idle, closeSession. Replies are matched to requests
 * by xid; by default only the 16-byte reply header is read (err), so the bench spends its CPU on the load.
 */
import { connect, type Socket } from "node:net";
import { decodeConnectResponse, decodeResponse, encodeConnectRequest, encodeRequest, OpCode, Xid } from "@zkts/client-wire";
import { FrameDecoder, frame } from "@zkts/jute";

export type ReplyCallback = (err: number, payload: Buffer, sentAt: number) => void;

const PING_FRAME = (() => {
  const b = Buffer.alloc(12);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(Xid.PING, 4);
  b.writeInt32BE(OpCode.ping, 8);
  return b;
})();

export interface ConnectOptions {
  host: string;
  port: number;
  sessionTimeoutMs: number;
  /** Give up on the TCP connect + handshake after this long. Default 15000. */
  connectTimeoutMs?: number;
  /**
   * Source address of the socket (e.g. 127.0.0.2): one source address has one ephemeral port range (~28,000 ports
   * here) towards one server port, so more connections than that need several.
   */
  localAddress?: string;
}

export class ConnectionClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectionClosedError";
  }
}

export class Connection {
  sessionId = 0n;
  negotiatedTimeoutMs = 0;
  pingsSent = 0;
  pingsAnswered = 0;
  /** Watch notifications (xid -1) received. */
  notifications = 0;
  /** Called with each watch notification's frame (header + WatcherEvent), when set. */
  onNotification: ((frame: Buffer) => void) | undefined = undefined;
  closed = false;
  private xid = 1;
  // In-flight requests in send order (ZooKeeper answers a session's requests in order).
  private qXid: number[] = [];
  private qSent: number[] = [];
  private qCb: ReplyCallback[] = [];
  private qHead = 0;
  private decoder = new FrameDecoder({ maxBuffer: 64 * 1024 * 1024 });
  private pingTimer: NodeJS.Timeout | undefined;
  private lastSend = 0;
  private onCloseHandlers: Array<(e: Error) => void> = [];

  private constructor(readonly socket: Socket) {}

  get outstanding(): number {
    return this.qXid.length - this.qHead;
  }

  /** Opens a TCP connection and creates a new session. */
  static open(opts: ConnectOptions): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: opts.host, port: opts.port, ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}) });
      socket.setNoDelay(true);
      const c = new Connection(socket);
      let done = false;
      const fail = (e: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      };
      const timer = setTimeout(
        () => fail(new Error(`connect to ${opts.host}:${opts.port} timed out`)),
        opts.connectTimeoutMs ?? 15_000,
      );
      socket.once("error", fail);
      socket.once("close", () => fail(new ConnectionClosedError("closed during the handshake")));
      socket.once("connect", () => {
        socket.write(
          frame(
            encodeConnectRequest({
              protocolVersion: 0,
              lastZxidSeen: 0n,
              timeOut: opts.sessionTimeoutMs,
              sessionId: 0n,
              passwd: Buffer.alloc(16),
              readOnly: false,
              hasReadOnly: true,
            }),
          ),
        );
      });
      const onHandshake = (chunk: Buffer) => {
        let first: Buffer | undefined;
        const rest: Buffer[] = [];
        try {
          c.decoder.push(chunk, (f) => (first === undefined ? (first = Buffer.from(f)) : rest.push(Buffer.from(f))));
        } catch (e) {
          fail(e as Error);
          return;
        }
        if (first === undefined) return;
        let resp;
        try {
          resp = decodeConnectResponse(first);
        } catch (e) {
          fail(e as Error);
          return;
        }
        if (resp.timeOut <= 0 || resp.sessionId === 0n) {
          fail(new Error("the server refused the session (timeOut 0)"));
          return;
        }
        done = true;
        clearTimeout(timer);
        socket.removeListener("data", onHandshake);
        socket.removeAllListeners("error");
        socket.removeAllListeners("close");
        c.sessionId = resp.sessionId;
        c.negotiatedTimeoutMs = resp.timeOut;
        c.attach();
        for (const f of rest) c.onFrame(f);
        resolve(c);
      };
      socket.on("data", onHandshake);
    });
  }

  private attach(): void {
    const socket = this.socket;
    socket.on("data", (chunk: Buffer) => {
      socket.cork();
      try {
        this.decoder.push(chunk, (f) => this.onFrame(f));
      } catch (e) {
        this.fail(e as Error);
      } finally {
        socket.uncork();
      }
    });
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new ConnectionClosedError("connection closed by the server")));
    this.lastSend = performance.now();
    const every = Math.max(100, Math.floor(this.negotiatedTimeoutMs / 3));
    this.pingTimer = setInterval(() => {
      if (this.closed) return;
      if (performance.now() - this.lastSend >= every * 0.9) {
        this.pingsSent++;
        this.lastSend = performance.now();
        socket.write(PING_FRAME);
      }
    }, every);
    this.pingTimer.unref();
  }

  private onFrame(f: Buffer): void {
    if (f.length < 16) {
      this.fail(new Error(`short reply (${f.length} bytes)`));
      return;
    }
    const xid = f.readInt32BE(0);
    if (xid < 0) {
      if (xid === Xid.PING) this.pingsAnswered++;
      else if (xid === Xid.NOTIFICATION) {
        this.notifications++;
        this.onNotification?.(f);
      }
      return; // other special xids are not the bench's business
    }
    if (this.qHead >= this.qXid.length) {
      this.fail(new Error(`reply xid ${xid} with nothing outstanding`));
      return;
    }
    const want = this.qXid[this.qHead]!;
    if (xid !== want) {
      this.fail(new Error(`reply xid ${xid} out of order (expected ${want})`));
      return;
    }
    const sentAt = this.qSent[this.qHead]!;
    const cb = this.qCb[this.qHead]!;
    this.qHead++;
    if (this.qHead > 4096 && this.qHead * 2 > this.qXid.length) {
      this.qXid = this.qXid.slice(this.qHead);
      this.qSent = this.qSent.slice(this.qHead);
      this.qCb = this.qCb.slice(this.qHead);
      this.qHead = 0;
    }
    cb(f.readInt32BE(12), f, sentAt);
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.socket.destroy();
    const cbs = this.qCb.slice(this.qHead);
    this.qXid = [];
    this.qSent = [];
    this.qCb = [];
    this.qHead = 0;
    for (const cb of cbs) cb(-4 /* CONNECTIONLOSS */, Buffer.alloc(0), 0);
    for (const h of this.onCloseHandlers) h(e);
  }

  onClose(handler: (e: Error) => void): void {
    this.onCloseHandlers.push(handler);
  }

  /** Sends one request; cb gets the reply header's err, the whole reply payload and the send time. */
  send(type: number, body: unknown, cb: ReplyCallback): void {
    if (this.closed) {
      cb(-4, Buffer.alloc(0), 0);
      return;
    }
    const xid = this.xid++;
    if (this.xid > 0x7ffffff0) this.xid = 1;
    const now = performance.now();
    this.qXid.push(xid);
    this.qSent.push(now);
    this.qCb.push(cb);
    this.lastSend = now;
    this.socket.write(frame(encodeRequest({ xid, type, body })));
  }

  /** Promise form of send, decoding the reply body with @zkts/client-wire. */
  call(type: number, body: unknown): Promise<{ err: number; body: unknown }> {
    return new Promise((resolve) => {
      this.send(type, body, (err, payload) => {
        if (err !== 0 || payload.length === 0) {
          resolve({ err, body: null });
          return;
        }
        resolve({ err, body: decodeResponse(payload, () => type).body });
      });
    });
  }

  /** Closes the session (closeSession, then the socket) and waits for the socket to go. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
      this.send(OpCode.closeSession, null, () => this.fail(new ConnectionClosedError("closed")));
    });
    this.fail(new ConnectionClosedError("closed"));
  }
}

/** Splits "host:port". */
export function parseHostPort(server: string): { host: string; port: number } {
  const i = server.lastIndexOf(":");
  return { host: server.slice(0, i), port: Number(server.slice(i + 1)) };
}

/**
 * Splits a server list "host:port[,host:port...]" (a ZooKeeper connect string without chroot). The bench spreads
 * its connections over the list: connection i goes to server i % n.
 */
export function parseServers(list: string): Array<{ host: string; port: number }> {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(parseHostPort);
}

/**
 * Opens `n` sessions with at most `concurrency` handshakes in flight; failures are counted, not thrown. `opts` may
 * be a function of the connection's index (0..n-1), e.g. to spread the sessions over several servers.
 */
export async function openMany(
  n: number,
  concurrency: number,
  opts: ConnectOptions | ((index: number) => ConnectOptions),
): Promise<{ conns: Connection[]; failures: number; firstError: string | undefined }> {
  const conns: Connection[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      try {
        conns.push(await Connection.open(typeof opts === "function" ? opts(i) : opts));
      } catch (e) {
        failures++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  return { conns, failures, firstError };
}
