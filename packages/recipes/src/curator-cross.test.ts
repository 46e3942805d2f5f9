/**
 * Cross-tests with Apache Curator (Debian's libcurator-*-java, driven by testing/CuratorDriver.java): a Java
 * Curator recipe and the @zkts/recipes one take part in the same recipe on the same path, on both servers.
 */
import { afterEach, expect, it } from "vitest";
import { DistributedAtomicLong, InterProcessMutex, LeaderLatch } from "./index.js";
import { curatorAvailable, CuratorProcess } from "./testing/curator.js";
import { runExclusion } from "./testing/exclusion.js";
import { Proxy } from "./testing/proxy.js";
import { Clients, describeServers, expireSession, uniq, waitFor } from "./testing/servers.js";

/** Acquisitions of the mixed mutual-exclusion test in CI (bench/mutex-exclusion.ts runs 10,000). */
const CI_ACQUISITIONS = Number(process.env.ZKTS_RECIPES_CROSS_ACQUISITIONS ?? 1000);
const hasCurator = curatorAvailable();

describeServers("Curator cross-test", (server, kind) => {
  const clients = new Clients(server);
  const javas: CuratorProcess[] = [];
  const proxies: Proxy[] = [];
  afterEach(async () => {
    await Promise.all(javas.splice(0).map((j) => j.stop()));
    await clients.closeAll();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  async function java(mode: string, args: string[]): Promise<{ j: CuratorProcess; proxy: Proxy }> {
    const proxy = await Proxy.start(server().port);
    proxies.push(proxy);
    const j = CuratorProcess.start(mode, [proxy.connectString, ...args]);
    javas.push(j);
    await j.waitFor("READY", 60_000);
    return { j, proxy };
  }

  it.skipIf(!hasCurator)("a Curator InterProcessMutex and ours on the same path exclude each other (lock nodes interleave)", async () => {
    const path = uniq("xmutex") + "/lock";
    const zk = await clients.connect();
    const m = new InterProcessMutex(zk, path);
    await m.acquire();
    const { j } = await java("mutex", [path, "1"]);
    // Curator queues behind our node: its node is the second child and it does not get the lock.
    await waitFor(async () => ((await zk.getChildren(path).catch(() => [])).length === 2), 10_000, "Curator's lock node");
    const nodes = await m.participantNodes();
    expect(nodes[0]).toBe(m.lockPath);
    expect(nodes[1]).toMatch(/\/_c_[0-9a-f-]{36}-lock-\d{10}$/);
    expect(j.lines.some((l) => l.line.startsWith("ACQ"))).toBe(false);
    // Ours waits behind Curator while Curator holds.
    await m.release();
    await j.waitFor("ACQ", 10_000);
    const m2 = new InterProcessMutex(zk, path);
    expect(await m2.acquire({ timeout: 300 })).toBe(false);
    const waiting = m2.acquire();
    await waitFor(async () => (await zk.getChildren(path)).length === 2, 5000, "our node queued");
    j.send("GO");
    await j.waitFor("REL");
    expect(m2.isAcquiredInThisProcess).toBe(false);
    j.send("OK");
    expect(await waiting).toBe(true);
    await j.waitFor("DONE");
    await m2.release();
  });

  it.skipIf(!hasCurator)(`mutual exclusion over ${CI_ACQUISITIONS} acquisitions by 2 Curator and 2 Node contenders, with a session expiry of each kind midway`, async () => {
    const r = await runExclusion({ serverPort: server().port, connectString: server().connectString, path: uniq("xexcl"), total: CI_ACQUISITIONS, java: 2, node: 2 });
    console.log(
      `[${kind}] mutex exclusion: ${r.acquisitions} acquisitions (${r.javaAcquisitions} Curator, ${r.nodeAcquisitions} Node) in ${Math.round(r.ms)} ms ` +
        `(${Math.round((r.acquisitions / r.ms) * 1000)}/s), max holders ${r.maxHolders}, ${r.expiries} sessions expired, ${r.revokedHolds} holds by revoked sessions`,
    );
    expect(r.maxHolders).toBe(1);
    expect(r.acquisitions).toBe(Math.floor(CI_ACQUISITIONS / 4) * 4);
    expect(r.expiries).toBe(2);
    expect(r.javaLost).toBe(true);
    expect(r.nodeLost).toBe(true);
  }, Math.max(240_000, CI_ACQUISITIONS * 100));

  it.skipIf(!hasCurator)("a Curator LeaderLatch and ours elect one leader between them and hand over on close and on session expiry", async () => {
    const path = uniq("xlatch") + "/leader";
    const zk = await clients.connect();
    const { j: j1 } = await java("latch", [path, "java-1"]);
    await j1.waitFor("LEADER", 10_000);
    const n1 = new LeaderLatch(zk, path, "node-1");
    await n1.start();
    expect(n1.hasLeadership).toBe(false);
    expect(await n1.getParticipants()).toEqual([
      { id: "java-1", isLeader: true },
      { id: "node-1", isLeader: false },
    ]);
    for (const c of await zk.getChildren(path)) expect(c).toMatch(/^_c_[0-9a-f-]{36}-latch-\d{10}$/);

    // Curator closes: ours leads.
    j1.send("close");
    expect(await n1.await({ timeout: 10_000 })).toBe(true);
    const { j: j2, proxy: p2 } = await java("latch", [path, "java-2"]);
    await waitFor(async () => (await n1.getParticipants()).length === 2, 10_000, "java-2 joined");
    expect(j2.lines.some((l) => l.line === "LEADER")).toBe(false);

    // Our leader's session dies: Curator leads.
    let t0 = await clients.expire(zk);
    const javaLeads = await j2.waitFor("LEADER", 15_000);
    const toJava = javaLeads.at - t0;
    await waitFor(() => !n1.hasLeadership, 10_000, "node-1 to learn");

    // Curator's leader's session dies: ours (on a new client) leads.
    const n2 = new LeaderLatch(await clients.connect(), path, "node-2");
    await n2.start();
    expect(n2.hasLeadership).toBe(false);
    const s = j2.session!;
    t0 = await p2.cutOff(() => expireSession(server().connectString, s.id, s.password));
    expect(await n2.await({ timeout: 15_000 })).toBe(true);
    const toNode = performance.now() - t0;
    await j2.waitFor("NOTLEADER", 15_000);
    // Curator re-joins with a new session behind ours: still one leader.
    await waitFor(async () => (await n2.getParticipants()).length === 2, 15_000, "java-2 re-joined");
    expect((await n2.getLeader())!.id).toBe("node-2");
    console.log(`[${kind}] leader handover, from the server's reply to closeSession of the leader's session to the new leader's isLeader: Node -> Curator ${toJava.toFixed(1)} ms, Curator -> Node ${toNode.toFixed(1)} ms`);
    await n2.close();
    await j2.waitFor("LEADER", 15_000);
  }, 120_000);

  it.skipIf(!hasCurator)("a Curator DistributedAtomicLong and ours increment the same counter exactly", async () => {
    const path = uniq("xatomic") + "/count";
    const per = 150;
    const js = await Promise.all([java("atomic", [path, String(per)]), java("atomic", [path, String(per)])]);
    const nodes = await Promise.all([0, 1].map(async () => new DistributedAtomicLong(await clients.connect(), path, { retry: { maxRetries: 1000, baseSleepMs: 1, maxSleepMs: 10 } })));
    for (const { j } of js) j.send("go");
    const nodeOk = await Promise.all(
      nodes.map(async (c) => {
        let ok = 0;
        for (let i = 0; i < per; i++) if ((await c.increment()).succeeded) ok++;
        return ok;
      }),
    );
    const javaOk = await Promise.all(js.map(async ({ j }) => Number((await j.waitFor("DONE", 120_000)).line.split(" ")[1])));
    expect([...nodeOk, ...javaOk]).toEqual([per, per, per, per]);
    expect((await nodes[0]!.get()).postValue).toBe(BigInt(4 * per));
  }, 180_000);
});
