/**
 * One session over a host list, as the Java client's ClientCnxn: connecting to each host in turn (per-host
 * connect timeout, a jittered pause after a full round), the ConnectRequest/ConnectResponse handshake with the
 * session id, password and last zxid seen, priming a new connection (auth, then watch replay, then queued
 * requests; with SASL, after the login), framing and pipelined writes, matching replies to requests in order,
 * notifications, session states, and the end of the session (expiry, auth failure, close).
 */
import type { EventEmitter } from "node:events";
import { reverse } from "node:dns/promises";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { verifyServerHost } from "@zkts/tls";
import { decodeConnectResponse, decodeResponse, encodeConnectRequest, KeeperError, OpCode, Xid } from "@zkts/client-wire";
import { FrameDecoder, type WatcherEvent } from "@zkts/jute";
import type { HostPort } from "./connect-string.js";
import { AuthFailedError, ClientClosedError, ConnectionLossError, errorFromCode, SessionExpiredError } from "./errors.js";
import { Auths } from "./auth.js";
import { dispatchNotification } from "./events.js";
import { Heartbeat } from "./heartbeat.js";
import { EMPTY_PASSWD, hostConnectTimeout, retryPause, type ResolvedOptions } from "./options.js";
import { errorWithPath, RequestQueue } from "./request-queue.js";
import { toBuffer } from "./requests.js";
import { sniFor } from "./tls.js";
import { SaslExchange } from "./sasl.js";
import { setWatchesRequests } from "./set-watches.js";
import type { CallOptions, ClientEvents, SessionState } from "./types.js";
import type { WatchManager } from "./watch-manager.js";

const TERMINAL: ReadonlySet<SessionState> = new Set(["expired", "authFailed", "closed"]);

export type TerminalState = "expired" | "authFailed" | "closed";

/** What a connection needs from its client. */
export interface CnxnOwner<O> {
  /** The client: receives the session events, and is what `connect()` resolves with. */
  readonly events: O;
  readonly hosts: readonly HostPort[];
  readonly chroot: string;
  readonly watches: WatchManager;
  /** The session ended (before its `state` event): watch iterators end. */
  sessionEnded(state: TerminalState, error: () => KeeperError): void;
}

function frameOf(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

export class ClientCnxn<O extends EventEmitter<ClientEvents>> {
  state: SessionState | "idle" = "idle";
  closing = false;
  private closePromise: Promise<void> | undefined;

  sessionId = 0n;
  passwd: Buffer = EMPTY_PASSWD;
  negotiatedTimeout = 0;
  lastZxid = 0n;
  private hostIndex = -1;
  private failedInCycle = 0;
  /** Rounds of the host list that all failed since the client was last connected (the retry pause grows with it). */
  private failedCycles = 0;
  private currentHost: HostPort | undefined;

  private sock: Socket | null = null;
  private sockError: Error | undefined;
  handshakeDone = false;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly heartbeat = new Heartbeat();
  private writeBuf: Buffer[] = [];
  private flushScheduled = false;
  /** The SASL login of the current connection while it runs (ClientCnxn.tunnelAuthInProgress): requests wait. */
  private sasl: SaslExchange | undefined;

  readonly queue: RequestQueue;
  readonly auths = new Auths();
  private readonly events: O;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly owner: CnxnOwner<O>,
  ) {
    this.events = owner.events;
    this.queue = new RequestQueue(opts.maxOutstanding, {
      refusing: () => this.closing || this.isTerminal,
      refusal: (path) => errorWithPath(this.terminalError(), path),
      queued: () => {
        if (this.handshakeDone) this.scheduleFlush();
      },
    });
  }

  /** The server of the current connection, once its handshake is done. */
  get connectedHost(): HostPort | undefined {
    return this.handshakeDone ? this.currentHost : undefined;
  }
  get isConnected(): boolean {
    return this.state === "connected" || this.state === "connectedReadOnly";
  }
  get isTerminal(): boolean {
    return TERMINAL.has(this.state as SessionState);
  }
  /** A connection with a session is up. */
  get live(): boolean {
    return this.handshakeDone && this.sock !== null;
  }

  /** Starts connecting (if not started); resolves with the client once connected. See ZooKeeperClient.connect. */
  connect(options: CallOptions = {}): Promise<O> {
    if (this.state === "idle") {
      this.setState("connecting");
      this.attempt();
    }
    return this.waitConnected(options);
  }

  private waitConnected(options: CallOptions): Promise<O> {
    if (this.isConnected) return Promise.resolve(this.events);
    if (this.isTerminal) return Promise.reject(this.terminalError());
    return new Promise<O>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onState = (s: SessionState) => {
        if (s === "connected" || s === "connectedReadOnly") done(() => resolve(this.events));
        else if (TERMINAL.has(s)) done(() => reject(this.terminalError()));
      };
      const onAbort = () => done(() => reject(options.signal!.reason));
      const done = (f: () => void) => {
        this.events.off("state", onState);
        options.signal?.removeEventListener("abort", onAbort);
        if (timer) clearTimeout(timer);
        f();
      };
      this.events.on("state", onState);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeout !== undefined && options.timeout > 0) {
        timer = setTimeout(
          () => done(() => reject(new ConnectionLossError(undefined, `not connected after ${options.timeout} ms`))),
          options.timeout,
        );
      }
    });
  }

  private setState(s: SessionState): void {
    if (this.state === s) return;
    this.state = s;
    this.events.emit("state", s);
    if (s !== "connecting") this.events.emit(s);
  }

  terminalError(path?: string): KeeperError {
    switch (this.state) {
      case "expired":
        return new SessionExpiredError(path);
      case "authFailed":
        return new AuthFailedError(path);
      default:
        return new ClientClosedError();
    }
  }

  /** Queues a request (connecting first if not started); see RequestQueue.submit. */
  request<T>(opcode: number, body: unknown, path: string | undefined, call: CallOptions = {}, onReply?: (err: number) => void): Promise<T> {
    if (this.closing || this.isTerminal) return Promise.reject(errorWithPath(this.terminalError(), path));
    if (this.state === "idle") this.connect().catch(() => undefined);
    return this.queue.submit<T>(opcode, body, path, call, this.opts.requestTimeout, onReply);
  }

  /** Adds an identity to the session; sent now when connected, and on every later connection. */
  addAuth(scheme: string, auth: Buffer | string): Promise<void> {
    if (this.closing || this.isTerminal) return Promise.reject(this.terminalError());
    const { entry, done } = this.auths.add(scheme, toBuffer(auth) ?? Buffer.alloc(0));
    if (this.state === "idle") this.connect().catch(() => undefined);
    if (this.live && this.sasl === undefined) this.write(this.auths.packet(entry));
    return done;
  }

  /** Tries the next host of the list. */
  private attempt(): void {
    this.retryTimer = undefined;
    if (this.isTerminal || this.closing) return;
    this.hostIndex = (this.hostIndex + 1) % this.owner.hosts.length;
    const host = this.owner.hosts[this.hostIndex]!;
    const tls = this.opts.tls;
    const sock: Socket =
      tls === undefined
        ? netConnect({ host: host.host, port: host.port })
        : tlsConnect({
            ...tls.connect,
            host: host.host,
            port: host.port,
            servername: sniFor(tls, host.host),
            rejectUnauthorized: true,
            // the host check is ZooKeeper's (verifyServerHost, after the handshake), not Node's
            checkServerIdentity: () => undefined,
          });
    sock.setNoDelay(true);
    this.sock = sock;
    this.sockError = undefined;
    this.handshakeDone = false;
    this.currentHost = host;
    const decoder = new FrameDecoder({ maxBuffer: this.opts.maxPacketSize + 64 });
    const timeout = hostConnectTimeout(this.opts, this.negotiatedTimeout, this.owner.hosts.length);
    this.handshakeTimer = setTimeout(() => this.drop(sock), timeout);
    const sendConnect = () => {
      if (this.sock !== sock) return;
      const req = encodeConnectRequest({
        protocolVersion: 0,
        lastZxidSeen: this.lastZxid,
        timeOut: this.opts.sessionTimeout,
        sessionId: this.sessionId,
        passwd: this.passwd,
        readOnly: this.opts.canBeReadOnly,
        hasReadOnly: true,
      });
      this.write(req);
    };
    let tlsPhase: "tcp" | "handshake" | "done" = "tcp";
    if (tls === undefined) sock.once("connect", sendConnect);
    else {
      sock.once("connect", () => (tlsPhase = "handshake"));
      sock.once("secureConnect", () => {
        tlsPhase = "done";
        if (!tls.hostnameVerification) return sendConnect();
        this.checkServerHost(sock as TLSSocket, host.host).then(
          (problem) => {
            if (problem === undefined) return sendConnect();
            if (this.sock === sock) this.sockError = new Error(problem);
            this.drop(sock);
          },
          (e: unknown) => {
            if (this.sock === sock) this.sockError = e as Error;
            this.drop(sock);
          },
        );
      });
    }
    sock.on("data", (chunk: Buffer) => {
      if (this.sock !== sock) return;
      this.heartbeat.lastRecv = Date.now();
      try {
        decoder.push(chunk, (payload) => {
          if (this.sock === sock) this.onFrame(sock, payload);
        });
      } catch {
        this.drop(sock);
      }
    });
    sock.on("error", (e) => {
      if (this.sock !== sock) return;
      // a refused certificate or protocol is named as a TLS failure (Node's message says which)
      this.sockError = tlsPhase === "handshake" ? new Error(`TLS handshake failed: ${e.message}`, { cause: e }) : e;
    });
    sock.on("close", () => this.onSocketClosed(sock));
  }

  /**
   * ZooKeeper's server host check (ZKTrustManager.performHostVerification): the address connected to, then the
   * connect string's host name, or the address's reverse lookup when the connect string gave an address.
   */
  private async checkServerHost(sock: TLSSocket, host: string): Promise<string | undefined> {
    const cert = sock.getPeerX509Certificate();
    const address = sock.remoteAddress;
    if (cert === undefined || address === undefined) return "the server sent no certificate";
    if (isIP(host) === 0) return verifyServerHost(cert, address, host);
    const first = verifyServerHost(cert, address, undefined);
    if (first === undefined) return undefined;
    const names = await reverse(address).catch(() => [] as string[]);
    return names.length > 0 ? verifyServerHost(cert, address, names[0]) : first;
  }

  /** Closes a connection; the session survives (the client reconnects). */
  private drop(sock: Socket): void {
    sock.destroy();
    this.onSocketClosed(sock);
  }

  private onSocketClosed(sock: Socket): void {
    if (this.sock !== sock) return;
    this.sock = null;
    const wasConnected = this.handshakeDone;
    this.handshakeDone = false;
    clearTimeout(this.handshakeTimer);
    this.heartbeat.stop();
    this.writeBuf = [];
    this.sasl = undefined;
    this.auths.connectionLost();
    this.queue.failInflight((p) => new ConnectionLossError(p.path));
    if (this.closing) {
      this.teardown("closed");
      return;
    }
    if (this.isTerminal) return;
    if (wasConnected) {
      this.failedInCycle = 0;
      this.setState("disconnected");
      this.attempt();
      return;
    }
    const host = this.currentHost;
    if (host !== undefined) this.events.emit("connectFailed", host, this.sockError);
    if (this.isTerminal || this.closing) return;
    this.failedInCycle++;
    if (this.failedInCycle >= this.owner.hosts.length) {
      this.failedInCycle = 0;
      this.retryTimer = setTimeout(() => this.attempt(), retryPause(this.opts, this.failedCycles++));
    } else {
      this.attempt();
    }
  }

  private onFrame(sock: Socket, payload: Buffer): void {
    if (!this.handshakeDone) {
      this.onConnectResponse(sock, payload);
      return;
    }
    const xid = payload.length >= 4 ? payload.readInt32BE(0) : 0;
    if (xid === Xid.PING) return;
    if (this.sasl !== undefined && xid === this.sasl.xid) {
      this.onSaslReply(this.sasl, payload);
      return;
    }
    if (xid === Xid.AUTH) {
      const err = payload.length >= 16 ? payload.readInt32BE(12) : 0;
      if (!this.auths.replied(err)) this.teardown("authFailed");
      return;
    }
    const inflight = this.queue.inflight;
    const head = inflight[0];
    let resp;
    try {
      resp = decodeResponse(payload, (x) => (head !== undefined && head.xid === x ? head.opcode : undefined), {
        allowTrailing: true,
        maxBuffer: this.opts.maxPacketSize,
      });
    } catch {
      this.drop(sock);
      return;
    }
    const { header, body } = resp;
    if (xid === Xid.NOTIFICATION) {
      dispatchNotification(body as WatcherEvent, this.owner.chroot, this.owner.watches, this.events);
      return;
    }
    if (head === undefined || head.xid !== xid) {
      // Replies must come in request order (ClientCnxn: "Xid out of order").
      this.drop(sock);
      return;
    }
    inflight.shift();
    if (header.zxid > 0n && header.zxid > this.lastZxid) this.lastZxid = header.zxid;
    const err = header.err;
    this.queue.finish(head, err === 0 ? undefined : () => errorFromCode(err, head.path), body, err);
  }

  private onConnectResponse(sock: Socket, payload: Buffer): void {
    clearTimeout(this.handshakeTimer);
    let resp;
    try {
      resp = decodeConnectResponse(payload, { allowTrailing: true });
    } catch {
      this.drop(sock);
      return;
    }
    if (resp.timeOut <= 0) {
      sock.destroy();
      this.sock = null;
      this.teardown("expired");
      return;
    }
    this.sessionId = resp.sessionId;
    this.passwd = resp.passwd ?? EMPTY_PASSWD;
    this.negotiatedTimeout = resp.timeOut;
    this.handshakeDone = true;
    this.failedInCycle = 0;
    this.failedCycles = 0;
    this.heartbeat.start(
      resp.timeOut,
      () => {
        if (this.sock === sock) this.drop(sock);
      },
      (ping) => {
        if (this.sock === sock) this.write(ping);
      },
    );
    if (this.opts.sasl !== undefined) {
      // ZooKeeperSaslClient: a new login on every connection, right after the session handshake; the auth
      // replay, the watches and the queued requests wait until it is done (ClientCnxnSocket holds them).
      this.sasl = new SaslExchange(this.opts.sasl, () => this.queue.nextXid());
      this.write(this.sasl.start());
      this.setState(resp.readOnly ? "connectedReadOnly" : "connected");
      return;
    }
    this.setState(resp.readOnly ? "connectedReadOnly" : "connected");
    this.prime();
  }

  /** Primes the connection: auth first, then the watches, then whatever callers queued. */
  private prime(): void {
    for (const a of this.auths.entries) this.write(this.auths.packet(a));
    const { watches, chroot } = this.owner;
    for (const r of setWatchesRequests(watches, chroot, this.lastZxid, this.opts.setWatchesBatchBytes)) {
      void this.sendInternal(r.opcode, r.body);
    }
    this.scheduleFlush();
  }

  /**
   * A reply to a SASL packet: the next token goes out, or the login is done (SaslAuthenticated, then the connection
   * is primed), or it failed: the session ends in authFailed (ZooKeeper's client: AUTH_FAILED, the event, no
   * reconnect), whatever the server or its token did wrong.
   */
  private onSaslReply(sasl: SaslExchange, payload: Buffer): void {
    if (this.closing) {
      // closeSession went out meanwhile: the login is moot, nothing more is sent
      this.sasl = undefined;
      return;
    }
    const step = sasl.reply(payload);
    if ("send" in step) {
      this.write(step.send);
      return;
    }
    this.sasl = undefined;
    if ("failed" in step) {
      this.events.emit("saslFailed", step.failed);
      this.teardown("authFailed");
      return;
    }
    this.events.emit("saslAuthenticated");
    this.prime();
  }

  /** Sends a request that bypasses the queue (setWatches, closeSession); resolves with the reply's err. */
  private sendInternal(opcode: number, body: unknown): Promise<number> {
    return this.queue.internal(opcode, body, (payload) => this.write(payload));
  }

  private write(buf: Buffer): void {
    this.writeBuf.push(frameOf(buf));
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  /** Writes what is buffered, and (with a session) every queued request, in one socket write. */
  private flush(): void {
    this.flushScheduled = false;
    const sock = this.sock;
    if (sock === null) return;
    if (this.handshakeDone && this.sasl === undefined) {
      for (const payload of this.queue.takeOutgoing(this.opts.maxPacketSize)) this.writeBuf.push(frameOf(payload));
    }
    if (this.writeBuf.length === 0) return;
    const bufs = this.writeBuf;
    this.writeBuf = [];
    this.heartbeat.lastSend = Date.now();
    sock.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
  }

  /** Ends the session locally: everything pending fails, watch iterators end. */
  private teardown(state: TerminalState): void {
    if (this.isTerminal) return;
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.retryTimer);
    this.heartbeat.stop();
    const sock = this.sock;
    this.sock = null;
    this.handshakeDone = false;
    this.sasl = undefined;
    sock?.destroy();
    this.state = state;
    const err = () => this.terminalError();
    this.queue.failInflight((p) => errorWithPath(err(), p.path));
    this.queue.failOutgoing((p) => errorWithPath(err(), p.path));
    this.queue.refuseWaiters();
    this.auths.rejectAll(err);
    this.owner.sessionEnded(state, err);
    this.owner.watches.clear();
    this.state = "idle";
    this.setState(state);
  }

  /** Ends the session; see ZooKeeperClient.close. */
  close(options: { timeout?: number } = {}): Promise<void> {
    if (this.closePromise) return this.closePromise;
    if (this.isTerminal || this.state === "idle") {
      this.closing = true;
      if (!this.isTerminal) this.teardown("closed");
      return (this.closePromise = Promise.resolve());
    }
    this.closing = true;
    // Queued requests go out before closeSession and get their replies; when not connected they fail now, as
    // do callers still waiting for a slot.
    this.queue.refuseWaiters();
    if (this.live) this.flush();
    this.queue.failOutgoing(() => new ClientClosedError());
    this.closePromise = (async () => {
      if (this.live) {
        const timeout = options.timeout ?? 2000;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.sendInternal(OpCode.closeSession, null),
          new Promise<void>((r) => (timer = setTimeout(r, timeout))),
        ]);
        clearTimeout(timer);
      }
      this.teardown("closed");
    })();
    return this.closePromise;
  }
}
