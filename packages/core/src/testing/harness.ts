/** Test helpers: an in-memory ServerConnection and a tiny client speaking the wire protocol through it. */
import type { MetricsRegistry } from "@zkts/metrics";
import {
  decodeConnectResponse,
  decodeResponse,
  encodeConnectRequest,
  encodeRequest,
  type ConnectResponsePacket,
  type Response,
} from "@zkts/client-wire";
import { DataTree } from "@zkts/datatree";
import { nullLogger } from "@zkts/contracts";
import { ManualClock, seededRandom } from "@zkts/contracts/testing";
import { ZooKeeperServer, type ServerConnection, type ServerInit, type TxnLogPort } from "../server.js";

let nextConnId = 1;

export class FakeConnection implements ServerConnection {
  readonly id = nextConnId++;
  readonly sent: Buffer[] = [];
  closed: string | null = null;
  /** A TLS connection with a verified client certificate of this subject (as @zkts/nio-cnxn sets it). */
  readonly secure?: boolean;
  readonly x509Subject?: string;
  constructor(
    readonly remoteAddress = "127.0.0.1",
    readonly remotePort = 40000,
    x509Subject?: string,
  ) {
    if (x509Subject !== undefined) {
      this.secure = true;
      this.x509Subject = x509Subject;
    }
  }
  send(payload: Buffer): void {
    if (this.closed !== null) throw new Error("send after close");
    this.sent.push(payload);
  }
  close(reason: string): void {
    if (this.closed === null) this.closed = reason;
  }
}

export function makeServer(init: ServerInit = {}, opts: { txnLog?: TxnLogPort; seed?: number; metrics?: MetricsRegistry } = {}) {
  const clock = new ManualClock({ now: 1_700_000_000_000, monotonic: 0 });
  const tree = new DataTree({
    skipACL: init.skipACL ?? false,
    extendedTypesEnabled: init.extendedTypesEnabled ?? false,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  const server = new ZooKeeperServer(
    { tickTime: 2000, ...init },
    {
      clock,
      random: seededRandom(opts.seed ?? 42),
      logger: nullLogger,
      tree,
      ...(opts.txnLog ? { txnLog: opts.txnLog } : {}),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    },
  );
  server.start();
  return { server, clock, tree };
}

export interface ConnectOptions {
  timeout?: number;
  sessionId?: bigint;
  passwd?: Buffer;
  lastZxidSeen?: bigint;
  readOnly?: boolean | undefined;
  remoteAddress?: string;
  /** The client certificate's subject (a TLS connection). */
  x509Subject?: string;
}

/** A client session over a FakeConnection. Replies are decoded in order. */
export class TestClient {
  readonly conn: FakeConnection;
  private xid = 1;
  private readonly ops = new Map<number, number>();
  private read = 0;
  connectResponse: ConnectResponsePacket | undefined;

  constructor(
    /** A core, or anything that serves a client port like one (an ensemble member's `clientPort`). */
    readonly server: Pick<ZooKeeperServer, "handleConnect" | "handlePacket">,
    opts: ConnectOptions = {},
  ) {
    this.conn = new FakeConnection(opts.remoteAddress, undefined, opts.x509Subject);
    const hasReadOnly = opts.readOnly !== undefined;
    server.handleConnect(
      this.conn,
      encodeConnectRequest({
        protocolVersion: 0,
        lastZxidSeen: opts.lastZxidSeen ?? 0n,
        timeOut: opts.timeout ?? 30000,
        sessionId: opts.sessionId ?? 0n,
        passwd: opts.passwd ?? Buffer.alloc(16),
        readOnly: opts.readOnly ?? false,
        hasReadOnly,
      }),
    );
    const first = this.conn.sent[0];
    if (first !== undefined) {
      this.connectResponse = decodeConnectResponse(first);
      this.read = 1;
    }
  }

  get sessionId(): bigint {
    return this.connectResponse?.sessionId ?? 0n;
  }

  /** Sends a raw packet (header + body already encoded). */
  raw(payload: Buffer, xid?: number, type?: number): void {
    if (xid !== undefined && type !== undefined) this.ops.set(xid, type);
    this.server.handlePacket(this.conn, payload);
  }

  /** Sends a request; returns its xid. */
  send(type: number, body: unknown, xid?: number): number {
    const x = xid ?? this.xid++;
    this.ops.set(x, type);
    this.server.handlePacket(this.conn, encodeRequest({ xid: x, type, body }));
    return x;
  }

  /** Drops every packet received so far (after inspecting them raw). */
  skip(): void {
    this.read = this.conn.sent.length;
  }

  /** Every packet received since the last call, decoded. */
  replies(): Response[] {
    const out: Response[] = [];
    while (this.read < this.conn.sent.length) {
      const p = this.conn.sent[this.read++]!;
      out.push(decodeResponse(p, (x) => this.ops.get(x)));
    }
    return out;
  }

  /** Sends a request and returns its reply (notifications before it are returned in `events`). */
  call(type: number, body: unknown): Response & { events: Response[] } {
    const xid = this.send(type, body);
    const rs = this.replies();
    const reply = rs.find((r) => r.header.xid === xid || (type === 11 && r.header.xid === -2));
    if (reply === undefined) throw new Error(`no reply to xid ${xid} (type ${type})`);
    return { ...reply, events: rs.filter((r) => r.header.xid === -1) };
  }
}
