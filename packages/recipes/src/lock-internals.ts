/**
 * Curator's LockInternals and lock drivers: the queue of ephemeral sequential nodes under a lock path that
 * InterProcessMutex, the read/write lock, the semaphore's lock and LeaderSelector share. A contender creates
 * `<base>/_c_<uuid>-<lockName><seq>`, lists the children sorted by sequence number, and either holds (the driver
 * says so) or watches the node it waits for with getData (Curator uses getData, not exists, so that no watch is
 * left on a node that does not exist) and looks again when that node changes or goes.
 */
import { NoNodeError, type Data, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker } from "./connection-state.js";
import { createProtected, fixForSorting, guaranteedDelete, makePath, MAX_CONNECTION_RETRIES, nodeName, sortChildren } from "./paths.js";
import { Wakeup } from "./wakeup.js";

export interface PredicateResult {
  getsTheLock: boolean;
  /** The child to wait for when the lock is not ours. */
  pathToWatch?: string;
}

/** LockInternalsDriver: how children sort and who holds. */
export interface LockDriver {
  fixForSorting(name: string, lockName: string): string;
  getsTheLock(children: readonly string[], ourName: string, maxLeases: number): PredicateResult;
}

/** StandardLockInternalsDriver: the first `maxLeases` children hold; the others wait for the one `maxLeases` ahead. */
export const standardDriver: LockDriver = {
  fixForSorting,
  getsTheLock(children, ourName, maxLeases) {
    const ourIndex = children.indexOf(ourName);
    if (ourIndex < 0) throw new NoNodeError(undefined, `Sequential path not found: ${ourName}`);
    const getsTheLock = ourIndex < maxLeases;
    return getsTheLock ? { getsTheLock } : { getsTheLock, pathToWatch: children[ourIndex - maxLeases] };
  },
};

export interface AttemptOptions {
  signal?: AbortSignal;
  /** Give up after this many ms (the lock node is deleted); undefined waits until held. */
  timeout?: number;
}

export class LockInternals {
  readonly tracker: ConnectionStateTracker;
  /** `<base>/<lockName>`, the path the protected sequential nodes are created from. */
  readonly path: string;

  constructor(
    readonly client: ZooKeeperClient,
    readonly basePath: string,
    readonly lockName: string,
    public maxLeases: number,
    readonly driver: LockDriver = standardDriver,
  ) {
    this.tracker = ConnectionStateTracker.of(client);
    this.path = makePath(basePath, lockName);
  }

  /** The children of the lock path, sorted as the driver sorts them. */
  async sortedChildren(): Promise<string[]> {
    return sortChildren(await this.client.getChildren(this.basePath), this.lockName, this.driver.fixForSorting);
  }

  /**
   * Creates our node and waits until the driver says we hold. Returns our node's path, or null after `timeout`
   * (our node is deleted). An abort, a lost session or an error deletes our node and rejects. When our node has
   * gone (a session expired and was replaced, an admin deleted it) the whole attempt starts again, a bounded
   * number of times (Curator's retry policy).
   */
  async attemptLock(data: Data, opts: AttemptOptions = {}): Promise<string | null> {
    const deadline = opts.timeout === undefined ? undefined : Date.now() + opts.timeout;
    for (let retry = 0; ; retry++) {
      opts.signal?.throwIfAborted();
      const ourPath = await createProtected(this.client, this.path, data, "ephemeralSequential");
      try {
        return await this.lockLoop(ourPath, deadline, opts.signal);
      } catch (e) {
        if (e instanceof NoNodeError && retry < MAX_CONNECTION_RETRIES) continue; // our node is gone: start again
        throw e;
      }
    }
  }

  private async lockLoop(ourPath: string, deadline: number | undefined, signal: AbortSignal | undefined): Promise<string | null> {
    const ourName = nodeName(ourPath);
    let keep = false;
    try {
      for (;;) {
        const children = await this.sortedChildren();
        const result = this.driver.getsTheLock(children, ourName, this.maxLeases);
        if (result.getsTheLock) {
          keep = true;
          return ourPath;
        }
        const wakeup = new Wakeup(this.tracker, signal);
        try {
          await this.client.getData(makePath(this.basePath, result.pathToWatch!), { watch: wakeup.wake });
        } catch (e) {
          if (e instanceof NoNodeError) continue; // gone meanwhile: look again
          throw e;
        }
        if ((await wakeup.wait(deadline)) === "timeout") return null;
      }
    } finally {
      if (!keep) await guaranteedDelete(this.client, ourPath).catch(() => undefined);
    }
  }

  /** Deletes a lock node (guaranteed: retried over lost connections; gone is fine). */
  async releaseLock(lockPath: string): Promise<void> {
    await guaranteedDelete(this.client, lockPath);
  }
}
