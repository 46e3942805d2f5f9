import { afterEach, expect, it } from "vitest";
import { InterProcessSemaphoreV2, SharedCount } from "./index.js";
import { Clients, describeServers, sleep, uniq, waitFor } from "./testing/servers.js";

describeServers("InterProcessSemaphoreV2", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("grants at most maxLeases leases (nodes leases/_c_<uuid>-lease-<seq>, taken under locks/); a returned lease frees a slot", async () => {
    const path = uniq("sem");
    const sems = await Promise.all([0, 1, 2].map(async () => new InterProcessSemaphoreV2(await clients.connect(), path, 2, { data: "x" })));
    const l1 = await sems[0]!.acquire();
    const l2 = await sems[1]!.acquire();
    expect(l1!.path).toMatch(new RegExp(`^${path}/leases/_c_[0-9a-f-]{36}-lease-\\d{10}$`));
    expect((await l1!.getData())!.toString()).toBe("x");
    expect(await sems[2]!.acquire({ timeout: 300 })).toBeNull();
    expect(await sems[0]!.participantNodes()).toHaveLength(2);
    const waiting = sems[2]!.acquire();
    await sleep(100);
    await l1!.close();
    const l3 = await waiting;
    expect(l3).not.toBeNull();
    expect(await sems[0]!.participantNodes()).toHaveLength(2);
    const zk = await clients.connect();
    expect(await zk.getChildren(`${path}/locks`)).toEqual([]);
    await sems[1]!.returnAll([l2!, l3!]);
    expect(await sems[0]!.participantNodes()).toEqual([]);
  });

  it("acquireMany returns all or none; concurrent holders never exceed the maximum", async () => {
    const path = uniq("many");
    const a = new InterProcessSemaphoreV2(await clients.connect(), path, 3);
    const got = await a.acquireMany(3);
    expect(got).toHaveLength(3);
    expect(await a.acquireMany(2, { timeout: 300 })).toBeNull();
    expect(await a.participantNodes()).toHaveLength(3);
    await a.returnAll(got!);
    let holders = 0;
    let max = 0;
    const sems = await Promise.all([0, 1, 2, 3, 4].map(async () => new InterProcessSemaphoreV2(await clients.connect(), path, 2)));
    await Promise.all(
      sems.map(async (s) => {
        for (let i = 0; i < 4; i++) {
          const lease = await s.acquire();
          holders++;
          max = Math.max(max, holders);
          await sleep(50);
          holders--;
          await lease!.close();
        }
      }),
    );
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(2);
  });

  it("the maximum can be a SharedCount: raising it lets a waiter in", async () => {
    const path = uniq("shared");
    const zk = await clients.connect();
    const count = new SharedCount(zk, `${path}/max`, 1);
    await count.start();
    const s1 = new InterProcessSemaphoreV2(await clients.connect(), `${path}/sem`, count);
    const s2 = new InterProcessSemaphoreV2(zk, `${path}/sem`, count);
    const l1 = await s1.acquire();
    const waiting = s2.acquire();
    await sleep(200);
    await count.setCount(2);
    const l2 = await waiting;
    expect(l2).not.toBeNull();
    await waitFor(async () => (await s1.participantNodes()).length === 2, 2000, "2 leases");
    await l1!.close();
    await l2!.close();
    await count.close();
  });
});
