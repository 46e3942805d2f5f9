/**
 * Quorum SASL (`quorum.auth.enableSasl=true`, learner and server requiring it, DIGEST-MD5 with the JAAS
 * QuorumServer / QuorumLearner sections from SERVER_JVMFLAGS) on real zkts-server processes: a 3-member ensemble
 * forms and serves writes; a member whose QuorumLearner password is wrong cannot join (its attempts are refused,
 * counted and logged by the others, nobody crashes) while the other two serve. Also over quorum TLS at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pkiToolsAvailable, TestPki } from "@zkts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEnsemble, waitFor, type Ensemble } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

const DIGEST = "org.apache.zookeeper.server.auth.DigestLoginModule";
let dir = "";
const f = (n: string) => join(dir, n);

/** A JAAS file: the users this member accepts, and what it presents. */
function jaas(name: string, learnerPassword: string): Record<string, string> {
  writeFileSync(
    f(`${name}.jaas`),
    `QuorumServer {\n  ${DIGEST} required\n  user_zk="zk-secret";\n};\n` +
      `QuorumLearner {\n  ${DIGEST} required\n  username="zk"\n  password="${learnerPassword}";\n};\n`,
  );
  return { SERVER_JVMFLAGS: `-Djava.security.auth.login.config=${f(`${name}.jaas`)}` };
}

const SASL = {
  "quorum.auth.enableSasl": "true",
  "quorum.auth.learnerRequireSasl": "true",
  "quorum.auth.serverRequireSasl": "true",
};

describe("quorum SASL (quorum.auth.enableSasl) on a 3-member ensemble", () => {
  const ensembles: Ensemble[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "zkts-quorum-sasl-"));
  });
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const e of ensembles) for (const m of e.members) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    for (const e of ensembles) await e.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("members that know the password form the ensemble and serve writes", async () => {
    const good = jaas("good", "zk-secret");
    const e = await makeEnsemble(3, { extra: SASL, env: () => good });
    ensembles.push(e);
    await Promise.all(e.members.map((m) => e.start(m)));
    const leader = await e.waitStable(60_000);
    const follower = e.members.find((m) => m !== leader)!;
    const { c } = await Client.connect(follower.clientPort);
    expect((await c.create("/sasl", "quorum")).err).toBe(0);
    c.close();
    for (const m of e.members) {
      const { c: c2 } = await Client.connect(m.clientPort);
      await waitFor(async () => (await c2.get("/sasl")).err === 0, 10_000, `/sasl on member ${m.id}`);
      c2.close();
    }
    for (const m of e.members) expect(m.proc!.output()).not.toContain("quorum SASL: authentication failed");
  }, 120_000);

  it("a member with a wrong password cannot join: refused, counted and logged; the others serve", async () => {
    const good = jaas("good2", "zk-secret");
    const bad = jaas("bad", "not-the-secret");
    const e = await makeEnsemble(3, { extra: SASL, env: (i) => (i === 2 ? bad : good) });
    ensembles.push(e);
    const [a, b, wrong] = e.members as [(typeof e.members)[0], (typeof e.members)[0], (typeof e.members)[0]];
    await Promise.all([e.start(a), e.start(b)]);
    await e.waitStable(60_000);
    await e.start(wrong);
    await waitFor(() => [a, b].every((m) => /quorum SASL: authentication failed/.test(m.proc!.output())), 20_000, "refusals logged by the good members");
    await new Promise((r) => setTimeout(r, 3000));
    expect(await e.mode(wrong)).toBe("looking");
    for (const m of e.members) expect(m.proc!.child.exitCode).toBeNull();
    const refusals = (m: (typeof e.members)[0]) => [...m.proc!.output().matchAll(/"failures":(\d+)/g)].map((x) => Number(x[1]));
    for (const m of [a, b]) expect(Math.max(...refusals(m))).toBeGreaterThanOrEqual(1);
    expect(wrong.proc!.output()).toMatch(/quorum SASL: authentication failed/);
    const modes = await Promise.all([a, b].map((m) => e.mode(m)));
    expect(modes.sort()).toEqual(["follower", "leader"]);
    const { c } = await Client.connect(a.clientPort);
    expect((await c.create("/still", "serving")).err).toBe(0);
    c.close();
  }, 120_000);

  it.runIf(pkiToolsAvailable)("with quorum TLS at once: SASL inside TLS on both connection kinds", async () => {
    const pki = new TestPki(dir, "changeit");
    pki.ca("ca");
    pki.issue("member", "/CN=member", { ca: "ca", san: "IP:127.0.0.1" });
    pki.trustStore("trust.jks", "JKS");
    const good = jaas("good3", "zk-secret");
    const tls = {
      sslQuorum: "true",
      "ssl.quorum.keyStore.location": f("member.jks"),
      "ssl.quorum.keyStore.password": "changeit",
      "ssl.quorum.trustStore.location": f("trust.jks"),
      "ssl.quorum.trustStore.password": "changeit",
    };
    const e = await makeEnsemble(3, { extra: { ...SASL, ...tls }, env: () => good });
    ensembles.push(e);
    await Promise.all(e.members.map((m) => e.start(m)));
    const leader = await e.waitStable(60_000);
    const { c } = await Client.connect(e.members.find((m) => m !== leader)!.clientPort);
    expect((await c.create("/both", "tls+sasl")).err).toBe(0);
    c.close();
    for (const m of e.members) expect(m.proc!.output()).not.toMatch(/quorum (SASL: authentication failed|TLS: peer refused)/);
  }, 120_000);
});
