/**
 * Quorum SASL against the real thing: an Apache ZooKeeper 3.8 QuorumPeerMain with `quorum.auth.enableSasl=true`,
 * learner and server requiring SASL (JAAS QuorumServer / QuorumLearner with DigestLoginModule) and two zkts
 * election peers authenticating with QuorumSasl (the same JAAS sections) elect one leader, in both outcomes
 * (ZooKeeper leads; a zkts peer leads and ZooKeeper follows): every election connection is authenticated both
 * ways (QuorumAuthPacket, DIGEST-MD5). A zkts peer with a wrong password cannot elect with it. The SASL variant
 * of packages/election/src/node/java-interop.test.ts; skipped without java or the jar.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ElectionPeer, ServerState } from "@zkts/election";
import { REFERENCE_JAR, SLF4J_SIMPLE_JAR } from "@zkts/testkit";
import { javaElectionHarness, waitFor } from "./java-election-harness.js";
import { QuorumSasl } from "./quorum-sasl.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const haveJava = existsSync(REFERENCE_JAR) && existsSync(SLF4J_SIMPLE_JAR) && spawnSync("java", ["-version"]).status === 0;
const DIGEST = "org.apache.zookeeper.server.auth.DigestLoginModule";

let dir = "";
const quorumSasl = (): Record<string, string> => ({
  "quorum.auth.enableSasl": "true",
  "quorum.auth.learnerRequireSasl": "true",
  "quorum.auth.serverRequireSasl": "true",
});
const h = javaElectionHarness({
  dir: () => dir,
  javaConfig: quorumSasl,
  prepareJava: (jdir) => {
    writeFileSync(
      join(jdir, "quorum.jaas"),
      `QuorumServer {\n  ${DIGEST} required\n  user_zk="zk-secret";\n};\nQuorumLearner {\n  ${DIGEST} required\n  username="zk"\n  password="zk-secret";\n};\n`,
    );
    return [`-Djava.security.auth.login.config=${join(jdir, "quorum.jaas")}`];
  },
});
const { cleanup } = h;
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
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

describe.skipIf(!haveJava)("quorum SASL election with Apache ZooKeeper 3.8 (quorum.auth.enableSasl=true)", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "zkts-qsasl-java-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Java (sid 3) and zkts sid `first` elect together with quorum SASL; the other zkts peer joins later. */
  async function run(javaEpoch: bigint, zk2Epoch: bigint, first: 1 | 2) {
    const auths = [zktsSasl(), zktsSasl()];
    const r = await h.run(javaEpoch, zk2Epoch, first, (i) => ({ auth: auths[i]!.sasl.electionAuth() }));
    return { ...r, failures: () => auths.flatMap((x) => x.failures) };
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
    const { quorum, jdir } = await h.mixedCluster(0n);
    const wrong = zktsSasl("not-the-secret");
    const peer = new ElectionPeer({ sid: 1n, quorum }, { auth: wrong.sasl.electionAuth() });
    cleanup.push(() => peer.close());
    await peer.listen();
    const java = h.startJava(jdir);
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
