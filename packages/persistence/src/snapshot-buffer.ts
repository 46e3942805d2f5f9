/**
 * Snapshots in memory: the bytes a leader sends a learner with SNAP, and a copy of a tree (read-only mode), through
 * the snapshot format and a scratch in-memory storage (nothing touches the disk).
 */
import { snapshotTree, type PersistentTree } from "./database.js";
import { VERSION_DIR } from "./log-format.js";
import { MemoryStorage } from "./memory-storage.js";
import { loadSnapshot, type RestorableTree } from "./restore.js";
import { joinPath, readWholeFile } from "./storage.js";

/**
 * The snapshot of `tree` (and `sessions`) as bytes, in the format snapshot files have: what a leader sends a learner
 * with SNAP. Written through an in-memory scratch storage, so nothing touches the disk.
 */
export async function snapshotToBuffer(
  tree: PersistentTree,
  sessions: ReadonlyMap<bigint, number>,
  opts: { time: number },
): Promise<Buffer> {
  const scratch = new MemoryStorage();
  await scratch.mkdirp(joinPath(SCRATCH_DIR, VERSION_DIR));
  const info = await snapshotTree(scratch, SCRATCH_DIR, tree, sessions, opts);
  return readWholeFile(scratch, info.path);
}

/** A copy of `src` (nodes, ACLs, zxid) in `dst` (a fresh tree), through the snapshot format. */
export async function copyTreeThroughSnapshot(src: PersistentTree, dst: RestorableTree, opts: { time: number }): Promise<RestorableTree> {
  const scratch = new MemoryStorage();
  await scratch.mkdirp(joinPath(SCRATCH_DIR, VERSION_DIR));
  const info = await snapshotTree(scratch, SCRATCH_DIR, src, new Map(), opts);
  await loadSnapshot(scratch, info.path, dst, src.lastProcessedZxid);
  return dst;
}

const SCRATCH_DIR = "/scratch";
