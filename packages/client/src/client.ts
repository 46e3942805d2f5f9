/**
 * The ZooKeeper client: one session over a host list, re-established transparently on another host (same session
 * id and password, lastZxidSeen), with auth and watch replay, pings, typed operations, pipelining with a bounded
 * outstanding queue, per-call timeouts and AbortSignal.
 */
import { EventEmitter } from "node:events";
import { connect as netConnect, type Socket } from "node:net";
import {
  AddWatchMode,
  CreateMode,
  decodeConnectResponse,
  decodeResponse,
  encodeConnectRequest,
  encodeRequest,
  ErrorCode,
  EventType,
  Ids,
  KeeperError,
  KeeperState,
  OpCode,
  WatcherType,
  Xid,
  type MultiOp,
  type OpResult,
} from "@zkts/client-wire";
import { DEFAULT_MAX_BUFFER, FrameDecoder, type ACL, type Stat, type WatcherEvent } from "@zkts/jute";
import {
  joinPath,
  parentPath,
  parseConnectString,
  prependChroot,
  shuffle,
  stripChroot,
  validatePath,
  type HostPort,
} from "./connect-string.js";
import {
  AuthFailedError,
  ClientClosedError,
  ConnectionLossError,
  errorFromCode,
  MarshallingError,
  NoWatcherError,
  RequestTimeoutError,
  SessionExpiredError,
  TransactionError,
} from "./errors.js";
import { makeEvent, WatchManager, type WatchEvent, type Watcher, type WatchKind } from "./watch-manager.js";

export type { ACL, Stat } from "@zkts/jute";

/** Session states, reported by the `state` event and by the event of the same name. */
export type SessionState =
  | "connecting"
  | "connected"
  | "connectedReadOnly"
  | "disconnected"
  | "expired"
  | "authFailed"
  | "closed";

export interface ClientOptions {
  /** Requested session timeout in ms (the server clamps it to [2, 20] ticks). Default 30000. */
  sessionTimeout?: number;
  /** Per-host connect timeout (TCP connect + handshake), ms. Default: sessionTimeout / number of hosts. */
  connectTimeout?: number;
  /** Default per-call timeout in ms (0 = none). Per-call `timeout` overrides it. Default 0. */
  requestTimeout?: number;
  /** Most requests queued or in flight at once; further calls wait for a slot. Default 1000. */
  maxOutstanding?: number;
  /** Pause after every host of the list failed once, ms (jittered by `random`). Default 1000. */
  retryDelay?: number;
  /** Random source in [0, 1) for the host shuffle and retry jitter (inject for deterministic tests). */
  random?: () => number;
  /** Accept a read-only server (state `connectedReadOnly`). Default false. */
  canBeReadOnly?: boolean;
  /** Resume an existing session. */
  sessionId?: bigint;
  sessionPassword?: Buffer;
  /** Largest packet accepted or sent (jute.maxbuffer). Default 0xfffff. */
  maxPacketSize?: number;
  /** Batch limit (sum of path lengths) of one setWatches packet on reconnect. Default 128 KiB, as Java. */
  setWatchesBatchBytes?: number;
  /** Auth to send on every connection, as if addAuth was called before connect. */
  authInfo?: Array<{ scheme: string; auth: Buffer | string }>;
}

export interface CallOptions {
  /** Aborts the call (the promise rejects with the signal's reason; a sent request's reply is dropped). */
  signal?: AbortSignal;
  /** Timeout of this call in ms; rejects with RequestTimeoutError. */
  timeout?: number;
}

export type Data = Buffer | Uint8Array | string | null | undefined;

export type CreateModeName =
  | "persistent"
  | "ephemeral"
  | "persistentSequential"
  | "ephemeralSequential"
  | "container"
  | "persistentWithTTL"
  | "persistentSequentialWithTTL";

const createModeNames: Record<CreateModeName, CreateMode> = {
  persistent: CreateMode.PERSISTENT,
  ephemeral: CreateMode.EPHEMERAL,
  persistentSequential: CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeralSequential: CreateMode.EPHEMERAL_SEQUENTIAL,
  container: CreateMode.CONTAINER,
  persistentWithTTL: CreateMode.PERSISTENT_WITH_TTL,
  persistentSequentialWithTTL: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
};

export interface CreateOptions extends CallOptions {
  /** CreateMode number or name. Default persistent. */
  mode?: CreateMode | CreateModeName;
  /** Default Ids.OPEN_ACL_UNSAFE. */
  acl?: ACL[];
  /** TTL in ms for the *WithTTL modes (the server needs extendedTypesEnabled). */
  ttl?: number | bigint;
}

export interface WatchOptions extends CallOptions {
  /** A one-shot watch: the callback, or `true` for the client's default watcher (the `watch` event). */
  watch?: Watcher | true;
}

export interface VersionOptions extends CallOptions {
  /** Expected version; -1 (default) matches any. */
  version?: number;
}

export interface CreateResult {
  path: string;
  stat: Stat;
}

export interface DataResult {
  data: Buffer | null;
  stat: Stat;
}

export interface ChildrenResult {
  children: string[];
  stat: Stat;
}

export interface ChildWithData {
  name: string;
  path: string;
  data: Buffer | null;
  stat: Stat;
}

export type WatchTypeName = "data" | "children" | "any" | "persistent" | "persistentRecursive";

export interface RemoveWatchesOptions extends CallOptions {
  /** Remove only this callback (default: every watcher of the type on the path). */
  watcher?: Watcher;
  /** Remove locally even when the server cannot be reached (Java's `local` flag). */
  local?: boolean;
}

export interface AddWatchOptions extends CallOptions {
  /** Watch the node and all its descendants (PERSISTENT_RECURSIVE). Default false (PERSISTENT). */
  recursive?: boolean;
}

export interface ReconfigOptions extends CallOptions {
  joining?: string | null;
  leaving?: string | null;
  newMembers?: string | null;
  /** Expected current config version (-1 = any). */
  fromConfig?: bigint;
}

/** One op of a transaction (multi). */
export type TxnOp =
  | { type: "create"; path: string; data?: Data; mode?: CreateMode | CreateModeName; acl?: ACL[]; ttl?: number | bigint }
  | { type: "delete"; path: string; version?: number }
  | { type: "setData"; path: string; data: Data; version?: number }
  | { type: "check"; path: string; version: number };

/** The result of one committed transaction op. */
export type TxnResult =
  | { type: "create"; path: string; stat: Stat | null }
  | { type: "delete" }
  | { type: "setData"; stat: Stat }
  | { type: "check" };

export type ReadOp = { type: "getData"; path: string } | { type: "getChildren"; path: string };
export type ReadResult =
  | { type: "getData"; data: Buffer | null; stat: Stat }
  | { type: "getChildren"; children: string[] }
  | { type: "error"; error: KeeperError };

export interface ClientInfo {
  authScheme: string;
  user: string;
}

export interface ClientEvents {
  state: [state: SessionState];
  connected: [];
  connectedReadOnly: [];
  disconnected: [];
  expired: [];
  authFailed: [];
  closed: [];
  /** Events of watches registered with `watch: true`. */
  watch: [event: WatchEvent];
  /** A watcher callback threw. */
  watcherError: [error: unknown, event: WatchEvent];
  /**
   * An attempt to reach `host` ended before a session handshake completed (refused, unresolvable, reset, or no
   * ConnectResponse in time); `error` is the socket's error when there was one. The client goes on trying.
   */
  connectFailed: [host: HostPort, error: Error | undefined];
}

interface Pending {
  opcode: number;
  body: unknown;
  path: string | undefined;
  xid: number;
  sent: boolean;
  /** The caller's promise is settled (answered, timed out or aborted). */
  settled: boolean;
  hasSlot: boolean;
  /** Runs on the reply whatever happened to the caller (watch registration). */
  onReply: ((err: number) => void) | undefined;
  resolve: (body: unknown) => void;
  reject: (e: unknown) => void;
  cleanup: (() => void) | undefined;
  internal: boolean;
}

interface AuthEntry {
  scheme: string;
  auth: Buffer;
  confirmed: boolean;
  waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
}

const EMPTY_PASSWD = Buffer.alloc(16);
const TERMINAL: ReadonlySet<SessionState> = new Set(["expired", "authFailed", "closed"]);

function toBuffer(data: Data): Buffer | null {
  if (data === null || data === undefined) return null;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function modeOf(mode: CreateMode | CreateModeName | undefined): CreateMode {
  if (mode === undefined) return CreateMode.PERSISTENT;
  if (typeof mode === "number") return mode;
  const m = createModeNames[mode];
  if (m === undefined) throw new TypeError(`unknown create mode ${String(mode)}`);
  return m;
}

const isSequential = (m: number) =>
  m === CreateMode.PERSISTENT_SEQUENTIAL || m === CreateMode.EPHEMERAL_SEQUENTIAL || m === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
const isTTL = (m: number) => m === CreateMode.PERSISTENT_WITH_TTL || m === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;

/** The create request (opcode + body) for a path/mode: create2, createContainer or createTTL. */
function createOp(serverPath: string, data: Data, mode: CreateMode, acl: ACL[] | undefined, ttl: number | bigint | undefined): MultiOp {
  const base = { path: serverPath, data: toBuffer(data), acl: acl ?? (Ids.OPEN_ACL_UNSAFE as ACL[]), flags: mode };
  if (isTTL(mode)) {
    if (ttl === undefined) throw errorFromCode(ErrorCode.BADARGUMENTS, serverPath, "a TTL create mode needs a ttl");
    return { type: OpCode.createTTL, body: { ...base, ttl: BigInt(ttl) } };
  }
  if (ttl !== undefined) throw errorFromCode(ErrorCode.BADARGUMENTS, serverPath, "ttl given for a mode without TTL");
  if (mode === CreateMode.CONTAINER) return { type: OpCode.createContainer, body: base };
  return { type: OpCode.create2, body: base };
}

/** A bounded counting semaphore; waiters are Pending requests. */
class Slots {
  used = 0;
  readonly waiting: Array<(granted: boolean) => void> = [];
  constructor(readonly max: number) {}
  tryAcquire(): boolean {
    if (this.used < this.max) {
      this.used++;
      return true;
    }
    return false;
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.used--;
  }
}

export class ZooKeeperClient extends EventEmitter<ClientEvents> {
  /** The chroot of the connect string ("" for none). */
  readonly chroot: string;
  /** The host list in the (shuffled) order it is tried. */
  readonly hosts: readonly HostPort[];
  private readonly opts: Required<Omit<ClientOptions, "sessionId" | "sessionPassword" | "connectTimeout" | "authInfo">> & {
    connectTimeout: number | undefined;
  };

  private _state: SessionState | "idle" = "idle";
  private closing = false;
  private closePromise: Promise<void> | undefined;

  private _sessionId = 0n;
  private _passwd: Buffer = EMPTY_PASSWD;
  private _negotiatedTimeout = 0;
  private _lastZxid = 0n;
  private xid = 0;
  private hostIndex = -1;
  private failedInCycle = 0;
  private _connectedHost: HostPort | undefined;

  private sock: Socket | null = null;
  private sockError: Error | undefined;
  private handshakeDone = false;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private lastSend = 0;
  private lastRecv = 0;
  private writeBuf: Buffer[] = [];
  private flushScheduled = false;

  private readonly slots: Slots;
  private readonly outgoing: Pending[] = [];
  private readonly inflight: Pending[] = [];
  private readonly auths: AuthEntry[] = [];
  private readonly authSent: AuthEntry[] = [];
  private readonly watches = new WatchManager();
  private readonly iterators = new Set<WatchIterator>();
  private readonly defaultWatcher: Watcher = (ev) => this.emit("watch", ev);

  constructor(connectString: string, options: ClientOptions = {}) {
    super();
    const parsed = parseConnectString(connectString);
    this.chroot = parsed.chroot;
    const random = options.random ?? Math.random;
    this.hosts = shuffle(parsed.hosts, random);
    this.opts = {
      sessionTimeout: options.sessionTimeout ?? 30_000,
      connectTimeout: options.connectTimeout,
      requestTimeout: options.requestTimeout ?? 0,
      maxOutstanding: Math.max(1, options.maxOutstanding ?? 1000),
      retryDelay: options.retryDelay ?? 1000,
      random,
      canBeReadOnly: options.canBeReadOnly ?? false,
      maxPacketSize: options.maxPacketSize ?? DEFAULT_MAX_BUFFER,
      setWatchesBatchBytes: options.setWatchesBatchBytes ?? 128 * 1024,
    };
    if (options.sessionId !== undefined) {
      this._sessionId = options.sessionId;
      this._passwd = options.sessionPassword ?? EMPTY_PASSWD;
    }
    this.slots = new Slots(this.opts.maxOutstanding);
    for (const a of options.authInfo ?? []) {
      this.auths.push({ scheme: a.scheme, auth: toBuffer(a.auth) ?? Buffer.alloc(0), confirmed: false, waiters: [] });
    }
  }

  // ---- session information ----

  get state(): SessionState {
    return this._state === "idle" ? "connecting" : this._state;
  }
  get sessionId(): bigint {
    return this._sessionId;
  }
  /** The session id as Java prints it (`0x...`). */
  get sessionIdHex(): string {
    return "0x" + this._sessionId.toString(16);
  }
  get sessionPassword(): Buffer {
    return Buffer.from(this._passwd);
  }
  get negotiatedTimeout(): number {
    return this._negotiatedTimeout;
  }
  /** The highest zxid seen in a reply (sent as lastZxidSeen and as setWatches' relativeZxid on reconnect). */
  get lastZxid(): bigint {
    return this._lastZxid;
  }
  /** The server of the current connection. */
  get connectedHost(): HostPort | undefined {
    return this.handshakeDone ? this._connectedHost : undefined;
  }
  get isConnected(): boolean {
    return this._state === "connected" || this._state === "connectedReadOnly";
  }
  /** Requests queued or awaiting a reply. */
  get outstanding(): number {
    return this.slots.used;
  }

  // ---- connection management ----

  /**
   * Starts connecting (if not started) and resolves once the session is connected. Rejects when the session
   * expires, auth fails or the client is closed first, or after `timeout` ms (the client keeps trying).
   */
  connect(options: CallOptions = {}): Promise<this> {
    if (this._state === "idle") {
      this.setState("connecting");
      this.attempt();
    }
    return this.waitConnected(options);
  }

  private waitConnected(options: CallOptions): Promise<this> {
    if (this.isConnected) return Promise.resolve(this);
    if (TERMINAL.has(this._state as SessionState)) return Promise.reject(this.terminalError());
    return new Promise<this>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onState = (s: SessionState) => {
        if (s === "connected" || s === "connectedReadOnly") done(() => resolve(this));
        else if (TERMINAL.has(s)) done(() => reject(this.terminalError()));
      };
      const onAbort = () => done(() => reject(options.signal!.reason));
      const done = (f: () => void) => {
        this.off("state", onState);
        options.signal?.removeEventListener("abort", onAbort);
        if (timer) clearTimeout(timer);
        f();
      };
      this.on("state", onState);
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
    if (this._state === s) return;
    this._state = s;
    this.emit("state", s);
    if (s !== "connecting") this.emit(s);
  }

  private terminalError(path?: string): KeeperError {
    switch (this._state) {
      case "expired":
        return new SessionExpiredError(path);
      case "authFailed":
        return new AuthFailedError(path);
      default:
        return new ClientClosedError();
    }
  }

  private get isTerminal(): boolean {
    return TERMINAL.has(this._state as SessionState);
  }

  /** Tries the next host of the list. */
  private attempt(): void {
    this.retryTimer = undefined;
    if (this.isTerminal || this.closing) return;
    this.hostIndex = (this.hostIndex + 1) % this.hosts.length;
    const host = this.hosts[this.hostIndex]!;
    const sock = netConnect({ host: host.host, port: host.port });
    sock.setNoDelay(true);
    this.sock = sock;
    this.sockError = undefined;
    this.handshakeDone = false;
    this._connectedHost = host;
    const decoder = new FrameDecoder({ maxBuffer: this.opts.maxPacketSize + 64 });
    const timeout =
      this.opts.connectTimeout ??
      Math.max(1, Math.floor((this._negotiatedTimeout || this.opts.sessionTimeout) / this.hosts.length));
    this.handshakeTimer = setTimeout(() => this.drop(sock), timeout);
    sock.once("connect", () => {
      if (this.sock !== sock) return;
      const req = encodeConnectRequest({
        protocolVersion: 0,
        lastZxidSeen: this._lastZxid,
        timeOut: this.opts.sessionTimeout,
        sessionId: this._sessionId,
        passwd: this._passwd,
        readOnly: this.opts.canBeReadOnly,
        hasReadOnly: true,
      });
      this.write(req);
    });
    sock.on("data", (chunk: Buffer) => {
      if (this.sock !== sock) return;
      this.lastRecv = Date.now();
      try {
        decoder.push(chunk, (payload) => {
          if (this.sock === sock) this.onFrame(sock, payload);
        });
      } catch {
        this.drop(sock);
      }
    });
    sock.on("error", (e) => {
      if (this.sock === sock) this.sockError = e;
    });
    sock.on("close", () => this.onSocketClosed(sock));
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
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.writeBuf = [];
    this.authSent.length = 0;
    const lost = this.inflight.splice(0);
    for (const p of lost) this.finish(p, () => new ConnectionLossError(p.path));
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
    const host = this._connectedHost;
    if (host !== undefined) this.emit("connectFailed", host, this.sockError);
    if (this.isTerminal || this.closing) return;
    this.failedInCycle++;
    if (this.failedInCycle >= this.hosts.length) {
      this.failedInCycle = 0;
      const delay = Math.floor(this.opts.retryDelay * (0.5 + this.opts.random() / 2));
      this.retryTimer = setTimeout(() => this.attempt(), delay);
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
    if (xid === Xid.AUTH) {
      const err = payload.length >= 16 ? payload.readInt32BE(12) : 0;
      const entry = this.authSent.shift();
      if (err === 0) {
        if (entry) {
          entry.confirmed = true;
          for (const w of entry.waiters.splice(0)) w.resolve();
        }
      } else {
        this.teardown("authFailed");
      }
      return;
    }
    const head = this.inflight[0];
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
      this.onNotification(body as WatcherEvent);
      return;
    }
    if (head === undefined || head.xid !== xid) {
      // Replies must come in request order (ClientCnxn: "Xid out of order").
      this.drop(sock);
      return;
    }
    this.inflight.shift();
    if (header.zxid > 0n && header.zxid > this._lastZxid) this._lastZxid = header.zxid;
    const err = header.err;
    this.finish(head, err === 0 ? undefined : () => errorFromCode(err, head.path), body, err);
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
    this._sessionId = resp.sessionId;
    this._passwd = resp.passwd ?? EMPTY_PASSWD;
    this._negotiatedTimeout = resp.timeOut;
    this.handshakeDone = true;
    this.failedInCycle = 0;
    const readTimeout = Math.floor((resp.timeOut * 2) / 3);
    const pingInterval = Math.floor(resp.timeOut / 3);
    this.lastRecv = Date.now();
    this.ticker = setInterval(
      () => {
        if (this.sock !== sock) return;
        const now = Date.now();
        if (now - this.lastRecv >= readTimeout) this.drop(sock);
        else if (now - this.lastSend >= pingInterval) this.write(encodeRequest({ xid: Xid.PING, type: OpCode.ping, body: null }));
      },
      Math.max(10, Math.floor(resp.timeOut / 10)),
    );
    // Prime the connection: auth first, then the watches, then whatever callers queued.
    for (const a of this.auths) {
      this.authSent.push(a);
      this.write(encodeRequest({ xid: Xid.AUTH, type: OpCode.auth, body: { type: 0, scheme: a.scheme, auth: a.auth } }));
    }
    this.sendSetWatches();
    this.setState(resp.readOnly ? "connectedReadOnly" : "connected");
    this.scheduleFlush();
  }

  private sendSetWatches(): void {
    if (this.watches.isEmpty) return;
    const kinds: WatchKind[] = ["data", "exist", "child", "persistent", "persistentRecursive"];
    const lists = kinds.map((k) => this.watches.paths(k).map((p) => prependChroot(this.chroot, p)));
    const v2 = lists[3]!.length > 0 || lists[4]!.length > 0;
    const idx = [0, 0, 0, 0, 0];
    const limit = this.opts.setWatchesBatchBytes;
    for (;;) {
      const batch: string[][] = [[], [], [], [], []];
      let bytes = 0;
      let any = false;
      outer: while (bytes < limit) {
        for (let k = 0; k < 5; k++) {
          if (idx[k]! < lists[k]!.length) {
            const path = lists[k]![idx[k]!++]!;
            batch[k]!.push(path);
            bytes += path.length;
            any = true;
            continue outer;
          }
        }
        break;
      }
      if (!any) break;
      const body = {
        relativeZxid: this._lastZxid,
        dataWatches: batch[0]!,
        existWatches: batch[1]!,
        childWatches: batch[2]!,
        ...(v2 ? { persistentWatches: batch[3]!, persistentRecursiveWatches: batch[4]! } : {}),
      };
      this.sendInternal(v2 ? OpCode.setWatches2 : OpCode.setWatches, body);
    }
  }

  /** Sends a request that bypasses the queue (setWatches, closeSession); resolves with the reply's err. */
  private sendInternal(opcode: number, body: unknown): Promise<number> {
    return new Promise<number>((resolve) => {
      const p: Pending = {
        opcode,
        body,
        path: undefined,
        xid: this.nextXid(),
        sent: true,
        settled: false,
        hasSlot: false,
        onReply: undefined,
        resolve: () => resolve(0),
        reject: (e) => resolve(e instanceof KeeperError ? e.code : ErrorCode.CONNECTIONLOSS),
        cleanup: undefined,
        internal: true,
      };
      this.inflight.push(p);
      this.write(encodeRequest({ xid: p.xid, type: opcode, body }));
    });
  }

  private nextXid(): number {
    this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1;
    return this.xid;
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

  private flush(): void {
    this.flushScheduled = false;
    const sock = this.sock;
    if (sock === null) return;
    if (this.handshakeDone) {
      while (this.outgoing.length > 0) {
        const p = this.outgoing.shift()!;
        let payload: Buffer;
        p.xid = this.nextXid();
        try {
          payload = encodeRequest({ xid: p.xid, type: p.opcode, body: p.body });
        } catch (e) {
          this.finish(p, () => (e instanceof KeeperError ? e : new MarshallingError(p.path, String(e))));
          continue;
        }
        if (payload.length > this.opts.maxPacketSize) {
          this.finish(p, () => new MarshallingError(p.path, `packet of ${payload.length} bytes exceeds ${this.opts.maxPacketSize}`));
          continue;
        }
        p.sent = true;
        this.inflight.push(p);
        this.writeBuf.push(frameOf(payload));
      }
    }
    if (this.writeBuf.length === 0) return;
    const bufs = this.writeBuf;
    this.writeBuf = [];
    this.lastSend = Date.now();
    sock.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
  }

  /** Settles a request (reply, error or connection loss) and frees its slot. */
  private finish(p: Pending, error: (() => unknown) | undefined, body?: unknown, err = 0): void {
    if (p.onReply && (p.sent || err !== 0)) {
      try {
        p.onReply(error === undefined ? 0 : err || ErrorCode.CONNECTIONLOSS);
      } catch {
        /* registration never throws in practice */
      }
    }
    if (p.hasSlot) {
      p.hasSlot = false;
      this.slots.release();
    }
    if (p.settled) return;
    p.settled = true;
    p.cleanup?.();
    if (error === undefined) p.resolve(body);
    else p.reject(error());
  }

  /** Ends the session locally: everything pending fails, watch iterators end. */
  private teardown(state: "expired" | "authFailed" | "closed"): void {
    if (this.isTerminal) return;
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.retryTimer);
    clearInterval(this.ticker);
    this.ticker = undefined;
    const sock = this.sock;
    this.sock = null;
    this.handshakeDone = false;
    sock?.destroy();
    this._state = state;
    const err = () => this.terminalError();
    for (const p of this.inflight.splice(0)) this.finish(p, () => errorWithPath(err(), p.path));
    for (const p of this.outgoing.splice(0)) this.finish(p, () => errorWithPath(err(), p.path));
    for (const w of this.slots.waiting.splice(0)) w(false);
    for (const a of this.auths) for (const w of a.waiters.splice(0)) w.reject(err());
    for (const it of [...this.iterators]) it.end(state === "closed" ? undefined : err());
    this.watches.clear();
    this._state = "idle";
    this.setState(state);
  }

  /**
   * Ends the session: sends closeSession (the server deletes the session's ephemerals), waits for its reply (at
   * most `timeout` ms, default 2000), and rejects whatever is still pending with ClientClosedError.
   */
  close(options: { timeout?: number } = {}): Promise<void> {
    if (this.closePromise) return this.closePromise;
    if (this.isTerminal || this._state === "idle") {
      this.closing = true;
      if (!this.isTerminal) this.teardown("closed");
      return (this.closePromise = Promise.resolve());
    }
    this.closing = true;
    // Queued requests go out before closeSession and get their replies; when not connected they fail now, as
    // do callers still waiting for a slot.
    for (const w of this.slots.waiting.splice(0)) w(false);
    if (this.handshakeDone && this.sock) this.flush();
    for (const p of this.outgoing.splice(0)) this.finish(p, () => new ClientClosedError());
    this.closePromise = (async () => {
      if (this.handshakeDone && this.sock) {
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

  // ---- request plumbing ----

  private request<T>(
    opcode: number,
    body: unknown,
    path: string | undefined,
    call: CallOptions = {},
    onReply?: (err: number) => void,
  ): Promise<T> {
    if (this.closing || this.isTerminal) return Promise.reject(errorWithPath(this.terminalError(), path));
    if (this._state === "idle") this.connect().catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        opcode,
        body,
        path,
        xid: 0,
        sent: false,
        settled: false,
        hasSlot: false,
        onReply,
        resolve: resolve as (b: unknown) => void,
        reject,
        cleanup: undefined,
        internal: false,
      };
      const signal = call.signal;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timeout = call.timeout ?? this.opts.requestTimeout;
      let timer: NodeJS.Timeout | undefined;
      const giveUp = (e: unknown) => {
        if (p.settled) return;
        const q = this.outgoing.indexOf(p);
        if (q >= 0) this.outgoing.splice(q, 1);
        if (!p.sent && p.hasSlot) {
          p.hasSlot = false;
          this.slots.release();
        }
        p.settled = true;
        p.cleanup?.();
        // A sent request keeps its slot and its place in the reply order until the reply arrives.
        reject(e);
      };
      const onAbort = () => giveUp(signal!.reason);
      if (timeout > 0) {
        timer = setTimeout(() => giveUp(new RequestTimeoutError(path, `request timed out after ${timeout} ms${path ? ` for ${path}` : ""}`)), timeout);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timer || signal) {
        p.cleanup = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        };
      }
      const enqueue = (granted: boolean) => {
        if (p.settled) {
          if (granted) this.slots.release();
          return;
        }
        p.hasSlot = granted;
        if (this.closing || this.isTerminal || !granted) {
          this.finish(p, () => errorWithPath(this.terminalError(), path));
          return;
        }
        this.outgoing.push(p);
        if (this.handshakeDone) this.scheduleFlush();
      };
      if (this.slots.tryAcquire()) enqueue(true);
      else this.slots.waiting.push(enqueue);
    });
  }

  private serverPath(path: string, sequential = false): string {
    validatePath(path, sequential);
    return prependChroot(this.chroot, path);
  }

  private watcherOf(w: Watcher | true | undefined): Watcher | undefined {
    return w === true ? this.defaultWatcher : w;
  }

  // ---- operations ----

  /**
   * Creates a node (create2, createContainer or createTTL) and returns its path (with the sequence suffix for
   * sequential modes) and stat.
   */
  async create(path: string, data?: Data, options: CreateOptions = {}): Promise<CreateResult> {
    const mode = modeOf(options.mode);
    const sp = this.serverPath(path, isSequential(mode));
    const op = createOp(sp, data, mode, options.acl, options.ttl);
    const r = await this.request<{ path: string; stat: Stat }>(op.type, op.body, path, options);
    return { path: stripChroot(this.chroot, r.path), stat: r.stat };
  }

  /** Deletes a node (version -1 = any). */
  async delete(path: string, options: VersionOptions = {}): Promise<void> {
    const sp = this.serverPath(path);
    await this.request(OpCode.delete, { path: sp, version: options.version ?? -1 }, path, options);
  }

  /** The node's stat, or null when it does not exist. A watch fires on create, delete or data change. */
  async exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    const sp = this.serverPath(path);
    const w = this.watcherOf(options.watch);
    const onReply = w
      ? (err: number) => {
          if (err === 0) this.watches.add("data", path, w);
          else if (err === ErrorCode.NONODE) this.watches.add("exist", path, w);
        }
      : undefined;
    try {
      const r = await this.request<{ stat: Stat }>(OpCode.exists, { path: sp, watch: w !== undefined }, path, options, onReply);
      return r.stat;
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return null;
      throw e;
    }
  }

  /** Data and stat of a node. A watch fires on data change or delete. */
  async getData(path: string, options: WatchOptions = {}): Promise<DataResult> {
    const sp = this.serverPath(path);
    const w = this.watcherOf(options.watch);
    const onReply = w ? (err: number) => err === 0 && this.watches.add("data", path, w) : undefined;
    const r = await this.request<DataResult>(OpCode.getData, { path: sp, watch: w !== undefined }, path, options, onReply);
    return { data: r.data, stat: r.stat };
  }

  /** Replaces a node's data (version -1 = any); returns the new stat. */
  async setData(path: string, data: Data, options: VersionOptions = {}): Promise<Stat> {
    const sp = this.serverPath(path);
    const r = await this.request<{ stat: Stat }>(
      OpCode.setData,
      { path: sp, data: toBuffer(data), version: options.version ?? -1 },
      path,
      options,
    );
    return r.stat;
  }

  /** Child names (unsorted, as the server returns them). A watch fires on child create/delete or node delete. */
  async getChildren(path: string, options: WatchOptions = {}): Promise<string[]> {
    const sp = this.serverPath(path);
    const w = this.watcherOf(options.watch);
    const onReply = w ? (err: number) => err === 0 && this.watches.add("child", path, w) : undefined;
    const r = await this.request<{ children: string[] }>(OpCode.getChildren, { path: sp, watch: w !== undefined }, path, options, onReply);
    return r.children;
  }

  /** Child names and the node's stat (getChildren2). */
  async getChildrenWithStat(path: string, options: WatchOptions = {}): Promise<ChildrenResult> {
    const sp = this.serverPath(path);
    const w = this.watcherOf(options.watch);
    const onReply = w ? (err: number) => err === 0 && this.watches.add("child", path, w) : undefined;
    const r = await this.request<ChildrenResult>(OpCode.getChildren2, { path: sp, watch: w !== undefined }, path, options, onReply);
    return { children: r.children, stat: r.stat };
  }

  async getACL(path: string, options: CallOptions = {}): Promise<{ acl: ACL[]; stat: Stat }> {
    const sp = this.serverPath(path);
    const r = await this.request<{ acl: ACL[]; stat: Stat }>(OpCode.getACL, { path: sp }, path, options);
    return { acl: r.acl, stat: r.stat };
  }

  /** Replaces a node's ACL (version = expected aversion, -1 any); returns the new stat. */
  async setACL(path: string, acl: ACL[], options: VersionOptions = {}): Promise<Stat> {
    const sp = this.serverPath(path);
    const r = await this.request<{ stat: Stat }>(OpCode.setACL, { path: sp, acl, version: options.version ?? -1 }, path, options);
    return r.stat;
  }

  /** Waits until the server has caught up with the leader for this path; returns the path. */
  async sync(path: string, options: CallOptions = {}): Promise<string> {
    const sp = this.serverPath(path);
    const r = await this.request<{ path: string }>(OpCode.sync, { path: sp }, path, options);
    return stripChroot(this.chroot, r.path);
  }

  /** The session's ephemeral nodes whose path starts with `prefix` (default "/": all). */
  async getEphemerals(prefix = "/", options: CallOptions = {}): Promise<string[]> {
    const sp = this.serverPath(prefix);
    const r = await this.request<{ ephemerals: string[] }>(OpCode.getEphemerals, { prefixPath: sp }, prefix, options);
    return r.ephemerals.map((p) => stripChroot(this.chroot, p));
  }

  /** Number of descendants of a node (not counting the node). */
  async getAllChildrenNumber(path: string, options: CallOptions = {}): Promise<number> {
    const sp = this.serverPath(path);
    const r = await this.request<{ totalNumber: number }>(OpCode.getAllChildrenNumber, { path: sp }, path, options);
    return r.totalNumber;
  }

  /** The identities of this session (one per auth scheme, e.g. ip and digest). */
  async whoAmI(options: CallOptions = {}): Promise<ClientInfo[]> {
    const r = await this.request<{ clientInfo: ClientInfo[] }>(OpCode.whoAmI, null, undefined, options);
    return r.clientInfo;
  }

  /**
   * Adds an identity to the session (e.g. `addAuth("digest", "user:pass")`). Resolves when the server accepts it;
   * it is replayed on every reconnect. A rejected auth ends the session (state authFailed).
   */
  addAuth(scheme: string, auth: Buffer | string): Promise<void> {
    if (this.closing || this.isTerminal) return Promise.reject(this.terminalError());
    const entry: AuthEntry = { scheme, auth: toBuffer(auth) ?? Buffer.alloc(0), confirmed: false, waiters: [] };
    const done = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    this.auths.push(entry);
    if (this._state === "idle") this.connect().catch(() => undefined);
    if (this.handshakeDone && this.sock) {
      this.authSent.push(entry);
      this.write(encodeRequest({ xid: Xid.AUTH, type: OpCode.auth, body: { type: 0, scheme, auth: entry.auth } }));
    }
    return done;
  }

  /**
   * Adds a persistent watch (or a persistent-recursive one with `recursive: true`): the callback sees every event
   * on the node (and its descendants) until removeWatches(path, "any"). See also `watch()`.
   */
  async addWatch(path: string, watcher: Watcher | true, options: AddWatchOptions = {}): Promise<void> {
    const sp = this.serverPath(path);
    const w = this.watcherOf(watcher)!;
    const kind: WatchKind = options.recursive ? "persistentRecursive" : "persistent";
    const mode = options.recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT;
    await this.request(OpCode.addWatch, { path: sp, mode }, path, options, (err) => {
      if (err === 0) this.watches.add(kind, path, w);
    });
  }

  /**
   * A persistent (or recursive) watch as an async iterator:
   * `for await (const ev of client.watch("/app", { recursive: true })) ...`. Leaving the loop removes the watch.
   * The iterator ends when the client closes and throws when the session expires.
   */
  watch(path: string, options: AddWatchOptions = {}): WatchIterator {
    const it: WatchIterator = new WatchIterator(this, path, options, () => this.iterators.delete(it));
    this.iterators.add(it);
    return it;
  }

  /** @internal used by WatchIterator. */
  _removeIteratorWatch(path: string, w: Watcher, recursive: boolean): void {
    const kind: WatchKind = recursive ? "persistentRecursive" : "persistent";
    this.watches.remove(kind, path, w);
    if (!this.watches.hasAny(path) && this.isConnected && !this.closing) {
      this.request(OpCode.removeWatches, { path: this.serverPath(path), type: WatcherType.Any }, path).catch(() => undefined);
    }
  }

  /** Whether the server holds a watch of this type for the session on the path; NoWatcherError if not. */
  async checkWatches(path: string, type: WatchTypeName, options: CallOptions = {}): Promise<void> {
    const sp = this.serverPath(path);
    await this.request(OpCode.checkWatches, { path: sp, type: wireWatcherType(type) }, path, options);
  }

  /**
   * Removes watches of a type ("data" covers exists watches too; "any" covers every kind, persistent ones
   * included) from the path, locally and on the server. With `watcher`, only that callback is removed (the
   * server's watch goes once no other callback of the type remains). Removed callbacks receive a
   * DataWatchRemoved / ChildWatchRemoved / PersistentWatchRemoved event. NoWatcherError when nothing matches.
   */
  async removeWatches(path: string, type: WatchTypeName, options: RemoveWatchesOptions = {}): Promise<void> {
    const sp = this.serverPath(path);
    const kinds = kindsOf(type);
    const w = options.watcher;
    if (w !== undefined && !kinds.some((k) => this.watches.has(k, path, w))) throw new NoWatcherError(path);
    const removeLocal = () => {
      const fired: Array<[Watcher, EventType]> = [];
      for (const k of kinds) {
        const ev =
          k === "child" ? EventType.ChildWatchRemoved : k === "data" || k === "exist" ? EventType.DataWatchRemoved : EventType.PersistentWatchRemoved;
        for (const x of this.watches.remove(k, path, w)) fired.push([x, ev]);
      }
      for (const [x, ev] of fired) this.deliver(x, makeEvent(ev, path, KeeperState.SyncConnected));
    };
    // Another callback of the type still needs the server's watch, or we cannot reach the server: local only.
    const othersRemain =
      w !== undefined && kinds.some((k) => this.watches.count(k, path) - (this.watches.has(k, path, w) ? 1 : 0) > 0);
    if (othersRemain || (options.local && !this.isConnected)) {
      removeLocal();
      return;
    }
    try {
      await this.request(OpCode.removeWatches, { path: sp, type: wireWatcherType(type) }, path, options);
    } catch (e) {
      if (!(options.local && e instanceof KeeperError && e.code === ErrorCode.CONNECTIONLOSS)) {
        // NOWATCHER from the server while we hold local watchers: the server's watch already fired or was
        // dropped; the local ones are stale either way.
        if (!(e instanceof KeeperError && e.code === ErrorCode.NOWATCHER && kinds.some((k) => this.watches.has(k, path)))) throw e;
      }
    }
    removeLocal();
  }

  /** Changes the ensemble membership (needs reconfigEnabled); returns the new config and its stat. */
  async reconfig(options: ReconfigOptions): Promise<{ config: string; data: Buffer | null; stat: Stat }> {
    const r = await this.request<DataResult>(
      OpCode.reconfig,
      {
        joiningServers: options.joining ?? null,
        leavingServers: options.leaving ?? null,
        newMembers: options.newMembers ?? null,
        curConfigId: options.fromConfig ?? -1n,
      },
      undefined,
      options,
    );
    return { config: r.data?.toString("utf8") ?? "", data: r.data, stat: r.stat };
  }

  /** Reads /zookeeper/config (never chrooted). */
  async getConfig(options: CallOptions = {}): Promise<{ config: string; stat: Stat }> {
    const path = "/zookeeper/config";
    const r = await this.request<DataResult>(OpCode.getData, { path, watch: false }, path, options);
    return { config: r.data?.toString("utf8") ?? "", stat: r.stat };
  }

  /** Starts a transaction: `client.transaction().create(...).setData(...).check(...).delete(...).commit()`. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /**
   * Runs ops atomically (multi). Resolves with one result per op; rejects with TransactionError naming the
   * failing op (its code, path and index) when any op fails — then nothing was applied.
   */
  async multi(ops: TxnOp[], options: CallOptions = {}): Promise<TxnResult[]> {
    const wire: MultiOp[] = ops.map((op) => {
      switch (op.type) {
        case "create": {
          const mode = modeOf(op.mode);
          return createOp(this.serverPath(op.path, isSequential(mode)), op.data, mode, op.acl, op.ttl);
        }
        case "delete":
          return { type: OpCode.delete, body: { path: this.serverPath(op.path), version: op.version ?? -1 } };
        case "setData":
          return { type: OpCode.setData, body: { path: this.serverPath(op.path), data: toBuffer(op.data), version: op.version ?? -1 } };
        case "check":
          return { type: OpCode.check, body: { path: this.serverPath(op.path), version: op.version } };
        default:
          throw new TypeError(`unknown transaction op ${(op as { type: string }).type}`);
      }
    });
    const r = await this.request<{ results: OpResult[] }>(OpCode.multi, { ops: wire }, undefined, options);
    const errors = r.results.map((res, i) => (res.type === OpCode.error && res.err !== 0 ? errorFromCode(res.err, ops[i]?.path) : null));
    const failed = errors.findIndex((e) => e !== null && e.code !== ErrorCode.RUNTIMEINCONSISTENCY);
    const first = failed >= 0 ? failed : errors.findIndex((e) => e !== null);
    if (first >= 0) {
      const e = errors[first]!;
      throw new TransactionError(e.code, ops[first]?.path, first, ops[first]?.type ?? "?", errors);
    }
    return r.results.map((res): TxnResult => {
      switch (res.type) {
        case OpCode.create:
          return { type: "create", path: stripChroot(this.chroot, res.body.path), stat: null };
        case OpCode.create2:
          return { type: "create", path: stripChroot(this.chroot, res.body.path), stat: res.body.stat };
        case OpCode.delete:
          return { type: "delete" };
        case OpCode.setData:
          return { type: "setData", stat: res.body.stat };
        case OpCode.check:
          return { type: "check" };
        default:
          throw new MarshallingError(undefined, `unexpected multi result type ${res.type}`);
      }
    });
  }

  /** Runs reads in one round trip (multiRead); each op succeeds or fails on its own. */
  async multiRead(ops: ReadOp[], options: CallOptions = {}): Promise<ReadResult[]> {
    const wire: MultiOp[] = ops.map((op) =>
      op.type === "getData"
        ? { type: OpCode.getData, body: { path: this.serverPath(op.path), watch: false } }
        : { type: OpCode.getChildren, body: { path: this.serverPath(op.path), watch: false } },
    );
    const r = await this.request<{ results: OpResult[] }>(OpCode.multiRead, { ops: wire }, undefined, options);
    return r.results.map((res, i): ReadResult => {
      switch (res.type) {
        case OpCode.getData:
          return { type: "getData", data: res.body.data, stat: res.body.stat };
        case OpCode.getChildren:
          return { type: "getChildren", children: res.body.children };
        default:
          return { type: "error", error: errorFromCode(res.err || (res.body as { err: number }).err, ops[i]?.path) };
      }
    });
  }

  // ---- helpers ----

  /** Creates a node and any missing ancestors (persistent, open ACL unless given); existing nodes are fine. */
  async mkdirp(path: string, data?: Data, options: CreateOptions = {}): Promise<string> {
    validatePath(path);
    if (path === "/") return path;
    try {
      await this.create(path, data, options);
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      if (e.code === ErrorCode.NODEEXISTS) return path;
      if (e.code !== ErrorCode.NONODE) throw e;
      await this.mkdirp(parentPath(path), undefined, { ...options, mode: "persistent", ttl: undefined });
      try {
        await this.create(path, data, options);
      } catch (e2) {
        if (!(e2 instanceof KeeperError && e2.code === ErrorCode.NODEEXISTS)) throw e2;
      }
    }
    return path;
  }

  /** Deletes a node and all its descendants (children first, pipelined). A missing node is not an error. */
  async deleteRecursive(path: string, options: CallOptions = {}): Promise<void> {
    validatePath(path);
    for (let attempt = 0; ; attempt++) {
      let children: string[];
      try {
        children = await this.getChildren(path, options);
      } catch (e) {
        if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return;
        throw e;
      }
      await Promise.all(children.map((c) => this.deleteRecursive(joinPath(path, c), options)));
      if (path === "/") return;
      try {
        await this.delete(path, options);
        return;
      } catch (e) {
        if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return;
        // A child appeared meanwhile: go again.
        if (e instanceof KeeperError && e.code === ErrorCode.NOTEMPTY && attempt < 10) continue;
        throw e;
      }
    }
  }

  /** Children of a node with their data and stats (pipelined); children deleted meanwhile are left out. */
  async getChildrenWithData(path: string, options: CallOptions = {}): Promise<ChildWithData[]> {
    const names = await this.getChildren(path, options);
    names.sort();
    const got = await Promise.all(
      names.map(async (name) => {
        const p = joinPath(path, name);
        try {
          const { data, stat } = await this.getData(p, options);
          return { name, path: p, data, stat };
        } catch (e) {
          if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return null;
          throw e;
        }
      }),
    );
    return got.filter((x): x is ChildWithData => x !== null);
  }

  // ---- events ----

  private onNotification(ev: WatcherEvent): void {
    if (ev.type === EventType.None) return;
    const serverPath = ev.path ?? "/";
    const path = stripChroot(this.chroot, serverPath);
    const event = makeEvent(ev.type as EventType, path, ev.state as KeeperState);
    for (const w of this.watches.materialize(ev.type as EventType, path)) this.deliver(w, event);
  }

  private deliver(w: Watcher, event: WatchEvent): void {
    try {
      w(event);
    } catch (e) {
      if (this.listenerCount("watcherError") > 0) this.emit("watcherError", e, event);
      else queueMicrotask(() => {
        throw e;
      });
    }
  }
}

function frameOf(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

function errorWithPath(e: KeeperError, path: string | undefined): KeeperError {
  if (path === undefined || e instanceof ClientClosedError) return e;
  return errorFromCode(e.code, path);
}

function wireWatcherType(type: WatchTypeName): number {
  switch (type) {
    case "children":
      return WatcherType.Children;
    case "data":
      return WatcherType.Data;
    case "any":
    case "persistent":
    case "persistentRecursive":
      return WatcherType.Any;
    default:
      throw new TypeError(`unknown watcher type ${String(type)}`);
  }
}

function kindsOf(type: WatchTypeName): WatchKind[] {
  switch (type) {
    case "children":
      return ["child"];
    case "data":
      return ["data", "exist"];
    case "persistent":
      return ["persistent"];
    case "persistentRecursive":
      return ["persistentRecursive"];
    case "any":
      return ["data", "exist", "child", "persistent", "persistentRecursive"];
    default:
      throw new TypeError(`unknown watcher type ${String(type)}`);
  }
}

/** Builder for a multi: every method adds an op; `commit()` runs them atomically. */
export class Transaction {
  private readonly ops: TxnOp[] = [];
  constructor(private readonly client: ZooKeeperClient) {}
  create(path: string, data?: Data, options: { mode?: CreateMode | CreateModeName; acl?: ACL[]; ttl?: number | bigint } = {}): this {
    this.ops.push({ type: "create", path, data, ...options });
    return this;
  }
  delete(path: string, version = -1): this {
    this.ops.push({ type: "delete", path, version });
    return this;
  }
  setData(path: string, data: Data, version = -1): this {
    this.ops.push({ type: "setData", path, data, version });
    return this;
  }
  check(path: string, version: number): this {
    this.ops.push({ type: "check", path, version });
    return this;
  }
  get size(): number {
    return this.ops.length;
  }
  commit(options: CallOptions = {}): Promise<TxnResult[]> {
    return this.client.multi(this.ops, options);
  }
}

/** The async iterator returned by `client.watch()`. */
export class WatchIterator implements AsyncIterableIterator<WatchEvent> {
  /** Resolves once the server has registered the watch (rejects if it refused). */
  readonly ready: Promise<void>;
  private readonly queue: WatchEvent[] = [];
  private waiter: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private error: unknown;
  private readonly watcher: Watcher;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly path: string,
    private readonly options: AddWatchOptions,
    private readonly onEnd: () => void,
  ) {
    this.watcher = (ev) => {
      if (this.done) return;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve({ value: ev, done: false });
      } else this.queue.push(ev);
    };
    this.ready = client.addWatch(path, this.watcher, options);
    this.ready.catch((e) => this.end(e));
    options.signal?.addEventListener("abort", () => void this.return(), { once: true });
  }

  /** Ends the iteration (with an error to throw from next(), or cleanly). */
  end(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.onEnd();
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      if (error !== undefined && this.queue.length === 0) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    const ev = this.queue.shift();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.done) {
      if (this.error !== undefined) {
        const e = this.error;
        this.error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<WatchEvent>> {
    if (!this.done) {
      this.end();
      this.queue.length = 0;
      await this.ready.catch(() => undefined);
      this.client._removeIteratorWatch(this.path, this.watcher, this.options.recursive ?? false);
    }
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Creates a client; call `connect()` (or just issue requests: the first one connects). */
export function createClient(connectString: string, options?: ClientOptions): ZooKeeperClient {
  return new ZooKeeperClient(connectString, options);
}

/** Creates a client and waits for its session. */
export async function connect(connectString: string, options?: ClientOptions & { timeout?: number }): Promise<ZooKeeperClient> {
  const c = new ZooKeeperClient(connectString, options);
  try {
    return await c.connect({ timeout: options?.timeout });
  } catch (e) {
    await c.close();
    throw e;
  }
}
