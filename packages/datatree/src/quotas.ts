import { LIMIT_NODE, QUOTA_ZOOKEEPER, STAT_NODE, StatsTrack, limitPath, statPath, trimQuotaPath } from "@zkts/client-wire";
import type { DataNode } from "./data-node.js";
import type { NodeHashMap } from "./node-hash-map.js";

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
 * The quota parts of ZooKeeper's DataTree (the PathTrie of quota roots, updateQuotaForPath, updateCountBytes,
 * getMaxPrefixWithQuota, setupQuota) and ZooKeeperServer.checkQuota. Quota roots are the paths with a
 * `/zookeeper/quota/<path>/zookeeper_limits` node; their `zookeeper_stats` node counts the nodes and bytes under
 * them and is rewritten (through the node table, so the digest follows) as nodes come and go.
 */
export class Quotas {
  private readonly roots = new Set<string>();

  constructor(private readonly nodes: NodeHashMap) {}

  /** The longest path with a quota that covers `path` (never `/`), or null. */
  maxPrefixWithQuota(path: string): string | null {
    if (this.roots.size === 0) return null;
    let p = path;
    while (p.length > 1) {
      if (this.roots.has(p)) return p;
      const i = p.lastIndexOf("/");
      if (i <= 0) break;
      p = p.slice(0, i);
    }
    return null;
  }

  /** Paths that have a quota (a zookeeper_limits node). */
  paths(): string[] {
    return [...this.roots];
  }

  /** A node was created at `path` (child `childName` of `parentName`) with `bytes` of data. */
  created(path: string, parentName: string, childName: string, bytes: number): void {
    if (parentName.startsWith(QUOTA_ZOOKEEPER)) {
      const prefix = trimQuotaPath(parentName);
      if (prefix !== "") {
        if (childName === LIMIT_NODE) this.roots.add(prefix);
        else if (childName === STAT_NODE) this.updateForPath(prefix);
      }
    }
    const lastPrefix = this.maxPrefixWithQuota(path);
    if (lastPrefix !== null) this.updateStat(lastPrefix, bytes, 1);
  }

  /** The node at `path` (child `childName` of `parentName`), holding `bytes` of data, was deleted. */
  deleted(path: string, parentName: string, childName: string, bytes: number): void {
    if (parentName.startsWith(QUOTA_ZOOKEEPER) && childName === LIMIT_NODE) {
      const prefix = trimQuotaPath(parentName);
      if (prefix !== "") this.roots.delete(prefix);
    }
    const lastPrefix = this.maxPrefixWithQuota(path);
    if (lastPrefix !== null) this.updateStat(lastPrefix, -bytes, -1);
  }

  /** The data at `path` changed size by `bytesDiff`. */
  dataChanged(path: string, bytesDiff: number): void {
    const lastPrefix = this.maxPrefixWithQuota(path);
    if (lastPrefix !== null) this.updateStat(lastPrefix, bytesDiff, 0);
  }

  /** Forgets every quota root (a restore starts over). */
  clear(): void {
    this.roots.clear();
  }

  /** After a restore: finds every limits node under /zookeeper/quota and recounts its stats (setupQuota). */
  rebuild(): void {
    const stack = [QUOTA_ZOOKEEPER];
    const end = "/" + LIMIT_NODE;
    while (stack.length > 0) {
      const p = stack.pop()!;
      const n = this.nodes.get(p);
      if (!n) continue;
      if (n.numChildren === 0) {
        if (p.endsWith(end)) {
          const real = p.slice(QUOTA_ZOOKEEPER.length, p.length - end.length);
          if (real !== "") {
            this.updateForPath(real);
            this.roots.add(real);
          }
        }
        continue;
      }
      for (const c of n.childList()) stack.push(`${p}/${c}`);
    }
  }

  /**
   * ZooKeeperServer.checkQuota: would adding `countDelta` nodes and `bytesDelta` bytes under `path` exceed
   * its quota? `ok` is false only for a hard limit (countHardLimit / byteHardLimit); a soft limit (count /
   * bytes in the limits node) only sets `message`.
   */
  check(path: string, bytesDelta: number, countDelta: number): QuotaCheck {
    const prefix = this.maxPrefixWithQuota(path);
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

  /** updateCountBytes: adds to the counts in `prefix`'s stat node. */
  private updateStat(prefix: string, bytesDiff: number, countDiff: number): void {
    const sp = statPath(prefix);
    const n = this.nodes.get(sp);
    if (!n) return;
    const st = new StatsTrack(n.data);
    st.count = st.count + BigInt(countDiff);
    st.bytes = st.bytes + BigInt(bytesDiff);
    this.setStat(sp, n, st);
  }

  /** updateQuotaForPath: counts the nodes and bytes under `prefix` into its stat node. */
  private updateForPath(prefix: string): void {
    let count = 0;
    let bytes = 0;
    const stack = [prefix];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const n = this.nodes.get(p);
      if (!n) continue;
      count++;
      bytes += n.dataLength;
      for (const c of n.childList()) stack.push(p === "/" ? `/${c}` : `${p}/${c}`);
    }
    const sp = statPath(prefix);
    const node = this.nodes.get(sp);
    if (!node) return;
    const st = new StatsTrack();
    st.count = BigInt(count);
    st.bytes = BigInt(bytes);
    this.setStat(sp, node, st);
  }

  private setStat(sp: string, n: DataNode, st: StatsTrack): void {
    this.nodes.preChange(sp, n);
    const next = st.toBuffer();
    this.nodes.dataSize += next.length - n.dataLength;
    n.data = next;
    this.nodes.postChange(sp, n);
  }
}
