import type { ACL, StatPersisted } from "@zkts/jute";
import { DataNode, keepData, splitPath } from "./data-node.js";
import type { TreeState } from "./tree-state.js";

/** A node as stored in a snapshot. */
export interface SnapshotNode {
  path: string;
  data: Buffer | null;
  acl: number;
  stat: StatPersisted;
}

/**
 * DataTree.serializeNodes: every node, parents before children, the root first and named "" as in ZooKeeper
 * snapshots. Nodes come in the order they entered the tree (a node always enters after its parent, and a parent
 * deleted and created again has no children left from before), straight from the node table: no path is built
 * or looked up per node. The tree may change while the iterator is consumed (a fuzzy snapshot, as
 * ZooKeeper's): nodes that entered the tree after the first node was taken are left out (their txns follow the
 * snapshot's zxid in the log and are replayed over it), so no path can come twice.
 */
export function* snapshotNodes(s: TreeState): IterableIterator<SnapshotNode> {
  const before = s.nodes.nextSeq;
  for (const [p, n] of s.nodes.map) {
    if (n.seq >= before) continue;
    yield { path: p === "/" ? "" : p, data: n.data, acl: n.acl, stat: n.stat };
  }
}

/**
 * DataTree.deserialize: replaces the whole tree with a snapshot's content (ACL cache entries, then nodes
 * parents-first, root named "" or "/"). Rebuilds ephemerals, containers, TTLs, quota roots and stat nodes, and
 * the digest. Watches are kept. Throws when a node's parent is missing.
 */
export function restore(
  s: TreeState,
  aclEntries: Iterable<readonly [number, readonly ACL[]]>,
  nodes: Iterable<SnapshotNode>,
  lastZxid: bigint,
): void {
  const table = s.nodes;
  s.acls.load(aclEntries);
  table.clear();
  s.ephemerals.clear();
  s.quotas.clear();
  for (const sn of nodes) {
    const path = sn.path === "" ? "/" : sn.path;
    const node = new DataNode(keepData(sn.data), sn.acl, { ...sn.stat });
    s.acls.addUsage(sn.acl);
    if (path !== "/") {
      const { parent, child } = splitPath(path);
      const pn = table.get(parent);
      if (!pn) throw new Error(`Invalid Datatree, unable to find parent ${parent} of path ${path}`);
      if (pn.children === null) pn.children = new Set();
      pn.children.add(child);
      s.ephemerals.add(path, node.stat.ephemeralOwner);
    }
    table.put(path, node);
  }
  if (!table.map.has("/")) throw new Error("Invalid Datatree, no root");
  table.dataSize = table.computeDataSize();
  s.quotas.rebuild();
  s.acls.purgeUnused();
  s.lastProcessedZxid = lastZxid;
}
