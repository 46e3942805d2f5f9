import { afterEach, expect, it } from "vitest";
import { PersistentNode } from "./index.js";
import { Clients, describeServers, uniq, waitFor } from "./testing/servers.js";

describeServers("PersistentNode", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("an ephemeral that comes back: deleted by someone else or missing after a reconnect, it is created again", async () => {
    const path = uniq("pnode") + "/me";
    const mine = await clients.connect();
    const other = await clients.connect();
    const node = new PersistentNode(mine, path, "v1");
    await node.start();
    expect(node.actualPath).toBe(path);
    expect((await other.exists(path))!.ephemeralOwner).toBe(mine.sessionId);
    await other.delete(path);
    await waitFor(async () => (await other.exists(path)) !== null, 5000, "re-created");
    await node.setData("v2");
    expect((await other.getData(path)).data!.toString()).toBe("v2");
    // Deleted while we are cut off: the watch is replayed on reconnect and the node comes back.
    await clients.cut(mine, async () => {
      await other.delete(path);
    });
    await waitFor(async () => (await other.exists(path)) !== null, 10_000, "re-created after reconnect");
    expect((await other.getData(path)).data!.toString()).toBe("v2");
    await node.close();
    expect(await other.exists(path)).toBeNull();
  });

  it("protected sequential mode: _c_<uuid>-name<seq>, a new one when deleted", async () => {
    const base = uniq("pseq") + "/job-";
    const zk = await clients.connect();
    const node = new PersistentNode(zk, base, "x", { mode: "ephemeralSequential", useProtection: true });
    await node.start();
    const first = node.actualPath!;
    expect(first).toMatch(/\/_c_[0-9a-f-]{36}-job-\d{10}$/);
    await zk.delete(first);
    await waitFor(() => node.actualPath !== undefined && node.actualPath !== first, 5000, "a new node");
    expect(await zk.exists(node.actualPath!)).not.toBeNull();
    await node.close();
  });
});
