import { ephemeralKind, ttlOf } from "@zkts/client-wire";
import type { NodeHashMap } from "./node-hash-map.js";

/**
 * The node kinds DataTree indexes by ephemeralOwner: a session's ephemerals (DataTree.ephemerals), containers
 * and TTL nodes (DataTree.containers / ttls), and ContainerManager.getCandidates over them.
 */
export class EphemeralIndex {
  readonly bySession = new Map<bigint, Set<string>>();
  readonly containers = new Set<string>();
  readonly ttls = new Set<string>();

  /** `extended`: extendedTypesEnabled (0xFF.. ephemeralOwners are TTL nodes). */
  constructor(readonly extended: boolean) {}

  /** A node with this ephemeralOwner entered the tree at `path`. */
  add(path: string, owner: bigint): void {
    const kind = ephemeralKind(owner, this.extended);
    if (kind === "container") this.containers.add(path);
    else if (kind === "ttl") this.ttls.add(path);
    else if (kind === "normal") {
      let set = this.bySession.get(owner);
      if (!set) this.bySession.set(owner, (set = new Set()));
      set.add(path);
    }
  }

  /** The node at `path` with this ephemeralOwner left the tree. */
  remove(path: string, owner: bigint): void {
    const kind = ephemeralKind(owner, this.extended);
    if (kind === "container") this.containers.delete(path);
    else if (kind === "ttl") this.ttls.delete(path);
    else if (kind === "normal") {
      const set = this.bySession.get(owner);
      if (set) {
        set.delete(path);
        if (set.size === 0) this.bySession.delete(owner);
      }
    }
  }

  clear(): void {
    this.bySession.clear();
    this.containers.clear();
    this.ttls.clear();
  }

  count(): number {
    let n = 0;
    for (const s of this.bySession.values()) n += s.size;
    return n;
  }

  /**
   * ContainerManager.getCandidates: containers without children whose cversion > 0 (or, with
   * `maxNeverUsed` > 0, never used and older than that by mtime), and TTL nodes without children whose
   * `now - mtime > ttl`.
   */
  candidates(nodes: NodeHashMap, now: bigint, maxNeverUsed: bigint): string[] {
    const out: string[] = [];
    for (const p of this.containers) {
      const n = nodes.get(p);
      if (!n || n.numChildren > 0) continue;
      if (n.stat.cversion > 0) out.push(p);
      else if (maxNeverUsed !== 0n && now - n.stat.mtime > maxNeverUsed) out.push(p);
    }
    for (const p of this.ttls) {
      const n = nodes.get(p);
      if (!n || n.numChildren > 0) continue;
      if (ephemeralKind(n.stat.ephemeralOwner, this.extended) !== "ttl") continue;
      const ttl = ttlOf(n.stat.ephemeralOwner);
      if (ttl !== 0n && now - n.stat.mtime > ttl) out.push(p);
    }
    return out;
  }
}
