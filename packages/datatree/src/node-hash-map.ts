import type { StatPersisted } from "@zkts/jute";
import type { DataNode } from "./data-node.js";
import { DigestSum, nodeDigest } from "./digest.js";

/**
 * A node digest computed ahead of the apply (core's prep computes one per node a txn changes, for the txn's
 * TxnDigest): `nodeDigest` is nodeDigest(path, data, stat). Used instead of computing it again only when the node the
 * apply leaves at `path` has exactly this stat and data (the digest is a function of those three alone). A removal
 * (stat null) gives none.
 */
export interface DigestHint {
  readonly path: string;
  readonly stat: StatPersisted | null;
  readonly data: Buffer | null;
  readonly nodeDigest: number;
}

/** Hints looked at past the cursor for the path asked (the apply asks in the order they were computed). */
const HINT_WINDOW = 4;

function sameStat(a: StatPersisted, b: StatPersisted): boolean {
  return (
    a.version === b.version &&
    a.cversion === b.cversion &&
    a.aversion === b.aversion &&
    a.mzxid === b.mzxid &&
    a.pzxid === b.pzxid &&
    a.czxid === b.czxid &&
    a.mtime === b.mtime &&
    a.ctime === b.ctime &&
    a.ephemeralOwner === b.ephemeralOwner
  );
}

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
  /** While a txn is applied: the digests its preparer computed (see DigestHint), looked at from `hintAt` on. */
  private hints: readonly DigestHint[] | undefined = undefined;
  private hintAt = 0;

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

  /** Digests computed ahead for the txn about to be applied (undefined: none, after it). */
  setHints(hints: readonly DigestHint[] | undefined): void {
    this.hints = hints;
    this.hintAt = 0;
  }

  private digestOf(path: string, node: DataNode): number {
    const h = this.hints;
    const d = h === undefined ? -1 : this.hinted(h, path, node);
    const out = d >= 0 ? d : nodeDigest(path, node.peekData(), node.stat);
    node.digest = out;
    return out;
  }

  /** The digest a hint gives the node at `path` as it is now, or -1 when no hint holds for it exactly. */
  private hinted(h: readonly DigestHint[], path: string, node: DataNode): number {
    const end = Math.min(h.length, this.hintAt + HINT_WINDOW);
    for (let i = this.hintAt; i < end; i++) {
      const e = h[i]!;
      if (e.path !== path || e.stat === null) continue;
      this.hintAt = i + 1;
      if (!sameStat(e.stat, node.stat)) return -1;
      const a = e.data;
      const b = node.data;
      if (a === b) return e.nodeDigest;
      if (a === null || b === null || a.length !== b.length || !a.equals(b)) return -1;
      return e.nodeDigest;
    }
    return -1;
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
