import { afterEach, expect, it } from "vitest";
import { deserializeInstance, parseUriSpec, serializeInstance, ServiceDiscovery, serviceInstance } from "./index.js";
import { Clients, describeServers, uniq } from "./testing/servers.js";

it("records are curator-x-discovery's JSON, fields in JsonInstanceSerializer's order (enabled only on request)", () => {
  const i = serviceInstance({ name: "api", id: "id-1", address: "10.0.0.1", port: 8080, registrationTimeUTC: 1700000000000, uriSpec: parseUriSpec("{scheme}://{address}:{port}/v1") });
  expect(serializeInstance(i).toString()).toBe(
    '{"name":"api","id":"id-1","address":"10.0.0.1","port":8080,"sslPort":null,"payload":null,"registrationTimeUTC":1700000000000,' +
      '"serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},' +
      '{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true},{"value":"/v1","variable":false}]}}',
  );
  expect(serializeInstance(i, true).toString()).toMatch(/,"uriSpec":\{.*\},"enabled":true\}$/);
  expect(deserializeInstance(serializeInstance(i))).toEqual(i);
  expect(deserializeInstance(serializeInstance({ ...i, enabled: false }, true)).enabled).toBe(false);
  // A record without "enabled" (compatible mode, Curator's default) reads as enabled.
  expect(deserializeInstance(Buffer.from('{"name":"a","id":"b","serviceType":"STATIC"}')).enabled).toBe(true);
});

describeServers("ServiceDiscovery", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("registers <base>/<name>/<id> (ephemeral for DYNAMIC, persistent for STATIC), queries, updates, unregisters", async () => {
    const base = uniq("services");
    const zk = await clients.connect();
    const sd = new ServiceDiscovery(zk, base);
    const a = serviceInstance({ name: "api", id: "a", address: "127.0.0.1", port: 1, payload: { "@class": "java.util.LinkedHashMap", zone: "z1" } });
    const b = serviceInstance({ name: "api", id: "b", address: "127.0.0.1", port: 2, serviceType: "STATIC" });
    await sd.registerService(a);
    await sd.registerService(b);
    await sd.registerService(serviceInstance({ name: "db", id: "c" }));
    expect((await zk.exists(`${base}/api/a`))!.ephemeralOwner).toBe(zk.sessionId);
    expect((await zk.exists(`${base}/api/b`))!.ephemeralOwner).toBe(0n);
    const reader = new ServiceDiscovery(await clients.connect(), base);
    expect(await reader.queryForNames()).toEqual(["api", "db"]);
    expect((await reader.queryForInstances("api")).map((i) => [i.id, i.port])).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect((await reader.queryForInstance<{ zone: string }>("api", "a"))!.payload!.zone).toBe("z1");
    await sd.updateService({ ...a, port: 3 });
    expect((await reader.queryForInstance("api", "a"))!.port).toBe(3);
    await sd.unregisterService(b);
    expect((await reader.queryForInstances("api")).map((i) => i.id)).toEqual(["a"]);
    await sd.close();
    expect(await reader.queryForInstances("api")).toEqual([]);
  });
});
