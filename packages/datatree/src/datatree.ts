import { zeroStatPersisted, type ACL, type Stat, type TxnHeader } from "@zkts/jute";
import { CONFIG_ZOOKEEPER, PROC_ZOOKEEPER, QUOTA_ZOOKEEPER } from "@zkts/client-wire";
import { READ_ACL_UNSAFE, type ACLCache } from "./acl.js";
import { DataNode, statOf } from "./data-node.js";
import { DIGEST_VERSION } from "./digest.js";
import type { NamespaceCounters, NamespaceSummary } from "./namespace-stats.js";
import type { DigestHint, NodeHashMap } from "./node-hash-map.js";
import type { QuotaCheck } from "./quotas.js";
import { restore, snapshotNodes, TreeRestorer, type SnapshotNode } from "./snapshot.js";
import { TreeState, type DataTreeOptions } from "./tree-state.js";
import type { SetWatchesLists, TreeWatches, WatchKind } from "./tree-watches.js";
import { processTxn, setACL, setData, type ProcessTxnResult } from "./txn-apply.js";
import { WatchMode, type Watcher } from "./watches.js";

export { DataNode, newNodeStat } from "./data-node.js";
export type { DataTreeOptions } from "./tree-state.js";
export type { DigestHint } from "./node-hash-map.js";
export type { NamespaceSummary } from "./namespace-stats.js";
export type { PreparedSubTxn, ProcessTxnResult } from "./txn-apply.js";
export type { QuotaCheck } from "./quotas.js";
export type { SetWatchesLists, WatchKind } from "./tree-watches.js";
export type { SnapshotNode } from "./snapshot.js";

function isSpecialPath(path: string): boolean {
  return path === "/" || path === PROC_ZOOKEEPER || path === QUOTA_ZOOKEEPER || path === CONFIG_ZOOKEEPER;
}

/**
 * ZooKeeper's DataTree: the znode tree in memory, pure. Applies txns (processTxn), answers reads, keeps the
 * watch tables and fires them, tracks ephemerals/containers/TTL nodes, quotas and the tree digest.
 *
 * This class is the node table's reads and the public API; the rest lives in one module per ZooKeeper part
 * (see the README's module table): txn-apply.ts, node-hash-map.ts, quotas.ts, tree-watches.ts, ephemerals.ts,
 * snapshot.ts, all working on the TreeState created here.
 */
export class DataTree {
  private readonly s: TreeState;
  private readonly nodes: NodeHashMap;
  private readonly watches: TreeWatches;
  private readonly ns: NamespaceCounters;
  private readonly extended: boolean;

  constructor(opts: DataTreeOptions = {}) {
    const s = new TreeState(opts);
    this.s = s;
    this.nodes = s.nodes;
    this.watches = s.watches;
    this.ns = s.ns;
    this.extended = s.extended;
    this.initSpecialNodes();
  }

  private initSpecialNodes(): void {
    const nodes = this.nodes;
    const root = new DataNode(Buffer.alloc(0), -1, zeroStatPersisted());
    const proc = new DataNode(Buffer.alloc(0), -1, zeroStatPersisted());
    const quota = new DataNode(Buffer.alloc(0), -1, zeroStatPersisted());
    const config = new DataNode(Buffer.alloc(0), -1, zeroStatPersisted());
    root.addChild("zookeeper", proc);
    proc.addChild("quota", quota);
    proc.addChild("config", config);
    nodes.put("/", root);
    nodes.put(PROC_ZOOKEEPER, proc);
    nodes.put(QUOTA_ZOOKEEPER, quota);
    nodes.put(CONFIG_ZOOKEEPER, config);
    // ZooKeeper sets READ_ACL_UNSAFE on /zookeeper/config with version -1 (so aversion reads -1).
    setACL(this.s, CONFIG_ZOOKEEPER, READ_ACL_UNSAFE, -1);
    nodes.dataSize = nodes.computeDataSize();
  }

  // ---------------------------------------------------------------- basic accessors

  /** zxid of the last txn applied (multi: after the whole multi). */
  get lastProcessedZxid(): bigint {
    return this.s.lastProcessedZxid;
  }
  set lastProcessedZxid(z: bigint) {
    this.s.lastProcessedZxid = z;
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
    return this.s.acls.convertLong(node.acl);
  }

  /** The client-visible Stat of a node (dataLength, numChildren, v3 cversion, masked ephemeralOwner). */
  statOf(node: DataNode): Stat {
    return statOf(node, this.extended);
  }

  /** The ACL cache (for snapshots). */
  get acls(): ACLCache {
    return this.s.acls;
  }

  /** Sum over nodes of path length + data length (ZooKeeper's approximateDataSize), kept incrementally: O(1). */
  approximateDataSize(): number {
    return this.nodes.dataSize;
  }

  /** Same as approximateDataSize() (ZooKeeper's name for the cached value). */
  cachedApproximateDataSize(): number {
    return this.nodes.dataSize;
  }

  /** approximateDataSize recomputed by walking every node (O(n), for checks). */
  computeApproximateDataSize(): number {
    return this.nodes.computeDataSize();
  }

  /**
   * Bytes read and written per top-level namespace (`/a/b` counts under `a`), as ZooKeeper's
   * `zk_{avg,min,max,cnt,sum}_<ns>_{read,write}_per_namespace` metrics: reads count getData's data length,
   * getChildren's child-name lengths and 0 for exists; writes count the data length of creates and setData and 0
   * for deletes.
   */
  namespaceStats(): { read: ReadonlyMap<string, NamespaceSummary>; write: ReadonlyMap<string, NamespaceSummary> } {
    return { read: this.ns.read, write: this.ns.write };
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
    if (watcher) this.watches.data.add(path, watcher, WatchMode.STANDARD);
    this.ns.countRead(path, n.data === null ? 0 : n.data.length);
    return { data: n.data, stat: statOf(n, this.extended) };
  }

  /** exists: the stat or null; an exist watch is registered even when the node is missing. */
  exists(path: string, watcher?: Watcher): Stat | null {
    if (watcher) this.watches.data.add(path, watcher, WatchMode.STANDARD);
    const n = this.getNode(path);
    if (!n) return null;
    this.ns.countRead(path, 0);
    return statOf(n, this.extended);
  }

  /** getChildren (unsorted, as ZooKeeper) + the parent's stat; registers a child watch; null when missing. */
  getChildren(path: string, watcher?: Watcher): { children: string[]; stat: Stat } | null {
    const n = this.getNode(path);
    if (!n) return null;
    if (watcher) this.watches.child.add(path, watcher, WatchMode.STANDARD);
    const children = n.childList();
    let bytes = 0;
    for (const c of children) bytes += c.length;
    this.ns.countRead(path, bytes);
    return { children, stat: statOf(n, this.extended) };
  }

  /** getACL: the node's ACL list and stat; null when missing. */
  getACL(path: string): { acl: ACL[]; stat: Stat } | null {
    const n = this.getNode(path);
    if (!n) return null;
    return { acl: this.getACLOf(n).map((a) => ({ perms: a.perms, id: { ...a.id } })), stat: statOf(n, this.extended) };
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
      if (!node) continue;
      for (const c of node.childList()) {
        count++;
        stack.push(`${p}/${c}`);
      }
    }
    return count;
  }

  // ---------------------------------------------------------------- ephemerals, containers, TTL nodes

  /** A session's ephemeral paths; with a prefix other than `/`, those whose path starts with it (getEphemerals). */
  getEphemerals(sessionId: bigint, prefix?: string): string[] {
    const set = this.s.ephemerals.bySession.get(sessionId);
    if (!set) return [];
    if (prefix === undefined || prefix === "/" || prefix === "") return [...set];
    return [...set].filter((p) => p.startsWith(prefix));
  }

  /** The live set of a session's ephemerals (do not mutate). */
  ephemerals(sessionId: bigint): ReadonlySet<string> {
    return this.s.ephemerals.bySession.get(sessionId) ?? new Set();
  }

  /** Every session that owns ephemerals, with its paths. */
  allEphemerals(): Map<bigint, string[]> {
    const m = new Map<bigint, string[]>();
    for (const [s, set] of this.s.ephemerals.bySession) m.set(s, [...set]);
    return m;
  }

  ephemeralsCount(): number {
    return this.s.ephemerals.count();
  }

  containerPaths(): string[] {
    return [...this.s.ephemerals.containers];
  }

  ttlPaths(): string[] {
    return [...this.s.ephemerals.ttls];
  }

  /**
   * ContainerManager.getCandidates: containers without children whose cversion > 0 (or, with
   * maxNeverUsedIntervalMs, never used and older than that by mtime), and TTL nodes without children whose
   * `now - mtime > ttl`. The core deletes them with deleteContainer txns.
   */
  containerAndTtlCandidates(now: number | bigint): string[] {
    return this.s.ephemerals.candidates(this.nodes, BigInt(now), BigInt(this.s.opts.maxNeverUsedIntervalMs ?? 0));
  }

  // ---------------------------------------------------------------- txn application (txn-apply.ts)

  /**
   * Applies one txn: CreateTxn (create/create2), CreateTTLTxn, CreateContainerTxn, DeleteTxn (delete,
   * deleteContainer), SetDataTxn (setData, reconfig), SetACLTxn, CheckVersionTxn, CreateSessionTxn,
   * CloseSessionTxn (or null), ErrorTxn, MultiTxn. Fires watches. Never throws for a bad txn: errors are in
   * `err`. Optional hints, what the caller found when it prepared the txn, used instead of a lookup while that
   * node is still in the tree: `node`, the node at the txn's path (setData, reconfig, delete); `parent`, the node
   * at its parent (create, create2, createTTL, createContainer, delete). Not used by other txns nor inside a multi.
   * `digests`: node digests computed ahead (core's prep, for the txn's TxnDigest; a multi's too), each used instead
   * of computing that node's digest again only when the node the txn leaves has exactly its path, stat and data.
   */
  processTxn(header: TxnHeader, txn: unknown, node?: DataNode, parent?: DataNode, digests?: readonly DigestHint[]): ProcessTxnResult {
    const s = this.s;
    s.hint = node;
    s.hintParent = parent;
    if (digests !== undefined) this.nodes.setHints(digests);
    try {
      return processTxn(s, header, txn, false);
    } finally {
      s.hint = undefined;
      s.hintParent = undefined;
      if (digests !== undefined) this.nodes.setHints(undefined);
    }
  }

  // ---------------------------------------------------------------- digest (node-hash-map.ts)

  /** The tree digest (DigestCalculator version 2 summed as AdHash), 0 when digests are disabled. */
  digest(): bigint {
    return this.nodes.digest();
  }

  /** { zxid, digestVersion, digest } for the last processed zxid (the snapshot's ZxidDigest and TxnDigest). */
  lastProcessedZxidDigest(): { zxid: bigint; digestVersion: number; digest: bigint } {
    return { zxid: this.s.lastProcessedZxid, digestVersion: DIGEST_VERSION, digest: this.nodes.digest() };
  }

  get isDigestEnabled(): boolean {
    return this.nodes.digestEnabled;
  }

  /**
   * DataTree.compareDigest, after a txn was applied: false only when the txn carries a TxnDigest of the version
   * this tree computes and the tree's digest differs from it (the caller logs and counts the mismatch, as
   * ZooKeeper's reportDigestMismatch; it never stops applying). True without a digest, with digests disabled, or
   * for another digest version. `treeDigest` is a Java long (-2^63 .. 2^63-1), as decoded or as prep makes it.
   */
  compareDigest(digest: { version: number; treeDigest: bigint } | null | undefined): boolean {
    if (digest === null || digest === undefined || !this.nodes.digestEnabled) return true;
    if (digest.version !== DIGEST_VERSION) return true;
    return this.nodes.digest() === digest.treeDigest;
  }

  // ---------------------------------------------------------------- quotas (quotas.ts)

  /** The longest path with a quota that covers `path` (never `/`), or null. */
  getMaxPrefixWithQuota(path: string): string | null {
    return this.s.quotas.maxPrefixWithQuota(path);
  }

  /** Paths that have a quota (a zookeeper_limits node). */
  quotaPaths(): string[] {
    return this.s.quotas.paths();
  }

  /**
   * ZooKeeperServer.checkQuota: would adding `countDelta` nodes and `bytesDelta` bytes under `path` exceed
   * its quota? `ok` is false only for a hard limit (countHardLimit / byteHardLimit); a soft limit (count /
   * bytes in the limits node) only sets `message`. For create pass (dataLength, 1); for setData
   * (newLength - oldLength, 0).
   */
  checkQuota(path: string, bytesDelta: number, countDelta: number): QuotaCheck {
    return this.s.quotas.check(path, bytesDelta, countDelta);
  }

  // ---------------------------------------------------------------- watches (tree-watches.ts)

  /** May this watcher READ a node with these ACLs? (null ACL: deleted node, no check, as ZooKeeper.) */
  canRead(watcher: Watcher, acl: readonly ACL[] | null): boolean {
    return this.watches.canRead(watcher, acl);
  }

  /**
   * Registers a watch. data/exist: one-shot data watch; child: one-shot child watch; persistent: on both tables
   * (sees every event on the node, incl. NodeChildrenChanged); persistentRecursive: data table, the node and
   * every descendant, never NodeChildrenChanged.
   */
  addWatch(path: string, watcher: Watcher, kind: WatchKind): void {
    this.watches.add(path, watcher, kind);
  }

  /** addWatch request mode (0 persistent, 1 persistentRecursive). */
  addWatchMode(path: string, watcher: Watcher, mode: number): void {
    this.watches.add(path, watcher, mode === 1 ? "persistentRecursive" : "persistent");
  }

  /**
   * checkWatches, as ZooKeeper 3.8: Children = any watch in the child table (one-shot child watches and
   * persistent watches), Data = any watch in the data table (one-shot data/exist, persistent, recursive),
   * Any = either; Persistent and PersistentRecursive (3.9's types) match that mode only.
   */
  containsWatch(path: string, watcher: Watcher, type: number): boolean {
    return this.watches.contains(path, watcher, type);
  }

  /** removeWatches: removes what `type` names (see containsWatch); true when something was removed. */
  removeWatch(path: string, watcher: Watcher, type: number): boolean {
    return this.watches.remove(path, watcher, type);
  }

  /** Drops every watch of a watcher (its session closed or its connection went away). */
  removeWatcher(watcher: Watcher): void {
    this.watches.removeWatcher(watcher);
  }

  /**
   * SetWatches on reconnect: fires what the client missed since `relativeZxid` and registers the rest.
   * data: missing -> NodeDeleted, mzxid > relativeZxid -> NodeDataChanged; exist: present -> NodeCreated;
   * child: missing -> NodeDeleted, pzxid > relativeZxid -> NodeChildrenChanged. Persistent ones are just
   * registered. Replayed events carry zxid -1 and go only to watchers that may READ the node.
   */
  setWatches(relativeZxid: bigint, lists: SetWatchesLists, watcher: Watcher): void {
    this.watches.setWatches(relativeZxid, lists, watcher);
  }

  /** Total watches (data table + child table pairs), as DataTree.getWatchCount. */
  watchCount(): number {
    return this.watches.count();
  }

  /** wchs: { connections, paths, total } — of the data/exist watch table only, as ZooKeeper reports. */
  watchSummary(): { connections: number; paths: number; total: number } {
    return this.watches.summary();
  }

  /** wchc: session id -> watched paths (data/exist watch table, as ZooKeeper reports). */
  watchesBySession(): Map<bigint, string[]> {
    return this.watches.bySession();
  }

  /** wchp: path -> session ids (data/exist watch table, as ZooKeeper reports). */
  watchesByPath(): Map<string, bigint[]> {
    return this.watches.byPath();
  }

  /** Every watch of every kind: for diagnostics and tests. */
  allWatches(): Array<{ path: string; sessionId: bigint; table: "data" | "child"; modes: number }> {
    return this.watches.all();
  }

  // ---------------------------------------------------------------- snapshots (snapshot.ts)

  /**
   * Every node, parents before children, the root first and named "" as in ZooKeeper snapshots. The persistence
   * layer writes these after `acls.entries()`. Nodes that enter the tree while the iterator is consumed (a fuzzy
   * snapshot) are left out, so no path comes twice (see snapshot.ts).
   */
  /**
   * ZKDatabase.initConfigInZKDatabase: /zookeeper/config's data set to a quorum verifier's text outside any txn,
   * with mZxid = the config's version and dataVersion -1 (DataTree.setData(CONFIG_NODE, data, -1, version, now));
   * data watches fire as for setData. The node is under /zookeeper/, so the tree digest does not change.
   */
  initConfigNode(data: Buffer, version: bigint, time: bigint): Stat {
    return setData(this.s, CONFIG_ZOOKEEPER, data, -1, version, time);
  }

  snapshotNodes(): IterableIterator<SnapshotNode> {
    return snapshotNodes(this.s);
  }

  /**
   * Replaces the whole tree with a snapshot's content (ACL cache entries, then nodes parents-first, root
   * named "" or "/"). Rebuilds ephemerals, containers, TTLs, quota roots and stat nodes, and the digest.
   * Watches are kept. Throws when a node's parent is missing.
   */
  restore(aclEntries: Iterable<readonly [number, readonly ACL[]]>, nodes: Iterable<SnapshotNode>, lastZxid: bigint): void {
    restore(this.s, aclEntries, nodes, lastZxid);
  }

  /**
   * The same, streamed (TreeRestorer): empties the tree now; ACL entries and nodes are given as a snapshot is
   * read, then `finish(lastZxid)`, or `abort()` to leave the tree as a new one when the snapshot turns out damaged.
   */
  beginRestore(opts: { deferDigest?: boolean } = {}): TreeRestorer {
    return new TreeRestorer(this.s, () => this.initSpecialNodes(), opts.deferDigest ?? false);
  }
}
