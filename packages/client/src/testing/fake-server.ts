/**
 * Test support: a scripted ZooKeeper server speaking the real wire format (client-wire codecs), recording every
 * ConnectRequest and request so tests can check exactly what the client sends.
 */
import { createServer, type Server, type Socket } from "node:net";
import {
  decodeConnectRequest,
  decodeRequest,
  encodeConnectResponse,
  encodeNotification,
  encodeResponse,
  OpCode,
  type ConnectRequestPacket,
  type Request,
} from "@zkts/client-wire";
import { FrameDecoder, frame, zeroStat, type Stat } from "@zkts/jute";

export const ZERO_STAT: Stat = Object.freeze(zeroStat());

export class FakeServer {
  readonly connects: ConnectRequestPacket[] = [];
  /** Requests per connection, in arrival order. */
  readonly requests: Request[][] = [];
  readonly sockets: Socket[] = [];
  /** The zxid put in reply headers. */
  zxid = 0x42n;
  sessionId = 0x1234n;
  passwd = Buffer.alloc(16, 7);
  /** timeOut of ConnectResponses (0 = session expired). */
  timeOut = 3000;
  /** Answer as a read-only server. */
  readOnly = false;
  /** Swap two replies' order (to test the client's xid check). */
  misorder = false;
  /**
   * Answers SASL packets: the reply's error code and token (as ZooKeeperServer.processSasl: a failure is an error
   * code with a null token, then the connection is closed when `close` is set); "drop" cuts the connection with no
   * reply. Default: error -6 (unimplemented).
   */
  sasl: ((token: Buffer | null, connection: number) => { err?: number; token: Buffer | null; close?: boolean } | "drop") | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(): Promise<FakeServer> {
    return new Promise((resolve) => {
      let fake: FakeServer;
      const server = createServer((s) => fake.onConnection(s));
      server.listen(0, "127.0.0.1", () => {
        const addr = server.address();
        if (addr === null || typeof addr === "string") throw new Error("no address");
        fake = new FakeServer(server, addr.port);
        resolve(fake);
      });
    });
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  private onConnection(s: Socket): void {
    this.sockets.push(s);
    s.on("error", () => undefined);
    const dec = new FrameDecoder();
    let reqs: Request[] | undefined;
    let held: Buffer | undefined;
    s.on("data", (chunk: Buffer) => {
      dec.push(chunk, (payload) => {
        if (reqs === undefined) {
          const cr = decodeConnectRequest(payload);
          this.connects.push(cr);
          reqs = [];
          this.requests.push(reqs);
          s.write(
            frame(
              encodeConnectResponse({
                protocolVersion: 0,
                timeOut: this.timeOut,
                sessionId: this.timeOut > 0 ? this.sessionId : 0n,
                passwd: this.timeOut > 0 ? this.passwd : Buffer.alloc(16),
                readOnly: this.readOnly,
                hasReadOnly: cr.hasReadOnly,
              }),
            ),
          );
          if (this.timeOut <= 0) s.end();
          return;
        }
        const req = decodeRequest(payload);
        reqs.push(req);
        const reply = this.reply(req);
        if (reply === undefined) return;
        if (this.misorder && held === undefined && req.type === OpCode.exists) {
          held = reply;
          return;
        }
        s.write(reply);
        if (held) {
          s.write(held);
          held = undefined;
        }
      });
    });
  }

  private reply(req: Request): Buffer | undefined {
    const header = (err = 0, zxid = this.zxid) => ({ xid: req.xid, zxid, err });
    switch (req.type) {
      case OpCode.ping:
        return frame(encodeResponse({ header: header(0, this.zxid), body: null }, OpCode.ping));
      case OpCode.auth:
        return frame(encodeResponse({ header: header(0, 0n), body: null }, OpCode.auth));
      case OpCode.getData:
        return frame(encodeResponse({ header: header(), body: { data: Buffer.from("d"), stat: ZERO_STAT } }, OpCode.getData));
      case OpCode.exists:
        return frame(encodeResponse({ header: header(), body: { stat: ZERO_STAT } }, OpCode.exists));
      case OpCode.sasl: {
        if (this.sasl === undefined) return frame(encodeResponse({ header: header(-6), body: null }));
        const r = this.sasl((req.body as { token: Buffer | null }).token, this.requests.length - 1);
        if (r === "drop") {
          this.sockets.at(-1)?.destroy();
          return undefined;
        }
        if (r.close) setImmediate(() => this.sockets.at(-1)?.end());
        return frame(encodeResponse({ header: header(r.err ?? 0, 0n), body: { token: r.token } }, OpCode.sasl));
      }
      case OpCode.addWatch:
        return frame(encodeResponse({ header: header(), body: { err: 0 } }, OpCode.addWatch));
      case OpCode.setWatches:
      case OpCode.setWatches2:
      case OpCode.closeSession:
        return frame(encodeResponse({ header: header(), body: null }, req.type));
      default:
        return frame(encodeResponse({ header: header(-6), body: null }));
    }
  }

  /** Sends a watch notification on the latest connection. */
  notify(type: number, path: string): void {
    this.sockets.at(-1)!.write(frame(encodeNotification({ type, state: 3, path })));
  }

  /** Cuts every connection. */
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
