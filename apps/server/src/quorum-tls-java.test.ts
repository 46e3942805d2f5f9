/**
 * Quorum TLS against the real thing: an Apache ZooKeeper 3.8 QuorumPeerMain with `sslQuorum=true` (JKS key and
 * trust stores) and two zkts election peers whose connections go through @zkts/tls's QuorumTls (the same stores)
 * elect one leader over TLS election connections, in both outcomes (ZooKeeper leads; a zkts peer leads and
 * ZooKeeper follows). No handshake is refused on the zkts side. The TLS variant of
 * packages/election/src/node/java-interop.test.ts; skipped without java, the jar or openssl/keytool.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ElectionPeer, QuorumMaj, ServerState } from "@zkts/election";
import { freePort, pkiToolsAvailable, REFERENCE_JAR, SLF4J_SIMPLE_JAR, startJavaQuorumPeer, TestPki } from "@zkts/testkit";
import { parseQuorumTlsSettings, QuorumTls } from "@zkts/tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const haveJava = existsSync(REFERENCE_JAR) && existsSync(SLF4J_SIMPLE_JAR) && spawnSync("java", ["-version"]).status === 0;
const PW = "changeit";

let dir = "";
const f = (n: string) => join(dir, n);
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const sslQuorum = (): Record<string, string> => ({
  sslQuorum: "true",
  "ssl.quorum.keyStore.location": f("member.jks"),
  "ssl.quorum.keyStore.password": PW,
  "ssl.quorum.trustStore.location": f("trust.jks"),
  "ssl.quorum.trustStore.password": PW,
});

function zktsTls(): QuorumTls {
  const cfg = sslQuorum();
  const settings = parseQuorumTlsSettings((k) => cfg[`ssl.quorum.${k}`]);
  const t = new QuorumTls(settings);
  cleanup.push(() => t.close());
  return t;
}

async function mixedCluster(javaEpoch: bigint) {
  const [q1, e1, q2, e2, q3, e3, client] = await Promise.all(Array.from({ length: 7 }, () => freePort()));
  const servers = { "server.1": `127.0.0.1:${q1}:${e1}`, "server.2": `127.0.0.1:${q2}:${e2}`, "server.3": `127.0.0.1:${q3}:${e3}` };
  const jdir = mkdtempSync(join(dir, "java-"));
  const data = join(jdir, "data");
  mkdirSync(join(data, "version-2"), { recursive: true });
  writeFileSync(join(data, "myid"), "3\n");
  writeFileSync(join(data, "version-2", "currentEpoch"), `${javaEpoch}`);
  writeFileSync(join(data, "version-2", "acceptedEpoch"), `${javaEpoch}`);
  const cfg = Object.entries({ ...servers, ...sslQuorum() }).map(([k, v]) => `${k}=${v}`).join("\n");
  writeFileSync(
    join(jdir, "zoo.cfg"),
    `tickTime=500\ninitLimit=20\nsyncLimit=2\ndataDir=${data}\nclientPort=${client}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n${cfg}\n`,
  );
  return { quorum: new QuorumMaj(servers), jdir };
}

function startJava(jdir: string): { log: () => string } {
  const peer = startJavaQuorumPeer(join(jdir, "zoo.cfg"));
  cleanup.push(() => peer.kill());
  return peer;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
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
    const { quorum, jdir } = await mixedCluster(javaEpoch);
    const tlss = [zktsTls(), zktsTls()];
    const peers = [new ElectionPeer({ sid: 1n, quorum }, { sockets: tlss[0]! }), new ElectionPeer({ sid: 2n, quorum }, { sockets: tlss[1]! })];
    cleanup.push(...peers.map((p) => () => p.close()));
    for (const p of peers) await p.listen();
    const selfOf = (i: number) => (i === 1 ? { zxid: zk2Epoch << 32n, peerEpoch: zk2Epoch } : { zxid: 0n, peerEpoch: 0n });
    const java = startJava(jdir);
    const a = peers[first - 1]!;
    const b = peers[2 - first]!;
    a.lookForLeader(selfOf(first - 1));
    const da = await a.waitForDecision();
    b.lookForLeader(selfOf(2 - first));
    const db = await b.waitForDecision();
    return { da, db, java, failures: () => tlss.map((t) => t.failures) };
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
    const { quorum, jdir } = await mixedCluster(0n);
    const plain = new ElectionPeer({ sid: 1n, quorum });
    cleanup.push(() => plain.close());
    await plain.listen();
    const java = startJava(jdir);
    plain.lookForLeader({ zxid: 0n, peerEpoch: 0n });
    let decided = false;
    void plain.waitForDecision().then(() => (decided = true));
    expect(await waitFor(() => /LOOKING/.test(java.log()), 15_000), java.log()).toBe(true);
    await new Promise((r) => setTimeout(r, 4000));
    expect(decided).toBe(false);
    expect(java.log()).not.toMatch(/LEADING|FOLLOWING/);
  }, 60_000);
});
