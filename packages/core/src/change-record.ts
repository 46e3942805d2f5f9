/**
 * The change records of prep (PrepRequestProcessor's ChangeRecord): what a prepared, not yet applied txn leaves
 * at a path, and the small helpers that build them.
 */
import type { ACL, StatPersisted } from "@zkts/jute";
import type { TreeNode } from "./tree.js";

export interface ChangeRecord {
  zxid: bigint;
  path: string;
  stat: StatPersisted | null;
  childCount: number;
  acl: readonly ACL[];
  data: Buffer | null;
  /**
   * ChangeRecord.precalculatedDigest: the node's digest as this record leaves it (0 once removed, and always 0
   * with digests disabled), and the tree digest once this change is applied, as its difference from the
   * processor's `digestBase` (a Number: no BigInt arithmetic per change; a record read from the tree has none).
   */
  nodeDigest: number;
  treeDelta: number;
  /**
   * The tree node this record's path had when prep read it from the tree, carried to the records prepared on top
   * of it (undefined for a node a pending txn creates, and once removed): the apply hint (Tree.processTxn).
   */
  node: TreeNode | undefined;
}

export const NO_ACL: readonly ACL[] = Object.freeze([]);

/** A change record: one object shape for all of them (no spreads on the write path). */
export function changeRecord(
  zxid: bigint,
  path: string,
  stat: StatPersisted | null,
  childCount: number,
  acl: readonly ACL[],
  data: Buffer | null,
  nodeDigest: number,
  node: TreeNode | undefined = undefined,
): ChangeRecord {
  return { zxid, path, stat, childCount, acl, data, nodeDigest, treeDelta: 0, node };
}

/** A copy of `s` with some fields replaced; every StatPersisted made here has one shape, in record order. */
export function statWith(
  s: StatPersisted,
  czxid: bigint,
  mzxid: bigint,
  ctime: bigint,
  mtime: bigint,
  version: number,
  cversion: number,
  aversion: number,
  pzxid: bigint,
): StatPersisted {
  return { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner: s.ephemeralOwner, pzxid };
}

export function childCount(node: TreeNode): number {
  return node.numChildren;
}
