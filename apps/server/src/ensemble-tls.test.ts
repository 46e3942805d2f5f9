/**
 * Quorum TLS (`sslQuorum=true` with `ssl.quorum.*`) on real zkts-server processes: a 3-member ensemble whose
 * election and learner connections are TLS (mutual, certificates from one CA checked both ways) forms and serves
 * writes; the quorum and election ports speak TLS only and refuse a peer without a trusted certificate; a member
 * whose certificate comes from another CA cannot join (each refusal counted and logged by the others, nobody
 * crashes) while the other two keep serving.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { readFileSync } from "node:fs";
import { pkiToolsAvailable, TestPki } from "@zkts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEnsemble, waitFor, type Ensemble } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

const PW = "changeit";
let dir = "";
const f = (n: string) => join(dir, n);

const quorumTls = (keyStore: string): Record<string, string> => ({
  sslQuorum: "true",
  "ssl.quorum.keyStore.location": f(keyStore),
  "ssl.quorum.keyStore.password": PW,
  "ssl.quorum.trustStore.location": f("trust.jks"),
  "ssl.quorum.trustStore.password": PW,
});

/** A TLS handshake with a member's quorum or election port: the subject of its certificate, or the error. */
function handshake(port: number, withCert: boolean): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: "127.0.0.1",
      port,
      ca: readFileSync(f("ca.pem")),
      ...(withCert ? { key: readFileSync(f("member.key")), cert: readFileSync(f("member.pem")) } : {}),
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(() => s.destroy(), 5000);
    s.on("error", (e) => {
      clearTimeout(timer);
      resolve(`error: ${e.message}`);
    });
    s.once("secureConnect", () => {
      // the member checks our certificate after its handshake: we are closed if it refuses it
      s.resume();
      s.once("close", () => {
        clearTimeout(timer);
        resolve(`closed: ${s.getPeerX509Certificate()?.subject ?? "?"}`);
      });
      setTimeout(() => {
        clearTimeout(timer);
        resolve(`open: ${s.getPeerX509Certificate()?.subject ?? "?"}`);
        s.destroy();
      }, 1000);
    });
  });
}

/** A plain TCP connection: true when the member closes it (it sent bytes that are not TLS). */
function plainRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 5000);
    s.on("error", () => {});
    s.resume();
    s.once("connect", () => s.write(Buffer.from("0000000000000001ffffffffffff0000", "hex")));
    s.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe.runIf(pkiToolsAvailable)("quorum TLS (sslQuorum=true) on a 3-member ensemble", () => {
  const ensembles: Ensemble[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "zkts-quorum-tls-"));
    const pki = new TestPki(dir, PW);
    pki.ca("ca");
    pki.ca("otherca");
    pki.issue("member", "/CN=member", { ca: "ca", san: "IP:127.0.0.1,DNS:localhost" });
    pki.issue("rogue", "/CN=rogue", { ca: "otherca", san: "IP:127.0.0.1,DNS:localhost" });
    pki.trustStore("trust.jks", "JKS");
  }, 60_000);
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const e of ensembles) for (const m of e.members) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    for (const e of ensembles) await e.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("forms over TLS and serves writes; its ports refuse plain peers and peers without a trusted certificate", async () => {
    const e = await makeEnsemble(3, { extra: quorumTls("member.jks") });
    ensembles.push(e);
    await Promise.all(e.members.map((m) => e.start(m)));
    const leader = await e.waitStable(60_000);
    const f1 = e.members.find((m) => m !== leader)!;
    const { c } = await Client.connect(f1.clientPort);
    expect((await c.create("/tls", "over-tls")).err).toBe(0);
    c.close();
    for (const m of e.members) {
      const { c: c2 } = await Client.connect(m.clientPort);
      await waitFor(async () => (await c2.get("/tls")).err === 0, 10_000, `/tls on member ${m.id}`);
      expect(await c2.get("/tls")).toMatchObject({ err: 0, data: "over-tls" });
      c2.close();
    }
    // The ports speak TLS with this member's certificate, and keep a peer presenting a trusted one ...
    expect(await handshake(leader.quorumPort, true)).toBe("open: CN=member");
    expect(await handshake(f1.electionPort, true)).toBe("open: CN=member");
    // ... but not one without a certificate, nor plain TCP
    expect(await handshake(leader.quorumPort, false)).toMatch(/^(error|closed)/);
    expect(await plainRefused(f1.electionPort)).toBe(true);
    await waitFor(() => /quorum TLS: peer refused/.test(f1.proc!.output()), 5000, "the refusal logged");
    // still one leader, still serving
    expect(await e.waitStable(10_000)).toBe(leader);
  }, 120_000);

  it("a member with a certificate from another CA cannot join: refused, counted and logged; the others serve", async () => {
    const e = await makeEnsemble(3, { extra: quorumTls("member.jks"), perMember: (i) => (i === 2 ? quorumTls("rogue.jks") : {}) });
    ensembles.push(e);
    const [a, b, rogue] = e.members as [(typeof e.members)[0], (typeof e.members)[0], (typeof e.members)[0]];
    await Promise.all([e.start(a), e.start(b)]);
    await e.waitStable(60_000);
    await e.start(rogue);
    // refused on both sides of every attempt: the good members do not trust it, it does not trust them
    await waitFor(() => [a, b].every((m) => /quorum TLS: peer refused/.test(m.proc!.output())), 20_000, "refusals logged by the good members");
    await new Promise((r) => setTimeout(r, 3000));
    expect(await e.mode(rogue)).toBe("looking"); // never joined
    expect(rogue.proc!.child.exitCode).toBeNull(); // and no crash, on either side
    for (const m of [a, b]) expect(m.proc!.child.exitCode).toBeNull();
    const counts = [a, b].map((m) => Math.max(...[...m.proc!.output().matchAll(/"failures":(\d+)/g)].map((x) => Number(x[1]))));
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(1);
    const modes = await Promise.all([a, b].map((m) => e.mode(m)));
    expect(modes.sort()).toEqual(["follower", "leader"]);
    const { c } = await Client.connect(a.clientPort);
    expect((await c.create("/still", "serving")).err).toBe(0);
    c.close();
  }, 120_000);
});
