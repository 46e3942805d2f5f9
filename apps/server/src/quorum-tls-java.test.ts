/**
 * Quorum TLS against the real thing: an Apache ZooKeeper 3.8 QuorumPeerMain with `sslQuorum=true` (JKS key and
 * trust stores) and two zkts election peers whose connections go through @zkts/tls's QuorumTls (the same stores)
 * elect one leader over TLS election connections, in both outcomes (ZooKeeper leads; a zkts peer leads and
 * ZooKeeper follows). No handshake is refused on the zkts side. The TLS variant of
 * packages/election/src/node/java-interop.test.ts; skipped without java, the jar or openssl/keytool.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ElectionPeer, ServerState } from "@zkts/election";
import { pkiToolsAvailable, REFERENCE_JAR, SLF4J_SIMPLE_JAR, TestPki } from "@zkts/testkit";
import { javaElectionHarness, waitFor } from "./java-election-harness.js";
import { parseQuorumTlsSettings, QuorumTls } from "@zkts/tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const haveJava = existsSync(REFERENCE_JAR) && existsSync(SLF4J_SIMPLE_JAR) && spawnSync("java", ["-version"]).status === 0;
const PW = "changeit";

let dir = "";
const f = (n: string) => join(dir, n);
const sslQuorum = (): Record<string, string> => ({
  sslQuorum: "true",
  "ssl.quorum.keyStore.location": f("member.jks"),
  "ssl.quorum.keyStore.password": PW,
  "ssl.quorum.trustStore.location": f("trust.jks"),
  "ssl.quorum.trustStore.password": PW,
});
const h = javaElectionHarness({ dir: () => dir, javaConfig: sslQuorum });
const { cleanup } = h;
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function zktsTls(): QuorumTls {
  const cfg = sslQuorum();
  const settings = parseQuorumTlsSettings((k) => cfg[`ssl.quorum.${k}`]);
  const t = new QuorumTls(settings);
  cleanup.push(() => t.close());
  return t;
}

describe.skipIf(!haveJava || !pkiToolsAvailable)("quorum TLS election with Apache ZooKeeper 3.8 (sslQuorum=true)", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "zkts-qtls-java-"));
    const pki = new TestPki(dir, PW);
    pki.ca("ca");
    pki.issue("member", "/CN=member", { ca: "ca", san: "IP:127.0.0.1,DNS:localhost" });
    pki.trustStore("trust.jks", "JKS");
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Java (sid 3) and zkts sid `first` elect together over TLS; the other zkts peer joins later. */
  async function run(javaEpoch: bigint, zk2Epoch: bigint, first: 1 | 2) {
    const tlss = [zktsTls(), zktsTls()];
    const r = await h.run(javaEpoch, zk2Epoch, first, (i) => ({ sockets: tlss[i]! }));
    return { ...r, failures: () => tlss.map((t) => t.failures) };
  }

  it("ZooKeeper (best vote) is elected over TLS and leads; the zkts peers follow it", async () => {
    const { da, db, java, failures } = await run(0n, 0n, 1);
    expect(da).toMatchObject({ state: ServerState.FOLLOWING, via: "quorum" });
    expect(da.vote.leader).toBe(3n);
    expect(await waitFor(() => /LEADING/.test(java.log()), 15_000), java.log()).toBe(true);
    expect(db.vote.leader).toBe(3n);
    expect(failures()).toEqual([0, 0]);
    expect(java.log()).not.toMatch(/SSLHandshakeException|certificate_unknown|bad_certificate|leaving the listener thread/);
  }, 60_000);

  it("a zkts peer with a higher epoch is elected over TLS; ZooKeeper decides to follow it", async () => {
    const { da, db, java, failures } = await run(0n, 1n, 2);
    expect(da).toMatchObject({ state: ServerState.LEADING });
    expect(da.vote).toMatchObject({ leader: 2n, peerEpoch: 1n });
    expect(await waitFor(() => /FOLLOWING/.test(java.log()), 15_000), java.log()).toBe(true);
    expect(db.vote.leader).toBe(2n);
    expect(failures()).toEqual([0, 0]);
  }, 60_000);

  it("zkts peers without TLS cannot elect with the TLS-only ZooKeeper peer (the connections really are TLS)", async () => {
    const { quorum, jdir } = await h.mixedCluster(0n);
    const plain = new ElectionPeer({ sid: 1n, quorum });
    cleanup.push(() => plain.close());
    await plain.listen();
    const java = h.startJava(jdir);
    plain.lookForLeader({ zxid: 0n, peerEpoch: 0n });
    let decided = false;
    void plain.waitForDecision().then(() => (decided = true));
    expect(await waitFor(() => /LOOKING/.test(java.log()), 15_000), java.log()).toBe(true);
    await new Promise((r) => setTimeout(r, 4000));
    expect(decided).toBe(false);
    expect(java.log()).not.toMatch(/LEADING|FOLLOWING/);
  }, 60_000);
});
