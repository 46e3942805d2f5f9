/**
 * InterProcessMutex: Curator's re-entrant distributed lock, same znodes (`<path>/_c_<uuid>-lock-<seq>`,
 * ephemeral sequential, parents as containers), so Java Curator processes and Node processes exclude each other
 * on the same path. Re-entrant per instance: the holder may acquire again and must release as many times.
 *
 * Connection states: on SUSPENDED the lock may or may not still be held (`suspended` event); on LOST it is not
 * (`lost` event, and the `holdSignal` of the current hold aborts with a LockLostError).
 */
import { EventEmitter } from "node:events";
import { NoNodeError, type Data, type ZooKeeperClient } from "@zkts/client";
import type { ConnectionState } from "./connection-state.js";
import { LockLostError, NotHeldError } from "./errors.js";
import { LockInternals, standardDriver, type AttemptOptions, type LockDriver } from "./lock-internals.js";
import { makePath } from "./paths.js";

export const LOCK_NAME = "lock-";

export interface MutexOptions {
  /** Data of the lock node (Curator's lockNodeBytes; Curator's own default is the host's address). */
  data?: Data;
}

export interface MutexEvents {
  suspended: [];
  reconnected: [];
  lost: [error: LockLostError];
}

export class InterProcessMutex extends EventEmitter<MutexEvents> {
  protected readonly internals: LockInternals;
  private holdCount = 0;
  private ourPath: string | undefined;
  private pending: Promise<unknown> = Promise.resolve();
  private hold: AbortController | undefined;
  private readonly data: Data;
  private readonly onState = (s: ConnectionState) => {
    if (this.holdCount === 0) return;
    if (s === "SUSPENDED") this.emit("suspended");
    else if (s === "RECONNECTED") this.emit("reconnected");
    else if (s === "LOST") {
      const err = new LockLostError(`the session holding ${this.ourPath} is gone`);
      this.hold?.abort(err);
      this.emit("lost", err);
    }
  };

  constructor(client: ZooKeeperClient, path: string, options: MutexOptions = {}, lockName = LOCK_NAME, driver: LockDriver = standardDriver, maxLeases = 1) {
    super();
    this.internals = new LockInternals(client, path, lockName, maxLeases, driver);
    this.data = options.data;
    this.internals.tracker.on("state", this.onState);
  }

  get basePath(): string {
    return this.internals.basePath;
  }

  /**
   * Acquires the lock, waiting as long as needed (or until `timeout` ms: then resolves false). Re-entrant: when
   * this instance holds already, counts one more hold. Rejects on abort (with the signal's reason) and when the
   * session is lost.
   */
  acquire(opts: AttemptOptions = {}): Promise<boolean> {
    // One attempt at a time per instance; a second caller waits for the first's outcome and then re-enters.
    const run = this.pending.then(
      () => this.acquireNow(opts),
      () => this.acquireNow(opts),
    );
    this.pending = run.catch(() => undefined);
    return run;
  }

  private async acquireNow(opts: AttemptOptions): Promise<boolean> {
    if (this.holdCount > 0 && !this.hold!.signal.aborted) {
      this.holdCount++;
      return true;
    }
    const lockPath = await this.internals.attemptLock(this.data, opts);
    if (lockPath === null) return false;
    this.ourPath = lockPath;
    this.holdCount = 1;
    this.hold = new AbortController();
    if (this.internals.tracker.lost) this.hold.abort(new LockLostError(`the session holding ${lockPath} is gone`));
    return true;
  }

  /** Releases one hold; the last one deletes the lock node. Throws NotHeldError when this instance holds nothing. */
  async release(): Promise<void> {
    if (this.holdCount === 0) throw new NotHeldError(`not held: ${this.basePath}`);
    if (--this.holdCount > 0) return;
    const path = this.ourPath!;
    this.ourPath = undefined;
    this.hold = undefined;
    await this.internals.releaseLock(path);
  }

  /** Runs `fn` holding the lock (acquire, then release however fn ends); fn gets the hold's signal. */
  async withLock<T>(fn: (holdSignal: AbortSignal) => Promise<T> | T, opts: Omit<AttemptOptions, "timeout"> = {}): Promise<T> {
    await this.acquire(opts);
    try {
      return await fn(this.hold!.signal);
    } finally {
      await this.release();
    }
  }

  /** True while this instance holds the lock (and has not learnt that its session is gone). */
  get isAcquiredInThisProcess(): boolean {
    return this.holdCount > 0 && this.hold !== undefined && !this.hold.signal.aborted;
  }

  /** Aborts (with LockLostError) when the session of the current hold is lost; undefined when not held. */
  get holdSignal(): AbortSignal | undefined {
    return this.hold?.signal;
  }

  /** The path of our lock node while held. */
  get lockPath(): string | undefined {
    return this.ourPath;
  }

  /** Every contender's lock node, in lock order (Curator's getParticipantNodes). */
  async participantNodes(): Promise<string[]> {
    try {
      return (await this.internals.sortedChildren()).map((c) => makePath(this.basePath, c));
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
  }

  /** Stops listening to connection states (the lock itself is released with release()). */
  dispose(): void {
    this.internals.tracker.off("state", this.onState);
  }
}
