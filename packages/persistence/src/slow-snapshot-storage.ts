import { MemoryStorage } from "./memory-storage.js";
import type { StorageFile } from "./storage.js";

/**
 * A MemoryStorage whose snapshot files (`tmp.snapshot.*`, before their rename) complete their fdatasync only when the
 * test lets them (`releaseAll`): a snapshot writer as slow as the test wants, for snapshot scheduling tests.
 */
export class SlowSnapshotStorage extends MemoryStorage {
  private held: Array<() => void> = [];

  override async open(path: string, mode: "read" | "create" | "append"): Promise<StorageFile> {
    const f = await super.open(path, mode);
    if (!path.includes("tmp.snapshot.")) return f;
    return Object.assign(Object.create(f) as StorageFile, {
      datasync: async () => {
        await new Promise<void>((r) => this.held.push(r));
        return f.datasync();
      },
    });
  }

  /** Snapshots waiting for their fdatasync. */
  get waiting(): number {
    return this.held.length;
  }

  releaseAll(): void {
    const h = this.held;
    this.held = [];
    for (const r of h) r();
  }
}
