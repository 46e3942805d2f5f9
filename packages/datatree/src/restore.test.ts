import { describe, expect, it } from "vitest";
import type { ACL } from "@zkts/jute";
import { DataTree } from "./datatree.js";
import { nodeDigest } from "./digest.js";
import { OpCode } from "./constants.js";
import { Driver, hdr } from "./testutil.test-util.js";

const DIGEST: ACL[] = [{ perms: 31, id: { scheme: "digest", id: "u:hash" } }];
const READ: ACL[] = [{ perms: 1, id: { scheme: "world", id: "anyone" } }];

/** A tree with nested nodes, ephemerals, ACLs other than OPEN, null and empty data, a changed node, a deleted one. */
function sample(): DataTree {
  const t = new DataTree();
  const d = new Driver(t);
  d.create("/a", "alpha");
  d.create("/a/b", null, { acl: DIGEST });
  d.create("/a/b/c", "", { acl: READ });
  d.create("/a/e1", "x", { ephemeral: true, session: 0x55n });
  d.create("/z", "zed");
  for (let i = 0; i < 50; i++) d.create(`/z/k${i}`, `v${i}`);
  d.set("/z/k7", "changed");
  d.del("/z/k9");
  return t;
}

/** Everything a node holds, by path. */
function dump(t: DataTree): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const sn of t.snapshotNodes()) {
    const n = t.getNode(sn.path)!;
    out.set(sn.path, {
      data: n.data === null ? null : n.data.toString("hex"),
      acl: t.getACLOf(n),
      stat: t.statOf(n),
      children: n.childList().sort(),
    });
  }
  return out;
}

/** A new tree restored from `src`'s snapshot nodes (ACLs first), as a snapshot reader feeds it. */
function restoredCopy(src: DataTree): DataTree {
  const dst = new DataTree();
  const r = dst.beginRestore();
  r.acls(src.acls.entries());
  for (const sn of src.snapshotNodes()) r.node(sn.path, sn.data, sn.acl, { ...sn.stat });
  r.finish(src.lastProcessedZxid);
  return dst;
}

describe("streamed restore (DataTree.beginRestore)", () => {
  it("gives the same tree as the source: nodes, stats, children, ACLs and use counts, ephemerals, digest, data size", () => {
    const src = sample();
    const dst = restoredCopy(src);
    expect(dump(dst)).toEqual(dump(src));
    expect(dst.digest()).toBe(src.digest());
    expect(dst.digest()).not.toBe(new DataTree().digest());
    expect(dst.lastProcessedZxid).toBe(src.lastProcessedZxid);
    expect([...dst.allEphemerals()]).toEqual([[0x55n, ["/a/e1"]]]);
    expect(dst.approximateDataSize()).toBe(src.approximateDataSize());
    for (const [ref] of src.acls.entries()) expect(dst.acls.usage(ref)).toBe(src.acls.usage(ref));
  });

  it("a path listed twice: the later node is kept and the digest is that of the tree it leaves (as ZooKeeper's deserialize)", () => {
    const src = sample();
    const dst = new DataTree();
    const r = dst.beginRestore();
    r.acls(src.acls.entries());
    const nodes = [...src.snapshotNodes()];
    const k3 = nodes.find((n) => n.path === "/z/k3")!;
    for (const sn of nodes) {
      if (sn === k3) r.node(sn.path, Buffer.from("an earlier copy"), sn.acl, { ...sn.stat, version: 99 });
      r.node(sn.path, sn.data, sn.acl, { ...sn.stat });
    }
    r.finish(src.lastProcessedZxid);
    expect(dump(dst)).toEqual(dump(src));
    expect(dst.digest()).toBe(src.digest());
    expect(dst.nodeCount()).toBe(src.nodeCount());
    expect(dst.approximateDataSize()).toBe(src.approximateDataSize());
  });

  it("restored children answer getChildren in the source's order, before and after they change", () => {
    const src = sample();
    const dst = restoredCopy(src);
    for (const sn of src.snapshotNodes()) {
      const path = sn.path === "" ? "/" : sn.path;
      expect(dst.getChildren(path)!.children).toEqual(src.getChildren(path)!.children);
    }
    const order = src.getChildren("/z")!.children;
    expect(order).toHaveLength(49);
    const z = dst.getNode("/z")!;
    expect(z.childList().includes("k7")).toBe(true);
    expect(z.childList().includes("k9")).toBe(false);
    // the same changes on both trees: the orders stay equal, and a restored name is found and removed
    for (const t of [src, dst]) {
      const d = new Driver(t);
      d.zxid = Number(t.lastProcessedZxid);
      d.del("/z/k20");
      d.create("/z/new", "n");
      d.create("/a/b/c/d", "d");
    }
    expect(dst.getChildren("/z")!.children).toEqual(src.getChildren("/z")!.children);
    expect(dst.getChildren("/z")!.children).toEqual([...order.filter((c) => c !== "k20"), "new"]);
    expect(dst.getChildren("/a/b/c")!.children).toEqual(["d"]);
    expect(dst.getNode("/z")!.numChildren).toBe(49);
    expect(dst.digest()).toBe(src.digest());
  });

  it("deferDigest: no node digest computed while restoring; the sum given to finish is the tree's, each node's computed when a change needs it", () => {
    const src = sample();
    let sum = 0n;
    for (const sn of src.snapshotNodes()) sum += BigInt(nodeDigest(sn.path === "" ? "/" : sn.path, sn.data, sn.stat));
    const dst = new DataTree();
    const r = dst.beginRestore({ deferDigest: true });
    r.acls(src.acls.entries());
    for (const sn of src.snapshotNodes()) r.node(sn.path, sn.data, sn.acl, { ...sn.stat });
    r.finish(src.lastProcessedZxid, sum);
    expect(dst.digest()).toBe(src.digest());
    expect(dst.getNode("/z/k3")!.digest).toBeUndefined();
    expect(dst.getNode("/a")!.digest).toBeUndefined();
    // the same changes on both trees (a set, a delete, a create under a restored parent, an ACL change): equal digests
    for (const t of [src, dst]) {
      const d = new Driver(t);
      d.zxid = Number(t.lastProcessedZxid);
      d.set("/z/k3", "new value");
      d.del("/z/k4");
      d.create("/a/b/new", "n");
      t.processTxn(hdr(++d.zxid, OpCode.setACL), { path: "/a", acl: DIGEST, version: 1 });
      expect(t.getNode("/a")!.acl).not.toBe(-1);
    }
    expect(dst.digest()).toBe(src.digest());
    expect(dst.getNode("/z/k3")!.digest).toBe(nodeDigest("/z/k3", dst.getNode("/z/k3")!.data, dst.getNode("/z/k3")!.stat));
    expect(dump(dst)).toEqual(dump(src));
  });

  it("deferDigest without a sum given: finish sums the digests itself; a wrong sum is what the tree reports (the caller's to get right)", () => {
    const src = sample();
    const restoreWith = (sum: bigint | undefined) => {
      const dst = new DataTree();
      const r = dst.beginRestore({ deferDigest: true });
      r.acls(src.acls.entries());
      for (const sn of src.snapshotNodes()) r.node(sn.path, sn.data, sn.acl, { ...sn.stat });
      r.finish(src.lastProcessedZxid, sum);
      return dst;
    };
    expect(restoreWith(undefined).digest()).toBe(src.digest());
    expect(restoreWith(12345n).digest()).toBe(12345n);
  });

  it("keeps ACL entries given after the nodes that use them (a fuzzy snapshot's late ACLs)", () => {
    const src = sample();
    const dst = new DataTree();
    const r = dst.beginRestore();
    for (const sn of src.snapshotNodes()) r.node(sn.path, sn.data, sn.acl, { ...sn.stat });
    r.acls(src.acls.entries());
    r.finish(src.lastProcessedZxid);
    expect(dst.getACLOf(dst.getNode("/a/b")!)).toEqual(DIGEST);
    expect(dst.getACLOf(dst.getNode("/a/b/c")!)).toEqual(READ);
    expect(dst.digest()).toBe(src.digest());
  });

  it("copies the data it is given (the reader's buffers may be reused)", () => {
    const dst = new DataTree();
    const r = dst.beginRestore();
    const buf = Buffer.from("hello");
    const stat = { czxid: 1n, mzxid: 1n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 1n };
    r.node("", Buffer.alloc(0), -1, { ...stat });
    r.node("/x", buf, -1, stat);
    r.finish(1n);
    buf.fill(0);
    expect(dst.getNode("/x")!.data!.toString()).toBe("hello");
  });

  it("nodeBytes: the data given as a range of a buffer, copied; the same tree as node(), before and after changes", () => {
    const src = sample();
    // big data (its own copy, not a slab range) too
    new Driver(src).create("/big", "b".repeat(5000));
    const dst = new DataTree();
    const r = dst.beginRestore();
    r.acls(src.acls.entries());
    const scratch = Buffer.alloc(8192);
    for (const sn of src.snapshotNodes()) {
      // each node's data at another offset of one reused buffer, as a reader's window holds rows
      const at = sn.path.length % 7;
      if (sn.data !== null) sn.data.copy(scratch, at);
      r.nodeBytes(sn.path, scratch, sn.data === null ? -1 : at, sn.data === null ? -1 : at + sn.data.length, sn.acl, { ...sn.stat });
      scratch.fill(0x7e);
    }
    r.finish(src.lastProcessedZxid);
    expect(dst.getNode("/a/b")!.data).toBeNull();
    expect(dst.getNode("/a/b/c")!.data).toEqual(Buffer.alloc(0));
    // lengths and the snapshot's view of the data without a view kept; the view made once, on the first read
    const k3 = dst.getNode("/z/k3")!;
    expect(k3.dataLength).toBe(2);
    expect(k3.peekData()!.toString()).toBe("v3");
    expect(k3.data).toBe(k3.data);
    expect(k3.data!.toString()).toBe("v3");
    expect(dst.getNode("/big")!.dataLength).toBe(5000);
    expect(dump(dst)).toEqual(dump(src));
    expect(dst.digest()).toBe(src.digest());
    expect(dst.approximateDataSize()).toBe(src.approximateDataSize());
    for (const t of [src, dst]) {
      const d = new Driver(t);
      d.zxid = Number(t.lastProcessedZxid);
      d.set("/z/k5", "a new value");
      d.del("/z/k6");
    }
    expect(dst.getNode("/z/k5")!.dataLength).toBe(11);
    expect(dump(dst)).toEqual(dump(src));
    expect(dst.digest()).toBe(src.digest());
    expect(dst.approximateDataSize()).toBe(src.approximateDataSize());
  });

  it("throws on a node whose parent is missing, and abort() leaves a new tree", () => {
    const fresh = new DataTree();
    const dst = sample();
    const r = dst.beginRestore();
    const stat = { czxid: 1n, mzxid: 1n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 1n };
    r.node("", Buffer.alloc(0), -1, { ...stat });
    expect(() => r.node("/orphan/x", null, -1, { ...stat })).toThrow(/parent/);
    r.abort();
    expect(dump(dst)).toEqual(dump(fresh));
    expect(dst.digest()).toBe(fresh.digest());
    expect(dst.lastProcessedZxid).toBe(0n);
    expect(dst.approximateDataSize()).toBe(fresh.approximateDataSize());
  });

  it("finish() without a root is an invalid tree", () => {
    const r = new DataTree().beginRestore();
    expect(() => r.finish(0n)).toThrow(/no root/);
  });
});
