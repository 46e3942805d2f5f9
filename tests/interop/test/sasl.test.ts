/**
 * SASL DIGEST-MD5 on the client port beside Apache ZooKeeper 3.8, with the same zoo.cfg and the same JAAS file
 * (given to each as ZooKeeper is given it: -Djava.security.auth.login.config for the reference JVM, the same flag in
 * SERVER_JVMFLAGS for zkts). zkCli.sh logs in with a JAAS `Client` section (CLIENT_JVMFLAGS): a good user (whoami
 * `sasl: alice`), a wrong password, an unknown user, the super user (zookeeper.superUser), sasl ACLs set with
 * setAcl, and anonymous clients under enforce.auth.enabled=true / enforce.auth.schemes=sasl. The outputs of both
 * servers must be equal. kazoo (Debian's python3-kazoo 2.8 with python3-pure-sasl, via drivers/kazoo_driver.py) does
 * the same with sasl_options={"mechanism": "DIGEST-MD5", ...}: whoAmI, sasl and auth ACLs, the super user, failed
 * logins (kazoo's AUTH_FAILED / LOST), a re-login after a dropped connection, non-ASCII passwords, PLAIN/ANONYMOUS,
 * a wrong service name, enforce.auth;
 * its normalised results from both servers must be equal too.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { encodeConnectRequest, encodeRequest, OpCode } from "@zkts/client-wire";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fourLetter, referenceAvailable, startReferenceZooKeeper, startZkts, type TestServer } from "@zkts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runZkCli } from "../src/clients.js";
import { Normaliser } from "../src/normalise.js";
import { diffKazoo, type KStep } from "../src/scenario.js";

const dir = mkdtempSync(join(tmpdir(), "zkts-interop-sasl-"));
const f = (n: string) => join(dir, n);
const DIGEST = "org.apache.zookeeper.server.auth.DigestLoginModule";
writeFileSync(f("server.jaas"), `Server {\n  ${DIGEST} required\n  user_alice="alice-pw"\n  user_bob="bob-pw"\n  user_admin="admin-pw"\n  user_ivan="пароль"\n  user_carol="pässwort";\n};\n`);
const client = (name: string, user: string, password: string) => {
  writeFileSync(f(`${name}.jaas`), `Client {\n  ${DIGEST} required\n  username="${user}"\n  password="${password}";\n};\n`);
  return [`-Djava.security.auth.login.config=${f(`${name}.jaas`)}`];
};
const ALICE = client("alice", "alice", "alice-pw");
const BOB = client("bob", "bob", "bob-pw");
const ADMIN = client("admin", "admin", "admin-pw");
const WRONG = client("wrong", "alice", "not-her-password");
const UNKNOWN = client("unknown", "mallory", "whatever");
const IVAN = client("ivan", "ivan", "пароль");
const CAROL = client("carol", "carol", "pässwort");

const SASL_CONFIG = {
  "authProvider.1": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
  superUser: "admin",
  "4lw.commands.whitelist": "*",
};

type Pair = { reference: TestServer; subject: TestServer; stop(): Promise<void> };

async function startSaslPair(config: Record<string, string>): Promise<Pair> {
  const jaas = `-Djava.security.auth.login.config=${f("server.jaas")}`;
  const [r, s] = await Promise.allSettled([
    startReferenceZooKeeper({ config, systemProperties: { "java.security.auth.login.config": f("server.jaas") } }),
    startZkts({ config, env: { SERVER_JVMFLAGS: jaas } }),
  ]);
  if (r.status === "rejected" || s.status === "rejected") {
    if (r.status === "fulfilled") await r.value.stop();
    if (s.status === "fulfilled") await s.value.stop();
    throw r.status === "rejected" ? r.reason : (s as PromiseRejectedResult).reason;
  }
  return { reference: r.value, subject: s.value, stop: async () => void (await Promise.all([r.value.stop(), s.value.stop()])) };
}

/** The same zkCli.sh session against both servers; normalised outputs and events must be equal. */
async function both(pair: () => Pair, jvmFlags: string[], commands: string[], opts: { events?: boolean } = {}): Promise<{ out: string; events: string[] }> {
  const p = pair();
  const [ref, sub] = await Promise.all([
    runZkCli(`127.0.0.1:${p.reference.port}`, commands, { jvmFlags, timeoutMs: 90_000 }),
    runZkCli(`127.0.0.1:${p.subject.port}`, commands, { jvmFlags, timeoutMs: 90_000 }),
  ]);
  const n = (x: typeof ref) => new Normaliser().zkCliLines(x.outputs);
  expect(n(sub)).toEqual(n(ref));
  // a failed login makes the client retry: how many times in the run is timing, whether it happened is not
  const events = (x: typeof ref) => [...new Set(x.events)].sort();
  if (opts.events !== false) expect(events(sub)).toEqual(events(ref));
  return { out: n(ref).flat().join("\n"), events: events(ref) };
}

/** The same kazoo steps (drivers/kazoo_driver.py) against both servers; normalised results must be equal. */
async function kazooBoth(pair: () => Pair, steps: KStep[]): Promise<void> {
  const p = pair();
  await diffKazoo({ reference: p.reference, subject: p.subject, subjectKind: "zkts", stop: p.stop }, steps);
}
/** kazoo's sasl_options (pure-sasl) for a DIGEST-MD5 login. */
const sasl = (username: string, password: string) => ({ mechanism: "DIGEST-MD5", username, password });
const acl = (perms: number, scheme: string, id: string) => ({ perms, scheme, id });

const mntrValue = async (port: number, key: string) => Number(new RegExp(`${key}\\t(\\d+)`).exec(await fourLetter(port, "mntr"))?.[1]);

describe.skipIf(!referenceAvailable())("SASL DIGEST-MD5: zkts beside ZooKeeper 3.8 (zkCli.sh)", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startSaslPair(SASL_CONFIG);
  }, 120_000);
  afterAll(async () => {
    await pair?.stop();
  });
  const get = () => pair;

  it("a good user: whoami `sasl: alice`, setAcl sasl:alice, allowed for her and denied to bob and anonymous", async () => {
    const alice = await both(get, ALICE, ["whoami", "create /sx hello", "setAcl /sx sasl:alice:cdrwa", "getAcl /sx", "get /sx", "create /sx/kid k"]);
    expect(alice.out).toContain("sasl: alice");
    expect(alice.out).toContain("'sasl,'alice");
    expect(alice.out).toContain("hello");
    expect(alice.events.join("\n")).toContain("state:SaslAuthenticated");
    const bob = await both(get, BOB, ["whoami", "get /sx", "set /sx bob"]);
    expect(bob.out).toContain("sasl: bob");
    expect(bob.out).toMatch(/Insufficient permission/);
    const anon = await both(get, [], ["whoami", "get /sx", "ls /"]);
    expect(anon.out).toMatch(/Insufficient permission/);
  }, 240_000);

  it("the super user (zookeeper.superUser) passes every ACL", async () => {
    const admin = await both(get, ADMIN, ["whoami", "set /sx by-admin", "get /sx", "setAcl /sx sasl:admin:r", "getAcl /sx"]);
    expect(admin.out).toContain("sasl: admin");
    expect(admin.out).toContain("super: ");
    expect(admin.out).toContain("by-admin");
  }, 120_000);

  it("a wrong password and an unknown user: AuthFailed, and the server keeps serving", async () => {
    const wrong = await both(get, WRONG, ["whoami", "ls /"]);
    expect(wrong.events.join("\n")).toContain("state:AuthFailed");
    const unknown = await both(get, UNKNOWN, ["whoami", "ls /"]);
    expect(unknown.events.join("\n")).toContain("state:AuthFailed");
    const alice = await both(get, ALICE, ["whoami"]);
    expect(alice.out).toContain("sasl: alice");
    // ZooKeeper 3.8 does not count failed SASL logins in zk_auth_failed_count (only failed x509 handshakes in
    // NettyServerCnxnFactory): it reads 0 after the two failures above. zkts does not measure that counter and
    // leaves the key out of mntr, as before.
    const [ref, sub] = await Promise.all([mntrValue(pair.reference.port, "zk_auth_failed_count"), mntrValue(pair.subject.port, "zk_auth_failed_count")]);
    expect(ref).toBe(0);
    expect(sub).toBeNaN();
  }, 240_000);

  it("kazoo: a good user: whoAmI sasl alice, sasl:alice and auth ACLs, allowed for her and denied to bob and anonymous", async () => {
    await kazooBoth(get, [
      { op: "connect", s: "alice", sasl: sasl("alice", "alice-pw") },
      { op: "who_am_i", s: "alice", expect: { ok: [{ scheme: "sasl", user: "alice" }, { scheme: "ip", user: "127.0.0.1" }] } },
      { op: "create", s: "alice", path: "/kz", data: "hello", acl: [acl(31, "sasl", "alice")] },
      { op: "get_acls", s: "alice", path: "/kz", expect: { ok: { acl: [{ perms: 31, scheme: "sasl", id: "alice" }] } } },
      { op: "get", s: "alice", path: "/kz", expect: { ok: { data: "hello" } } },
      { op: "create", s: "alice", path: "/kz/kid", data: "k" },
      { op: "create", s: "alice", path: "/kz-auth", data: "a", acl: [acl(31, "auth", "")] },
      { op: "get_acls", s: "alice", path: "/kz-auth", expect: { ok: { acl: [{ perms: 31, scheme: "sasl", id: "alice" }] } } },
      { op: "connect", s: "bob", sasl: sasl("bob", "bob-pw") },
      { op: "who_am_i", s: "bob", expect: { ok: [{ scheme: "sasl", user: "bob" }, { scheme: "ip", user: "127.0.0.1" }] } },
      { op: "get", s: "bob", path: "/kz", expect: { err: "NoAuthError" } },
      { op: "set", s: "bob", path: "/kz", data: "bob", expect: { err: "NoAuthError" } },
      { op: "get_children", s: "bob", path: "/kz", expect: { err: "NoAuthError" } },
      { op: "get_acls", s: "bob", path: "/kz-auth" },
      { op: "connect", s: "anon" },
      { op: "who_am_i", s: "anon", expect: { ok: [{ scheme: "ip", user: "127.0.0.1" }] } },
      { op: "get", s: "anon", path: "/kz", expect: { err: "NoAuthError" } },
      { op: "create", s: "anon", path: "/kz/anon", expect: { err: "NoAuthError" } },
      { op: "get", s: "anon", path: "/kz-auth", expect: { err: "NoAuthError" } },
      { op: "states", s: "alice", expect: { ok: ["CONNECTED"] } },
      { op: "states", s: "bob", expect: { ok: ["CONNECTED"] } },
    ]);
  }, 120_000);

  it("kazoo: the super user (zookeeper.superUser) passes every ACL", async () => {
    await kazooBoth(get, [
      { op: "connect", s: "admin", sasl: sasl("admin", "admin-pw") },
      {
        op: "who_am_i",
        s: "admin",
        expect: { ok: [{ scheme: "sasl", user: "admin" }, { scheme: "super", user: "" }, { scheme: "ip", user: "127.0.0.1" }] },
      },
      { op: "set", s: "admin", path: "/kz", data: "by-admin" },
      { op: "get", s: "admin", path: "/kz", expect: { ok: { data: "by-admin" } } },
      { op: "get", s: "admin", path: "/kz-auth", expect: { ok: { data: "a" } } },
      { op: "set_acls", s: "admin", path: "/kz", acl: [acl(1, "sasl", "admin")] },
      { op: "get_acls", s: "admin", path: "/kz", expect: { ok: { acl: [{ perms: 1, scheme: "sasl", id: "admin" }] } } },
      { op: "create", s: "admin", path: "/kz/by-admin" },
      { op: "connect", s: "alice", sasl: sasl("alice", "alice-pw") },
      { op: "get", s: "alice", path: "/kz", expect: { err: "NoAuthError" } },
      { op: "get", s: "alice", path: "/kz-auth", expect: { ok: { data: "a" } } },
    ]);
  }, 120_000);

  it("kazoo: a wrong password and an unknown user: AUTH_FAILED, the session LOST, and the server keeps serving", async () => {
    await kazooBoth(get, [
      // kazoo reports CONNECTED when the session is made, then logs in: the failed login is AUTH_FAILED (LOST),
      // kazoo stops connecting, and later requests fail with ConnectionClosedError.
      { op: "connect", s: "wrong", sasl: sasl("alice", "not-her-password"), async: true },
      { op: "wait_state", s: "wrong", state: "LOST", expect: { ok: { reached: true, keeper_state: "AUTH_FAILED" } } },
      { op: "wait_stopped", s: "wrong", expect: { ok: { stopped: true } } },
      { op: "states", s: "wrong", expect: { ok: ["CONNECTED", "LOST"] } },
      { op: "who_am_i", s: "wrong", expect: { err: "ConnectionClosedError" } },
      { op: "connect", s: "unknown", sasl: sasl("mallory", "whatever"), async: true },
      { op: "wait_state", s: "unknown", state: "LOST", expect: { ok: { reached: true, keeper_state: "AUTH_FAILED" } } },
      { op: "wait_stopped", s: "unknown", expect: { ok: { stopped: true } } },
      { op: "states", s: "unknown", expect: { ok: ["CONNECTED", "LOST"] } },
      { op: "get", s: "unknown", path: "/", expect: { err: "ConnectionClosedError" } },
      { op: "connect", s: "alice", sasl: sasl("alice", "alice-pw") },
      { op: "who_am_i", s: "alice", expect: { ok: [{ scheme: "sasl", user: "alice" }, { scheme: "ip", user: "127.0.0.1" }] } },
    ]);
  }, 120_000);

  it("kazoo: a dropped connection logs in again on the same session (whoAmI, sasl ACL, digest added later)", async () => {
    await kazooBoth(get, [
      { op: "connect", s: "a", sasl: sasl("alice", "alice-pw") },
      { op: "create", s: "a", path: "/kz-eph", data: "e", ephemeral: true, acl: [acl(31, "sasl", "alice")] },
      { op: "drop", s: "a", expect: { ok: true } },
      { op: "reconnect", s: "a", expect: { ok: true } },
      { op: "who_am_i", s: "a", expect: { ok: [{ scheme: "sasl", user: "alice" }, { scheme: "ip", user: "127.0.0.1" }] } },
      { op: "get", s: "a", path: "/kz-eph", expect: { ok: { data: "e" } } },
      { op: "add_auth", s: "a", scheme: "digest", cred: "x:y" },
      { op: "drop", s: "a", expect: { ok: true } },
      { op: "reconnect", s: "a", expect: { ok: true } },
      {
        op: "who_am_i",
        s: "a",
        expect: { ok: [{ scheme: "sasl", user: "alice" }, { scheme: "ip", user: "127.0.0.1" }, { scheme: "digest", user: "x" }] },
      },
      { op: "states", s: "a", expect: { ok: ["CONNECTED", "SUSPENDED", "CONNECTED", "SUSPENDED", "CONNECTED"] } },
    ]);
  }, 120_000);

  it("non-ASCII passwords: zkCli.sh (charset=utf-8) logs in; kazoo (pure-sasl: no charset, UTF-8 bytes) only beyond Latin-1", async () => {
    // DIGEST-MD5 hashes the password as ISO 8859-1 when every character fits, else as UTF-8; pure-sasl always
    // hashes UTF-8, so "pässwort" fails and "пароль" works for kazoo, on both servers.
    for (const jvm of [IVAN, CAROL]) {
      const r = await both(get, jvm, ["whoami"]);
      expect(r.out).toMatch(/sasl: (ivan|carol)/);
    }
    await kazooBoth(get, [
      { op: "connect", s: "ivan", sasl: sasl("ivan", "пароль") },
      { op: "who_am_i", s: "ivan", expect: { ok: [{ scheme: "sasl", user: "ivan" }, { scheme: "ip", user: "127.0.0.1" }] } },
      { op: "connect", s: "carol", sasl: sasl("carol", "pässwort"), async: true },
      { op: "wait_state", s: "carol", state: "LOST", expect: { ok: { reached: true, keeper_state: "AUTH_FAILED" } } },
      { op: "wait_stopped", s: "carol", expect: { ok: { stopped: true } } },
      { op: "states", s: "carol", expect: { ok: ["CONNECTED", "LOST"] } },
    ]);
  }, 240_000);

  it("kazoo: what ZooKeeper's DIGEST-MD5 server does not take: PLAIN, ANONYMOUS, another service, another case", async () => {
    await kazooBoth(get, [
      // pure-sasl's PLAIN and ANONYMOUS send one token and call themselves done: the server took it as the first
      // step of DIGEST-MD5 and answered a challenge nobody reads, so the session has no sasl identity.
      { op: "connect", s: "plain", sasl: { mechanism: "PLAIN", username: "alice", password: "alice-pw" } },
      { op: "who_am_i", s: "plain", expect: { ok: [{ scheme: "ip", user: "127.0.0.1" }] } },
      { op: "get", s: "plain", path: "/kz-auth", expect: { err: "NoAuthError" } },
      { op: "connect", s: "anonymous", sasl: { mechanism: "ANONYMOUS" } },
      { op: "who_am_i", s: "anonymous", expect: { ok: [{ scheme: "ip", user: "127.0.0.1" }] } },
      { op: "states", s: "plain", expect: { ok: ["CONNECTED"] } },
      { op: "states", s: "anonymous", expect: { ok: ["CONNECTED"] } },
      // digest-uri "other/zk-sasl-md5" instead of "zookeeper/zk-sasl-md5"; user names are case-sensitive
      { op: "connect", s: "service", sasl: { ...sasl("alice", "alice-pw"), service: "other" }, async: true },
      { op: "wait_state", s: "service", state: "LOST", expect: { ok: { reached: true, keeper_state: "AUTH_FAILED" } } },
      { op: "connect", s: "case", sasl: sasl("ALICE", "alice-pw"), async: true },
      { op: "wait_state", s: "case", state: "LOST", expect: { ok: { reached: true, keeper_state: "AUTH_FAILED" } } },
      { op: "states", s: "service", expect: { ok: ["CONNECTED", "LOST"] } },
      { op: "states", s: "case", expect: { ok: ["CONNECTED", "LOST"] } },
    ]);
  }, 120_000);
});

/** Sends a connect and then `tokens` as SASL packets on one connection; the reply error codes, until closed. */
async function saslTokens(port: number, tokens: Buffer[]): Promise<number[]> {
  const framed = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    const errs: number[] = [];
    let buf = Buffer.alloc(0);
    let connected = false;
    const timer = setTimeout(() => s.destroy(), 10_000);
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      resolve(errs);
    });
    s.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const p = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + p.length);
        if (!connected) {
          connected = true;
          tokens.forEach((t, i) => s.write(framed(encodeRequest({ xid: i + 1, type: OpCode.sasl, body: { token: t } }))));
          continue;
        }
        errs.push(p.readInt32BE(12));
        if (errs.length === tokens.length) s.end();
      }
    });
    s.write(framed(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false, hasReadOnly: false })));
  });
}

describe.skipIf(!referenceAvailable())("a JAAS Server section without SASLAuthenticationProvider: zkts beside ZooKeeper 3.8", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startSaslPair({ superUser: "admin", "4lw.commands.whitelist": "*" });
  }, 120_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it("the login works and gives the sasl id, but sasl ACLs are invalid", async () => {
    const alice = await both(() => pair, ALICE, ["whoami", "create /np x", "setAcl /np sasl:alice:cdrwa", "getAcl /np"]);
    expect(alice.events.join("\n")).toContain("state:SaslAuthenticated");
    expect(alice.out).toMatch(/InvalidACL|Acl is not valid/);
  }, 120_000);
});

describe.skipIf(!referenceAvailable())("SASL garbage tokens (bounded): zkts beside ZooKeeper 3.8", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startSaslPair(SASL_CONFIG);
  }, 120_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it("the same error codes from both, the connection closed after a failure, both keep serving", async () => {
    let seed = 99;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const runs: Buffer[][] = [];
    for (let i = 0; i < 25; i++) {
      const garbage = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)));
      // an empty first token (the challenge), then garbage; or garbage as the first token
      runs.push(i % 2 === 0 ? [Buffer.alloc(0), garbage] : [garbage, Buffer.alloc(0)]);
    }
    for (const tokens of runs) {
      const [ref, sub] = await Promise.all([saslTokens(pair.reference.port, tokens), saslTokens(pair.subject.port, tokens)]);
      expect(sub).toEqual(ref);
      expect(ref).toContain(-115); // AUTHFAILED
    }
    const alice = await both(() => pair, ALICE, ["whoami"]);
    expect(alice.out).toContain("sasl: alice");
  }, 240_000);
});

describe.skipIf(!referenceAvailable())("enforce.auth.enabled=true, enforce.auth.schemes=sasl: zkts beside ZooKeeper 3.8", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startSaslPair({ ...SASL_CONFIG, "enforce.auth.enabled": "true", "enforce.auth.schemes": "sasl" });
  }, 120_000);
  afterAll(async () => {
    await pair?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const get = () => pair;

  it("anonymous clients are refused; a SASL user is served", async () => {
    // One command, outputs compared: after the refusal the server drops the connection, and what a second command
    // meets (the reconnect, or the next drop) and whether zkCli.sh prints the Disconnected event before it exits
    // are timing, on either server; that /anon was not created is read by alice below.
    const anon = await both(get, [], ["create /anon x"], { events: false });
    expect(anon.out).not.toContain("Created /anon");
    const alice = await both(get, ALICE, ["whoami", "create /en x", "ls /"]);
    expect(alice.out).toContain("sasl: alice");
    expect(alice.out).toContain("Created /en");
    expect(alice.out).not.toContain("anon");
  }, 240_000);

  it("kazoo: an anonymous client is refused and dropped, a wrong password refused with -124, a SASL user served", async () => {
    await kazooBoth(get, [
      // ZooKeeper answers the first request with SESSION_CLOSED_REQUIRE_SASL_AUTH (-124) and drops the connection
      // (kazoo: SUSPENDED, then it reconnects and is dropped again at its next request or ping: how often in a
      // run is timing, so the session is closed after the first drop).
      { op: "connect", s: "anon" },
      { op: "create", s: "anon", path: "/kz-anon", data: "x", expect: { err: "SessionClosedRequireSaslAuthError" } },
      { op: "wait_state", s: "anon", state: "SUSPENDED", expect: { ok: { reached: true } } },
      { op: "close", s: "anon" },
      // A failed login under enforce.auth is answered with SESSION_CLOSED_REQUIRE_SASL_AUTH, not AUTH_FAILED: kazoo
      // has no handling for it in its SASL exchange, so its connection thread ends (CLOSED, not AUTH_FAILED).
      { op: "connect", s: "wrong", sasl: sasl("alice", "not-her-password"), async: true },
      { op: "wait_state", s: "wrong", state: "LOST", expect: { ok: { reached: true, keeper_state: "CLOSED" } } },
      { op: "wait_stopped", s: "wrong", expect: { ok: { stopped: true } } },
      { op: "states", s: "wrong", expect: { ok: ["CONNECTED", "LOST"] } },
      { op: "who_am_i", s: "wrong", expect: { err: "ConnectionClosedError" } },
      // a PLAIN "login" leaves the session without a sasl identity: refused like an anonymous one
      { op: "connect", s: "plain", sasl: { mechanism: "PLAIN", username: "alice", password: "alice-pw" } },
      { op: "create", s: "plain", path: "/kz-plain", data: "x", expect: { err: "SessionClosedRequireSaslAuthError" } },
      { op: "close", s: "plain" },
      { op: "connect", s: "alice", sasl: sasl("alice", "alice-pw") },
      { op: "who_am_i", s: "alice", expect: { ok: [{ scheme: "sasl", user: "alice" }, { scheme: "ip", user: "127.0.0.1" }] } },
      { op: "create", s: "alice", path: "/kz-en", data: "x", expect: { ok: "/kz-en" } },
      { op: "exists", s: "alice", path: "/kz-anon", expect: { ok: null } },
      { op: "exists", s: "alice", path: "/kz-plain", expect: { ok: null } },
      { op: "states", s: "alice", expect: { ok: ["CONNECTED"] } },
    ]);
  }, 120_000);
});
