/**
 * The client's SASL DIGEST-MD5 login against a scripted server (what goes on the wire, in what order, and what a
 * failure does): requests held until the login is done, SaslAuthenticated, redone on every new connection, and
 * authFailed (never a crash) for a refused login, a garbage challenge, a wrong rspauth or an undecodable reply.
 */
import { afterEach, describe, expect, it } from "vitest";
import { digestResponse, OpCode, parseDirectives, Xid } from "@zkts/client-wire";
import { AuthFailedError, createClient, SaslSettingsError, type SessionState, type ZooKeeperClient } from "./index.js";
import { FakeServer } from "./testing/fake-server.js";
import { once } from "./testing/helpers.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const NONCE = "bm9uY2Utb2YtdGhlLWZha2Utc2VydmVy";
const CHALLENGE = Buffer.from(`realm="zk-sasl-md5",nonce="${NONCE}",charset=utf-8,algorithm=md5-sess`);

/** A server side of DIGEST-MD5 for the scripted server: checks the response as DigestMD5Server does, answers rspauth. */
function digestServer(users: Record<string, string>, opts: { badRspauth?: boolean; challenge?: Buffer } = {}) {
  return (token: Buffer | null) => {
    if (token === null || token.length === 0) return { token: opts.challenge ?? CHALLENGE };
    const d = parseDirectives(token);
    const password = users[d.get("username")!];
    const common = {
      username: d.get("username")!,
      realm: d.get("realm")!,
      password: password ?? "",
      nonce: d.get("nonce")!,
      cnonce: d.get("cnonce")!,
      nc: d.get("nc")!,
      qop: d.get("qop")!,
      digestUri: d.get("digest-uri")!,
      authzid: d.get("authzid"),
    };
    if (password === undefined || digestResponse({ ...common, a2Prefix: "AUTHENTICATE" }) !== d.get("response")) {
      return { err: -115, token: null, close: true };
    }
    const rspauth = opts.badRspauth ? "0".repeat(32) : digestResponse({ ...common, a2Prefix: "" });
    return { token: Buffer.from(`rspauth=${rspauth}`) };
  };
}

async function setup(fake: FakeServer, password = "alice-pw"): Promise<{ c: ZooKeeperClient; states: SessionState[]; events: string[] }> {
  const c = createClient(fake.connectString, { sessionTimeout: 3000, retryDelay: 20, sasl: { mechanism: "DIGEST-MD5", username: "alice", password } });
  cleanup.push(() => c.close({ timeout: 200 }));
  const states: SessionState[] = [];
  const events: string[] = [];
  c.on("state", (s) => states.push(s));
  c.on("saslAuthenticated", () => events.push("saslAuthenticated"));
  c.on("saslFailed", (why) => events.push(`saslFailed: ${why}`));
  return { c, states, events };
}

async function fakeServer(): Promise<FakeServer> {
  const fake = await FakeServer.start();
  cleanup.push(() => fake.close());
  return fake;
}

describe("SASL DIGEST-MD5 login (scripted server)", () => {
  it("logs in after the session handshake; auth, setWatches and queued requests wait for it, in that order", async () => {
    const fake = await fakeServer();
    fake.sasl = digestServer({ alice: "alice-pw" });
    const { c, states, events } = await setup(fake);
    await c.addAuth("digest", "u:p").catch(() => undefined);
    const got = c.getData("/x");
    await got;
    expect(events).toEqual(["saslAuthenticated"]);
    expect(states).toEqual(["connecting", "connected"]);
    const reqs = fake.requests[0]!;
    expect(reqs.map((r) => r.type)).toEqual([OpCode.sasl, OpCode.sasl, OpCode.auth, OpCode.getData]);
    expect(reqs[0]!.body).toEqual({ token: Buffer.alloc(0) });
    // the response: RFC 2831 directives as Java's DigestMD5Client sends them (authzid = the user name)
    const resp = parseDirectives((reqs[1]!.body as { token: Buffer }).token);
    expect(Object.fromEntries(resp)).toMatchObject({
      charset: "utf-8",
      username: "alice",
      realm: "zk-sasl-md5",
      nonce: NONCE,
      nc: "00000001",
      qop: "auth",
      "digest-uri": "zookeeper/zk-sasl-md5",
      authzid: "alice",
    });
    expect(reqs[0]!.xid).toBeGreaterThan(0);
    expect(reqs[1]!.xid).toBeGreaterThan(reqs[0]!.xid);
    expect(reqs[2]!.xid).toBe(Xid.AUTH);
  });

  it("a new login on every new connection, before anything else is sent on it", async () => {
    const fake = await fakeServer();
    fake.sasl = digestServer({ alice: "alice-pw" });
    const { c, events } = await setup(fake);
    await c.getData("/a");
    fake.cut();
    await once(c, "disconnected");
    await c.getData("/b");
    expect(events).toEqual(["saslAuthenticated", "saslAuthenticated"]);
    expect(fake.requests[1]!.map((r) => r.type)).toEqual([OpCode.sasl, OpCode.sasl, OpCode.getData]);
  });

  it("a refused login (wrong password): AuthFailed, the held requests fail with AuthFailedError, no reconnect", async () => {
    const fake = await fakeServer();
    fake.sasl = digestServer({ alice: "alice-pw" });
    const { c, states, events } = await setup(fake, "not-her-password");
    await expect(c.getData("/x")).rejects.toBeInstanceOf(AuthFailedError);
    expect(states).toEqual(["connecting", "connected", "authFailed"]);
    expect(events).toEqual(["saslFailed: the server refused the SASL login (error -115)"]);
    expect(fake.requests[0]!.map((r) => r.type)).toEqual([OpCode.sasl, OpCode.sasl]);
    await expect(c.getData("/y")).rejects.toBeInstanceOf(AuthFailedError);
    expect(fake.connects).toHaveLength(1);
  });

  const bad: Array<[string, Parameters<typeof digestServer>[1] | ((t: Buffer | null) => { token: Buffer | null }), RegExp]> = [
    ["a garbage challenge", { challenge: Buffer.from([0x00, 0xff, 0x3d, 0x22, 0x80]) }, /DIGEST-MD5/],
    ["a challenge without a nonce", { challenge: Buffer.from('realm="zk-sasl-md5",algorithm=md5-sess') }, /Missing nonce/],
    ["a challenge with another algorithm", { challenge: Buffer.from(`nonce="${NONCE}",algorithm=md5`) }, /algorithm/],
    ["a challenge with no common qop", { challenge: Buffer.from(`nonce="${NONCE}",qop="auth-conf",algorithm=md5-sess`) }, /protection/],
    ["a repeated directive", { challenge: Buffer.from(`nonce="a",nonce="b",algorithm=md5-sess`) }, /Duplicate/],
    ["an unterminated quoted string", { challenge: Buffer.from(`nonce="abc`) }, /unterminated/],
    ["a null challenge", () => ({ token: null }), /no token/],
    ["a wrong rspauth", { badRspauth: true }, /rspauth/],
  ];
  for (const [what, server, why] of bad) {
    it(`${what}: AuthFailed, not a crash`, async () => {
      const fake = await fakeServer();
      fake.sasl = typeof server === "function" ? server : digestServer({ alice: "alice-pw" }, server);
      const { c, states, events } = await setup(fake);
      await expect(c.getData("/x")).rejects.toBeInstanceOf(AuthFailedError);
      expect(states.at(-1)).toBe("authFailed");
      expect(events).toHaveLength(1);
      expect(events[0]).toMatch(why);
    });
  }

  it("a connection lost during the login: the client reconnects and logs in again", async () => {
    const fake = await fakeServer();
    const server = digestServer({ alice: "alice-pw" });
    fake.sasl = (token, connection) => (connection === 0 ? "drop" : server(token));
    const { c, states, events } = await setup(fake);
    await c.getData("/x");
    expect(events).toEqual(["saslAuthenticated"]);
    expect(states).toEqual(["connecting", "connected", "disconnected", "connected"]);
    expect(fake.requests[1]!.map((r) => r.type)).toEqual([OpCode.sasl, OpCode.sasl, OpCode.getData]);
  });

  it("closed during the login: closeSession goes out, the login stops there, close() resolves", async () => {
    const fake = await fakeServer();
    fake.sasl = digestServer({ alice: "alice-pw" });
    const { c, events } = await setup(fake);
    await c.connect(); // the first SASL packet is on its way; the challenge comes back after closeSession is sent
    await c.close({ timeout: 1000 });
    expect(c.state).toBe("closed");
    const types = fake.requests[0]!.map((r) => r.type);
    expect(types).toEqual([OpCode.sasl, OpCode.closeSession]);
    expect(events).toEqual([]);
  });

  it("options are checked when the client is created", () => {
    expect(() => createClient("127.0.0.1:1", { sasl: { mechanism: "GSSAPI" as "DIGEST-MD5", username: "a", password: "b" } })).toThrow(SaslSettingsError);
  });
});
