/**
 * A hierarchical-quorum ensemble of 5 real zkts-server processes: group.1=1:2:3, group.2=4:5, weight.1=3,
 * weight.4=2. Group 1 weighs 5 (needs 3: server 1), group 2 weighs 3 (needs 2: server 4), and both groups are
 * needed, so a quorum is any set holding servers 1 and 4. A plain majority differs both ways: {1,2,3} is a
 * majority but no quorum here; {1,4} is a quorum here but no majority.
 */
import { afterAll, describe, expect, it } from "vitest";
import { fourLetter } from "@zkts/testkit";
import { makeEnsemble, waitFor, type Ensemble, type Member } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

const GROUPS = { "group.1": "1:2:3", "group.2": "4:5", "weight.1": "3", "weight.4": "2" };

async function create(port: number, path: string): Promise<number> {
  const { c } = await Client.connect(port);
  try {
    return (await c.create(path, "x")).err;
  } finally {
    c.close();
  }
}

async function has(port: number, path: string): Promise<boolean> {
  let c: Client | undefined;
  try {
    c = (await Client.connect(port)).c;
    return (await c.get(path)).err === 0;
  } catch {
    return false;
  } finally {
    c?.close();
  }
}

describe("zkts-server ensemble: hierarchical quorum (group.1=1:2:3, group.2=4:5, weight.1=3, weight.4=2)", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  it("elects and commits only with the configured quorum, not with a plain majority", async () => {
    e = await makeEnsemble(5, { extra: GROUPS });
    const ens = e;
    const m = (id: number): Member => ens.members[id - 1]!;
    const running = () => ens.members.filter((x) => x.proc !== undefined);
    await Promise.all(ens.members.map((x) => ens.start(x)));
    await ens.waitStable(60_000);
    expect(await create(m(2).clientPort, "/a")).toBe(0);
    for (const x of ens.members) await waitFor(() => has(x.clientPort, "/a"), 10_000, `/a on ${x.id}`);

    // Servers 4 and 5 stop: {1,2,3} is a plain majority, but group 2 has none of its weight.
    const inFlight = (await Client.connect(m(1).clientPort)).c;
    await Promise.all([ens.kill(m(4)), ens.kill(m(5))]);
    const lost = await inFlight.create("/lost", "x").then(
      (r) => r.err,
      () => "connection lost",
    );
    inFlight.close();
    expect(lost).not.toBe(0);
    await waitFor(async () => (await Promise.all([1, 2, 3].map((id) => ens.mode(m(id))))).every((x) => x === "looking"), 15_000, "1, 2, 3 looking");
    // They stay looking (a plain majority elects within about a second at tickTime=500): watched for 5 s.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      const modes = await Promise.all([1, 2, 3].map((id) => ens.mode(m(id))));
      expect(modes).toEqual(["looking", "looking", "looking"]);
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const id of [1, 2, 3]) await expect(create(m(id).clientPort, "/b")).rejects.toThrow();

    // Server 4 is back: {1,2,3,4} holds servers 1 and 4, a quorum; writes commit.
    await ens.start(m(4));
    await ens.waitStable(60_000);
    expect(running().map((x) => x.id)).toEqual([1, 2, 3, 4]);
    await waitFor(async () => (await create(m(2).clientPort, "/b").catch(() => -1)) === 0, 20_000, "/b through server 2");
    for (const x of running()) await waitFor(() => has(x.clientPort, "/b"), 10_000, `/b on ${x.id}`);
    expect(await has(m(1).clientPort, "/lost")).toBe(false);

    // Servers 2 and 3 stop: {1,4} is 2 of 5, no majority, but it is a quorum here: it leads and commits.
    await Promise.all([ens.kill(m(2)), ens.kill(m(3))]);
    const leader = await ens.waitStable(60_000);
    expect([1, 4]).toContain(leader.id);
    await waitFor(async () => (await create(m(1).clientPort, "/c").catch(() => -1)) === 0, 20_000, "/c through server 1");
    await waitFor(() => has(m(4).clientPort, "/c"), 10_000, "/c on 4");
    const mntr = await fourLetter(leader.clientPort, "mntr");
    expect(mntr).toContain("zk_server_state\tleader\n");
    expect(mntr).toContain("zk_synced_followers\t1\n");
  }, 180_000);
});
