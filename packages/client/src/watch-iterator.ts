/**
 * `client.watch(path)`: a persistent (or persistent-recursive) watch as an async iterator. Events queue until
 * read; leaving the loop removes the watch; the iterator ends when the client closes and throws when the session
 * expires.
 */
import type { ZooKeeperClient } from "./client.js";
import type { AddWatchOptions } from "./types.js";
import type { WatchEvent, Watcher } from "./watch-manager.js";

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
