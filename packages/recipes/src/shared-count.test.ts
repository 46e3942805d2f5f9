import { afterEach, expect, it } from "vitest";
import { bytesToInt, intToBytes, SharedCount } from "./index.js";
import { Clients, describeServers, uniq, waitFor } from "./testing/servers.js";

it("counts are 4 bytes big-endian", () => {
  expect(intToBytes(258).toString("hex")).toBe("00000102");
  expect(intToBytes(-1).toString("hex")).toBe("ffffffff");
  expect(bytesToInt(Buffer.from("7fffffff", "hex"))).toBe(2147483647);
  expect(() => bytesToInt(Buffer.from([1]))).toThrow(RangeError);
});

describeServers("SharedCount", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("seeds the node once, every participant sees changes (watch), trySetCount fails on a stale version", async () => {
    const path = uniq("count") + "/n";
    const a = new SharedCount(await clients.connect(), path, 5);
    const b = new SharedCount(await clients.connect(), path, 99);
    await a.start();
    await b.start();
    expect([a.count, b.count]).toEqual([5, 5]);
    const zk = await clients.connect();
    expect((await zk.getData(path)).data!.toString("hex")).toBe("00000005");
    const seen: number[] = [];
    b.on("countHasChanged", (n) => seen.push(n));
    await a.setCount(7);
    await waitFor(() => b.count === 7, 5000, "b sees 7");
    const stale = b.getVersionedValue();
    expect(await a.trySetCount(a.getVersionedValue(), 8)).toBe(true);
    await waitFor(() => b.count === 8, 5000, "b sees 8");
    expect(await b.trySetCount(stale, 100)).toBe(false);
    expect(await b.trySetCount(b.getVersionedValue(), 9)).toBe(true);
    await waitFor(() => a.count === 9 && seen.length === 3, 5000, "a sees 9, b hears of it");
    expect(seen).toEqual([7, 8, 9]); // as Curator's: after every watch-driven read, our own writes too
    expect(b.getVersionedValue()).toEqual({ version: 3, value: 9 });
    await a.close();
    await b.close();
  });
});
