/**
 * LeaderLatch: Curator's leader election by latch. Each participant creates `<path>/_c_<uuid>-latch-<seq>`
 * (ephemeral sequential, data = its id); the lowest sequence number leads, each other watches the node just
 * ahead of it. A Java Curator LeaderLatch and this one on the same path elect one leader between them.
 *
 * Connection states (Curator's default error policy): SUSPENDED and LOST end leadership (`notLeader`);
 * RECONNECTED re-reads the children and takes leadership back if our node is still first. After LOST the client
 * is finished: close the latch and start a new one on a new client.
 */
import { EventEmitter } from "node:events";
import { ConnectionLossError, NoNodeError, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker, type ConnectionState } from "./connection-state.js";
import { RecipeStateError } from "./errors.js";
import { createProtected, guaranteedDelete, isSessionGone, makePath, nodeName, sortChildren } from "./paths.js";
import { readParticipants, type Participant } from "./participants.js";

export const LATCH_NAME = "latch-";

export type LeaderLatchState = "LATENT" | "STARTED" | "CLOSED";

export interface LeaderLatchEvents {
  isLeader: [];
  notLeader: [];
  /** A background step failed (other than by a lost connection, which RECONNECTED repairs). */
  error: [error: unknown];
}

export class LeaderLatch extends EventEmitter<LeaderLatchEvents> {
  private latchState: LeaderLatchState = "LATENT";
  private leader = false;
  private ourPath: string | undefined;
  private readonly tracker: ConnectionStateTracker;
  private readonly onState = (s: ConnectionState) => this.handleStateChange(s);
  /** Bumped by every reset, so the callbacks of an older node do nothing. */
  private generation = 0;
  private readonly closeWaiters = new Set<() => void>();

  constructor(
    private readonly client: ZooKeeperClient,
    readonly latchPath: string,
    readonly id = "",
  ) {
    super();
    this.tracker = ConnectionStateTracker.of(client);
  }

  get state(): LeaderLatchState {
    return this.latchState;
  }

  /** True while this participant leads. */
  get hasLeadership(): boolean {
    return this.latchState === "STARTED" && this.leader;
  }

  /** Our node (null before it is created or after close). */
  get ourNodePath(): string | undefined {
    return this.ourPath;
  }

  /** Joins the election; resolves once our node exists and the first check of leadership is done. */
  async start(): Promise<void> {
    if (this.latchState !== "LATENT") throw new RecipeStateError("Cannot be started more than once");
    this.latchState = "STARTED";
    this.tracker.on("state", this.onState);
    await this.reset();
  }

  /** Leaves the election (deleting our node); leadership ends. */
  async close(): Promise<void> {
    if (this.latchState !== "STARTED") throw new RecipeStateError("Already closed or has not been started");
    this.latchState = "CLOSED";
    this.tracker.off("state", this.onState);
    this.generation++;
    for (const w of [...this.closeWaiters]) w();
    // As Curator's close: leadership ends before our node is gone (its delete runs in the background there), so
    // `notLeader` here always precedes the next participant's `isLeader`.
    this.setLeadership(false);
    await this.setNode(undefined);
  }

  /**
   * Waits until this participant leads. Resolves true when it does, false after `timeout` ms or when the latch
   * closes; rejects on abort.
   */
  await(opts: { signal?: AbortSignal; timeout?: number } = {}): Promise<boolean> {
    if (this.latchState !== "STARTED") return Promise.resolve(false);
    if (this.leader) return Promise.resolve(true);
    opts.signal?.throwIfAborted();
    return new Promise<boolean>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (settle: () => void) => {
        if (timer !== undefined) clearTimeout(timer);
        this.off("isLeader", onLeader);
        this.off("notLeader", onNot);
        this.closeWaiters.delete(onClose);
        opts.signal?.removeEventListener("abort", onAbort);
        settle();
      };
      const onLeader = () => done(() => resolve(true));
      const onNot = () => {
        if (this.latchState !== "STARTED") done(() => resolve(false));
      };
      const onAbort = () => done(() => reject(opts.signal!.reason));
      const onClose = () => done(() => resolve(false));
      this.closeWaiters.add(onClose);
      this.on("isLeader", onLeader);
      this.on("notLeader", onNot);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      if (opts.timeout !== undefined) timer = setTimeout(() => done(() => resolve(false)), opts.timeout);
    });
  }

  /** The participants in election order (the first leads), read from the server. */
  async getParticipants(): Promise<Participant[]> {
    let children: string[];
    try {
      children = sortChildren(await this.client.getChildren(this.latchPath), LATCH_NAME);
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
    return readParticipants(this.client, children.map((c) => makePath(this.latchPath, c)));
  }

  /** The current leader, or undefined when there is none. */
  async getLeader(): Promise<Participant | undefined> {
    return (await this.getParticipants())[0];
  }

  private async reset(): Promise<void> {
    const gen = ++this.generation;
    this.setLeadership(false);
    await this.setNode(undefined);
    const path = await createProtected(this.client, makePath(this.latchPath, LATCH_NAME), this.id, "ephemeralSequential");
    if (gen !== this.generation || this.latchState !== "STARTED") {
      await guaranteedDelete(this.client, path);
      return;
    }
    await this.setNode(path);
    await this.getChildren(gen);
  }

  private async getChildren(gen: number): Promise<void> {
    if (gen !== this.generation || this.latchState !== "STARTED") return;
    const children = await this.client.getChildren(this.latchPath);
    await this.checkLeadership(children, gen);
  }

  private async checkLeadership(children: string[], gen: number): Promise<void> {
    if (gen !== this.generation || this.latchState !== "STARTED") return;
    const sorted = sortChildren(children, LATCH_NAME);
    const ourIndex = this.ourPath === undefined ? -1 : sorted.indexOf(nodeName(this.ourPath));
    if (ourIndex < 0) {
      await this.reset();
    } else if (ourIndex === 0) {
      this.setLeadership(true);
    } else {
      const watchPath = makePath(this.latchPath, sorted[ourIndex - 1]);
      try {
        await this.client.getData(watchPath, {
          watch: (ev) => {
            if (ev.name === "NodeDeleted") this.background(() => this.getChildren(gen));
          },
        });
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
        await this.getChildren(gen); // the one ahead left meanwhile
      }
    }
  }

  private handleStateChange(s: ConnectionState): void {
    if (s === "SUSPENDED" || s === "LOST") this.setLeadership(false);
    else if (s === "RECONNECTED") this.background(() => this.getChildren(this.generation));
  }

  private background(step: () => Promise<void>): void {
    step().catch((e) => {
      // A lost connection is repaired on RECONNECTED, a lost session cannot be repaired.
      if (isSessionGone(e) || e instanceof ConnectionLossError) return;
      if (this.listenerCount("error") > 0) this.emit("error", e);
    });
  }

  private setLeadership(value: boolean): void {
    const old = this.leader;
    this.leader = value;
    if (old && !value) this.emit("notLeader");
    else if (!old && value) this.emit("isLeader");
  }

  private async setNode(path: string | undefined): Promise<void> {
    const old = this.ourPath;
    this.ourPath = path;
    if (old !== undefined) await guaranteedDelete(this.client, old);
  }
}
