/**
 * The client's SASL DIGEST-MD5 login against Apache ZooKeeper 3.8 and zkts, both given the same zoo.cfg and the
 * same JAAS `Server` section (users alice and bob): a good user (whoami `sasl: alice`, sasl ACLs allow her and deny
 * bob and anonymous clients), a wrong password and an unknown user (AuthFailed), and the login redone on a new
 * connection. The observations from both servers must be equal.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { referenceAvailable, startReferenceZooKeeper, startZkts, zktsAvailable, type TestServer } from "@zkts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, KeeperError, Perms, type ClientOptions, type SessionState, type ZooKeeperClient } from "./index.js";
import { once } from "./testing/helpers.js";
import { LoopbackProxy } from "./testing/proxy.js";

const dir = mkdtempSync(join(tmpdir(), "zkts-client-sasl-"));
const JAAS = join(dir, "server.jaas");
writeFileSync(JAAS, `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_alice="alice-pw"\n  user_bob="bob-pw";\n};\n`);
const config = { "authProvider.1": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider", tickTime: "200" };

const kinds = [
  { name: "reference", available: referenceAvailable(), start: () => startReferenceZooKeeper({ config, systemProperties: { "java.security.auth.login.config": JAAS } }) },
  { name: "zkts", available: zktsAvailable(), start: () => startZkts({ config, env: { SERVER_JVMFLAGS: `-Djava.security.auth.login.config=${JAAS}` } }) },
] as const;

const sasl = (username: string, password: string): ClientOptions => ({ sasl: { mechanism: "DIGEST-MD5", username, password } });
const outcome = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    (v) => `ok ${JSON.stringify(v, (_k, x: unknown) => (Buffer.isBuffer(x) ? x.toString() : typeof x === "bigint" ? "<n>" : x))}`,
    (e: unknown) => (e instanceof KeeperError ? `error ${e.code}` : `throw ${String(e)}`),
  );

/** One client's run: its state changes, SASL events and the outcome of each step. */
async function session(connectString: string, options: ClientOptions, steps: (c: ZooKeeperClient) => Array<() => Promise<unknown>>): Promise<string[]> {
  const c = createClient(connectString, { sessionTimeout: 4000, retryDelay: 50, ...options });
  const log: string[] = [];
  c.on("state", (s: SessionState) => log.push(`state ${s}`));
  c.on("saslAuthenticated", () => log.push("saslAuthenticated"));
  try {
    for (const step of steps(c)) log.push(await outcome(step()));
  } finally {
    await c.close({ timeout: 1000 });
  }
  return log;
}

describe.runIf(kinds.every((k) => k.available))("SASL DIGEST-MD5 login: Apache ZooKeeper 3.8 and zkts", () => {
  const servers: Array<{ name: string; server: TestServer }> = [];
  beforeAll(async () => {
    for (const k of kinds) servers.push({ name: k.name, server: await k.start() });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.server.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** The same run against each server; the logs must be equal. */
  async function both(run: (connectString: string) => Promise<string[]>): Promise<string[]> {
    const logs: string[][] = [];
    for (const s of servers) logs.push(await run(`127.0.0.1:${s.server.port}`));
    expect(logs[1], "zkts vs ZooKeeper").toEqual(logs[0]);
    return logs[0]!;
  }

  it("a good user: whoami `sasl: alice`; a sasl ACL allows her and denies bob and anonymous clients", async () => {
    const alice = await both((cs) =>
      session(cs, sasl("alice", "alice-pw"), (c) => [
        () => c.whoAmI(),
        () => c.create("/sasl-acl", "hers", { acl: [{ perms: Perms.ALL, id: { scheme: "sasl", id: "alice" } }] }).then((r) => r.path),
        () => c.getData("/sasl-acl").then((r) => r.data?.toString()),
        () => c.getACL("/sasl-acl").then((r) => r.acl),
      ]),
    );
    expect(alice).toEqual([
      "state connecting",
      "state connected",
      "saslAuthenticated",
      'ok [{"authScheme":"sasl","user":"alice"},{"authScheme":"ip","user":"127.0.0.1"}]',
      'ok "/sasl-acl"',
      'ok "hers"',
      'ok [{"perms":31,"id":{"scheme":"sasl","id":"alice"}}]',
      "state closed",
    ]);
    const bob = await both((cs) => session(cs, sasl("bob", "bob-pw"), (c) => [() => c.whoAmI(), () => c.getData("/sasl-acl"), () => c.setData("/sasl-acl", "bob")]));
    expect(bob.slice(3)).toEqual(['ok [{"authScheme":"sasl","user":"bob"},{"authScheme":"ip","user":"127.0.0.1"}]', "error -102", "error -102", "state closed"]);
    const anon = await both((cs) => session(cs, {}, (c) => [() => c.getData("/sasl-acl")]));
    expect(anon).toEqual(["state connecting", "state connected", "error -102", "state closed"]);
  }, 60_000);

  it("a wrong password and an unknown user: AuthFailed, requests fail with it, the session is over", async () => {
    for (const [user, pw] of [["alice", "not-her-password"], ["mallory", "whatever"]] as const) {
      const log = await both((cs) => session(cs, sasl(user, pw), (c) => [() => c.getChildren("/"), () => c.whoAmI()]));
      expect(log).toEqual(["state connecting", "state connected", "state authFailed", "error -115", "error -115"]);
    }
  }, 60_000);

  it("the login is redone on a new connection: still sasl:alice after the connection is cut", async () => {
    const log = await both(async (cs) => {
      const proxy = await LoopbackProxy.start(Number(cs.split(":")[1]));
      try {
        return await session(proxy.connectString, sasl("alice", "alice-pw"), (c) => [
          () => c.whoAmI(),
          async () => {
            const again = once(c, "saslAuthenticated");
            proxy.cut();
            await again;
            return "cut";
          },
          () => c.whoAmI(),
          () => c.getData("/sasl-acl").then((r) => r.data?.toString()),
        ]);
      } finally {
        await proxy.close();
      }
    });
    expect(log.filter((l) => l === "saslAuthenticated")).toHaveLength(2);
    expect(log.filter((l) => l.startsWith("ok [{")).every((l) => l.includes('"sasl","user":"alice"'))).toBe(true);
    expect(log.slice(-2)).toEqual(['ok "hers"', "state closed"]);
  }, 60_000);
});
