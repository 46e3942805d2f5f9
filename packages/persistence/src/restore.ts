/**
 * Snapshot -> tree: the one place snapshot nodes and ACLs are put into a tree (ZooKeeper's FileSnap.deserialize
 * into DataTree.deserialize). Start-up recovery, an ensemble member's snapshot sync, the read-only copy of a
 * tree and the ZooKeeper data-dir import all load through it.
 */
import type { ACL, StatPersisted } from "@zkts/jute";
import { readSnapshot } from "./snapshot.js";
import type { Storage } from "./storage.js";

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
}

/** Reads the zkts snapshot at `path` into `tree` (see restoreTree); returns its sessions. */
export async function loadSnapshot(storage: Storage, path: string, tree: RestorableTree, zxid: bigint): Promise<SnapshotLoad> {
  const snap = await readSnapshot(storage, path);
  restoreTree(tree, snap.acls, snap.nodes, zxid);
  return { sessions: new Map(snap.sessions.map((s) => [s.id, s.timeout])), nodes: snap.nodes.length };
}
