import { describe, expect, it } from "vitest";
import { ErrorCode, OpCode, Perms } from "@zkts/client-wire";
import type { ACL } from "@zkts/jute";
import { DataTree, generateDigest } from "@zkts/datatree";
import { nullLogger } from "@zkts/contracts";
import { ManualClock, seededRandom } from "@zkts/contracts/testing";
import { CoreError } from "./errors.js";
import { ZooKeeperServer, type TxnListener, type TxnLogPort } from "./server.js";
import { TestClient, makeServer } from "./testing/harness.js";

const OPEN: ACL[] = [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }];
const create = (path: string, data = "", flags = 0, acl: ACL[] = OPEN) => ({
  path,
  data: Buffer.from(data),
  acl,
  flags,
});

describe("handshake", () => {
  it("creates a session, negotiates the timeout, echoes readOnly only when sent", () => {
    const { server } = makeServer();
    const a = new TestClient(server, { timeout: 1000 });
    expect(a.connectResponse?.timeOut).toBe(4000); // min 2 x tick
    expect(a.connectResponse?.hasReadOnly).toBe(false);
    expect(a.connectResponse?.passwd?.length).toBe(16);
    const b = new TestClient(server, { timeout: 10_000_000, readOnly: false });
    expect(b.connectResponse?.timeOut).toBe(40000); // max 20 x tick
    expect(b.connectResponse?.hasReadOnly).toBe(true);
    expect(b.sessionId).toBe(a.sessionId + 1n);
    expect((a.sessionId >> 56n) & 0xffn).toBe(1n);
    // createSession consumed a zxid each
    expect(server.lastZxid).toBe(2n);
  });

  it("reconnects with the right password and closes the old connection", () => {
    const { server } = makeServer();
    const a = new TestClient(server);
    a.call(OpCode.create, create("/e", "", 1));
    const b = new TestClient(server, { sessionId: a.sessionId, passwd: a.connectResponse!.passwd!, lastZxidSeen: 2n });
    expect(b.connectResponse?.sessionId).toBe(a.sessionId);
    expect(b.connectResponse?.timeOut).toBe(30000);
    expect(a.conn.closed).not.toBeNull();
    const r = b.call(OpCode.exists, { path: "/e", watch: false });
    expect(r.header.err).toBe(0);
  });

  it("refuses a wrong password or unknown session with zeros, then closes", () => {
    const { server } = makeServer();
    const a = new TestClient(server);
    const bad = new TestClient(server, { sessionId: a.sessionId, passwd: Buffer.alloc(16, 1) });
    expect(bad.connectResponse).toMatchObject({ timeOut: 0, sessionId: 0n });
    expect(bad.connectResponse?.passwd).toEqual(Buffer.alloc(16));
    expect(bad.conn.closed).not.toBeNull();
    const unknown = new TestClient(server, { sessionId: 12345n, passwd: Buffer.alloc(16) });
    expect(unknown.connectResponse?.sessionId).toBe(0n);
    expect(unknown.conn.closed).not.toBeNull();
  });

  it("refuses a client that has seen a newer zxid", () => {
    const { server } = makeServer();
    const c = new TestClient(server, { lastZxidSeen: 100n });
    expect(c.connectResponse).toBeUndefined();
    expect(c.conn.closed).not.toBeNull();
  });

  it("closes on a malformed connect request", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    const conn = { id: 999, remoteAddress: "1.2.3.4", remotePort: 1, sent: [] as Buffer[], closed: "", send(b: Buffer) { this.sent.push(b); }, close(r: string) { this.closed = r; } };
    server.handleConnect(conn, Buffer.from([0, 0, 0]));
    expect(conn.closed).not.toBe("");
    expect(conn.sent).toEqual([]);
    expect(c.conn.closed).toBeNull();
  });
});

describe("sessions", () => {
  it("expiry deletes ephemerals, fires watches and closes the connection", () => {
    const { server, clock, tree } = makeServer();
    const owner = new TestClient(server, { timeout: 6000 });
    const watcher = new TestClient(server, { timeout: 60000 });
    expect(owner.call(OpCode.create, create("/eph", "x", 1)).header.err).toBe(0);
    expect(watcher.call(OpCode.exists, { path: "/eph", watch: true }).header.err).toBe(0);
    // keep the watcher alive with pings
    for (let t = 0; t < 5; t++) {
      clock.advance(2000);
      watcher.send(OpCode.ping, null, -2);
    }
    expect(owner.conn.closed).not.toBeNull();
    expect(tree.getNode("/eph")).toBeUndefined();
    const events = watcher.replies().filter((r) => r.header.xid === -1);
    expect(events.map((e) => e.body)).toEqual([{ type: 2, state: 3, path: "/eph" }]);
    expect(events[0]!.header.zxid).toBe(-1n);
    // the expired session cannot come back
    const again = new TestClient(server, { sessionId: owner.sessionId, passwd: owner.connectResponse!.passwd! });
    expect(again.connectResponse?.sessionId).toBe(0n);
  });

  it("a touched session does not expire", () => {
    const { server, clock } = makeServer();
    const c = new TestClient(server, { timeout: 4000 });
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      const r = c.call(OpCode.ping, null);
      expect(r.header).toMatchObject({ xid: -2, err: 0 });
    }
    expect(c.conn.closed).toBeNull();
    clock.advance(7000);
    expect(c.conn.closed).not.toBeNull();
  });

  it("restored sessions can reconnect with their password and expire", () => {
    const a = makeServer();
    const c = new TestClient(a.server);
    const passwd = c.connectResponse!.passwd!;
    // a wrong password does not check
    const other = makeServer();
    other.server.restoreSession(c.sessionId, 30000);
    expect(new TestClient(other.server, { sessionId: c.sessionId, passwd: Buffer.alloc(16, 1) }).connectResponse?.sessionId).toBe(0n);
    // a restarted server (passwords derive from the session id, as ZooKeeper's)
    const b = makeServer();
    b.server.restoreSession(c.sessionId, 30000);
    const again = new TestClient(b.server, { sessionId: c.sessionId, passwd });
    expect(again.connectResponse?.sessionId).toBe(c.sessionId);
    again.conn.close("gone");
    b.server.connectionClosed(again.conn);
    b.clock.advance(40000);
    const late = new TestClient(b.server, { sessionId: c.sessionId, passwd });
    expect(late.connectResponse?.sessionId).toBe(0n);
  });

  it("closeSession replies then closes, deleting ephemerals", () => {
    const { server, tree } = makeServer();
    const c = new TestClient(server);
    c.call(OpCode.create, create("/e1", "", 1));
    const r = c.call(OpCode.closeSession, null);
    expect(r.header.err).toBe(0);
    expect(r.header.zxid).toBe(3n);
    expect(c.conn.closed).not.toBeNull();
    expect(tree.getNode("/e1")).toBeUndefined();
  });
});

describe("requests", () => {
  it("create / get / set / delete / exists / children happy paths", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    const cr = c.call(OpCode.create, create("/a", "hello"));
    expect(cr.header).toEqual({ xid: 1, zxid: 2n, err: 0 });
    expect(cr.body).toEqual({ path: "/a" });
    const c2 = c.call(OpCode.create2, create("/a/b", "x"));
    expect((c2.body as { path: string; stat: { czxid: bigint } }).stat.czxid).toBe(3n);
    const gd = c.call(OpCode.getData, { path: "/a", watch: false });
    expect(gd.header.zxid).toBe(3n);
    expect((gd.body as { data: Buffer }).data.toString()).toBe("hello");
    const sd = c.call(OpCode.setData, { path: "/a", data: Buffer.from("v2"), version: 0 });
    expect((sd.body as { stat: { version: number } }).stat.version).toBe(1);
    expect(c.call(OpCode.setData, { path: "/a", data: null, version: 0 }).header).toMatchObject({ err: ErrorCode.BADVERSION, zxid: 5n });
    const ch = c.call(OpCode.getChildren, { path: "/a", watch: false });
    expect(ch.body).toEqual({ children: ["b"] });
    const ch2 = c.call(OpCode.getChildren2, { path: "/a", watch: false });
    expect((ch2.body as { stat: { numChildren: number } }).stat.numChildren).toBe(1);
    expect(c.call(OpCode.delete, { path: "/a", version: -1 }).header.err).toBe(ErrorCode.NOTEMPTY);
    expect(c.call(OpCode.delete, { path: "/a/b", version: -1 }).header.err).toBe(0);
    expect(c.call(OpCode.exists, { path: "/a/b", watch: false }).header.err).toBe(ErrorCode.NONODE);
    expect(c.call(OpCode.getData, { path: "/nope", watch: false }).header.err).toBe(ErrorCode.NONODE);
    expect(c.call(OpCode.create, create("/a")).header.err).toBe(ErrorCode.NODEEXISTS);
    expect(c.call(OpCode.create, create("/x/y")).header.err).toBe(ErrorCode.NONODE);
    expect(c.call(OpCode.create, create("bad")).header.err).toBe(ErrorCode.BADARGUMENTS);
    // the parent is looked up before the full path is validated
    expect(c.call(OpCode.create, create("/bad/")).header.err).toBe(ErrorCode.NONODE);
    expect(c.call(OpCode.create, create("/a/")).header.err).toBe(ErrorCode.BADARGUMENTS);
    expect(c.call(OpCode.create, create("/a/./b")).header.err).toBe(ErrorCode.NONODE);
    expect(c.call(OpCode.create, create("/a/.")).header.err).toBe(ErrorCode.BADARGUMENTS);
    expect(c.call(OpCode.setData, { path: "/a/", data: null, version: -1 }).header.err).toBe(ErrorCode.BADARGUMENTS);
    expect(c.call(OpCode.delete, { path: "/zookeeper", version: -1 }).header.err).toBe(ErrorCode.BADARGUMENTS);
    expect(c.call(OpCode.delete, { path: "/", version: -1 }).header.err).toBe(ErrorCode.BADARGUMENTS);
    expect(c.call(OpCode.sync, { path: "/a" }).body).toEqual({ path: "/a" });
  });

  it("failed writes consume a zxid", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    const before = server.lastZxid;
    expect(c.call(OpCode.delete, { path: "/missing", version: -1 }).header).toMatchObject({
      err: ErrorCode.NONODE,
      zxid: before + 1n,
    });
    expect(c.call(OpCode.getData, { path: "/missing", watch: false }).header.zxid).toBe(before + 1n);
  });

  it("sequential names use the parent's cversion, which counts creations only", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    c.call(OpCode.create, create("/q"));
    expect(c.call(OpCode.create, create("/q/n-", "", 2)).body).toEqual({ path: "/q/n-0000000000" });
    c.call(OpCode.delete, { path: "/q/n-0000000000", version: -1 });
    expect(c.call(OpCode.create, create("/q/n-", "", 2)).body).toEqual({ path: "/q/n-0000000001" });
    expect(c.call(OpCode.create, create("/q/e-", "", 3)).body).toEqual({ path: "/q/e-0000000002" });
  });

  it("ephemeral parents, TTL and container rules", () => {
    const { server, tree } = makeServer();
    const c = new TestClient(server);
    c.call(OpCode.create, create("/e", "", 1));
    expect(c.call(OpCode.create, create("/e/c")).header.err).toBe(ErrorCode.NOCHILDRENFOREPHEMERALS);
    expect(c.call(OpCode.createTTL, { ...create("/t", "", 5), ttl: 100n }).header.err).toBe(ErrorCode.UNIMPLEMENTED);
    expect(c.call(OpCode.create, create("/f", "", 9)).header.err).toBe(ErrorCode.BADARGUMENTS);
    const cc = c.call(OpCode.createContainer, create("/c", "", 4));
    expect(cc.header.err).toBe(0);
    // clients see 0 for containers and TTL nodes (getClientEphemeralOwner); the tree keeps the marker
    expect((cc.body as { stat: { ephemeralOwner: bigint } }).stat.ephemeralOwner).toBe(0n);
    expect(tree.getNode("/c")!.stat.ephemeralOwner).toBe(-(1n << 63n));
  });

  it("TTL nodes with extendedTypesEnabled, and the reaper", () => {
    const { server, clock, tree } = makeServer({ extendedTypesEnabled: true, containerCheckIntervalMs: 1000 });
    const c = new TestClient(server, { timeout: 40000 });
    expect(c.call(OpCode.createTTL, { ...create("/t", "", 5), ttl: 0n }).header.err).toBe(ErrorCode.BADARGUMENTS);
    expect(c.call(OpCode.createTTL, { ...create("/t", "", 0), ttl: 10n }).header.err).toBe(ErrorCode.BADARGUMENTS);
    const t = c.call(OpCode.createTTL, { ...create("/t", "", 5), ttl: 500n });
    expect(t.header.err).toBe(0);
    expect(tree.getNode("/t")!.stat.ephemeralOwner).toBe(BigInt.asIntN(64, 0xff00000000000000n | 500n));
    c.call(OpCode.createContainer, create("/box", "", 4));
    c.call(OpCode.create, create("/box/x"));
    c.call(OpCode.delete, { path: "/box/x", version: -1 });
    clock.advance(1000);
    expect(tree.getNode("/t")).toBeUndefined();
    expect(tree.getNode("/box")).toBeUndefined();
  });

  it("unknown opcode or notification (0) -> UNIMPLEMENTED with zxid -1, then close", () => {
    for (const type of [0, 55]) {
      const { server } = makeServer();
      const c = new TestClient(server);
      const hdr = Buffer.alloc(8);
      hdr.writeInt32BE(7, 0);
      hdr.writeInt32BE(type, 4);
      c.raw(hdr, 7, 1);
      const [r] = c.replies();
      expect(r!.header).toEqual({ xid: 7, zxid: -1n, err: ErrorCode.UNIMPLEMENTED });
      expect(c.conn.closed).not.toBeNull();
    }
  });

  it("standalone check (13): consumes a zxid, answers only on failure (as the 3.8.0 reference server)", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    const z = server.lastZxid;
    c.send(OpCode.check, { path: "/", version: 0 });
    expect(c.replies()).toEqual([]);
    expect(server.lastZxid).toBe(z + 1n);
    expect(server.outstanding).toBe(0);
    expect(c.call(OpCode.check, { path: "/", version: 7 }).header).toEqual({ xid: 2, zxid: z + 2n, err: ErrorCode.BADVERSION });
    expect(c.call(OpCode.check, { path: "/nope", version: -1 }).header.err).toBe(ErrorCode.NONODE);
    expect(c.conn.closed).toBeNull();
  });

  it("a truncated header closes; a malformed body answers MARSHALLINGERROR", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    const bad = Buffer.alloc(8 + 4);
    bad.writeInt32BE(3, 0);
    bad.writeInt32BE(OpCode.getData, 4);
    bad.writeInt32BE(100, 8); // string length beyond the packet
    c.raw(bad, 3, OpCode.getData);
    expect(c.replies()[0]!.header).toMatchObject({ xid: 3, err: ErrorCode.MARSHALLINGERROR });
    const zxid = server.lastZxid;
    const badWrite = Buffer.from(bad);
    badWrite.writeInt32BE(OpCode.create, 4);
    c.raw(badWrite, 3, OpCode.create);
    expect(c.replies()[0]!.header).toMatchObject({ err: ErrorCode.MARSHALLINGERROR, zxid: zxid + 1n });
    expect(c.conn.closed).toBeNull();
    c.raw(Buffer.from([0, 0, 0]));
    expect(c.conn.closed).not.toBeNull();
  });
});

describe("multi", () => {
  it("applies all ops under one zxid", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    const r = c.call(OpCode.multi, {
      ops: [
        { type: OpCode.create, body: create("/m") },
        { type: OpCode.create2, body: create("/m/a", "1") },
        { type: OpCode.setData, body: { path: "/m/a", data: Buffer.from("2"), version: 0 } },
        { type: OpCode.check, body: { path: "/m/a", version: 1 } },
        { type: OpCode.delete, body: { path: "/m/a", version: 1 } },
      ],
    });
    expect(r.header).toEqual({ xid: 1, zxid: 2n, err: 0 });
    const results = (r.body as { results: Array<{ type: number; err: number }> }).results;
    expect(results.map((x) => x.type)).toEqual([OpCode.create, OpCode.create2, OpCode.setData, OpCode.check, OpCode.delete]);
    expect(c.call(OpCode.exists, { path: "/m", watch: false }).header.err).toBe(0);
  });

  it("fails atomically with per-op results and header err 0", () => {
    const { server, tree } = makeServer();
    const c = new TestClient(server);
    const r = c.call(OpCode.multi, {
      ops: [
        { type: OpCode.create, body: create("/m") },
        { type: OpCode.create, body: create("/m") },
        { type: OpCode.create, body: create("/z") },
      ],
    });
    expect(r.header).toEqual({ xid: 1, zxid: 2n, err: 0 });
    expect((r.body as { results: unknown[] }).results).toEqual([
      { type: -1, err: 0, body: { err: 0 } },
      { type: -1, err: ErrorCode.NODEEXISTS, body: { err: ErrorCode.NODEEXISTS } },
      { type: -1, err: ErrorCode.RUNTIMEINCONSISTENCY, body: { err: ErrorCode.RUNTIMEINCONSISTENCY } },
    ]);
    expect(tree.getNode("/m")).toBeUndefined();
    // pending change records were rolled back: /m can be created now
    expect(c.call(OpCode.create, create("/m")).header.err).toBe(0);
  });

  it("read ops in a multi, write ops in a multiRead, empty multi (as the reference server)", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    const z = server.lastZxid;
    const m = c.call(OpCode.multi, { ops: [{ type: OpCode.getData, body: { path: "/", watch: false } }] });
    expect(m.header).toEqual({ xid: 1, zxid: z + 1n, err: ErrorCode.MARSHALLINGERROR });
    const xid = c.send(OpCode.multiRead, { ops: [{ type: OpCode.delete, body: { path: "/x", version: -1 } }] });
    const raw = c.conn.sent[c.conn.sent.length - 1]!;
    expect(raw.subarray(0, 4).readInt32BE(0)).toBe(xid);
    expect(raw.subarray(12, 16).readInt32BE(0)).toBe(ErrorCode.MARSHALLINGERROR);
    expect(raw.subarray(16).toString("hex")).toBe("ffffffff01ffffffff");
    c.skip();
    const e = c.call(OpCode.multi, { ops: [] });
    expect(e.header).toEqual({ xid: 3, zxid: z + 2n, err: 0 });
    expect(e.body).toEqual({ results: [] });
  });

  it("multiRead answers each op independently", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    c.call(OpCode.create, create("/r", "d"));
    const r = c.call(OpCode.multiRead, {
      ops: [
        { type: OpCode.getData, body: { path: "/r", watch: false } },
        { type: OpCode.getData, body: { path: "/none", watch: false } },
        { type: OpCode.getChildren, body: { path: "/", watch: false } },
      ],
    });
    const results = (r.body as { results: Array<{ type: number; err: number }> }).results;
    expect(results.map((x) => [x.type, x.err])).toEqual([
      [OpCode.getData, 0],
      [-1, ErrorCode.NONODE],
      [OpCode.getChildren, 0],
    ]);
  });
});

describe("watches", () => {
  it("data, child and exist watches fire once, before the write's reply", () => {
    const { server } = makeServer();
    const a = new TestClient(server);
    const b = new TestClient(server);
    a.call(OpCode.create, create("/w", "x"));
    b.call(OpCode.getData, { path: "/w", watch: true });
    b.call(OpCode.getChildren, { path: "/w", watch: true });
    b.call(OpCode.exists, { path: "/w/new", watch: true });
    a.call(OpCode.create, create("/w/new"));
    a.call(OpCode.setData, { path: "/w", data: null, version: -1 });
    a.call(OpCode.setData, { path: "/w", data: null, version: -1 });
    const events = b.replies().map((r) => r.body);
    expect(events).toEqual(
      expect.arrayContaining([
        { type: 1, state: 3, path: "/w/new" },
        { type: 4, state: 3, path: "/w" },
        { type: 3, state: 3, path: "/w" },
      ]),
    );
    expect(events).toHaveLength(3);
  });

  it("checkWatches / removeWatches / addWatch", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    c.call(OpCode.create, create("/p"));
    expect(c.call(OpCode.checkWatches, { path: "/p", type: 2 }).header.err).toBe(ErrorCode.NOWATCHER);
    c.call(OpCode.getData, { path: "/p", watch: true });
    expect(c.call(OpCode.checkWatches, { path: "/p", type: 2 }).header.err).toBe(0);
    expect(c.call(OpCode.removeWatches, { path: "/p", type: 3 }).header.err).toBe(0);
    expect(c.call(OpCode.removeWatches, { path: "/p", type: 3 }).header.err).toBe(ErrorCode.NOWATCHER);
    const aw = c.call(OpCode.addWatch, { path: "/p", mode: 1 });
    expect(aw.body).toEqual({ err: 0 });
    c.call(OpCode.create, create("/p/q"));
    const r = c.call(OpCode.setData, { path: "/p/q", data: null, version: -1 });
    expect(r.events.map((e) => e.body)).toEqual([{ type: 3, state: 3, path: "/p/q" }]);
  });

  it("setWatches replays missed events", () => {
    const { server } = makeServer();
    const a = new TestClient(server);
    a.call(OpCode.create, create("/s", "x"));
    const zxid = server.lastZxid;
    a.call(OpCode.setData, { path: "/s", data: null, version: -1 });
    const b = new TestClient(server);
    const r = b.call(OpCode.setWatches, { relativeZxid: zxid, dataWatches: ["/s"], existWatches: [], childWatches: [] });
    expect(r.header.err).toBe(0);
    expect(r.events.map((e) => e.body)).toEqual([{ type: 3, state: 3, path: "/s" }]);
  });

  it("notifications go only to sessions that may read the node", () => {
    const { server } = makeServer();
    const owner = new TestClient(server);
    const other = new TestClient(server);
    owner.send(100, { type: 0, scheme: "digest", auth: Buffer.from("u:p") }, -4);
    owner.call(OpCode.create, create("/sec", "", 0, OPEN));
    other.call(OpCode.exists, { path: "/sec", watch: true });
    owner.call(OpCode.setACL, { path: "/sec", acl: [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }], version: -1 });
    owner.call(OpCode.setData, { path: "/sec", data: null, version: -1 });
    expect(other.replies().filter((r) => r.header.xid === -1)).toEqual([]);
  });
});

describe("auth and ACLs", () => {
  it("digest auth, auth ids, redacted getACL, super", () => {
    const superDigest = generateDigest("super:secret");
    const { server } = makeServer({ superDigest });
    const a = new TestClient(server);
    expect(a.call(OpCode.create, create("/x", "", 0, [{ perms: 31, id: { scheme: "auth", id: "" } }])).header.err).toBe(
      ErrorCode.INVALIDACL,
    );
    expect(a.call(OpCode.create, create("/x", "", 0, [])).header.err).toBe(ErrorCode.INVALIDACL);
    a.send(100, { type: 0, scheme: "digest", auth: Buffer.from("alice:pw") }, -4);
    expect(a.replies()[0]!.header).toEqual({ xid: -4, zxid: 0n, err: 0 });
    expect(a.call(OpCode.create, create("/x", "d", 0, [
      { perms: Perms.ALL, id: { scheme: "auth", id: "" } },
      { perms: Perms.READ, id: { scheme: "world", id: "anyone" } },
    ])).header.err).toBe(0);
    const acl = a.call(OpCode.getACL, { path: "/x" }).body as { acl: Array<{ id: { id: string } }> };
    expect(acl.acl[0]!.id.id).toBe(generateDigest("alice:pw"));
    const b = new TestClient(server);
    const red = b.call(OpCode.getACL, { path: "/x" }).body as { acl: Array<{ id: { id: string } }> };
    expect(red.acl[0]!.id.id).toBe("alice:x");
    expect(b.call(OpCode.setData, { path: "/x", data: null, version: -1 }).header.err).toBe(ErrorCode.NOAUTH);
    expect(b.call(OpCode.getData, { path: "/x", watch: false }).header.err).toBe(0);
    const who = b.call(OpCode.whoAmI, null).body;
    expect(who).toEqual({ clientInfo: [{ authScheme: "ip", user: "127.0.0.1" }] });
    b.send(100, { type: 0, scheme: "digest", auth: Buffer.from("super:secret") }, -4);
    expect(b.call(OpCode.setData, { path: "/x", data: null, version: -1 }).header.err).toBe(0);
  });

  it("ip ACLs match the connection address", () => {
    const { server } = makeServer();
    const a = new TestClient(server, { remoteAddress: "10.1.2.3" });
    expect(a.call(OpCode.create, create("/ip", "", 0, [{ perms: 31, id: { scheme: "ip", id: "10.1.0.0/16" } }])).header.err).toBe(0);
    expect(a.call(OpCode.getData, { path: "/ip", watch: false }).header.err).toBe(0);
    const b = new TestClient(server, { remoteAddress: "10.2.0.1" });
    expect(b.call(OpCode.getData, { path: "/ip", watch: false }).header.err).toBe(ErrorCode.NOAUTH);
    expect(a.call(OpCode.create, create("/ip2", "", 0, [{ perms: 31, id: { scheme: "ip", id: "nope" } }])).header.err).toBe(ErrorCode.INVALIDACL);
  });

  it("unknown auth scheme -> AUTHFAILED then close", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    c.send(100, { type: 0, scheme: "kerberos", auth: Buffer.from("x") }, -4);
    expect(c.replies()[0]!.header).toEqual({ xid: -4, zxid: 0n, err: ErrorCode.AUTHFAILED });
    expect(c.conn.closed).not.toBeNull();
  });

  it("skipACL lets everything through", () => {
    const { server } = makeServer({ skipACL: true });
    const a = new TestClient(server);
    a.call(OpCode.create, create("/z", "", 0, [{ perms: 1, id: { scheme: "digest", id: "u:h" } }]));
    expect(a.call(OpCode.setData, { path: "/z", data: null, version: -1 }).header.err).toBe(0);
  });
});

describe("other requests", () => {
  it("getEphemerals, getAllChildrenNumber, reconfig, sasl", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    c.call(OpCode.create, create("/g"));
    c.call(OpCode.create, create("/g/e1", "", 1));
    c.call(OpCode.create, create("/h", "", 1));
    const eph = c.call(OpCode.getEphemerals, { prefixPath: "/g" }).body as { ephemerals: string[] };
    expect(eph.ephemerals).toEqual(["/g/e1"]);
    expect(c.call(OpCode.getAllChildrenNumber, { path: "/g" }).body).toEqual({ totalNumber: 1 });
    const zxid = server.lastZxid;
    const rc = c.call(OpCode.reconfig, { joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1n });
    expect(rc.header).toMatchObject({ err: ErrorCode.RECONFIGDISABLED, zxid: zxid + 1n });
    const sasl = c.call(OpCode.sasl, { token: Buffer.from("x") });
    expect(sasl.header).toEqual({ xid: sasl.header.xid, zxid: 0n, err: 0 });
    expect(sasl.body).toEqual({ token: null });
  });

  it("quota hard limits with enforceQuota", () => {
    const { server } = makeServer({ enforceQuota: true });
    const c = new TestClient(server);
    c.call(OpCode.create, create("/lim"));
    c.call(OpCode.create, create("/zookeeper/quota/lim"));
    c.call(OpCode.create, create("/zookeeper/quota/lim/zookeeper_limits", "count=-1,bytes=-1,countHardLimit=1"));
    c.call(OpCode.create, create("/zookeeper/quota/lim/zookeeper_stats", "count=1,bytes=0"));
    expect(c.call(OpCode.create, create("/lim/a")).header.err).toBe(ErrorCode.QUOTAEXCEEDED);
  });

  it("stats: packets, latency, connections", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    c.call(OpCode.exists, { path: "/", watch: true });
    expect(server.info.packetsReceived).toBe(2);
    expect(server.info.packetsSent).toBe(2);
    const [conn] = server.info.connections();
    expect(conn).toMatchObject({ sessionId: c.sessionId, lastOp: "EXIS", packetsReceived: 2 });
    expect(server.info.watchSummary().total).toBe(1);
    expect(server.info.sessions()).toHaveLength(1);
    expect(server.outstanding).toBe(0);
  });
});

describe("txn log", () => {
  it("holds replies until the txn is durable, in order", async () => {
    const pending: Array<() => void> = [];
    const seen: number[] = [];
    let listener: TxnListener | undefined;
    const txnLog: TxnLogPort = {
      logTxn: (h) => {
        seen.push(h.type);
        pending.push(() => listener!.durable(h.zxid));
      },
      setTxnListener: (l) => void (listener = l),
    };
    const { server } = makeServer({}, { txnLog });
    const c = new TestClient(server);
    expect(c.connectResponse).toBeUndefined();
    pending.shift()!();
    await Promise.resolve();
    await Promise.resolve();
    const r = c.conn.sent.length;
    expect(r).toBe(1);
    c.send(OpCode.create, create("/d"));
    c.send(OpCode.exists, { path: "/d", watch: false });
    expect(c.conn.sent.length).toBe(1);
    expect(server.outstanding).toBe(2);
    pending.shift()!();
    await new Promise((res) => setImmediate(res));
    expect(c.conn.sent.length).toBe(3);
    expect(seen).toEqual([-10, 1]);
  });
});

describe("reconfig (PrepRequestProcessor's order of checks)", () => {
  const req = { joiningServers: "server.5=h:1:2;3", leavingServers: null, newMembers: null, curConfigId: -1n };

  it("reconfigEnabled on a standalone server: UNIMPLEMENTED, consuming a zxid", () => {
    const { server } = makeServer({ reconfigEnabled: true });
    const c = new TestClient(server);
    const zxid = server.lastZxid;
    expect(c.call(OpCode.reconfig, req).header).toMatchObject({ err: ErrorCode.UNIMPLEMENTED, zxid: zxid + 1n });
  });

  function leader(init: { reconfigEnabled?: boolean; skipACL?: boolean }, check: (zxid: bigint) => Buffer) {
    const seen: bigint[] = [];
    const tree = new DataTree({ skipACL: init.skipACL ?? false });
    const server = new ZooKeeperServer(
      { tickTime: 2000, ...init },
      {
        clock: new ManualClock({ now: 1_700_000_000_000, monotonic: 0 }),
        random: seededRandom(1),
        logger: nullLogger,
        tree,
        ensemble: {
          role: "leader",
          reconfig: (r, zxid) => {
            expect(r).toEqual(req);
            seen.push(zxid);
            return check(zxid);
          },
        },
      },
    );
    server.start();
    return { server, tree, c: new TestClient(server), seen };
  }

  it("leader: disabled before anything; then the ensemble's checks with the txn's zxid; then WRITE on /zookeeper/config", () => {
    const ok = () => Buffer.from("server.1=h:1:2:participant\nversion=100000001");
    const off = leader({}, ok);
    expect(off.c.call(OpCode.reconfig, req).header.err).toBe(ErrorCode.RECONFIGDISABLED);
    expect(off.seen).toEqual([]);

    const bad = leader({ reconfigEnabled: true }, () => {
      throw new CoreError(ErrorCode.BADVERSION);
    });
    expect(bad.c.call(OpCode.reconfig, req).header.err).toBe(ErrorCode.BADVERSION);

    const unauth = leader({ reconfigEnabled: true }, ok);
    const z = unauth.server.lastZxid;
    expect(unauth.c.call(OpCode.reconfig, req).header).toMatchObject({ err: ErrorCode.NOAUTH, zxid: z + 1n });
    expect(unauth.seen).toEqual([z + 1n]);

    // skipACL passes the ACL check: a reconfig txn (SetDataTxn on /zookeeper/config, version -1), answered with
    // GetDataResponse(the config's text, the node's stat)
    const skip = leader({ reconfigEnabled: true, skipACL: true }, ok);
    const z2 = skip.server.lastZxid;
    const rep = skip.c.call(OpCode.reconfig, req);
    expect(rep.header).toMatchObject({ err: 0, zxid: z2 + 1n });
    expect(skip.tree.getNode("/zookeeper/config")?.data).toEqual(ok());
    expect(rep.body).toMatchObject({ data: ok(), stat: { mzxid: z2 + 1n, version: -1 } });
  });
});
