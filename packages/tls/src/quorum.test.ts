/**
 * QuorumTls between two "members" on 127.0.0.1 (PEM stores made with openssl): a mutual handshake, a peer from
 * another CA refused and counted on the accepting side, hostname verification both ways, port unification
 * (plain and TLS peers on one port; TLS-only refuses plain bytes), and reloading the stores.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseQuorumTlsSettings, QuorumTls, TlsSettingsError, type QuorumTlsOptions } from "./index.js";

const haveOpenssl = existsSync("/usr/bin/openssl");
let dir = "";
const p = (f: string) => join(dir, f);
const ssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });

function ca(name: string): void {
  ssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=${name}`]);
}
/** `<name>-store.pem`: key and certificate signed by `caName`, with the given subject alternative names. */
function member(name: string, caName: string, san: string): void {
  ssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
  writeFileSync(p(`${name}.ext`), `subjectAltName=${san}\n`);
  ssl(["x509", "-req", "-in", `${name}.csr`, "-CA", `${caName}.pem`, "-CAkey", `${caName}.key`, "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`]);
  writeFileSync(p(`${name}-store.pem`), readFileSync(p(`${name}.key`), "utf8") + readFileSync(p(`${name}.pem`), "utf8"));
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function quorumTls(store: string, trust: string, extra: Record<string, string> = {}, opts: QuorumTlsOptions = {}): QuorumTls {
  const cfg: Record<string, string> = { "keyStore.location": p(store), "trustStore.location": p(trust), ...extra };
  const t = new QuorumTls(parseQuorumTlsSettings((k) => cfg[k]), opts);
  cleanup.push(() => t.close());
  return t;
}

/** A listener whose connections go through `t.accept`; resolves each accepted socket's first line, or "refused". */
async function listen(t: QuorumTls): Promise<{ port: number; results: string[] }> {
  const results: string[] = [];
  const server = net.createServer((raw) =>
    t.accept(raw, (sock) => {
      if (sock === undefined) return void results.push("refused");
      sock.once("data", (d: Buffer) => {
        results.push(`${"encrypted" in sock ? "tls" : "plain"}:${d.toString()}`);
        sock.end("bye");
      });
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as net.AddressInfo).port, results };
}

async function until<T>(f: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Dials through `t`, sends "hello", and resolves with what came back ("error: ..." when refused). */
async function talk(t: QuorumTls, port: number, host = "127.0.0.1"): Promise<string> {
  try {
    const s = await t.dial(host, port, 5000);
    return await new Promise((resolve) => {
      let got = "";
      s.on("data", (d: Buffer) => (got += d.toString()));
      s.on("error", () => {});
      s.on("close", () => resolve(got));
      s.write("hello");
    });
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe.runIf(haveOpenssl)("QuorumTls (sslQuorum)", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "zkts-qtls-"));
    ca("ca");
    ca("otherca");
    member("a", "ca", "IP:127.0.0.1");
    member("b", "ca", "IP:127.0.0.1");
    member("rogue", "otherca", "IP:127.0.0.1");
    member("named", "ca", "DNS:elsewhere.example");
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a mutual handshake between members of one CA", async () => {
    const server = quorumTls("a-store.pem", "ca.pem");
    const { port, results } = await listen(server);
    expect(await talk(quorumTls("b-store.pem", "ca.pem"), port)).toBe("bye");
    expect(results).toEqual(["tls:hello"]);
    expect(server.failures).toBe(0);
  });

  it("a member of another CA is refused by both sides, and counted", async () => {
    const failures: string[] = [];
    const server = quorumTls("a-store.pem", "ca.pem", {}, { onFailure: (side, _r, why) => failures.push(`${side}: ${why}`) });
    const { port, results } = await listen(server);
    // the rogue trusts our CA: its handshake completes, our check of its certificate refuses it
    const rogue = quorumTls("rogue-store.pem", "ca.pem");
    expect(await talk(rogue, port)).not.toBe("bye");
    await until(() => (results.length > 0 ? true : undefined));
    expect(results).toEqual(["refused"]);
    expect(server.failures).toBe(1);
    expect(failures[0]).toMatch(/^accepted: peer certificate not trusted/);
    // a rogue that trusts only its own CA refuses us while dialling
    const rogue2 = quorumTls("rogue-store.pem", "otherca.pem");
    expect(await talk(rogue2, port)).toMatch(/^error: TLS handshake failed/);
    expect(rogue2.failures).toBe(1);
  });

  it("hostname verification (default on) both ways; off with ssl.quorum.hostnameVerification=false", async () => {
    const server = quorumTls("named-store.pem", "ca.pem");
    const { port, results } = await listen(server);
    const dialer = quorumTls("a-store.pem", "ca.pem");
    expect(await talk(dialer, port)).toMatch(/^error: Failed to verify host address or host name: 127\.0\.0\.1/);
    expect(dialer.failures).toBe(1);
    // the accepting side checks the dialler's certificate against its address too
    const server2 = quorumTls("a-store.pem", "ca.pem");
    const l2 = await listen(server2);
    expect(await talk(quorumTls("named-store.pem", "ca.pem", { hostnameVerification: "false" }), l2.port)).not.toBe("bye");
    await until(() => (l2.results.length > 0 ? true : undefined));
    expect(l2.results).toEqual(["refused"]);
    // neither side checking names: the chain alone decides
    const lax = quorumTls("a-store.pem", "ca.pem", { hostnameVerification: "false" });
    expect(await talk(lax, port)).toBe("bye");
    expect(results).toEqual(["tls:hello"]);
  });

  it("port unification: TLS and plain peers on one port; TLS-only refuses plain bytes", async () => {
    const unified = await listen(quorumTls("a-store.pem", "ca.pem", {}, { portUnification: true }));
    expect(await talk(quorumTls("b-store.pem", "ca.pem"), unified.port)).toBe("bye");
    const plain = quorumTls("b-store.pem", "ca.pem", {}, { dialTls: false });
    expect(await talk(plain, unified.port)).toBe("bye");
    expect(unified.results).toEqual(["tls:hello", "plain:hello"]);
    const only = quorumTls("a-store.pem", "ca.pem");
    const tlsOnly = await listen(only);
    expect(await talk(plain, tlsOnly.port)).not.toBe("bye");
    await until(() => (tlsOnly.results.length > 0 ? true : undefined));
    expect(tlsOnly.results).toEqual(["refused"]);
    expect(only.failures).toBe(1);
  });

  it("reload: new connections use the re-read stores; unreadable stores keep the old ones", async () => {
    copyFileSync(p("ca.pem"), p("trust-live.pem"));
    const server = quorumTls("a-store.pem", "trust-live.pem");
    const { port, results } = await listen(server);
    expect(await talk(quorumTls("b-store.pem", "ca.pem"), port)).toBe("bye");
    copyFileSync(p("otherca.pem"), p("trust-live.pem"));
    expect(server.reload()).toBe(true);
    expect(await talk(quorumTls("b-store.pem", "ca.pem"), port)).not.toBe("bye");
    writeFileSync(p("trust-live.pem"), "not a certificate");
    expect(server.reload()).toBe(false);
    expect(await talk(quorumTls("rogue-store.pem", "ca.pem"), port)).toBe("bye");
    await until(() => (results.length >= 3 ? true : undefined));
    expect(results).toEqual(["tls:hello", "refused", "tls:hello"]);
  });

  it("settings problems name the ssl.quorum. key", () => {
    expect(() => parseQuorumTlsSettings((k) => ({ clientAuth: "sometimes", protocol: "SSLv3" })[k])).toThrow(TlsSettingsError);
    try {
      parseQuorumTlsSettings((k) => ({ clientAuth: "sometimes" })[k]);
    } catch (e) {
      expect((e as TlsSettingsError).problems).toEqual(['ssl.quorum.clientAuth: "sometimes" is not one of NONE, WANT, NEED']);
    }
  });
});
