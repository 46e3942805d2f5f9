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
 */
export class DataNode {
  constructor(
    public data: Buffer | null,
    /** Reference into the tree's ACLCache (-1 = OPEN_ACL_UNSAFE). */
    public acl: number,
    public stat: StatPersisted,
    public children: Set<string> | null = null,
  ) {}

  /** nodeDigest of the node as last added to the tree digest (kept so a change subtracts it without recomputing). */
  digest = 0;
  /** Set once the node left the tree (deleted, replaced, or the tree restored): a `processTxn` hint no longer. */
  detached = false;
  /** Order in which nodes entered the tree (a snapshot leaves out those that entered after it started). */
  seq = 0;

  get numChildren(): number {
    return this.children === null ? 0 : this.children.size;
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
    dataLength: node.data === null ? 0 : node.data.length,
    numChildren: n,
    pzxid: s.pzxid,
  };
}
