/**
 * Differential: reconfigs of a hierarchical quorum (group/weight lines) on real processes, Apache ZooKeeper 3.8
 * (QuorumPeerMain) and zkts-server, through kazoo (skipACL). Six members in three groups (group.1=1:2,
 * group.2=3:4, group.3=5:6, every weight 1: a quorum is both members of two groups); 3-6 start first, so 6 leads.
 * Steps: a new member list regrouping the six with weights (kazoo new_members carrying group/weight lines);
 * 1, 2 and 3 stopped ({4, 5, 6} is a quorum of the new groups, not a majority: 6 keeps leading, writes commit)
 * and started again; incremental changes (a join, a leave), which ZooKeeper refuses on a non-majority config (BADARGUMENTS); a list
 * without 1 (then killed), still hierarchical; a list of the same five without group lines (a majority again).
 * Compared, ports and paths named: every answer (config text, stat version), each member's mode after each step,
 * /zookeeper/config, zoo.cfg, its dynamic file on every member at the start and at the end; a write through each
 * final member is read on every one. The same steps on two mixed ensembles (the leader and 4-5 of one kind, 1-3 of
 * the other) give ZooKeeper's results.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { referenceAvailable } from "@zkts/testkit";
import { makeEnsemble, waitFor, writeEverywhere, type Ensemble, type Member } from "./ensemble-helpers.js";
import { configVersionHex, ensembleNormaliser, kazooConfig, serverLine, type KazooAnswer } from "./reconfig-helpers.js";

type Impl = "zkts" | "zookeeper";
/** One implementation for every member, or one per member (a mixed ensemble). */
type Impls = Impl | Impl[];

const GROUPS = { "group.1": "1:2", "group.2": "3:4", "group.3": "5:6" };

interface Observed {
  answers: KazooAnswer[];
  modes: string[];
  configs: string[][];
}

/** /zookeeper/config (kazoo: sync + get), zoo.cfg and its dynamic file on each live member. */
async function configsOf(live: Member[], norm: (s: string) => string): Promise<string[]> {
  const out: string[] = [];
  for (const m of live) {
    const got = await kazooConfig(m.clientPort, { op: "get" });
    expect(configVersionHex(got.data!)).toBe(got.mzxid);
    const cfg = readFileSync(m.cfgPath, "utf8");
    const dyn = /^dynamicConfigFile=(.*)$/m.exec(cfg)?.[1];
    out.push(`${m.id}: ${norm(got.data!)}`, norm(cfg), norm(readFileSync(dyn!, "utf8")));
  }
  return out;
}

async function scenario(impl: Impls): Promise<Observed> {
  const ens: Ensemble = await makeEnsemble(6, { ...(Array.isArray(impl) ? { impls: impl } : { impl }), extra: { reconfigEnabled: "true", skipACL: "yes", ...GROUPS } });
  const [m1, m2, m3, m4, m5, m6] = ens.members as [Member, Member, Member, Member, Member, Member];
  const norm = ensembleNormaliser(ens, { versions: true });
  const answers: KazooAnswer[] = [];
  const modes: string[] = [];
  const configs: string[][] = [];
  let live: Member[] = [];
  const waitMode = (m: Member, mode: string) => waitFor(async () => (await ens.mode(m)) === mode, 60_000, `server ${m.id} ${mode}`);
  const noteModes = async () => modes.push((await Promise.all(live.map(async (m) => `${m.id}:${await ens.mode(m)}`))).join(" "));
  const reconfig = async (via: Member, op: { j?: string; l?: string; members?: string }) => {
    const a = await kazooConfig(via.clientPort, { op: "reconfig", ...op });
    answers.push(a.data !== undefined ? { ...a, data: norm(a.data), mzxid: "<z>" } : a);
    return a;
  };
  try {
    // groups 2 and 3 first: 6 leads; then 1 and 2 follow
    await Promise.all([m3, m4, m5, m6].map((m) => ens.start(m)));
    expect((await ens.waitStable(60_000)).id).toBe(6);
    await Promise.all([m1, m2].map((m) => ens.start(m)));
    for (const m of [m1, m2]) await waitMode(m, "follower");
    live = [m1, m2, m3, m4, m5, m6];
    await waitFor(() => live.every((m) => /^dynamicConfigFile=/m.test(readFileSync(m.cfgPath, "utf8"))), 30_000, "every member's zoo.cfg rewritten");
    await noteModes();
    configs.push(await configsOf(live, norm));

    // the six regrouped, with weights (a new member list with group/weight lines, through a follower)
    const regrouped = await reconfig(m1, { members: [...live.map((m) => serverLine(m)), "group.1=1:2:3", "group.2=4:5", "group.3=6", "weight.1=2", "weight.6=3"].join(",") });
    expect(regrouped.error).toBeUndefined();
    await ens.waitStable(60_000);
    await noteModes();

    // the new groups are in force: with 1, 2 and 3 stopped, {4, 5, 6} (groups 2 and 3 whole) is a quorum of the
    // new config though not a majority of six: 6 keeps leading (watched past syncLimit) and writes commit
    for (const m of [m1, m2, m3]) await ens.kill(m);
    live = [m4, m5, m6];
    await new Promise((r) => setTimeout(r, 4000));
    await noteModes();
    await writeEverywhere(ens, "groups");
    for (const m of [m1, m2, m3]) await ens.start(m);
    for (const m of [m1, m2, m3]) await waitMode(m, "follower");
    live = [m1, m2, m3, m4, m5, m6];

    // incremental changes on a hierarchical config
    await reconfig(m2, { l: "2" });
    await reconfig(m6, { j: serverLine(m1, "participant") });

    // 1 out, still hierarchical (through the leader), then killed
    const without1 = await reconfig(m6, { members: [...[m2, m3, m4, m5, m6].map((m) => serverLine(m)), "group.1=2:3", "group.2=4:5", "group.3=6"].join(",") });
    expect(without1.error).toBeUndefined();
    await ens.kill(m1);
    live = [m2, m3, m4, m5, m6];
    await ens.waitStable(60_000);
    await noteModes();

    // the same five as a plain majority (no group lines, through a follower)
    const majority = await reconfig(m3, { members: live.map((m) => serverLine(m)).join(",") });
    expect(majority.error).toBeUndefined();
    await ens.waitStable(60_000);
    await noteModes();
    configs.push(await configsOf(live, norm));
    await writeEverywhere(ens, "hier");
    return { answers, modes, configs };
  } finally {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of ens.members) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await ens.stopAll();
  }
}

describe.runIf(referenceAvailable())("reconfig of a hierarchical quorum: zkts-server vs Apache ZooKeeper 3.8", () => {
  let javaRun: Promise<Observed> | undefined;
  const zookeeper = () => (javaRun ??= scenario("zookeeper"));

  it("new member lists with group/weight lines, refused incremental changes, back to a majority: the same answers, modes and configs", async () => {
    const java = await zookeeper();
    if (process.env.ZKTS_ENSEMBLE_DEBUG) console.log(JSON.stringify(java, null, 1));
    // ZooKeeper's own outcome, as a sanity check of the comparison itself
    expect(java.answers.map((a) => a.error ?? "ok")).toEqual(["ok", "BadArgumentsError", "BadArgumentsError", "ok", "ok"]);
    expect(java.answers[0]!.data).toContain("group.1=1:2:3\ngroup.2=4:5\ngroup.3=6\nweight.1=2\n");
    expect(java.modes[2]).toBe("4:follower 5:follower 6:leader");
    const zkts = await scenario("zkts");
    if (process.env.ZKTS_ENSEMBLE_DEBUG) console.log(JSON.stringify(zkts, null, 1));
    expect(zkts.answers).toEqual(java.answers);
    expect(zkts.modes).toEqual(java.modes);
    expect(zkts.configs).toEqual(java.configs);
  }, 400_000);

  // Mixed: the hierarchical configs travel between the two kinds (the leader, 6, of one kind; 1-3 of the other).
  for (const impls of [
    ["zkts", "zkts", "zkts", "zookeeper", "zookeeper", "zookeeper"],
    ["zookeeper", "zookeeper", "zookeeper", "zkts", "zkts", "zkts"],
  ] as Impl[][]) {
    it(`mixed ${impls.join(" + ")}: the same answers, modes and configs as ZooKeeper alone`, async () => {
      const java = await zookeeper();
      const mixed = await scenario(impls);
      expect(mixed).toEqual(java);
    }, 400_000);
  }
});
