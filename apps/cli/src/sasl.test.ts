/**
 * zkcli with SASL DIGEST-MD5 configured as zkCli.sh is (a JAAS `Client` section named by
 * `-Djava.security.auth.login.config=` in CLIENT_JVMFLAGS, `zookeeper.sasl.client`, `zookeeper.sasl.clientconfig`),
 * beside zkCli.sh, against Apache ZooKeeper 3.8 and zkts given the same JAAS `Server` section: a good user (whoami
 * `sasl: alice`, a sasl ACL), another user and an anonymous client denied, a wrong password and an unknown user
 * (AuthFailed), a JAAS file without the section. The same script must print the same lines from both CLIs (watch
 * events compared as a set: zkCli.sh prints them from another thread), and the same on both servers.
 * Plus the reader of those properties.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { referenceAvailable, startReferenceZooKeeper, startZkts, ZKCLI, zktsAvailable, type TestServer } from "@zkts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saslFromProperties } from "./client-config.js";
import { normalise, run, zkcli } from "./test-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "zkcli-sasl-"));
const f = (n: string) => join(dir, n);
const DIGEST = "org.apache.zookeeper.server.auth.DigestLoginModule";
writeFileSync(f("server.jaas"), `Server {\n  ${DIGEST} required\n  user_alice="alice-pw"\n  user_bob="bob-pw";\n};\n`);
const clientJaas = (name: string, section: string, user: string, password: string) => {
  writeFileSync(f(`${name}.jaas`), `${section} {\n  ${DIGEST} required\n  username="${user}"\n  password="${password}";\n};\n`);
  return `-Djava.security.auth.login.config=${f(`${name}.jaas`)}`;
};
const ALICE = clientJaas("alice", "Client", "alice", "alice-pw");
const BOB = clientJaas("bob", "Client", "bob", "bob-pw");
const WRONG = clientJaas("wrong", "Client", "alice", "not-her-password");
const UNKNOWN = clientJaas("unknown", "Client", "mallory", "whatever");
const OTHER = clientJaas("other", "Other", "alice", "alice-pw");

describe("the SASL properties reader", () => {
  const read = (props: Record<string, string>, files: Record<string, string> = {}) =>
    saslFromProperties(new Map(Object.entries(props)), (p) => {
      if (!(p in files)) throw new Error(`${p} (No such file or directory)`);
      return files[p]!;
    });
  const client = `Client { ${DIGEST} required username="alice" password="pw"; };`;
  it("the Client section's DigestLoginModule credentials, or another section by zookeeper.sasl.clientconfig", () => {
    expect(read({ "java.security.auth.login.config": "/c.jaas" }, { "/c.jaas": client })).toEqual({ sasl: { mechanism: "DIGEST-MD5", username: "alice", password: "pw" } });
    expect(read({ "java.security.auth.login.config": "/c.jaas", "zookeeper.sasl.clientconfig": "Mine" }, { "/c.jaas": client.replace("Client", "Mine") }).sasl?.username).toBe("alice");
    // the Kerberos service principal keys do not change DIGEST-MD5
    expect(read({ "java.security.auth.login.config": "/c.jaas", "zookeeper.server.principal": "zk/x@Y", "zookeeper.sasl.client.username": "zk" }, { "/c.jaas": client }).sasl?.username).toBe("alice");
  });
  it("no SASL: no JAAS file, or zookeeper.sasl.client=false", () => {
    expect(read({})).toEqual({});
    expect(read({ "java.security.auth.login.config": "/c.jaas", "zookeeper.sasl.client": "false" }, { "/c.jaas": client })).toEqual({});
  });
  it("a login that cannot start (missing file or section, explicit section without a file) is loginFailed, not an error", () => {
    expect(read({ "java.security.auth.login.config": "/missing.jaas" }).loginFailed).toMatch(/missing\.jaas/);
    expect(read({ "java.security.auth.login.config": "/c.jaas" }, { "/c.jaas": "Other { x required; };" }).loginFailed).toMatch(/No JAAS configuration section named 'Client'/);
    expect(read({ "zookeeper.sasl.clientconfig": "Mine" }).loginFailed).toMatch(/section 'Mine' could not be found/);
  });
  it("Kerberos or a DigestLoginModule without credentials: a clear error", () => {
    const krb = "Client { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true; };";
    expect(() => read({ "java.security.auth.login.config": "/k.jaas" }, { "/k.jaas": krb })).toThrow(/Krb5LoginModule.*Kerberos/);
    expect(() => read({ "java.security.auth.login.config": "/n.jaas" }, { "/n.jaas": `Client { ${DIGEST} required username="a"; };` })).toThrow(/password/);
  });
});

const kinds = [
  { name: "reference", available: referenceAvailable(), start: () => startReferenceZooKeeper({ config, systemProperties: { "java.security.auth.login.config": f("server.jaas") } }) },
  { name: "zkts", available: zktsAvailable(), start: () => startZkts({ config, env: { SERVER_JVMFLAGS: `-Djava.security.auth.login.config=${f("server.jaas")}` } }) },
] as const;
const config = { "authProvider.1": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider" };

const EVENT = /^WatchedEvent /;
/** A transcript split into command output (in order) and the watch events (as a set). */
function split(out: string): { lines: string[]; events: string[] } {
  const all = normalise(out).filter((l) => l !== "" && l !== "WATCHER::" && l !== "JLine support is disabled");
  return { lines: all.filter((l) => !EVENT.test(l)), events: [...new Set(all.filter((l) => EVENT.test(l)))].sort() };
}

describe.runIf(kinds.every((k) => k.available))("zkcli with SASL DIGEST-MD5 beside zkCli.sh, on ZooKeeper 3.8 and zkts", () => {
  const servers: Array<{ name: string; server: TestServer }> = [];
  beforeAll(async () => {
    for (const k of kinds) servers.push({ name: k.name, server: await k.start() });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.server.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The script piped into zkCli.sh and zkcli on each server; every transcript must be the same. They run at once,
   * so `/sx` in the script is a node of each CLI's own (`/sx-java`, `/sx-zkcli`), named `/sx` again in the output.
   */
  async function same(jvmFlags: string, script: string[]): Promise<{ lines: string[]; events: string[]; codes: Array<number | null> }> {
    const results: Array<{ who: string; lines: string[]; events: string[]; code: number | null }> = [];
    for (const s of servers) {
      const server = `127.0.0.1:${s.server.port}`;
      const input = (tag: string) => script.map((l) => l.replaceAll("/sx", `/sx-${tag}`)).join("\n") + "\n";
      const untag = (out: string) => out.replace(/\/sx-(java|zkcli)/g, "/sx");
      const env = { CLIENT_JVMFLAGS: jvmFlags };
      const [java, ours] = await Promise.all([
        run([ZKCLI, "-server", server], input("java"), { merge: true, timeoutMs: 90_000, env }),
        zkcli(["-server", server], input("zkcli"), { merge: true, timeoutMs: 60_000, env }),
      ]);
      results.push({ who: `zkCli.sh on ${s.name}`, ...split(untag(java.out)), code: java.code });
      results.push({ who: `zkcli on ${s.name}`, ...split(untag(ours.out)), code: ours.code });
    }
    const first = results[0]!;
    for (const r of results.slice(1)) expect({ who: r.who, lines: r.lines, events: r.events }).toEqual({ who: r.who, lines: first.lines, events: first.events });
    return { lines: first.lines, events: first.events, codes: results.map((r) => r.code) };
  }

  it("a good user: SaslAuthenticated, whoami `sasl: alice`, a sasl ACL allows her, denies bob and anonymous", async () => {
    const alice = await same(ALICE, ["whoami", "create /sx hello", "setAcl /sx sasl:alice:cdrwa", "getAcl /sx", "get /sx"]);
    expect(alice.events).toEqual(["WatchedEvent state:SaslAuthenticated type:None path:null", "WatchedEvent state:SyncConnected type:None path:null"]);
    expect(alice.lines).toEqual(["Auth scheme: User", "sasl: alice", "ip: 127.0.0.1", "Created /sx", "'sasl,'alice", ": cdrwa", "hello"]);
    const bob = await same(BOB, ["whoami", "get /sx", "set /sx bob"]);
    expect(bob.lines).toEqual(["Auth scheme: User", "sasl: bob", "ip: 127.0.0.1", "Insufficient permission : /sx", "Insufficient permission : /sx"]);
    const anon = await same("", ["get /sx"]);
    expect(anon.lines).toEqual(["Insufficient permission : /sx"]);
  }, 240_000);

  it("a wrong password and an unknown user: AuthFailed, the command fails with it, the session is over", async () => {
    for (const flags of [WRONG, UNKNOWN]) {
      const r = await same(flags, ["ls /", "whoami"]);
      expect(r.events).toContain("WatchedEvent state:AuthFailed type:None path:null");
      expect(r.lines).toEqual(["KeeperErrorCode = AuthFailed for /", "Not connected"]);
    }
  }, 240_000);

  it("a JAAS file without the section: AuthFailed event, then the session goes on without SASL", async () => {
    const r = await same(OTHER, ["whoami"]);
    expect(r.events).toEqual(["WatchedEvent state:AuthFailed type:None path:null", "WatchedEvent state:SyncConnected type:None path:null"]);
    expect(r.lines).toEqual(["Auth scheme: User", "ip: 127.0.0.1"]);
    // ... and zookeeper.sasl.clientconfig names it
    const named = await same(`${OTHER} -Dzookeeper.sasl.clientconfig=Other`, ["whoami"]);
    expect(named.lines).toEqual(["Auth scheme: User", "sasl: alice", "ip: 127.0.0.1"]);
    // zookeeper.sasl.client=false: no login at all
    const off = await same(`${ALICE} -Dzookeeper.sasl.client=false`, ["whoami"]);
    expect(off.events).toEqual(["WatchedEvent state:SyncConnected type:None path:null"]);
    expect(off.lines).toEqual(["Auth scheme: User", "ip: 127.0.0.1"]);
  }, 240_000);

  it("one-shot: the command's output and exit code are zkCli.sh's (whoami after a failed login prints only its header)", async () => {
    for (const s of servers) {
      const server = `127.0.0.1:${s.server.port}`;
      for (const [flags, cmd] of [[WRONG, ["whoami"]], [WRONG, ["ls", "/"]], [ALICE, ["whoami"]]] as const) {
        const env = { CLIENT_JVMFLAGS: flags };
        const [java, ours] = await Promise.all([
          run([ZKCLI, "-server", server, ...cmd], "", { merge: true, timeoutMs: 90_000, env }),
          zkcli(["-server", server, ...cmd], "", { merge: true, timeoutMs: 60_000, env }),
        ]);
        // zkCli.sh prints the connection events in one-shot mode too; zkcli prints only the command's output
        expect({ s: s.name, cmd, lines: split(ours.out).lines, code: ours.code }).toEqual({ s: s.name, cmd, lines: split(java.out).lines, code: java.code });
      }
    }
  }, 240_000);
});
