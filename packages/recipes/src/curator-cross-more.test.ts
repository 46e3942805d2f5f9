/**
 * More cross-tests with Apache Curator (see curator-cross.test.ts): the read/write lock, the semaphore, the
 * shared count, the queue, the double barrier, CuratorCache's event stream for the same changes, and
 * curator-x-discovery's service records.
 */
import { afterEach, expect, it } from "vitest";
import {
  CuratorCache,
  DistributedDoubleBarrier,
  DistributedQueue,
  InterProcessReadWriteLock,
  InterProcessSemaphoreV2,
  LeaderSelector,
  parseUriSpec,
  serializeInstance,
  ServiceDiscovery,
  serviceInstance,
  SharedCount,
  utf8Serializer,
  type CacheEvent,
} from "./index.js";
import { curatorAvailable, CuratorProcess } from "./testing/curator.js";
import { Clients, describeServers, sleep, uniq, waitFor } from "./testing/servers.js";

const hasCurator = curatorAvailable();

describeServers("Curator cross-test (more recipes)", (server) => {
  const clients = new Clients(server);
  const javas: CuratorProcess[] = [];
  afterEach(async () => {
    await Promise.all(javas.splice(0).map((j) => j.stop()));
    await clients.closeAll();
  });

  async function java(mode: string, args: string[]): Promise<CuratorProcess> {
    const j = CuratorProcess.start(mode, [server().connectString, ...args]);
    javas.push(j);
    await j.waitFor("READY", 60_000);
    return j;
  }
  const seen = (j: CuratorProcess, line: string) => j.lines.some((l) => l.line === line);

  it.skipIf(!hasCurator)("InterProcessReadWriteLock: a Curator reader shares with ours and keeps our writer out; our writer keeps a Curator reader out", async () => {
    const path = uniq("xrw");
    const ours = new InterProcessReadWriteLock(await clients.connect(), path);
    const jr = await java("read", [path]);
    await jr.waitFor("ACQ", 10_000);
    expect(await ours.readLock.acquire({ timeout: 5000 })).toBe(true);
    expect(await ours.writeLock.acquire({ timeout: 300 })).toBe(false);
    await ours.readLock.release();
    const writing = ours.writeLock.acquire();
    await sleep(200);
    expect(ours.writeLock.isAcquiredInThisProcess).toBe(false);
    jr.send("go");
    await jr.waitFor("REL", 10_000);
    expect(await writing).toBe(true);
    const jr2 = await java("read", [path]);
    await waitFor(async () => (await ours.readLock.participantNodes()).length === 1, 10_000, "Curator reader queued");
    expect((await ours.readLock.participantNodes())[0]).toMatch(/\/_c_[0-9a-f-]{36}-__READ__\d{10}$/);
    await sleep(200);
    expect(seen(jr2, "ACQ")).toBe(false);
    await ours.writeLock.release();
    await jr2.waitFor("ACQ", 10_000);
    jr2.send("go");
    await jr2.waitFor("REL", 10_000);
  });

  it.skipIf(!hasCurator)("InterProcessSemaphoreV2: Curator's leases and ours count against one maximum", async () => {
    const path = uniq("xsem");
    const ours = new InterProcessSemaphoreV2(await clients.connect(), path, 2);
    const j = await java("lease", [path, "2"]);
    await j.waitFor("ACQ", 10_000);
    const mine = await ours.acquire({ timeout: 5000 });
    expect(mine).not.toBeNull();
    expect(await ours.acquire({ timeout: 300 })).toBeNull();
    const waiting = ours.acquire();
    await sleep(100);
    j.send("go");
    await j.waitFor("REL", 10_000);
    const second = await waiting;
    expect(second).not.toBeNull();
    await ours.returnAll([mine!, second!]);
  });

  it.skipIf(!hasCurator)("SharedCount: Curator's and ours see each other's writes; a stale trySetCount fails on both sides", async () => {
    const path = uniq("xcount") + "/n";
    const j = await java("count", [path, "5"]);
    await j.waitFor("STARTED", 10_000);
    const ours = new SharedCount(await clients.connect(), path, 99);
    await ours.start();
    expect(ours.count).toBe(5);
    await ours.setCount(7);
    await j.waitFor("COUNT 7", 10_000);
    j.send("set 9");
    await waitFor(() => ours.count === 9, 10_000, "our count 9");
    const stale = ours.getVersionedValue();
    j.send("tryset 11");
    await j.waitFor("TRYSET true", 10_000);
    expect(await ours.trySetCount(stale, 12)).toBe(false);
    await waitFor(() => ours.count === 11, 10_000, "our count 11");
    expect(await ours.trySetCount(ours.getVersionedValue(), 13)).toBe(true);
    await j.waitFor("COUNT 13", 10_000);
    j.send("get");
    expect((await j.waitFor("VALUE", 10_000)).line).toBe(`VALUE 13 ${ours.getVersionedValue().version}`);
    await ours.close();
  });

  it.skipIf(!hasCurator)("DistributedQueue: items put by Curator are taken by ours in order, and ours (also putMulti) are taken by Curator", async () => {
    const path = uniq("xqueue") + "/q";
    const put = await java("put", [path, "a", "b", "c"]);
    await put.waitFor("PUT", 10_000);
    const ours = new DistributedQueue(await clients.connect(), path, utf8Serializer);
    expect([await ours.take({ timeout: 5000 }), await ours.take({ timeout: 5000 }), await ours.take({ timeout: 5000 })]).toEqual(["a", "b", "c"]);
    const take = await java("take", [path]);
    await take.waitFor("TAKING", 10_000);
    await ours.put("x");
    await ours.putMulti(["y", "z"]);
    await take.waitFor("ITEM z", 10_000);
    expect(take.lines.filter((l) => l.line.startsWith("ITEM")).map((l) => l.line)).toEqual(["ITEM x", "ITEM y", "ITEM z"]);
  });

  it.skipIf(!hasCurator)("DistributedDoubleBarrier: a Curator member and two of ours enter together and leave together", async () => {
    const path = uniq("xdouble");
    const j = await java("enter", [path, "3"]);
    const ours = await Promise.all([0, 1].map(async () => new DistributedDoubleBarrier(await clients.connect(), path, 3)));
    const first = ours[0]!.enter();
    await sleep(300);
    expect(seen(j, "ENTERED")).toBe(false);
    expect(await Promise.all([first, ours[1]!.enter()])).toEqual([true, true]);
    await j.waitFor("ENTERED", 10_000);
    const leaving = Promise.all(ours.map((m) => m.leave()));
    await sleep(300);
    let left = false;
    void leaving.then(() => (left = true));
    await sleep(50);
    expect(left).toBe(false);
    j.send("go");
    await j.waitFor("LEFT", 10_000);
    expect(await leaving).toEqual([true, true]);
  });

  it.skipIf(!hasCurator)("CuratorCache: the same sequence of changes gives Curator's cache and ours the same event stream", async () => {
    const root = uniq("xcache");
    const zk = await clients.connect();
    await zk.create(root, "r");
    await zk.create(`${root}/a`, "1");
    const j = await java("cache", [root]);
    const ours = new CuratorCache(await clients.connect(), root);
    const events: string[] = [];
    const fmt = (e: CacheEvent) =>
      e.type === "INITIALIZED" ? "INITIALIZED" : `EVENT ${e.type} ${e.path} ${e.type === "NODE_DELETED" ? "null" : (e.node.data?.toString() ?? "null")}`;
    ours.on("event", (e) => events.push(fmt(e)));
    await ours.start();
    await j.waitFor("INITIALIZED", 10_000);
    const javaEvents = () => j.lines.map((l) => l.line).filter((l) => l.startsWith("EVENT") || l === "INITIALIZED");
    // The initial load: the same nodes, then INITIALIZED (the order of the loads is the implementations' own).
    expect(javaEvents().slice(0, -1).sort()).toEqual(events.slice(0, -1).sort());
    expect([javaEvents().at(-1), events.at(-1)]).toEqual(["INITIALIZED", "INITIALIZED"]);
    const steps: Array<() => Promise<unknown>> = [
      () => zk.create(`${root}/b`, "2"),
      () => zk.setData(`${root}/a`, "3"),
      () => zk.create(`${root}/b/c`, "4"),
      () => zk.setData(root, "5"),
      () => zk.delete(`${root}/b/c`),
      () => zk.delete(`${root}/b`),
      () => zk.create(`${root}/b`, null),
    ];
    for (const [n, step] of steps.entries()) {
      await step();
      const want = 4 + n; // 3 initial lines + one event per step
      await waitFor(() => javaEvents().length >= want && events.length >= want, 10_000, `event ${n + 1}`);
    }
    await sleep(200);
    expect([events.length, javaEvents().length]).toEqual([3 + steps.length, 3 + steps.length]); // nothing more came
    expect(events.slice(3)).toEqual(javaEvents().slice(3));
    expect(events.slice(3)).toEqual([
      `EVENT NODE_CREATED ${root}/b 2`,
      `EVENT NODE_CHANGED ${root}/a 3`,
      `EVENT NODE_CREATED ${root}/b/c 4`,
      `EVENT NODE_CHANGED ${root} 5`,
      `EVENT NODE_DELETED ${root}/b/c null`,
      `EVENT NODE_DELETED ${root}/b null`,
      `EVENT NODE_CREATED ${root}/b null`,
    ]);
    await ours.close();
  });

  it.skipIf(!hasCurator)("ServiceDiscovery: our JSON is byte for byte what Curator writes; each reads the other's instances", async () => {
    const base = uniq("xsd");
    const j = await java("discovery", [base]);
    await j.waitFor("REGISTERED", 10_000);
    const zk = await clients.connect();
    const raw = (await zk.getData(`${base}/api/java-1`)).data!;
    expect((await zk.exists(`${base}/api/java-1`))!.ephemeralOwner).not.toBe(0n);
    const sd = new ServiceDiscovery(zk, base);
    const theirs = (await sd.queryForInstance("api", "java-1"))!;
    expect(theirs).toMatchObject({ name: "api", address: "10.0.0.1", port: 1234, sslPort: null, payload: null, serviceType: "DYNAMIC", enabled: true });
    expect(serializeInstance(theirs).toString()).toBe(raw.toString());
    await sd.registerService(serviceInstance({ name: "api", id: "node-1", address: "10.0.0.2", port: 2345, uriSpec: parseUriSpec("{scheme}://{address}:{port}") }));
    j.send("query api");
    await j.waitFor("END", 10_000);
    expect(j.lines.filter((l) => l.line.startsWith("INSTANCE")).map((l) => l.line).sort()).toEqual([
      "INSTANCE java-1 10.0.0.1 1234 true DYNAMIC http://10.0.0.1:1234",
      "INSTANCE node-1 10.0.0.2 2345 true DYNAMIC http://10.0.0.2:2345",
    ]);
    await sd.close();
  });

  it.skipIf(!hasCurator)("LeaderSelector: a Curator selector and ours take turns leading, never both; participants agree", async () => {
    const path = uniq("xselect");
    const j = await java("select", [path, "java"]);
    await j.waitFor("LEADING", 10_000);
    const terms: string[] = [];
    let release: (() => void) | undefined;
    const ours = new LeaderSelector(
      await clients.connect(),
      path,
      (signal) =>
        new Promise<void>((r) => {
          terms.push("node");
          release = r;
          signal.addEventListener("abort", () => r());
        }),
      { id: "node", autoRequeue: true },
    );
    ours.start();
    await waitFor(async () => (await ours.getParticipants()).length === 2, 10_000, "both queued");
    expect(await ours.getParticipants()).toEqual([
      { id: "java", isLeader: true },
      { id: "node", isLeader: false },
    ]);
    expect(terms).toEqual([]);
    j.send("participants");
    await j.waitFor("END", 10_000);
    expect(j.lines.filter((l) => l.line.startsWith("PARTICIPANT")).map((l) => l.line)).toEqual(["PARTICIPANT java true", "PARTICIPANT node false"]);
    // Curator's term ends: ours leads; ours ends: Curator leads again (autoRequeue on both sides).
    const leadingLines = () => j.lines.filter((l) => l.line === "LEADING").length;
    j.send("release");
    await waitFor(() => terms.length === 1, 10_000, "our term");
    expect(leadingLines()).toBe(1);
    release!();
    await waitFor(() => leadingLines() === 2, 10_000, "Curator's second term");
    expect(terms).toEqual(["node"]);
    j.send("release");
    await waitFor(() => terms.length === 2, 10_000, "our second term");
    await ours.close(); // cancels our term (its signal aborts), deletes our node
    await waitFor(() => leadingLines() === 3, 10_000, "Curator's third term");
  });
});
