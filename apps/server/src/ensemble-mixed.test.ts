/**
 * Mixed ensembles: Apache ZooKeeper 3.8 members (QuorumPeerMain, Debian's) and zkts-server members in one
 * ensemble on the same zoo.cfg lines. The quorum protocol is ZooKeeper's byte for byte (QuorumPackets streamed
 * without a length prefix, learners' REQUESTs with the auth ids in authinfo, bare SYNC answers matched in order,
 * session liveness in PING answers), so either kind leads and either follows: writes, syncs and sessions through
 * every member, and a leader change between kinds.
 */
import { describe, expect, it } from "vitest";
import { encode, SyncRequest } from "@zkts/jute";
import { fourLetter, referenceAvailable } from "@zkts/testkit";
import { makeEnsemble, waitFor, type Ensemble, type Member } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

type Impl = "zkts" | "zookeeper";
const EPHEMERAL = 1;

async function implOf(m: Member): Promise<Impl> {
  return /Zookeeper version: 3\.8/.test(await fourLetter(m.clientPort, "srvr")) && !/zkts/i.test(await fourLetter(m.clientPort, "srvr")) ? "zookeeper" : "zkts";
}

/** Through every running member: a create, a setData, then sync + read of everything on every member. */
async function writeEverywhere(ens: Ensemble, tag: string): Promise<void> {
  const running = ens.members.filter((m) => m.proc !== undefined);
  for (const m of running) {
    const { c } = await Client.connect(m.clientPort);
    try {
      expect((await c.create(`/${tag}-${m.id}`, "a")).err, `create through member ${m.id}`).toBe(0);
      expect((await c.setData(`/${tag}-${m.id}`, `via ${m.id}`)).err).toBe(0);
    } finally {
      c.close();
    }
  }
  for (const m of running) {
    const { c } = await Client.connect(m.clientPort);
    try {
      expect((await c.req(9, encode(SyncRequest, { path: "/" }))).err, `sync through member ${m.id}`).toBe(0);
      for (const w of running) expect(await c.get(`/${tag}-${w.id}`), `member ${m.id} reads ${tag}-${w.id}`).toMatchObject({ err: 0, data: `via ${w.id}` });
    } finally {
      c.close();
    }
  }
}

describe.runIf(referenceAvailable())("mixed ensembles: Apache ZooKeeper 3.8 and zkts members together", () => {
  // zkts members first: the Java member joins by DIFF. (A zkts member joining a Java-led epoch gets SNAP in
  // ZooKeeper's snapshot stream, which zkts does not read yet.)
  for (const impls of [["zkts", "zkts", "zookeeper"]] as Impl[][]) {
    it(`${impls.join(" + ")}: one leader, writes/sync/ephemerals through every member, a leader change`, async () => {
      const ens = await makeEnsemble(3, { tickTime: 500, impls });
      try {
        for (const m of ens.members) await ens.start(m);
        const leader = await ens.waitStable(60_000);
        const kinds = await Promise.all(ens.members.map(implOf));
        expect(kinds).toEqual(impls);
        await writeEverywhere(ens, "w1");

        // an ephemeral of a session on one kind, seen on the other, gone when the session closes
        const other = ens.members.find((m) => impls[m.id - 1] !== impls[leader.id - 1])!;
        const { c: owner } = await Client.connect(other.clientPort);
        expect((await owner.create("/eph", "", EPHEMERAL)).err).toBe(0);
        for (const m of ens.members) {
          const { c } = await Client.connect(m.clientPort);
          await c.req(9, encode(SyncRequest, { path: "/" }));
          expect((await c.get("/eph")).err, `member ${m.id} sees the ephemeral`).toBe(0);
          c.close();
        }
        await owner.req(-11, Buffer.alloc(0)); // closeSession
        owner.close();
        await waitFor(async () => {
          const { c } = await Client.connect(leader.clientPort);
          const r = await c.get("/eph");
          c.close();
          return r.err === -101;
        }, 10_000, "the ephemeral to go with its session");

        // the leader goes: the other two (one of each kind) elect, writes go on
        await ens.kill(leader);
        const next = await ens.waitStable(60_000);
        expect(next.id).not.toBe(leader.id);
        await writeEverywhere(ens, "w2");
        await ens.start(leader);
        await ens.waitStable(60_000);
        await writeEverywhere(ens, "w3");
      } catch (e) {
        // what each member said, to see which side refused what
        for (const m of ens.members) {
          const lines = (m.proc?.output() ?? "").split("\n").filter((l) => /WARN|ERROR|xception|"warn"|"error"|LEADING|FOLLOWING|synchronising|ZAB/.test(l) && !/Cannot open channel|Connection refused|Notification/.test(l));
          console.log(`--- member ${m.id} (${impls[m.id - 1]}) running=${m.proc !== undefined}:\n${lines.slice(-15).join("\n")}\nTAIL: ${(m.proc?.output() ?? "").slice(-1500)}`);
        }
        throw e;
      } finally {
        await ens.stopAll();
      }
    }, 180_000);
  }
});
