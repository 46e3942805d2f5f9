/**
 * Quorum SASL against the real thing: an Apache ZooKeeper 3.8 QuorumPeerMain with `quorum.auth.enableSasl=true`,
 * learner and server requiring SASL (JAAS QuorumServer / QuorumLearner with DigestLoginModule) and two zkts
 * election peers authenticating with QuorumSasl (the same JAAS sections) elect one leader, in both outcomes
 * (ZooKeeper leads; a zkts peer leads and ZooKeeper follows): every election connection is authenticated both
 * ways (QuorumAuthPacket, DIGEST-MD5). A zkts peer with a wrong password cannot elect with it. The SASL variant
 * of packages/election/src/node/java-interop.test.ts; skipped without java or the jar.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ElectionPeer, QuorumMaj, ServerState } from "@zkts/election";
import { freePort, REFERENCE_JAR, SLF4J_SIMPLE_JAR, startJavaQuorumPeer } from "@zkts/testkit";
import { QuorumSasl } from "./quorum-sasl.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const haveJava = existsSync(REFERENCE_JAR) && existsSync(SLF4J_SIMPLE_JAR) && spawnSync("java", ["-version"]).status === 0;
const DIGEST = "org.apache.zookeeper.server.auth.DigestLoginModule";

let dir = "";
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const quorumSasl = (): Record<string, string> => ({
  "quorum.auth.enableSasl": "true",
  "quorum.auth.learnerRequireSasl": "true",
  "quorum.auth.serverRequireSasl": "true",
});

/** A zkts peer's quorum SASL: it accepts user zk with `secret` and presents it; failures are collected. */
function zktsSasl(secret = "zk-secret"): { sasl: QuorumSasl; failures: string[] } {
  const failures: string[] = [];
  const sasl = new QuorumSasl(
    { learnerRequire: true, serverRequire: true, users: new Map([["zk", secret]]), username: "zk", password: secret, source: "test" },
    { failed: (side, remote, why) => failures.push(`${side} ${remote}: ${why}`) },
  );
  return { sasl, failures };
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
  const cfg = Object.entries({ ...servers, ...quorumSasl() }).map(([k, v]) => `${k}=${v}`).join("\n");
  writeFileSync(
    join(jdir, "quorum.jaas"),
    `QuorumServer {\n  ${DIGEST} required\n  user_zk="zk-secret";\n};\nQuorumLearner {\n  ${DIGEST} required\n  username="zk"\n  password="zk-secret";\n};\n`,
  );
  writeFileSync(
    join(jdir, "zoo.cfg"),
    `tickTime=500\ninitLimit=20\nsyncLimit=2\ndataDir=${data}\nclientPort=${client}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n${cfg}\n`,
  );
  return { quorum: new QuorumMaj(servers), jdir };
}

function startJava(jdir: string): { log: () => string } {
  const peer = startJavaQuorumPeer(join(jdir, "zoo.cfg"), [`-Djava.security.auth.login.config=${join(jdir, "quorum.jaas")}`]);
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

describe.skipIf(!haveJava)("quorum SASL election with Apache ZooKeeper 3.8 (quorum.auth.enableSasl=true)", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "zkts-qsasl-java-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Java (sid 3) and zkts sid `first` elect together with quorum SASL; the other zkts peer joins later. */
  async function run(javaEpoch: bigint, zk2Epoch: bigint, first: 1 | 2) {
    const { quorum, jdir } = await mixedCluster(javaEpoch);
    const auths = [zktsSasl(), zktsSasl()];
    const peers = [new ElectionPeer({ sid: 1n, quorum }, { auth: auths[0]!.sasl.electionAuth() }), new ElectionPeer({ sid: 2n, quorum }, { auth: auths[1]!.sasl.electionAuth() })];
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
    return { da, db, java, failures: () => auths.flatMap((x) => x.failures) };
  }

  it("ZooKeeper (best vote) is elected over authenticated connections and leads; the zkts peers follow it", async () => {
    const { da, db, java, failures } = await run(0n, 0n, 1);
    expect(da).toMatchObject({ state: ServerState.FOLLOWING, via: "quorum" });
    expect(da.vote.leader).toBe(3n);
    expect(await waitFor(() => /LEADING/.test(java.log()), 15_000), java.log()).toBe(true);
    expect(db.vote.leader).toBe(3n);
    expect(failures()).toEqual([]);
    // ZooKeeper (the highest sid: it dials the others, QuorumCnxManager's rule) was authenticated by the zkts
    // peers; it authenticates a zkts peer as a learner only when that peer dialled it first, which the timing decides
    // (logged by its connection threads, which may finish after the election is decided).
    const authLogged = (side: string) => new RegExp(`Successfully completed the authentication using SASL\\. ${side} addr`).test(java.log());
    expect(await waitFor(() => authLogged("server"), 10_000), java.log()).toBe(true);
    expect(java.log()).not.toMatch(/Failed to authenticate using SASL/);
  }, 60_000);

  it("a zkts peer with a higher epoch is elected; ZooKeeper decides to follow it", async () => {
    const { da, db, java, failures } = await run(0n, 1n, 2);
    expect(da).toMatchObject({ state: ServerState.LEADING });
    expect(da.vote).toMatchObject({ leader: 2n, peerEpoch: 1n });
    expect(await waitFor(() => /FOLLOWING/.test(java.log()), 15_000), java.log()).toBe(true);
    expect(db.vote.leader).toBe(2n);
    expect(failures()).toEqual([]);
  }, 60_000);

  it("a zkts peer with another secret cannot elect with ZooKeeper: each refuses the other", async () => {
    const { quorum, jdir } = await mixedCluster(0n);
    const wrong = zktsSasl("not-the-secret");
    const peer = new ElectionPeer({ sid: 1n, quorum }, { auth: wrong.sasl.electionAuth() });
    cleanup.push(() => peer.close());
    await peer.listen();
    const java = startJava(jdir);
    peer.lookForLeader({ zxid: 0n, peerEpoch: 0n });
    let decided = false;
    void peer.waitForDecision().then(() => (decided = true));
    expect(await waitFor(() => /Failed to authenticate using SASL/.test(java.log()), 15_000), java.log()).toBe(true);
    await new Promise((r) => setTimeout(r, 3000));
    expect(decided).toBe(false);
    expect(java.log()).not.toMatch(/LEADING|FOLLOWING/);
    // both directions: ZooKeeper's login to it fails on its side (accepted), its login to ZooKeeper on ours (dialled)
    expect(wrong.failures.some((f) => f.startsWith("accepted"))).toBe(true);
    expect(wrong.failures.some((f) => f.startsWith("dialled"))).toBe(true);
  }, 60_000);
});
