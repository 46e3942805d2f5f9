/**
 * Curator's barriers.
 *
 * DistributedBarrier: the barrier is up while the node `<path>` exists; waiters watch it with exists.
 *
 * DistributedDoubleBarrier: members enter by creating the ephemeral `<path>/<uuid>`; the member that sees
 * `memberQty` children creates `<path>/ready` (persistent), which every entering member watches. Leaving follows
 * Curator 5.4: members delete their nodes, the lowest one last (it waits for the highest to go; the others delete
 * theirs and wait for the lowest); the last to leave deletes `ready`.
 */
import { randomUUID } from "node:crypto";
import { NodeExistsError, NoNodeError, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker } from "./connection-state.js";
import { ensureContainers, makePath, nodeName, parentOf } from "./paths.js";
import { Wakeup } from "./wakeup.js";

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this many ms (resolves false). */
  timeout?: number;
}

export class DistributedBarrier {
  private readonly tracker: ConnectionStateTracker;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly barrierPath: string,
  ) {
    this.tracker = ConnectionStateTracker.of(client);
  }

  /** Puts the barrier up (creates its node; parents as containers). */
  async setBarrier(): Promise<void> {
    try {
      await this.client.create(this.barrierPath);
    } catch (e) {
      if (e instanceof NodeExistsError) return;
      if (!(e instanceof NoNodeError)) throw e;
      await ensureContainers(this.client, parentOf(this.barrierPath));
      try {
        await this.client.create(this.barrierPath);
      } catch (e2) {
        if (!(e2 instanceof NodeExistsError)) throw e2;
      }
    }
  }

  /** Takes the barrier down (deletes its node); waiters go on. */
  async removeBarrier(): Promise<void> {
    try {
      await this.client.delete(this.barrierPath);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  }

  /** Waits until the barrier is down: true, or false after `timeout`. */
  async waitOnBarrier(opts: WaitOptions = {}): Promise<boolean> {
    const deadline = opts.timeout === undefined ? undefined : Date.now() + opts.timeout;
    for (;;) {
      const wakeup = new Wakeup(this.tracker, opts.signal);
      if ((await this.client.exists(this.barrierPath, { watch: wakeup.wake })) === null) return true;
      if ((await wakeup.wait(deadline)) === "timeout") return false;
    }
  }
}

export const READY_NODE = "ready";

export class DistributedDoubleBarrier {
  private readonly tracker: ConnectionStateTracker;
  readonly ourPath: string;
  readonly readyPath: string;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly barrierPath: string,
    readonly memberQty: number,
  ) {
    if (!(memberQty > 0)) throw new RangeError("memberQty cannot be 0");
    this.tracker = ConnectionStateTracker.of(client);
    this.ourPath = makePath(barrierPath, randomUUID());
    this.readyPath = makePath(barrierPath, READY_NODE);
  }

  /** Enters and waits until `memberQty` members have: true, or false after `timeout`. */
  async enter(opts: WaitOptions = {}): Promise<boolean> {
    const deadline = opts.timeout === undefined ? undefined : Date.now() + opts.timeout;
    const ready = new Wakeup(this.tracker, opts.signal);
    const readyExists = (await this.client.exists(this.readyPath, { watch: ready.wake })) !== null;
    await this.createOurNode();
    if (readyExists) return true;
    const children = await this.client.getChildren(this.barrierPath);
    if (children.length >= this.memberQty) {
      try {
        await this.client.create(this.readyPath);
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
      }
      return true;
    }
    for (;;) {
      const r = await ready.wait(deadline);
      if (r === "timeout") return false;
      if (r === "event") return true;
      // RECONNECTED: look again (the watch is still registered)
      if ((await this.client.exists(this.readyPath)) !== null) return true;
    }
  }

  /** Leaves and waits until every member has: true, or false after `timeout`. */
  async leave(opts: WaitOptions = {}): Promise<boolean> {
    const deadline = opts.timeout === undefined ? undefined : Date.now() + opts.timeout;
    const ourName = nodeName(this.ourPath);
    let ourNodeShouldExist = true;
    let result = true;
    for (;;) {
      let children: string[];
      try {
        children = await this.client.getChildren(this.barrierPath);
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
        children = [];
      }
      children = children.filter((c) => c !== READY_NODE).sort();
      if (children.length === 0) break;
      const ourIndex = children.indexOf(ourName);
      if (ourIndex < 0 && ourNodeShouldExist) throw new Error(`Our path (${ourName}) is missing`);
      if (children.length === 1) {
        if (ourNodeShouldExist && children[0] !== ourName) throw new Error(`Last path (${children[0]}) is not ours (${ourName})`);
        await this.deleteOurNode(ourNodeShouldExist);
        ourNodeShouldExist = false;
        break;
      }
      const wakeup = new Wakeup(this.tracker, opts.signal);
      let stat;
      if (ourIndex === 0) {
        stat = await this.client.exists(makePath(this.barrierPath, children[children.length - 1]), { watch: wakeup.wake });
      } else {
        stat = await this.client.exists(makePath(this.barrierPath, children[0]), { watch: wakeup.wake });
        await this.deleteOurNode(ourNodeShouldExist);
        ourNodeShouldExist = false;
      }
      if (stat !== null && (await wakeup.wait(deadline)) === "timeout") {
        result = false;
        break;
      }
    }
    try {
      await this.client.delete(this.readyPath);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
    return result;
  }

  private async createOurNode(): Promise<void> {
    try {
      await this.client.create(this.ourPath, null, { mode: "ephemeral" });
    } catch (e) {
      if (e instanceof NodeExistsError) return; // entered before (an enter that timed out leaves our node)
      if (!(e instanceof NoNodeError)) throw e;
      await ensureContainers(this.client, this.barrierPath);
      await this.client.create(this.ourPath, null, { mode: "ephemeral" });
    }
  }

  private async deleteOurNode(shouldExist: boolean): Promise<void> {
    if (shouldExist) await this.client.delete(this.ourPath);
  }
}
