import { MetricsRegistry } from "@zkts/metrics";
import { ACLCache, type ACLCheckOptions } from "./acl.js";
import type { DataNode } from "./data-node.js";
import { EphemeralIndex } from "./ephemerals.js";
import { NamespaceCounters } from "./namespace-stats.js";
import { NodeHashMap } from "./node-hash-map.js";
import { Quotas } from "./quotas.js";
import { TreeWatches } from "./tree-watches.js";

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

/**
 * What a DataTree is made of (ZooKeeper's DataTree fields), created once with the tree: the node table with its
 * digest, the ACL cache, the watch tables, the quota roots, the ephemeral/container/TTL index and the namespace
 * counters. The txn handlers (txn-apply.ts) and snapshot/restore (snapshot.ts) are free functions over it, so
 * DataTree's public API stays the only way in from outside the package.
 */
export class TreeState {
  readonly nodes: NodeHashMap;
  readonly acls = new ACLCache();
  readonly watches: TreeWatches;
  readonly quotas: Quotas;
  readonly ephemerals: EphemeralIndex;
  readonly ns = new NamespaceCounters();
  /** extendedTypesEnabled: 0xFF.. ephemeralOwners are TTL nodes. */
  readonly extended: boolean;
  /** processTxn's `node`: the node at the txn's path (setData, delete), if the caller looked it up already. */
  hint: DataNode | undefined = undefined;
  /** processTxn's `parent`: the node at the parent of the txn's path (create, delete), if the caller has it. */
  hintParent: DataNode | undefined = undefined;
  /**
   * The parent createNode last looked up, and its path: the next create under the same parent (a replayed log, a
   * follower's txns: no hint) uses it while it is still in the tree (not `detached`) instead of a second lookup.
   */
  lastParent: DataNode | undefined = undefined;
  lastParentPath = "";
  /** zxid of the last top-level txn applied. */
  lastProcessedZxid = 0n;

  constructor(readonly opts: DataTreeOptions) {
    this.nodes = new NodeHashMap(opts.digestEnabled ?? true);
    this.extended = opts.extendedTypesEnabled ?? true;
    this.watches = new TreeWatches(this.nodes, this.acls, opts, opts.metrics ?? new MetricsRegistry());
    this.quotas = new Quotas(this.nodes);
    this.ephemerals = new EphemeralIndex(this.extended);
  }
}
