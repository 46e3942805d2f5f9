import {
  decode,
  zeroStatPersisted,
  type ACL,
  type CheckVersionTxn,
  type CloseSessionTxn,
  type CreateContainerTxn,
  type CreateTTLTxn,
  type CreateTxn,
  type DeleteTxn,
  type ErrorTxn,
  type MultiTxn,
  type SetACLTxn,
  type SetDataTxn,
  type Stat,
  type StatPersisted,
  type TxnHeader,
} from "@zkts/jute";
import { M, MetricsRegistry, type Summary } from "@zkts/metrics";
import {
  CONFIG_ZOOKEEPER,
  CONTAINER_EPHEMERAL_OWNER,
  LIMIT_NODE,
  PROC_ZOOKEEPER,
  QUOTA_ZOOKEEPER,
  STAT_NODE,
  StatsTrack,
  clientEphemeralOwner,
  ephemeralKind,
  limitPath,
  statPath,
  subTxnCodec,
  trimQuotaPath,
  ttlEphemeralOwner,
  ttlOf,
} from "@zkts/client-wire";
import { ACLCache, READ_ACL_UNSAFE, checkACL, type ACLCheckOptions } from "./acl.js";
import { ErrorCode, EventType, OpCode, Perms, WatcherType } from "./constants.js";
import { DIGEST_VERSION, nodeDigest } from "./digest.js";
import { WatchMode, WatchTable, makeEvent, type WatchEvent, type Watcher } from "./watches.js";

/**
 * One znode. `stat` is ZooKeeper's StatPersisted: `stat.cversion` counts child *creations* (it is what the
 * sequential suffix uses); the client-visible cversion is `statOf(node).cversion` = 2*cversion - numChildren.
 */
/** |partial digest sum| past which it is folded into the BigInt total (2^52: adding a 2^32 term stays exact). */
const HASH_FOLD = 2 ** 52;

/** Slab size for node data (see keepData); data at least this big gets its own copy. */
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
function keepData(data: Buffer | null): Buffer | null {
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

/** What applying one txn did. For a multi, `multiResult` holds one result per sub-txn. */
export interface ProcessTxnResult {
  clientId: bigint;
  cxid: number;
  zxid: bigint;
  type: number;
  /** 0, or the ZooKeeper error code met while applying (e.g. NODEEXISTS on replay, or an ErrorTxn's code). */
  err: number;
  path?: string;
  stat?: Stat;
  multiResult?: ProcessTxnResult[];
}

/** Watch kinds for addWatch: one-shot data/exist/child, or the two addWatch modes. */
export type WatchKind = "data" | "exist" | "child" | "persistent" | "persistentRecursive";

/** Paths to register on reconnect (SetWatches / SetWatches2). */
export interface SetWatchesLists {
  dataWatches?: readonly string[];
  existWatches?: readonly string[];
  childWatches?: readonly string[];
  persistentWatches?: readonly string[];
  persistentRecursiveWatches?: readonly string[];
}

export interface DataTreeOptions extends ACLCheckOptions {
  /** digest.enabled (default true): keep the incremental tree digest. */
  digestEnabled?: boolean;
  /** extendedTypesEnabled (default true): read 0xFF.. ephemeralOwners as TTL nodes. */
  extendedTypesEnabled?: boolean;
  /** znode.container.maxNeverUsedIntervalMs (default 0 = never): reap never-used containers older than this. */
  maxNeverUsedIntervalMs?: number;
  /**
   * Where the watches fired per event are recorded (ZooKeeper's WatchManager: node_created_watch_count,
   * node_deleted_watch_count, node_changed_watch_count, node_children_watch_count). Default: a registry of its own.
   */
  metrics?: MetricsRegistry;
}

/** The answer of DataTree.checkQuota. */
export interface QuotaCheck {
  /** false when a hard limit would be exceeded: the server answers QUOTAEXCEEDED when it enforces quotas. */
  ok: boolean;
  /** The quota root that applies, if any. */
  prefix?: string;
  /** A soft or hard limit would be exceeded; ZooKeeper logs this message. */
  message?: string;
}

/**
 * The StatPersisted of a node created at `zxid`/`time` (DataTree.createNode): created and modified then, every
 * version 0. The server's prep stage builds the same stat for its change record.
 */
export function newNodeStat(zxid: bigint, time: bigint, ephemeralOwner: bigint): StatPersisted {
  return { czxid: zxid, mzxid: zxid, ctime: time, mtime: time, version: 0, cversion: 0, aversion: 0, ephemeralOwner, pzxid: zxid };
}

/** A node as stored in a snapshot. */
export interface SnapshotNode {
  path: string;
  data: Buffer | null;
  acl: number;
  stat: StatPersisted;
}

class TreeError extends Error {
  constructor(readonly code: number) {
    super(`keeper error ${code}`);
  }
}

function splitPath(path: string): { parent: string; child: string } {
  const i = path.lastIndexOf("/");
  return { parent: i === 0 ? "/" : path.slice(0, i), child: path.slice(i + 1) };
}

function isSpecialPath(path: string): boolean {
  return path === "/" || path === PROC_ZOOKEEPER || path === QUOTA_ZOOKEEPER || path === CONFIG_ZOOKEEPER;
}

/**
 * ZooKeeper's DataTree: the znode tree in memory, pure. Applies txns (processTxn), answers reads, keeps the
 * watch tables and fires them, tracks ephemerals/containers/TTL nodes, quotas and the tree digest.
 */
/** count/sum/min/max of the byte counts recorded for one namespace. */
export interface NamespaceSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class DataTree {
  private readonly nodes = new Map<string, DataNode>();
  private readonly aclCache = new ACLCache();
  private readonly dataWatches = new WatchTable();
  private readonly childWatches = new WatchTable();
  private readonly ephemeralsBySession = new Map<bigint, Set<string>>();
  private readonly containers = new Set<string>();
  private readonly ttls = new Set<string>();
  private readonly quotaRoots = new Set<string>();
  private readonly opts: DataTreeOptions;
  private readonly digestEnabled: boolean;
  private readonly extended: boolean;
  private hash = 0n;
  /** The part of the digest sum not yet folded into `hash` (see addHash). */
  private hashPart = 0;
  /** Per top-level namespace read/write byte summaries (ZooKeeper's READ_/WRITE_PER_NAMESPACE metrics). */
  private readonly nsRead = new Map<string, NamespaceSummary>();
  private readonly nsWrite = new Map<string, NamespaceSummary>();
  private dataSize = 0;
  private _lastProcessedZxid = 0n;

  /** Summaries of watches fired per event, indexed by event type (1 created .. 4 children changed). */
  private readonly firedWatches: readonly (Summary | undefined)[];

  constructor(opts: DataTreeOptions = {}) {
    this.opts = opts;
    const metrics = opts.metrics ?? new MetricsRegistry();
    const fired: (Summary | undefined)[] = [];
    fired[EventType.NodeCreated] = metrics.summary(M.NODE_CREATED_WATCHER);
    fired[EventType.NodeDeleted] = metrics.summary(M.NODE_DELETED_WATCHER);
    fired[EventType.NodeDataChanged] = metrics.summary(M.NODE_CHANGED_WATCHER);
    fired[EventType.NodeChildrenChanged] = metrics.summary(M.NODE_CHILDREN_WATCHER);
    this.firedWatches = fired;
    this.digestEnabled = opts.digestEnabled ?? true;
    this.extended = opts.extendedTypesEnabled ?? true;
    this.initSpecialNodes();
  }

  private initSpecialNodes(): void {
    const root = new DataNode(Buffer.alloc(0), -1, zeroStatPersisted());
    this.putNode("/", root);
    root.children = new Set(["zookeeper"]);
    const proc = new DataNode(Buffer.alloc(0), -1, zeroStatPersisted(), new Set(["quota", "config"]));
    this.putNode(PROC_ZOOKEEPER, proc);
    this.putNode(QUOTA_ZOOKEEPER, new DataNode(Buffer.alloc(0), -1, zeroStatPersisted()));
    const config = new DataNode(Buffer.alloc(0), -1, zeroStatPersisted());
    this.putNode(CONFIG_ZOOKEEPER, config);
    // ZooKeeper sets READ_ACL_UNSAFE on /zookeeper/config with version -1 (so aversion reads -1).
    this.applySetACL(CONFIG_ZOOKEEPER, READ_ACL_UNSAFE, -1);
    this.dataSize = this.computeApproximateDataSize();
  }

  // ---------------------------------------------------------------- basic accessors

  /** zxid of the last txn applied (multi: after the whole multi). */
  get lastProcessedZxid(): bigint {
    return this._lastProcessedZxid;
  }
  set lastProcessedZxid(z: bigint) {
    this._lastProcessedZxid = z;
  }

  /** Number of znodes including `/`. */
  nodeCount(): number {
    return this.nodes.size;
  }

  /** The node at `path` ("" is an alias of "/", as in snapshots). */
  getNode(path: string): DataNode | undefined {
    return this.nodes.get(path === "" ? "/" : path);
  }

  /** The ACL list of a node. */
  getACLOf(node: DataNode): readonly ACL[] {
    return this.aclCache.convertLong(node.acl);
  }

  /** The client-visible Stat of a node (dataLength, numChildren, v3 cversion, masked ephemeralOwner). */
  statOf(node: DataNode): Stat {
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
      ephemeralOwner: clientEphemeralOwner(s.ephemeralOwner, this.extended),
      dataLength: node.data === null ? 0 : node.data.length,
      numChildren: n,
      pzxid: s.pzxid,
    };
  }

  /** The ACL cache (for snapshots). */
  get acls(): ACLCache {
    return this.aclCache;
  }

  /** Sum over nodes of path length + data length (ZooKeeper's approximateDataSize), kept incrementally: O(1). */
  approximateDataSize(): number {
    return this.dataSize;
  }

  /** Same as approximateDataSize() (ZooKeeper's name for the cached value). */
  cachedApproximateDataSize(): number {
    return this.dataSize;
  }

  /** approximateDataSize recomputed by walking every node (O(n), for checks). */
  computeApproximateDataSize(): number {
    let n = 0;
    for (const [p, node] of this.nodes) n += p.length + (node.data === null ? 0 : node.data.length);
    return n;
  }

  /**
   * Bytes read and written per top-level namespace (`/a/b` counts under `a`), as ZooKeeper's
   * `zk_{avg,min,max,cnt,sum}_<ns>_{read,write}_per_namespace` metrics: reads count getData's data length,
   * getChildren's child-name lengths and 0 for exists; writes count the data length of creates and setData and 0
   * for deletes.
   */
  namespaceStats(): { read: ReadonlyMap<string, NamespaceSummary>; write: ReadonlyMap<string, NamespaceSummary> } {
    return { read: this.nsRead, write: this.nsWrite };
  }

  private countNamespace(m: Map<string, NamespaceSummary>, path: string, bytes: number): void {
    const end = path.indexOf("/", 1);
    const ns = end < 0 ? path.slice(1) : path.slice(1, end);
    if (ns === "") return;
    const v = m.get(ns);
    if (v === undefined) {
      m.set(ns, { count: 1, sum: bytes, min: bytes, max: bytes });
    } else {
      v.min = Math.min(v.min, bytes);
      v.max = Math.max(v.max, bytes);
      v.count++;
      v.sum += bytes;
    }
  }

  /** True for `/`, `/zookeeper`, `/zookeeper/quota`, `/zookeeper/config` (the core refuses to delete them). */
  isSpecialPath(path: string): boolean {
    return isSpecialPath(path);
  }

  // ---------------------------------------------------------------- reads (register watches)

  /** getData: data + stat, registering a data watch when `watcher` is given; null when there is no node. */
  getData(path: string, watcher?: Watcher): { data: Buffer | null; stat: Stat } | null {
    const n = this.getNode(path);
    if (!n) return null;
    if (watcher) this.dataWatches.add(path, watcher, WatchMode.STANDARD);
    this.countNamespace(this.nsRead, path, n.data === null ? 0 : n.data.length);
    return { data: n.data, stat: this.statOf(n) };
  }

  /** exists: the stat or null; an exist watch is registered even when the node is missing. */
  exists(path: string, watcher?: Watcher): Stat | null {
    if (watcher) this.dataWatches.add(path, watcher, WatchMode.STANDARD);
    const n = this.getNode(path);
    if (!n) return null;
    this.countNamespace(this.nsRead, path, 0);
    return this.statOf(n);
  }

  /** getChildren (unsorted, as ZooKeeper) + the parent's stat; registers a child watch; null when missing. */
  getChildren(path: string, watcher?: Watcher): { children: string[]; stat: Stat } | null {
    const n = this.getNode(path);
    if (!n) return null;
    if (watcher) this.childWatches.add(path, watcher, WatchMode.STANDARD);
    const children = n.children ? [...n.children] : [];
    let bytes = 0;
    for (const c of children) bytes += c.length;
    this.countNamespace(this.nsRead, path, bytes);
    return { children, stat: this.statOf(n) };
  }

  /** getACL: the node's ACL list and stat; null when missing. */
  getACL(path: string): { acl: ACL[]; stat: Stat } | null {
    const n = this.getNode(path);
    if (!n) return null;
    return { acl: this.getACLOf(n).map((a) => ({ perms: a.perms, id: { ...a.id } })), stat: this.statOf(n) };
  }

  /** getAllChildrenNumber: number of descendants (not counting the node); 0 when missing. */
  getAllChildrenNumber(path: string): number {
    if (path === "/") return this.nodes.size - 1;
    const start = this.nodes.get(path);
    if (!start) return 0;
    let count = 0;
    const stack: string[] = [path];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const node = this.nodes.get(p);
      if (!node || !node.children) continue;
      for (const c of node.children) {
        count++;
        stack.push(`${p}/${c}`);
      }
    }
    return count;
  }

  /** A session's ephemeral paths; with a prefix other than `/`, those whose path starts with it (getEphemerals). */
  getEphemerals(sessionId: bigint, prefix?: string): string[] {
    const set = this.ephemeralsBySession.get(sessionId);
    if (!set) return [];
    if (prefix === undefined || prefix === "/" || prefix === "") return [...set];
    return [...set].filter((p) => p.startsWith(prefix));
  }

  /** The live set of a session's ephemerals (do not mutate). */
  ephemerals(sessionId: bigint): ReadonlySet<string> {
    return this.ephemeralsBySession.get(sessionId) ?? new Set();
  }

  /** Every session that owns ephemerals, with its paths. */
  allEphemerals(): Map<bigint, string[]> {
    const m = new Map<bigint, string[]>();
    for (const [s, set] of this.ephemeralsBySession) m.set(s, [...set]);
    return m;
  }

  ephemeralsCount(): number {
    let n = 0;
    for (const s of this.ephemeralsBySession.values()) n += s.size;
    return n;
  }

  containerPaths(): string[] {
    return [...this.containers];
  }

  ttlPaths(): string[] {
    return [...this.ttls];
  }

  /**
   * ContainerManager.getCandidates: containers without children whose cversion > 0 (or, with
   * maxNeverUsedIntervalMs, never used and older than that by mtime), and TTL nodes without children whose
   * `now - mtime > ttl`. The core deletes them with deleteContainer txns.
   */
  containerAndTtlCandidates(now: number | bigint): string[] {
    const t = BigInt(now);
    const out: string[] = [];
    const maxNeverUsed = BigInt(this.opts.maxNeverUsedIntervalMs ?? 0);
    for (const p of this.containers) {
      const n = this.nodes.get(p);
      if (!n || n.numChildren > 0) continue;
      if (n.stat.cversion > 0) out.push(p);
      else if (maxNeverUsed !== 0n && t - n.stat.mtime > maxNeverUsed) out.push(p);
    }
    for (const p of this.ttls) {
      const n = this.nodes.get(p);
      if (!n || n.numChildren > 0) continue;
      if (ephemeralKind(n.stat.ephemeralOwner, this.extended) !== "ttl") continue;
      const ttl = ttlOf(n.stat.ephemeralOwner);
      if (ttl !== 0n && t - n.stat.mtime > ttl) out.push(p);
    }
    return out;
  }

  // ---------------------------------------------------------------- txn application

  /**
   * Applies one txn: CreateTxn (create/create2), CreateTTLTxn, CreateContainerTxn, DeleteTxn (delete,
   * deleteContainer), SetDataTxn (setData, reconfig), SetACLTxn, CheckVersionTxn, CreateSessionTxn,
   * CloseSessionTxn (or null), ErrorTxn, MultiTxn. Fires watches. Never throws for a bad txn: errors are in
   * `err`.
   */
  processTxn(header: TxnHeader, txn: unknown, node?: DataNode): ProcessTxnResult {
    this.hint = node;
    try {
      return this.process(header, txn, false);
    } finally {
      this.hint = undefined;
    }
  }

  /** processTxn's `node`: the node at the txn's path, if the caller looked it up already (setData). */
  private hint: DataNode | undefined = undefined;

  private process(header: TxnHeader, txn: unknown, isSubTxn: boolean): ProcessTxnResult {
    const rc: ProcessTxnResult = {
      clientId: header.clientId,
      cxid: header.cxid,
      zxid: header.zxid,
      type: header.type,
      err: 0,
    };
    try {
      switch (header.type) {
        case OpCode.create:
        case OpCode.create2: {
          const t = txn as CreateTxn;
          rc.path = t.path;
          rc.stat = this.createNode(
            t.path,
            t.data,
            t.acl,
            t.ephemeral ? header.clientId : 0n,
            t.parentCVersion,
            header.zxid,
            header.time,
          );
          break;
        }
        case OpCode.createTTL: {
          const t = txn as CreateTTLTxn;
          rc.path = t.path;
          let owner: bigint;
          try {
            owner = ttlEphemeralOwner(t.ttl);
          } catch {
            throw new TreeError(ErrorCode.BADARGUMENTS);
          }
          rc.stat = this.createNode(t.path, t.data, t.acl, owner, t.parentCVersion, header.zxid, header.time);
          break;
        }
        case OpCode.createContainer: {
          const t = txn as CreateContainerTxn;
          rc.path = t.path;
          rc.stat = this.createNode(
            t.path,
            t.data,
            t.acl,
            CONTAINER_EPHEMERAL_OWNER,
            t.parentCVersion,
            header.zxid,
            header.time,
          );
          break;
        }
        case OpCode.delete:
        case OpCode.deleteContainer: {
          const t = txn as DeleteTxn;
          rc.path = t.path;
          this.deleteNode(t.path, header.zxid);
          break;
        }
        case OpCode.setData:
        case OpCode.reconfig: {
          const t = txn as SetDataTxn;
          rc.path = t.path;
          rc.stat = this.applySetData(t.path, t.data, t.version, header.zxid, header.time);
          break;
        }
        case OpCode.setACL: {
          const t = txn as SetACLTxn;
          rc.path = t.path;
          rc.stat = this.applySetACL(t.path, t.acl, t.version);
          break;
        }
        case OpCode.closeSession: {
          const t = txn as CloseSessionTxn | null | undefined;
          this.killSession(header.clientId, header.zxid, t ? t.paths2Delete : null);
          break;
        }
        case OpCode.error: {
          rc.err = (txn as ErrorTxn).err;
          break;
        }
        case OpCode.check: {
          rc.path = (txn as CheckVersionTxn).path;
          break;
        }
        case OpCode.createSession:
          break;
        case OpCode.multi:
          this.processMulti(header, txn as MultiTxn, rc);
          break;
        default:
          break;
      }
    } catch (e) {
      if (e instanceof TreeError) rc.err = e.code;
      else rc.err = ErrorCode.MARSHALLINGERROR;
    }

    // Replaying a create whose node survived (fuzzy snapshot): still move the parent's cversion/pzxid forward.
    if (header.type === OpCode.create && rc.err === ErrorCode.NODEEXISTS && rc.path !== undefined) {
      const { parent } = splitPath(rc.path);
      const pnode = this.nodes.get(parent);
      if (pnode) this.setCversionPzxid(parent, pnode, (txn as CreateTxn).parentCVersion, header.zxid);
      else rc.err = ErrorCode.NONODE;
    }

    if (!isSubTxn && rc.zxid > this._lastProcessedZxid) this._lastProcessedZxid = rc.zxid;
    return rc;
  }

  private processMulti(header: TxnHeader, multi: MultiTxn, rc: ProcessTxnResult): void {
    const txns = multi.txns;
    const results: ProcessTxnResult[] = [];
    rc.multiResult = results;
    // A multi that carries an ErrorTxn was rejected as a whole: nothing in it is applied. Ops before the
    // failing one read OK (0), ops after it RUNTIMEINCONSISTENCY (-2), the failing ones their own code.
    const failed = txns.some((t) => t.type === OpCode.error);
    let postFailed = false;
    for (const sub of txns) {
      let type = sub.type;
      let record: unknown;
      let decodeFailed = false;
      if (type === OpCode.error) postFailed = true;
      if (failed && type !== OpCode.error) {
        record = { err: postFailed ? ErrorCode.RUNTIMEINCONSISTENCY : ErrorCode.OK };
        type = OpCode.error;
      } else {
        try {
          const codec = subTxnCodec(type);
          if (sub.data === null) throw new Error("bad sub-txn");
          record = decode(codec, sub.data);
        } catch {
          decodeFailed = true;
        }
      }
      const subHdr: TxnHeader = { clientId: header.clientId, cxid: header.cxid, zxid: header.zxid, time: header.time, type };
      let subRc: ProcessTxnResult;
      if (decodeFailed) {
        subRc = { clientId: header.clientId, cxid: header.cxid, zxid: header.zxid, type, err: ErrorCode.MARSHALLINGERROR };
      } else {
        subRc = this.process(subHdr, record, true);
      }
      results.push(subRc);
      if (subRc.err !== 0 && rc.err === 0) rc.err = subRc.err;
    }
  }

  private setCversionPzxid(path: string, node: DataNode, newCversion: number, zxid: bigint): void {
    const cv = newCversion === -1 ? node.stat.cversion + 1 : newCversion;
    if (cv > node.stat.cversion) {
      this.preChange(path, node);
      node.stat.cversion = cv;
      node.stat.pzxid = zxid;
      this.postChange(path, node);
    }
  }

  private createNode(
    path: string,
    data: Buffer | null,
    acl: readonly ACL[],
    ephemeralOwner: bigint,
    parentCVersion: number,
    zxid: bigint,
    time: bigint,
  ): Stat {
    if (typeof path !== "string" || path.length < 2 || path.charCodeAt(0) !== 0x2f) {
      throw new TreeError(ErrorCode.BADARGUMENTS);
    }
    const { parent: parentName, child: childName } = splitPath(path);
    if (childName.length === 0) throw new TreeError(ErrorCode.BADARGUMENTS);
    const parent = this.nodes.get(parentName);
    if (!parent) throw new TreeError(ErrorCode.NONODE);
    const parentAcl = this.getACLOf(parent);
    const aclRef = this.aclCache.convertAcls(acl);
    const existing = this.nodes.get(path);
    if (existing) {
      // As ZooKeeper: a replayed create still refreshes the ACL of the node that is there.
      this.aclCache.removeUsage(existing.acl);
      existing.acl = aclRef;
      throw new TreeError(ErrorCode.NODEEXISTS);
    }
    this.preChange(parentName, parent);
    let cv = parentCVersion;
    if (cv === -1) cv = parent.stat.cversion + 1;
    if (cv > parent.stat.cversion) {
      parent.stat.cversion = cv;
      parent.stat.pzxid = zxid;
    }
    if (parent.children === null) parent.children = new Set();
    parent.children.add(childName);
    this.postChange(parentName, parent);

    const node = new DataNode(keepData(data), aclRef, newNodeStat(zxid, time, ephemeralOwner));
    this.putNode(path, node);
    this.dataSize += path.length + (data === null ? 0 : data.length);
    const kind = ephemeralKind(ephemeralOwner, this.extended);
    if (kind === "container") this.containers.add(path);
    else if (kind === "ttl") this.ttls.add(path);
    else if (kind === "normal") {
      let set = this.ephemeralsBySession.get(ephemeralOwner);
      if (!set) this.ephemeralsBySession.set(ephemeralOwner, (set = new Set()));
      set.add(path);
    }
    const out = this.statOf(node);

    if (parentName.startsWith(QUOTA_ZOOKEEPER)) {
      const prefix = trimQuotaPath(parentName);
      if (prefix !== "") {
        if (childName === LIMIT_NODE) this.quotaRoots.add(prefix);
        else if (childName === STAT_NODE) this.updateQuotaForPath(prefix);
      }
    }
    const lastPrefix = this.getMaxPrefixWithQuota(path);
    if (lastPrefix !== null) this.updateQuotaStat(lastPrefix, data === null ? 0 : data.length, 1);
    this.countNamespace(this.nsWrite, path, data === null ? 0 : data.length);

    this.trigger(this.dataWatches, path, EventType.NodeCreated, zxid, this.getACLOf(node), true);
    this.trigger(this.childWatches, parentName, EventType.NodeChildrenChanged, zxid, parentAcl, false);
    return out;
  }

  private deleteNode(path: string, zxid: bigint): void {
    if (typeof path !== "string" || path.length < 2 || path.charCodeAt(0) !== 0x2f) {
      throw new TreeError(ErrorCode.BADARGUMENTS);
    }
    const { parent: parentName, child: childName } = splitPath(path);
    const parent = this.nodes.get(parentName);
    if (!parent) throw new TreeError(ErrorCode.NONODE);
    const node = this.nodes.get(path);
    if (node && node.numChildren > 0) throw new TreeError(ErrorCode.NOTEMPTY);
    // As ZooKeeper: the parent is touched even when the child is already gone (fuzzy snapshot replay).
    this.preChange(parentName, parent);
    parent.children?.delete(childName);
    if (zxid > parent.stat.pzxid) parent.stat.pzxid = zxid;
    this.postChange(parentName, parent);
    if (!node) throw new TreeError(ErrorCode.NONODE);

    const acl = this.getACLOf(node);
    this.removeNode(path, node);
    this.aclCache.removeUsage(node.acl);
    this.dataSize -= path.length + (node.data === null ? 0 : node.data.length);
    const parentAcl = this.getACLOf(parent);
    const owner = node.stat.ephemeralOwner;
    const kind = ephemeralKind(owner, this.extended);
    if (kind === "container") this.containers.delete(path);
    else if (kind === "ttl") this.ttls.delete(path);
    else if (kind === "normal") {
      const set = this.ephemeralsBySession.get(owner);
      if (set) {
        set.delete(path);
        if (set.size === 0) this.ephemeralsBySession.delete(owner);
      }
    }
    if (parentName.startsWith(QUOTA_ZOOKEEPER) && childName === LIMIT_NODE) {
      const prefix = trimQuotaPath(parentName);
      if (prefix !== "") this.quotaRoots.delete(prefix);
    }
    const lastPrefix = this.getMaxPrefixWithQuota(path);
    if (lastPrefix !== null) this.updateQuotaStat(lastPrefix, node.data === null ? 0 : -node.data.length, -1);
    this.countNamespace(this.nsWrite, path, 0);

    const processed = this.trigger(this.dataWatches, path, EventType.NodeDeleted, zxid, acl, true);
    this.trigger(this.childWatches, path, EventType.NodeDeleted, zxid, acl, false, processed);
    this.trigger(this.childWatches, parentName, EventType.NodeChildrenChanged, zxid, parentAcl, false);
  }

  private applySetData(path: string, data: Buffer | null, version: number, zxid: bigint, time: bigint): Stat {
    const h = this.hint;
    const n = h !== undefined && !h.detached ? h : this.nodes.get(path);
    if (!n) throw new TreeError(ErrorCode.NONODE);
    const last = n.data;
    this.preChange(path, n);
    n.data = keepData(data);
    n.stat.mtime = time;
    n.stat.mzxid = zxid;
    n.stat.version = version;
    this.postChange(path, n);
    const stat = this.statOf(n);
    const lastPrefix = this.getMaxPrefixWithQuota(path);
    const diff = (data === null ? 0 : data.length) - (last === null ? 0 : last.length);
    if (lastPrefix !== null) this.updateQuotaStat(lastPrefix, diff, 0);
    this.dataSize += diff;
    this.countNamespace(this.nsWrite, path, data === null ? 0 : data.length);
    this.trigger(this.dataWatches, path, EventType.NodeDataChanged, zxid, this.getACLOf(n), true);
    return stat;
  }

  private applySetACL(path: string, acl: readonly ACL[], version: number): Stat {
    const n = this.nodes.get(path);
    if (!n) throw new TreeError(ErrorCode.NONODE);
    this.aclCache.removeUsage(n.acl);
    this.preChange(path, n);
    n.stat.aversion = version;
    n.acl = this.aclCache.convertAcls(acl);
    this.postChange(path, n);
    return this.statOf(n);
  }

  private killSession(sessionId: bigint, zxid: bigint, paths2Delete: readonly string[] | null): void {
    const local = this.ephemeralsBySession.get(sessionId);
    this.ephemeralsBySession.delete(sessionId);
    const localCopy = local ? new Set(local) : null;
    const del = (p: string) => {
      try {
        this.deleteNode(p, zxid);
      } catch {
        // ZooKeeper logs and ignores NONODE while removing a dead session's ephemerals.
      }
    };
    if (paths2Delete) {
      for (const p of paths2Delete) {
        del(p);
        localCopy?.delete(p);
      }
    }
    if (localCopy) for (const p of localCopy) del(p);
  }

  // ---------------------------------------------------------------- digest

  private putNode(path: string, node: DataNode): void {
    const old = this.nodes.get(path);
    if (old !== undefined) old.detached = true;
    node.seq = this.nodeSeq++;
    this.nodes.set(path, node);
    if (this.digestEnabled) {
      this.addHash(this.digestOf(path, node));
      if (old) this.addHash(-old.digest);
    }
  }

  private removeNode(path: string, node: DataNode): void {
    this.nodes.delete(path);
    node.detached = true;
    if (this.digestEnabled) this.addHash(-node.digest);
  }

  /** Before a node changes: its digest (cached since it was last added) leaves the sum. */
  private preChange(_path: string, node: DataNode): void {
    if (this.digestEnabled) this.addHash(-node.digest);
  }

  private postChange(path: string, node: DataNode): void {
    if (this.digestEnabled) this.addHash(this.digestOf(path, node));
  }

  private digestOf(path: string, node: DataNode): number {
    const d = nodeDigest(path, node.data, node.stat);
    node.digest = d;
    return d;
  }

  /**
   * The AdHash sum is kept as a Number (exact below 2^53, each term is below 2^32) and folded into the BigInt
   * total only when it grows large, instead of one BigInt addition per change.
   */
  private addHash(d: number): void {
    const h = this.hashPart + d;
    if (h > HASH_FOLD || h < -HASH_FOLD) {
      this.hash += BigInt(h);
      this.hashPart = 0;
    } else {
      this.hashPart = h;
    }
  }

  /** The tree digest (DigestCalculator version 2 summed as AdHash), 0 when digests are disabled. */
  digest(): bigint {
    return BigInt.asIntN(64, this.hash + BigInt(this.hashPart));
  }

  /** { zxid, digestVersion, digest } for the last processed zxid (the snapshot's ZxidDigest and TxnDigest). */
  lastProcessedZxidDigest(): { zxid: bigint; digestVersion: number; digest: bigint } {
    return { zxid: this._lastProcessedZxid, digestVersion: DIGEST_VERSION, digest: this.digest() };
  }

  get isDigestEnabled(): boolean {
    return this.digestEnabled;
  }

  // ---------------------------------------------------------------- quotas

  /** The longest path with a quota that covers `path` (never `/`), or null. */
  getMaxPrefixWithQuota(path: string): string | null {
    if (this.quotaRoots.size === 0) return null;
    let p = path;
    while (p.length > 1) {
      if (this.quotaRoots.has(p)) return p;
      const i = p.lastIndexOf("/");
      if (i <= 0) break;
      p = p.slice(0, i);
    }
    return null;
  }

  /** Paths that have a quota (a zookeeper_limits node). */
  quotaPaths(): string[] {
    return [...this.quotaRoots];
  }

  private updateQuotaStat(prefix: string, bytesDiff: number, countDiff: number): void {
    const sp = statPath(prefix);
    const n = this.nodes.get(sp);
    if (!n) return;
    const st = new StatsTrack(n.data);
    st.count = st.count + BigInt(countDiff);
    st.bytes = st.bytes + BigInt(bytesDiff);
    this.preChange(sp, n);
    const next = st.toBuffer();
    this.dataSize += next.length - (n.data === null ? 0 : n.data.length);
    n.data = next;
    this.postChange(sp, n);
  }

  private updateQuotaForPath(prefix: string): void {
    let count = 0;
    let bytes = 0;
    const stack = [prefix];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const n = this.nodes.get(p);
      if (!n) continue;
      count++;
      bytes += n.data === null ? 0 : n.data.length;
      if (n.children) for (const c of n.children) stack.push(p === "/" ? `/${c}` : `${p}/${c}`);
    }
    const sp = statPath(prefix);
    const node = this.nodes.get(sp);
    if (!node) return;
    const st = new StatsTrack();
    st.count = BigInt(count);
    st.bytes = BigInt(bytes);
    this.preChange(sp, node);
    const next = st.toBuffer();
    this.dataSize += next.length - (node.data === null ? 0 : node.data.length);
    node.data = next;
    this.postChange(sp, node);
  }

  /**
   * ZooKeeperServer.checkQuota: would adding `countDelta` nodes and `bytesDelta` bytes under `path` exceed
   * its quota? `ok` is false only for a hard limit (countHardLimit / byteHardLimit); a soft limit (count /
   * bytes in the limits node) only sets `message`. For create pass (dataLength, 1); for setData
   * (newLength - oldLength, 0).
   */
  checkQuota(path: string, bytesDelta: number, countDelta: number): QuotaCheck {
    const prefix = this.getMaxPrefixWithQuota(path);
    if (prefix === null) return { ok: true };
    const limitNode = this.nodes.get(limitPath(prefix));
    if (!limitNode) return { ok: true, prefix };
    const limits = new StatsTrack(limitNode.data);
    const checkCount = countDelta !== 0 && (limits.count > -1n || limits.countHardLimit > -1n);
    const checkBytes = bytesDelta !== 0 && (limits.bytes > -1n || limits.byteHardLimit > -1n);
    if (!checkCount && !checkBytes) return { ok: true, prefix };
    const statNode = this.nodes.get(statPath(prefix));
    if (!statNode) return { ok: true, prefix };
    const current = new StatsTrack(statNode.data);
    let message: string | undefined;
    if (checkCount) {
      const newCount = current.count + BigInt(countDelta);
      const hard = limits.countHardLimit > -1n;
      const limit = hard ? limits.countHardLimit : limits.count;
      if (newCount > limit) {
        message = `Quota exceeded: ${prefix} [current count=${newCount}, ${hard ? "hard" : "soft"}CountLimit=${limit}]`;
        if (hard) return { ok: false, prefix, message };
      }
    }
    if (checkBytes) {
      const newBytes = current.bytes + BigInt(bytesDelta);
      const hard = limits.byteHardLimit > -1n;
      const limit = hard ? limits.byteHardLimit : limits.bytes;
      if (newBytes > limit) {
        message = `Quota exceeded: ${prefix} [current bytes=${newBytes}, ${hard ? "hard" : "soft"}ByteLimit=${limit}]`;
        if (hard) return { ok: false, prefix, message };
      }
    }
    return message === undefined ? { ok: true, prefix } : { ok: true, prefix, message };
  }

  // ---------------------------------------------------------------- watches

  /** May this watcher READ a node with these ACLs? (null ACL: deleted node, no check, as ZooKeeper.) */
  canRead(watcher: Watcher, acl: readonly ACL[] | null): boolean {
    if (acl === null) return true;
    return checkACL(acl, Perms.READ, watcher.ids(), this.opts);
  }

  private trigger(
    table: WatchTable,
    path: string,
    type: number,
    zxid: bigint,
    acl: readonly ACL[] | null,
    recursive: boolean,
    suppress?: Set<Watcher>,
  ): Set<Watcher> {
    const watchers = table.collect(path, recursive);
    if (watchers.size === 0) return watchers;
    const event = makeEvent(type, path, zxid);
    for (const w of watchers) {
      if (suppress && suppress.has(w)) continue;
      this.deliver(w, event, acl);
    }
    // As WatchManager.triggerWatch: per table and event, the watchers found (suppressed ones included).
    this.firedWatches[type]?.observe(watchers.size);
    return watchers;
  }

  private deliver(w: Watcher, event: WatchEvent, acl: readonly ACL[] | null): void {
    if (!this.canRead(w, acl)) return;
    try {
      w.process({ ...event });
    } catch {
      // A failing watcher must not break txn application.
    }
  }

  /**
   * Registers a watch. data/exist: one-shot data watch; child: one-shot child watch; persistent: on both tables
   * (sees every event on the node, incl. NodeChildrenChanged); persistentRecursive: data table, the node and
   * every descendant, never NodeChildrenChanged.
   */
  addWatch(path: string, watcher: Watcher, kind: WatchKind): void {
    switch (kind) {
      case "data":
      case "exist":
        this.dataWatches.add(path, watcher, WatchMode.STANDARD);
        break;
      case "child":
        this.childWatches.add(path, watcher, WatchMode.STANDARD);
        break;
      case "persistent":
        this.dataWatches.add(path, watcher, WatchMode.PERSISTENT);
        this.childWatches.add(path, watcher, WatchMode.PERSISTENT);
        break;
      case "persistentRecursive":
        this.dataWatches.add(path, watcher, WatchMode.PERSISTENT_RECURSIVE);
        break;
    }
  }

  /** addWatch request mode (0 persistent, 1 persistentRecursive). */
  addWatchMode(path: string, watcher: Watcher, mode: number): void {
    this.addWatch(path, watcher, mode === 1 ? "persistentRecursive" : "persistent");
  }

  /**
   * checkWatches, as ZooKeeper 3.8: Children = any watch in the child table (one-shot child watches and
   * persistent watches), Data = any watch in the data table (one-shot data/exist, persistent, recursive),
   * Any = either; Persistent and PersistentRecursive (3.9's types) match that mode only.
   */
  containsWatch(path: string, watcher: Watcher, type: number): boolean {
    const ALL = WatchMode.STANDARD | WatchMode.PERSISTENT | WatchMode.PERSISTENT_RECURSIVE;
    switch (type) {
      case WatcherType.Children:
        return this.childWatches.contains(path, watcher, ALL);
      case WatcherType.Data:
        return this.dataWatches.contains(path, watcher, ALL);
      case WatcherType.Persistent:
        return this.dataWatches.contains(path, watcher, WatchMode.PERSISTENT);
      case WatcherType.PersistentRecursive:
        return this.dataWatches.contains(path, watcher, WatchMode.PERSISTENT_RECURSIVE);
      case WatcherType.Any:
        return this.childWatches.contains(path, watcher, 7) || this.dataWatches.contains(path, watcher, 7);
      default:
        return false;
    }
  }

  /** removeWatches: removes what `type` names (see containsWatch); true when something was removed. */
  removeWatch(path: string, watcher: Watcher, type: number): boolean {
    const ALL = WatchMode.STANDARD | WatchMode.PERSISTENT | WatchMode.PERSISTENT_RECURSIVE;
    switch (type) {
      case WatcherType.Children:
        return this.childWatches.remove(path, watcher, ALL);
      case WatcherType.Data:
        return this.dataWatches.remove(path, watcher, ALL);
      case WatcherType.Persistent: {
        const a = this.childWatches.remove(path, watcher, WatchMode.PERSISTENT);
        const b = this.dataWatches.remove(path, watcher, WatchMode.PERSISTENT);
        return a || b;
      }
      case WatcherType.PersistentRecursive:
        return this.dataWatches.remove(path, watcher, WatchMode.PERSISTENT_RECURSIVE);
      case WatcherType.Any: {
        const a = this.childWatches.remove(path, watcher, 7);
        const b = this.dataWatches.remove(path, watcher, 7);
        return a || b;
      }
      default:
        return false;
    }
  }

  /** Drops every watch of a watcher (its session closed or its connection went away). */
  removeWatcher(watcher: Watcher): void {
    this.dataWatches.removeWatcher(watcher);
    this.childWatches.removeWatcher(watcher);
  }

  /**
   * SetWatches on reconnect: fires what the client missed since `relativeZxid` and registers the rest.
   * data: missing -> NodeDeleted, mzxid > relativeZxid -> NodeDataChanged; exist: present -> NodeCreated;
   * child: missing -> NodeDeleted, pzxid > relativeZxid -> NodeChildrenChanged. Persistent ones are just
   * registered. Replayed events carry zxid -1 and go only to watchers that may READ the node.
   */
  setWatches(relativeZxid: bigint, lists: SetWatchesLists, watcher: Watcher): void {
    const S = WatchMode.STANDARD;
    for (const p of lists.dataWatches ?? []) {
      const n = this.getNode(p);
      if (!n) this.deliver(watcher, makeEvent(EventType.NodeDeleted, p, -1n), null);
      else if (n.stat.mzxid > relativeZxid)
        this.deliver(watcher, makeEvent(EventType.NodeDataChanged, p, -1n), this.getACLOf(n));
      else this.dataWatches.add(p, watcher, S);
    }
    for (const p of lists.existWatches ?? []) {
      const n = this.getNode(p);
      if (n) this.deliver(watcher, makeEvent(EventType.NodeCreated, p, -1n), this.getACLOf(n));
      else this.dataWatches.add(p, watcher, S);
    }
    for (const p of lists.childWatches ?? []) {
      const n = this.getNode(p);
      if (!n) this.deliver(watcher, makeEvent(EventType.NodeDeleted, p, -1n), null);
      else if (n.stat.pzxid > relativeZxid)
        this.deliver(watcher, makeEvent(EventType.NodeChildrenChanged, p, -1n), this.getACLOf(n));
      else this.childWatches.add(p, watcher, S);
    }
    for (const p of lists.persistentWatches ?? []) this.addWatch(p, watcher, "persistent");
    for (const p of lists.persistentRecursiveWatches ?? []) this.addWatch(p, watcher, "persistentRecursive");
  }

  /** Total watches (data table + child table pairs), as DataTree.getWatchCount. */
  watchCount(): number {
    return this.dataWatches.size + this.childWatches.size;
  }

  /** wchs: { connections, paths, total } — of the data/exist watch table only, as ZooKeeper reports. */
  watchSummary(): { connections: number; paths: number; total: number } {
    return {
      connections: this.dataWatches.watcherCount(),
      paths: this.dataWatches.pathCount(),
      total: this.dataWatches.size,
    };
  }

  /** wchc: session id -> watched paths (data/exist watch table, as ZooKeeper reports). */
  watchesBySession(): Map<bigint, string[]> {
    const m = new Map<bigint, string[]>();
    for (const [w, paths] of this.dataWatches.watchers()) {
      const list = m.get(w.sessionId) ?? [];
      list.push(...paths);
      m.set(w.sessionId, list);
    }
    return m;
  }

  /** wchp: path -> session ids (data/exist watch table, as ZooKeeper reports). */
  watchesByPath(): Map<string, bigint[]> {
    const m = new Map<string, bigint[]>();
    for (const [p, ws] of this.dataWatches.paths()) m.set(p, [...ws.keys()].map((w) => w.sessionId));
    return m;
  }

  /** Every watch of every kind: for diagnostics and tests. */
  allWatches(): Array<{ path: string; sessionId: bigint; table: "data" | "child"; modes: number }> {
    const out: Array<{ path: string; sessionId: bigint; table: "data" | "child"; modes: number }> = [];
    for (const [p, ws] of this.dataWatches.paths())
      for (const [w, modes] of ws) out.push({ path: p, sessionId: w.sessionId, table: "data", modes });
    for (const [p, ws] of this.childWatches.paths())
      for (const [w, modes] of ws) out.push({ path: p, sessionId: w.sessionId, table: "child", modes });
    return out;
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * Every node, parents before children, the root first and named "" as in ZooKeeper snapshots. The persistence
   * layer writes these after `acls.entries()`.
   *
   * Nodes come in the order they entered the tree (a node always enters after its parent, and a parent deleted
   * and created again has no children left from before), straight from the node table: no path is built or
   * looked up per node. The tree may change while the iterator is consumed (a fuzzy snapshot, as ZooKeeper's):
   * nodes that entered the tree after the first node was taken are left out (their txns follow the snapshot's
   * zxid in the log and are replayed over it), so no path can come twice.
   */
  *snapshotNodes(): IterableIterator<SnapshotNode> {
    const before = this.nodeSeq;
    for (const [p, n] of this.nodes) {
      if (n.seq >= before) continue;
      yield { path: p === "/" ? "" : p, data: n.data, acl: n.acl, stat: n.stat };
    }
  }

  /** Sequence number the next node entering the tree gets (DataNode.seq). */
  private nodeSeq = 0;

  /**
   * Replaces the whole tree with a snapshot's content (ACL cache entries, then nodes parents-first, root
   * named "" or "/"). Rebuilds ephemerals, containers, TTLs, quota roots and stat nodes, and the digest.
   * Watches are kept. Throws when a node's parent is missing.
   */
  restore(aclEntries: Iterable<readonly [number, readonly ACL[]]>, nodes: Iterable<SnapshotNode>, lastZxid: bigint): void {
    this.aclCache.load(aclEntries);
    for (const n of this.nodes.values()) n.detached = true;
    this.nodes.clear();
    this.ephemeralsBySession.clear();
    this.containers.clear();
    this.ttls.clear();
    this.quotaRoots.clear();
    this.hash = 0n;
    this.hashPart = 0;
    for (const sn of nodes) {
      const path = sn.path === "" ? "/" : sn.path;
      const node = new DataNode(keepData(sn.data), sn.acl, { ...sn.stat });
      this.aclCache.addUsage(sn.acl);
      if (path !== "/") {
        const { parent, child } = splitPath(path);
        const pn = this.nodes.get(parent);
        if (!pn) throw new Error(`Invalid Datatree, unable to find parent ${parent} of path ${path}`);
        if (pn.children === null) pn.children = new Set();
        pn.children.add(child);
        const owner = node.stat.ephemeralOwner;
        const kind = ephemeralKind(owner, this.extended);
        if (kind === "container") this.containers.add(path);
        else if (kind === "ttl") this.ttls.add(path);
        else if (kind === "normal") {
          let set = this.ephemeralsBySession.get(owner);
          if (!set) this.ephemeralsBySession.set(owner, (set = new Set()));
          set.add(path);
        }
      }
      this.putNode(path, node);
    }
    if (!this.nodes.has("/")) throw new Error("Invalid Datatree, no root");
    this.dataSize = this.computeApproximateDataSize();
    this.setupQuota();
    this.aclCache.purgeUnused();
    this._lastProcessedZxid = lastZxid;
  }

  private setupQuota(): void {
    const stack = [QUOTA_ZOOKEEPER];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const n = this.nodes.get(p);
      if (!n) continue;
      if (n.numChildren === 0) {
        const end = "/" + LIMIT_NODE;
        if (p.endsWith(end)) {
          const real = p.slice(QUOTA_ZOOKEEPER.length, p.length - end.length);
          if (real !== "") {
            this.updateQuotaForPath(real);
            this.quotaRoots.add(real);
          }
        }
        continue;
      }
      for (const c of n.children!) stack.push(`${p}/${c}`);
    }
  }
}
