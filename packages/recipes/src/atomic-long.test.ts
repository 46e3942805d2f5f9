import { afterEach, expect, it } from "vitest";
import { bytesToLong, DistributedAtomicLong, longToBytes } from "./index.js";
import { Clients, describeServers, uniq } from "./testing/servers.js";

it("values are 8 bytes big-endian two's complement; null and empty read as 0; short data is corrupt", () => {
  expect(longToBytes(1n).toString("hex")).toBe("0000000000000001");
  expect(longToBytes(-2n).toString("hex")).toBe("fffffffffffffffe");
  expect(bytesToLong(Buffer.from("7fffffffffffffff", "hex"))).toBe(9223372036854775807n);
  expect(bytesToLong(null)).toBe(0n);
  expect(bytesToLong(Buffer.alloc(0))).toBe(0n);
  expect(() => bytesToLong(Buffer.from([1, 2]), "/x")).toThrow('Corrupted data for node "/x": [0x1, 0x2]');
});

describeServers("DistributedAtomicLong", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("reads 0 before it exists, creates on first update, stores 8 bytes; add/subtract/trySet/compareAndSet/forceSet/initialize", async () => {
    const zk = await clients.connect();
    const path = uniq("atomic") + "/counter";
    const n = new DistributedAtomicLong(zk, path);
    expect((await n.get()).postValue).toBe(0n);
    expect(await n.initialize(5)).toBe(true);
    expect(await n.initialize(6)).toBe(false);
    const inc = await n.increment();
    expect(inc).toMatchObject({ succeeded: true, preValue: 5n, postValue: 6n });
    expect((await zk.getData(path)).data!.toString("hex")).toBe("0000000000000006");
    expect((await n.add(10)).postValue).toBe(16n);
    expect((await n.subtract(20)).postValue).toBe(-4n);
    expect((await n.decrement()).postValue).toBe(-5n);
    expect((await zk.getData(path)).data!.toString("hex")).toBe("fffffffffffffffb");
    expect((await n.compareAndSet(1, 2)).succeeded).toBe(false);
    expect(await n.compareAndSet(-5, 7)).toMatchObject({ succeeded: true, preValue: -5n, postValue: 7n });
    expect((await n.trySet(100)).postValue).toBe(100n);
    await n.forceSet(42);
    expect((await n.get()).postValue).toBe(42n);
    await zk.setData(path, Buffer.from([1]));
    await expect(n.get()).rejects.toThrow("Corrupted data");
  });

  it("four clients incrementing concurrently count exactly", async () => {
    const path = uniq("concurrent");
    const counters = await Promise.all([0, 1, 2, 3].map(async () => new DistributedAtomicLong(await clients.connect(), path, { retry: { maxRetries: 1000, baseSleepMs: 1, maxSleepMs: 20 } })));
    const results = await Promise.all(
      counters.map(async (c) => {
        let ok = 0;
        for (let i = 0; i < 50; i++) if ((await c.increment()).succeeded) ok++;
        return ok;
      }),
    );
    expect(results).toEqual([50, 50, 50, 50]);
    expect((await counters[0]!.get()).postValue).toBe(200n);
  });
});
