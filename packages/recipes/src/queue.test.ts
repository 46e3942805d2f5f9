import { afterEach, expect, it } from "vitest";
import { decodeItems, DistributedQueue, encodeItems, utf8Serializer } from "./index.js";
import { Clients, describeServers, sleep, uniq } from "./testing/servers.js";

it("items are framed as Curator's ItemSerializer: version 0x00010001, (0x01, length, bytes)*, 0x02", () => {
  const b = encodeItems([Buffer.from("ab"), Buffer.from("")]);
  expect(b.toString("hex")).toBe("00010001" + "01" + "00000002" + "6162" + "01" + "00000000" + "02");
  expect(decodeItems(b).map((x) => x.toString())).toEqual(["ab", ""]);
  expect(() => decodeItems(Buffer.from("0001000201", "hex"))).toThrow("Incorrect version");
});

describeServers("DistributedQueue", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("put creates queue-<seq> nodes; consumers take each item exactly once, in order per node; putMulti keeps items together", async () => {
    const path = uniq("queue") + "/q";
    const zk = await clients.connect();
    const producer = new DistributedQueue(zk, path, utf8Serializer);
    await producer.put("one");
    await producer.putMulti(["two", "three"]);
    const names = (await zk.getChildren(path)).sort();
    expect(names).toEqual(["queue-0000000000", "queue-0000000001"]);
    expect((await zk.getData(`${path}/${names[0]}`)).data!.toString("hex")).toBe("0001000101000000036f6e6502");
    expect(await producer.size()).toBe(2);
    const consumer = new DistributedQueue(await clients.connect(), path, utf8Serializer);
    expect(await consumer.take()).toBe("one");
    expect(await consumer.take()).toBe("two");
    expect(await consumer.take()).toBe("three");
    expect(await consumer.take({ timeout: 200 })).toBeUndefined();

    // Competing consumers: 60 items, each taken once.
    const consumers = await Promise.all([0, 1, 2].map(async () => new DistributedQueue(await clients.connect(), path, utf8Serializer)));
    const got: string[] = [];
    const ac = new AbortController();
    const running = consumers.map(async (c) => {
      for await (const item of c.consume({ signal: ac.signal })) got.push(item);
    });
    for (let i = 0; i < 60; i++) await producer.put(`item-${i}`);
    const deadline = Date.now() + 15_000;
    while (got.length < 60 && Date.now() < deadline) await sleep(20);
    ac.abort();
    await Promise.all(running);
    expect(got.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `item-${i}`).sort());
    expect(await producer.size()).toBe(0);
  });
});
