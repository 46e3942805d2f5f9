import * as net from "node:net";
import { DEFAULT_MAX_BUFFER } from "@zkts/jute";
import { M, MetricsRegistry, type Counter } from "@zkts/metrics";
import { NioConnection, normalizeAddress, type TlsPeer } from "./connection.js";
import {
  notWhitelisted,
  parseWhitelist,
  runFourLetterWord,
  type CnxnStats,
  type DirSizes,
  type FourLetterContext,
} from "./four-letter.js";
import { nodeHost } from "./host.js";
import type { CoreHandler, Logger } from "./types.js";
import { registerServerGauges } from "./server-gauges.js";
import { ClientPortTls, type ClientPortTlsOptions, type Peer } from "./tls.js";

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
  /**
   * ZooKeeper's globalOutstandingLimit: while core has more outstanding requests than this, a connection that sends
   * a request stops reading until its own requests are answered (see NioServer.shouldThrottle); <= 0 disables.
   * Default 1000.
   */
  globalOutstandingLimit?: number;
  /**
   * Longest the frames read in one event-loop turn are handed to core (ms): past it, the rest wait in their
   * connections' backlogs (those connections stop reading) and go on in the next turn, in the order they waited.
   * A burst of thousands of sockets ready at once (sessions closing together) is then handled over several turns
   * instead of one. <= 0: no limit. Default 10.
   */
  turnBudgetMs?: number;
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
  /** TLS settings for `secure` and `portUnification` (required by either). */
  tls?: ClientPortTlsOptions;
  /** `secureClientPort` / `secureClientPortAddress`: a second listener that speaks TLS only (port 0: a free one). */
  secure?: { port: number; host?: string };
  /** `client.portUnification`: the plain port also accepts TLS clients (told apart by their first bytes). */
  portUnification?: boolean;
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
  /** The secure client port, when one was asked for. */
  readonly securePort: number | undefined;
  /** The TLS side (reload, handshake counts), when TLS is on. */
  readonly tls: ClientPortTls | undefined;
  readonly stats: Readonly<NioStats>;
  /** Live connections. */
  connectionCount(): number;
  /** What the commands read (AdminServer), with the directory sizes measured now. */
  commandContext(): Promise<FourLetterContext>;
  /** Stops accepting new connections; existing ones keep being served. */
  stopAccepting(): Promise<void>;
  /**
   * NIOServerCnxnFactory.reconfigure: closes the (plain or unified) listener and listens at `host`:`port` instead;
   * existing connections keep being served. A bind failure is logged and leaves no listener (as ZooKeeper).
   * `port` and `address` then name the new listener.
   */
  reconfigure(host: string | undefined, port: number): Promise<void>;
  /** Stops accepting, flushes and closes every connection. */
  close(): Promise<void>;
}

const nullLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The listener: accepts sockets, enforces limits, answers four-letter words. */
export class NioServer {
  readonly maxBuffer: number;
  readonly maxClientCnxns: number;
  readonly connectTimeoutMs: number;
  readonly globalOutstandingLimit: number;
  readonly maxQueuedBytes: number;
  readonly turnBudgetMs: number;
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
  /** performance.now() when this turn's first frame went to core; -1 before it (see mayDispatch). */
  private turnStart = -1;
  /** Connections whose frames wait for a later turn (the turn budget was spent), in the order they waited. */
  private waitingTurn: NioConnection[] = [];
  server: net.Server;
  /** The secure client port's listener. */
  readonly secureServer: net.Server | undefined;
  readonly tls: ClientPortTls | undefined;
  private readonly unified: boolean;
  private readonly backlog: number | undefined;

  constructor(
    readonly core: CoreHandler,
    opts: StartServerOptions,
  ) {
    this.maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
    this.maxClientCnxns = opts.maxClientCnxns ?? 60;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.globalOutstandingLimit = opts.globalOutstandingLimit ?? 1000;
    this.maxQueuedBytes = opts.maxQueuedBytesPerConnection ?? 16 * 1024 * 1024;
    this.turnBudgetMs = opts.turnBudgetMs ?? 10;
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
      host: nodeHost,
    });
    const previous = core.onOutstandingDrained;
    core.onOutstandingDrained = () => {
      previous?.();
      this.checkThrottle();
    };
    if ((opts.secure !== undefined || opts.portUnification === true) && opts.tls === undefined) {
      throw new Error("the secure client port and port unification need TLS settings (a key store)");
    }
    this.tls = opts.tls !== undefined && (opts.secure !== undefined || opts.portUnification === true) ? new ClientPortTls(opts.tls, this.log, this.metrics) : undefined;
    this.unified = opts.portUnification === true;
    this.backlog = opts.backlog;
    this.server = this.plainListener();
    if (opts.secure !== undefined) {
      this.secureServer = net.createServer({ pauseOnConnect: false }, (s) => this.accept(s, "secure"));
      this.secureServer.on("error", (err) => this.log.error("secure listener error", { error: err.message }));
    }
  }

  /** Enforces maxClientCnxns, then serves the socket plainly or hands it to the TLS side first. */
  private plainListener(): net.Server {
    const l = net.createServer({ pauseOnConnect: false }, (s) => this.accept(s, this.unified ? "unified" : "plain"));
    l.on("error", (err) => this.log.error("listener error", { error: err.message }));
    return l;
  }

  /** NIOServerCnxnFactory.reconfigure: the old listener closed first, then the new one bound; connections stay. */
  async reconfigure(host: string | undefined, port: number): Promise<void> {
    if (this.closed !== undefined) return;
    const old = this.server;
    if (old.listening) old.close();
    const next = this.plainListener();
    this.server = next;
    try {
      await listen(next, host, port, this.backlog);
      const a = next.address() as net.AddressInfo;
      this.log.info("client port reconfigured", { address: a.address, port: a.port });
    } catch (e) {
      this.log.error("error reconfiguring the client port", { host: host ?? "", port, error: (e as Error).message });
    }
  }

  private accept(socket: net.Socket, mode: "plain" | "secure" | "unified"): void {
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
    const peer: Peer = { address: ip, port: socket.remotePort ?? 0 };
    if (mode === "plain") return this.adopt(socket, peer, undefined);
    socket.setNoDelay(true);
    const adopt = this.adopt.bind(this);
    const release = () => this.releaseIp(ip);
    if (mode === "secure") this.tls!.secure(socket, peer, adopt, release);
    else this.tls!.unified(socket, peer, adopt, release);
  }

  /** A socket ready to serve (plain, or TLS with its handshake done) becomes a connection. */
  private adopt(socket: net.Socket, peer: Peer, tls: TlsPeer | undefined): void {
    this.stats.connectionsAccepted++;
    const conn = new NioConnection(socket, this, peer, tls);
    this.connections.add(conn);
    this.log.debug("accepted connection", { conn: conn.id, remote: conn.label, secure: conn.secure });
  }

  private releaseIp(ip: string): void {
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  forget(conn: NioConnection): void {
    if (!this.connections.delete(conn)) return;
    this.stats.connectionsClosed++;
    this.releaseIp(conn.remoteAddress);
  }

  noteResponse(size: number): void {
    this.stats.packetsSent++;
    this.stats.lastClientResponseSize = size;
    if (this.stats.minClientResponseSize < 0 || size < this.stats.minClientResponseSize) {
      this.stats.minClientResponseSize = size;
    }
    if (size > this.stats.maxClientResponseSize) this.stats.maxClientResponseSize = size;
  }

  /**
   * Notes when core passes globalOutstandingLimit and when it is back under (throttleEvents, a log line). Reading is
   * throttled per connection, as ZooKeeper does (shouldThrottle).
   */
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
    } else if (!over && this.throttled) {
      this.throttled = false;
      this.log.info("throttling ended", { outstanding: this.core.outstanding });
    }
  }

  /**
   * Whether a frame may go to core in this event-loop turn: false once this turn's frames have taken turnBudgetMs
   * (the caller keeps the frame, stops reading and waits: waitTurn). A turn starts with its first frame and ends in
   * the check phase that follows it (setImmediate), where the connections that waited go on first.
   */
  mayDispatch(): boolean {
    if (this.turnBudgetMs <= 0) return true;
    const now = performance.now();
    if (this.turnStart < 0) {
      this.turnStart = now;
      setImmediate(this.endTurn);
      return true;
    }
    return now - this.turnStart < this.turnBudgetMs;
  }

  /** A connection keeps frames for a later turn (it has paused reading for "turn"). */
  waitTurn(conn: NioConnection): void {
    this.waitingTurn.push(conn);
  }

  private readonly endTurn = (): void => {
    this.turnStart = -1;
    if (this.waitingTurn.length === 0) return;
    const waiting = this.waitingTurn;
    this.waitingTurn = [];
    let i = 0;
    // a fresh budget: the connections that waited go on in order until it is spent (they wait again, behind)
    for (; i < waiting.length && this.mayDispatch(); i++) waiting[i]!.resume("turn");
    if (i < waiting.length) this.waitingTurn = waiting.slice(i).concat(this.waitingTurn);
  };

  /**
   * ZooKeeperServer.shouldThrottle with ServerCnxn's outstanding count: while core holds more requests than
   * globalOutstandingLimit, a connection with requests of its own outstanding stops reading. It is asked when a
   * request arrives (the request itself is still handed to core: a bystander's read is never held behind other
   * connections' writes) and when a reply goes out (the connection reads again once this is false). Requests with
   * xid <= 0 (pings, auth, setWatches) are not counted, so a ping is never held by the throttle.
   */
  shouldThrottle(connOutstanding: number): boolean {
    return connOutstanding > 0 && this.globalOutstandingLimit > 0 && this.core.outstanding > this.globalOutstandingLimit;
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
      const stop = (l: net.Server | undefined) =>
        new Promise<void>((resolve) => {
          if (l === undefined || !l.listening) return resolve();
          l.close(() => resolve());
        });
      this.closed = Promise.all([stop(this.server), stop(this.secureServer)]).then(() => undefined);
    }
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.unregisterGauges();
    this.tls?.close();
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
function listen(l: net.Server, host: string | undefined, port: number, backlog: number | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    l.once("error", onError);
    l.listen({ host, port, backlog }, () => {
      l.off("error", onError);
      resolve();
    });
  });
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const srv = new NioServer(opts.core, opts);
  await listen(srv.server, opts.host, opts.port, opts.backlog);
  let addr = srv.server.address() as net.AddressInfo;
  srv.log.info("listening for client connections", { address: addr.address, port: addr.port, portUnification: opts.portUnification === true });
  let securePort: number | undefined;
  if (srv.secureServer !== undefined && opts.secure !== undefined) {
    const secure = srv.secureServer;
    try {
      await new Promise<void>((resolve, reject) => {
        secure.once("error", reject);
        secure.listen({ host: opts.secure!.host, port: opts.secure!.port, backlog: opts.backlog }, () => {
          secure.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      await srv.close();
      throw err;
    }
    const sa = secure.address() as net.AddressInfo;
    securePort = sa.port;
    srv.log.info("listening for secure client connections", { address: sa.address, port: sa.port });
  }
  return {
    get port() {
      return addr.port;
    },
    get address() {
      return addr.address;
    },
    securePort,
    tls: srv.tls,
    stats: srv.stats,
    connectionCount: () => srv.connections.size,
    commandContext: () => srv.commandContext(),
    stopAccepting: () => srv.stopAccepting(),
    reconfigure: async (host, port) => {
      await srv.reconfigure(host, port);
      const a = srv.server.address() as net.AddressInfo | null;
      if (a !== null) addr = a;
    },
    close: () => srv.close(),
  };
}
