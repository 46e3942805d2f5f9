import type { DataNode } from "./data-node.js";
import { DigestSum, nodeDigest } from "./digest.js";

/**
 * ZooKeeper's NodeHashMapImpl: the path -> node table and the tree digest kept with it (each node's
 * DigestCalculator digest summed as AdHash). Every change to a node in the table goes through `put`, `remove`
 * or `preChange`/`postChange`, or the cached digest (`DataNode.digest`) goes stale. Also keeps the node
 * sequence snapshots use (`DataNode.seq`) and the approximate data size (DataTree's nodeDataSize).
 */
export class NodeHashMap {
  /** The table itself: read it freely, change it only through the methods below. */
  readonly map = new Map<string, DataNode>();
  /** Sum over nodes of path length + data length (ZooKeeper's approximateDataSize); callers keep it current. */
  dataSize = 0;
  /** Sequence number the next node entering the table gets (DataNode.seq). */
  nextSeq = 0;
  /** The tree digest's sum of node digests. */
  private readonly hash = new DigestSum();

  constructor(readonly digestEnabled: boolean) {}

  get(path: string): DataNode | undefined {
    return this.map.get(path);
  }

  get size(): number {
    return this.map.size;
  }

  /** Adds (or replaces) the node at `path`; a replaced node is detached and leaves the digest. */
  put(path: string, node: DataNode): void {
    const old = this.map.get(path);
    if (old !== undefined) old.detached = true;
    node.seq = this.nextSeq++;
    this.map.set(path, node);
    if (this.digestEnabled) {
      this.addHash(this.digestOf(path, node));
      if (old) this.addHash(-this.cachedDigest(path, old));
    }
  }

  /** `put` of a node at a `path` the caller found free just before (no lookup of a node it replaces). */
  putNew(path: string, node: DataNode): void {
    node.seq = this.nextSeq++;
    this.map.set(path, node);
    if (this.digestEnabled) this.addHash(this.digestOf(path, node));
  }

  /**
   * `put` for a restore, one table operation (no lookup first): false when `path` was in the table already (a
   * snapshot listing a path twice); the node it replaced is then still in the digest sum, and the caller calls
   * `recomputeDigest` once the restore is done. `digest` false: the node's digest is neither computed nor summed
   * (the restore sets the sum at its end, `setDigest`, and each node's digest is computed when first needed).
   */
  putRestored(path: string, node: DataNode, digest = true): boolean {
    node.seq = this.nextSeq++;
    const before = this.map.size;
    this.map.set(path, node);
    if (digest && this.digestEnabled) this.addHash(this.digestOf(path, node));
    return this.map.size !== before;
  }

  /** The digest summed again over the nodes in the table (after `putRestored` replaced a node). */
  recomputeDigest(): void {
    this.hash.set(0n);
    if (!this.digestEnabled) return;
    for (const [p, n] of this.map) this.addHash(this.digestOf(p, n));
  }

  /**
   * Sets the tree digest to `sum` (a sum of node digests, as AdHash: wrapped to 64 bits by `digest()`): the sum a
   * restore's nodes were put with `putRestored(.., false)` for, computed elsewhere (off the thread building the tree).
   */
  setDigest(sum: bigint): void {
    this.hash.set(this.digestEnabled ? sum : 0n);
  }

  remove(path: string, node: DataNode): void {
    this.map.delete(path);
    node.detached = true;
    if (this.digestEnabled) this.addHash(-this.cachedDigest(path, node));
  }

  /** Before the node at `path` changes: its digest (cached since it was last added) leaves the sum. */
  preChange(path: string, node: DataNode): void {
    if (this.digestEnabled) this.addHash(-this.cachedDigest(path, node));
  }

  /** After a node changed: its new digest joins the sum. */
  postChange(path: string, node: DataNode): void {
    if (this.digestEnabled) this.addHash(this.digestOf(path, node));
  }

  /** Empties the table (every node detached) and the digest; the node sequence goes on. */
  clear(): void {
    for (const n of this.map.values()) n.detached = true;
    this.map.clear();
    this.hash.set(0n);
  }

  /** The tree digest (DigestCalculator version 2 summed as AdHash), 0 when digests are disabled. */
  digest(): bigint {
    return BigInt.asIntN(64, this.hash.value());
  }

  /** approximateDataSize recomputed by walking every node (O(n), for checks and after a restore). */
  computeDataSize(): number {
    let n = 0;
    for (const [p, node] of this.map) n += p.length + node.dataLength;
    return n;
  }

  private digestOf(path: string, node: DataNode): number {
    const d = nodeDigest(path, node.peekData(), node.stat);
    node.digest = d;
    return d;
  }

  /**
   * The node's digest as it is counted in the sum: cached, or (a restored node, not computed while restoring) computed
   * now from the node as it is, unchanged since (every change goes through preChange first).
   */
  private cachedDigest(path: string, node: DataNode): number {
    const d = node.digest;
    return d !== undefined ? d : this.digestOf(path, node);
  }

  private addHash(d: number): void {
    this.hash.add(d);
  }
}
