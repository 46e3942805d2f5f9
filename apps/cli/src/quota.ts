/** ZooKeeper's quota layout (Quotas) and its `count=..,bytes=..` records (StatsTrack). */

export const QUOTA_ROOT = "/zookeeper/quota";
export const LIMIT_NODE = "zookeeper_limits";
export const STAT_NODE = "zookeeper_stats";

export const quotaPath = (path: string) => QUOTA_ROOT + path;
export const limitPath = (path: string) => `${quotaPath(path)}/${LIMIT_NODE}`;
export const statPath = (path: string) => `${quotaPath(path)}/${STAT_NODE}`;
export const trimQuotaPath = (p: string) => (p.startsWith(QUOTA_ROOT) ? p.slice(QUOTA_ROOT.length) : p);

/** StatsTrack: `count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1`. */
export class StatsTrack {
  readonly stats = new Map<string, bigint>();

  constructor(text = "") {
    if (!text) return;
    for (const pair of text.split(/[,;]+/)) {
      if (pair === "") continue;
      const kv = pair.split("=");
      const v = kv[1] ?? "";
      this.stats.set(kv[0]!, BigInt(v === "" ? "-1" : v));
    }
  }

  get(key: string): bigint {
    return this.stats.get(key) ?? -1n;
  }
  set(key: string, v: bigint | number): void {
    this.stats.set(key, BigInt(v));
  }
  get count() {
    return this.get("count");
  }
  get bytes() {
    return this.get("bytes");
  }
  get countHardLimit() {
    return this.get("countHardLimit");
  }
  get byteHardLimit() {
    return this.get("byteHardLimit");
  }

  toString(): string {
    let s = `count=${this.count},bytes=${this.bytes}`;
    const keys = [...this.stats.keys()].filter((k) => k !== "count" && k !== "bytes").sort();
    if (keys.length) {
      s += "=";
      for (const k of keys) s += `;${k}=${this.stats.get(k)}`;
    }
    return s;
  }

  toJSON(): Record<string, number> {
    const o: Record<string, number> = {};
    for (const [k, v] of this.stats) o[k] = Number(v);
    return o;
  }
}
