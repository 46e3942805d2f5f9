/**
 * ZooKeeper's Quotas and StatsTrack: where quota nodes live and how their data reads and writes (the one copy,
 * used by the tree and the CLI).
 */

export const PROC_ZOOKEEPER = "/zookeeper";
export const QUOTA_ZOOKEEPER = "/zookeeper/quota";
export const CONFIG_ZOOKEEPER = "/zookeeper/config";
export const LIMIT_NODE = "zookeeper_limits";
export const STAT_NODE = "zookeeper_stats";

/** `/zookeeper/quota` + path. */
export function quotaPath(path: string): string {
  return QUOTA_ZOOKEEPER + path;
}
/** `/zookeeper/quota<path>/zookeeper_limits`. */
export function limitPath(path: string): string {
  return `${QUOTA_ZOOKEEPER}${path}/${LIMIT_NODE}`;
}
/** `/zookeeper/quota<path>/zookeeper_stats`. */
export function statPath(path: string): string {
  return `${QUOTA_ZOOKEEPER}${path}/${STAT_NODE}`;
}
/** The real path of a quota path (`/zookeeper/quota/a/b` -> `/a/b`), or "" when not under /zookeeper/quota. */
export function trimQuotaPath(p: string): string {
  if (!p.startsWith(QUOTA_ZOOKEEPER)) return "";
  return p.slice(QUOTA_ZOOKEEPER.length);
}

/**
 * StatsTrack: `key=value` pairs separated by `,` or `;`. Missing values read as -1.
 * Keys: count, bytes (soft limits in a limits node, usage in a stats node), countHardLimit, byteHardLimit.
 */
export class StatsTrack {
  readonly stats = new Map<string, bigint>();

  constructor(text: string | Buffer | null = "") {
    const s = text === null ? "" : typeof text === "string" ? text : text.toString("utf8");
    if (s.length === 0) return;
    for (const pair of s.split(/[,;]+/)) {
      if (pair.length === 0) continue;
      const kv = pair.split("=");
      const key = kv[0]!;
      const raw = kv[1] ?? "";
      let v = -1n;
      if (raw.length > 0 && /^[+-]?\d+$/.test(raw)) v = BigInt(raw);
      this.stats.set(key, v);
    }
  }

  /** The value of `key`; -1 when absent. */
  get(key: string): bigint {
    return this.stats.get(key) ?? -1n;
  }
  set(key: string, v: bigint | number): void {
    this.stats.set(key, BigInt(v));
  }

  get count(): bigint {
    return this.get("count");
  }
  set count(v: bigint) {
    this.stats.set("count", v);
  }
  get bytes(): bigint {
    return this.get("bytes");
  }
  set bytes(v: bigint) {
    this.stats.set("bytes", v);
  }
  get countHardLimit(): bigint {
    return this.get("countHardLimit");
  }
  set countHardLimit(v: bigint) {
    this.stats.set("countHardLimit", v);
  }
  get byteHardLimit(): bigint {
    return this.get("byteHardLimit");
  }
  set byteHardLimit(v: bigint) {
    this.stats.set("byteHardLimit", v);
  }

  /** `count=N,bytes=M` and, when other keys exist, `=` then `;key=value` for each, keys sorted. */
  toString(): string {
    let out = `count=${this.count},bytes=${this.bytes}`;
    const keys = [...this.stats.keys()].filter((k) => k !== "count" && k !== "bytes").sort();
    if (keys.length > 0) {
      out += "=";
      for (const k of keys) out += `;${k}=${this.stats.get(k)}`;
    }
    return out;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.toString(), "utf8");
  }

  /** Every key as a number (the CLI's JSON output). */
  toJSON(): Record<string, number> {
    const o: Record<string, number> = {};
    for (const [k, v] of this.stats) o[k] = Number(v);
    return o;
  }
}
