import { createServer, type AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  AuthFailedError,
  ClientClosedError,
  connect,
  createClient,
  Ids,
  RequestTimeoutError,
  SessionExpiredError,
  type SessionState,
  type WatchEvent,
  type ZooKeeperClient,
} from "./index.js";
import { describeServers, once, sleep, uniq, waitFor } from "./testing/helpers.js";
import { LoopbackProxy } from "./testing/proxy.js";

describeServers("sessions", (server) => {
  let other: ZooKeeperClient;
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  beforeAll(async () => {
    other = await connect(server().connectString, { sessionTimeout: 4000 });
  });
  afterAll(async () => {
    await other?.close();
  });
  afterEach(async () => {
    // Per-test clients and proxies go after each test.
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  async function proxy(): Promise<LoopbackProxy> {
    const p = await LoopbackProxy.start(server().port);
    cleanup.push(() => p.close());
    return p;
  }
  function track(c: ZooKeeperClient): SessionState[] {
    const states: SessionState[] = [];
    c.on("state", (s) => states.push(s));
    cleanup.push(() => c.close());
    return states;
  }

  it("survives a cut connection: same session, ephemerals, auth, watches; missed events are delivered", async () => {
    const px = await proxy();
    const c = await connect(px.connectString, { sessionTimeout: 4000, retryDelay: 50 });
    const states = track(c);
    const p = uniq("recon");
    await c.mkdirp(`${p}/rec`);
    await c.create(`${p}/d`, "0");
    await c.create(`${p}/pers`, "0");
    await c.create(`${p}/eph`, null, { mode: "ephemeral" });
    await c.addAuth("digest", "bob:pw");
    await c.create(`${p}/secret`, "s", { acl: Ids.CREATOR_ALL_ACL as any });
    const sessionId = c.sessionId;

    const events: string[] = [];
    const w = (ev: WatchEvent) => void events.push(`${ev.name} ${ev.path}`);
    await c.getData(`${p}/d`, { watch: w });
    await c.exists(`${p}/missing`, { watch: w });
    await c.getChildren(p, { watch: w });
    await c.addWatch(`${p}/pers`, w);
    await c.addWatch(`${p}/rec`, w, { recursive: true });

    px.down();
    await waitFor(() => states.includes("disconnected"));
    await other.setData(`${p}/d`, "1");
    await other.create(`${p}/missing`);
    await other.create(`${p}/rec/x`);
    expect(events).toEqual([]);
    px.restore();
    await waitFor(() => states.at(-1) === "connected");
    expect(states).toEqual(["disconnected", "connected"]);
    expect(c.sessionId).toBe(sessionId);
    // One-shot watches fire for what happened meanwhile (setWatches relativeZxid = last zxid seen).
    await waitFor(() => events.length >= 3, 5000, "missed events");
    expect(events).toEqual(
      expect.arrayContaining([`NodeDataChanged ${p}/d`, `NodeCreated ${p}/missing`, `NodeChildrenChanged ${p}`]),
    );
    // Persistent watches were re-registered (setWatches2): later events reach them.
    events.length = 0;
    await other.setData(`${p}/pers`, "2");
    await other.setData(`${p}/rec/x`, "2");
    await waitFor(() => events.length >= 2, 5000, "persistent events after reconnect");
    expect(events.sort()).toEqual([`NodeDataChanged ${p}/pers`, `NodeDataChanged ${p}/rec/x`]);
    // Auth was replayed; the ephemeral is still ours.
    expect((await c.getData(`${p}/secret`)).data?.toString()).toBe("s");
    expect((await other.exists(`${p}/eph`))?.ephemeralOwner).toBe(sessionId);
    expect(await c.getEphemerals(p)).toEqual([`${p}/eph`]);
  });

  it("replays many watches in several setWatches batches", async () => {
    const px = await proxy();
    const c = await connect(px.connectString, { sessionTimeout: 4000, retryDelay: 50, setWatchesBatchBytes: 64 });
    const states = track(c);
    const p = uniq("batch");
    await c.create(p);
    const n = 40;
    await Promise.all(Array.from({ length: n }, (_, i) => c.create(`${p}/node-with-a-longish-name-${i}`)));
    const fired = new Set<string>();
    await Promise.all(
      Array.from({ length: n }, (_, i) => c.getData(`${p}/node-with-a-longish-name-${i}`, { watch: (ev) => fired.add(ev.path) })),
    );
    px.cut();
    await waitFor(() => states.includes("disconnected"));
    px.down();
    await Promise.all(Array.from({ length: n }, (_, i) => other.setData(`${p}/node-with-a-longish-name-${i}`, "x")));
    px.restore();
    await waitFor(() => fired.size === n, 10_000, `${n} events`);
  });

  it("expires while disconnected: state expired, pending and later calls fail with SessionExpiredError", async () => {
    const px = await proxy();
    const c = await connect(px.connectString, { sessionTimeout: 1000, retryDelay: 50 });
    const states = track(c);
    const p = uniq("exp");
    await c.create(p, null, { mode: "ephemeral" });
    const it = c.watch("/", { recursive: true });
    await it.ready;
    const iterDone = (async () => {
      try {
        for await (const _ of it) void _;
        return "ended";
      } catch (e) {
        return e;
      }
    })();
    px.down();
    await waitFor(() => states.includes("disconnected"));
    const pending = c.getData(p).catch((e: unknown) => e);
    // The server expires the session and deletes the ephemeral.
    await waitFor(async () => (await other.exists(p)) === null, 10_000, "ephemeral deletion");
    px.restore();
    await waitFor(() => states.includes("expired"), 10_000, "expired state");
    expect(states).toEqual(["disconnected", "expired"]);
    expect(await pending).toBeInstanceOf(SessionExpiredError);
    await expect(c.getData("/")).rejects.toBeInstanceOf(SessionExpiredError);
    expect(await iterDone).toBeInstanceOf(SessionExpiredError);
  });

  it("fails over across the host list: a dead host is skipped, the session moves between hosts", async () => {
    const a = await proxy();
    const b = await proxy();
    a.down();
    // random() = 0.99 keeps the list order, so the dead host is tried first.
    const c = createClient(`${a.connectString},${b.connectString}`, { sessionTimeout: 4000, retryDelay: 50, random: () => 0.99 });
    const states = track(c);
    expect(c.hosts.map((h) => h.port)).toEqual([a.port, b.port]);
    await c.connect();
    expect(c.connectedHost?.port).toBe(b.port);
    expect(a.accepted).toBeGreaterThanOrEqual(1);
    const p = uniq("fo");
    await c.create(p, null, { mode: "ephemeral" });
    const sessionId = c.sessionId;
    a.restore();
    b.down();
    await waitFor(() => states.at(-1) === "connected" && c.connectedHost?.port === a.port, 10_000, "failover to a");
    expect(c.sessionId).toBe(sessionId);
    expect((await other.exists(p))?.ephemeralOwner).toBe(sessionId);
  });

  it("after a lost connection, the first round of failed hosts pauses retryDelay / 16, not retryDelay", async () => {
    const px = await proxy();
    // random() = 0: every pause is the lower end of its range (first round: 16000 / 16 / 2 = 500 ms; retryDelay's: 8000)
    const c = await connect(px.connectString, { sessionTimeout: 4000, retryDelay: 16_000, random: () => 0 });
    const states = track(c);
    const failed = once(c, "connectFailed");
    px.down();
    await failed;
    px.restore();
    const restoredAt = performance.now();
    await waitFor(() => states.at(-1) === "connected", 6_000, "reconnected before retryDelay's pause would end");
    expect(performance.now() - restoredAt).toBeLessThan(6_000);
  });

  it("reports each failed connection attempt (connectFailed) and keeps trying", async () => {
    // A port nothing listens on: bound, then closed again.
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    const port = (holder.address() as AddressInfo).port;
    await new Promise<void>((r) => holder.close(() => r()));
    const dead = createClient(`127.0.0.1:${port}`, { sessionTimeout: 4000, retryDelay: 50 });
    cleanup.push(() => dead.close());
    const failures: { port: number; error: string | undefined }[] = [];
    dead.on("connectFailed", (h, e) => failures.push({ port: h.port, error: (e as NodeJS.ErrnoException | undefined)?.code }));
    dead.connect().catch(() => undefined);
    await waitFor(() => failures.length >= 2, 10_000, "two failed attempts");
    expect(failures[0]).toEqual({ port, error: "ECONNREFUSED" });
    expect(dead.state).toBe("connecting");
    // A host that accepts the connection but never answers the handshake: reported too, without a socket error.
    const b = await proxy();
    b.mode = "blackhole";
    const silent = createClient(b.connectString, { sessionTimeout: 4000, connectTimeout: 200 });
    cleanup.push(() => silent.close());
    const silentFailure = once(silent, "connectFailed");
    silent.connect().catch(() => undefined);
    const [host, error] = (await silentFailure) as [{ port: number }, Error | undefined];
    expect(host.port).toBe(b.port);
    expect(error).toBeUndefined();
  });

  it("gives up on a silent host after the per-host connect timeout", async () => {
    const a = await proxy();
    const b = await proxy();
    a.mode = "blackhole";
    const c = createClient(`${a.connectString},${b.connectString}`, { sessionTimeout: 4000, connectTimeout: 300, random: () => 0.99 });
    track(c);
    await c.connect({ timeout: 10_000 });
    expect(c.connectedHost?.port).toBe(b.port);
    expect(a.accepted).toBe(1);
  });

  it("detects a silent connection with the read timeout and reconnects", async () => {
    const px = await proxy();
    const c = await connect(px.connectString, { sessionTimeout: 1200, retryDelay: 50 });
    const states = track(c);
    const id = c.sessionId;
    // The network heals as soon as the client gives up on the silent connection (read timeout = 2/3 of the
    // session timeout, so a third is left to reconnect before the server expires the session).
    c.on("disconnected", () => (px.stalled = false));
    px.stalled = true;
    await waitFor(() => states.includes("disconnected"), 5000, "read timeout");
    await waitFor(() => states.at(-1) === "connected", 5000, "reconnect");
    expect(states).toEqual(["disconnected", "connected"]);
    expect(px.accepted).toBe(2);
    expect(c.sessionId).toBe(id);
  });

  it("pings keep an idle session alive", async () => {
    const c = await connect(server().connectString, { sessionTimeout: 600 });
    const states = track(c);
    expect(c.negotiatedTimeout).toBe(600);
    const p = uniq("ping");
    await c.create(p, null, { mode: "ephemeral" });
    await sleep(2500);
    expect(states).toEqual([]);
    expect(await other.exists(p)).not.toBeNull();
  });

  it("close ends the session: ephemerals go, queued calls and later calls fail with ClientClosedError", async () => {
    const px = await proxy();
    const c = await connect(px.connectString, { sessionTimeout: 4000 });
    const states = track(c);
    const p = uniq("close");
    await c.create(p, null, { mode: "ephemeral" });
    const inflight = c.getData(p);
    await c.close();
    expect((await inflight).stat.ephemeralOwner).toBe(c.sessionId);
    expect(states).toEqual(["closed"]);
    expect(await other.exists(p)).toBeNull();
    const e = await c.getData(p).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClientClosedError);
    expect((e as Error).message).toMatch(/closed/);

    // A client closed while disconnected rejects what it had queued.
    const c2 = await connect(px.connectString, { sessionTimeout: 4000, retryDelay: 50 });
    const st2 = track(c2);
    px.down();
    await waitFor(() => st2.includes("disconnected"));
    const queued = c2.getData("/").catch((x: unknown) => x);
    await c2.close();
    expect(await queued).toBeInstanceOf(ClientClosedError);
  });

  it("per-call timeout and AbortSignal; a call queued while disconnected runs after the reconnect", async () => {
    const px = await proxy();
    const c = await connect(px.connectString, { sessionTimeout: 4000, retryDelay: 50 });
    const states = track(c);
    px.down();
    await waitFor(() => states.includes("disconnected"));
    const t = await c.getData("/", { timeout: 100 }).catch((x: unknown) => x);
    expect(t).toBeInstanceOf(RequestTimeoutError);
    const ac = new AbortController();
    const aborted = c.getData("/", { signal: ac.signal }).catch((x: unknown) => x);
    ac.abort();
    expect((await aborted as Error).name).toBe("AbortError");
    await expect(c.exists("/", { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
    const later = c.exists("/zookeeper");
    expect(c.outstanding).toBe(1);
    px.restore();
    expect(await later).not.toBeNull();
    expect(c.outstanding).toBe(0);
  });

  it("bounds the outstanding queue: callers wait for a slot", async () => {
    const c = await connect(server().connectString, { sessionTimeout: 4000, maxOutstanding: 3 });
    track(c);
    const all = Array.from({ length: 50 }, () => c.exists("/zookeeper"));
    expect(c.outstanding).toBe(3);
    let max = 0;
    const probe = setInterval(() => (max = Math.max(max, c.outstanding)), 0);
    await Promise.all(all);
    clearInterval(probe);
    expect(max).toBeLessThanOrEqual(3);
    expect(c.outstanding).toBe(0);
  });

  it("a rejected auth ends the session with authFailed", async () => {
    const c = await connect(server().connectString, { sessionTimeout: 4000 });
    const states = track(c);
    const e = await c.addAuth("no-such-scheme", "x").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthFailedError);
    expect(states).toEqual(["authFailed"]);
    await expect(c.getData("/")).rejects.toBeInstanceOf(AuthFailedError);
  });

  it("connect() rejects after its timeout when no host answers", async () => {
    const px = await proxy();
    px.down();
    const c = createClient(px.connectString, { sessionTimeout: 4000, retryDelay: 50 });
    track(c);
    await expect(c.connect({ timeout: 300 })).rejects.toThrow(/not connected/);
    const closed = once(c, "closed");
    await c.close();
    await closed;
  });
});
