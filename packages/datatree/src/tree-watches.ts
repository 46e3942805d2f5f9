import type { ACL } from "@zkts/jute";
import { M, type MetricsRegistry, type Summary } from "@zkts/metrics";
import { checkACL, type ACLCache, type ACLCheckOptions } from "./acl.js";
import { EventType, Perms, WatcherType } from "./constants.js";
import type { NodeHashMap } from "./node-hash-map.js";
import { WatchMode, WatchTable, makeEvent, type WatchEvent, type Watcher } from "./watches.js";

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

const ALL = WatchMode.STANDARD | WatchMode.PERSISTENT | WatchMode.PERSISTENT_RECURSIVE;

/**
 * The watch parts of ZooKeeper's DataTree: its two WatchManagers (`data`: data and exist watches, `child`:
 * child watches), the registration wrappers (addWatch, containsWatch, removeWatch, setWatches, the wchs /
 * wchc / wchp reports) and triggerWatch, which delivers an event to the watchers that may READ the node.
 */
export class TreeWatches {
  readonly data = new WatchTable();
  readonly child = new WatchTable();
  /** Summaries of watches fired per event, indexed by event type (1 created .. 4 children changed). */
  private readonly fired: readonly (Summary | undefined)[];

  constructor(
    private readonly nodes: NodeHashMap,
    private readonly acls: ACLCache,
    private readonly aclOpts: ACLCheckOptions,
    metrics: MetricsRegistry,
  ) {
    const fired: (Summary | undefined)[] = [];
    fired[EventType.NodeCreated] = metrics.summary(M.NODE_CREATED_WATCHER);
    fired[EventType.NodeDeleted] = metrics.summary(M.NODE_DELETED_WATCHER);
    fired[EventType.NodeDataChanged] = metrics.summary(M.NODE_CHANGED_WATCHER);
    fired[EventType.NodeChildrenChanged] = metrics.summary(M.NODE_CHILDREN_WATCHER);
    this.fired = fired;
  }

  /** May this watcher READ a node with these ACLs? (null ACL: deleted node, no check, as ZooKeeper.) */
  canRead(watcher: Watcher, acl: readonly ACL[] | null): boolean {
    if (acl === null) return true;
    return checkACL(acl, Perms.READ, watcher.ids(), this.aclOpts);
  }

  /**
   * WatchManager.triggerWatch: fires `type` at the watchers of `path` in `table` (and, when `recursive`, the
   * recursive watchers of its ancestors), except those in `suppress`; returns the watchers found.
   */
  trigger(
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
    this.fired[type]?.observe(watchers.size);
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

  /** See DataTree.addWatch. */
  add(path: string, watcher: Watcher, kind: WatchKind): void {
    switch (kind) {
      case "data":
      case "exist":
        this.data.add(path, watcher, WatchMode.STANDARD);
        break;
      case "child":
        this.child.add(path, watcher, WatchMode.STANDARD);
        break;
      case "persistent":
        this.data.add(path, watcher, WatchMode.PERSISTENT);
        this.child.add(path, watcher, WatchMode.PERSISTENT);
        break;
      case "persistentRecursive":
        this.data.add(path, watcher, WatchMode.PERSISTENT_RECURSIVE);
        break;
    }
  }

  /** See DataTree.containsWatch. */
  contains(path: string, watcher: Watcher, type: number): boolean {
    switch (type) {
      case WatcherType.Children:
        return this.child.contains(path, watcher, ALL);
      case WatcherType.Data:
        return this.data.contains(path, watcher, ALL);
      case WatcherType.Persistent:
        return this.data.contains(path, watcher, WatchMode.PERSISTENT);
      case WatcherType.PersistentRecursive:
        return this.data.contains(path, watcher, WatchMode.PERSISTENT_RECURSIVE);
      case WatcherType.Any:
        return this.child.contains(path, watcher, ALL) || this.data.contains(path, watcher, ALL);
      default:
        return false;
    }
  }

  /** See DataTree.removeWatch. */
  remove(path: string, watcher: Watcher, type: number): boolean {
    switch (type) {
      case WatcherType.Children:
        return this.child.remove(path, watcher, ALL);
      case WatcherType.Data:
        return this.data.remove(path, watcher, ALL);
      case WatcherType.Persistent: {
        const a = this.child.remove(path, watcher, WatchMode.PERSISTENT);
        const b = this.data.remove(path, watcher, WatchMode.PERSISTENT);
        return a || b;
      }
      case WatcherType.PersistentRecursive:
        return this.data.remove(path, watcher, WatchMode.PERSISTENT_RECURSIVE);
      case WatcherType.Any: {
        const a = this.child.remove(path, watcher, ALL);
        const b = this.data.remove(path, watcher, ALL);
        return a || b;
      }
      default:
        return false;
    }
  }

  removeWatcher(watcher: Watcher): void {
    this.data.removeWatcher(watcher);
    this.child.removeWatcher(watcher);
  }

  /** See DataTree.setWatches. */
  setWatches(relativeZxid: bigint, lists: SetWatchesLists, watcher: Watcher): void {
    const S = WatchMode.STANDARD;
    for (const p of lists.dataWatches ?? []) {
      const n = this.nodes.get(p === "" ? "/" : p);
      if (!n) this.deliver(watcher, makeEvent(EventType.NodeDeleted, p, -1n), null);
      else if (n.stat.mzxid > relativeZxid)
        this.deliver(watcher, makeEvent(EventType.NodeDataChanged, p, -1n), this.acls.convertLong(n.acl));
      else this.data.add(p, watcher, S);
    }
    for (const p of lists.existWatches ?? []) {
      const n = this.nodes.get(p === "" ? "/" : p);
      if (n) this.deliver(watcher, makeEvent(EventType.NodeCreated, p, -1n), this.acls.convertLong(n.acl));
      else this.data.add(p, watcher, S);
    }
    for (const p of lists.childWatches ?? []) {
      const n = this.nodes.get(p === "" ? "/" : p);
      if (!n) this.deliver(watcher, makeEvent(EventType.NodeDeleted, p, -1n), null);
      else if (n.stat.pzxid > relativeZxid)
        this.deliver(watcher, makeEvent(EventType.NodeChildrenChanged, p, -1n), this.acls.convertLong(n.acl));
      else this.child.add(p, watcher, S);
    }
    for (const p of lists.persistentWatches ?? []) this.add(p, watcher, "persistent");
    for (const p of lists.persistentRecursiveWatches ?? []) this.add(p, watcher, "persistentRecursive");
  }

  /** Total watches (data table + child table pairs), as DataTree.getWatchCount. */
  count(): number {
    return this.data.size + this.child.size;
  }

  /** wchs: { connections, paths, total } — of the data/exist watch table only, as ZooKeeper reports. */
  summary(): { connections: number; paths: number; total: number } {
    return { connections: this.data.watcherCount(), paths: this.data.pathCount(), total: this.data.size };
  }

  /** wchc: session id -> watched paths (data/exist watch table, as ZooKeeper reports). */
  bySession(): Map<bigint, string[]> {
    const m = new Map<bigint, string[]>();
    for (const [w, paths] of this.data.watchers()) {
      const list = m.get(w.sessionId) ?? [];
      list.push(...paths);
      m.set(w.sessionId, list);
    }
    return m;
  }

  /** wchp: path -> session ids (data/exist watch table, as ZooKeeper reports). */
  byPath(): Map<string, bigint[]> {
    const m = new Map<string, bigint[]>();
    for (const [p, ws] of this.data.paths()) m.set(p, [...ws.keys()].map((w) => w.sessionId));
    return m;
  }

  /** Every watch of every kind: for diagnostics and tests. */
  all(): Array<{ path: string; sessionId: bigint; table: "data" | "child"; modes: number }> {
    const out: Array<{ path: string; sessionId: bigint; table: "data" | "child"; modes: number }> = [];
    for (const [p, ws] of this.data.paths())
      for (const [w, modes] of ws) out.push({ path: p, sessionId: w.sessionId, table: "data", modes });
    for (const [p, ws] of this.child.paths())
      for (const [w, modes] of ws) out.push({ path: p, sessionId: w.sessionId, table: "child", modes });
    return out;
  }
}
