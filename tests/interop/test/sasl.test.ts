/**
 * SASL DIGEST-MD5 on the client port beside Apache ZooKeeper 3.8, with the same zoo.cfg and the same JAAS file
 * (given to each as ZooKeeper is given it: -Djava.security.auth.login.config for the reference JVM, the same flag in
 * SERVER_JVMFLAGS for zkts). zkCli.sh logs in with a JAAS `Client` section (CLIENT_JVMFLAGS): a good user (whoami
 * `sasl: alice`), a wrong password, an unknown user, the super user (zookeeper.superUser), sasl ACLs set with
 * setAcl, and anonymous clients under enforce.auth.enabled=true / enforce.auth.schemes=sasl. The outputs of both
 * servers must be equal. kazoo is not used: its SASL needs python3-puresasl, which Debian does not package.
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

const dir = mkdtempSync(join(tmpdir(), "zkts-interop-sasl-"));
const f = (n: string) => join(dir, n);
const DIGEST = "org.apache.zookeeper.server.auth.DigestLoginModule";
writeFileSync(f("server.jaas"), `Server {\n  ${DIGEST} required\n  user_alice="alice-pw"\n  user_bob="bob-pw"\n  user_admin="admin-pw";\n};\n`);
const client = (name: string, user: string, password: string) => {
  writeFileSync(f(`${name}.jaas`), `Client {\n  ${DIGEST} required\n  username="${user}"\n  password="${password}";\n};\n`);
  return [`-Djava.security.auth.login.config=${f(`${name}.jaas`)}`];
};
const ALICE = client("alice", "alice", "alice-pw");
const BOB = client("bob", "bob", "bob-pw");
const ADMIN = client("admin", "admin", "admin-pw");
const WRONG = client("wrong", "alice", "not-her-password");
const UNKNOWN = client("unknown", "mallory", "whatever");

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
async function both(pair: () => Pair, jvmFlags: string[], commands: string[]): Promise<{ out: string; events: string[] }> {
  const p = pair();
  const [ref, sub] = await Promise.all([
    runZkCli(`127.0.0.1:${p.reference.port}`, commands, { jvmFlags, timeoutMs: 90_000 }),
    runZkCli(`127.0.0.1:${p.subject.port}`, commands, { jvmFlags, timeoutMs: 90_000 }),
  ]);
  const n = (x: typeof ref) => new Normaliser().zkCliLines(x.outputs);
  expect(n(sub)).toEqual(n(ref));
  // a failed login makes the client retry: how many times in the run is timing, whether it happened is not
  const events = (x: typeof ref) => [...new Set(x.events)].sort();
  expect(events(sub)).toEqual(events(ref));
  return { out: n(ref).flat().join("\n"), events: events(ref) };
}

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
    const anon = await both(get, [], ["create /anon x", "ls /"]);
    expect(anon.out).not.toContain("Created /anon");
    const alice = await both(get, ALICE, ["whoami", "create /en x", "ls /"]);
    expect(alice.out).toContain("sasl: alice");
    expect(alice.out).toContain("Created /en");
    expect(alice.out).not.toContain("anon");
  }, 240_000);
});
