import * as net from "node:net";
import { FrameDecoder, FrameLengthError, DEFAULT_MAX_BUFFER } from "@zkts/jute";
import { M, MetricsRegistry, type Counter } from "@zkts/metrics";
import {
  fourLetterWordOf,
  notWhitelisted,
  parseWhitelist,
  runFourLetterWord,
  type CnxnStats,
  type ConnectionSnapshot,
  type DirSizes,
  type FourLetterContext,
} from "./four-letter.js";
import { nodeHost } from "./host.js";
import type { CoreHandler, Logger, ServerConnection } from "./types.js";
import { registerServerGauges } from "./server-gauges.js";

export interface StartServerOptions {
  /** Address to listen on. Default: all interfaces. */
  host?: string;
  /** Port; 0 picks a free one (read it back from the result). */
  port: number;
  core: CoreHandler;
  /** Connections per client IP; 0 = unlimited. Default 60. */
  maxClientCnxns?: number;
  /** jute.maxbuffer: the largest accepted packet. Default 0xfffff. */
  maxBuffer?: number;
  /** Close a connection that sends no connect request within this many ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Pause reading every socket while core has more outstanding requests than this; <= 0 disables. Default 1000. */
  globalOutstandingLimit?: number;
  /**
   * A connection the kernel stopped taking output from (the client is not reading) is closed once its unsent
   * output exceeds this many bytes. Default 16 MiB.
   */
  maxQueuedBytesPerConnection?: number;
  /** `4lw.commands.whitelist` (comma list or array; `*` = all). Default: only `srvr`. */
  fourLetterWhitelist?: string | readonly string[];
  /** Listen backlog. */
  backlog?: number;
  logger?: Logger;
  /** Wall clock for 4lw output (est/expiry times, uptime). Default Date.now. */
  now?: () => number;
  /** The server's metrics (connection counters are recorded there; mntr prints them). Default: a registry of its own. */
  metrics?: MetricsRegistry;
  /** Measures the data and log directories for `dirs` and `conf` (absent: those lines are left out). */
  dirSizes?: () => Promise<DirSizes>;
}

/** Counters of the connection layer (also reported by `mntr`). */
export interface NioStats extends CnxnStats {
  /** Bytes read from clients (the registry's `bytes_received_count`). */
  readonly bytesReceived: number;
  /** Connections refused by maxClientCnxns (the registry's `connection_rejected`). */
  readonly connectionRejected: number;
  connectionsAccepted: number;
  connectionsClosed: number;
  /** Frames with a length < 0 or > maxBuffer. */
  badLength: number;
  /** Packets core rejected by throwing (undecodable bytes). */
  decodeFailures: number;
  /** Connections closed for sending no connect request (the registry's `sessionless_connections_expired`). */
  readonly connectTimeouts: number;
  /** Connections closed because their unsent output passed maxQueuedBytesPerConnection. */
  slowConsumersClosed: number;
  fourLetterWords: number;
  packetsReceived: number;
  packetsSent: number;
  bytesSent: number;
  /** Times reading was paused globally because core.outstanding passed globalOutstandingLimit. */
  throttleEvents: number;
}

export interface RunningServer {
  readonly port: number;
  readonly address: string;
  readonly stats: Readonly<NioStats>;
  /** Live connections. */
  connectionCount(): number;
  /** What the commands read (AdminServer), with the directory sizes measured now. */
  commandContext(): Promise<FourLetterContext>;
  /** Stops accepting new connections; existing ones keep being served. */
  stopAccepting(): Promise<void>;
  /** Stops accepting, flushes and closes every connection. */
  close(): Promise<void>;
}

const nullLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Queued output past which send() writes to the socket at once instead of at the end of the tick. */
const FLUSH_EARLY_BYTES = 256 * 1024;

type PauseReason = "global" | "write";

let nextConnectionId = 1;

/** One client socket. Implements core's ServerConnection. */
export class NioConnection implements ServerConnection {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Plain TCP: no TLS, hence no peer certificates or x509 subject (see ServerConnection in @zkts/contracts). */
  readonly secure = false;
  packetsReceived = 0;
  packetsSent = 0;
  bytesReceived = 0;
  bytesSent = 0;
  lastActivity: number;
  /** fresh: before the first packet; open: core knows it; closing: flushing; closed. */
  state: "fresh" | "open" | "closing" | "closed" = "fresh";
  private head: Buffer | undefined;
  private readonly decoder: FrameDecoder;
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  /** flush() as one closure per connection rather than one per scheduled flush. */
  private readonly flushTask = (): void => this.flush();
  private readonly paused = new Set<PauseReason>();
  private connectTimer: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  /** Past the four-letter-word check: bytes now go to the frame decoder. */
  private pastHead = false;
  /** core.handleConnect was called, so core must hear connectionClosed. */
  private coreKnows = false;
  /**
   * Frames read but not yet handed to core because the output backed up (the socket is paused for "write"): a
   * burst of pipelined requests in one read chunk is answered only as fast as the client reads.
   */
  private backlog: Buffer[] = [];

  constructor(
    readonly socket: net.Socket,
    private readonly srv: NioServer,
  ) {
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? "");
    this.remotePort = socket.remotePort ?? 0;
    this.decoder = new FrameDecoder({ maxBuffer: srv.maxBuffer });
    this.lastActivity = srv.now();
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.resume("write"));
    socket.on("error", (err) => {
      srv.log.debug("connection error", { conn: this.id, remote: this.label, error: err.message });
    });
    socket.on("close", () => this.onClosed());
    if (srv.connectTimeoutMs > 0) {
      this.connectTimer = setTimeout(() => {
        if (this.state === "fresh") {
          srv.sessionlessExpired.inc();
          srv.log.info("closing connection that sent no connect request", {
            conn: this.id,
            remote: this.label,
            timeoutMs: srv.connectTimeoutMs,
          });
          this.abort("connect timeout");
        }
      }, srv.connectTimeoutMs);
      this.connectTimer.unref?.();
    }
  }

  get label(): string {
    return `${this.remoteAddress}:${this.remotePort}`;
  }

  /** Bytes queued and not yet taken by the kernel. */
  get queuedBytes(): number {
    return this.outBytes + this.socket.writableLength;
  }

  get readPaused(): boolean {
    return this.paused.size > 0;
  }

  send(payload: Buffer): void {
    if (this.state === "closed" || this.state === "closing") return;
    const header = Buffer.allocUnsafe(4);
    header.writeInt32BE(payload.length, 0);
    this.out.push(header, payload);
    this.queued(4 + payload.length);
  }

  /** A packet that already carries its length prefix (core's replies): queued without copying or re-framing. */
  sendFramed(frame: Buffer): void {
    if (this.state === "closed" || this.state === "closing") return;
    this.out.push(frame);
    this.queued(frame.length);
  }

  private queued(frameBytes: number): void {
    this.outBytes += frameBytes;
    this.packetsSent++;
    this.srv.noteResponse(frameBytes - 4);
    // While the kernel refuses more (the peer is not reading), input is paused; output that still piles up
    // (responses in flight, notifications) is bounded.
    if (this.paused.has("write") && this.queuedBytes > this.srv.maxQueuedBytes) {
      this.srv.stats.slowConsumersClosed++;
      this.srv.log.warn("closing connection: client is not reading its responses", {
        conn: this.id,
        remote: this.label,
        queuedBytes: this.queuedBytes,
        limit: this.srv.maxQueuedBytes,
      });
      this.abort("too many queued bytes");
      return;
    }
    if (this.outBytes >= FLUSH_EARLY_BYTES) {
      // Much output from one tick (e.g. many pipelined reads of big nodes): hand it to the socket now, so that
      // back-pressure (pause "write") applies before the rest of the chunk's requests are processed.
      this.flush();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  close(reason: string): void {
    if (this.state === "closing" || this.state === "closed") return;
    this.srv.log.debug("closing connection", { conn: this.id, remote: this.label, reason });
    this.state = "closing";
    this.clearConnectTimer();
    this.flush();
    this.socket.end();
    // Keep reading (and discarding) so the peer's FIN is seen and 'close' fires.
    this.paused.clear();
    this.socket.resume();
    // A peer that never reads keeps the end pending forever: bound it.
    this.endTimer = setTimeout(() => this.socket.destroy(), 5000);
    this.endTimer.unref?.();
  }

  /** Closes at once, dropping unsent output. */
  abort(reason: string): void {
    if (this.state === "closed") return;
    this.srv.log.debug("aborting connection", { conn: this.id, remote: this.label, reason });
    if (this.state !== "closing") this.state = "closing";
    this.out = [];
    this.outBytes = 0;
    this.backlog = [];
    this.socket.destroy();
  }

  pause(reason: PauseReason): void {
    // A closing connection keeps reading (and discarding) so that the peer's FIN is seen.
    if (this.state === "closing" || this.state === "closed") return;
    this.paused.add(reason);
    this.socket.pause();
  }

  resume(reason: PauseReason): void {
    if (!this.paused.delete(reason)) return;
    if (reason === "write") this.processBacklog();
    if (this.paused.size === 0 && this.state !== "closed") this.socket.resume();
  }

  /** Hands deferred frames to core until the output backs up again. */
  private processBacklog(): void {
    while (this.backlog.length > 0 && !this.paused.has("write") && this.state !== "closing" && this.state !== "closed") {
      this.dispatch(this.backlog.shift()!);
    }
    if (this.state === "closing" || this.state === "closed") this.backlog = [];
  }

  resetStats(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
  }

  snapshot(): ConnectionSnapshot {
    return {
      id: this.id,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      interestOps: this.readPaused || this.state === "closing" ? 0 : 1,
      packetsReceived: this.packetsReceived,
      packetsSent: this.packetsSent,
      lastActivity: this.lastActivity,
    };
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outBytes === 0 || this.socket.destroyed) return;
    const data = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    this.bytesSent += data.length;
    this.srv.stats.bytesSent += data.length;
    if (!this.socket.write(data) && this.state !== "closing") this.pause("write");
  }

  private onData(chunk: Buffer): void {
    if (this.state === "closing" || this.state === "closed") return;
    this.bytesReceived += chunk.length;
    this.srv.bytesReceived.inc(chunk.length);
    this.lastActivity = this.srv.now();
    let data = chunk;
    if (this.head !== undefined) {
      data = Buffer.concat([this.head, chunk]);
      this.head = undefined;
    }
    if (!this.pastHead) {
      // The first 4 bytes of a fresh connection may be a four-letter word.
      if (data.length < 4) {
        this.head = Buffer.from(data);
        return;
      }
      const word = fourLetterWordOf(data.readInt32BE(0));
      if (word !== undefined) {
        this.srv.fourLetter(this, word);
        return;
      }
      this.pastHead = true;
    }
    try {
      this.decoder.push(data, (payload) => this.onFrame(payload));
    } catch (err) {
      if (err instanceof FrameLengthError) {
        this.srv.stats.badLength++;
        if (err.length > 0) this.srv.stats.largeRequestsRejected++;
        this.srv.log.warn("closing connection: bad packet length", {
          conn: this.id,
          remote: this.label,
          length: err.length,
          maxBuffer: err.maxBuffer,
        });
        this.abort("bad length");
        return;
      }
      throw err;
    }
  }

  private onFrame(payload: Buffer): void {
    if (this.state === "closing" || this.state === "closed") return;
    if (this.paused.has("write") || this.backlog.length > 0) {
      this.backlog.push(payload);
      return;
    }
    this.dispatch(payload);
  }

  private dispatch(payload: Buffer): void {
    this.packetsReceived++;
    this.srv.stats.packetsReceived++;
    const core = this.srv.core;
    try {
      if (this.state === "fresh") {
        this.srv.connectionRequests.inc();
        this.state = "open";
        this.clearConnectTimer();
        this.coreKnows = true;
        core.handleConnect(this, payload);
      } else {
        core.handlePacket(this, payload);
      }
    } catch (err) {
      this.srv.stats.decodeFailures++;
      this.srv.log.warn("closing connection: packet rejected", {
        conn: this.id,
        remote: this.label,
        error: err instanceof Error ? err.message : String(err),
        code: (err as { code?: unknown } | null)?.code,
      });
      this.close("bad packet");
      return;
    }
    this.srv.checkThrottle();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }

  private onClosed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.clearConnectTimer();
    if (this.endTimer !== undefined) clearTimeout(this.endTimer);
    this.out = [];
    this.outBytes = 0;
    this.srv.forget(this);
    if (this.coreKnows) {
      try {
        this.srv.core.connectionClosed(this);
      } catch (err) {
        this.srv.log.error("core.connectionClosed threw", { conn: this.id, error: String(err) });
      }
    }
  }
}

function normalizeAddress(a: string): string {
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/** The listener: accepts sockets, enforces limits, answers four-letter words. */
export class NioServer {
  readonly maxBuffer: number;
  readonly maxClientCnxns: number;
  readonly connectTimeoutMs: number;
  readonly globalOutstandingLimit: number;
  readonly maxQueuedBytes: number;
  readonly whitelist: Set<string>;
  readonly log: Logger;
  readonly now: () => number;
  readonly stats: NioStats;
  readonly metrics: MetricsRegistry;
  readonly bytesReceived: Counter;
  readonly connectionRejected: Counter;
  readonly connectionRequests: Counter;
  readonly sessionlessExpired: Counter;
  private readonly dirSizes: (() => Promise<DirSizes>) | undefined;
  /** Removes ZooKeeperServer's gauges (registered in the metrics on start) when the server closes. */
  private readonly unregisterGauges: () => void;
  readonly connections = new Set<NioConnection>();
  private readonly perIp = new Map<string, number>();
  private throttled = false;
  readonly server: net.Server;

  constructor(
    readonly core: CoreHandler,
    opts: StartServerOptions,
  ) {
    this.maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
    this.maxClientCnxns = opts.maxClientCnxns ?? 60;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.globalOutstandingLimit = opts.globalOutstandingLimit ?? 1000;
    this.maxQueuedBytes = opts.maxQueuedBytesPerConnection ?? 16 * 1024 * 1024;
    this.whitelist = parseWhitelist(opts.fourLetterWhitelist);
    this.log = opts.logger ?? nullLogger;
    this.now = opts.now ?? Date.now;
    this.metrics = opts.metrics ?? new MetricsRegistry();
    this.dirSizes = opts.dirSizes;
    const bytesReceived = (this.bytesReceived = this.metrics.counter(M.BYTES_RECEIVED_COUNT));
    const connectionRejected = (this.connectionRejected = this.metrics.counter(M.CONNECTION_REJECTED));
    this.connectionRequests = this.metrics.counter(M.CONNECTION_REQUEST_COUNT);
    const sessionlessExpired = (this.sessionlessExpired = this.metrics.counter(M.SESSIONLESS_CONNECTIONS_EXPIRED));
    this.stats = {
      startedAt: this.now(),
      get bytesReceived() {
        return bytesReceived.value;
      },
      get connectionRejected() {
        return connectionRejected.value;
      },
      largeRequestsRejected: 0,
      lastClientResponseSize: -1,
      minClientResponseSize: -1,
      maxClientResponseSize: -1,
      connectionsAccepted: 0,
      connectionsClosed: 0,
      badLength: 0,
      decodeFailures: 0,
      get connectTimeouts() {
        return sessionlessExpired.value;
      },
      slowConsumersClosed: 0,
      fourLetterWords: 0,
      packetsReceived: 0,
      packetsSent: 0,
      bytesSent: 0,
      throttleEvents: 0,
    };
    this.unregisterGauges = registerServerGauges(this.metrics, {
      info: () => this.core.info,
      stats: this.stats,
      aliveConnections: () => {
        let n = 0;
        for (const c of this.connections) if (c.state !== "closed") n++;
        return n;
      },
      now: this.now,
    });
    const previous = core.onOutstandingDrained;
    core.onOutstandingDrained = () => {
      previous?.();
      this.checkThrottle();
    };
    this.server = net.createServer({ pauseOnConnect: false }, (s) => this.accept(s));
    this.server.on("error", (err) => this.log.error("listener error", { error: err.message }));
  }

  private accept(socket: net.Socket): void {
    const ip = normalizeAddress(socket.remoteAddress ?? "");
    const count = this.perIp.get(ip) ?? 0;
    if (this.maxClientCnxns > 0 && count >= this.maxClientCnxns) {
      this.connectionRejected.inc();
      this.log.warn(`Too many connections from /${ip} - max is ${this.maxClientCnxns}`, {
        remote: ip,
        maxClientCnxns: this.maxClientCnxns,
      });
      socket.on("error", () => {});
      socket.destroy();
      return;
    }
    this.perIp.set(ip, count + 1);
    this.stats.connectionsAccepted++;
    const conn = new NioConnection(socket, this);
    this.connections.add(conn);
    if (this.throttled) conn.pause("global");
    this.log.debug("accepted connection", { conn: conn.id, remote: conn.label });
  }

  forget(conn: NioConnection): void {
    if (!this.connections.delete(conn)) return;
    this.stats.connectionsClosed++;
    const n = (this.perIp.get(conn.remoteAddress) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(conn.remoteAddress);
    else this.perIp.set(conn.remoteAddress, n);
  }

  noteResponse(size: number): void {
    this.stats.packetsSent++;
    this.stats.lastClientResponseSize = size;
    if (this.stats.minClientResponseSize < 0 || size < this.stats.minClientResponseSize) {
      this.stats.minClientResponseSize = size;
    }
    if (size > this.stats.maxClientResponseSize) this.stats.maxClientResponseSize = size;
  }

  /** Pauses every socket while core is over globalOutstandingLimit; resumes when it is back under. */
  checkThrottle(): void {
    if (this.globalOutstandingLimit <= 0) return;
    const over = this.core.outstanding > this.globalOutstandingLimit;
    if (over && !this.throttled) {
      this.throttled = true;
      this.stats.throttleEvents++;
      this.log.info("throttling: too many outstanding requests", {
        outstanding: this.core.outstanding,
        limit: this.globalOutstandingLimit,
      });
      for (const c of this.connections) c.pause("global");
    } else if (!over && this.throttled) {
      this.throttled = false;
      this.log.info("throttling ended", { outstanding: this.core.outstanding });
      for (const c of this.connections) c.resume("global");
    }
  }

  get isThrottled(): boolean {
    return this.throttled;
  }

  fourLetter(conn: NioConnection, word: Parameters<typeof runFourLetterWord>[0]): void {
    this.stats.fourLetterWords++;
    conn.packetsReceived++;
    conn.state = "closing";
    if (!this.whitelist.has(word)) {
      this.log.info("four-letter word not in the whitelist", { word, remote: conn.label });
      this.answer(conn, notWhitelisted(word));
      return;
    }
    this.log.debug("four-letter word", { word, remote: conn.label });
    if ((word === "dirs" || word === "conf") && this.dirSizes !== undefined) {
      // The directory sizes are measured when asked (on the storage, asynchronously).
      this.dirSizes().then(
        (sizes) => this.answer(conn, this.runWord(word, sizes)),
        (err: unknown) => {
          this.log.warn("could not measure the data directories", { word, error: err instanceof Error ? err.message : String(err) });
          this.answer(conn, this.runWord(word, undefined));
        },
      );
      return;
    }
    this.answer(conn, this.runWord(word, undefined));
  }

  private answer(conn: NioConnection, text: string): void {
    conn.socket.end(text);
    setTimeout(() => conn.socket.destroy(), 5000).unref?.();
  }

  private runWord(word: Parameters<typeof runFourLetterWord>[0], dirSizes: DirSizes | undefined): string {
    try {
      return runFourLetterWord(word, this.context(dirSizes));
    } catch (err) {
      this.log.error("four-letter word failed", { word, error: err instanceof Error ? err.message : String(err) });
      return "";
    }
  }

  /** The context the commands read (four-letter words and the AdminServer alike). */
  context(dirSizes: DirSizes | undefined): FourLetterContext {
    return {
      info: this.core.info,
      connections: [...this.connections].filter((c) => c.state !== "closed").map((c) => c.snapshot()),
      stats: this.stats,
      metrics: this.metrics,
      dirSizes,
      host: nodeHost,
      resetConnectionStats: () => {
        for (const c of this.connections) c.resetStats();
      },
      resetServerStats: () => {
        this.stats.lastClientResponseSize = -1;
        this.stats.minClientResponseSize = -1;
        this.stats.maxClientResponseSize = -1;
      },
      now: this.now,
    };
  }

  /** The commands' context with the directory sizes measured now (they are left out if that fails). */
  async commandContext(): Promise<FourLetterContext> {
    let sizes: DirSizes | undefined;
    if (this.dirSizes !== undefined) {
      try {
        sizes = await this.dirSizes();
      } catch (err) {
        this.log.warn("could not measure the data directories", { error: err instanceof Error ? err.message : String(err) });
      }
    }
    return this.context(sizes);
  }

  private closed: Promise<void> | undefined;

  /** Stops accepting; the returned promise resolves at once (existing connections stay). */
  stopAccepting(): Promise<void> {
    if (this.closed === undefined) {
      this.closed = new Promise<void>((resolve) => {
        if (!this.server.listening) return resolve();
        this.server.close(() => resolve());
      });
    }
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.unregisterGauges();
    await this.stopAccepting();
    const closing = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.state === "closed") return resolve();
          c.socket.once("close", () => resolve());
          c.close("server shutting down");
        }),
    );
    await Promise.all(closing);
    await this.closed;
  }
}

/** Starts listening; resolves once the port is bound. */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const srv = new NioServer(opts.core, opts);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    srv.server.once("error", onError);
    srv.server.listen({ host: opts.host, port: opts.port, backlog: opts.backlog }, () => {
      srv.server.off("error", onError);
      resolve();
    });
  });
  const addr = srv.server.address() as net.AddressInfo;
  srv.log.info("listening for client connections", { address: addr.address, port: addr.port });
  return {
    port: addr.port,
    address: addr.address,
    stats: srv.stats,
    connectionCount: () => srv.connections.size,
    commandContext: () => srv.commandContext(),
    stopAccepting: () => srv.stopAccepting(),
    close: () => srv.close(),
  };
}
