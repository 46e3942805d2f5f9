import { describe, expect, it } from "vitest";
import { OpCode } from "./constants.js";
import { DataTree } from "./datatree.js";
import { StatsTrack, limitPath, statPath, trimQuotaPath } from "@zkts/client-wire";
import { Driver, hdr } from "./testutil.test-util.js";

/** What zkCli's setquota does: create /zookeeper/quota/<path> parents, the limits node, then the stats node. */
function setQuota(d: Driver, path: string, limits: string) {
  const parts = path.split("/").filter(Boolean);
  let p = "/zookeeper/quota";
  for (const part of parts) {
    p += "/" + part;
    if (!d.tree.getNode(p)) d.create(p, null);
  }
  d.create(limitPath(path), limits);
  d.create(statPath(path), new StatsTrack("").toString());
}
const stats = (t: DataTree, p: string) => t.getData(statPath(p))!.data!.toString();

describe("StatsTrack", () => {
  it("parses , and ; pairs, missing values read -1, and formats as ZooKeeper 3.8", () => {
    const s = new StatsTrack("count=5,bytes=-1=;byteHardLimit=100;countHardLimit=-1");
    expect(s.count).toBe(5n);
    expect(s.bytes).toBe(-1n);
    expect(s.byteHardLimit).toBe(100n);
    expect(s.countHardLimit).toBe(-1n);
    // the exact text zkCli leaves after `setquota -n 5` then `setquota -B 100` on a 3.8.0 server
    expect(s.toString()).toBe("count=5,bytes=-1=;byteHardLimit=100;countHardLimit=-1");
    expect(new StatsTrack("count=2,bytes=3").toString()).toBe("count=2,bytes=3");
    expect(new StatsTrack("").toString()).toBe("count=-1,bytes=-1");
    expect(new StatsTrack(Buffer.from("count=,bytes=9")).count).toBe(-1n);
    expect(trimQuotaPath("/zookeeper/quota/a/b")).toBe("/a/b");
    expect(trimQuotaPath("/elsewhere")).toBe("");
  });
});

describe("quotas", () => {
  it("stats node is computed on creation and tracks create / setData / delete", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/q");
    d.create("/q/a", "abc");
    d.create("/qq", "zzzz"); // string prefix, not under /q
    setQuota(d, "/q", "count=5,bytes=-1");
    expect(t.getMaxPrefixWithQuota("/q/a")).toBe("/q");
    expect(t.getMaxPrefixWithQuota("/qq")).toBeNull();
    expect(t.quotaPaths()).toEqual(["/q"]);
    expect(stats(t, "/q")).toBe("count=2,bytes=3");
    d.create("/q/b", "xy");
    expect(stats(t, "/q")).toBe("count=3,bytes=5");
    d.set("/q/a", "a");
    expect(stats(t, "/q")).toBe("count=3,bytes=3");
    d.del("/q/b");
    expect(stats(t, "/q")).toBe("count=2,bytes=1");
    d.create("/qq/x", "1");
    expect(stats(t, "/q")).toBe("count=2,bytes=1");
  });

  it("checkQuota: hard limits refuse, soft limits only warn, nested quotas use the longest prefix", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/h");
    setQuota(d, "/h", "count=-1,bytes=-1=;byteHardLimit=10;countHardLimit=2");
    expect(t.checkQuota("/h/x", 0, 1)).toEqual({ ok: true, prefix: "/h" });
    d.create("/h/x");
    const c = t.checkQuota("/h/y", 0, 1);
    expect(c.ok).toBe(false);
    expect(c.message).toBe("Quota exceeded: /h [current count=3, hardCountLimit=2]");
    const b = t.checkQuota("/h/x", 11, 0);
    expect(b.ok).toBe(false);
    expect(b.message).toBe("Quota exceeded: /h [current bytes=11, hardByteLimit=10]");
    expect(t.checkQuota("/h/x", 10, 0).ok).toBe(true);

    d.create("/s");
    setQuota(d, "/s", "count=1,bytes=-1");
    const soft = t.checkQuota("/s/a", 0, 1);
    expect(soft.ok).toBe(true);
    expect(soft.message).toBe("Quota exceeded: /s [current count=2, softCountLimit=1]");
    expect(t.checkQuota("/nowhere", 100, 1)).toEqual({ ok: true });

    d.create("/h/x/deep");
    setQuota(d, "/h/x/deep", "count=-1,bytes=-1=;countHardLimit=100");
    expect(t.getMaxPrefixWithQuota("/h/x/deep/z")).toBe("/h/x/deep");
    expect(t.checkQuota("/h/x/deep/z", 0, 1).ok).toBe(true);
  });

  it("deleting the limits node removes the quota", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/q");
    setQuota(d, "/q", "count=1,bytes=-1");
    d.del(statPath("/q"));
    d.del(limitPath("/q"));
    expect(t.quotaPaths()).toEqual([]);
    expect(t.getMaxPrefixWithQuota("/q")).toBeNull();
    // a limits node directly under /zookeeper/quota has an empty namespace and is ignored
    d.create("/zookeeper/quota/zookeeper_limits", "count=1");
    expect(t.quotaPaths()).toEqual([]);
    expect(t.processTxn(hdr(99, OpCode.delete), { path: "/zookeeper/quota/zookeeper_limits" }).err).toBe(0);
  });
});

describe("snapshot view and restore", () => {
  it("round-trips nodes, ACLs, ephemerals, containers, quotas and the digest", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/a", "1", { acl: [{ perms: 1, id: { scheme: "world", id: "anyone" } }] });
    d.create("/a/e", "2", { ephemeral: true, session: 77n });
    t.processTxn(hdr(++d.zxid, OpCode.createContainer), { path: "/c", data: null, acl: [], parentCVersion: -1 });
    setQuota(d, "/a", "count=10,bytes=-1");
    const nodes = [...t.snapshotNodes()];
    expect(nodes[0]!.path).toBe("");
    expect(nodes.length).toBe(t.nodeCount());
    const copy = new DataTree();
    copy.restore(t.acls.entries(), nodes, t.lastProcessedZxid);
    expect(copy.digest()).toBe(t.digest());
    expect(copy.nodeCount()).toBe(t.nodeCount());
    expect(copy.getEphemerals(77n)).toEqual(["/a/e"]);
    expect(copy.containerPaths()).toEqual(["/c"]);
    expect(copy.quotaPaths()).toEqual(["/a"]);
    expect(copy.getACL("/a")!.acl).toEqual(t.getACL("/a")!.acl);
    expect(copy.exists("/a")).toEqual(t.exists("/a"));
    expect(copy.lastProcessedZxid).toBe(t.lastProcessedZxid);
    expect(copy.cachedApproximateDataSize()).toBe(t.cachedApproximateDataSize());
    expect(() => copy.restore([], [{ path: "/orphan/x", data: null, acl: -1, stat: nodes[0]!.stat }], 0n)).toThrow(/parent/);
  });
});
