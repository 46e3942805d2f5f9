import type { Stat, StatPersisted } from "@zkts/jute";
import { clientEphemeralOwner } from "@zkts/client-wire";

/** Slab size for node data (see keepData); data at least a quarter of this big gets its own copy. */
const DATA_SLAB = 16 * 1024;
const EMPTY_DATA = Buffer.alloc(0);
let slab = Buffer.allocUnsafeSlow(DATA_SLAB);
let slabUsed = 0;

/**
 * The copy of a node's data the tree keeps. Request data arrives as a slice of Node's shared 8 KiB buffer pool,
 * which also serves every short-lived buffer of the request path (replies, txn records): one kept 100-byte value
 * pins its whole pool chunk, about 300 bytes per znode in a create-heavy server. Kept data goes to slabs that
 * only hold node data instead (16 KiB, so a slab pinned by one surviving value costs no more than a pool chunk).
 */
export function keepData(data: Buffer | null): Buffer | null {
  if (data === null) return null;
  const n = data.length;
  if (n === 0) return EMPTY_DATA;
  // TypedArray set, not Buffer copy: no call into the runtime for a small copy (a restore makes one per node)
  if (n >= DATA_SLAB / 4) {
    const own = Buffer.allocUnsafeSlow(n);
    own.set(data, 0);
    return own;
  }
  if (slabUsed + n > DATA_SLAB) {
    slab = Buffer.allocUnsafeSlow(DATA_SLAB);
    slabUsed = 0;
  }
  const start = slabUsed;
  slab.set(data, start);
  slabUsed = start + n;
  return slab.subarray(start, start + n);
}

/**
 * `keepData` of the bytes `src[start, end)` for `node` (no view of the source made): small data is copied into the
 * current slab and left there as a range (DataNode.data makes the node's view of it when first read), larger data
 * gets its own copy. A restore keeps each node's data this way: one object less per node until its data is read.
 */
export function keepDataBytes(node: DataNode, src: Buffer, start: number, end: number): void {
  const n = end - start;
  if (n === 0) {
    node.data = EMPTY_DATA;
    return;
  }
  if (n >= DATA_SLAB / 4) {
    const own = Buffer.allocUnsafeSlow(n);
    src.copy(own, 0, start, end);
    node.data = own;
    return;
  }
  if (slabUsed + n > DATA_SLAB) {
    slab = Buffer.allocUnsafeSlow(DATA_SLAB);
    slabUsed = 0;
  }
  const at = slabUsed;
  src.copy(slab, at, start, end);
  slabUsed = at + n;
  node.setDataRange(slab, at, n);
}

/** DataNode's packed slab range: offset << RANGE_BITS | length (both below DATA_SLAB = 2^RANGE_BITS). */
const RANGE_BITS = 14;
const RANGE_MASK = (1 << RANGE_BITS) - 1;

/**
 * A node's children, in the order they were added (as a JS Set iterates: getChildren answers this order). Each
 * child node knows its own name and its index here (`DataNode.slot`), so adding is a push and removing nulls one
 * entry (O(1), no hashing: a restore builds a million of them cheaply); removed entries are compacted away once
 * they are half the list. Lives only behind DataNode's child methods.
 */
class ChildList {
  readonly nodes: (DataNode | null)[] = [];
  /** Entries of `nodes` that are null (children removed since the last compaction). */
  holes = 0;

  push(child: DataNode): void {
    child.slot = this.nodes.length;
    this.nodes.push(child);
  }

  /** Nulls entry `i` (a child at it); compacts when the holes are half the list. */
  clear(i: number): void {
    const nodes = this.nodes;
    nodes[i] = null;
    this.holes++;
    if (this.holes === nodes.length) {
      nodes.length = 0;
      this.holes = 0;
    } else if (this.holes > 16 && this.holes * 2 > nodes.length) {
      let w = 0;
      for (let r = 0; r < nodes.length; r++) {
        const c = nodes[r]!;
        if (c === null) continue;
        c.slot = w;
        nodes[w++] = c;
      }
      nodes.length = w;
      this.holes = 0;
    }
  }
}

/**
 * One znode (ZooKeeper's DataNode). `stat` is ZooKeeper's StatPersisted: `stat.cversion` counts child
 * *creations* (it is what the sequential suffix uses); the client-visible cversion is `statOf(node).cversion` =
 * 2*cversion - numChildren.
 *
 * The children are the child nodes themselves, kept behind the methods below (the one home of their
 * representation, see ChildList): add and remove are O(1) given the child node, as the tree always has it (a
 * name is in a parent's list exactly when the node at that path is in the node table).
 */
export class DataNode {
  /** The node's data (see `data`); not current while `slab` is set. */
  private bytes: Buffer | null;
  /**
   * Data kept as a range of a data slab (keepDataBytes) that no view was made of yet: the slab, and the range packed
   * into one small integer (offset << RANGE_BITS | length). null: `bytes` is the data.
   */
  private slab: Buffer | null = null;
  private slabRange = 0;
  /** The child nodes (null: none ever added). */
  private kids: ChildList | null = null;
  /** This node's last path component (its name in its parent's children; "" for the root). */
  name = "";
  /** Index of this node in its parent's ChildList (-1: not in one). */
  slot = -1;

  constructor(
    data: Buffer | null,
    /** Reference into the tree's ACLCache (-1 = OPEN_ACL_UNSAFE). */
    public acl: number,
    public stat: StatPersisted,
  ) {
    this.bytes = data;
  }

  /** The node's data (null: none). The same Buffer on every read until it is set again. */
  get data(): Buffer | null {
    const slab = this.slab;
    if (slab !== null) {
      const r = this.slabRange;
      const at = r >>> RANGE_BITS;
      this.bytes = slab.subarray(at, at + (r & RANGE_MASK));
      this.slab = null;
    }
    return this.bytes;
  }

  set data(d: Buffer | null) {
    this.bytes = d;
    this.slab = null;
  }

  /** The data's length (0: none), without making a view of data kept as a range. */
  get dataLength(): number {
    if (this.slab !== null) return this.slabRange & RANGE_MASK;
    const d = this.bytes;
    return d === null ? 0 : d.length;
  }

  /**
   * The data, as `data` but without keeping a view it had to make (a reader of every node once, e.g. a snapshot,
   * leaves nodes whose data is kept as a range as they were).
   */
  peekData(): Buffer | null {
    const slab = this.slab;
    if (slab === null) return this.bytes;
    const r = this.slabRange;
    const at = r >>> RANGE_BITS;
    return slab.subarray(at, at + (r & RANGE_MASK));
  }

  /** The data is `slab[at, at + length)` (keepDataBytes: length > 0, both below DATA_SLAB); the view is made when read. */
  setDataRange(slab: Buffer, at: number, length: number): void {
    this.bytes = null;
    this.slab = slab;
    this.slabRange = (at << RANGE_BITS) | length;
  }

  /**
   * nodeDigest of the node as last added to the tree digest (kept so a change subtracts it without recomputing);
   * undefined until first computed (a restore may put nodes in without computing theirs: NodeHashMap computes it
   * when it is needed).
   */
  digest: number | undefined = undefined;
  /** Set once the node left the tree (deleted, replaced, or the tree restored): a `processTxn` hint no longer. */
  detached = false;
  /** Order in which nodes entered the tree (a snapshot leaves out those that entered after it started). */
  seq = 0;

  get numChildren(): number {
    const k = this.kids;
    return k === null ? 0 : k.nodes.length - k.holes;
  }

  /** A new array of the child names, in the order they were added (getChildren's answer). */
  childList(): string[] {
    const k = this.kids;
    if (k === null) return [];
    const out: string[] = new Array(k.nodes.length - k.holes);
    let j = 0;
    for (const c of k.nodes) if (c !== null) out[j++] = c.name;
    return out;
  }

  /**
   * Adds `child`, named `name`, last. The caller makes sure no child of that name is there (the tree checks the
   * node table first; a restore listing a path twice calls `dropReplacedChild`).
   */
  addChild(name: string, child: DataNode): void {
    child.name = name;
    (this.kids ??= new ChildList()).push(child);
  }

  /**
   * Removes `child` (O(1): found at its slot); false when it is not one of this node's children. No name is
   * looked for: a name is in a parent's list only with the node that is at that path in the table, so a delete of
   * a path with no node (a fuzzy snapshot's replay) has nothing to remove, and costs no scan of a big parent.
   */
  removeChild(child: DataNode): boolean {
    const k = this.kids;
    const i = child.slot;
    if (k === null || i < 0 || i >= k.nodes.length || k.nodes[i] !== child) return false;
    child.slot = -1;
    k.clear(i);
    return true;
  }

  /** A restore put `child` in place of an earlier node of the same name: that one leaves the children. */
  dropReplacedChild(child: DataNode): void {
    const k = this.kids;
    if (k === null) return;
    const nodes = k.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const c = nodes[i];
      if (c != null && c !== child && c.name === child.name) {
        c.slot = -1;
        k.clear(i);
        return;
      }
    }
  }
}

/**
 * The StatPersisted of a node created at `zxid`/`time` (DataTree.createNode): created and modified then, every
 * version 0. The server's prep stage builds the same stat for its change record.
 */
export function newNodeStat(zxid: bigint, time: bigint, ephemeralOwner: bigint): StatPersisted {
  return { czxid: zxid, mzxid: zxid, ctime: time, mtime: time, version: 0, cversion: 0, aversion: 0, ephemeralOwner, pzxid: zxid };
}

/** Parent path and last component of an absolute path other than `/`. */
export function splitPath(path: string): { parent: string; child: string } {
  const i = path.lastIndexOf("/");
  return { parent: i === 0 ? "/" : path.slice(0, i), child: path.slice(i + 1) };
}

/**
 * The client-visible Stat of a node (DataNode.copyStat): dataLength, numChildren, the v3 cversion
 * (2 * cversion - numChildren) and the ephemeralOwner masked for containers and TTL nodes (`extended`:
 * extendedTypesEnabled).
 */
export function statOf(node: DataNode, extended: boolean): Stat {
  const s = node.stat;
  const n = node.numChildren;
  return {
    czxid: s.czxid,
    mzxid: s.mzxid,
    ctime: s.ctime,
    mtime: s.mtime,
    version: s.version,
    cversion: (s.cversion * 2 - n) | 0,
    aversion: s.aversion,
    ephemeralOwner: clientEphemeralOwner(s.ephemeralOwner, extended),
    dataLength: node.dataLength,
    numChildren: n,
    pzxid: s.pzxid,
  };
}
