import * as net from "node:net";
import { FrameDecoder } from "@zkts/jute";
import type { CoreHandler, ServerConnection, ServerInfoView } from "../types.js";

/** Version string of the reference server the fixtures were captured from. */
export const REF_VERSION = "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC";

/** A stand-in for @zkts/core's ZooKeeperServer with the same shape. */
export class FakeCore implements CoreHandler {
  connects: { conn: ServerConnection; payload: Buffer }[] = [];
  packets: { conn: ServerConnection; payload: Buffer }[] = [];
  closed: ServerConnection[] = [];
  outstanding = 0;
  onOutstandingDrained?: (() => void) | undefined;
  /** Reply to each packet/connect; default: echo the payload. */
  onConnect: (conn: ServerConnection, payload: Buffer) => void = (c, p) => c.send(Buffer.from(p));
  onPacket: (conn: ServerConnection, payload: Buffer) => void = (c, p) => c.send(Buffer.from(p));
  resets = { stats: 0, connStats: 0 };
  info: ServerInfoView;

  constructor(info: Partial<ServerInfoView> = {}) {
    const self = this;
    this.info = {
      version: REF_VERSION,
      serverState: "standalone",
      zxid: 0n,
      nodeCount: 5,
      packetsReceived: 1,
      packetsSent: 1,
      latency: { min: 0, avg: 0, max: 0 },
      get outstanding() {
        return self.outstanding;
      },
      tickTime: 2000,
      minSessionTimeout: 4000,
      maxSessionTimeout: 40000,
      connections: () => [],
      sessions: () => [],
      watchSummary: () => ({ connections: 0, paths: 0, total: 0 }),
      namespaceStats: () => ({ read: new Map(), write: new Map() }),
      watchesBySession: () => new Map(),
      watchesByPath: () => new Map(),
      approximateDataSize: 0,
      ephemeralsCount: 0,
      config: {},
      watchCount: 0,
      isReadOnly: false,
      resetStats: () => {
        this.resets.stats++;
      },
      resetConnectionStats: () => {
        this.resets.connStats++;
      },
      ...info,
    };
  }

  handleConnect(conn: ServerConnection, payload: Buffer): void {
    this.connects.push({ conn, payload: Buffer.from(payload) });
    this.onConnect(conn, payload);
  }
  handlePacket(conn: ServerConnection, payload: Buffer): void {
    this.packets.push({ conn, payload: Buffer.from(payload) });
    this.onPacket(conn, payload);
  }
  connectionClosed(conn: ServerConnection): void {
    this.closed.push(conn);
  }
}

/** A raw test client: frames in and out, and a promise for the close. */
export class RawClient {
  readonly socket: net.Socket;
  readonly frames: Buffer[] = [];
  readonly raw: Buffer[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly decoder = new FrameDecoder({ maxBuffer: 64 * 1024 * 1024 });
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.raw.push(d);
      try {
        this.decoder.push(d, (f) => this.frames.push(Buffer.from(f)));
      } catch {
        // raw (4lw) output is not framed
      }
      this.wake();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `cond` holds (re-checked on every data/close event), or rejects after `ms`. */
  until(cond: () => boolean, ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting")), ms);
      const check = () => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  sendFrame(payload: Buffer): void {
    const h = Buffer.alloc(4);
    h.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([h, payload]));
  }

  text(): string {
    return Buffer.concat(this.raw).toString("latin1");
  }
}

/** Polls `cond` every few ms until true, or throws after `ms`. */
export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting for condition");
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends a four-letter word on a fresh connection and returns everything the server wrote before closing. */
export async function fourLetter(port: number, word: string | Buffer[]): Promise<string> {
  const c = await RawClient.connect(port);
  if (typeof word === "string") c.socket.write(word);
  else for (const part of word) {
    c.socket.write(part);
    await sleep(20);
  }
  await c.closed;
  return c.text();
}
