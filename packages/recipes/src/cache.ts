/**
 * CuratorCache: Curator 5's cache of a subtree, kept by one persistent recursive watch (addWatch) on its root.
 * The initial load reads every node (data and children) and reports each as NODE_CREATED, then INITIALIZED;
 * afterwards NodeCreated / NodeDataChanged events re-read the node (NODE_CREATED if new, NODE_CHANGED if its mzxid
 * moved) and NodeDeleted removes it (NODE_DELETED). After RECONNECTED the whole tree is read again (a persistent
 * watch is not replayed for what happened meanwhile): new and changed nodes are reported, vanished ones deleted.
 *
 * Events come as an async iterator (`events()`) and as `event` emissions.
 */
import { EventEmitter } from "node:events";
import { NoNodeError, type Stat, type WatchEvent, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker, type ConnectionState } from "./connection-state.js";
import { RecipeStateError } from "./errors.js";
import { isSessionGone, makePath } from "./paths.js";

export interface ChildData {
  path: string;
  stat: Stat;
  data: Buffer | null;
}

export type CacheEvent =
  | { type: "NODE_CREATED"; path: string; node: ChildData }
  | { type: "NODE_CHANGED"; path: string; node: ChildData; oldNode: ChildData }
  | { type: "NODE_DELETED"; path: string; oldNode: ChildData }
  | { type: "INITIALIZED" };

export interface CuratorCacheEvents {
  event: [event: CacheEvent];
  /** close() was called (iterators end). */
  closed: [];
  error: [error: unknown];
}

export class CuratorCache extends EventEmitter<CuratorCacheEvents> {
  private readonly storage = new Map<string, ChildData>();
  private readonly tracker: ConnectionStateTracker;
  private started = false;
  private closed = false;
  private readonly onWatch = (ev: WatchEvent) => this.processEvent(ev);
  private readonly onState = (s: ConnectionState) => {
    if (s === "RECONNECTED") this.background(() => this.rebuild());
  };

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {
    super();
    this.setMaxListeners(0);
    this.tracker = ConnectionStateTracker.of(client);
  }

  /** Adds the recursive watch and loads the tree; resolves after INITIALIZED. */
  async start(): Promise<void> {
    if (this.started) throw new RecipeStateError("Cannot be started more than once");
    this.started = true;
    this.tracker.on("state", this.onState);
    await this.client.addWatch(this.path, this.onWatch, { recursive: true });
    await this.load(this.path, new Set());
    this.emitEvent({ type: "INITIALIZED" });
  }

  /** Removes the watch; iterators end. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tracker.off("state", this.onState);
    this.emit("closed");
    await this.client.removeWatches(this.path, "any", { watcher: this.onWatch }).catch(() => undefined);
  }

  /** The cached node, if any. */
  get(path: string): ChildData | undefined {
    return this.storage.get(path);
  }

  /** Every cached node, in path order. */
  entries(): ChildData[] {
    return [...this.storage.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  get size(): number {
    return this.storage.size;
  }

  /**
   * The cache's events from now on as an async iterator (start() after creating it to see the initial load).
   * Leaving the loop or close() ends it.
   */
  events(): AsyncIterableIterator<CacheEvent> {
    const queue: CacheEvent[] = [];
    let wake: (() => void) | undefined;
    const on = (ev: CacheEvent) => {
      if (!this.closed) queue.push(ev);
      wake?.();
    };
    const onClosed = () => wake?.();
    this.on("event", on);
    this.on("closed", onClosed);
    const done = (): IteratorResult<CacheEvent> => {
      this.off("event", on);
      this.off("closed", onClosed);
      return { done: true, value: undefined };
    };
    const self = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next(): Promise<IteratorResult<CacheEvent>> {
        for (;;) {
          if (queue.length > 0) return { done: false, value: queue.shift()! };
          if (self.closed) return done();
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
      async return(): Promise<IteratorResult<CacheEvent>> {
        return done();
      },
    };
  }

  private emitEvent(ev: CacheEvent): void {
    if (!this.closed) this.emit("event", ev);
  }

  /** Reads a node and its subtree into the cache; `seen` collects the paths found. */
  private async load(path: string, seen: Set<string>): Promise<void> {
    let children: string[];
    let node: ChildData;
    try {
      const [{ data, stat }, kids] = await Promise.all([this.client.getData(path), this.client.getChildren(path)]);
      node = { path, stat, data };
      children = kids;
    } catch (e) {
      if (e instanceof NoNodeError) return;
      throw e;
    }
    seen.add(path);
    this.put(node);
    await Promise.all(children.sort().map((c) => this.load(makePath(path, c), seen)));
  }

  private async rebuild(): Promise<void> {
    const seen = new Set<string>();
    await this.load(this.path, seen);
    for (const p of [...this.storage.keys()].sort().reverse()) if (!seen.has(p)) this.remove(p);
  }

  private processEvent(ev: WatchEvent): void {
    if (this.closed) return;
    if (ev.name === "NodeDeleted") this.remove(ev.path);
    else if (ev.name === "NodeCreated" || ev.name === "NodeDataChanged") this.background(() => this.refresh(ev.path));
  }

  private async refresh(path: string): Promise<void> {
    try {
      const { data, stat } = await this.client.getData(path);
      this.put({ path, stat, data });
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  }

  private put(node: ChildData): void {
    const old = this.storage.get(node.path);
    if (old !== undefined && old.stat.mzxid >= node.stat.mzxid && old.stat.czxid === node.stat.czxid) return;
    this.storage.set(node.path, node);
    if (old === undefined) this.emitEvent({ type: "NODE_CREATED", path: node.path, node });
    else this.emitEvent({ type: "NODE_CHANGED", path: node.path, node, oldNode: old });
  }

  private remove(path: string): void {
    const old = this.storage.get(path);
    if (old === undefined) return;
    this.storage.delete(path);
    this.emitEvent({ type: "NODE_DELETED", path, oldNode: old });
  }

  private background(step: () => Promise<void>): void {
    step().catch((e) => {
      if (isSessionGone(e) || (e as { name?: string }).name === "ConnectionLossError") return;
      if (this.listenerCount("error") > 0) this.emit("error", e);
    });
  }
}
