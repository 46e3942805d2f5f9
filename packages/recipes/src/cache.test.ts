import { afterEach, expect, it } from "vitest";
import { CuratorCache, type CacheEvent } from "./index.js";
import { Clients, describeServers, uniq, waitFor } from "./testing/servers.js";

const brief = (e: CacheEvent) =>
  e.type === "INITIALIZED" ? "INITIALIZED" : `${e.type} ${e.path}${e.type === "NODE_DELETED" ? "" : ` ${e.node.data?.toString() ?? "null"}`}`;

describeServers("CuratorCache", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("loads the tree (NODE_CREATED each, then INITIALIZED) and follows creates, changes and deletes as an async iterator", async () => {
    const root = uniq("cache");
    const zk = await clients.connect();
    await zk.create(root, "r");
    await zk.create(`${root}/a`, "1");
    await zk.create(`${root}/a/x`, "2");
    const cache = new CuratorCache(await clients.connect(), root);
    const events: string[] = [];
    const iterating = (async () => {
      for await (const e of cache.events()) events.push(brief(e));
    })();
    await cache.start();
    await waitFor(() => events.length === 4, 5000, "initial load");
    expect(events.slice(0, 3).sort()).toEqual([`NODE_CREATED ${root} r`, `NODE_CREATED ${root}/a 1`, `NODE_CREATED ${root}/a/x 2`].sort());
    expect(events[3]).toBe("INITIALIZED");
    await zk.create(`${root}/b`, "3");
    await waitFor(() => events.length === 5, 5000, "b created");
    await zk.setData(`${root}/a/x`, "4");
    await waitFor(() => events.length === 6, 5000, "x changed");
    await zk.delete(`${root}/a/x`);
    await waitFor(() => events.length === 7, 5000, "x deleted");
    expect(events.slice(4)).toEqual([`NODE_CREATED ${root}/b 3`, `NODE_CHANGED ${root}/a/x 4`, `NODE_DELETED ${root}/a/x`]);
    expect(cache.entries().map((n) => n.path)).toEqual([root, `${root}/a`, `${root}/b`]);
    expect(cache.get(`${root}/b`)!.data!.toString()).toBe("3");
    await cache.close();
    await iterating; // close() ends the iterator
  });

  it("after a lost connection it reads the tree again: changes made meanwhile are reported", async () => {
    const root = uniq("recache");
    const zk = await clients.connect();
    await zk.create(root, "r");
    await zk.create(`${root}/gone`, "g");
    const cz = await clients.connect();
    const cache = new CuratorCache(cz, root);
    await cache.start();
    const events: string[] = [];
    cache.on("event", (e) => events.push(brief(e)));
    // Cut the cache's connection and change the tree before it reconnects.
    const reconnected = new Promise<void>((r) => cz.once("connected", () => r()));
    await clients.cut(cz, async () => {
      await zk.delete(`${root}/gone`);
      await zk.create(`${root}/new`, "n");
      await zk.setData(root, "r2");
    });
    await reconnected;
    await waitFor(() => events.length >= 3, 5000, "3 events");
    expect(events.sort()).toEqual([`NODE_CHANGED ${root} r2`, `NODE_CREATED ${root}/new n`, `NODE_DELETED ${root}/gone`].sort());
    await cache.close();
  });
});
