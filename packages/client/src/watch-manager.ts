/**
 * Client-side watch bookkeeping, as the Java client's ZKWatchManager: watchers per path and kind, so one server
 * notification reaches every callback registered for it, one-shot kinds are cleared when they fire, and the whole
 * set can be replayed with setWatches/setWatches2 after a reconnect.
 */
import { EventType, eventTypeName, KeeperState } from "@zkts/client-wire";

/** A watch notification as delivered to callbacks (paths are relative to the chroot). */
export interface WatchEvent {
  /** EventType: NodeCreated=1, NodeDeleted=2, NodeDataChanged=3, NodeChildrenChanged=4, ...WatchRemoved. */
  type: EventType;
  /** `"NodeCreated"`, `"NodeDataChanged"`, ... */
  name: keyof typeof EventType;
  /** KeeperState of the session when the event was generated (SyncConnected for node events). */
  state: KeeperState;
  path: string;
}

export type Watcher = (event: WatchEvent) => void;

export type WatchKind = "data" | "exist" | "child" | "persistent" | "persistentRecursive";

export const WATCH_KINDS: readonly WatchKind[] = ["data", "exist", "child", "persistent", "persistentRecursive"];

export function makeEvent(type: EventType, path: string, state: KeeperState = KeeperState.SyncConnected): WatchEvent {
  return { type, name: eventTypeName(type) ?? ("None" as const), state, path };
}

export class WatchManager {
  private readonly tables: Record<WatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const table = this.tables[kind];
    let set = table.get(path);
    if (!set) table.set(path, (set = new Set()));
    set.add(watcher);
  }

  has(kind: WatchKind, path: string, watcher?: Watcher): boolean {
    const set = this.tables[kind].get(path);
    if (!set) return false;
    return watcher === undefined ? set.size > 0 : set.has(watcher);
  }

  count(kind: WatchKind, path: string): number {
    return this.tables[kind].get(path)?.size ?? 0;
  }

  /** Removes one watcher (or all, when `watcher` is undefined) of a kind; returns the removed ones. */
  remove(kind: WatchKind, path: string, watcher?: Watcher): Watcher[] {
    const table = this.tables[kind];
    const set = table.get(path);
    if (!set) return [];
    if (watcher === undefined) {
      table.delete(path);
      return [...set];
    }
    if (!set.delete(watcher)) return [];
    if (set.size === 0) table.delete(path);
    return [watcher];
  }

  /** Whether any watcher of any kind is registered on the path. */
  hasAny(path: string): boolean {
    return WATCH_KINDS.some((k) => this.tables[k].has(path));
  }

  /** Paths per kind, for setWatches after a reconnect. */
  paths(kind: WatchKind): string[] {
    return [...this.tables[kind].keys()];
  }

  get isEmpty(): boolean {
    return WATCH_KINDS.every((k) => this.tables[k].size === 0);
  }

  clear(): void {
    for (const k of WATCH_KINDS) this.tables[k].clear();
  }

  /**
   * The watchers a node event reaches (ZKWatchManager.materialize): one-shot ones are removed; persistent ones on
   * the path and persistent-recursive ones on the path or an ancestor stay (recursive ones never see
   * NodeChildrenChanged).
   */
  materialize(type: EventType, path: string): Set<Watcher> {
    const out = new Set<Watcher>();
    const take = (kind: WatchKind) => {
      const set = this.tables[kind].get(path);
      if (!set) return;
      this.tables[kind].delete(path);
      for (const w of set) out.add(w);
    };
    switch (type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        take("data");
        take("exist");
        break;
      case EventType.NodeChildrenChanged:
        take("child");
        break;
      case EventType.NodeDeleted:
        take("data");
        take("exist");
        take("child");
        break;
      default:
        break;
    }
    for (const w of this.tables.persistent.get(path) ?? []) out.add(w);
    if (type !== EventType.NodeChildrenChanged && this.tables.persistentRecursive.size > 0) {
      for (let p = path; ; ) {
        for (const w of this.tables.persistentRecursive.get(p) ?? []) out.add(w);
        if (p === "/") break;
        const i = p.lastIndexOf("/");
        p = i <= 0 ? "/" : p.slice(0, i);
      }
    }
    return out;
  }
}
