/**
 * Snapshot -> tree: the one place snapshot nodes and ACLs are put into a tree (ZooKeeper's FileSnap.deserialize
 * into DataTree.deserialize). Start-up recovery, an ensemble member's snapshot sync, the read-only copy of a
 * tree and the ZooKeeper data-dir import all load through it.
 */
import type { ACL, StatPersisted } from "@zkts/jute";
import { readSnapshot } from "./snapshot.js";
import type { Storage } from "./storage.js";
import type { ZkZxidDigest } from "./zk-snapshot-stream.js";

/** The tree side of a snapshot load (@zkts/datatree's DataTree.restore). */
export interface RestorableTree {
  restore(
    aclEntries: Iterable<readonly [number, readonly ACL[]]>,
    nodes: Iterable<{ path: string; data: Buffer | null; acl: number; stat: StatPersisted }>,
    lastZxid: bigint,
  ): void;
}

/** A node as a snapshot holds it (ours or ZooKeeper's). */
export interface RestoreNode {
  path: string;
  data: Uint8Array | null;
  aclRef: bigint;
  stat: StatPersisted;
}

/**
 * Replaces the tree's contents with a snapshot's ACL table and nodes (parents before children) at `zxid`.
 * Node data is copied out of the snapshot's read buffers.
 */
export function restoreTree(
  tree: RestorableTree,
  acls: Iterable<{ ref: bigint; acl: readonly ACL[] }>,
  nodes: readonly RestoreNode[],
  zxid: bigint,
): void {
  const aclEntries: Array<readonly [number, readonly ACL[]]> = [];
  for (const a of acls) aclEntries.push([Number(a.ref), a.acl]);
  tree.restore(
    aclEntries,
    nodes.map((n) => ({ path: n.path, data: n.data === null ? null : Buffer.from(n.data), acl: Number(n.aclRef), stat: n.stat })),
    zxid,
  );
}

export interface SnapshotLoad {
  /** Session id -> timeout, as the snapshot lists them. */
  sessions: Map<bigint, number>;
  nodes: number;
  /** A ZooKeeper snapshot's ZxidDigest (null: none in the file). */
  digest: ZkZxidDigest | null;
}

/**
 * Reads the snapshot at `path` (zkts's or ZooKeeper's format: readSnapshotRecords tells them apart) into `tree`;
 * returns its sessions. The reader's node data is owned by its nodes already: it is handed to the tree uncopied.
 */
export async function loadSnapshot(storage: Storage, path: string, tree: RestorableTree, zxid: bigint): Promise<SnapshotLoad> {
  const snap = await readSnapshot(storage, path);
  tree.restore(
    snap.acls.map((a) => [Number(a.ref), a.acl] as const),
    snap.nodes.map((n) => ({ path: n.path, data: n.data === null ? null : Buffer.from(n.data.buffer, n.data.byteOffset, n.data.byteLength), acl: Number(n.aclRef), stat: n.stat })),
    zxid,
  );
  return { sessions: new Map(snap.sessions.map((s) => [s.id, s.timeout])), nodes: snap.nodes.length, digest: snap.digest };
}
