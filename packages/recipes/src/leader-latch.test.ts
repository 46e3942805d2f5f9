import { afterEach, expect, it } from "vitest";
import { LeaderLatch } from "./index.js";
import { Clients, describeServers, uniq, waitFor } from "./testing/servers.js";

const LATCH_NODE = /^_c_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-latch-\d{10}$/;

describeServers("LeaderLatch", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("elects exactly one leader among three; nodes are _c_<uuid>-latch-<seq> holding the id; close hands over in order", async () => {
    const path = uniq("latch") + "/election";
    const latches: LeaderLatch[] = [];
    for (const id of ["a", "b", "c"]) {
      const l = new LeaderLatch(await clients.connect(), path, id);
      await l.start();
      latches.push(l);
    }
    const zk = await clients.connect();
    const children = await zk.getChildren(path);
    expect(children).toHaveLength(3);
    for (const c of children) expect(c).toMatch(LATCH_NODE);
    expect(await latches[0]!.await({ timeout: 5000 })).toBe(true);
    expect(latches.map((l) => l.hasLeadership)).toEqual([true, false, false]);
    expect(await latches[2]!.getParticipants()).toEqual([
      { id: "a", isLeader: true },
      { id: "b", isLeader: false },
      { id: "c", isLeader: false },
    ]);
    const events: string[] = [];
    latches[0]!.on("notLeader", () => events.push("a:notLeader"));
    latches[1]!.on("isLeader", () => events.push("b:isLeader"));
    await latches[0]!.close();
    expect(await latches[1]!.await({ timeout: 5000 })).toBe(true);
    expect(events).toEqual(["a:notLeader", "b:isLeader"]);
    expect(latches.map((l) => l.hasLeadership)).toEqual([false, true, false]);
    expect((await latches[2]!.getLeader())!.id).toBe("b");
    await latches[1]!.close();
    expect(await latches[2]!.await({ timeout: 5000 })).toBe(true);
    await latches[2]!.close();
    expect(await zk.getChildren(path)).toEqual([]);
  });

  it("await: false after its timeout and when the latch closes; rejects on abort", async () => {
    const path = uniq("await");
    const a = new LeaderLatch(await clients.connect(), path, "a");
    const b = new LeaderLatch(await clients.connect(), path, "b");
    await a.start();
    await b.start();
    expect(await b.await({ timeout: 200 })).toBe(false);
    const ac = new AbortController();
    const aborted = b.await({ signal: ac.signal });
    ac.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    const pending = b.await();
    await b.close();
    expect(await pending).toBe(false);
    await expect(b.close()).rejects.toThrow("Already closed");
    await a.close();
  });

  it("the leader's session expires: it gets notLeader, the next participant leads", async () => {
    const path = uniq("expire");
    const ca = await clients.connect();
    const a = new LeaderLatch(ca, path, "a");
    const b = new LeaderLatch(await clients.connect(), path, "b");
    await a.start();
    await b.start();
    expect(a.hasLeadership).toBe(true);
    const notLeader = new Promise<void>((r) => a.once("notLeader", r));
    await clients.expire(ca);
    expect(await b.await({ timeout: 10_000 })).toBe(true);
    await notLeader;
    expect(a.hasLeadership).toBe(false);
    await waitFor(async () => (await b.getParticipants()).length === 1, 5000, "a's node gone");
    await b.close();
  });

  it("a lost connection (same session): leadership ends on SUSPENDED and comes back on RECONNECTED", async () => {
    const path = uniq("suspend");
    const ca = await clients.connect();
    const a = new LeaderLatch(ca, path, "a");
    await a.start();
    expect(a.hasLeadership).toBe(true);
    const events: string[] = [];
    a.on("notLeader", () => events.push("notLeader"));
    a.on("isLeader", () => events.push("isLeader"));
    await clients.cut(ca, () => waitFor(() => events.includes("notLeader"), 5000, "notLeader"));
    await waitFor(() => a.hasLeadership, 10_000, "leadership back");
    expect(events).toEqual(["notLeader", "isLeader"]);
    await a.close();
  });
});
