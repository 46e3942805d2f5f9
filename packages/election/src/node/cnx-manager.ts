/**
 * node:net adapter of the quorum connection manager: listens on the election port, dials peers (with
 * back-off), runs the initial-message handshake and frames packets; every decision is QuorumCnxRules'.
 */
import * as net from "node:net";
import { type CnxAction, QuorumCnxRules } from "../cnx-rules.js";
import { nullLogger, type Clock, type Logger } from "@zkts/contracts";
import {
  ElectionFrameDecoder,
  encodeElectionFrame,
  encodeInitialMessage,
  HandshakeDecoder,
  type HostPort,
} from "../handshake.js";

/**
 * Where peer connections come from when they are not plain TCP: apps/server passes @zkts/tls's QuorumTls for
 * `sslQuorum=true` (the TLS handshake, the peer's certificate and host checked, port unification). A refused
 * connection is its business (counted and logged there); this adapter only sees sockets ready for the protocol.
 */
export interface PeerSockets {
  /** Secures an accepted connection; `done` gets the socket to use, or undefined when it was refused. */
  accept(raw: net.Socket, done: (sock: net.Socket | undefined) => void): void;
  /** Dials a peer; resolves with a ready socket, rejects when it cannot be reached or is refused. */
  dial(host: string, port: number, timeoutMs: number): Promise<net.Socket>;
}

/**
 * Authentication of election connections after the initial message (ZooKeeper's QuorumAuthLearner /
 * QuorumAuthServer: apps/server passes quorum SASL). A rejected promise drops the connection.
 */
export interface PeerAuth {
  /** On a dialled connection, after our initial message. */
  dialled(sock: net.Socket, sid: bigint): Promise<void>;
  /** On an accepted connection, after the peer's initial message (`rest`: bytes already read past it); resolves with the bytes read past the exchange. */
  accepted(sock: net.Socket, sid: bigint, rest: Buffer): Promise<Buffer>;
}

export interface NodeCnxManagerInit {
  mySid: bigint;
  /** Where to listen, and what we announce in the handshake (port 0: pick a free one). */
  electionAddr: HostPort;
  /** Election addresses of the other servers (can be filled after `listen()`). */
  peers?: Map<bigint, HostPort>;
  connectTimeoutMs?: number;
  /** An accepted connection must complete its initial message within this time (default 5000 ms). */
  handshakeTimeoutMs?: number;
  minDialBackoffMs?: number;
  maxDialBackoffMs?: number;
  /** TLS (or another source of peer sockets); default plain TCP. */
  sockets?: PeerSockets;
  /** Authentication after the initial message (quorum SASL); default none. */
  auth?: PeerAuth;
}

export interface NodeCnxManagerComponents {
  logger?: Logger;
  /** Monotonic time; defaults to performance.now(). */
  clock?: Pick<Clock, "monotonic">;
}

export class NodeCnxManager {
  readonly rules: QuorumCnxRules;
  readonly peers: Map<bigint, HostPort>;
  /** Called for every payload received from a peer (or looped back). */
  onMessage: (from: bigint, payload: Buffer) => void = () => {};
  private readonly log: Logger;
  private readonly clock: Pick<Clock, "monotonic">;
  private server: net.Server | undefined;
  private readonly sockets = new Map<number, net.Socket>();
  private nextConn = 1;
  private redialTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private announced: HostPort;
  private readonly connectTimeout: number;

  constructor(
    private readonly init: NodeCnxManagerInit,
    components: NodeCnxManagerComponents = {},
  ) {
    const rulesInit: ConstructorParameters<typeof QuorumCnxRules>[0] = { mySid: init.mySid };
    if (init.minDialBackoffMs !== undefined) rulesInit.minDialBackoffMs = init.minDialBackoffMs;
    if (init.maxDialBackoffMs !== undefined) rulesInit.maxDialBackoffMs = init.maxDialBackoffMs;
    this.rules = new QuorumCnxRules(rulesInit);
    this.peers = init.peers ?? new Map();
    this.log = components.logger ?? nullLogger;
    this.clock = components.clock ?? { monotonic: () => performance.now() };
    this.announced = { ...init.electionAddr };
    this.connectTimeout = init.connectTimeoutMs ?? 5_000;
  }

  /** The address we listen on and announce (with the real port once listening). */
  get electionAddr(): HostPort {
    return this.announced;
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<HostPort> {
    return new Promise((resolve, reject) => {
      const sockets = this.init.sockets;
      const server = net.createServer((raw) => {
        if (sockets === undefined) return this.accept(raw);
        sockets.accept(raw, (sock) => sock !== undefined && this.accept(sock));
      });
      server.once("error", reject);
      server.listen(this.init.electionAddr.port, this.init.electionAddr.host, () => {
        server.off("error", reject);
        const a = server.address() as net.AddressInfo;
        this.announced = { host: this.init.electionAddr.host, port: a.port };
        resolve(this.announced);
      });
      this.server = server;
    });
  }

  send(sid: bigint, payload: Buffer): void {
    if (this.stopped) return;
    this.rules.send(sid, payload, this.clock.monotonic());
    this.perform();
  }

  haveDelivered(): boolean {
    return this.rules.haveDelivered();
  }

  /** The connection to `sid` was established once and is gone now (QuorumCnxRules.isLost). */
  isLost(sid: bigint): boolean {
    return this.rules.isLost(sid);
  }

  connectAll(): void {
    if (this.stopped) return;
    this.rules.connectAll(this.clock.monotonic());
    this.perform();
  }

  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.redialTimer) clearTimeout(this.redialTimer);
    for (const s of this.sockets.values()) s.destroy();
    this.sockets.clear();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private perform(): void {
    for (const a of this.rules.take()) this.act(a);
    this.scheduleRedial();
  }

  private act(a: CnxAction): void {
    switch (a.kind) {
      case "deliver":
        // Loopback and received payloads reach the election asynchronously, as through ZooKeeper's queue.
        queueMicrotask(() => !this.stopped && this.onMessage(a.from, a.payload));
        return;
      case "write": {
        const s = this.sockets.get(a.conn);
        if (!s || s.destroyed) return;
        if (!s.write(encodeElectionFrame(a.payload))) {
          this.rules.writeBlocked(a.conn);
          s.once("drain", () => {
            this.rules.drained(a.conn);
            this.perform();
          });
        }
        return;
      }
      case "close": {
        const s = this.sockets.get(a.conn);
        this.log.debug("closing election connection", { conn: a.conn, reason: a.reason });
        if (s) s.end();
        return;
      }
      case "dial":
        this.dial(a.sid);
        return;
    }
  }

  private scheduleRedial(): void {
    if (this.stopped) return;
    const at = this.rules.nextDialAt();
    if (this.redialTimer) clearTimeout(this.redialTimer);
    this.redialTimer = undefined;
    if (at === undefined) return;
    this.redialTimer = setTimeout(() => this.connectAll(), Math.max(0, at - this.clock.monotonic()));
    this.redialTimer.unref();
  }

  private register(sock: net.Socket): number {
    const conn = this.nextConn++;
    this.sockets.set(conn, sock);
    sock.setNoDelay(true);
    sock.on("error", (e) => this.log.debug("election socket error", { conn, error: String(e) }));
    sock.on("close", () => {
      this.sockets.delete(conn);
      this.rules.closed(conn);
      this.perform();
    });
    return conn;
  }

  private readFrames(sock: net.Socket, conn: number, first?: Buffer): void {
    const frames = new ElectionFrameDecoder();
    const onData = (chunk: Buffer) => {
      try {
        frames.push(chunk, (p) => this.rules.received(conn, Buffer.from(p)));
      } catch (e) {
        this.log.warn("bad election packet, closing", { conn, error: String(e) });
        sock.destroy();
      }
      this.perform();
    };
    sock.on("data", onData);
    if (first && first.length > 0) onData(first);
  }

  private dial(sid: bigint): void {
    const addr = this.peers.get(sid);
    if (!addr || this.stopped) {
      if (!addr) this.log.warn("no election address for server", { sid });
      this.rules.dialFailed(sid, this.clock.monotonic());
      return;
    }
    if (this.init.sockets !== undefined) {
      this.init.sockets.dial(addr.host, addr.port, this.connectTimeout).then(
        (sock) => this.dialled(sid, sock),
        (e: unknown) => {
          this.log.debug("could not reach election peer", { sid, error: String(e) });
          this.rules.dialFailed(sid, this.clock.monotonic());
          this.perform();
        },
      );
      return;
    }
    const sock = net.connect({ host: addr.host, port: addr.port });
    let settled = false;
    const timer = setTimeout(() => sock.destroy(new Error("connect timeout")), this.connectTimeout);
    const fail = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.rules.dialFailed(sid, this.clock.monotonic());
      this.perform();
    };
    sock.once("error", fail);
    sock.once("close", fail);
    sock.once("connect", () => {
      settled = true;
      clearTimeout(timer);
      sock.off("error", fail);
      sock.off("close", fail);
      this.dialled(sid, sock);
    });
  }

  /** A dialled connection is up: the initial message, then frames (unless the rules drop it). */
  private dialled(sid: bigint, sock: net.Socket): void {
    if (this.stopped) {
      sock.destroy();
      return;
    }
    const auth = this.init.auth;
    if (auth === undefined) {
      const conn = this.register(sock);
      sock.write(encodeInitialMessage(this.init.mySid, this.announced));
      if (this.rules.outgoingEstablished(conn, sid) === "keep") this.readFrames(sock, conn);
      this.perform();
      return;
    }
    // Authenticated before the connection is handed to the rules (QuorumCnxManager.startConnection).
    sock.on("error", () => {});
    sock.write(encodeInitialMessage(this.init.mySid, this.announced));
    auth.dialled(sock, sid).then(
      () => {
        if (this.stopped || sock.destroyed) {
          sock.destroy();
          if (!this.stopped) this.failDial(sid);
          return;
        }
        const conn = this.register(sock);
        if (this.rules.outgoingEstablished(conn, sid) === "keep") this.readFrames(sock, conn);
        sock.resume();
        this.perform();
      },
      (e: unknown) => {
        this.log.warn("election peer authentication failed", { sid, error: String(e) });
        sock.destroy();
        this.failDial(sid);
      },
    );
  }

  private failDial(sid: bigint): void {
    this.rules.dialFailed(sid, this.clock.monotonic());
    this.perform();
  }

  private accept(sock: net.Socket): void {
    if (this.stopped) {
      sock.destroy();
      return;
    }
    const conn = this.register(sock);
    const hs = new HandshakeDecoder();
    const timer = setTimeout(() => {
      this.log.warn("election handshake timed out, closing", { conn });
      sock.destroy();
    }, this.init.handshakeTimeoutMs ?? 5_000);
    timer.unref();
    sock.once("close", () => clearTimeout(timer));
    const onData = (chunk: Buffer) => {
      let res;
      try {
        res = hs.push(chunk);
      } catch (e) {
        this.log.warn("bad election handshake, closing", { conn, error: String(e) });
        sock.destroy();
        return;
      }
      if (!res) return;
      clearTimeout(timer);
      sock.off("data", onData);
      const auth = this.init.auth;
      if (auth !== undefined) {
        // QuorumCnxManager.handleConnection: authServer.authenticate before the connection counts
        sock.pause();
        auth.accepted(sock, res.message.sid, res.rest).then(
          (rest) => {
            if (this.stopped || sock.destroyed) return;
            this.established(sock, conn, res.message, rest);
            sock.resume();
          },
          (e: unknown) => {
            this.log.warn("election peer authentication failed, closing", { conn, error: String(e) });
            sock.destroy();
          },
        );
        return;
      }
      this.established(sock, conn, res.message, res.rest);
    };
    sock.on("data", onData);
  }

  /** An accepted connection whose initial message (and authentication) is done. */
  private established(sock: net.Socket, conn: number, message: Parameters<QuorumCnxRules["incomingEstablished"]>[1], rest: Buffer): void {
    const sid = this.rules.incomingEstablished(conn, message, this.clock.monotonic());
    if (sid !== undefined) {
      // A peer that announced an address we do not know yet (e.g. a new server) can be dialled back.
      if (!this.peers.has(sid) && message.addresses[0]) this.peers.set(sid, message.addresses[0]);
      this.readFrames(sock, conn, rest);
    }
    this.perform();
  }
}
