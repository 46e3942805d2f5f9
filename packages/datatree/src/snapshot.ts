import type { ACL, StatPersisted } from "@zkts/jute";
import { DataNode, keepData, keepDataBytes } from "./data-node.js";
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
    // peekData: a restored node's data kept as a slab range stays so (no view kept per node for the snapshot's sake)
    yield { path: p === "/" ? "" : p, data: n.peekData(), acl: n.acl, stat: n.stat };
  }
}

/**
 * DataTree.deserialize, streamed: a snapshot's content goes into the tree as it is read, with no list of its
 * nodes held on the side. `begin` empties the tree (watches are kept); ACL entries (`acls`, any number of times,
 * before or after the nodes that refer to them: a fuzzy snapshot's late ACLs) and nodes (`node`, parents before
 * children, root named "" or "/") follow; `finish` rebuilds the quota roots and the approximate data size, drops
 * unused ACLs and sets the zxid. Ephemerals, containers, TTLs and the digest are kept as nodes come in.
 */
export class TreeRestorer {
  private readonly uses = new Map<number, number>();
  /** The last parent looked up (snapshot nodes come grouped by parent: one table lookup per group). */
  private lastParentPath = "";
  private lastParent: DataNode | undefined;
  /** A node replaced another at the same path: the digest and data size are summed again at the end. */
  private replaced = false;
  /** approximateDataSize of the nodes given so far (path + data lengths), summed as they come. */
  private dataSize = 0;
  /** The ACL ref of the last run of nodes with an ACL other than -1, and the run's length (not yet in `uses`). */
  private runAcl = -1;
  private runCount = 0;

  /**
   * `reinit` puts back what a new tree holds (after `abort`). `deferDigest`: the nodes' digests are not computed
   * as they come; `finish` is given their sum (computed elsewhere, e.g. by another thread reading the same snapshot),
   * or without one computes it then; each node's own digest is computed when a change first needs it.
   */
  constructor(
    private readonly s: TreeState,
    private readonly reinit: () => void = () => {},
    private readonly deferDigest = false,
  ) {
    this.empty();
  }

  private empty(): void {
    const s = this.s;
    s.acls.load([]);
    s.nodes.clear();
    s.ephemerals.clear();
    s.quotas.clear();
    this.uses.clear();
    this.runAcl = -1;
    this.runCount = 0;
    this.lastParent = undefined;
    this.replaced = false;
    this.dataSize = 0;
  }

  private flushAclRun(): void {
    if (this.runCount === 0) return;
    this.uses.set(this.runAcl, (this.uses.get(this.runAcl) ?? 0) + this.runCount);
    this.runCount = 0;
  }

  /** Gives up (the snapshot turned out damaged): the tree is left as a new one, at zxid 0. */
  abort(): void {
    this.empty();
    this.reinit();
    this.s.nodes.dataSize = this.s.nodes.computeDataSize();
    this.s.lastProcessedZxid = 0n;
  }

  /** ACL cache entries (added to those given before). */
  acls(entries: Iterable<readonly [number, readonly ACL[]]>): void {
    this.s.acls.add(entries);
  }

  /**
   * One node; `stat` becomes the node's (not copied), `data` is copied (keepData). Throws when its parent is
   * missing.
   */
  node(snapPath: string, data: Buffer | null, acl: number, stat: StatPersisted): void {
    this.add(snapPath, new DataNode(keepData(data), acl, stat), data === null ? 0 : data.length, acl, stat);
  }

  /**
   * `node` with the data given as the bytes `src[start, end)` (start -1: no data), copied before it returns (no view
   * of `src` is made or kept: a reader hands its read buffer's range).
   */
  nodeBytes(snapPath: string, src: Buffer, start: number, end: number, acl: number, stat: StatPersisted): void {
    const node = new DataNode(null, acl, stat);
    if (start >= 0) keepDataBytes(node, src, start, end);
    this.add(snapPath, node, start >= 0 ? end - start : 0, acl, stat);
  }

  private add(snapPath: string, node: DataNode, dataLength: number, acl: number, stat: StatPersisted): void {
    const s = this.s;
    const table = s.nodes;
    const path = snapPath === "" ? "/" : snapPath;
    this.dataSize += path.length + dataLength;
    if (acl !== -1) {
      // counted per run of equal refs (most nodes share their neighbour's ACL): a table update per run, not per node
      if (acl === this.runAcl) this.runCount++;
      else {
        this.flushAclRun();
        this.runAcl = acl;
        this.runCount = 1;
      }
    }
    if (path !== "/") {
      const i = path.lastIndexOf("/");
      let pn = this.lastParent;
      // the same parent as the node before (its path a prefix of this one's): no parent path made or looked up
      const lp = this.lastParentPath;
      if (pn === undefined || pn.detached || !(i === (lp === "/" ? 0 : lp.length) && path.startsWith(lp))) {
        const parentPath = i === 0 ? "/" : path.slice(0, i);
        pn = table.get(parentPath);
        if (!pn) throw new Error(`Invalid Datatree, unable to find parent ${parentPath} of path ${path}`);
        this.lastParent = pn;
        this.lastParentPath = parentPath;
      }
      pn.addChild(path.slice(i + 1), node);
      if (stat.ephemeralOwner !== 0n) s.ephemerals.add(path, stat.ephemeralOwner);
      // one table operation per node; a path listed twice (ZooKeeper's deserialize keeps the later node) is rare
      if (!table.putRestored(path, node, !this.deferDigest)) this.replacedNode(pn, node);
    } else if (!table.putRestored(path, node, !this.deferDigest)) this.replacedNode(undefined, node);
  }

  /** `node` replaced a node at the same path: the earlier one leaves its parent's children, and the digest is summed again. */
  private replacedNode(parent: DataNode | undefined, node: DataNode): void {
    parent?.dropReplacedChild(node);
    this.replaced = true;
    this.lastParent = undefined;
  }

  /**
   * Ends the restore at `lastZxid`. `digestSum`: with `deferDigest`, the sum of the nodeDigest of every node given
   * (each node listed, in the order given; undefined: not known, computed here over the table).
   */
  finish(lastZxid: bigint, digestSum?: bigint): void {
    const s = this.s;
    const table = s.nodes;
    if (!table.map.has("/")) throw new Error("Invalid Datatree, no root");
    this.flushAclRun();
    for (const [ref, n] of this.uses) s.acls.addUsage(ref, n);
    this.uses.clear();
    this.lastParent = undefined;
    if (this.replaced) {
      table.recomputeDigest();
      this.dataSize = table.computeDataSize();
    } else if (this.deferDigest) {
      if (digestSum === undefined) table.recomputeDigest();
      else table.setDigest(digestSum);
    }
    this.replaced = false;
    table.dataSize = this.dataSize;
    s.quotas.rebuild();
    s.acls.purgeUnused();
    s.lastProcessedZxid = lastZxid;
  }
}

/**
 * DataTree.deserialize: replaces the whole tree with a snapshot's content (ACL cache entries, then nodes
 * parents-first, root named "" or "/"). Rebuilds ephemerals, containers, TTLs, quota roots and stat nodes, and
 * the digest. Watches are kept. Throws when a node's parent is missing. The nodes' stats are copied.
 */
export function restore(
  s: TreeState,
  aclEntries: Iterable<readonly [number, readonly ACL[]]>,
  nodes: Iterable<SnapshotNode>,
  lastZxid: bigint,
): void {
  const r = new TreeRestorer(s);
  r.acls(aclEntries);
  for (const sn of nodes) r.node(sn.path, sn.data, sn.acl, { ...sn.stat });
  r.finish(lastZxid);
}
