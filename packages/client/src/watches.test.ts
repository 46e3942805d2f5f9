import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, EventType, NoWatcherError, type WatchEvent, type ZooKeeperClient } from "./index.js";
import { describeServers, once, sleep, uniq, waitFor } from "./testing/helpers.js";

/** A watcher that records what it sees. */
function recorder() {
  const events: WatchEvent[] = [];
  const fn = (ev: WatchEvent) => void events.push(ev);
  return { fn, events, seen: () => events.map((e) => `${e.name} ${e.path}`) };
}

describeServers("watches", (server) => {
  let zk: ZooKeeperClient;
  let other: ZooKeeperClient;
  beforeAll(async () => {
    zk = await connect(server().connectString, { sessionTimeout: 4000 });
    other = await connect(server().connectString, { sessionTimeout: 4000 });
  });
  afterAll(async () => {
    await zk?.close();
    await other?.close();
  });

  it("getData watch fires NodeDataChanged once", async () => {
    const p = uniq("dw");
    await zk.create(p, "a");
    const r = recorder();
    await zk.getData(p, { watch: r.fn });
    await other.setData(p, "b");
    await waitFor(() => r.events.length === 1);
    expect(r.events[0]).toEqual({ type: EventType.NodeDataChanged, name: "NodeDataChanged", state: 3, path: p });
    await other.setData(p, "c");
    await zk.sync(p);
    await sleep(50);
    expect(r.events).toHaveLength(1);
  });

  it("exists watch on a missing node fires NodeCreated; on an existing node NodeDeleted", async () => {
    const p = uniq("ew");
    const r = recorder();
    expect(await zk.exists(p, { watch: r.fn })).toBeNull();
    await zk.checkWatches(p, "data");
    await other.create(p);
    await waitFor(() => r.events.length === 1);
    await zk.exists(p, { watch: r.fn });
    await other.delete(p);
    await waitFor(() => r.events.length === 2);
    expect(r.seen()).toEqual([`NodeCreated ${p}`, `NodeDeleted ${p}`]);
  });

  it("getChildren watch fires NodeChildrenChanged; delete fires NodeDeleted to data and child watchers", async () => {
    const p = uniq("cw");
    await zk.create(p);
    const kids = recorder();
    const data = recorder();
    await zk.getChildren(p, { watch: kids.fn });
    await other.create(`${p}/k`);
    await waitFor(() => kids.events.length === 1);
    expect(kids.seen()).toEqual([`NodeChildrenChanged ${p}`]);
    await zk.getChildrenWithStat(p, { watch: kids.fn });
    await zk.getData(p, { watch: data.fn });
    await other.delete(`${p}/k`);
    await waitFor(() => kids.events.length === 2);
    await zk.getChildren(p, { watch: kids.fn });
    await other.delete(p);
    await waitFor(() => kids.events.length === 3 && data.events.length === 1);
    expect(kids.seen()[2]).toBe(`NodeDeleted ${p}`);
    expect(data.seen()).toEqual([`NodeDeleted ${p}`]);
  });

  it("one server event reaches every registered callback, each once", async () => {
    const p = uniq("fan");
    await zk.create(p);
    const a = recorder();
    const b = recorder();
    await zk.getData(p, { watch: a.fn });
    await zk.getData(p, { watch: a.fn }); // same callback twice: delivered once
    await zk.getData(p, { watch: b.fn });
    await zk.exists(p, { watch: b.fn });
    const def: WatchEvent[] = [];
    zk.on("watch", (ev) => def.push(ev));
    await zk.getData(p, { watch: true });
    await other.setData(p, "x");
    await waitFor(() => a.events.length + b.events.length + def.length >= 3);
    await sleep(50);
    expect(a.events).toHaveLength(1);
    expect(b.events).toHaveLength(1);
    expect(def.map((e) => e.path)).toEqual([p]);
    zk.removeAllListeners("watch");
  });

  it("persistent watch (callback) sees every event on the node, children changes included", async () => {
    const p = uniq("pw");
    await zk.create(p);
    const r = recorder();
    await zk.addWatch(p, r.fn);
    await zk.checkWatches(p, "any");
    await other.setData(p, "1");
    await other.setData(p, "2");
    await other.create(`${p}/c`);
    await other.setData(`${p}/c`, "not seen: not recursive");
    await other.delete(`${p}/c`);
    await other.delete(p);
    await waitFor(() => r.events.length >= 5);
    await sleep(50);
    expect(r.seen()).toEqual([
      `NodeDataChanged ${p}`,
      `NodeDataChanged ${p}`,
      `NodeChildrenChanged ${p}`,
      `NodeChildrenChanged ${p}`,
      `NodeDeleted ${p}`,
    ]);
    await zk.removeWatches(p, "any");
    expect(r.events.at(-1)?.name).toBe("PersistentWatchRemoved");
  });

  it("recursive watch as an async iterator sees descendants, never NodeChildrenChanged; leaving removes it", async () => {
    const p = uniq("rw");
    await zk.create(p);
    const it = zk.watch(p, { recursive: true });
    await it.ready;
    const got: string[] = [];
    const done = (async () => {
      for await (const ev of it) {
        got.push(`${ev.name} ${ev.path}`);
        if (got.length === 4) break;
      }
    })();
    await other.create(`${p}/a`);
    await other.create(`${p}/a/b`);
    await other.setData(`${p}/a/b`, "x");
    await other.delete(`${p}/a/b`);
    await done;
    expect(got).toEqual([`NodeCreated ${p}/a`, `NodeCreated ${p}/a/b`, `NodeDataChanged ${p}/a/b`, `NodeDeleted ${p}/a/b`]);
    await waitFor(async () => (await zk.checkWatches(p, "any").then(() => false, (e) => e instanceof NoWatcherError)), 5000, "watch removal");
  });

  it("removeWatches: removed callbacks get DataWatchRemoved / ChildWatchRemoved and never fire", async () => {
    const p = uniq("rm");
    await zk.create(p);
    const d = recorder();
    const c = recorder();
    await zk.getData(p, { watch: d.fn });
    await zk.getChildren(p, { watch: c.fn });
    await zk.removeWatches(p, "data");
    expect(d.seen()).toEqual([`DataWatchRemoved ${p}`]);
    await expect(zk.checkWatches(p, "data")).rejects.toBeInstanceOf(NoWatcherError);
    await zk.checkWatches(p, "children");
    await zk.removeWatches(p, "children");
    expect(c.seen()).toEqual([`ChildWatchRemoved ${p}`]);
    await other.setData(p, "x");
    await other.create(`${p}/k`);
    await zk.sync(p);
    await sleep(50);
    expect(d.events).toHaveLength(1);
    expect(c.events).toHaveLength(1);
    await expect(zk.removeWatches(p, "any")).rejects.toBeInstanceOf(NoWatcherError);
    await expect(zk.checkWatches(p, "children")).rejects.toBeInstanceOf(NoWatcherError);
  });

  it("removeWatches of one callback keeps the others (and the server's watch)", async () => {
    const p = uniq("rm1");
    await zk.create(p);
    const a = recorder();
    const b = recorder();
    await zk.getData(p, { watch: a.fn });
    await zk.getData(p, { watch: b.fn });
    await zk.removeWatches(p, "data", { watcher: a.fn });
    expect(a.seen()).toEqual([`DataWatchRemoved ${p}`]);
    await expect(zk.removeWatches(p, "data", { watcher: a.fn })).rejects.toBeInstanceOf(NoWatcherError);
    await other.setData(p, "x");
    await waitFor(() => b.events.length === 1);
    expect(a.events).toHaveLength(1);
  });

  it("a throwing watcher does not stop delivery to others", async () => {
    const p = uniq("throw");
    await zk.create(p);
    const r = recorder();
    const errors: unknown[] = [];
    zk.on("watcherError", (e) => errors.push(e));
    await zk.getData(p, {
      watch: () => {
        throw new Error("boom");
      },
    });
    await zk.getData(p, { watch: r.fn });
    await other.setData(p, "x");
    await waitFor(() => r.events.length === 1);
    expect(errors).toHaveLength(1);
    zk.removeAllListeners("watcherError");
  });

  it("the session state events are emitted", async () => {
    const c = await connect(server().connectString, { sessionTimeout: 4000 });
    const closed = once(c, "closed");
    const states: string[] = [];
    c.on("state", (s) => states.push(s));
    await c.close();
    await closed;
    expect(states).toEqual(["closed"]);
  });
});
