/**
 * zkcli over TLS configured as zkCli.sh is: `-Dzookeeper.client.secure=true` and `-Dzookeeper.ssl.*` as arguments,
 * in CLIENT_JVMFLAGS / JVMFLAGS, or in a `-client-configuration` properties file; against Apache ZooKeeper 3.8 and
 * zkts with a secure client port. whoami shows the certificate's x509 identity; a wrong CA is refused with a clear
 * error. Plus the properties and JVM-flag readers.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, pkiToolsAvailable, referenceAvailable, startReferenceZooKeeper, startZkts, TestPki, zktsAvailable, type TestServer } from "@zkts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientProperties, parseJavaProperties, systemPropertiesOf, tlsFromProperties } from "./client-config.js";
import { run, ZKCLI_BIN } from "./test-helpers.js";

const tools = pkiToolsAvailable;
const PW = "changeit";
let dir = "";
const f = (n: string) => join(dir, n);

/** A certificate signed by `ca` (see @zkts/testkit's TestPki for the files it makes). */
function issue(name: string, subj: string, ca = "ca", san?: string): void {
  new TestPki(dir, PW).issue(name, subj, { ca, ...(san !== undefined ? { san } : {}) });
}

describe("client configuration readers", () => {
  it("reads -D words (later wins) and Java properties files", () => {
    const m = systemPropertiesOf(["-Xmx1g", "-Da=1", "-Db=x=y", "-Da=2", "-Dflag"]);
    expect([...m]).toEqual([["a", "2"], ["b", "x=y"], ["flag", ""]]);
    const p = parseJavaProperties("# c\n! c\n  a = 1\nb:2\nc 3\nd=one \\\n   two\ne=C:\\\\dir\\tx\nk\\=ey=v\n");
    expect(Object.fromEntries(p)).toEqual({ a: "1", b: "2", c: "3", d: "one two", e: "C:\\dir\tx", "k=ey": "v" });
  });
  it("the file overrides the flags, which the -D arguments override; secure off means no TLS", () => {
    dir ||= mkdtempSync(join(tmpdir(), "zkcli-tls-"));
    writeFileSync(f("client.properties"), "zookeeper.ssl.trustStore.location=/from/file.pem\n");
    const props = clientProperties({
      args: ["-Dzookeeper.ssl.hostnameVerification=false"],
      env: { CLIENT_JVMFLAGS: "-Dzookeeper.client.secure=true -Dzookeeper.ssl.hostnameVerification=true", JVMFLAGS: "-Dzookeeper.ssl.trustStore.location=/from/env.pem" },
      configFile: f("client.properties"),
    });
    expect(tlsFromProperties(props)).toMatchObject({ trustStore: { location: "/from/file.pem" }, hostnameVerification: false });
    expect(tlsFromProperties(new Map([["zookeeper.ssl.trustStore.location", "x.pem"]]))).toBeUndefined();
    expect(() => tlsFromProperties(new Map([["zookeeper.client.secure", "true"], ["zookeeper.ssl.protocol", "SSLv3"]]))).toThrow(/ssl\.protocol/);
    expect(() => clientProperties({ args: [], env: {}, configFile: f("missing.properties") })).toThrow(/missing\.properties not found/);
  });
});

const kinds = [
  { name: "reference", available: referenceAvailable(), start: startReferenceZooKeeper },
  { name: "zkts", available: zktsAvailable(), start: startZkts },
] as const;

describe.runIf(tools)("zkcli over TLS", () => {
  const servers: { name: string; server: TestServer; port: number }[] = [];
  beforeAll(async () => {
    dir ||= mkdtempSync(join(tmpdir(), "zkcli-tls-"));
    for (const ca of ["ca", "otherca"]) new TestPki(dir, PW).ca(ca);
    issue("server", "/CN=localhost", "ca", "IP:127.0.0.1,DNS:localhost");
    issue("alice", "/CN=alice");
    new TestPki(dir, PW).trustStore("trust.jks", "JKS");
    for (const k of kinds.filter((x) => x.available)) {
      const port = await freePort();
      const server = await k.start({
        config: {
          serverCnxnFactory: "org.apache.zookeeper.server.NettyServerCnxnFactory",
          secureClientPort: String(port),
          secureClientPortAddress: "127.0.0.1",
          "ssl.keyStore.location": f("server.jks"),
          "ssl.keyStore.password": PW,
          "ssl.trustStore.location": f("trust.jks"),
          "ssl.trustStore.password": PW,
          "ssl.clientAuth": "want",
          "authProvider.x509": "org.apache.zookeeper.server.auth.X509AuthenticationProvider",
        },
      });
      servers.push({ name: k.name, server, port });
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.server.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const trust = () => [`-Dzookeeper.ssl.trustStore.location=${f("trust.jks")}`, `-Dzookeeper.ssl.trustStore.password=${PW}`];
  const alice = () => [`-Dzookeeper.ssl.keyStore.location=${f("alice.jks")}`, `-Dzookeeper.ssl.keyStore.password=${PW}`];

  it("-D arguments: whoami shows the client certificate's x509 identity; without one, only ip", async () => {
    expect(servers.length).toBeGreaterThan(0);
    for (const s of servers) {
      const r = await run([ZKCLI_BIN, "-server", `127.0.0.1:${s.port}`, "-Dzookeeper.client.secure=true", ...trust(), ...alice(), "whoami"]);
      expect({ s: s.name, out: r.out, code: r.code }).toEqual({ s: s.name, out: "Auth scheme: User\nx509: CN=alice\nip: 127.0.0.1\n", code: 0 });
      const anon = await run([ZKCLI_BIN, "-server", `127.0.0.1:${s.port}`, "-Dzookeeper.client.secure=true", ...trust(), "whoami"]);
      expect({ s: s.name, out: anon.out }).toEqual({ s: s.name, out: "Auth scheme: User\nip: 127.0.0.1\n" });
    }
  }, 60_000);

  it("CLIENT_JVMFLAGS / JVMFLAGS and -client-configuration, as zkCli.sh reads them", async () => {
    writeFileSync(f("alice.properties"), ["zookeeper.client.secure=true", ...[...trust(), ...alice()].map((d) => d.slice(2))].join("\n") + "\n");
    for (const s of servers) {
      const viaEnv = await run([ZKCLI_BIN, "-server", `localhost:${s.port}`, "whoami"], "", {
        env: { CLIENT_JVMFLAGS: "-Dzookeeper.client.secure=true " + trust().join(" "), JVMFLAGS: alice().join(" ") },
      });
      expect({ s: s.name, out: viaEnv.out }).toEqual({ s: s.name, out: "Auth scheme: User\nx509: CN=alice\nip: 127.0.0.1\n" });
      const viaFile = await run([ZKCLI_BIN, "-server", `127.0.0.1:${s.port}`, "-client-configuration", f("alice.properties"), "whoami"]);
      expect({ s: s.name, out: viaFile.out }).toEqual({ s: s.name, out: "Auth scheme: User\nx509: CN=alice\nip: 127.0.0.1\n" });
    }
  }, 60_000);

  it("a server certificate from a CA not trusted: refused, the error says why", async () => {
    for (const s of servers) {
      const r = await run([ZKCLI_BIN, "-server", `127.0.0.1:${s.port}`, "-Dzookeeper.client.secure=true", `-Dzookeeper.ssl.trustStore.location=${f("otherca.pem")}`, "ls", "/"]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/Cannot connect to 127\.0\.0\.1:\d+ \(TLS handshake failed: .*certificate/i);
    }
  }, 60_000);
});
