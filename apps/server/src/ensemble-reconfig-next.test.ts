/**
 * Differential: zoo.cfg.dynamic.next on real processes, Apache ZooKeeper 3.8 (QuorumPeerMain) and zkts-server.
 * A 3-member ensemble (reconfigEnabled, skipACL; 3 leads, 1 and 2 follow, syncLimit long enough that a paused
 * follower still counts as synced). Follower 2 is paused (SIGSTOP) and 1 removed through the leader: the new config
 * {2, 3} passes the leader's checks (2 is still synced) but cannot commit (2 does not acknowledge), so the reconfig
 * stays proposed: the leader (Leader.propose) and follower 1 (its PROPOSAL) write zoo.cfg.dynamic.next
 * (QuorumPeer.setLastSeenQuorumVerifier(qv, true)). Every member is then killed (SIGKILL) and restarted, 3 and 2
 * first: the members that kept `.next` read it back at start-up (QuorumPeerConfig.parse) and the reconfig completes
 * with the new quorum (the leader elected with it pending needs quorums of both configs, then activates it).
 * Compared, ports and paths named: each member's config files (names and content) while the reconfig is pending
 * and after the restart, each member's mode after the restart, /zookeeper/config on every member, and a write
 * through each member of the new config read everywhere. Two mixed ensembles (a ZooKeeper leader with a zkts
 * learner, a zkts leader with a ZooKeeper learner) give ZooKeeper's results. And a `.next` left from before is
 * removed at start-up (QuorumPeerMain -> setQuorumVerifier), whatever reconfigEnabled says.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { encode, ReconfigRequest } from "@zkts/jute";
import { referenceAvailable } from "@zkts/testkit";
import { makeEnsemble, waitFor, writeEverywhere, type Ensemble, type Member } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";
import { configVersionHex, ensembleNormaliser, kazooConfig, serverLine } from "./reconfig-helpers.js";

type Impl = "zkts" | "zookeeper";
/** One implementation for every member, or one per member (a mixed ensemble). */
type Impls = Impl | Impl[];

interface Observed {
  pendingFiles: Record<string, Record<string, string>>;
  restartedFiles: Record<string, Record<string, string>>;
  modes: string[];
  zkConfig: string[];
}

const cfgFiles = (m: Member) => readdirSync(m.dir).filter((f) => f.startsWith("zoo.cfg")).sort();

function filesOf(ens: Ensemble, norm: (s: string) => string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const m of ens.members) out[`s${m.id}`] = Object.fromEntries(cfgFiles(m).map((f) => [norm(f), norm(readFileSync(`${m.dir}/${f}`, "utf8"))]));
  return out;
}

async function scenario(impl: Impls): Promise<Observed> {
  // syncLimit 40 ticks of 500 ms: the paused follower counts as synced for 20 s, long enough for the leader's
  // NEWCONFIGNOQUORUM check (isQuorumSynced) to pass the reconfig whatever the machine's load
  const ens = await makeEnsemble(3, { ...(Array.isArray(impl) ? { impls: impl } : { impl }), extra: { reconfigEnabled: "true", skipACL: "yes", syncLimit: "40" } });
  const [m1, m2, m3] = ens.members as [Member, Member, Member];
  const norm = ensembleNormaliser(ens, { versions: false });
  const waitMode = (m: Member, mode: string) => waitFor(async () => (await ens.mode(m)) === mode, 60_000, `server ${m.id} ${mode}`);
  let reconfigClient: Client | undefined;
  try {
    await ens.start(m3);
    await ens.start(m1);
    expect((await ens.waitStable(60_000)).id).toBe(3);
    await ens.start(m2);
    await waitMode(m2, "follower");
    await waitFor(() => ens.members.every((m) => cfgFiles(m).some((f) => /^zoo\.cfg\.dynamic\.[0-9a-f]+$/.test(f))), 30_000, "every member wrote its dynamic file");
    expect(ens.members.map((m) => cfgFiles(m).includes("zoo.cfg.dynamic.next"))).toEqual([false, false, false]);

    // 2 paused, then 1 removed through the leader: proposed, never committed
    m2.proc!.child.kill("SIGSTOP");
    reconfigClient = (await Client.connect(m3.clientPort)).c;
    void reconfigClient.req(16, encode(ReconfigRequest, { joiningServers: null, leavingServers: "1", newMembers: null, curConfigId: -1n })).catch(() => undefined);
    await waitFor(() => [m1, m3].every((m) => cfgFiles(m).includes("zoo.cfg.dynamic.next")), 15_000, "members 1 and 3 wrote zoo.cfg.dynamic.next");
    // the proposal is logged right after `.next` is written (and 1 acknowledges it once logged); 2 still counts as
    // synced for most of syncLimit, so the leader does not give up meanwhile
    await new Promise((r) => setTimeout(r, 3000));
    reconfigClient.close();
    for (const m of ens.members) await ens.kill(m);
    const pendingFiles = filesOf(ens, norm);
    const next = readFileSync(`${m3.dir}/zoo.cfg.dynamic.next`, "utf8");
    expect(next).toBe(readFileSync(`${m1.dir}/zoo.cfg.dynamic.next`, "utf8"));

    // every member again: 3 (it has the proposal and `.next`) and 2 form the new config's quorum; then 1
    await ens.start(m3);
    await ens.start(m2);
    await ens.start(m1);
    await waitFor(async () => (await ens.mode(m3)) === "leader" && (await ens.mode(m2)) === "follower", 60_000, "3 leads and 2 follows");
    // the new config committed: every member wrote its dynamic file of that version
    const version = configVersionHex(next);
    await waitFor(() => ens.members.every((m) => cfgFiles(m).includes(`zoo.cfg.dynamic.${version}`)), 60_000, `every member wrote zoo.cfg.dynamic.${version}`);
    await new Promise((r) => setTimeout(r, 1000));
    const modes = await Promise.all(ens.members.map(async (m) => `${m.id}:${await ens.mode(m)}`));
    const zkConfig: string[] = [];
    for (const m of ens.members) {
      const got = await kazooConfig(m.clientPort, { op: "get" });
      zkConfig.push(norm(JSON.stringify(got)));
    }
    const restartedFiles = filesOf(ens, norm);
    // the members of the new config take writes and read each other's
    await ens.kill(m1);
    await writeEverywhere(ens, "after-next");
    return { pendingFiles, restartedFiles, modes, zkConfig };
  } finally {
    reconfigClient?.close();
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of ens.members) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await ens.stopAll();
  }
}

describe.runIf(referenceAvailable())("zoo.cfg.dynamic.next: zkts-server vs Apache ZooKeeper 3.8", () => {
  let javaRun: Promise<Observed> | undefined;
  const zookeeper = () => (javaRun ??= scenario("zookeeper"));

  it("a reconfig proposed but not committed: `.next` on the members that saw it, read back at restart, the reconfig completed", async () => {
    const java = await zookeeper();
    const zkts = await scenario("zkts");
    // what ZooKeeper did, as a sanity check of the comparison itself
    expect(Object.keys(java.pendingFiles.s3!)).toEqual(["zoo.cfg", "zoo.cfg.bak", "zoo.cfg.dynamic.100000000", "zoo.cfg.dynamic.next"]);
    expect(Object.keys(java.pendingFiles.s2!)).toEqual(["zoo.cfg", "zoo.cfg.bak", "zoo.cfg.dynamic.100000000"]);
    expect(java.pendingFiles.s3!["zoo.cfg.dynamic.next"]).toBe("server.2=127.0.0.1:<q2>:<e2>:participant;127.0.0.1:<c2>\nserver.3=127.0.0.1:<q3>:<e3>:participant;127.0.0.1:<c3>\nversion=100000002");
    expect(java.restartedFiles.s3!["zoo.cfg.dynamic.next"]).toBeUndefined();
    expect(zkts.pendingFiles).toEqual(java.pendingFiles);
    expect(zkts.modes).toEqual(java.modes);
    expect(zkts.zkConfig).toEqual(java.zkConfig);
    expect(zkts.restartedFiles).toEqual(java.restartedFiles);
  }, 300_000);

  // Mixed: the pending config travels in NEWLEADER from either kind of leader (3) to either kind of learner.
  for (const impls of [
    ["zookeeper", "zookeeper", "zkts"],
    ["zkts", "zkts", "zookeeper"],
  ] as Impl[][]) {
    it(`mixed ${impls.join(" + ")}: the same files, modes and /zookeeper/config as ZooKeeper alone`, async () => {
      const java = await zookeeper();
      const mixed = await scenario(impls);
      expect(mixed).toEqual(java);
    }, 300_000);
  }

  it("a zoo.cfg.dynamic.next left from before is removed at start-up, also with reconfigEnabled=false", async () => {
    const seen: Record<string, string[][]> = {};
    for (const impl of ["zookeeper", "zkts"] as const) {
      const ens = await makeEnsemble(3, { impl, extra: { reconfigEnabled: "false" } });
      try {
        for (const m of ens.members) writeFileSync(`${m.cfgPath}.dynamic.next`, `${serverLine(m, "participant")}\nversion=100000005`);
        await Promise.all(ens.members.map((m) => ens.start(m)));
        await ens.waitStable(60_000);
        seen[impl] = ens.members.map(cfgFiles);
      } finally {
        await ens.stopAll();
      }
    }
    expect(seen.zookeeper).toEqual([["zoo.cfg"], ["zoo.cfg"], ["zoo.cfg"]]);
    expect(seen.zkts).toEqual(seen.zookeeper);
  }, 300_000);
});
