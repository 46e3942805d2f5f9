import { describe, expect, it } from "vitest";
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from "./acl.js";
import { OpCode } from "./constants.js";
import { DataTree } from "./datatree.js";
import { crc32 } from "./digest.js";
import { hdr } from "./testutil.test-util.js";

describe("tree digest (DigestCalculator v2 + AdHash)", () => {
  it("crc32 is java.util.zip.CRC32", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(Buffer.from("1234"), Buffer.from("56789"))).toBe(0xcbf43926);
  });

  // Golden values printed by ZooKeeper 3.8's own DataTree (org.apache.zookeeper.server.DataTree, Debian
  // zookeeper.jar) for the same sequence of createNode / setData / deleteNode / setACL calls.
  it("matches ZooKeeper's DataTree.getTreeDigest step by step", () => {
    const t = new DataTree();
    expect(t.digest()).toBe(1371985504n);
    t.processTxn(hdr(5, OpCode.create, 1n, 1000), {
      path: "/a", data: Buffer.from("hello"), acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: 1,
    });
    expect(t.digest()).toBe(6500970854n);
    t.processTxn(hdr(6, OpCode.create, 0x1234n, 2000), {
      path: "/a/b", data: null, acl: [...OPEN_ACL_UNSAFE], ephemeral: true, parentCVersion: 1,
    });
    expect(t.digest()).toBe(4521788996n);
    t.processTxn(hdr(7, OpCode.setData, 1n, 3000), { path: "/a", data: Buffer.from("x"), version: 1 });
    expect(t.digest()).toBe(5079116021n);
    t.processTxn(hdr(8, OpCode.delete), { path: "/a/b" });
    expect(t.digest()).toBe(6304408464n);
    t.processTxn(hdr(9, OpCode.setACL), { path: "/a", acl: [...READ_ACL_UNSAFE], version: 1 });
    expect(t.digest()).toBe(6080475085n);
  });

  it("is order-independent and returns to its value when a change is undone", () => {
    const a = new DataTree();
    const before = a.digest();
    a.processTxn(hdr(1, OpCode.create), { path: "/x", data: null, acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: 1 });
    expect(a.digest()).not.toBe(before);
    // checks and errors do not change the digest
    const d = a.digest();
    a.processTxn(hdr(2, OpCode.check), { path: "/x", version: 0 });
    a.processTxn(hdr(3, OpCode.error), { err: -101 });
    expect(a.digest()).toBe(d);
  });

  it("nodes under /zookeeper/ do not count and digests can be disabled", () => {
    const t = new DataTree();
    const d = t.digest();
    t.processTxn(hdr(1, OpCode.setData), { path: "/zookeeper/quota", data: Buffer.from("q"), version: 1 });
    expect(t.digest()).toBe(d);
    const off = new DataTree({ digestEnabled: false });
    off.processTxn(hdr(1, OpCode.create), { path: "/x", data: null, acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: 1 });
    expect(off.digest()).toBe(0n);
  });
});
