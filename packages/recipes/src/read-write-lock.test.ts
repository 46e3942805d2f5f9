import { afterEach, expect, it } from "vitest";
import { InterProcessReadWriteLock } from "./index.js";
import { Clients, describeServers, sleep, uniq, waitFor } from "./testing/servers.js";

const node = (kind: string) => new RegExp(`^_c_[0-9a-f-]{36}-${kind}\\d{10}$`);

describeServers("InterProcessReadWriteLock", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("readers share, a writer excludes; nodes are _c_<uuid>-__READ__<seq> / __WRIT__<seq>; a reader behind a writer waits", async () => {
    const path = uniq("rw");
    const [a, b, c] = [await clients.connect(), await clients.connect(), await clients.connect()];
    const la = new InterProcessReadWriteLock(a, path);
    const lb = new InterProcessReadWriteLock(b, path);
    const lc = new InterProcessReadWriteLock(c, path);
    await la.readLock.acquire();
    expect(await lb.readLock.acquire({ timeout: 2000 })).toBe(true);
    const names = await a.getChildren(path);
    expect(names.every((n) => node("__READ__").test(n))).toBe(true);
    expect(await lc.writeLock.acquire({ timeout: 300 })).toBe(false);
    const writing = lc.writeLock.acquire();
    await waitFor(async () => (await a.getChildren(path)).some((n) => node("__WRIT__").test(n)), 5000, "writer queued");
    // A new reader queues behind the waiting writer (no writer starvation).
    const lateReader = new InterProcessReadWriteLock(await clients.connect(), path);
    const reading = lateReader.readLock.acquire();
    await sleep(200);
    expect(lc.writeLock.isAcquiredInThisProcess).toBe(false);
    expect(lateReader.readLock.isAcquiredInThisProcess).toBe(false);
    expect((await la.writeLock.participantNodes()).length).toBe(1);
    expect((await la.readLock.participantNodes()).length).toBe(3);
    await la.readLock.release();
    await lb.readLock.release();
    expect(await writing).toBe(true);
    await sleep(100);
    expect(lateReader.readLock.isAcquiredInThisProcess).toBe(false);
    await lc.writeLock.release();
    expect(await reading).toBe(true);
    await lateReader.readLock.release();
  });

  it("the writer may take the read lock and downgrade; a reader cannot upgrade", async () => {
    const path = uniq("downgrade");
    const l = new InterProcessReadWriteLock(await clients.connect(), path);
    const other = new InterProcessReadWriteLock(await clients.connect(), path);
    await l.writeLock.acquire();
    expect(await l.readLock.acquire({ timeout: 1000 })).toBe(true);
    expect(await other.readLock.acquire({ timeout: 200 })).toBe(false);
    await l.writeLock.release(); // downgraded: now a reader
    expect(await other.readLock.acquire({ timeout: 2000 })).toBe(true);
    expect(await l.writeLock.acquire({ timeout: 300 })).toBe(false);
    await other.readLock.release();
    await l.readLock.release();
  });
});
