/**
 * A copy of a tree (read-only mode) through the snapshot format and a scratch in-memory storage (nothing touches
 * the disk). (A leader's SNAP is ZooKeeper's learner stream: zk-snapshot-stream.ts.)
 */
import { snapshotTree, type PersistentTree } from "./database.js";
import { VERSION_DIR } from "./log-format.js";
import { MemoryStorage } from "./memory-storage.js";
import { loadSnapshot, type RestorableTree } from "./restore.js";
import { joinPath } from "./storage.js";

/** A copy of `src` (nodes, ACLs, zxid) in `dst` (a fresh tree), through the snapshot format. */
export async function copyTreeThroughSnapshot(src: PersistentTree, dst: RestorableTree, opts: { time: number }): Promise<RestorableTree> {
  const scratch = new MemoryStorage();
  await scratch.mkdirp(joinPath(SCRATCH_DIR, VERSION_DIR));
  const info = await snapshotTree(scratch, SCRATCH_DIR, src, new Map(), opts);
  await loadSnapshot(scratch, info.path, dst, src.lastProcessedZxid);
  return dst;
}

const SCRATCH_DIR = "/scratch";
