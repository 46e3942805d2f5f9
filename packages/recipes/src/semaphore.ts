/**
 * InterProcessSemaphoreV2: Curator's counting semaphore. A lease is an ephemeral sequential node
 * `<path>/leases/_c_<uuid>-lease-<seq>`; taking one happens under the InterProcessMutex at `<path>/locks`: create
 * the lease node, then wait (watching the leases' children) until there are no more than `maxLeases` leases, then
 * release the mutex. The maximum is a number or a SharedCount (all participants must agree on it).
 */
import { NoNodeError, type Data, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker } from "./connection-state.js";
import { InterProcessMutex } from "./mutex.js";
import { createProtected, guaranteedDelete, makePath, MAX_CONNECTION_RETRIES, nodeName } from "./paths.js";
import type { SharedCount } from "./shared-count.js";
import { Wakeup } from "./wakeup.js";

export const LOCK_PARENT = "locks";
export const LEASE_PARENT = "leases";
export const LEASE_BASE_NAME = "lease-";

/** A lease; close() returns it (deletes its node). */
export class Lease {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  async close(): Promise<void> {
    await guaranteedDelete(this.client, this.path);
  }

  async getData(): Promise<Buffer | null> {
    return (await this.client.getData(this.path)).data;
  }
}

export interface SemaphoreAcquireOptions {
  signal?: AbortSignal;
  /** Give up after this many ms: resolves null, returning any lease taken meanwhile. */
  timeout?: number;
}

export class InterProcessSemaphoreV2 {
  private readonly lock: InterProcessMutex;
  private readonly leasesPath: string;
  private readonly tracker: ConnectionStateTracker;
  private readonly count: SharedCount | undefined;
  private fixedMax: number;
  /** Data of the lease nodes (Curator's setNodeData). */
  nodeData: Data;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    maxLeases: number | SharedCount,
    options: { data?: Data } = {},
  ) {
    this.lock = new InterProcessMutex(client, makePath(path, LOCK_PARENT));
    this.leasesPath = makePath(path, LEASE_PARENT);
    this.tracker = ConnectionStateTracker.of(client);
    if (typeof maxLeases === "number") {
      this.fixedMax = maxLeases;
    } else {
      this.count = maxLeases;
      this.fixedMax = 0;
    }
    this.nodeData = options.data;
  }

  private get maxLeases(): number {
    return this.count !== undefined ? this.count.count : this.fixedMax;
  }

  /** Takes one lease (waits as needed); null after `timeout`. */
  async acquire(opts: SemaphoreAcquireOptions = {}): Promise<Lease | null> {
    const leases = await this.acquireMany(1, opts);
    return leases === null ? null : leases[0]!;
  }

  /** Takes `qty` leases one after the other; on timeout, abort or error the ones taken are returned. */
  async acquireMany(qty: number, opts: SemaphoreAcquireOptions = {}): Promise<Lease[] | null> {
    if (!(qty > 0)) throw new RangeError("qty cannot be 0");
    const deadline = opts.timeout === undefined ? undefined : Date.now() + opts.timeout;
    const leases: Lease[] = [];
    let success = false;
    try {
      while (leases.length < qty) {
        for (let retry = 0; ; retry++) {
          const r = await this.acquireOne(leases, deadline, opts.signal);
          if (r === "ok") break;
          if (r === "timeout") return null;
          if (retry >= MAX_CONNECTION_RETRIES) throw new NoNodeError(undefined, "Sequential path not found - possible session loss");
        }
      }
      success = true;
      return leases;
    } finally {
      if (!success) await this.returnAll(leases).catch(() => undefined);
    }
  }

  private async acquireOne(leases: Lease[], deadline: number | undefined, signal: AbortSignal | undefined): Promise<"ok" | "timeout" | "missing"> {
    const remaining = deadline === undefined ? undefined : deadline - Date.now();
    if (remaining !== undefined && remaining <= 0) return "timeout";
    if (!(await this.lock.acquire({ signal, timeout: remaining }))) return "timeout";
    try {
      const path = await createProtected(this.client, makePath(this.leasesPath, LEASE_BASE_NAME), this.nodeData, "ephemeralSequential");
      const lease = new Lease(this.client, path);
      leases.push(lease);
      const name = nodeName(path);
      for (;;) {
        const wakeup = new Wakeup(this.tracker, signal);
        const onCount = () => wakeup.wake();
        this.count?.on("countHasChanged", onCount);
        try {
          const children = await this.client.getChildren(this.leasesPath, { watch: wakeup.wake });
          if (!children.includes(name)) {
            leases.splice(leases.indexOf(lease), 1); // gone with a session: take another
            return "missing";
          }
          if (children.length <= this.maxLeases) return "ok";
          if ((await wakeup.wait(deadline)) === "timeout") return "timeout";
        } finally {
          this.count?.off("countHasChanged", onCount);
        }
      }
    } finally {
      await this.lock.release();
    }
  }

  async returnLease(lease: Lease): Promise<void> {
    await lease.close();
  }

  async returnAll(leases: readonly Lease[]): Promise<void> {
    for (const l of leases) await l.close();
  }

  /** The lease nodes (Curator's getParticipantNodes). */
  async participantNodes(): Promise<string[]> {
    try {
      return (await this.client.getChildren(this.leasesPath)).map((c) => makePath(this.leasesPath, c));
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
  }

  dispose(): void {
    this.lock.dispose();
  }
}
