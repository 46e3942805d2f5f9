import { afterAll, describe, expect, it } from "vitest";
import { fourLetter } from "@zkts/testkit";
import { hasAll, makeEnsemble, waitFor, Writer, type Ensemble } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

describe("zkts-server ensemble (3 real processes)", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  it("forms with exactly one leader; a write through a follower is seen on every member", async () => {
    e = await makeEnsemble(3);
    await Promise.all(e.members.map((m) => e!.start(m)));
    const leader = await e.waitStable();
    const f = e.members.find((m) => m !== leader)!;
    const { c, resp } = await Client.connect(f.clientPort);
    expect(resp.sessionId).not.toBe(0n);
    expect((await c.create("/a", "hello")).err).toBe(0);
    for (const m of e.members) {
      const { c: c2 } = await Client.connect(m.clientPort);
      expect(await c2.get("/a")).toMatchObject({ err: 0, data: "hello" });
      c2.close();
    }
    c.close();
    const mntr = await fourLetter(leader.clientPort, "mntr");
    expect(mntr).toContain("zk_server_state\tleader\n");
    await waitFor(async () => (await fourLetter(leader.clientPort, "mntr")).includes("zk_synced_followers\t2\n"), 5000, "2 synced followers");
    const fm = await fourLetter(f.clientPort, "mntr");
    expect(fm).toContain("zk_server_state\tfollower\n");
    expect(await fourLetter(f.clientPort, "srvr")).toContain("Mode: follower\n");
    // quorum metrics from the registry: the create (and the two sessions) were proposed and committed by the
    // leader, received and committed by the follower; each member's election took a measured time
    const value = (text: string, key: string) => Number(new RegExp(`^${key}\t(\\d+)$`, "m").exec(text)?.[1] ?? NaN);
    const lm = await fourLetter(leader.clientPort, "mntr");
    expect(value(lm, "zk_proposal_count")).toBeGreaterThanOrEqual(3);
    expect(value(lm, "zk_commit_count")).toBe(value(lm, "zk_proposal_count"));
    expect(value(lm, "zk_learners")).toBe(2);
    expect(value(lm, "zk_diff_count") + value(lm, "zk_snap_count")).toBeGreaterThanOrEqual(2);
    expect(value(fm, "zk_learner_proposal_received_count")).toBeGreaterThanOrEqual(3);
    expect(value(fm, "zk_learner_commit_received_count")).toBeGreaterThanOrEqual(3);
    expect(value(fm, "zk_cnt_election_time")).toBeGreaterThanOrEqual(1);
    expect(value(fm, "zk_looking_count")).toBeGreaterThanOrEqual(1);
    expect(fm).not.toContain("zk_learners\t");
    // QuorumPeer.getDetailedPeerState: "leading - broadcast" / "following - broadcast"
    expect(lm).toContain("zk_peer_state\tleading - broadcast\n");
    expect(fm).toContain("zk_peer_state\tfollowing - broadcast\n");
  }, 60_000);

  it("writes one at a time through a follower never wait for a tick (no lost host-loop wake-up)", async () => {
    // tickTime 3000: a write whose ZAB work were left for the next tick would take up to 3 s
    const slow = await makeEnsemble(3, { tickTime: 3000 });
    try {
      await Promise.all(slow.members.map((m) => slow.start(m)));
      const leader = await slow.waitStable(60_000);
      const f = slow.members.find((m) => m !== leader)!;
      const { c } = await Client.connect(f.clientPort);
      expect((await c.create("/w", "0")).err).toBe(0);
      let worst = 0;
      for (let i = 0; i < 200; i++) {
        const t0 = Date.now();
        expect((await c.setData("/w", String(i))).err).toBe(0);
        worst = Math.max(worst, Date.now() - t0);
      }
      c.close();
      expect(worst).toBeLessThan(2500);
    } finally {
      await slow.stopAll();
    }
  }, 90_000);

  it("5 servers (4 voters + 1 observer): writes through the observer, a leader kill, every member agrees", async () => {
    const five = await makeEnsemble(5, { observers: 1 });
    try {
      await Promise.all(five.members.map((m) => five.start(m)));
      const leader = await five.waitStable();
      const observer = five.members[4]!;
      expect(await five.mode(observer)).toBe("observer");
      await createAll(observer.clientPort, ["/o1", "/o2"]);
      await five.kill(leader);
      const next = await five.waitStable();
      expect(next).not.toBe(leader);
      await waitFor(async () => {
        try {
          await createAll(observer.clientPort, ["/o3"]);
          return true;
        } catch {
          return false;
        }
      }, 20_000, "a write through the observer after the kill");
      for (const m of five.members.filter((x) => x.proc !== undefined)) {
        await waitFor(() => hasAll(m.clientPort, ["/o1", "/o2", "/o3"]), 10_000, `all writes on ${m.id}`);
      }
      expect(await fourLetter(next.clientPort, "mntr")).toMatch(/zk_synced_observers\t1\n/);
    } finally {
      await five.stopAll();
    }
  }, 90_000);
});


describe("zkts-server ensemble: leader failure", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  it("kill -9 the leader while a client writes: a new leader, writes resume, nothing acked is lost; the old leader catches up", async () => {
    e = await makeEnsemble(3);
    const ens = e;
    await Promise.all(ens.members.map((m) => ens.start(m)));
    const leader = await ens.waitStable();
    {
      const { c } = await Client.connect(leader.clientPort);
      expect((await c.create("/w", "")).err).toBe(0);
      c.close();
    }
    const w = new Writer(() => ens.members.filter((m) => m.proc !== undefined).map((m) => m.clientPort), "/w");
    await waitFor(async () => w.acked.length >= 50, 20_000, "50 writes before the kill");
    const killedAt = Date.now();
    w.since = killedAt;
    const ackedBefore = w.acked.length;
    await ens.kill(leader);
    await waitFor(async () => w.okTimes.some((t) => t > killedAt), 30_000, "a write after the kill");
    const recovery = w.okTimes.find((t) => t > killedAt)! - killedAt;
    const newLeader = await ens.waitStable();
    expect(newLeader).not.toBe(leader);
    await waitFor(async () => w.acked.length >= ackedBefore + 100, 20_000, "100 writes after the kill");
    await w.stop();
    console.log(`leader kill -> first acked write: ${recovery} ms; acked ${w.acked.length}`);
    for (const m of ens.members.filter((x) => x.proc !== undefined)) {
      await waitFor(() => hasAll(m.clientPort, w.acked), 10_000, `every acked write on server ${m.id}`);
    }
    await ens.start(leader); // restarts and catches up (DIFF or SNAP from the new leader)
    await ens.waitStable();
    await waitFor(() => hasAll(leader.clientPort, w.acked), 20_000, "the restarted server to catch up");
  }, 110_000);
});

function syncBody(path: string): Buffer {
  const b = Buffer.alloc(4 + Buffer.byteLength(path));
  b.writeInt32BE(Buffer.byteLength(path), 0);
  b.write(path, 4);
  return b;
}

describe("zkts-server ensemble: sessions, sync, kazoo, quorum loss", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  it("global sessions: ephemerals replicate, a client moves between members, survives a leader change, expires", async () => {
    e = await makeEnsemble(3, { extra: { maxSessionTimeout: "4000" } });
    const ens = e;
    await Promise.all(ens.members.map((m) => ens.start(m)));
    const leader = await ens.waitStable();
    const [f1, f2] = ens.members.filter((m) => m !== leader) as [typeof leader, typeof leader];
    expect(await ens.mode(f1)).toBe("follower");
    expect(await ens.mode(leader)).toBe("leader");
    const { c: a, resp } = await Client.connect(f1.clientPort);
    const sid = resp.sessionId;
    expect(sid >> 56n).toBe(BigInt(f1.id)); // allocated by the member that owns the connection
    expect((await a.create("/e", "x", 1)).err).toBe(0);
    expect((await a.req(9, syncBody("/"))).err).toBe(0); // sync through a follower
    for (const m of ens.members) await waitFor(() => hasAll(m.clientPort, ["/e"]), 5000, `/e on ${m.id}`);
    a.close();
    // the client moves to another member: same session
    const moved = await Client.connect(f2.clientPort, sid, Buffer.from(resp.passwd!));
    expect(moved.resp.sessionId).toBe(sid);
    expect(moved.resp.timeOut).toBe(4000);
    expect((await moved.c.get("/e")).err).toBe(0);
    // leader change: the session and its ephemeral live on
    await ens.kill(leader);
    await waitFor(async () => moved.c.closed, 5000, "the follower to drop its clients when the leader dies");
    await ens.waitStable();
    const again = await Client.connect(f2.clientPort, sid, Buffer.from(resp.passwd!));
    expect(again.resp.sessionId).toBe(sid);
    expect((await again.c.get("/e")).err).toBe(0);
    expect((await again.c.create("/p", "")).err).toBe(0);
    again.c.close();
    // nobody connected any more: the leader expires the session, its ephemeral goes everywhere
    for (const m of [f1, f2]) {
      await waitFor(async () => (await hasAll(m.clientPort, ["/p"])) && !(await hasAll(m.clientPort, ["/e"])), 15_000, `/e expired on ${m.id}`);
    }
  }, 60_000);

  it("kazoo clients on different members see the same data", async () => {
    const ens = e!;
    const live = ens.members.filter((m) => m.proc !== undefined);
    const script = `
import sys
from kazoo.client import KazooClient
a = KazooClient(hosts="127.0.0.1:${live[0]!.clientPort}", timeout=10)
b = KazooClient(hosts="127.0.0.1:${live[1]!.clientPort}", timeout=10)
a.start(timeout=15); b.start(timeout=15)
a.create("/kz/node", b"v1", makepath=True)
a.create("/kz/eph", b"", ephemeral=True)
b.sync("/kz")
data, stat = b.get("/kz/node")
assert data == b"v1", data
b.set("/kz/node", b"v2")
a.sync("/kz")
assert a.get("/kz/node")[0] == b"v2"
assert sorted(b.get_children("/kz")) == ["eph", "node"]
a.stop(); b.stop()
print("kazoo-ok")
`;
    const { execFileSync } = await import("node:child_process");
    const out = execFileSync("/usr/bin/python3", ["-c", script], { timeout: 45_000 }).toString();
    expect(out).toContain("kazoo-ok");
  }, 60_000);

  it("a member without a quorum stops serving clients", async () => {
    const ens = e!;
    const live = ens.members.filter((m) => m.proc !== undefined);
    expect(live).toHaveLength(2);
    await ens.kill(live[0]!);
    const last = live[1]!;
    await waitFor(async () => (await ens.mode(last)) === "looking", 10_000, "the last member to stop serving");
    await expect(Client.connect(last.clientPort)).rejects.toThrow();
  }, 30_000);
});

/** mulberry32: a seeded generator for the kill schedule. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function createAll(port: number, paths: string[]): Promise<void> {
  const { c } = await Client.connect(port);
  const rs = await Promise.all(paths.map((p) => c.create(p, "")));
  c.close();
  expect(rs.every((r) => r.err === 0)).toBe(true);
}

describe("zkts-server ensemble: learner synchronisation", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  it("a restarted follower catches up by DIFF, by SNAP when far behind, and by TRUNC when it logged an uncommitted txn", async () => {
    e = await makeEnsemble(3);
    const ens = e;
    await Promise.all(ens.members.map((m) => ens.start(m)));
    let leader = await ens.waitStable();
    const [a, b] = ens.members.filter((m) => m !== leader) as [typeof leader, typeof leader];
    const all: string[] = [];
    const write = async (prefix: string, n: number) => {
      const ps = Array.from({ length: n }, (_, i) => `/${prefix}${i}`);
      await createAll(leader.clientPort, ps);
      all.push(...ps);
    };
    await write("x", 10);

    // DIFF: a few txns behind
    await ens.kill(a);
    await write("d", 20);
    await ens.start(a);
    await ens.waitStable();
    await waitFor(() => hasAll(a.clientPort, all), 10_000, "DIFF catch-up");
    expect(a.proc!.output()).toMatch(/"synchronising with the leader","kind":"DIFF"/);

    // SNAP: further behind than the leader's in-memory window (500 txns)
    await ens.kill(a);
    await write("s", 600);
    await ens.start(a);
    await ens.waitStable();
    await waitFor(() => hasAll(a.clientPort, all), 15_000, "SNAP catch-up");
    expect(a.proc!.output()).toMatch(/"synchronising with the leader","kind":"SNAP"/);

    // TRUNC: the leader logs a proposal no follower acknowledges (both frozen), then everyone dies; the two
    // followers elect a new leader without it; the old leader comes back and must drop it.
    const { c } = await Client.connect(leader.clientPort); // (creating a session needs the quorum)
    a.proc!.child.kill("SIGSTOP");
    b.proc!.child.kill("SIGSTOP");
    void c.create("/lost", "").catch(() => {});
    await waitFor(async () => (await ens.mode(leader)) === "looking", 10_000, "the leader to lose its quorum");
    c.close();
    const old = leader;
    await ens.kill(old);
    await ens.kill(a);
    await ens.kill(b);
    await Promise.all([ens.start(a), ens.start(b)]);
    leader = await ens.waitStable();
    await write("n", 5);
    await ens.start(old);
    await ens.waitStable();
    await waitFor(() => hasAll(old.clientPort, all), 10_000, "TRUNC catch-up");
    expect(old.proc!.output()).toMatch(/"synchronising with the leader","kind":"TRUNC"/);
    for (const m of ens.members) expect((await Client.connect(m.clientPort).then(async ({ c: x }) => { const r = await x.get("/lost"); x.close(); return r; })).err).toBe(-101);
  }, 110_000);
});

describe("zkts-server ensemble: repeated leader kills", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  const KILLS = Number(process.env.ZKTS_ENSEMBLE_KILLS ?? 20);
  const SEED = Number(process.env.ZKTS_ENSEMBLE_SEED ?? 6);
  it(`${KILLS} leader kills (seed ${SEED}) under continuous writes lose no acknowledged write`, async () => {
    const rnd = seeded(SEED);
    // snapCount 40: background (fuzzy) snapshots every few dozen writes, so kills also land while one is written
    // and restarts restore from fuzzy snapshots plus the log
    e = await makeEnsemble(3, { extra: { snapCount: "40" } });
    const ens = e;
    await Promise.all(ens.members.map((m) => ens.start(m)));
    let leader = await ens.waitStable();
    await createAll(leader.clientPort, ["/k"]);
    const w = new Writer(() => ens.members.filter((m) => m.proc !== undefined).map((m) => m.clientPort), "/k");
    const recoveries: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const want = w.acked.length + 5 + Math.floor(rnd() * 40);
      await waitFor(async () => w.acked.length >= want, 20_000, `writes before kill ${i}`);
      const killedAt = Date.now();
      w.since = killedAt;
      await ens.kill(leader);
      await waitFor(async () => w.okTimes.some((t) => t > killedAt), 30_000, `a write after kill ${i}`);
      recoveries.push(w.okTimes.find((t) => t > killedAt)! - killedAt);
      const dead = leader;
      await ens.start(dead);
      leader = await ens.waitStable();
    }
    await w.stop();
    const sorted = [...recoveries].sort((x, y) => x - y);
    console.log(
      `leader kills: ${KILLS}, acked writes ${w.acked.length}; kill -> first acked write: median ${sorted[Math.floor(sorted.length / 2)]} ms, ` +
        `worst ${sorted[sorted.length - 1]} ms (all: ${recoveries.join(",")})`,
    );
    for (const m of ens.members) await waitFor(() => hasAll(m.clientPort, w.acked), 20_000, `every acked write on server ${m.id}`);
  }, 180_000);
});
