import { afterEach, expect, it } from "vitest";
import { InterProcessMutex, LockLostError, NotHeldError } from "./index.js";
import { Clients, describeServers, sleep, uniq, waitFor } from "./testing/servers.js";

const LOCK_NODE = /^_c_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-lock-\d{10}$/;

describeServers("InterProcessMutex", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("holds with one ephemeral sequential node _c_<uuid>-lock-<seq> ; release deletes it", async () => {
    const zk = await clients.connect();
    const base = uniq("mutex") + "/a/lock";
    const m = new InterProcessMutex(zk, base, { data: "me" });
    expect(await m.acquire()).toBe(true);
    expect(m.isAcquiredInThisProcess).toBe(true);
    const children = await zk.getChildren(base);
    expect(children).toHaveLength(1);
    expect(children[0]).toMatch(LOCK_NODE);
    expect(m.lockPath).toBe(`${base}/${children[0]}`);
    const { data, stat } = await zk.getData(m.lockPath!);
    expect(data!.toString()).toBe("me");
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    await m.release();
    expect(await zk.getChildren(base)).toEqual([]);
    expect(m.isAcquiredInThisProcess).toBe(false);
  });

  it("is re-entrant per instance; a release too many throws NotHeldError", async () => {
    const zk = await clients.connect();
    const base = uniq("reentrant");
    const m = new InterProcessMutex(zk, base);
    await m.acquire();
    await m.acquire();
    const path = m.lockPath;
    expect(await zk.getChildren(base)).toHaveLength(1);
    await m.release();
    expect(m.isAcquiredInThisProcess).toBe(true);
    expect(await zk.exists(path!)).not.toBeNull();
    await m.release();
    expect(await zk.exists(path!)).toBeNull();
    await expect(m.release()).rejects.toBeInstanceOf(NotHeldError);
  });

  it("excludes other instances, hands over in arrival order, and a timed-out or aborted waiter leaves no node", async () => {
    const [a, b, c] = [await clients.connect(), await clients.connect(), await clients.connect()];
    const base = uniq("excl");
    const ma = new InterProcessMutex(a, base);
    const mb = new InterProcessMutex(b, base);
    const mc = new InterProcessMutex(c, base);
    await ma.acquire();
    expect(await mb.acquire({ timeout: 300 })).toBe(false);
    expect(await a.getChildren(base)).toHaveLength(1);
    const ac = new AbortController();
    const aborted = mc.acquire({ signal: ac.signal });
    await waitFor(async () => (await a.getChildren(base)).length === 2, 5000, "c waiting");
    ac.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    await waitFor(async () => (await a.getChildren(base)).length === 1, 5000, "c's node deleted");

    const order: string[] = [];
    const pb = mb.acquire().then(() => order.push("b"));
    await waitFor(async () => (await a.getChildren(base)).length === 2, 5000, "b waiting");
    const pc = mc.acquire().then(() => order.push("c"));
    await waitFor(async () => (await a.getChildren(base)).length === 3, 5000, "c waiting");
    await sleep(100);
    expect(order).toEqual([]);
    await ma.release();
    await pb;
    expect(order).toEqual(["b"]);
    expect((await mb.participantNodes()).map((p) => p === mb.lockPath)).toEqual([true, false]);
    await mb.release();
    await pc;
    expect(order).toEqual(["b", "c"]);
    await mc.release();
  });

  it("the holder learns it lost the lock when its session expires (lost event, holdSignal aborts); the waiter gets it", async () => {
    const [a, b] = [await clients.connect(), await clients.connect()];
    const base = uniq("lost");
    const ma = new InterProcessMutex(a, base);
    const mb = new InterProcessMutex(b, base);
    await ma.acquire();
    const lost = new Promise<LockLostError>((r) => ma.once("lost", r));
    const pb = mb.acquire();
    await waitFor(async () => (await b.getChildren(base)).length === 2, 5000, "b waiting");
    await clients.expire(a);
    expect(await pb).toBe(true);
    expect(await lost).toBeInstanceOf(LockLostError);
    expect(ma.holdSignal!.aborted).toBe(true);
    expect(ma.isAcquiredInThisProcess).toBe(false);
    await ma.release(); // the node is gone with the session: releasing is fine
    expect(mb.isAcquiredInThisProcess).toBe(true);
    await mb.release();
  });

  it("mutual exclusion among 6 contenders on 3 clients (re-entrant instances per client), 120 holds", async () => {
    const cs = [await clients.connect(), await clients.connect(), await clients.connect()];
    const base = uniq("many");
    let holders = 0;
    let maxHolders = 0;
    let holds = 0;
    const contenders = Array.from({ length: 6 }, (_, i) => new InterProcessMutex(cs[i % 3]!, base));
    await Promise.all(
      contenders.map(async (m) => {
        for (let k = 0; k < 20; k++) {
          await m.withLock(async () => {
            holders++;
            maxHolders = Math.max(maxHolders, holders);
            holds++;
            await sleep(1);
            holders--;
          });
        }
      }),
    );
    expect(holds).toBe(120);
    expect(maxHolders).toBe(1);
    expect(await cs[0]!.getChildren(base)).toEqual([]);
  });

  it("a lost connection while holding: suspended, then reconnected with the lock still held (same session)", async () => {
    const zk = await clients.connect();
    const m = new InterProcessMutex(zk, uniq("suspend"));
    await m.acquire();
    const events: string[] = [];
    m.on("suspended", () => events.push("suspended"));
    m.on("reconnected", () => events.push("reconnected"));
    m.on("lost", () => events.push("lost"));
    await clients.cut(zk, () => waitFor(() => events.includes("suspended"), 5000, "suspended"));
    await waitFor(() => events.includes("reconnected"), 10_000, "reconnected");
    expect(events).toEqual(["suspended", "reconnected"]);
    expect(m.isAcquiredInThisProcess).toBe(true);
    expect(await zk.exists(m.lockPath!)).not.toBeNull();
    await m.release();
  });
});
