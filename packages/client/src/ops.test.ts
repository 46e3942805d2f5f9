import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BadArgumentsError,
  BadVersionError,
  connect,
  CreateMode,
  ErrorCode,
  Ids,
  InvalidACLError,
  KeeperError,
  NoAuthError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  Perms,
  TransactionError,
  type ZooKeeperClient,
} from "./index.js";
import { describeServers, uniq } from "./testing/helpers.js";
import { createHash } from "node:crypto";

const digest = (user: string, pass: string) =>
  `${user}:${createHash("sha1").update(`${user}:${pass}`).digest("base64")}`;

async function rejectsWith(p: Promise<unknown>, cls: new (...a: any[]) => KeeperError, path?: string): Promise<KeeperError> {
  const e = await p.then(
    () => {
      throw new Error(`expected ${cls.name}`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(cls);
  expect(e).toBeInstanceOf(KeeperError);
  if (path !== undefined) expect((e as KeeperError).path).toBe(path);
  return e as KeeperError;
}

describeServers("operations", (server, kind) => {
  let zk: ZooKeeperClient;
  beforeAll(async () => {
    zk = await connect(server().connectString, { sessionTimeout: 4000 });
  });
  afterAll(async () => {
    await zk?.close();
  });

  it("create returns path and stat; getData, exists, setData round-trip", async () => {
    const p = uniq("crud");
    const { path, stat } = await zk.create(p, "hello");
    expect(path).toBe(p);
    expect(stat.version).toBe(0);
    expect(stat.dataLength).toBe(5);
    expect(stat.ephemeralOwner).toBe(0n);
    expect(zk.lastZxid).toBeGreaterThanOrEqual(stat.czxid);
    const got = await zk.getData(p);
    expect(got.data?.toString()).toBe("hello");
    expect(got.stat).toEqual(stat);
    expect(await zk.exists(p)).toEqual(stat);
    expect(await zk.exists(p + "-missing")).toBeNull();
    const s2 = await zk.setData(p, Buffer.from([1, 2, 3]), { version: 0 });
    expect(s2.version).toBe(1);
    expect((await zk.getData(p)).data).toEqual(Buffer.from([1, 2, 3]));
    const e = await rejectsWith(zk.setData(p, "x", { version: 7 }), BadVersionError, p);
    expect(e.code).toBe(ErrorCode.BADVERSION);
    expect(e.message).toBe(`KeeperErrorCode = BadVersion for ${p}`);
    await zk.delete(p, { version: 1 });
    expect(await zk.exists(p)).toBeNull();
  });

  it("null and empty data stay distinct", async () => {
    const p = uniq("null");
    await zk.create(p);
    expect((await zk.getData(p)).data).toBeNull();
    await zk.setData(p, Buffer.alloc(0));
    const d = (await zk.getData(p)).data;
    expect(d === null || d.length === 0).toBe(true);
  });

  it("typed errors carry the code and the path", async () => {
    const p = uniq("err");
    await rejectsWith(zk.create(`${p}/child`), NoNodeError, `${p}/child`);
    await zk.create(p);
    await rejectsWith(zk.create(p), NodeExistsError, p);
    await zk.create(`${p}/c`);
    await rejectsWith(zk.delete(p), NotEmptyError, p);
    await rejectsWith(zk.delete(`${p}/c`, { version: 3 }), BadVersionError, `${p}/c`);
    await rejectsWith(zk.delete(`${p}/zz`), NoNodeError, `${p}/zz`);
    await rejectsWith(zk.getData(`${p}/zz`), NoNodeError);
    await rejectsWith(zk.getChildren(`${p}/zz`), NoNodeError);
    await rejectsWith(zk.setData(`${p}/zz`, "x"), NoNodeError);
    await rejectsWith(zk.getACL(`${p}/zz`), NoNodeError);
    // Server-side BADARGUMENTS: the reserved nodes cannot be deleted.
    await rejectsWith(zk.delete("/zookeeper"), BadArgumentsError, "/zookeeper");
    // Client-side path validation gives the same typed error without a round trip.
    await rejectsWith(zk.getData("no-slash"), BadArgumentsError);
    await rejectsWith(zk.create("/a/"), BadArgumentsError);
    await rejectsWith(zk.exists("/a/../b"), BadArgumentsError);
  });

  it("sequential, ephemeral, container and TTL modes", async () => {
    const p = uniq("modes");
    await zk.create(p);
    const s1 = await zk.create(`${p}/seq-`, null, { mode: "persistentSequential" });
    const s2 = await zk.create(`${p}/seq-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL });
    expect(s1.path).toBe(`${p}/seq-0000000000`);
    expect(s2.path).toBe(`${p}/seq-0000000001`);
    const e = await zk.create(`${p}/eph`, "e", { mode: "ephemeral" });
    expect(e.stat.ephemeralOwner).toBe(zk.sessionId);
    await rejectsWith(zk.create(`${p}/eph/x`), NoChildrenForEphemeralsError, `${p}/eph/x`);
    const es = await zk.create(`${p}/es-`, null, { mode: "ephemeralSequential" });
    expect(es.path).toMatch(/\/es-\d{10}$/);
    expect((await zk.getEphemerals(p)).sort()).toEqual([`${p}/eph`, es.path].sort());
    const c = await zk.create(`${p}/container`, null, { mode: "container" });
    // The reference 3.8 server reports ephemeralOwner 0 for a container in its stat (not Long.MIN_VALUE).
    expect(c.stat.ephemeralOwner).toBe(0n);
    expect((await zk.exists(`${p}/container`))?.ephemeralOwner).toBe(0n);
    const t = await zk.create(`${p}/ttl`, null, { mode: "persistentWithTTL", ttl: 60_000 });
    // Likewise a TTL node's stat shows ephemeralOwner 0 on the 3.8 reference (the TTL is kept internally).
    expect(t.stat.ephemeralOwner).toBe(0n);
    const ts = await zk.create(`${p}/ttls-`, null, { mode: "persistentSequentialWithTTL", ttl: 1000 });
    expect(ts.path).toMatch(/\/ttls-\d{10}$/);
    await rejectsWith(zk.create(`${p}/badttl`, null, { mode: "persistentWithTTL", ttl: 0 }), BadArgumentsError);
    expect(await zk.getAllChildrenNumber(p)).toBe(7);
  });

  it("getChildren, getChildrenWithStat, sync", async () => {
    const p = uniq("kids");
    await zk.create(p);
    await Promise.all(["a", "b", "c"].map((n) => zk.create(`${p}/${n}`)));
    expect((await zk.getChildren(p)).sort()).toEqual(["a", "b", "c"]);
    const r = await zk.getChildrenWithStat(p);
    expect(r.children.sort()).toEqual(["a", "b", "c"]);
    expect(r.stat.numChildren).toBe(3);
    expect(r.stat.cversion).toBe(3);
    expect(await zk.sync(p)).toBe(p);
  });

  it("ACLs: getACL, setACL, digest auth, whoAmI, NoAuth and InvalidACL", async () => {
    const p = uniq("acl");
    const { acl, stat } = await zk.getACL("/");
    expect(acl).toEqual(Ids.OPEN_ACL_UNSAFE);
    expect(stat.aversion).toBe(0);
    await zk.create(p, "secret");
    await rejectsWith(zk.create(`${p}/creator`, null, { acl: Ids.CREATOR_ALL_ACL as any }), InvalidACLError);
    await rejectsWith(zk.create(`${p}/empty`, null, { acl: [] }), InvalidACLError);

    const owner = await connect(server().connectString, { sessionTimeout: 4000 });
    try {
      await owner.addAuth("digest", "alice:pw");
      const who = await owner.whoAmI();
      expect(who).toContainEqual({ authScheme: "digest", user: "alice" });
      expect(who).toContainEqual({ authScheme: "ip", user: "127.0.0.1" });
      await owner.create(`${p}/mine`, "m", { acl: Ids.CREATOR_ALL_ACL as any });
      const got = await owner.getACL(`${p}/mine`);
      expect(got.acl).toEqual([{ perms: Perms.ALL, id: { scheme: "digest", id: digest("alice", "pw") } }]);
      await rejectsWith(zk.getData(`${p}/mine`), NoAuthError, `${p}/mine`);
      await rejectsWith(zk.setData(`${p}/mine`, "x"), NoAuthError);
      const s = await owner.setACL(`${p}/mine`, [{ perms: Perms.READ, id: { scheme: "world", id: "anyone" } }], { version: 0 });
      expect(s.aversion).toBe(1);
      expect((await zk.getData(`${p}/mine`)).data?.toString()).toBe("m");
      await rejectsWith(owner.setACL(`${p}/mine`, Ids.OPEN_ACL_UNSAFE as any, { version: 0 }), NoAuthError);
    } finally {
      await owner.close();
    }
  });

  it("transaction builder: per-op results, and a typed error naming the failing op", async () => {
    const p = uniq("txn");
    await zk.create(p, "v0");
    const results = await zk
      .transaction()
      .create(`${p}/a`, "A")
      .create(`${p}/s-`, null, { mode: "persistentSequential" })
      .setData(p, "v1", 0)
      .check(p, 1)
      .delete(`${p}/a`)
      .commit();
    expect(results.map((r) => r.type)).toEqual(["create", "create", "setData", "check", "delete"]);
    expect(results[0]).toMatchObject({ type: "create", path: `${p}/a` });
    expect(results[1]).toMatchObject({ type: "create", path: `${p}/s-0000000001` });
    expect(results[2]!.type === "setData" && results[2]!.stat.version).toBe(1);
    expect((await zk.getChildren(p)).sort()).toEqual(["s-0000000001"]);

    const e = (await zk
      .transaction()
      .create(`${p}/b`)
      .check(p, 42)
      .delete(`${p}/nope`)
      .commit()
      .catch((x: unknown) => x)) as TransactionError;
    expect(e).toBeInstanceOf(TransactionError);
    expect(e.code).toBe(ErrorCode.BADVERSION);
    expect(e.index).toBe(1);
    expect(e.path).toBe(p);
    expect(e.opType).toBe("check");
    expect(e.failure).toBeInstanceOf(BadVersionError);
    expect(e.errors.map((x) => x?.code ?? 0)).toEqual([0, ErrorCode.BADVERSION, ErrorCode.RUNTIMEINCONSISTENCY]);
    expect(await zk.exists(`${p}/b`)).toBeNull();
  });

  it("multiRead answers each op on its own", async () => {
    const p = uniq("mread");
    await zk.create(p, "d");
    await zk.create(`${p}/k`);
    const r = await zk.multiRead([
      { type: "getData", path: p },
      { type: "getChildren", path: p },
      { type: "getData", path: `${p}/missing` },
    ]);
    expect(r[0]).toMatchObject({ type: "getData" });
    expect(r[0]!.type === "getData" && r[0]!.data?.toString()).toBe("d");
    expect(r[1]).toEqual({ type: "getChildren", children: ["k"] });
    expect(r[2]!.type).toBe("error");
    expect(r[2]!.type === "error" && r[2]!.error).toBeInstanceOf(NoNodeError);
  });

  it("chroot: paths, sequential names, ephemerals and multi results are relative", async () => {
    const root = uniq("chroot");
    await zk.create(root);
    const c = await connect(`${server().connectString}${root}`, { sessionTimeout: 4000 });
    try {
      expect(c.chroot).toBe(root);
      expect(await c.getChildren("/")).toEqual([]);
      const r = await c.create("/x-", "1", { mode: "ephemeralSequential" });
      expect(r.path).toBe("/x-0000000000");
      expect(await c.getEphemerals()).toEqual(["/x-0000000000"]);
      expect(await c.sync("/")).toBe("/");
      const t = await c.transaction().create("/y").commit();
      expect(t[0]).toMatchObject({ path: "/y" });
      expect((await zk.getChildren(root)).sort()).toEqual(["x-0000000000", "y"]);
      const cfg = await c.getConfig();
      expect(typeof cfg.config).toBe("string");
    } finally {
      await c.close();
    }
  });

  it("helpers: mkdirp, getChildrenWithData, deleteRecursive", async () => {
    const p = uniq("helpers");
    expect(await zk.mkdirp(`${p}/a/b/c`, "leaf")).toBe(`${p}/a/b/c`);
    expect(await zk.mkdirp(`${p}/a/b/c`)).toBe(`${p}/a/b/c`);
    expect((await zk.getData(`${p}/a/b/c`)).data?.toString()).toBe("leaf");
    for (let i = 0; i < 5; i++) await zk.create(`${p}/a/n${i}`, `v${i}`);
    const kids = await zk.getChildrenWithData(`${p}/a`);
    expect(kids.map((k) => k.name)).toEqual(["b", "n0", "n1", "n2", "n3", "n4"]);
    expect(kids[1]!.data?.toString()).toBe("v0");
    expect(kids[1]!.path).toBe(`${p}/a/n0`);
    expect(kids[0]!.stat.numChildren).toBe(1);
    await zk.deleteRecursive(p);
    expect(await zk.exists(p)).toBeNull();
    await zk.deleteRecursive(p); // missing: fine
  });

  it("reconfig is refused on a standalone server without reconfigEnabled", async () => {
    const e = await zk.reconfig({ joining: "server.5=127.0.0.1:1234:1235;1236" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KeeperError);
    expect((e as KeeperError).code).toBe(ErrorCode.RECONFIGDISABLED);
  });

  it("pipelines many requests and keeps reply order", async () => {
    const p = uniq("pipe");
    await zk.create(p);
    const n = 500;
    const created = await Promise.all(Array.from({ length: n }, (_, i) => zk.create(`${p}/c${i}`, String(i))));
    expect(created.map((c) => c.path)).toEqual(Array.from({ length: n }, (_, i) => `${p}/c${i}`));
    const czxids = created.map((c) => c.stat.czxid);
    expect([...czxids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(czxids);
    const got = await Promise.all(Array.from({ length: n }, (_, i) => zk.getData(`${p}/c${i}`)));
    expect(got.map((g) => g.data?.toString())).toEqual(Array.from({ length: n }, (_, i) => String(i)));
    expect(kind === "reference" || kind === "zkts").toBe(true);
  });
});

describe("connect string errors", () => {
  it("rejects an empty host list", async () => {
    await expect(connect("")).rejects.toThrow(/no hosts/);
  });
});
