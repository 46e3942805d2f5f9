import { describe, expect, it } from "vitest";
import { CloseSessionTxn, CreateContainerTxn, CreateTTLTxn, decode, encode, type ACL } from "@zkts/jute";
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, digestOf } from "./acl.js";
import { CONTAINER_EPHEMERAL_OWNER, ErrorCode, EventType, OpCode, Perms } from "./constants.js";
import { DataTree } from "./datatree.js";
import { subTxnCodec, ttlEphemeralOwner } from "@zkts/client-wire";
import { Driver, TestWatcher, hdr, sub } from "./testutil.test-util.js";

const E = EventType;

describe("initial tree", () => {
  it("has the four nodes with ZooKeeper 3.8's stats (checked against a running 3.8.0)", () => {
    const t = new DataTree();
    expect(t.nodeCount()).toBe(4);
    const root = t.exists("/")!;
    expect(root).toMatchObject({ czxid: 0n, mzxid: 0n, pzxid: 0n, cversion: -1, version: 0, aversion: 0, numChildren: 1, dataLength: 0 });
    expect(t.exists("/zookeeper")).toMatchObject({ cversion: -2, numChildren: 2 });
    expect(t.exists("/zookeeper/quota")).toMatchObject({ cversion: 0, numChildren: 0, aversion: 0 });
    expect(t.exists("/zookeeper/config")).toMatchObject({ cversion: 0, aversion: -1 });
    expect(t.getACL("/zookeeper/config")!.acl).toEqual(READ_ACL_UNSAFE);
    expect(t.getACL("/")!.acl).toEqual(OPEN_ACL_UNSAFE);
    expect(t.getNode("/zookeeper/config")!.acl).toBe(1);
    expect(t.getNode("/")!.acl).toBe(-1);
    expect(t.getChildren("/")!.children).toEqual(["zookeeper"]);
    expect(t.getChildren("/zookeeper")!.children.sort()).toEqual(["config", "quota"]);
    expect(t.getNode("")).toBe(t.getNode("/"));
    expect(t.getAllChildrenNumber("/")).toBe(3);
    expect(t.isSpecialPath("/zookeeper/quota")).toBe(true);
    expect(t.lastProcessedZxid).toBe(0n);
  });
});

describe("stat bookkeeping", () => {
  it("create sets czxid/mzxid/pzxid/ctime/mtime and the parent's pzxid", () => {
    const t = new DataTree();
    const d = new Driver(t);
    const r = d.create("/a", "hello", { time: 5000 });
    expect(r).toMatchObject({ err: 0, path: "/a", zxid: 1n, type: OpCode.create });
    expect(r.stat).toMatchObject({ czxid: 1n, mzxid: 1n, pzxid: 1n, ctime: 5000n, mtime: 5000n, version: 0, dataLength: 5 });
    expect(t.exists("/")!.pzxid).toBe(1n);
    expect(t.lastProcessedZxid).toBe(1n);
    expect(t.getData("/a")!.data!.toString()).toBe("hello");
  });

  it("setData sets version from the txn, mzxid and mtime; ctime stays", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/a", "x", { time: 100 });
    const r = d.set("/a", "yy", 900);
    expect(r.err).toBe(0);
    expect(r.stat).toMatchObject({ version: 1, mzxid: 2n, mtime: 900n, ctime: 100n, czxid: 1n, dataLength: 2 });
    const r2 = t.processTxn(hdr(3, OpCode.setData), { path: "/a", data: null, version: 7 });
    expect(r2.stat).toMatchObject({ version: 7, dataLength: 0 });
    expect(t.getData("/a")!.data).toBeNull();
  });

  it("setACL sets aversion and the ACL; check changes nothing", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/a");
    const acl: ACL[] = [{ perms: Perms.READ, id: { scheme: "digest", id: digestOf("u", "p") } }];
    const r = t.processTxn(hdr(2, OpCode.setACL), { path: "/a", acl, version: 1 });
    expect(r.stat!.aversion).toBe(1);
    expect(t.getACL("/a")!.acl).toEqual(acl);
    const before = t.exists("/a");
    const c = t.processTxn(hdr(3, OpCode.check), { path: "/a", version: 0 });
    expect(c).toMatchObject({ err: 0, path: "/a", zxid: 3n });
    expect(t.exists("/a")).toEqual(before);
    expect(t.lastProcessedZxid).toBe(3n);
  });

  it("cversion: client view is 2*creates - children (ZooKeeper 3.8); pzxid follows creates and deletes", () => {
    // Sequence observed on a running ZooKeeper 3.8.0 with kazoo:
    // new (0,0) create a (1,1) delete a (2,0) create b (3,1) create s-0000000002 (4,2) delete b (5,1) s-3 (6,2)
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/x");
    const cv = () => [t.exists("/x")!.cversion, t.exists("/x")!.numChildren];
    expect(cv()).toEqual([0, 0]);
    d.create("/x/a");
    expect(cv()).toEqual([1, 1]);
    d.del("/x/a");
    expect(cv()).toEqual([2, 0]);
    expect(t.exists("/x")!.pzxid).toBe(3n);
    d.create("/x/b");
    expect(cv()).toEqual([3, 1]);
    expect(t.getNode("/x")!.stat.cversion).toBe(2); // the sequential suffix for the next create
    d.create("/x/s-0000000002");
    expect(cv()).toEqual([4, 2]);
    d.del("/x/b");
    expect(cv()).toEqual([5, 1]);
    expect(t.getNode("/x")!.stat.cversion).toBe(3);
    d.create("/x/s-0000000003");
    expect(cv()).toEqual([6, 2]);
    expect(t.exists("/x")!.pzxid).toBe(BigInt(d.zxid));
  });

  it("parentCVersion -1 means current+1; a lower one does not move cversion or pzxid back", () => {
    const t = new DataTree();
    const mk = (z: number, path: string, pcv: number) =>
      t.processTxn(hdr(z, OpCode.create), { path, data: null, acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: pcv });
    mk(1, "/p", -1);
    mk(2, "/p/a", 5);
    expect(t.getNode("/p")!.stat).toMatchObject({ cversion: 5, pzxid: 2n });
    mk(3, "/p/b", 3);
    expect(t.getNode("/p")!.stat).toMatchObject({ cversion: 5, pzxid: 2n });
    mk(4, "/p/c", -1);
    expect(t.getNode("/p")!.stat).toMatchObject({ cversion: 6, pzxid: 4n });
  });

  it("getAllChildrenNumber counts every descendant", () => {
    const t = new DataTree();
    const d = new Driver(t);
    for (const p of ["/a", "/a/b", "/a/b/c", "/a/d", "/ab"]) d.create(p);
    expect(t.getAllChildrenNumber("/a")).toBe(3);
    expect(t.getAllChildrenNumber("/a/b/c")).toBe(0);
    expect(t.getAllChildrenNumber("/nope")).toBe(0);
    expect(t.getAllChildrenNumber("/")).toBe(8);
  });
});

describe("errors while applying are results, never throws", () => {
  it("NODEEXISTS, NONODE, NOTEMPTY, BADARGUMENTS and junk", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/a");
    expect(d.create("/a").err).toBe(ErrorCode.NODEEXISTS);
    expect(d.create("/missing/child").err).toBe(ErrorCode.NONODE);
    expect(d.del("/nope").err).toBe(ErrorCode.NONODE);
    expect(d.set("/nope", "x").err).toBe(ErrorCode.NONODE);
    d.create("/a/b");
    expect(d.del("/a").err).toBe(ErrorCode.NOTEMPTY);
    expect(d.del("/").err).toBe(ErrorCode.BADARGUMENTS);
    expect(t.processTxn(hdr(50, OpCode.create), { path: "nope" } as never).err).toBe(ErrorCode.BADARGUMENTS);
    expect(t.processTxn(hdr(51, OpCode.setData), null).err).not.toBe(0);
    expect(t.processTxn(hdr(52, 9999), {}).err).toBe(0);
    expect(t.processTxn(hdr(53, OpCode.error), { err: -101 })).toMatchObject({ err: -101, zxid: 53n });
    expect(t.lastProcessedZxid).toBe(53n);
    expect(t.nodeCount()).toBe(6);
  });

  it("a replayed create that meets its node still advances the parent's cversion and pzxid", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/a");
    d.create("/a/b");
    const r = t.processTxn(hdr(10, OpCode.create), { path: "/a/b", data: null, acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: 4 });
    expect(r.err).toBe(ErrorCode.NODEEXISTS);
    expect(t.getNode("/a")!.stat).toMatchObject({ cversion: 4, pzxid: 10n });
  });
});

describe("multi", () => {
  it("applies every sub-txn with one zxid", () => {
    const t = new DataTree();
    const r = t.processTxn(hdr(1, OpCode.multi), {
      txns: [sub.create("/m", 1, "a"), sub.create("/m/c", 1), sub.set("/m", "b", 1), sub.check("/m", 1), sub.del("/m/c")],
    });
    expect(r.err).toBe(0);
    expect(r.multiResult!.map((x) => [x.type, x.err, x.path])).toEqual([
      [OpCode.create, 0, "/m"],
      [OpCode.create, 0, "/m/c"],
      [OpCode.setData, 0, "/m"],
      [OpCode.check, 0, "/m"],
      [OpCode.delete, 0, "/m/c"],
    ]);
    expect(t.getData("/m")!.stat).toMatchObject({ czxid: 1n, mzxid: 1n, version: 1 });
    expect(t.getData("/m")!.data!.toString()).toBe("b");
    expect(t.getNode("/m/c")).toBeUndefined();
    expect(t.lastProcessedZxid).toBe(1n);
  });

  it("a multi carrying an ErrorTxn applies nothing: 0 before, the code, -2 after", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/keep", "v");
    const digest = t.digest();
    const w = new TestWatcher();
    t.exists("/n1", w);
    const r = t.processTxn(hdr(2, OpCode.multi), {
      txns: [sub.create("/n1", 2), sub.set("/keep", "changed", 1), sub.error(ErrorCode.BADVERSION), sub.create("/n2", 3), sub.del("/keep")],
    });
    expect(r.err).toBe(ErrorCode.BADVERSION);
    expect(r.multiResult!.map((x) => [x.type, x.err])).toEqual([
      [OpCode.error, 0],
      [OpCode.error, 0],
      [OpCode.error, ErrorCode.BADVERSION],
      [OpCode.error, ErrorCode.RUNTIMEINCONSISTENCY],
      [OpCode.error, ErrorCode.RUNTIMEINCONSISTENCY],
    ]);
    expect(t.getNode("/n1")).toBeUndefined();
    expect(t.getData("/keep")!.data!.toString()).toBe("v");
    expect(t.digest()).toBe(digest);
    expect(w.take()).toEqual([]);
    expect(t.lastProcessedZxid).toBe(2n);
  });

  it("sub-txns carrying their decoded record apply the record (their data is not decoded): same results as decoding", () => {
    const lists = [
      [sub.create("/m", 1, "a"), sub.create("/m/c", 1), sub.set("/m", "b", 1), sub.check("/m", 1), sub.del("/m/c")],
      [sub.create("/n1", 2), sub.set("/m", "changed", 2), sub.error(ErrorCode.BADVERSION), sub.create("/n2", 3)],
    ];
    const decoded = new DataTree();
    const prepared = new DataTree();
    lists.forEach((txns, k) => {
      const withRecords = txns.map((t) => ({ type: t.type, data: Buffer.from([1, 2]), record: decode(subTxnCodec(t.type), t.data) }));
      const a = decoded.processTxn(hdr(k + 1, OpCode.multi), { txns });
      const b = prepared.processTxn(hdr(k + 1, OpCode.multi), { txns: withRecords });
      expect(b).toEqual(a);
      expect(prepared.digest()).toBe(decoded.digest());
    });
    expect(prepared.getData("/m")!.data!.toString()).toBe("b");
    expect(prepared.getNode("/n1")).toBeUndefined();
  });

  it("undecodable sub-txns are reported, not thrown", () => {
    const t = new DataTree();
    const r = t.processTxn(hdr(1, OpCode.multi), { txns: [{ type: OpCode.create, data: Buffer.from([1, 2]) }, { type: 77, data: Buffer.alloc(0) }] });
    expect(r.multiResult!.map((x) => x.err)).toEqual([ErrorCode.MARSHALLINGERROR, ErrorCode.MARSHALLINGERROR]);
  });
});

describe("children order (insertion order, as a JS Set)", () => {
  it("getChildren keeps the order children were added through many deletes and re-creates", () => {
    const tree = new DataTree();
    const d = new Driver(tree);
    d.create("/p", "");
    const model = new Set<string>();
    const add = (name: string) => {
      expect(d.create(`/p/${name}`, "x").err).toBe(0);
      model.add(name);
    };
    const del = (name: string) => {
      expect(d.del(`/p/${name}`).err).toBe(0);
      model.delete(name);
    };
    for (let i = 0; i < 200; i++) add(`c${i}`);
    // deletes enough for the removed entries to be compacted away, more than once, then names back again
    for (let i = 0; i < 200; i += 3) del(`c${i}`);
    for (let i = 1; i < 150; i += 3) del(`c${i}`);
    add("c0");
    add("new");
    for (let i = 2; i < 120; i += 3) del(`c${i}`);
    add("c1");
    expect(tree.getChildren("/p")!.children).toEqual([...model]);
    expect(tree.exists("/p")!.numChildren).toBe(model.size);
    const p = tree.getNode("/p")!;
    expect(p.childList().includes("new")).toBe(true);
    expect(p.childList().includes("c3")).toBe(false);
    // each child knows its index in the parent's list (a delete finds it there in O(1)): increasing in order
    const slots = [...model].map((name) => tree.getNode(`/p/${name}`)!.slot);
    expect(slots.every((x, i) => x >= 0 && (i === 0 || x > slots[i - 1]!))).toBe(true);
    expect(slots[slots.length - 1]).toBeLessThan(2 * model.size + 17);
    // every child still found and removed by its node after the compactions: the list ends empty
    for (const name of [...model]) del(name);
    expect(tree.getChildren("/p")!.children).toEqual([]);
    expect(p.numChildren).toBe(0);
    expect(d.del("/p").err).toBe(0);
  });

  it("a delete of a child that is not there (a fuzzy snapshot's replay) leaves the children, touches the parent's pzxid", () => {
    const tree = new DataTree();
    const d = new Driver(tree);
    d.create("/p", "");
    for (const c of ["a", "b", "c"]) d.create(`/p/${c}`, "x");
    d.del("/p/b");
    expect(d.del("/p/b").err).toBe(ErrorCode.NONODE);
    expect(tree.getNode("/p")!.stat.pzxid).toBe(BigInt(d.zxid));
    expect(tree.getChildren("/p")!.children).toEqual(["a", "c"]);
    expect(tree.exists("/p")!.numChildren).toBe(2);
  });
});

describe("ephemerals, sessions", () => {
  it("ephemeral owner is the client id; closeSession deletes the session's ephemerals", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/app");
    d.create("/app/e1", "", { ephemeral: true, session: 0x100n });
    d.create("/app/e2", "", { ephemeral: true, session: 0x100n });
    d.create("/other", "", { ephemeral: true, session: 0x200n });
    expect(t.exists("/app/e1")!.ephemeralOwner).toBe(0x100n);
    expect(t.getEphemerals(0x100n).sort()).toEqual(["/app/e1", "/app/e2"]);
    expect(t.getEphemerals(0x100n, "/app/e1")).toEqual(["/app/e1"]);
    expect(t.getEphemerals(0x100n, "/")).toHaveLength(2);
    expect(t.ephemeralsCount()).toBe(3);
    const w = new TestWatcher(9n);
    t.getChildren("/app", w);
    t.exists("/app/e1", w);
    t.processTxn(hdr(10, OpCode.createSession, 0x300n), { timeOut: 30000 });
    const r = t.processTxn(hdr(11, OpCode.closeSession, 0x100n), { paths2Delete: ["/app/e2", "/app/e1"] });
    expect(r.err).toBe(0);
    expect(t.getNode("/app/e1")).toBeUndefined();
    expect(t.getNode("/app/e2")).toBeUndefined();
    expect(t.getNode("/other")).toBeDefined();
    expect(t.getEphemerals(0x100n)).toEqual([]);
    expect(t.exists("/app")!.pzxid).toBe(11n);
    expect(w.take().sort()).toEqual([`${E.NodeDeleted} /app/e1`, `${E.NodeChildrenChanged} /app`]);
    // closeSession without a txn body (older logs) still removes what the tree knows
    t.processTxn(hdr(12, OpCode.closeSession, 0x200n), null);
    expect(t.getNode("/other")).toBeUndefined();
  });

  it("deleting an ephemeral by hand removes it from the session", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/e", "", { ephemeral: true, session: 5n });
    d.del("/e");
    expect(t.getEphemerals(5n)).toEqual([]);
    expect(t.allEphemerals().size).toBe(0);
  });
});

describe("containers and TTL nodes", () => {
  const mkContainer = (t: DataTree, z: number, path: string, time = 1000) =>
    t.processTxn(hdr(z, OpCode.createContainer, 1n, time), { path, data: Buffer.alloc(0), acl: [...OPEN_ACL_UNSAFE], parentCVersion: -1 });
  const mkTtl = (t: DataTree, z: number, path: string, ttl: bigint, time = 1000) =>
    t.processTxn(hdr(z, OpCode.createTTL, 1n, time), { path, data: Buffer.alloc(0), acl: [...OPEN_ACL_UNSAFE], parentCVersion: -1, ttl });

  it("containers: Long.MIN_VALUE owner (0 to clients); candidates when childless with cversion > 0", () => {
    const t = new DataTree();
    const d = new Driver(t);
    const r = mkContainer(t, 1, "/c");
    d.zxid = 1;
    expect(r.stat!.ephemeralOwner).toBe(0n);
    expect(t.getNode("/c")!.stat.ephemeralOwner).toBe(CONTAINER_EPHEMERAL_OWNER);
    expect(t.containerAndTtlCandidates(10_000_000)).toEqual([]); // never used
    d.create("/c/child");
    expect(t.containerAndTtlCandidates(10_000_000)).toEqual([]); // has a child
    d.del("/c/child");
    expect(t.containerAndTtlCandidates(0)).toEqual(["/c"]);
    const del = t.processTxn(hdr(9, OpCode.deleteContainer), { path: "/c" });
    expect(del.err).toBe(0);
    expect(t.containerPaths()).toEqual([]);
  });

  it("never-used containers are reaped only with maxNeverUsedIntervalMs", () => {
    const t = new DataTree({ maxNeverUsedIntervalMs: 500 });
    mkContainer(t, 1, "/c", 1000);
    expect(t.containerAndTtlCandidates(1500)).toEqual([]);
    expect(t.containerAndTtlCandidates(1501)).toEqual(["/c"]);
  });

  it("TTL: owner 0xFF00..|ttl, candidates when childless and now - mtime > ttl", () => {
    const t = new DataTree();
    const r = mkTtl(t, 1, "/t", 5000n, 1000);
    expect(r.err).toBe(0);
    expect(r.stat!.ephemeralOwner).toBe(0n);
    expect(t.getNode("/t")!.stat.ephemeralOwner).toBe(ttlEphemeralOwner(5000n));
    expect(BigInt.asUintN(64, ttlEphemeralOwner(5000n))).toBe(0xff00000000001388n);
    expect(t.containerAndTtlCandidates(6000)).toEqual([]);
    expect(t.containerAndTtlCandidates(6001)).toEqual(["/t"]);
    // setData refreshes mtime
    t.processTxn(hdr(2, OpCode.setData, 1n, 6000), { path: "/t", data: Buffer.from("x"), version: 1 });
    expect(t.containerAndTtlCandidates(6001)).toEqual([]);
    // a child keeps it
    t.processTxn(hdr(3, OpCode.create), { path: "/t/k", data: null, acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: -1 });
    expect(t.containerAndTtlCandidates(1e9)).toEqual([]);
    expect(t.ttlPaths()).toEqual(["/t"]);
    expect(mkTtl(t, 4, "/bad", 0n).err).toBe(ErrorCode.BADARGUMENTS);
  });

  it("multi sub-txns of container and TTL kinds decode", () => {
    const t = new DataTree();
    const r = t.processTxn(hdr(1, OpCode.multi), {
      txns: [
        { type: OpCode.createContainer, data: encode(CreateContainerTxn, { path: "/c", data: null, acl: [...OPEN_ACL_UNSAFE], parentCVersion: 1 }) },
        { type: OpCode.createTTL, data: encode(CreateTTLTxn, { path: "/t", data: null, acl: [...OPEN_ACL_UNSAFE], parentCVersion: 2, ttl: 10n }) },
      ],
    });
    expect(r.err).toBe(0);
    expect(t.containerPaths()).toEqual(["/c"]);
    expect(t.ttlPaths()).toEqual(["/t"]);
    expect(encode(CloseSessionTxn, { paths2Delete: [] }).length).toBe(4);
  });
});

describe("per-namespace read/write byte summaries (mntr)", () => {
  it("counts reads and writes under the top-level name, as ZooKeeper's DataTree", () => {
    const t = new DataTree();
    const d = new Driver(t);
    d.create("/app", "hello");
    d.create("/app/kid", "xy");
    d.set("/app/kid", "abcd");
    d.del("/app/kid");
    t.getData("/app");
    t.exists("/app");
    t.getChildren("/app");
    t.getData("/nope");
    const { read, write } = t.namespaceStats();
    expect(write.get("app")).toEqual({ count: 4, sum: 5 + 2 + 4 + 0, min: 0, max: 5 });
    expect(read.get("app")).toEqual({ count: 3, sum: 5, min: 0, max: 5 });
    expect(read.has("nope")).toBe(false);
    t.getChildren("/");
    expect([...read.keys()]).toEqual(["app"]);
  });
});

describe("processTxn with a node hint (setData)", () => {
  it("uses a live hint, and looks the path up again when the hinted node left the tree", () => {
    const tree = new DataTree();
    const d = new Driver(tree);
    d.create("/a", "1");
    const before = tree.getNode("/a")!;
    let rc = tree.processTxn(hdr(++d.zxid, OpCode.setData), { path: "/a", data: Buffer.from("2"), version: 1 }, before);
    expect(rc.err).toBe(0);
    expect(tree.getNode("/a")!.data!.toString()).toBe("2");
    // /a deleted and created again: the old node is detached, the txn goes to the new one
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/a" });
    expect(before.detached).toBe(true);
    d.create("/a", "3");
    rc = tree.processTxn(hdr(++d.zxid, OpCode.setData), { path: "/a", data: Buffer.from("4"), version: 1 }, before);
    expect(rc.err).toBe(0);
    expect(tree.getNode("/a")!.data!.toString()).toBe("4");
    expect(tree.getNode("/a")!.stat.version).toBe(1);
    expect(before.data!.toString()).toBe("2");
    // a detached hint for a path that is gone: NONODE, as without a hint
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/a" });
    rc = tree.processTxn(hdr(++d.zxid, OpCode.setData), { path: "/a", data: Buffer.from("5"), version: 2 }, before);
    expect(rc.err).toBe(ErrorCode.NONODE);
  });
});

describe("processTxn with node hints (a create's parent, a delete's node and parent, never inside a multi)", () => {
  const createTxn = (path: string) => ({ path, data: Buffer.from("x"), acl: OPEN_ACL_UNSAFE, ephemeral: false, parentCVersion: -1 });
  it("a create uses its parent's live node, and looks the parent up again when that node left the tree", () => {
    const tree = new DataTree();
    const d = new Driver(tree);
    d.create("/p", "");
    const old = tree.getNode("/p")!;
    let rc = tree.processTxn(hdr(++d.zxid, OpCode.create), createTxn("/p/a"), undefined, old);
    expect(rc.err).toBe(0);
    expect(old.childList()).toEqual(["a"]);
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/p/a" });
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/p" });
    d.create("/p", "");
    // the detached node is not the parent any more: the child goes under the node now at /p
    rc = tree.processTxn(hdr(++d.zxid, OpCode.create), createTxn("/p/b"), undefined, old);
    expect(rc.err).toBe(0);
    expect(tree.getChildren("/p")!.children).toEqual(["b"]);
    expect(tree.exists("/p")!.cversion).toBe(1);
    expect(old.childList()).toEqual([]);
    expect(tree.getNode("/p")!.stat.pzxid).toBe(BigInt(d.zxid));
  });
  it("without hints, a create under the parent of the create before reuses that node only while it is in the tree", () => {
    const tree = new DataTree();
    const d = new Driver(tree);
    d.create("/p", "");
    expect(tree.processTxn(hdr(++d.zxid, OpCode.create), createTxn("/p/a")).err).toBe(0);
    const old = tree.getNode("/p")!;
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/p/a" });
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/p" });
    d.create("/p", "");
    expect(tree.processTxn(hdr(++d.zxid, OpCode.create), createTxn("/p/b")).err).toBe(0);
    expect(tree.getChildren("/p")!.children).toEqual(["b"]);
    expect(tree.getNode("/p")!.stat.pzxid).toBe(BigInt(d.zxid));
    expect(old.childList()).toEqual([]);
    // a restore replaces every node: the next create finds the restored parent
    const q = tree.getNode("/p")!;
    const stat = { ...q.stat };
    const root = { ...tree.getNode("/")!.stat };
    tree.restore([], [{ path: "/", data: null, acl: -1, stat: root }, { path: "/p", data: null, acl: -1, stat }], BigInt(d.zxid));
    expect(tree.processTxn(hdr(++d.zxid, OpCode.create), createTxn("/p/c")).err).toBe(0);
    expect(tree.getChildren("/p")!.children).toEqual(["c"]);
    expect(q.childList()).toEqual(["b"]);
  });
  it("a delete uses its node's and its parent's live nodes, and looks a path up again when its node left the tree", () => {
    const tree = new DataTree();
    const d = new Driver(tree);
    d.create("/p", "");
    d.create("/p/a", "1");
    const oldP = tree.getNode("/p")!;
    const old = tree.getNode("/p/a")!;
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/p/a" }, old, oldP);
    expect(tree.getNode("/p/a")).toBeUndefined();
    expect(tree.getChildren("/p")!.children).toEqual([]);
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/p" });
    d.create("/p", "");
    d.create("/p/a", "2");
    // detached hints: the nodes now at /p and /p/a are the ones changed
    const rc = tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/p/a" }, old, oldP);
    expect(rc.err).toBe(0);
    expect(tree.getNode("/p/a")).toBeUndefined();
    expect(tree.getChildren("/p")!.children).toEqual([]);
    expect(tree.getNode("/p")!.stat.pzxid).toBe(BigInt(d.zxid));
    expect(tree.nodeCount()).toBe(5);
  });
  it("a multi's sub-txns never take the hint", () => {
    const tree = new DataTree();
    const d = new Driver(tree);
    d.create("/a", "1");
    d.create("/b", "1");
    const a = tree.getNode("/a")!;
    const setB = sub.set("/b", "2", 1);
    const rc = tree.processTxn(hdr(++d.zxid, OpCode.multi), { txns: [setB, sub.create("/b/c", 1)] }, a, a);
    expect(rc.err).toBe(0);
    expect(tree.getNode("/b")!.data!.toString()).toBe("2");
    expect(a.data!.toString()).toBe("1");
    expect(tree.getChildren("/b")!.children).toEqual(["c"]);
    expect(a.numChildren).toBe(0);
  });
});

describe("snapshotNodes while the tree changes (fuzzy snapshot)", () => {
  it("parents first, no path twice, nodes created after it started left out", () => {
    const tree = new DataTree();
    const d = new Driver(tree);
    d.create("/a", "1");
    d.create("/a/x", "2");
    d.create("/b", "3");
    d.create("/b/y", "4");
    const it = tree.snapshotNodes();
    const seen: string[] = [];
    const take = (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = it.next();
        if (r.done) return;
        seen.push(r.value.path);
      }
    };
    take(3); // "", "/zookeeper", ... whatever comes first
    // /a deleted and made again with a new child; /b/y changed; /c new
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/a/x" });
    tree.processTxn(hdr(++d.zxid, OpCode.delete), { path: "/a" });
    d.create("/a", "5");
    d.create("/a/z", "6");
    d.create("/c", "7");
    take(100);
    expect(new Set(seen).size).toBe(seen.length);
    for (const p of seen) {
      if (p === "") continue;
      const parent = p.slice(0, p.lastIndexOf("/")) || "";
      expect(seen.indexOf(parent), `${p} after its parent`).toBeLessThan(seen.indexOf(p));
    }
    expect(seen).not.toContain("/c");
    expect(seen).not.toContain("/a/z");
    expect(seen).toContain("/b/y");
  });
});
