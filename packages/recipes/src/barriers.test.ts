import { afterEach, expect, it } from "vitest";
import { DistributedBarrier, DistributedDoubleBarrier } from "./index.js";
import { Clients, describeServers, sleep, uniq } from "./testing/servers.js";

describeServers("barriers", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("DistributedBarrier: waiters wait while the node exists and go on when it is removed", async () => {
    const path = uniq("barrier") + "/b";
    const zk = await clients.connect();
    const b = new DistributedBarrier(zk, path);
    expect(await b.waitOnBarrier({ timeout: 100 })).toBe(true); // no barrier
    await b.setBarrier();
    expect(await zk.exists(path)).not.toBeNull();
    expect(await new DistributedBarrier(await clients.connect(), path).waitOnBarrier({ timeout: 200 })).toBe(false);
    const waiters = await Promise.all([0, 1].map(async () => new DistributedBarrier(await clients.connect(), path)));
    let passed = 0;
    const all = Promise.all(waiters.map((w) => w.waitOnBarrier().then(() => passed++)));
    await sleep(100);
    expect(passed).toBe(0);
    await b.removeBarrier();
    await all;
    expect(passed).toBe(2);
  });

  it("DistributedDoubleBarrier: nobody enters before memberQty have (ready node), nobody leaves before all have", async () => {
    const path = uniq("double");
    const members = await Promise.all([0, 1, 2].map(async () => new DistributedDoubleBarrier(await clients.connect(), path, 3)));
    expect(await members[0]!.enter({ timeout: 200 })).toBe(false);
    const zk = await clients.connect();
    const names = await zk.getChildren(path);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const entered: number[] = [];
    const entering = [members[1]!.enter().then(() => entered.push(1))];
    await sleep(100);
    expect(entered).toEqual([]);
    entering.push(members[2]!.enter().then(() => entered.push(2)));
    await Promise.all(entering);
    expect((await zk.getChildren(path)).sort()).toContain("ready");
    expect(await members[0]!.enter({ timeout: 1000 })).toBe(true); // ready exists: in at once

    const left: number[] = [];
    const leaving = [members[0]!.leave().then(() => left.push(0)), members[1]!.leave().then(() => left.push(1))];
    await sleep(150);
    expect(left).toEqual([]);
    leaving.push(members[2]!.leave().then(() => left.push(2)));
    await Promise.all(leaving);
    expect(left.sort()).toEqual([0, 1, 2]);
    expect(await zk.getChildren(path)).toEqual([]);
  });
});
