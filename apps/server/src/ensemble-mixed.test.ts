/**
 * Mixed ensembles: Apache ZooKeeper 3.8 members (QuorumPeerMain, Debian's) and zkts-server members in one
 * ensemble on the same zoo.cfg lines. The quorum protocol is ZooKeeper's byte for byte (QuorumPackets streamed
 * without a length prefix, learners' REQUESTs with the auth ids in authinfo, bare SYNC answers matched in order,
 * session liveness in PING answers), so either kind leads and either follows: writes, syncs and sessions through
 * every member, and a leader change between kinds.
 */
import { describe, expect, it } from "vitest";
import { encode, SyncRequest } from "@zkts/jute";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fourLetter, pkiToolsAvailable, referenceAvailable, TestPki } from "@zkts/testkit";
import { seededRandom } from "@zkts/contracts/testing";
import { hasAll, makeEnsemble, waitFor, writeEverywhere, Writer, type Member } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

type Impl = "zkts" | "zookeeper";
const EPHEMERAL = 1;

async function implOf(m: Member): Promise<Impl> {
  return /Zookeeper version: 3\.8/.test(await fourLetter(m.clientPort, "srvr")) && !/zkts/i.test(await fourLetter(m.clientPort, "srvr")) ? "zookeeper" : "zkts";
}


describe.runIf(referenceAvailable())("mixed ensembles: Apache ZooKeeper 3.8 and zkts members together", () => {
  // Members start in order: the last one joins an epoch the first two established (by DIFF or SNAP).
  for (const impls of [
    ["zkts", "zkts", "zookeeper"],
    ["zookeeper", "zookeeper", "zkts"],
  ] as Impl[][]) {
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

        // every member checked the TxnDigest of each txn it applied (DataTree.compareDigest), whichever kind
        // proposed it: no mismatch counted, none logged
        for (const m of ens.members) {
          expect(await fourLetter(m.clientPort, "mntr"), `member ${m.id} (${impls[m.id - 1]})`).toMatch(/zk_digest_mismatches_count\s+0\n/);
          expect(m.proc!.output(), `member ${m.id} (${impls[m.id - 1]})`).not.toMatch(/digest mismatch|Digests are not matching/i);
        }
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

/** Every path present on the member with its own path as data. */
async function holdsOwnPaths(port: number, paths: string[]): Promise<boolean> {
  let c: Client | undefined;
  try {
    c = (await Client.connect(port)).c;
    const results = await Promise.all(paths.map((p) => c!.get(p)));
    return results.every((r, i) => r.err === 0 && r.data === paths[i]);
  } catch {
    return false;
  } finally {
    c?.close();
  }
}

/**
 * SNAP across the two implementations: a member that joins after the other two have written is sent the leader's
 * snapshot in ZooKeeper's stream (LearnerHandler.syncFollower: sessions, ACL cache, nodes, "BenWasHere"). ZooKeeper
 * leaders are made to SNAP with snapshotSizeFactor=-1 (no txn-log sync beyond the in-memory committed log); zkts
 * leaders SNAP a learner behind their 500-txn window.
 */
describe.runIf(referenceAvailable())("mixed ensembles: SNAP in ZooKeeper's snapshot stream, both directions", () => {
  for (const impls of [
    ["zookeeper", "zookeeper", "zkts"],
    ["zkts", "zkts", "zookeeper"],
  ] as Impl[][]) {
    const javaLeads = impls[0] === "zookeeper";
    it(`${javaLeads ? "a ZooKeeper leader SNAPs a zkts learner" : "a zkts leader SNAPs a ZooKeeper learner"} (${impls.join(" + ")})`, async () => {
      const ens = await makeEnsemble(3, { tickTime: 500, impls, javaFlags: () => ["-Dzookeeper.snapshotSizeFactor=-1"] });
      const [m1, m2, late] = ens.members as [Member, Member, Member];
      try {
        await ens.start(m1);
        await ens.start(m2);
        const leader = await ens.waitStable(60_000);
        const paths = Array.from({ length: javaLeads ? 50 : 600 }, (_, i) => `/s${i}`);
        const { c } = await Client.connect(leader.clientPort);
        const rs = await Promise.all(paths.map((p) => c.create(p, p)));
        c.close();
        expect(rs.every((r) => r.err === 0)).toBe(true);
        // and 2 MB of node data, so the stream spans many TCP reads
        const big = Array.from({ length: 20 }, (_, i) => `/big${i}`);
        const { c: w } = await Client.connect(leader.clientPort);
        for (const p of big) expect((await w.create(p, p.padEnd(100_000, "x"))).err).toBe(0);
        w.close();
        // an ephemeral of a live session travels in the snapshot and goes with its session afterwards
        const { c: owner } = await Client.connect(m1.clientPort);
        expect((await owner.create("/eph", "e", EPHEMERAL)).err).toBe(0);

        await ens.start(late);
        await ens.waitStable(60_000);
        await waitFor(() => holdsOwnPaths(late.clientPort, paths), 30_000, "the late member to have every node");
        {
          const { c: r } = await Client.connect(late.clientPort);
          for (const p of big) expect(await r.get(p), p).toMatchObject({ err: 0, data: p.padEnd(100_000, "x") });
          r.close();
        }
        if (javaLeads) expect(late.proc!.output()).toMatch(/"synchronising with the leader","kind":"SNAP"/);
        else expect(await fourLetter(leader.clientPort, "mntr")).toMatch(/zk_snap_count\s+[1-9]/);
        {
          const { c: r } = await Client.connect(late.clientPort);
          expect(await r.get("/eph")).toMatchObject({ err: 0, data: "e" });
          r.close();
        }
        await writeEverywhere(ens, "after");
        await owner.req(-11, Buffer.alloc(0)); // closeSession
        owner.close();
        await waitFor(async () => {
          const { c: r } = await Client.connect(late.clientPort);
          await r.req(9, encode(SyncRequest, { path: "/" }));
          const g = await r.get("/eph");
          r.close();
          return g.err === -101;
        }, 10_000, "the ephemeral to go on the late member");
      } catch (e) {
        for (const m of ens.members) {
          const lines = (m.proc?.output() ?? "").split("\n").filter((l) => /WARN|ERROR|xception|"warn"|"error"|SNAP|snapshot/.test(l) && !/Cannot open channel|Connection refused|Notification/.test(l));
          console.log(`--- member ${m.id} (${impls[m.id - 1]}) running=${m.proc !== undefined}:\n${lines.slice(-15).join("\n")}\nTAIL: ${(m.proc?.output() ?? "").slice(-1500)}`);
        }
        throw e;
      } finally {
        await ens.stopAll();
      }
    }, 180_000);
  }
});

describe.runIf(referenceAvailable() && pkiToolsAvailable)("mixed ensembles over quorum TLS (sslQuorum=true)", () => {
  it("zkts + zkts + zookeeper with TLS election and learner connections: one leader, writes and reads through every member", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkts-mixed-tls-"));
    const pki = new TestPki(dir, "changeit");
    pki.ca("ca");
    pki.issue("member", "/CN=member", { ca: "ca", san: "IP:127.0.0.1,DNS:localhost" });
    pki.trustStore("trust.jks", "JKS");
    const ens = await makeEnsemble(3, {
      tickTime: 500,
      impls: ["zkts", "zkts", "zookeeper"],
      extra: {
        sslQuorum: "true",
        "ssl.quorum.keyStore.location": join(dir, "member.jks"),
        "ssl.quorum.keyStore.password": "changeit",
        "ssl.quorum.trustStore.location": join(dir, "trust.jks"),
        "ssl.quorum.trustStore.password": "changeit",
      },
    });
    try {
      for (const m of ens.members) await ens.start(m);
      await ens.waitStable(60_000);
      await writeEverywhere(ens, "tls");
      const java = ens.members[2]!;
      expect(java.proc!.output()).not.toMatch(/SSLHandshakeException|bad_certificate|certificate_unknown/);
    } finally {
      await ens.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe.runIf(referenceAvailable())("mixed ensembles: repeated leader kills", () => {
  const KILLS = Number(process.env.ZKTS_MIXED_KILLS ?? 10);
  it(`zkts + zookeeper + zkts: ${KILLS} leader kills (kill -9) under continuous writes, every acknowledged write on every member`, async () => {
    const rnd = seededRandom(13);
    const ens = await makeEnsemble(3, { tickTime: 500, impls: ["zkts", "zookeeper", "zkts"] });
    try {
      for (const m of ens.members) await ens.start(m);
      let leader = await ens.waitStable(60_000);
      const { c } = await Client.connect(leader.clientPort);
      expect((await c.create("/k", "")).err).toBe(0);
      c.close();
      const w = new Writer(() => ens.members.filter((m) => m.proc !== undefined).map((m) => m.clientPort), "/k");
      const leaders: Impl[] = [];
      try {
        for (let i = 0; i < KILLS; i++) {
          const want = w.acked.length + 5 + Math.floor(rnd.next() * 30);
          await waitFor(async () => w.acked.length >= want, 30_000, `writes before kill ${i}`);
          leaders.push(await implOf(leader));
          const killedAt = Date.now();
          w.since = killedAt;
          await ens.kill(leader);
          await waitFor(async () => w.okTimes.some((t) => t > killedAt), 60_000, `a write after kill ${i}`);
          await ens.start(leader);
          leader = await ens.waitStable(60_000);
        }
      } finally {
        await w.stop();
      }
      console.log(`mixed leader kills: ${KILLS} (leaders killed: ${leaders.join(",")}), acked writes ${w.acked.length}`);
      for (const m of ens.members) await waitFor(() => hasAll(m.clientPort, w.acked), 30_000, `every acked write on member ${m.id}`);
    } catch (e) {
      console.log(`modes: ${(await Promise.all(ens.members.map((m) => ens.mode(m)))).join(",")}`);
      for (const m of ens.members) console.log(`--- member ${m.id}:\n${(m.proc?.output() ?? "").split("\n").filter((l) => !/Notification|Cannot open channel|Connection refused|srvr command/.test(l)).slice(-30).join("\n")}`);
      throw e;
    } finally {
      await ens.stopAll();
    }
  }, 300_000);
});
