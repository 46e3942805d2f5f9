import { describe, expect, it } from "vitest";
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from "./acl.js";
import { OpCode } from "./constants.js";
import { DataTree } from "./datatree.js";
import { crc32, nodeDigest } from "./digest.js";
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

describe("processTxn's digest hints (node digests computed ahead)", () => {
  // `BOGUS` stands for a digest computed ahead: a hint used shows as the tree digest moving by it instead of by the
  // node's real digest, so these tests see which hints the apply took.
  const BOGUS = 12345;
  const create = (path: string, data: Buffer | null) => ({ path, data, acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: -1 });

  /** The tree digest after the same txns applied without hints. */
  function plain(txns: Array<[number, number, unknown]>): bigint {
    const t = new DataTree();
    for (const [z, type, txn] of txns) t.processTxn(hdr(z, type), txn);
    return t.digest();
  }

  it("uses a hint whose path, stat and data are exactly the applied node's", () => {
    const t = new DataTree();
    const data = Buffer.from("hello");
    const root = t.getNode("/")!;
    const rootDigestBefore = nodeDigest("/", root.data, root.stat);
    // the create as prep predicts it: the new node's stat, the root's (cversion 1, pzxid 5)
    const nodeStat = { czxid: 5n, mzxid: 5n, ctime: 1005n, mtime: 1005n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 5n };
    const rootStat = { ...root.stat, cversion: 1, pzxid: 5n };
    const before = t.digest();
    t.processTxn(hdr(5, OpCode.create), create("/a", data), undefined, undefined, [
      { path: "/", stat: rootStat, data: root.data, nodeDigest: BOGUS },
      { path: "/a", stat: nodeStat, data, nodeDigest: BOGUS + 1 },
    ]);
    // both hints taken: the tree's nodes carry them (the data was copied into the node: the hint named the source)
    expect(t.getNode("/")!.digest).toBe(BOGUS);
    expect(t.getNode("/a")!.digest).toBe(BOGUS + 1);
    expect(t.digest()).toBe(BigInt.asIntN(64, before - BigInt(rootDigestBefore) + BigInt(BOGUS) + BigInt(BOGUS + 1)));
  });

  it("computes the digest when a hint's stat or data differ from the applied node's, or names another path", () => {
    const data = Buffer.from("hello");
    const t = new DataTree();
    const root = t.getNode("/")!;
    const nodeStat = { czxid: 5n, mzxid: 5n, ctime: 1005n, mtime: 1005n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 5n };
    t.processTxn(hdr(5, OpCode.create), create("/a", data), undefined, undefined, [
      { path: "/", stat: { ...root.stat, cversion: 1, pzxid: 4n }, data: root.data, nodeDigest: BOGUS }, // pzxid differs
      { path: "/a", stat: nodeStat, data: Buffer.from("hellO"), nodeDigest: BOGUS }, // same length, other bytes
    ]);
    t.processTxn(hdr(6, OpCode.setData), { path: "/a", data: Buffer.from("x"), version: 1 }, undefined, undefined, [
      { path: "/b", stat: { ...nodeStat, mzxid: 6n, mtime: 1006n, version: 1 }, data: Buffer.from("x"), nodeDigest: BOGUS },
      { path: "/a", stat: { ...nodeStat, mzxid: 6n, mtime: 1006n, version: 2 }, data: Buffer.from("x"), nodeDigest: BOGUS },
    ]);
    const want = plain([
      [5, OpCode.create, create("/a", data)],
      [6, OpCode.setData, { path: "/a", data: Buffer.from("x"), version: 1 }],
    ]);
    expect(t.digest()).toBe(want);
    expect(t.getNode("/a")!.digest).toBe(nodeDigest("/a", Buffer.from("x"), t.getNode("/a")!.stat));
  });

  it("takes a multi's hints in order, each only for its own node state", () => {
    const data = Buffer.from("v");
    const t = new DataTree();
    t.processTxn(hdr(1, OpCode.create), create("/p", null));
    const p = t.getNode("/p")!;
    const s = (version: number, mzxid: bigint) => ({ czxid: 7n, mzxid, ctime: 1007n, mtime: 1007n, version, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 7n });
    const txns = [
      { type: OpCode.create, data: null, record: create("/p/a", data) },
      { type: OpCode.setData, data: null, record: { path: "/p/a", data, version: 1 } },
    ];
    // the create's hint for /p/a holds for the node as created (version 0), not once the setData made it version 1
    t.processTxn(hdr(7, OpCode.multi), { txns }, undefined, undefined, [
      { path: "/p", stat: { ...p.stat, cversion: 1, pzxid: 7n }, data: null, nodeDigest: BOGUS },
      { path: "/p/a", stat: s(0, 7n), data, nodeDigest: BOGUS + 1 },
      { path: "/p/a", stat: s(1, 7n), data, nodeDigest: BOGUS + 2 },
    ]);
    expect(t.getNode("/p")!.digest).toBe(BOGUS);
    expect(t.getNode("/p/a")!.digest).toBe(BOGUS + 2);
  });
});
