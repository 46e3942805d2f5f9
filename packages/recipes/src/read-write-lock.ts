/**
 * InterProcessReadWriteLock: Curator's re-entrant read/write lock. Readers and writers queue under one path, with
 * Curator's node names `_c_<uuid>-__READ__<seq>` and `_c_<uuid>-__WRIT__<seq>`, sorted by sequence number across
 * both. A writer holds when it is first; a reader holds when no writer is ahead of it (and waits for the first
 * writer ahead otherwise). The holder of the write lock may take the read lock (lock downgrading); a reader never
 * gets the write lock while it reads.
 */
import { NoNodeError, type Data, type ZooKeeperClient } from "@zkts/client";
import type { LockDriver } from "./lock-internals.js";
import { InterProcessMutex } from "./mutex.js";
import { fixForSorting } from "./paths.js";

export const READ_LOCK_NAME = "__READ__";
export const WRITE_LOCK_NAME = "__WRIT__";

/** Curator's SortingLockInternalsDriver: strip either lock name, so both kinds sort by sequence number. */
function fixBoth(name: string): string {
  return fixForSorting(fixForSorting(name, READ_LOCK_NAME), WRITE_LOCK_NAME);
}

const writeDriver: LockDriver = {
  fixForSorting: (name) => fixBoth(name),
  getsTheLock(children, ourName, maxLeases) {
    const ourIndex = children.indexOf(ourName);
    if (ourIndex < 0) throw new NoNodeError(undefined, `Sequential path not found: ${ourName}`);
    const getsTheLock = ourIndex < maxLeases;
    return getsTheLock ? { getsTheLock } : { getsTheLock, pathToWatch: children[ourIndex - maxLeases] };
  },
};

function readDriver(writeHeld: () => boolean): LockDriver {
  return {
    fixForSorting: (name) => fixBoth(name),
    getsTheLock(children, ourName) {
      if (writeHeld()) return { getsTheLock: true };
      let firstWrite = Number.MAX_SAFE_INTEGER;
      let ourIndex = -1;
      for (let i = 0; i < children.length; i++) {
        const node = children[i]!;
        if (node.includes(WRITE_LOCK_NAME)) firstWrite = Math.min(firstWrite, i);
        else if (node.startsWith(ourName)) {
          ourIndex = i;
          break;
        }
      }
      if (ourIndex < 0) throw new NoNodeError(undefined, `Sequential path not found: ${ourName}`);
      const getsTheLock = ourIndex < firstWrite;
      return getsTheLock ? { getsTheLock } : { getsTheLock, pathToWatch: children[firstWrite] };
    },
  };
}

class InternalMutex extends InterProcessMutex {
  constructor(
    client: ZooKeeperClient,
    path: string,
    private readonly lockName: string,
    data: Data,
    maxLeases: number,
    driver: LockDriver,
  ) {
    super(client, path, { data }, lockName, driver, maxLeases);
  }

  /** Only this kind's nodes (as Curator's InternalInterProcessMutex). */
  override async participantNodes(): Promise<string[]> {
    return (await super.participantNodes()).filter((p) => p.includes(this.lockName));
  }
}

export class InterProcessReadWriteLock {
  readonly writeLock: InterProcessMutex;
  readonly readLock: InterProcessMutex;

  constructor(client: ZooKeeperClient, basePath: string, options: { data?: Data } = {}) {
    this.writeLock = new InternalMutex(client, basePath, WRITE_LOCK_NAME, options.data, 1, writeDriver);
    const write = this.writeLock;
    this.readLock = new InternalMutex(client, basePath, READ_LOCK_NAME, options.data, Number.MAX_SAFE_INTEGER, readDriver(() => write.isAcquiredInThisProcess));
  }

  /** Stops both locks listening to connection states. */
  dispose(): void {
    this.writeLock.dispose();
    this.readLock.dispose();
  }
}
