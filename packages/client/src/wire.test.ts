/** What the client puts on the wire, checked against a scripted server (no real ZooKeeper needed). */
import { afterEach, describe, expect, it } from "vitest";
import { EventType, OpCode, Xid } from "@zkts/client-wire";
import { createClient, SessionExpiredError, type WatchEvent, type ZooKeeperClient } from "./index.js";
import { FakeServer } from "./testing/fake-server.js";
import { waitFor } from "./testing/helpers.js";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(chroot = "", opts: Parameters<typeof createClient>[1] = {}): Promise<[FakeServer, ZooKeeperClient]> {
  const fake = await FakeServer.start();
  const c = createClient(fake.connectString + chroot, { sessionTimeout: 3000, retryDelay: 20, ...opts });
  cleanup.push(() => fake.close());
  cleanup.push(() => c.close({ timeout: 200 }));
  await c.connect();
  return [fake, c];
}

describe("wire behaviour", () => {
  it("first ConnectRequest: protocol 0, no session, zero password, readOnly byte present", async () => {
    const [fake, c] = await setup();
    expect(fake.connects[0]).toEqual({
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: 3000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
      hasReadOnly: true,
    });
    expect(c.sessionId).toBe(0x1234n);
    expect(c.negotiatedTimeout).toBe(3000);
  });

  it("reconnect: same session and password, lastZxidSeen, then auth, setWatches (ordinary xid, chrooted paths), then queued calls", async () => {
    const [fake, c] = await setup("/app");
    const seen: WatchEvent[] = [];
    await c.addAuth("digest", "u:p");
    await c.getData("/d", { watch: (e) => seen.push(e) });
    await c.exists("/e", { watch: (e) => seen.push(e) });
    expect(c.lastZxid).toBe(0x42n);
    fake.zxid = 0x99n;
    let queued: Promise<unknown> | undefined;
    // Issued while disconnected: it waits for the reconnect and goes after auth and setWatches.
    c.once("disconnected", () => (queued = c.getData("/q")));
    fake.cut();
    await waitFor(() => queued);
    await queued;
    expect(fake.connects[1]).toMatchObject({ sessionId: 0x1234n, passwd: fake.passwd, lastZxidSeen: 0x42n });
    const [auth, sw, q] = fake.requests[1]!;
    expect(auth).toMatchObject({ xid: Xid.AUTH, type: OpCode.auth, body: { scheme: "digest" } });
    expect(sw!.type).toBe(OpCode.setWatches);
    expect(sw!.xid).toBeGreaterThan(0);
    expect(sw!.body).toEqual({ relativeZxid: 0x42n, dataWatches: ["/app/d", "/app/e"], existWatches: [], childWatches: [] });
    expect(q).toMatchObject({ type: OpCode.getData, body: { path: "/app/q" } });
    expect(q!.xid).toBeGreaterThan(sw!.xid);
    // A notification's path loses the chroot; the one-shot watch is consumed.
    fake.notify(EventType.NodeDataChanged, "/app/d");
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ name: "NodeDataChanged", path: "/d" });
  });

  it("batches setWatches under the size limit, and uses setWatches2 for persistent watches", async () => {
    const [fake, c] = await setup("", { setWatchesBatchBytes: 10 });
    const w = () => undefined;
    for (const p of ["/aaaa", "/bbbb", "/cccc", "/dddd", "/eeee"]) await c.getData(p, { watch: w });
    await c.addWatch("/pppp", w, { recursive: true });
    fake.cut();
    await waitFor(() => fake.requests.length === 2 && fake.requests[1]!.length >= 3);
    await waitFor(() => c.isConnected);
    const sws = fake.requests[1]!.filter((r) => r.type === OpCode.setWatches2);
    expect(sws.length).toBe(3);
    const all = sws.flatMap((r) => {
      const b = r.body as { dataWatches: string[]; persistentRecursiveWatches: string[] };
      return [...b.dataWatches, ...b.persistentRecursiveWatches];
    });
    expect(all).toEqual(["/aaaa", "/bbbb", "/cccc", "/dddd", "/eeee", "/pppp"]);
  });

  it("a ConnectResponse with timeOut 0 means the session expired", async () => {
    const [fake, c] = await setup();
    fake.timeOut = 0;
    fake.cut();
    await waitFor(() => c.state === "expired");
    await expect(c.getData("/x")).rejects.toBeInstanceOf(SessionExpiredError);
  });

  it("a reply out of xid order drops the connection (the session reconnects)", async () => {
    const [fake, c] = await setup();
    fake.misorder = true;
    const states: string[] = [];
    c.on("state", (s) => states.push(s));
    const a = c.exists("/a").catch((e: unknown) => e);
    const b = c.getData("/b").catch((e: unknown) => e);
    await Promise.all([a, b]);
    await waitFor(() => states.includes("connected"));
    expect(states).toEqual(["disconnected", "connected"]);
    expect(fake.connects).toHaveLength(2);
  });

  it("a read-only server gives connectedReadOnly (canBeReadOnly is sent)", async () => {
    const fake = await FakeServer.start();
    cleanup.push(() => fake.close());
    fake.readOnly = true;
    const c = createClient(fake.connectString, { canBeReadOnly: true });
    cleanup.push(() => c.close({ timeout: 200 }));
    const states: string[] = [];
    c.on("state", (s) => states.push(s));
    await c.connect();
    expect(fake.connects[0]!.readOnly).toBe(true);
    expect(c.state).toBe("connectedReadOnly");
    expect(states).toEqual(["connecting", "connectedReadOnly"]);
  });

  it("pings when idle", async () => {
    const [fake] = await setup("", { sessionTimeout: 300 });
    fake.timeOut = 300;
    fake.cut();
    await waitFor(() => fake.requests[1]?.some((r) => r.type === OpCode.ping), 5000, "a ping");
    expect(fake.requests[1]!.find((r) => r.type === OpCode.ping)!.xid).toBe(Xid.PING);
  });
});
