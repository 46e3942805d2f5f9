import type { NamespaceStats } from "@zkts/contracts";
/**
 * What the core needs from the data tree (@zkts/datatree's DataTree satisfies it). Kept as an interface so the
 * server can run on a tree restored by a persistence layer, and so every call into the tree is in one place.
 */
import type { DigestHint } from "@zkts/datatree";
import type { ACL, Id, Stat, StatPersisted, TxnDigest, TxnHeader } from "@zkts/jute";

export interface TreeNode {
  data: Buffer | null;
  stat: StatPersisted;
  /** How many children the node has. */
  readonly numChildren: number;
  /** The node's digest as it is counted in the tree digest (DataNode.digest; undefined when not computed yet or digests are disabled). */
  readonly digest?: number;
}

/** A node digest computed ahead (prep's ChangeRecord is one): datatree's own type, the rule's one home. */
export type { DigestHint };

export interface TxnResult {
  clientId: bigint;
  cxid: number;
  zxid: bigint;
  err: number;
  type: number;
  path?: string | null;
  stat?: Stat | null;
  multiResult?: TxnResult[] | null;
}

export interface TreeEvent {
  type: number;
  state: number;
  path: string;
  zxid: bigint;
}

export interface TreeWatcher {
  process(event: TreeEvent): void;
  ids(): readonly Id[];
  readonly sessionId: bigint;
}

export type WatchKind = "data" | "exist" | "child" | "persistent" | "persistentRecursive";

export interface WatchLists {
  dataWatches?: readonly string[];
  existWatches?: readonly string[];
  childWatches?: readonly string[];
  persistentWatches?: readonly string[];
  persistentRecursiveWatches?: readonly string[];
}

/** The subset of @zkts/datatree's DataTree the core uses (a DataTree is passed as is). */
export interface Tree {
  readonly lastProcessedZxid: bigint;
  nodeCount(): number;
  getNode(path: string): TreeNode | undefined;
  getACLOf(node: TreeNode): readonly ACL[];
  statOf(node: TreeNode): Stat;
  /** Registers a data watch when `watcher` is given; null when missing. */
  getData(path: string, watcher?: TreeWatcher): { data: Buffer | null; stat: Stat } | null;
  /** Registers a data/exist watch (even when missing) when `watcher` is given. */
  exists(path: string, watcher?: TreeWatcher): Stat | null;
  /** Registers a child watch when `watcher` is given; null when missing. */
  getChildren(path: string, watcher?: TreeWatcher): { children: string[]; stat: Stat } | null;
  getACL(path: string): { acl: ACL[]; stat: Stat } | null;
  getAllChildrenNumber(path: string): number;
  /**
   * Optional hints, what getNode returned when the txn was prepared: `node` for the txn's path (setData,
   * reconfig, delete), `parent` for its parent's (create, create2, createTTL, createContainer, delete). The tree
   * may use them instead of looking those paths up again while the nodes are still in the tree.
   */
  /**
   * `digests`: the change records prep made for this txn (their `nodeDigest`s, computed for its TxnDigest); the tree
   * may use one instead of computing a node's digest again when the node it leaves has exactly that record's path,
   * stat and data.
   */
  processTxn(header: TxnHeader, txn: unknown, node?: TreeNode, parent?: TreeNode, digests?: readonly DigestHint[]): TxnResult;
  /** digest.enabled: the tree keeps its digest (DataTree.digest), and txns carry one. */
  readonly isDigestEnabled: boolean;
  /** The tree digest (0 when digests are disabled). */
  digest(): bigint;
  /** DataTree.compareDigest after applying a txn: false on a mismatch with the TxnDigest it carried. */
  compareDigest(digest: TxnDigest | null | undefined): boolean;
  addWatch(path: string, watcher: TreeWatcher, kind: WatchKind): void;
  removeWatch(path: string, watcher: TreeWatcher, type: number): boolean;
  containsWatch(path: string, watcher: TreeWatcher, type: number): boolean;
  removeWatcher(watcher: TreeWatcher): void;
  setWatches(relativeZxid: bigint, lists: WatchLists, watcher: TreeWatcher): void;
  ephemerals(sessionId: bigint): ReadonlySet<string>;
  ephemeralsCount(): number;
  approximateDataSize(): number;
  containerAndTtlCandidates(now: number): string[];
  /** ZooKeeperServer.checkQuota: ok=false when a hard limit would be exceeded. */
  checkQuota(path: string, bytesDelta: number, countDelta: number): { ok: boolean; prefix?: string; message?: string };
  watchSummary(): { connections: number; paths: number; total: number };
  /** Watches of both tables (data/exist and child), as DataTree.getWatchCount (mntr's zk_watch_count). */
  watchCount(): number;
  namespaceStats(): NamespaceStats;
  watchesBySession(): Map<bigint, string[]>;
  watchesByPath(): Map<string, bigint[]>;
}

/** Bytes read and written per top-level namespace (mntr's per_namespace summaries): the contracts' type. */
export type { NamespaceStats } from "@zkts/contracts";
