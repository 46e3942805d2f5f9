import { describe, expect, it } from "vitest";
import { ErrorCode, OpCode, Perms } from "@zkts/client-wire";
import { digestResponse, parseDirectives } from "./digest-md5.js";
import { TestClient, makeServer } from "./testing/harness.js";
import type { ServerInit } from "./types.js";

const create = (path: string, acl: { perms: number; id: { scheme: string; id: string } }[]) => ({ path, data: Buffer.from("d"), acl, flags: 0 });
const users = new Map([
  ["alice", "alice-pw"],
  ["bob", "bob-pw"],
  ["admin", "admin-pw"],
]);
const SASL: ServerInit = { sasl: { users, superUser: "admin" }, saslAuthProvider: true };

type SaslReply = { header: { err: number }; body: { token: Buffer | null } | null };

/**
 * A SASL request and its reply read raw: ZooKeeper sends SetSASLResponse after the header even with an error
 * (processSasl: `new SetSASLResponse(null)`), which the generic reply decoder does not expect.
 */
function sasl(c: TestClient, token: Buffer): SaslReply {
  const before = c.conn.sent.length;
  const xid = c.send(OpCode.sasl, { token });
  const p = c.conn.sent.slice(before).find((b) => b.readInt32BE(0) === xid);
  c.skip();
  if (p === undefined) throw new Error("no reply to the sasl request");
  const err = p.readInt32BE(12);
  const len = p.length >= 20 ? p.readInt32BE(16) : undefined;
  return { header: { err }, body: len === undefined ? null : { token: len < 0 ? null : p.subarray(20, 20 + len) } };
}

/** The client side of the DIGEST-MD5 exchange, as ZooKeeperSaslClient sends it (empty token, then the response). */
function login(c: TestClient, user: string, password: string, garble?: (t: Buffer) => Buffer): SaslReply[] {
  const first = sasl(c, Buffer.alloc(0));
  if (first.header.err !== 0 || first.body?.token == null) return [first];
  const ch = parseDirectives(first.body.token);
  const f = { username: user, realm: ch.get("realm")!, nonce: ch.get("nonce")!, cnonce: "abc", nc: "00000001", qop: "auth", digestUri: "zookeeper/zk-sasl-md5" };
  const response = digestResponse({ ...f, password, a2Prefix: "AUTHENTICATE" });
  let token: Buffer = Buffer.from(
    `charset=utf-8,username="${user}",realm="${f.realm}",nonce="${f.nonce}",nc=00000001,cnonce="abc",digest-uri="${f.digestUri}",maxbuf=65536,response=${response},qop=auth`,
  );
  if (garble) token = garble(token);
  const second = sasl(c, token);
  return [first, second];
}

const whoami = (c: TestClient) =>
  ((c.call(OpCode.whoAmI, null).body as { clientInfo: { authScheme: string; user: string }[] }).clientInfo ?? [])
    .map((i) => `${i.authScheme}:${i.user}`)
    .sort();

describe("SASL DIGEST-MD5 (ZooKeeperServer.processSasl)", () => {
  it("without a JAAS server section: OK with a null token, nothing authenticated", () => {
    const { server } = makeServer();
    const c = new TestClient(server);
    const r = sasl(c, Buffer.alloc(0));
    expect(r.header.err).toBe(0);
    expect(r.body?.token).toBeNull();
    expect(whoami(c)).toEqual(["ip:127.0.0.1"]);
  });

  it("a good user gets sasl:<user>; sasl ACLs allow it and deny others", () => {
    const { server } = makeServer(SASL);
    const alice = new TestClient(server);
    const [first, second] = login(alice, "alice", "alice-pw");
    expect(first!.header.err).toBe(0);
    expect(second!.header.err).toBe(0);
    expect(second!.body?.token?.toString()).toMatch(/^rspauth=[0-9a-f]{32}$/);
    expect(whoami(alice)).toEqual(["ip:127.0.0.1", "sasl:alice"]);
    expect(alice.call(OpCode.create, create("/x", [{ perms: Perms.ALL, id: { scheme: "sasl", id: "alice" } }])).header.err).toBe(0);
    const bob = new TestClient(server);
    login(bob, "bob", "bob-pw");
    expect(bob.call(OpCode.setData, { path: "/x", data: Buffer.from("b"), version: -1 }).header.err).toBe(ErrorCode.NOAUTH);
    const anon = new TestClient(server);
    expect(anon.call(OpCode.getData, { path: "/x", watch: false }).header.err).toBe(ErrorCode.NOAUTH);
    expect(alice.call(OpCode.getData, { path: "/x", watch: false }).header.err).toBe(0);
    // auth:"" expands to the sasl id
    expect(bob.call(OpCode.create, create("/b", [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }])).header.err).toBe(0);
    expect((bob.call(OpCode.getACL, { path: "/b" }).body as { acl: { id: unknown }[] }).acl.map((a) => a.id)).toEqual([{ scheme: "sasl", id: "bob" }]);
    // addauth sasl is refused (SASLAuthenticationProvider.handleAuthentication: AUTHFAILED)
    anon.send(OpCode.auth, { type: 0, scheme: "sasl", auth: Buffer.from("alice") }, -4);
    expect(anon.replies()[0]!.header.err).toBe(ErrorCode.AUTHFAILED);
  });

  it("zookeeper.superUser also gets the super id", () => {
    const { server } = makeServer(SASL);
    const alice = new TestClient(server);
    login(alice, "alice", "alice-pw");
    expect(alice.call(OpCode.create, create("/only-alice", [{ perms: Perms.ALL, id: { scheme: "sasl", id: "alice" } }])).header.err).toBe(0);
    const admin = new TestClient(server);
    login(admin, "admin", "admin-pw");
    expect(whoami(admin)).toEqual(["ip:127.0.0.1", "sasl:admin", "super:"]);
    expect(admin.call(OpCode.setData, { path: "/only-alice", data: Buffer.from("su"), version: -1 }).header.err).toBe(0);
  });

  it("without SASLAuthenticationProvider registered: the id is given but sasl ACLs are invalid", () => {
    const { server } = makeServer({ sasl: { users } });
    const alice = new TestClient(server);
    login(alice, "alice", "alice-pw");
    expect(alice.call(OpCode.create, create("/x", [{ perms: Perms.ALL, id: { scheme: "sasl", id: "alice" } }])).header.err).toBe(ErrorCode.INVALIDACL);
  });

  const failures: [string, string, string, ((t: Buffer) => Buffer) | undefined][] = [
    ["a wrong password", "alice", "nope", undefined],
    ["an unknown user", "mallory", "x", undefined],
    ["a garbage token", "alice", "alice-pw", () => Buffer.from([0, 1, 2, 0xff, 0x22])],
  ];
  for (const [what, user, pw, garble] of failures) {
    it(`${what}: AUTHFAILED with a null token and the connection is closed; the server keeps serving`, () => {
      const { server } = makeServer(SASL);
      const c = new TestClient(server);
      const [, second] = login(c, user, pw, garble);
      expect(second!.header.err).toBe(ErrorCode.AUTHFAILED);
      expect(second!.body?.token).toBeNull();
      expect(c.conn.closed).toMatch(/sasl authentication failed/);
      const other = new TestClient(server);
      login(other, "alice", "alice-pw");
      expect(whoami(other)).toEqual(["ip:127.0.0.1", "sasl:alice"]);
    });
  }

  it("zookeeper.allowSaslFailedClients keeps a failed connection (OK, null token, unauthenticated)", () => {
    const { server } = makeServer({ ...SASL, sasl: { users, allowFailedClients: true } });
    const c = new TestClient(server);
    const [, second] = login(c, "alice", "nope");
    expect(second!.header.err).toBe(0);
    expect(second!.body?.token).toBeNull();
    expect(c.conn.closed).toBeNull();
    expect(whoami(c)).toEqual(["ip:127.0.0.1"]);
  });

  it("a bounded run of garbage tokens never takes the server down", () => {
    const { server } = makeServer(SASL);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 300; i++) {
      const c = new TestClient(server);
      const steps = 1 + Math.floor(rnd() * 3);
      for (let s = 0; s < steps && c.conn.closed === null; s++) {
        const token = Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
        const r = sasl(c, token);
        expect([0, ErrorCode.AUTHFAILED]).toContain(r.header.err);
      }
    }
    const ok = new TestClient(server);
    login(ok, "alice", "alice-pw");
    expect(whoami(ok)).toEqual(["ip:127.0.0.1", "sasl:alice"]);
  });
});

describe("enforce.auth (AuthenticationHelper)", () => {
  it("a request from a connection without an enforced scheme: SESSIONCLOSEDREQUIRESASLAUTH, connection closed", () => {
    const { server } = makeServer({ ...SASL, enforceAuthSchemes: ["sasl"] });
    const anon = new TestClient(server);
    const r = anon.call(OpCode.create, create("/anon", [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }]));
    expect(r.header.err).toBe(ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
    expect(anon.conn.closed).not.toBeNull();
    const alice = new TestClient(server);
    login(alice, "alice", "alice-pw");
    expect(alice.call(OpCode.exists, { path: "/anon", watch: false }).header.err).toBe(ErrorCode.NONODE);
  });

  it("digest satisfies enforce.auth.schemes=digest; a failed SASL exchange under enforced sasl is SESSIONCLOSEDREQUIRESASLAUTH", () => {
    const { server } = makeServer({ ...SASL, enforceAuthSchemes: ["digest"] });
    const d = new TestClient(server);
    d.send(OpCode.auth, { type: 0, scheme: "digest", auth: Buffer.from("u:p") }, -4);
    expect(d.replies()[0]!.header.err).toBe(0);
    expect(d.call(OpCode.exists, { path: "/", watch: false }).header.err).toBe(0);
    const { server: s2 } = makeServer({ ...SASL, enforceAuthSchemes: ["sasl"] });
    const c = new TestClient(s2);
    expect(login(c, "alice", "bad")[1]!.header.err).toBe(ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
    expect(c.conn.closed).not.toBeNull();
  });
});
