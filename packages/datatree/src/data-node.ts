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
  if (n >= DATA_SLAB / 4) {
    const own = Buffer.allocUnsafeSlow(n);
    data.copy(own, 0, 0, n);
    return own;
  }
  if (slabUsed + n > DATA_SLAB) {
    slab = Buffer.allocUnsafeSlow(DATA_SLAB);
    slabUsed = 0;
  }
  const start = slabUsed;
  data.copy(slab, start, 0, n);
  slabUsed = start + n;
  return slab.subarray(start, start + n);
}

/**
 * One znode (ZooKeeper's DataNode). `stat` is ZooKeeper's StatPersisted: `stat.cversion` counts child
 * *creations* (it is what the sequential suffix uses); the client-visible cversion is `statOf(node).cversion` =
 * 2*cversion - numChildren.
 *
 * The child names live behind the methods below (the one home of their representation): a plain array while
 * the node's children were only appended by a restore (`appendRestoredChild`: a push, no hashing, the cheapest
 * to build for a million nodes), turned into a Set (O(1) add/remove/has) the first time they are changed or
 * looked up by name. Either way they are kept in insertion order (a Set iterates in insertion order, and
 * converting the array keeps it), so getChildren answers the same order whichever form they are in.
 */
export class DataNode {
  /** Child names: null (none yet), an append-only array (restored, never changed since), or a Set. */
  private kids: string[] | Set<string> | null;

  constructor(
    public data: Buffer | null,
    /** Reference into the tree's ACLCache (-1 = OPEN_ACL_UNSAFE). */
    public acl: number,
    public stat: StatPersisted,
    children: Iterable<string> | null = null,
  ) {
    this.kids = children === null ? null : new Set(children);
  }

  /** nodeDigest of the node as last added to the tree digest (kept so a change subtracts it without recomputing). */
  digest = 0;
  /** Set once the node left the tree (deleted, replaced, or the tree restored): a `processTxn` hint no longer. */
  detached = false;
  /** Order in which nodes entered the tree (a snapshot leaves out those that entered after it started). */
  seq = 0;

  get numChildren(): number {
    const k = this.kids;
    return k === null ? 0 : Array.isArray(k) ? k.length : k.size;
  }

  /** The child names in insertion order, live (do not change them; do not change the node while iterating). */
  childNames(): Iterable<string> {
    const k = this.kids;
    return k === null ? EMPTY_NAMES : k;
  }

  /** A new array of the child names, in insertion order (getChildren's answer). */
  childList(): string[] {
    const k = this.kids;
    return k === null ? [] : Array.isArray(k) ? k.slice() : [...k];
  }

  hasChild(name: string): boolean {
    const k = this.kids;
    return k !== null && this.childSet(k).has(name);
  }

  /** Adds a child name (no-op when it is there). */
  addChild(name: string): void {
    const k = this.kids;
    if (k === null) this.kids = new Set([name]);
    else this.childSet(k).add(name);
  }

  /** Removes a child name; false when it was not there. */
  removeChild(name: string): boolean {
    const k = this.kids;
    return k !== null && this.childSet(k).delete(name);
  }

  /**
   * A restore's add: appended without checking whether the name is there already (a snapshot lists each path
   * once; when it lists one twice the restorer calls `dedupeChildren`).
   */
  appendRestoredChild(name: string): void {
    const k = this.kids;
    if (k === null) this.kids = [name];
    else if (Array.isArray(k)) k.push(name);
    else k.add(name);
  }

  /** Drops repeated names appended by `appendRestoredChild` (the first of each stays, in order). */
  dedupeChildren(): void {
    const k = this.kids;
    if (k !== null) this.childSet(k);
  }

  /** The names as a Set, converting an appended array (once) first. */
  private childSet(k: string[] | Set<string>): Set<string> {
    if (!Array.isArray(k)) return k;
    const set = new Set(k);
    this.kids = set;
    return set;
  }
}

const EMPTY_NAMES: readonly string[] = [];

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
    dataLength: node.data === null ? 0 : node.data.length,
    numChildren: n,
    pzxid: s.pzxid,
  };
}
