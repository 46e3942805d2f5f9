/**
 * Mixed ensembles with an observer of the other kind: three voters of one implementation (Apache ZooKeeper 3.8's
 * QuorumPeerMain, or zkts-server) and an observer of the other. The observer learns the leader from the voters'
 * notifications (it does not vote), syncs (OBSERVERINFO, DIFF/SNAP, UPTODATE), then follows the broadcast by INFORM
 * (ZooKeeper's Leader.inform: the proposal's header, txn and digest); writes it is sent it forwards as REQUESTs.
 */
import { describe, expect, it } from "vitest";
import { encode, SyncRequest } from "@zkts/jute";
import { fourLetter, referenceAvailable } from "@zkts/testkit";
import { makeEnsemble, waitFor, writeEverywhere, type Ensemble, type Member } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

type Impl = "zkts" | "zookeeper";
const EPHEMERAL = 1;
const NODE_DATA_CHANGED = 3;
const NOTREADONLY = -119;

async function implOf(m: Member): Promise<Impl> {
  const out = await fourLetter(m.clientPort, "srvr");
  return /zkts/i.test(out) ? "zkts" : "zookeeper";
}


function dump(ens: Ensemble, impls: readonly Impl[]): void {
  for (const m of ens.members) {
    const lines = (m.proc?.output() ?? "").split("\n").filter((l) => /WARN|ERROR|xception|"warn"|"error"|LEADING|FOLLOWING|OBSERVING|synchronising/.test(l) && !/Cannot open channel|Connection refused|Notification/.test(l));
    console.log(`--- member ${m.id} (${impls[m.id - 1]}) running=${m.proc !== undefined}:\n${lines.slice(-20).join("\n")}\nTAIL: ${(m.proc?.output() ?? "").slice(-1500)}`);
  }
}

describe.runIf(referenceAvailable())("mixed ensembles: an observer of the other kind", () => {
  for (const voters of ["zkts", "zookeeper"] as Impl[]) {
    const obsKind: Impl = voters === "zkts" ? "zookeeper" : "zkts";
    const impls: Impl[] = [voters, voters, voters, obsKind];
    it(`three ${voters} voters and a ${obsKind} observer: writes through every member, reads agree, sessions and watches across kinds`, async () => {
      const ens = await makeEnsemble(4, { tickTime: 500, impls, observers: 1 });
      const obs = ens.members[3]!;
      try {
        for (const m of ens.members) await ens.start(m);
        const leader = await ens.waitStable(60_000);
        expect(await Promise.all(ens.members.map(implOf))).toEqual(impls);
        expect(await ens.mode(obs)).toBe("observer");
        expect(leader.id).not.toBe(obs.id);

        await writeEverywhere(ens, "w1");

        // an ephemeral of a session on the observer, seen by every member, gone when the session closes
        const { c: owner, resp: ownerResp } = await Client.connect(obs.clientPort);
        expect((await owner.create("/eph", "e", EPHEMERAL)).err).toBe(0);
        for (const m of ens.members) {
          const { c } = await Client.connect(m.clientPort);
          await c.req(9, encode(SyncRequest, { path: "/" }));
          expect(await c.get("/eph"), `member ${m.id} sees the observer session's ephemeral`).toMatchObject({ err: 0, data: "e" });
          c.close();
        }

        // a watch set on the observer fires on a write through a voter, and one set on a voter on a write through
        // the observer
        const voter = ens.members.find((m) => m !== leader && m !== obs)!;
        const { c: wObs } = await Client.connect(obs.clientPort);
        const { c: wVoter } = await Client.connect(voter.clientPort);
        expect((await wObs.getWatch("/w1-1")).err).toBe(0);
        expect((await wVoter.getWatch("/w1-2")).err).toBe(0);
        {
          const { c } = await Client.connect(voter.clientPort);
          expect((await c.setData("/w1-1", "changed through a voter")).err).toBe(0);
          c.close();
        }
        expect((await owner.setData("/w1-2", "changed through the observer")).err).toBe(0);
        await waitFor(() => wObs.events.length > 0 && wVoter.events.length > 0, 10_000, "both watches to fire");
        expect(wObs.events).toEqual([{ type: NODE_DATA_CHANGED, path: "/w1-1" }]);
        expect(wVoter.events).toEqual([{ type: NODE_DATA_CHANGED, path: "/w1-2" }]);
        wObs.close();
        wVoter.close();

        // the observer's session moves to a voter of the other kind (REVALIDATE or the like), keeps its ephemeral,
        // and closes there
        owner.close();
        const moved = await Client.connect(voter.clientPort, ownerResp.sessionId, ownerResp.passwd!);
        expect(moved.resp.sessionId, "the session moved to a voter").toBe(ownerResp.sessionId);
        expect(moved.resp.timeOut).toBeGreaterThan(0);
        expect(await moved.c.get("/eph")).toMatchObject({ err: 0, data: "e" });
        expect((await moved.c.setData("/eph", "moved")).err).toBe(0);
        await moved.c.req(-11, Buffer.alloc(0)); // closeSession
        moved.c.close();
        // and a session of a voter moves to the observer of the other kind
        {
          const first = await Client.connect(voter.clientPort);
          expect((await first.c.create("/eph2", "v", EPHEMERAL)).err).toBe(0);
          first.c.close();
          const again = await Client.connect(obs.clientPort, first.resp.sessionId, first.resp.passwd!);
          expect(again.resp.sessionId, "the voter's session moved to the observer").toBe(first.resp.sessionId);
          expect(again.resp.timeOut).toBeGreaterThan(0);
          expect((await again.c.setData("/eph2", "moved")).err).toBe(0);
          expect(await again.c.get("/eph2")).toMatchObject({ err: 0, data: "moved" });
          await again.c.req(-11, Buffer.alloc(0)); // closeSession
          again.c.close();
        }
        for (const m of ens.members) {
          await waitFor(async () => {
            const { c } = await Client.connect(m.clientPort);
            await c.req(9, encode(SyncRequest, { path: "/" }));
            const r = await c.get("/eph");
            const r2 = await c.get("/eph2");
            c.close();
            return r.err === -101 && r2.err === -101;
          }, 10_000, `the ephemeral to go on member ${m.id}`);
        }

        // the observer restarts: it learns the leader from the voters' notifications and syncs again
        await ens.kill(obs);
        {
          const { c } = await Client.connect(leader.clientPort);
          expect((await c.create("/while-away", "x")).err).toBe(0);
          c.close();
        }
        await ens.start(obs);
        await ens.waitStable(60_000);
        expect(await ens.mode(obs)).toBe("observer");
        {
          const { c } = await Client.connect(obs.clientPort);
          await c.req(9, encode(SyncRequest, { path: "/" }));
          expect(await c.get("/while-away")).toMatchObject({ err: 0, data: "x" });
          c.close();
        }
        await writeEverywhere(ens, "w2");
      } catch (e) {
        dump(ens, impls);
        throw e;
      } finally {
        await ens.stopAll();
      }
    }, 180_000);
  }
});

const isro = (port: number) => fourLetter(port, "isro").then((s) => s.trim(), () => "");

/**
 * Read-only mode across the mix (readonlymode.enabled on every member, -Dreadonlymode.enabled=true for ZooKeeper):
 * the survivor of a lost quorum, of either kind, serves a client that allows read-only servers its reads, refuses
 * its writes (NOTREADONLY), and rejoins the ensemble when its peers return. ZooKeeper 3.8's read-only server serves
 * local sessions only (a global createSession is answered NOTREADONLY, a global session's reconnection refused), so
 * its member runs with localSessionsEnabled=true; zkts has no local sessions, and its leader does not take writes
 * of a ZooKeeper learner's local sessions, so the test writes through zkts members.
 */
describe.runIf(referenceAvailable())("mixed ensembles: read-only mode when quorum is lost", () => {
  it("zookeeper + zkts + zkts: a ZooKeeper survivor, then a zkts survivor, serve read-only and rejoin", async () => {
    const impls: Impl[] = ["zookeeper", "zkts", "zkts"];
    const ens = await makeEnsemble(3, {
      tickTime: 500,
      impls,
      extra: { "readonlymode.enabled": "true" },
      perMember: (i): Record<string, string> => (impls[i] === "zookeeper" ? { localSessionsEnabled: "true" } : {}),
      javaFlags: () => ["-Dreadonlymode.enabled=true"],
    });
    const writer = ens.members[2]!; // a zkts member that survives neither round
    try {
      for (const m of ens.members) await ens.start(m);
      await ens.waitStable(60_000);
      for (const [round, survivor] of [ens.members[0]!, ens.members[1]!].entries()) {
        const what = `member ${survivor.id} (${impls[survivor.id - 1]})`;
        const value = `v${round}`;
        {
          const { c } = await Client.connect(writer.clientPort);
          expect((await c.create(`/ro${round}`, value)).err, `create /ro${round}`).toBe(0);
          c.close();
        }
        await waitFor(() => holds(survivor.clientPort, `/ro${round}`, value), 10_000, `/ro${round} on ${what}`);
        const others = ens.members.filter((m) => m !== survivor);
        for (const m of others) await ens.kill(m);
        await waitFor(async () => (await isro(survivor.clientPort)) === "ro", 60_000, `${what} to answer isro: ro`);
        // a client that allows read-only servers (the readOnly flag after its ConnectRequest)
        const ro = await Client.connect(survivor.clientPort, 0n, Buffer.alloc(16), { readOnly: true });
        try {
          expect(ro.readOnly, `${what} answers the connect read-only`).toBe(true);
          expect(await ro.c.get(`/ro${round}`)).toMatchObject({ err: 0, data: value });
          expect((await ro.c.create("/ro-refused", "x")).err).toBe(NOTREADONLY);
          expect((await ro.c.setData(`/ro${round}`, "changed")).err).toBe(NOTREADONLY);
          expect(await ro.c.get(`/ro${round}`)).toMatchObject({ err: 0, data: value });
        } finally {
          ro.c.close();
        }
        for (const m of others) await ens.start(m);
        await ens.waitStable(60_000);
        await waitFor(async () => (await isro(survivor.clientPort)) === "rw", 30_000, `${what} to answer isro: rw`);
        {
          const { c } = await Client.connect(writer.clientPort);
          expect((await c.setData(`/ro${round}`, "after")).err, "a write after the quorum returned").toBe(0);
          c.close();
        }
        await waitFor(() => holds(survivor.clientPort, `/ro${round}`, "after"), 10_000, `the write on ${what} after it rejoined`);
        const { c } = await Client.connect(survivor.clientPort, 0n, Buffer.alloc(16), { readOnly: true });
        expect((await c.get("/ro-refused")).err).toBe(-101);
        c.close();
      }
    } catch (e) {
      dump(ens, impls);
      throw e;
    } finally {
      await ens.stopAll();
    }
  }, 240_000);
});

/** After a sync through the member, `path` holds `data` there. */
async function holds(port: number, path: string, data: string): Promise<boolean> {
  try {
    const { c } = await Client.connect(port);
    try {
      await c.req(9, encode(SyncRequest, { path: "/" }));
      const r = await c.get(path);
      return r.err === 0 && r.data === data;
    } finally {
      c.close();
    }
  } catch {
    return false;
  }
}

/**
 * The four-letter words of a member that has no server running (one member of three, alone: it elects forever), on
 * ZooKeeper 3.8 and on zkts: the same answers (FourLetterCommands' ZK_NOT_SERVING, isro "null"); envi differs in
 * what it reports about the host and runtime and is left out.
 */
describe.runIf(referenceAvailable())("four-letter words while a member elects: as ZooKeeper's", () => {
  it("ruok, srvr, stat, conf, cons, crst, srst, dump, wchs, wchc, wchp, dirs, mntr, isro, gtmk answer the same", async () => {
    const words = ["ruok", "srvr", "stat", "conf", "cons", "crst", "srst", "dump", "wchs", "wchc", "wchp", "dirs", "mntr", "isro", "gtmk"];
    const answers: Record<Impl, string[]> = { zkts: [], zookeeper: [] };
    for (const impl of ["zookeeper", "zkts"] as Impl[]) {
      const ens = await makeEnsemble(3, { tickTime: 500, impl });
      try {
        const m = ens.members[0]!;
        await ens.start(m);
        // it stays looking: no peer answers (a second look after the first election round timed out)
        await new Promise((r) => setTimeout(r, 1500));
        for (const w of words) answers[impl].push(await fourLetter(m.clientPort, w));
      } finally {
        await ens.stopAll();
      }
    }
    expect(answers.zookeeper[words.indexOf("srvr")]).toBe("This ZooKeeper instance is not currently serving requests\n");
    expect(Object.fromEntries(words.map((w, i) => [w, answers.zkts[i]]))).toEqual(Object.fromEntries(words.map((w, i) => [w, answers.zookeeper[i]])));
  }, 120_000);
});
