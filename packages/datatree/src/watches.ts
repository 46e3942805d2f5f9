import type { Id } from "@zkts/jute";
import { KeeperState } from "./constants.js";

/** An event the tree delivers to a watcher. zxid is the txn's zxid, -1 for events replayed by setWatches. */
export interface WatchEvent {
  type: number;
  state: number;
  path: string;
  zxid: bigint;
}

/** A watching session (usually its connection). Identity is the object. */
export interface Watcher {
  /** Receives a fired event; the tree only calls it for watchers that may READ the node. */
  process(event: WatchEvent): void;
  /** ACL ids of the watching session, for the 'only sessions that may READ' rule. */
  ids(): readonly Id[];
  readonly sessionId: bigint;
}

/** Watch modes of a (path, watcher) pair (one at a time; bits so that queries can ask for several). */
export const WatchMode = {
  STANDARD: 1,
  PERSISTENT: 2,
  PERSISTENT_RECURSIVE: 4,
} as const;
export type WatchModeBits = number;

/**
 * The watchers of one path with their modes. It keeps the path string it was created with, and every watcher's
 * path set refers to that one string: a path watched by many sessions is held once, not once per request that
 * named it (a million watches over a hundred thousand nodes: a hundred thousand strings, not a million).
 */
class PathWatchers extends Map<Watcher, WatchModeBits> {
  constructor(readonly path: string) {
    super();
  }
}

/** The (never modified) result of collect() when no watch matches. */
const NO_WATCHERS: Set<Watcher> = new Set<Watcher>();

/**
 * One watch table (ZooKeeper keeps two: data+exist watches and child watches). Each (path, watcher) pair holds one
 * mode, and the latest watch set on the pair replaces it, as in ZooKeeper 3.8's WatcherModeManager: a one-shot
 * getData watch set after addWatch(persistent) on the same path turns it into a one-shot watch.
 */
export class WatchTable {
  private readonly byPath = new Map<string, PathWatchers>();
  private readonly byWatcher = new Map<Watcher, Set<string>>();
  private recursive = 0;

  /** Sets (path, watcher) to `mode`, replacing any earlier mode; false when the pair was already watched. */
  add(path: string, watcher: Watcher, mode: WatchModeBits): boolean {
    let m = this.byPath.get(path);
    if (!m) this.byPath.set(path, (m = new PathWatchers(path)));
    const old = m.get(watcher) ?? 0;
    if (old & WatchMode.PERSISTENT_RECURSIVE) this.recursive--;
    if (mode & WatchMode.PERSISTENT_RECURSIVE) this.recursive++;
    m.set(watcher, mode);
    if (old !== 0) return false;
    let ps = this.byWatcher.get(watcher);
    if (!ps) this.byWatcher.set(watcher, (ps = new Set()));
    ps.add(m.path);
    return true;
  }

  /** Does (path, watcher) hold any of `modes`? */
  contains(path: string, watcher: Watcher, modes: WatchModeBits): boolean {
    return ((this.byPath.get(path)?.get(watcher) ?? 0) & modes) !== 0;
  }

  /** Removes `modes` from (path, watcher); true when something was removed. */
  remove(path: string, watcher: Watcher, modes: WatchModeBits): boolean {
    const m = this.byPath.get(path);
    const old = m?.get(watcher) ?? 0;
    const hit = old & modes;
    if (!m || hit === 0) return false;
    this.setModes(m, path, watcher, old, old & ~modes);
    return true;
  }

  private setModes(m: Map<Watcher, WatchModeBits>, path: string, w: Watcher, old: number, next: number): void {
    if ((old & WatchMode.PERSISTENT_RECURSIVE) && !(next & WatchMode.PERSISTENT_RECURSIVE)) this.recursive--;
    if (next === 0) {
      m.delete(w);
      if (m.size === 0) this.byPath.delete(path);
      const ps = this.byWatcher.get(w);
      if (ps) {
        ps.delete(path);
        if (ps.size === 0) this.byWatcher.delete(w);
      }
    } else {
      m.set(w, next);
    }
  }

  /** Drops every watch of a watcher (session closed). */
  removeWatcher(watcher: Watcher): void {
    const ps = this.byWatcher.get(watcher);
    if (!ps) return;
    for (const p of [...ps]) {
      const m = this.byPath.get(p);
      if (!m) continue;
      const old = m.get(watcher) ?? 0;
      this.setModes(m, p, watcher, old, 0);
    }
    this.byWatcher.delete(watcher);
  }

  /**
   * Collects the watchers an event on `path` reaches and consumes one-shot watches: every watcher on `path`
   * itself, and recursive watchers on its ancestors when `recursiveToo`.
   */
  collect(path: string, recursiveToo: boolean): Set<Watcher> {
    const m = this.byPath.get(path);
    // Most changes fire nothing: no Set per txn then (callers only read the result).
    if (m === undefined && !(recursiveToo && this.recursive > 0 && path !== "/")) return NO_WATCHERS;
    const out = new Set<Watcher>();
    if (m) {
      for (const [w, modes] of [...m]) {
        out.add(w);
        if (modes & WatchMode.STANDARD) this.setModes(m, path, w, modes, modes & ~WatchMode.STANDARD);
      }
    }
    if (recursiveToo && this.recursive > 0 && path !== "/") {
      let p = path;
      while (p !== "/") {
        const i = p.lastIndexOf("/");
        p = i <= 0 ? "/" : p.slice(0, i);
        const pm = this.byPath.get(p);
        if (!pm) continue;
        for (const [w, modes] of pm) if (modes & WatchMode.PERSISTENT_RECURSIVE) out.add(w);
      }
    }
    return out;
  }

  /** Number of (path, watcher) pairs. */
  get size(): number {
    let n = 0;
    for (const m of this.byPath.values()) n += m.size;
    return n;
  }

  pathCount(): number {
    return this.byPath.size;
  }

  watcherCount(): number {
    return this.byWatcher.size;
  }

  pathsOf(watcher: Watcher): ReadonlySet<string> {
    return this.byWatcher.get(watcher) ?? new Set();
  }

  watchersOf(path: string): Watcher[] {
    return [...(this.byPath.get(path)?.keys() ?? [])];
  }

  *watchers(): IterableIterator<[Watcher, ReadonlySet<string>]> {
    yield* this.byWatcher.entries();
  }

  *paths(): IterableIterator<[string, ReadonlyMap<Watcher, WatchModeBits>]> {
    yield* this.byPath.entries();
  }
}

export function makeEvent(type: number, path: string, zxid: bigint): WatchEvent {
  return { type, state: KeeperState.SyncConnected, path, zxid };
}
