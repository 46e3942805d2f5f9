/**
 * The ZooKeeper client's public API, as the Java client's ZooKeeper class: one session over a host list,
 * re-established transparently on another host (same session id and password, lastZxidSeen), with auth and watch
 * replay, pings, typed operations, pipelining with a bounded outstanding queue, per-call timeouts and AbortSignal.
 * The session and its connection live in connection.ts (ClientCnxn); see the README's module layout.
 */
import { EventEmitter } from "node:events";
import { AddWatchMode, ErrorCode, EventType, KeeperError, KeeperState, OpCode, WatcherType, type OpResult } from "@zkts/client-wire";
import type { ACL, Stat } from "@zkts/jute";
import { parseConnectString, prependChroot, shuffle, stripChroot, validatePath, type HostPort } from "./connect-string.js";
import { ClientCnxn, type TerminalState } from "./connection.js";
import { NoWatcherError } from "./errors.js";
import { deliver } from "./events.js";
import { EMPTY_PASSWD, resolveOptions } from "./options.js";
import { deleteRecursive, getChildrenWithData, mkdirp } from "./recipes.js";
import { createOp, isSequential, kindsOf, modeOf, toBuffer, wireWatcherType } from "./requests.js";
import { multiOps, multiResults, readOps, readResults, Transaction } from "./transaction.js";
import type {
  AddWatchOptions,
  CallOptions,
  ChildrenResult,
  ChildWithData,
  ClientEvents,
  ClientInfo,
  ClientOptions,
  CreateOptions,
  CreateResult,
  Data,
  DataResult,
  ReadOp,
  ReadResult,
  ReconfigOptions,
  RemoveWatchesOptions,
  SessionState,
  TxnOp,
  TxnResult,
  VersionOptions,
  WatchOptions,
  WatchTypeName,
} from "./types.js";
import { WatchIterator } from "./watch-iterator.js";
import { makeEvent, WatchManager, type Watcher, type WatchKind } from "./watch-manager.js";

export type * from "./types.js";
export { Transaction } from "./transaction.js";
export { WatchIterator } from "./watch-iterator.js";

export class ZooKeeperClient extends EventEmitter<ClientEvents> {
  /** The chroot of the connect string ("" for none). */
  readonly chroot: string;
  /** The host list in the (shuffled) order it is tried. */
  readonly hosts: readonly HostPort[];
  private readonly cnxn: ClientCnxn<this>;
  private readonly watches = new WatchManager();
  private readonly iterators = new Set<WatchIterator>();
  private readonly defaultWatcher: Watcher = (ev) => this.emit("watch", ev);

  constructor(connectString: string, options: ClientOptions = {}) {
    super();
    const parsed = parseConnectString(connectString);
    this.chroot = parsed.chroot;
    const opts = resolveOptions(options);
    this.hosts = shuffle(parsed.hosts, opts.random);
    const iterators = this.iterators;
    this.cnxn = new ClientCnxn(opts, {
      events: this,
      hosts: this.hosts,
      chroot: this.chroot,
      watches: this.watches,
      sessionEnded: (state: TerminalState, err: () => KeeperError) => {
        for (const it of [...iterators]) it.end(state === "closed" ? undefined : err());
      },
    });
    if (options.sessionId !== undefined) {
      this.cnxn.sessionId = options.sessionId;
      this.cnxn.passwd = options.sessionPassword ?? EMPTY_PASSWD;
    }
    for (const a of options.authInfo ?? []) this.cnxn.auths.addQuiet(a.scheme, toBuffer(a.auth) ?? Buffer.alloc(0));
  }

  // ---- session information ----

  get state(): SessionState {
    const s = this.cnxn.state;
    return s === "idle" ? "connecting" : s;
  }
  get sessionId(): bigint {
    return this.cnxn.sessionId;
  }
  /** The session id as Java prints it (`0x...`). */
  get sessionIdHex(): string {
    return "0x" + this.cnxn.sessionId.toString(16);
  }
  get sessionPassword(): Buffer {
    return Buffer.from(this.cnxn.passwd);
  }
  get negotiatedTimeout(): number {
    return this.cnxn.negotiatedTimeout;
  }
  /** The highest zxid seen in a reply (sent as lastZxidSeen and as setWatches' relativeZxid on reconnect). */
  get lastZxid(): bigint {
    return this.cnxn.lastZxid;
  }
  /** The server of the current connection. */
  get connectedHost(): HostPort | undefined {
    return this.cnxn.connectedHost;
  }
  get isConnected(): boolean {
    return this.cnxn.isConnected;
  }
  /** Requests queued or awaiting a reply. */
  get outstanding(): number {
    return this.cnxn.queue.slots.used;
  }

  // ---- connection management ----

  /**
   * Starts connecting (if not started) and resolves once the session is connected. Rejects when the session
   * expires, auth fails or the client is closed first, or after `timeout` ms (the client keeps trying).
   */
  connect(options: CallOptions = {}): Promise<this> {
    return this.cnxn.connect(options);
  }

  /**
   * Ends the session: sends closeSession (the server deletes the session's ephemerals), waits for its reply (at
   * most `timeout` ms, default 2000), and rejects whatever is still pending with ClientClosedError.
   */
  close(options: { timeout?: number } = {}): Promise<void> {
    return this.cnxn.close(options);
  }

  // ---- request plumbing ----

  private request<T>(opcode: number, body: unknown, path: string | undefined, call: CallOptions = {}, onReply?: (err: number) => void): Promise<T> {
    return this.cnxn.request<T>(opcode, body, path, call, onReply);
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
    return this.cnxn.addAuth(scheme, auth);
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
    if (!this.watches.hasAny(path) && this.isConnected && !this.cnxn.closing) {
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
      for (const [x, ev] of fired) deliver(this, x, makeEvent(ev, path, KeeperState.SyncConnected));
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
    const wire = multiOps(ops, (p, sequential) => this.serverPath(p, sequential));
    const r = await this.request<{ results: OpResult[] }>(OpCode.multi, { ops: wire }, undefined, options);
    return multiResults(r.results, ops, this.chroot);
  }

  /** Runs reads in one round trip (multiRead); each op succeeds or fails on its own. */
  async multiRead(ops: ReadOp[], options: CallOptions = {}): Promise<ReadResult[]> {
    const wire = readOps(ops, (p) => this.serverPath(p));
    const r = await this.request<{ results: OpResult[] }>(OpCode.multiRead, { ops: wire }, undefined, options);
    return readResults(r.results, ops);
  }

  // ---- helpers ----

  /** Creates a node and any missing ancestors (persistent, open ACL unless given); existing nodes are fine. */
  mkdirp(path: string, data?: Data, options: CreateOptions = {}): Promise<string> {
    return mkdirp(this, path, data, options);
  }

  /** Deletes a node and all its descendants (children first, pipelined). A missing node is not an error. */
  deleteRecursive(path: string, options: CallOptions = {}): Promise<void> {
    return deleteRecursive(this, path, options);
  }

  /** Children of a node with their data and stats (pipelined); children deleted meanwhile are left out. */
  getChildrenWithData(path: string, options: CallOptions = {}): Promise<ChildWithData[]> {
    return getChildrenWithData(this, path, options);
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
