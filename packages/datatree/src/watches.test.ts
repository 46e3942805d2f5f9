import { describe, expect, it } from "vitest";
import type { ACL } from "@zkts/jute";
import { digestOf } from "./acl.js";
import { EventType, OpCode, Perms, WatcherType } from "./constants.js";
import { DataTree } from "./datatree.js";
import { WatchMode } from "./watches.js";
import { Driver, TestWatcher, hdr } from "./testutil.test-util.js";

const E = EventType;
const setup = () => {
  const t = new DataTree();
  return { t, d: new Driver(t), w: new TestWatcher(1n) };
};

describe("one-shot watches", () => {
  it("create fires NodeCreated (exist watch) and NodeChildrenChanged on the parent, once", () => {
    const { t, d, w } = setup();
    d.create("/p");
    t.exists("/p/c", w);
    t.getChildren("/p", w);
    d.create("/p/c");
    expect(w.events.map((e) => [e.type, e.path, e.zxid, e.state])).toEqual([
      [E.NodeCreated, "/p/c", 2n, 3],
      [E.NodeChildrenChanged, "/p", 2n, 3],
    ]);
    w.take();
    d.create("/p/c2");
    d.set("/p/c", "x");
    expect(w.take()).toEqual([]);
  });

  it("setData fires NodeDataChanged on data watches only; setACL fires nothing", () => {
    const { t, d, w } = setup();
    d.create("/a");
    t.getData("/a", w);
    t.getChildren("/a", w);
    t.processTxn(hdr(9, OpCode.setACL), { path: "/a", acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], version: 1 });
    expect(w.take()).toEqual([]);
    d.zxid = 9;
    d.set("/a", "v");
    expect(w.take()).toEqual([`${E.NodeDataChanged} /a`]);
    expect(t.containsWatch("/a", w, WatcherType.Children)).toBe(true);
    expect(t.containsWatch("/a", w, WatcherType.Data)).toBe(false);
  });

  it("delete fires NodeDeleted once to a watcher holding data and child watches, and the parent's child watch", () => {
    const { t, d, w } = setup();
    d.create("/p");
    d.create("/p/c");
    t.getData("/p/c", w);
    t.getChildren("/p/c", w);
    t.getChildren("/p", w);
    const other = new TestWatcher(2n);
    t.getChildren("/p/c", other);
    d.del("/p/c");
    expect(w.take()).toEqual([`${E.NodeDeleted} /p/c`, `${E.NodeChildrenChanged} /p`]);
    expect(other.take()).toEqual([`${E.NodeDeleted} /p/c`]);
    expect(t.watchCount()).toBe(0);
  });

  it("reads on missing nodes: exists registers, getData/getChildren do not", () => {
    const { t, w } = setup();
    expect(t.getData("/x", w)).toBeNull();
    expect(t.getChildren("/x", w)).toBeNull();
    expect(t.exists("/x", w)).toBeNull();
    expect(t.watchCount()).toBe(1);
    expect(t.containsWatch("/x", w, WatcherType.Data)).toBe(true);
  });
});

describe("persistent and persistent-recursive watches", () => {
  it("persistent: every event on the node, including NodeChildrenChanged, and it stays", () => {
    const { t, d, w } = setup();
    t.addWatch("/a", w, "persistent");
    d.create("/a");
    d.set("/a", "1");
    d.create("/a/b");
    d.set("/a/b", "x"); // not on the node
    d.del("/a/b");
    d.set("/a", "2");
    d.del("/a");
    d.create("/a");
    expect(w.take()).toEqual([
      `${E.NodeCreated} /a`,
      `${E.NodeDataChanged} /a`,
      `${E.NodeChildrenChanged} /a`,
      `${E.NodeChildrenChanged} /a`,
      `${E.NodeDataChanged} /a`,
      `${E.NodeDeleted} /a`,
      `${E.NodeCreated} /a`,
    ]);
  });

  it("persistent-recursive: the node and all descendants, never NodeChildrenChanged", () => {
    const { t, d, w } = setup();
    t.addWatchMode("/r", w, 1);
    d.create("/r");
    d.create("/r/a");
    d.create("/r/a/b");
    d.set("/r/a/b", "x");
    d.del("/r/a/b");
    d.create("/rx"); // sibling with a common string prefix: not a descendant
    expect(w.take()).toEqual([
      `${E.NodeCreated} /r`,
      `${E.NodeCreated} /r/a`,
      `${E.NodeCreated} /r/a/b`,
      `${E.NodeDataChanged} /r/a/b`,
      `${E.NodeDeleted} /r/a/b`,
    ]);
    const root = new TestWatcher(3n);
    t.addWatch("/", root, "persistentRecursive");
    d.set("/r/a", "y");
    expect(root.take()).toEqual([`${E.NodeDataChanged} /r/a`]);
  });

  it("the latest watch on a path replaces the mode, as ZooKeeper 3.8: a one-shot read after addWatch makes it one-shot", () => {
    const { t, d, w } = setup();
    d.create("/a");
    t.addWatch("/a", w, "persistent");
    t.getData("/a", w);
    d.set("/a", "1");
    expect(w.take()).toEqual([`${E.NodeDataChanged} /a`]);
    expect(t.containsWatch("/a", w, WatcherType.Data)).toBe(false);
    d.set("/a", "2");
    expect(w.take()).toEqual([]);
    // ...and a persistent watch set after a one-shot read stays persistent.
    t.getData("/a", w);
    t.addWatch("/a", w, "persistent");
    d.set("/a", "3");
    d.set("/a", "4");
    expect(w.take()).toEqual([`${E.NodeDataChanged} /a`, `${E.NodeDataChanged} /a`]);
  });
});

describe("checkWatches / removeWatches / removeWatcher", () => {
  it("by WatcherType, as ZooKeeper 3.8: Data/Children match any mode in their table", () => {
    const { t, d, w } = setup();
    d.create("/a");
    t.addWatch("/a", w, "persistent");
    expect(t.containsWatch("/a", w, WatcherType.Data)).toBe(true);
    expect(t.containsWatch("/a", w, WatcherType.Children)).toBe(true);
    expect(t.removeWatch("/a", w, WatcherType.Children)).toBe(true);
    expect(t.removeWatch("/a", w, WatcherType.Children)).toBe(false);
    expect(t.containsWatch("/a", w, WatcherType.Data)).toBe(true);
    expect(t.removeWatch("/a", w, WatcherType.Data)).toBe(true);
    expect(t.containsWatch("/a", w, WatcherType.Any)).toBe(false);
    t.getData("/a", w);
    t.getChildren("/a", w);
    expect(t.containsWatch("/a", w, WatcherType.Any)).toBe(true);
    expect(t.removeWatch("/a", w, WatcherType.Any)).toBe(true);
    expect(t.containsWatch("/a", w, WatcherType.Any)).toBe(false);
    expect(t.removeWatch("/a", w, WatcherType.Any)).toBe(false);
    t.addWatch("/a", w, "persistentRecursive");
    expect(t.containsWatch("/a", w, WatcherType.Children)).toBe(false);
    expect(t.containsWatch("/a", w, WatcherType.PersistentRecursive)).toBe(true);
    expect(t.containsWatch("/a", w, WatcherType.Persistent)).toBe(false);
    expect(t.removeWatch("/a", w, WatcherType.Data)).toBe(true);
    expect(t.removeWatch("/a", w, 42)).toBe(false);
    expect(t.watchCount()).toBe(0);
    d.set("/a", "x");
    expect(w.take()).toEqual([]);
  });

  it("removeWatcher drops everything of that watcher only", () => {
    const { t, d, w } = setup();
    const other = new TestWatcher(2n);
    t.exists("/a", w);
    t.addWatch("/", w, "persistentRecursive");
    t.exists("/a", other);
    t.removeWatcher(w);
    d.create("/a");
    expect(w.take()).toEqual([]);
    expect(other.take()).toEqual([`${E.NodeCreated} /a`]);
  });
});

describe("READ filtering of events", () => {
  const secret: ACL[] = [{ perms: Perms.ALL, id: { scheme: "digest", id: digestOf("alice", "pw") } }];
  it("only sessions that may READ the node get its events", () => {
    const { t, d } = setup();
    const alice = new TestWatcher(1n, [{ scheme: "digest", id: digestOf("alice", "pw") }]);
    const bob = new TestWatcher(2n, [{ scheme: "ip", id: "10.0.0.1" }]);
    const admin = new TestWatcher(3n, [{ scheme: "super", id: "" }]);
    for (const w of [alice, bob, admin]) t.exists("/s", w);
    d.create("/s", "", { acl: secret });
    expect(alice.take()).toEqual([`${E.NodeCreated} /s`]);
    expect(bob.take()).toEqual([]);
    expect(admin.take()).toEqual([`${E.NodeCreated} /s`]);
    // the one-shot watch of bob was consumed even though not delivered (as ZooKeeper)
    expect(t.containsWatch("/s", bob, WatcherType.Data)).toBe(false);
  });

  it("NodeChildrenChanged is checked against the parent's ACL; superIds and skipACL options", () => {
    const t = new DataTree({ superIds: [{ scheme: "digest", id: "root:x" }] });
    const d = new Driver(t);
    d.create("/s", "", { acl: secret });
    const bob = new TestWatcher(2n);
    const root = new TestWatcher(4n, [{ scheme: "digest", id: "root:x" }]);
    t.getChildren("/s", bob);
    t.getChildren("/s", root);
    d.create("/s/open");
    expect(bob.take()).toEqual([]);
    expect(root.take()).toEqual([`${E.NodeChildrenChanged} /s`]);
    const open = new DataTree({ skipACL: true });
    const d2 = new Driver(open);
    d2.create("/s", "", { acl: secret });
    const carol = new TestWatcher(5n);
    open.getData("/s", carol);
    d2.set("/s", "x");
    expect(carol.take()).toEqual([`${E.NodeDataChanged} /s`]);
  });
});

describe("setWatches (reconnect replay)", () => {
  it("fires what was missed and registers the rest", () => {
    const { t, d, w } = setup();
    d.create("/same"); // 1
    d.create("/changed"); // 2
    d.create("/kids"); // 3
    d.create("/quiet"); // 4
    d.set("/changed", "x"); // 5
    d.create("/kids/k"); // 6
    t.setWatches(
      4n,
      {
        dataWatches: ["/same", "/changed", "/gone"],
        existWatches: ["/same", "/notyet"],
        childWatches: ["/kids", "/quiet", "/gone2"],
        persistentWatches: ["/p"],
        persistentRecursiveWatches: ["/r"],
      },
      w,
    );
    expect(w.events.every((e) => e.zxid === -1n)).toBe(true);
    expect(w.take()).toEqual([
      `${E.NodeDataChanged} /changed`,
      `${E.NodeDeleted} /gone`,
      `${E.NodeCreated} /same`,
      `${E.NodeChildrenChanged} /kids`,
      `${E.NodeDeleted} /gone2`,
    ]);
    expect(t.containsWatch("/same", w, WatcherType.Data)).toBe(true);
    expect(t.containsWatch("/notyet", w, WatcherType.Data)).toBe(true);
    expect(t.containsWatch("/quiet", w, WatcherType.Children)).toBe(true);
    expect(t.containsWatch("/kids", w, WatcherType.Children)).toBe(false);
    expect(t.containsWatch("/p", w, WatcherType.Persistent)).toBe(true);
    expect(t.containsWatch("/r", w, WatcherType.PersistentRecursive)).toBe(true);
  });

  it("replayed events respect READ", () => {
    const { t, d } = setup();
    d.create("/s", "", { acl: [{ perms: Perms.ALL, id: { scheme: "ip", id: "10.0.0.0/8" } }] });
    const outsider = new TestWatcher(7n, [{ scheme: "ip", id: "192.168.0.1" }]);
    const insider = new TestWatcher(8n, [{ scheme: "ip", id: "10.1.1.1" }]);
    t.setWatches(0n, { existWatches: ["/s"] }, outsider);
    t.setWatches(0n, { existWatches: ["/s"] }, insider);
    expect(outsider.take()).toEqual([]);
    expect(insider.take()).toEqual([`${E.NodeCreated} /s`]);
  });
});

describe("watch reports (wchs / wchc / wchp)", () => {
  it("report the data/exist table by session and by path, as ZooKeeper", () => {
    const { t, d } = setup();
    d.create("/a");
    const w1 = new TestWatcher(0x11n);
    const w2 = new TestWatcher(0x22n);
    t.getData("/a", w1);
    t.exists("/b", w1);
    t.exists("/b", w2);
    t.getChildren("/a", w2); // child watches are not reported by ZooKeeper's wchc/wchp/wchs
    expect(t.watchSummary()).toEqual({ connections: 2, paths: 2, total: 3 });
    expect(new Map([...t.watchesBySession()].map(([k, v]) => [k, v.sort()]))).toEqual(
      new Map([
        [0x11n, ["/a", "/b"]],
        [0x22n, ["/b"]],
      ]),
    );
    expect(t.watchesByPath().get("/b")!.sort()).toEqual([0x11n, 0x22n]);
    expect(t.watchCount()).toBe(4);
    expect(t.allWatches().find((x) => x.table === "child")).toEqual({ path: "/a", sessionId: 0x22n, table: "child", modes: WatchMode.STANDARD });
  });

  it("a throwing watcher does not break txn application", () => {
    const { t, d } = setup();
    t.exists("/a", { sessionId: 1n, ids: () => [], process: () => { throw new Error("boom"); } });
    expect(d.create("/a").err).toBe(0);
  });
});

describe("fired-watch metrics (WatchManager.triggerWatch)", () => {
  it("records, per table and event with watchers, how many watchers were found", async () => {
    const { M, MetricsRegistry } = await import("@zkts/metrics");
    const metrics = new MetricsRegistry();
    const t = new DataTree({ metrics });
    const d = new Driver(t);
    const [w1, w2] = [new TestWatcher(1n), new TestWatcher(2n)];
    d.create("/p");
    t.exists("/p/c", w1);
    t.exists("/p/c", w2);
    t.getChildren("/p", w1);
    d.create("/p/c"); // created: 2 data watchers; children changed on /p: 1
    t.getData("/p/c", w1);
    d.set("/p/c", "x"); // changed: 1
    d.set("/p/c", "y"); // no watcher left: nothing recorded
    t.getData("/p/c", w1);
    t.getChildren("/p/c", w2);
    d.del("/p/c"); // deleted: 1 data watcher, then 1 child watcher (its own table)
    const s = (name: string) => metrics.summary(name);
    expect([s(M.NODE_CREATED_WATCHER).count, s(M.NODE_CREATED_WATCHER).sum]).toEqual([1, 2]);
    expect([s(M.NODE_CHANGED_WATCHER).count, s(M.NODE_CHANGED_WATCHER).sum]).toEqual([1, 1]);
    expect([s(M.NODE_DELETED_WATCHER).count, s(M.NODE_DELETED_WATCHER).sum]).toEqual([2, 2]);
    expect([s(M.NODE_CHILDREN_WATCHER).count, s(M.NODE_CHILDREN_WATCHER).sum]).toEqual([1, 1]);
  });
});

describe("initConfigNode (ZKDatabase.initConfigInZKDatabase)", () => {
  it("sets /zookeeper/config with mZxid = the config version and dataVersion -1, fires its data watch, keeps the digest", () => {
    const { t, w } = setup();
    const before = t.digest();
    t.getData("/zookeeper/config", w);
    const text = "server.1=127.0.0.1:1:2:participant\nversion=100000000";
    t.initConfigNode(Buffer.from(text), 0x100000000n, 1234n);
    const got = t.getData("/zookeeper/config")!;
    expect(got.data!.toString()).toBe(text);
    expect(got.stat.mzxid).toBe(0x100000000n);
    expect(got.stat.version).toBe(-1);
    expect(got.stat.aversion).toBe(-1);
    expect(got.stat.mtime).toBe(1234n);
    expect(got.stat.czxid).toBe(0n);
    expect(w.take()).toEqual([`${E.NodeDataChanged} /zookeeper/config`]);
    expect(t.digest()).toBe(before);
  });
});
