/**
 * TxnDigest at prep time (PrepRequestProcessor's precalculated digests): the digest a txn carries is the tree
 * digest the tree has once that txn is applied, with many txns prepared and not applied yet; error txns carry
 * none; a mismatch on apply is counted (digest_mismatches_count) and never stops the server.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode, OpCode, Perms } from "@zkts/client-wire";
import { DIGEST_VERSION, DataTree } from "@zkts/datatree";
import { nullLogger } from "@zkts/contracts";
import { ManualClock, seededRandom } from "@zkts/contracts/testing";
import type { TxnDigest, TxnHeader } from "@zkts/jute";
import { M, MetricsRegistry } from "@zkts/metrics";
import { PrepProcessor } from "./prep.js";
import { ZooKeeperServer, type TxnListener, type TxnLogPort } from "./server.js";
import { TestClient, makeServer } from "./testing/harness.js";

const OPEN = [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }];
const READ_ONLY = [{ perms: Perms.READ | Perms.ADMIN, id: { scheme: "world", id: "anyone" } }];
const create = (path: string, data = "", flags = 0) => ({ path, data: Buffer.from(data), acl: OPEN, flags });
const tick = () => new Promise<void>((r) => setImmediate(r));

interface Logged {
  hdr: TxnHeader;
  txn: unknown;
  digest: TxnDigest | null | undefined;
}

/** A txn log port that keeps every txn pending until the test makes them durable, one at a time. */
function heldPort() {
  const pending: Logged[] = [];
  const all: Logged[] = [];
  let listener: TxnListener | undefined;
  const txnLog: TxnLogPort = {
    logTxn: (hdr, txn, digest) => {
      const e = { hdr, txn, digest };
      pending.push(e);
      all.push(e);
    },
    setTxnListener: (l) => void (listener = l),
  };
  return {
    txnLog,
    pending,
    all,
    /** Makes the oldest pending txn durable (it is applied) and returns it. */
    async releaseOne(): Promise<Logged> {
      const e = pending.shift()!;
      listener!.durable(e.hdr.zxid);
      await tick();
      return e;
    },
  };
}

/**
 * Releases every pending txn one by one; after each, the tree has applied it and its digest is the one the txn
 * carried (error txns carry none). Returns the txns released.
 */
async function releaseAndCheck(port: ReturnType<typeof heldPort>, tree: DataTree): Promise<Logged[]> {
  const done: Logged[] = [];
  while (port.pending.length > 0) {
    const e = await port.releaseOne();
    expect(tree.lastProcessedZxid).toBe(e.hdr.zxid);
    if (e.hdr.type === OpCode.error) {
      expect(e.digest ?? null).toBeNull();
    } else {
      expect(e.digest, `txn type ${e.hdr.type} zxid ${e.hdr.zxid}`).toEqual({ version: DIGEST_VERSION, treeDigest: tree.digest() });
    }
    done.push(e);
  }
  return done;
}

describe("TxnDigest computed at prep", () => {
  it.each([
    ["", PrepProcessor.deltaFold, PrepProcessor.compactAt],
    [" (the outstanding changes' digest deltas folded into their base again and again)", 2 ** 33, PrepProcessor.compactAt],
    [" (the applied change records dropped after every apply)", PrepProcessor.deltaFold, 1],
    [" (applied records dropped after every apply, deltas folded again and again)", 2 ** 33, 1],
  ])("every op kind, with many txns in flight: each txn's digest is the tree's digest once it is applied%s", async (_, fold, compactAt) => {
    const saved = [PrepProcessor.deltaFold, PrepProcessor.compactAt] as const;
    PrepProcessor.deltaFold = fold;
    PrepProcessor.compactAt = compactAt;
    try {
      await everyOpKind();
    } finally {
      [PrepProcessor.deltaFold, PrepProcessor.compactAt] = saved;
    }
  });

  it("a multi failing after it replaced a pending change record restores that record (not the tree's node, not its own)", async () => {
    const port = heldPort();
    const { server, tree } = makeServer({}, { txnLog: port.txnLog });
    const a = new TestClient(server, { timeout: 40000 });
    await releaseAndCheck(port, tree);
    a.skip();
    // none of these is applied before the last is prepared
    a.send(OpCode.create, create("/p", "x"));
    a.send(OpCode.setData, { path: "/p", data: Buffer.from("1"), version: 0 });
    a.send(OpCode.multi, {
      ops: [
        { type: OpCode.setData, body: { path: "/p", data: Buffer.from("m"), version: 1 } },
        { type: OpCode.create, body: create("/p/q") },
        { type: OpCode.create, body: create("/p") }, // NODEEXISTS: the multi fails
      ],
    });
    // pending /p has version 1 again: a rollback to the tree (no /p yet) would give NONODE, none BADVERSION
    a.send(OpCode.setData, { path: "/p", data: Buffer.from("2"), version: 1 });
    a.send(OpCode.create, create("/p/q"));
    const done = await releaseAndCheck(port, tree);
    expect(done.map((e) => e.hdr.type)).toEqual([OpCode.create, OpCode.setData, OpCode.multi, OpCode.setData, OpCode.create]);
    expect(tree.getNode("/p")!.stat.version).toBe(2);
    expect(tree.getNode("/p")!.data?.toString()).toBe("2");
    expect(tree.getNode("/p/q")).toBeDefined();
  });

  async function everyOpKind(): Promise<void> {
    const port = heldPort();
    const metrics = new MetricsRegistry();
    const { server, tree, clock } = makeServer({ extendedTypesEnabled: true, containerCheckIntervalMs: 0 }, { txnLog: port.txnLog, metrics });
    const a = new TestClient(server, { timeout: 40000 });
    const b = new TestClient(server, { timeout: 40000 });
    const sessions = await releaseAndCheck(port, tree);
    expect(sessions.map((e) => e.hdr.type)).toEqual([OpCode.createSession, OpCode.createSession]);
    a.skip();
    b.skip();

    // all of these are prepared before any of them is applied
    a.send(OpCode.create, create("/p", "x"));
    a.send(OpCode.create, create("/p/s-", "1", 2)); // sequential
    a.send(OpCode.create2, create("/p/s-", "2", 2));
    a.send(OpCode.create, create("/p/e", "eph", 1)); // ephemeral of a
    b.send(OpCode.create, create("/p/eb", "eph", 3)); // ephemeral sequential of b
    b.send(OpCode.create, create("/q/x")); // NONODE: an error txn
    a.send(OpCode.create, create("/p")); // NODEEXISTS: an error txn
    a.send(OpCode.setData, { path: "/p", data: Buffer.from("yy"), version: 0 });
    a.send(OpCode.setACL, { path: "/p/s-0000000000", acl: READ_ONLY, version: -1 });
    a.send(OpCode.delete, { path: "/p/s-0000000001", version: -1 });
    a.send(OpCode.multi, {
      ops: [
        { type: OpCode.create, body: create("/m") },
        { type: OpCode.create, body: create("/m/a", "1") },
        { type: OpCode.create, body: create("/m/seq-", "s", 2) },
        { type: OpCode.setData, body: { path: "/m/a", data: Buffer.from("2"), version: 0 } },
        { type: OpCode.check, body: { path: "/m/a", version: 1 } },
        { type: OpCode.delete, body: { path: "/m/a", version: 1 } },
      ],
    });
    a.send(OpCode.multi, {
      // fails on its second op: rolled back, its digest is the digest before it
      ops: [
        { type: OpCode.create, body: create("/z") },
        { type: OpCode.create, body: create("/p") },
      ],
    });
    a.send(OpCode.createContainer, create("/box", "", 4));
    a.send(OpCode.create, create("/box/x"));
    a.send(OpCode.delete, { path: "/box/x", version: -1 });
    a.send(OpCode.createTTL, { ...create("/t", "ttl", 5), ttl: 500n });
    a.send(OpCode.setData, { path: "/p/e", data: Buffer.from("e2"), version: -1 });
    b.send(OpCode.closeSession, null); // deletes /p/eb, which is still pending itself
    expect(port.pending.length).toBe(18);

    const done = await releaseAndCheck(port, tree);
    const types = done.map((e) => e.hdr.type);
    expect(types.filter((t) => t === OpCode.error)).toHaveLength(2);
    expect(types).toContain(OpCode.multi);
    expect(types).toContain(OpCode.closeSession);
    expect(tree.getNode("/p/eb0000000003")).toBeUndefined();
    expect(tree.getNode("/m/seq-0000000001")).toBeDefined();
    expect(tree.getNode("/z")).toBeUndefined();
    const failedMulti = done.filter((e) => e.hdr.type === OpCode.multi)[1]!;
    const before = done[done.indexOf(failedMulti) - 1]!;
    expect(failedMulti.digest).toEqual(before.digest);

    // the container and the TTL node are reaped (deleteContainer, the server's own requests); a closes with /p/e
    clock.advance(1000);
    server.reapContainers();
    a.send(OpCode.closeSession, null);
    const reaped = await releaseAndCheck(port, tree);
    expect(reaped.map((e) => e.hdr.type)).toEqual([OpCode.deleteContainer, OpCode.deleteContainer, OpCode.closeSession]);
    expect(tree.getNode("/box")).toBeUndefined();
    expect(tree.getNode("/t")).toBeUndefined();
    expect(tree.getNode("/p/e")).toBeUndefined();
    expect(metrics.counter(M.DIGEST_MISMATCHES_COUNT).value).toBe(0);
  }

  it("a multi has one time: the clock moving while it is prepared changes neither its nodes' ctime nor its digest", async () => {
    // the server's clock ticks on every read, as a real clock may between the start and the end of a multi's prep
    const metrics = new MetricsRegistry();
    const tree = new DataTree({ metrics });
    const base = new ManualClock({ now: 1_700_000_000_000, monotonic: 0 });
    const clock = Object.assign(Object.create(base) as ManualClock, {
      now: () => {
        base.advance(1);
        return base.now();
      },
    });
    const server = new ZooKeeperServer({ tickTime: 2000 }, { clock, random: seededRandom(1), logger: nullLogger, tree, metrics });
    server.start();
    const a = new TestClient(server);
    const r = a.call(OpCode.multi, {
      ops: [
        { type: OpCode.create, body: create("/kt") },
        { type: OpCode.create, body: create("/kt/a", "a") },
        { type: OpCode.setData, body: { path: "/kt/a", data: Buffer.from("a2"), version: 0 } },
      ],
    });
    expect(r.header.err).toBe(0);
    expect(tree.getNode("/kt/a")!.stat.mtime).toBe(tree.getNode("/kt")!.stat.ctime);
    expect(metrics.counter(M.DIGEST_MISMATCHES_COUNT).value).toBe(0);
  });

  it("create ops whose flags disagree with the opcode (found by the fuzz run): the digest is the applied node's", async () => {
    const port = heldPort();
    const metrics = new MetricsRegistry();
    const { server, tree } = makeServer({ extendedTypesEnabled: true, containerCheckIntervalMs: 0 }, { txnLog: port.txnLog, metrics });
    const a = new TestClient(server);
    await releaseAndCheck(port, tree);
    a.skip();
    a.send(OpCode.createContainer, create("/c", "c", 0)); // persistent flags: a CreateContainerTxn all the same
    a.send(OpCode.create, create("/p", "p", 4)); // container flags through create: a CreateTxn, a persistent node
    a.send(OpCode.createContainer, create("/e", "e", 1)); // ephemeral flags
    const done = await releaseAndCheck(port, tree);
    expect(done.map((e) => e.hdr.type)).toEqual([OpCode.createContainer, OpCode.create, OpCode.createContainer]);
    expect(tree.getNode("/c")!.stat.ephemeralOwner).toBe(-0x8000000000000000n);
    expect(tree.getNode("/p")!.stat.ephemeralOwner).toBe(0n);
    expect(tree.getNode("/e")!.stat.ephemeralOwner).toBe(-0x8000000000000000n);
    expect(metrics.counter(M.DIGEST_MISMATCHES_COUNT).value).toBe(0);
  });

  it("two ephemerals under one parent and one elsewhere: the closeSession digest covers both parents' pzxid", async () => {
    const port = heldPort();
    const { server, tree } = makeServer({}, { txnLog: port.txnLog });
    const a = new TestClient(server);
    await releaseAndCheck(port, tree);
    a.skip();
    a.send(OpCode.create, create("/p"));
    a.send(OpCode.create, create("/p/e1", "", 1));
    a.send(OpCode.create, create("/p/e2", "", 1));
    a.send(OpCode.create, create("/e3", "", 1));
    await releaseAndCheck(port, tree);
    a.send(OpCode.closeSession, null);
    const [close] = await releaseAndCheck(port, tree);
    expect((close!.txn as { paths2Delete: string[] }).paths2Delete.sort()).toEqual(["/e3", "/p/e1", "/p/e2"]);
    expect(tree.getNode("/p")!.stat.pzxid).toBe(close!.hdr.zxid);
  });

  it("standalone without a txn log: txns are still prepared with the digest and checked on apply", () => {
    const metrics = new MetricsRegistry();
    const { server, tree } = makeServer({}, { metrics });
    const c = new TestClient(server);
    expect(c.call(OpCode.create, create("/a", "1")).header.err).toBe(0);
    expect(c.call(OpCode.setData, { path: "/a", data: Buffer.from("22"), version: -1 }).header.err).toBe(0);
    expect(tree.digest()).not.toBe(0n);
    expect(metrics.counter(M.DIGEST_MISMATCHES_COUNT).value).toBe(0);
  });

  it("a txn whose digest differs from the tree's is applied, logged and counted: the server goes on", () => {
    const metrics = new MetricsRegistry();
    const { server, tree } = makeServer({}, { metrics });
    const base = tree.digest();
    const hdr = (zxid: bigint): TxnHeader => ({ clientId: 0n, cxid: 0, zxid, time: 1n, type: OpCode.create });
    const txn = (path: string) => ({ path, data: Buffer.from("v"), acl: OPEN, ephemeral: false, parentCVersion: 1 });
    server.applyCommitted(hdr(1n), txn("/x"), { version: DIGEST_VERSION, treeDigest: base + 1n });
    expect(tree.getNode("/x")).toBeDefined();
    expect(metrics.counter(M.DIGEST_MISMATCHES_COUNT).value).toBe(1);
    // another digest version is not compared (DataTree.compareDigest); a right digest matches
    server.applyCommitted(hdr(2n), { ...txn("/y"), parentCVersion: 2 }, { version: DIGEST_VERSION + 1, treeDigest: 7n });
    const right = new DataTree();
    right.processTxn(hdr(1n), txn("/x"));
    right.processTxn(hdr(2n), { ...txn("/y"), parentCVersion: 2 });
    right.processTxn(hdr(3n), { ...txn("/w"), parentCVersion: 3 });
    server.applyCommitted(hdr(3n), { ...txn("/w"), parentCVersion: 3 }, { version: DIGEST_VERSION, treeDigest: right.digest() });
    expect(tree.digest()).toBe(right.digest());
    expect(metrics.counter(M.DIGEST_MISMATCHES_COUNT).value).toBe(1);
    expect(new TestClient(server).call(OpCode.exists, { path: "/w", watch: false }).header.err).toBe(0);
  });

  it("the apply is handed the node digests prep computed, and they are the applied nodes' own", () => {
    const { server, tree } = makeServer({});
    const seen: Array<{ type: number; digests: Array<{ path: string; nodeDigest: number; removed: boolean }> }> = [];
    const apply = tree.processTxn.bind(tree);
    tree.processTxn = (hdr, txn, node, parent, digests) => {
      seen.push({ type: hdr.type, digests: (digests ?? []).map((d) => ({ path: d.path, nodeDigest: d.nodeDigest, removed: d.stat === null })) });
      return apply(hdr, txn, node, parent, digests);
    };
    const c = new TestClient(server);
    expect(c.call(OpCode.create, create("/a", "1")).header.err).toBe(0);
    expect(c.call(OpCode.setData, { path: "/a", data: Buffer.from("22"), version: -1 }).header.err).toBe(0);
    const m = { type: OpCode.create, body: create("/a/m", "x") };
    const set = { type: OpCode.setData, body: { path: "/a/m", data: Buffer.from("y"), version: 0 } };
    expect(c.call(OpCode.multi, { ops: [m, set] }).header.err).toBe(0);
    const own = (path: string) => tree.getNode(path)!.digest;
    const writes = seen.filter((s) => s.type !== OpCode.createSession);
    expect(writes.map((s) => s.digests.map((d) => d.path))).toEqual([["/", "/a"], ["/a"], ["/a", "/a/m", "/a/m"]]);
    // the last record of each node is the digest the tree now has for it (the apply took it, or computed the same)
    const last = writes[2]!.digests;
    expect(last[0]!.nodeDigest).toBe(own("/a"));
    expect(last[2]!.nodeDigest).toBe(own("/a/m"));
    expect(writes[0]!.digests[0]!.nodeDigest).toBe(own("/"));
    expect(tree.compareDigest({ version: DIGEST_VERSION, treeDigest: tree.digest() })).toBe(true);
    // a delete: the parent's record, and the removal (no digest to hand)
    expect(c.call(OpCode.delete, { path: "/a/m", version: -1 }).header.err).toBe(0);
    expect(seen.at(-1)!.digests).toEqual([
      { path: "/a", nodeDigest: own("/a"), removed: false },
      { path: "/a/m", nodeDigest: 0, removed: true },
    ]);
  });

  it("digest.enabled=false: no txn carries a digest", async () => {
    const port = heldPort();
    const clock = new ManualClock({ now: 1_700_000_000_000, monotonic: 0 });
    const tree = new DataTree({ digestEnabled: false });
    const server = new ZooKeeperServer({ tickTime: 2000 }, { clock, random: seededRandom(1), logger: nullLogger, tree, txnLog: port.txnLog });
    server.start();
    const a = new TestClient(server);
    a.send(OpCode.create, create("/a"));
    a.send(OpCode.setData, { path: "/a", data: Buffer.from("1"), version: -1 });
    while (port.pending.length > 0) await port.releaseOne();
    expect(port.all.length).toBe(3);
    for (const e of port.all) expect(e.digest ?? null).toBeNull();
    expect(ErrorCode.OK).toBe(0);
  });
});
