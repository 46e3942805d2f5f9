/**
 * What the core needs from the data tree (@zkts/datatree's DataTree satisfies it). Kept as an interface so the
 * server can run on a tree restored by a persistence layer, and so every call into the tree is in one place.
 */
import type { ACL, Id, Stat, StatPersisted, TxnHeader } from "@zkts/jute";

export interface TreeNode {
  data: Buffer | null;
  stat: StatPersisted;
  children: ReadonlySet<string>;
}

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
  dataWatches: readonly string[];
  existWatches: readonly string[];
  childWatches: readonly string[];
  persistentWatches: readonly string[];
  persistentRecursiveWatches: readonly string[];
}

export interface Tree {
  readonly lastProcessedZxid: bigint;
  nodeCount(): number;
  getNode(path: string): TreeNode | undefined;
  getACL(node: TreeNode): readonly ACL[];
  statOf(node: TreeNode): Stat;
  getChildren(path: string): string[];
  processTxn(header: TxnHeader, txn: unknown): TxnResult;
  addWatch(path: string, watcher: TreeWatcher, kind: WatchKind): void;
  removeWatch(path: string, watcher: TreeWatcher, type: number): boolean;
  containsWatch(path: string, watcher: TreeWatcher, type: number): boolean;
  removeWatcher(watcher: TreeWatcher): void;
  setWatches(relativeZxid: bigint, lists: WatchLists, watcher: TreeWatcher): void;
  ephemerals(sessionId: bigint): ReadonlySet<string>;
  containerAndTtlCandidates(now: number): string[];
}
