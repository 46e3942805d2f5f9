/**
 * LeaderSelector: Curator's leader election by mutex. Participants contend for the InterProcessMutex at the
 * leader path (nodes `_c_<uuid>-lock-<seq>` holding the participant id); the holder runs `takeLeadership` and
 * leads until it returns, then the mutex goes to the next. With `autoRequeue` it queues again.
 *
 * `takeLeadership` gets an AbortSignal that aborts when leadership must end: on SUSPENDED and LOST (as Curator's
 * LeaderSelectorListenerAdapter cancels leadership), on interruptLeadership() and on close().
 */
import { EventEmitter } from "node:events";
import { NoNodeError, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker, type ConnectionState } from "./connection-state.js";
import { LockLostError, RecipeStateError } from "./errors.js";
import { InterProcessMutex, LOCK_NAME } from "./mutex.js";
import { makePath, sortChildren } from "./paths.js";
import { readParticipants, type Participant } from "./participants.js";

export type TakeLeadership = (signal: AbortSignal) => Promise<void> | void;

export interface LeaderSelectorOptions {
  /** Participant id, stored in our node (Curator's setId). */
  id?: string;
  /** Queue again after leadership ends (Curator's autoRequeue). */
  autoRequeue?: boolean;
}

export interface LeaderSelectorEvents {
  /** takeLeadership threw or an acquisition failed. */
  error: [error: unknown];
}

export class LeaderSelector extends EventEmitter<LeaderSelectorEvents> {
  private readonly mutex: InterProcessMutex;
  private readonly tracker: ConnectionStateTracker;
  private readonly closing = new AbortController();
  private leadership: AbortController | undefined;
  private queued = false;
  private started = false;
  private loop: Promise<void> = Promise.resolve();
  readonly id: string;
  private readonly autoRequeue: boolean;
  private readonly onState = (s: ConnectionState) => {
    if (s === "SUSPENDED" || s === "LOST") this.leadership?.abort(new LockLostError(`leadership of ${this.leaderPath} cancelled: ${s}`));
  };

  constructor(
    private readonly client: ZooKeeperClient,
    readonly leaderPath: string,
    private readonly takeLeadership: TakeLeadership,
    options: LeaderSelectorOptions = {},
  ) {
    super();
    this.id = options.id ?? "";
    this.autoRequeue = options.autoRequeue ?? false;
    this.mutex = new InterProcessMutex(client, leaderPath, { data: this.id.length > 0 ? this.id : undefined });
    this.tracker = ConnectionStateTracker.of(client);
  }

  /** Starts contending (in the background). */
  start(): void {
    if (this.started) throw new RecipeStateError("Cannot be started more than once");
    this.started = true;
    this.tracker.on("state", this.onState);
    this.requeue();
  }

  /** Queues again if not queued or leading; false when already queued. */
  requeue(): boolean {
    if (!this.started || this.closing.signal.aborted) throw new RecipeStateError("close() has already been called");
    if (this.queued) return false;
    this.queued = true;
    this.loop = this.run();
    return true;
  }

  get hasLeadership(): boolean {
    return this.leadership !== undefined && !this.leadership.signal.aborted;
  }

  /** Ends the current leadership (takeLeadership's signal aborts). */
  interruptLeadership(): void {
    this.leadership?.abort(new Error("leadership interrupted"));
  }

  /**
   * Leaves: leadership (if any) is cancelled (takeLeadership's signal aborts) and our node deleted. Resolves once
   * takeLeadership has returned, so takeLeadership must honour its signal.
   */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) throw new RecipeStateError("Already closed");
    this.closing.abort(new RecipeStateError("closed"));
    this.leadership?.abort(new RecipeStateError("closed"));
    this.tracker.off("state", this.onState);
    await this.loop;
    this.mutex.dispose();
  }

  async getParticipants(): Promise<Participant[]> {
    let children: string[];
    try {
      children = sortChildren(await this.client.getChildren(this.leaderPath), LOCK_NAME);
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
    return readParticipants(this.client, children.map((c) => makePath(this.leaderPath, c)));
  }

  async getLeader(): Promise<Participant | undefined> {
    return (await this.getParticipants())[0];
  }

  private async run(): Promise<void> {
    try {
      do {
        try {
          await this.mutex.acquire({ signal: this.closing.signal });
        } catch (e) {
          if (!this.closing.signal.aborted && this.listenerCount("error") > 0) this.emit("error", e);
          return;
        }
        this.leadership = new AbortController();
        if (this.tracker.state === "SUSPENDED" || this.tracker.lost) this.leadership.abort(new LockLostError("connection not available"));
        try {
          await this.takeLeadership(this.leadership.signal);
        } catch (e) {
          if (!this.leadership.signal.aborted && this.listenerCount("error") > 0) this.emit("error", e);
        } finally {
          this.leadership.abort(new Error("leadership ended"));
          await this.mutex.release().catch(() => undefined);
        }
      } while (this.autoRequeue && !this.closing.signal.aborted && !this.tracker.lost);
    } finally {
      this.queued = false;
    }
  }
}
