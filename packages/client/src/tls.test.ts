/**
 * The client over TLS against Apache ZooKeeper 3.8 and zkts, both with a secure client port (server key in a JKS
 * store, trust in PKCS12, `ssl.clientAuth=want`, the x509 provider): JKS, PKCS12 and PEM client stores, inline PEM,
 * no client certificate, a wrong CA refused with a clear error, the server host check, whoami's x509 identity,
 * and reconnecting over TLS with the session kept. Certificates are made here with openssl and keytool.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, pkiToolsAvailable, referenceAvailable, startReferenceZooKeeper, startZkts, TestPki, zktsAvailable } from "@zkts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, KeyStoreError, type ClientOptions, type ZooKeeperClient } from "./index.js";
import { once, uniq } from "./testing/helpers.js";
import { LoopbackProxy } from "./testing/proxy.js";
import type { TestServer } from "./testing/servers.js";

const tools = pkiToolsAvailable;
const PW = "changeit";
let dir = "";
const f = (n: string) => join(dir, n);

/** A certificate signed by `ca` (see @zkts/testkit's TestPki for the files it makes). */
function issue(name: string, subj: string, ca = "ca", san?: string): void {
  new TestPki(dir, PW).issue(name, subj, { ca, ...(san !== undefined ? { san } : {}) });
}

const kinds = [
  { name: "reference", available: referenceAvailable(), start: startReferenceZooKeeper },
  { name: "zkts", available: zktsAvailable(), start: startZkts },
] as const;

beforeAll(() => {
  if (!tools) return;
  dir = mkdtempSync(join(tmpdir(), "zkts-client-tls-"));
  for (const ca of ["ca", "otherca"]) new TestPki(dir, PW).ca(ca);
  issue("server", "/CN=localhost", "ca", "IP:127.0.0.1,DNS:localhost");
  issue("elsewhere", "/CN=elsewhere", "ca", "DNS:elsewhere.invalid");
  issue("alice", "/CN=alice/O=zkts");
  issue("stranger", "/CN=stranger", "otherca");
  new TestPki(dir, PW).trustStore("trust.p12", "PKCS12");
  new TestPki(dir, PW).trustStore("trust.jks", "JKS");
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const kind of kinds) {
  describe.runIf(tools && kind.available)(`TLS client [${kind.name}]`, () => {
    let server: TestServer | undefined;
    let other: TestServer | undefined;
    let securePort = 0;
    let otherPort = 0;
    const clients: ZooKeeperClient[] = [];
    const serverConfig = (keyStore: string, port: number) => ({
      serverCnxnFactory: "org.apache.zookeeper.server.NettyServerCnxnFactory",
      secureClientPort: String(port),
      secureClientPortAddress: "127.0.0.1",
      "ssl.keyStore.location": f(keyStore),
      "ssl.keyStore.password": PW,
      "ssl.trustStore.location": f("trust.p12"),
      "ssl.trustStore.password": PW,
      "ssl.clientAuth": "want",
      "authProvider.x509": "org.apache.zookeeper.server.auth.X509AuthenticationProvider",
    });
    beforeAll(async () => {
      securePort = await freePort();
      otherPort = await freePort();
      [server, other] = await Promise.all([
        kind.start({ config: serverConfig("server.jks", securePort) }),
        // a server whose certificate names another host
        kind.start({ config: serverConfig("elsewhere.jks", otherPort) }),
      ]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all([server?.stop(), other?.stop()]);
    });
    const open = (port: number, tls: ClientOptions["tls"], extra: ClientOptions = {}, host = "127.0.0.1") => {
      const c = createClient(`${host}:${port}`, { sessionTimeout: 10_000, tls, ...extra });
      clients.push(c);
      return c;
    };

    it("JKS key and trust stores: a session, ops, and whoami shows the certificate's x509 identity", async () => {
      const c = open(securePort, { keyStore: { location: f("alice.jks"), password: PW }, trustStore: { location: f("trust.jks"), password: PW } });
      await c.connect({ timeout: 20_000 });
      const p = uniq("tls");
      await c.create(p, "over tls");
      expect((await c.getData(p)).data?.toString()).toBe("over tls");
      expect(await c.whoAmI()).toContainEqual({ authScheme: "x509", user: "O=zkts,CN=alice" });
    }, 30_000);

    it("PKCS12 and PEM stores, and inline PEM, give the same identity; no client certificate: ip only", async () => {
      const viaP12 = open(securePort, { keyStore: { location: f("alice.p12"), password: PW }, trustStore: { location: f("trust.p12"), password: PW } });
      const viaPem = open(securePort, { keyStore: { location: f("alice-store.pem") }, trustStore: { location: f("ca.pem") } });
      const inline = open(securePort, { key: readFileSync(f("alice.key")), cert: readFileSync(f("alice.pem")), ca: readFileSync(f("ca.pem")) }, {}, "localhost");
      const anon = open(securePort, { trustStore: { location: f("ca.pem") } });
      for (const c of [viaP12, viaPem, inline]) {
        await c.connect({ timeout: 20_000 });
        expect(await c.whoAmI()).toContainEqual({ authScheme: "x509", user: "O=zkts,CN=alice" });
      }
      await anon.connect({ timeout: 20_000 });
      const who = await anon.whoAmI();
      expect(who.some((i) => i.authScheme === "x509")).toBe(false);
      expect(who).toContainEqual({ authScheme: "ip", user: "127.0.0.1" });
    }, 60_000);

    it("a server whose certificate a wrong CA signed is refused with a clear error; and a client certificate from an untrusted CA is refused", async () => {
      const c = open(securePort, { trustStore: { location: f("otherca.pem") } }, { retryDelay: 100_000 });
      c.connect().catch(() => undefined);
      const [, err] = await once(c, "connectFailed");
      expect(String((err as Error | undefined)?.message)).toMatch(/^TLS handshake failed: .*(certificate|issuer)/i);
      expect(c.state).toBe("connecting");
      await c.close();
      // the client's certificate from a CA the server does not trust: the server refuses the handshake
      const s = open(securePort, { keyStore: { location: f("stranger-store.pem") }, trustStore: { location: f("ca.pem") } }, { retryDelay: 100_000 });
      s.connect().catch(() => undefined);
      const [, err2] = await once(s, "connectFailed");
      expect(err2).toBeInstanceOf(Error);
      await s.close();
    }, 30_000);

    it("host name verification as ZKTrustManager: a certificate for another host is refused unless turned off", async () => {
      const c = open(otherPort, { trustStore: { location: f("ca.pem") } }, { retryDelay: 100_000 });
      c.connect().catch(() => undefined);
      const [, err] = await once(c, "connectFailed");
      expect(String((err as Error).message)).toMatch(/Failed to verify host address or host name: 127\.0\.0\.1/);
      await c.close();
      const off = open(otherPort, { trustStore: { location: f("ca.pem") }, hostnameVerification: false });
      await off.connect({ timeout: 20_000 });
      expect(await off.exists("/")).not.toBeNull();
    }, 30_000);

    it("reconnects over TLS after the connection drops, keeping the session", async () => {
      const proxy = await LoopbackProxy.start(securePort);
      try {
        const c = open(proxy.port, { keyStore: { location: f("alice.p12"), password: PW }, trustStore: { location: f("ca.pem") } });
        await c.connect({ timeout: 20_000 });
        const sid = c.sessionId;
        const p = uniq("tlsre");
        await c.create(p, "", { mode: "ephemeral" });
        const back = once(c, "connected");
        proxy.cut();
        await back;
        expect(c.sessionId).toBe(sid);
        expect(await c.exists(p)).not.toBeNull();
        expect(await c.whoAmI()).toContainEqual({ authScheme: "x509", user: "O=zkts,CN=alice" });
      } finally {
        await proxy.close();
      }
    }, 40_000);
  });
}

describe.runIf(tools)("TLS client options", () => {
  it("refuses unreadable stores and bad settings when the client is created, naming the problem", () => {
    expect(() => createClient("127.0.0.1:1", { tls: { trustStore: { location: f("nope.jks"), password: PW } } })).toThrow(/nope\.jks/);
    expect(() => createClient("127.0.0.1:1", { tls: { keyStore: { location: f("alice.jks"), password: "wrong" } } })).toThrow(KeyStoreError);
    expect(() => createClient("127.0.0.1:1", { tls: { trustStore: { location: f("ca.crt") } } })).toThrow(/auto-detect/);
    expect(() => createClient("127.0.0.1:1", { tls: { cipherSuites: ["TLS_NOT_A_SUITE"] } })).toThrow(/ssl\.ciphersuites/);
  });
});
