/**
 * Durability through the real core and connection layer, on a MemoryStorage that simulates power loss (only
 * fdatasync'ed bytes and fsynced directory entries survive, with torn tails) and disk faults (ENOSPC, EIO).
 */
import { PassThrough } from "node:stream";
import { seededRandom } from "@zkts/contracts/testing";
import { MemoryStorage } from "@zkts/persistence/testing";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { runStandalone, type RunningZkts } from "./run.js";
import { Client } from "./test-client.js";

const SYSTEMERROR = -1;
const NONODE = -101;

const quietLogger = () => createLogger({ level: "error", stream: new PassThrough() });

async function start(storage: MemoryStorage, extra = ""): Promise<RunningZkts> {
  const cfg = parseConfig(`dataDir=/data\ndataLogDir=/logs\nclientPort=0\npreAllocSize=16\n4lw.commands.whitelist=*\n${extra}`);
  return runStandalone(cfg, { logger: quietLogger(), storage, random: seededRandom(7) });
}

/** Simulated power loss: the storage keeps only what was made durable; the old server is torn down. */
async function powerLoss(server: RunningZkts, storage: MemoryStorage, seed: number): Promise<void> {
  storage.crash({ torn: seededRandom(seed) });
  await server.net.close();
}

describe("durability through the real core (MemoryStorage)", () => {
  it("acknowledged writes, sessions and passwords survive power losses; snapshots + log replay restore them", async () => {
    const storage = new MemoryStorage();
    let server = await start(storage, "snapCount=20\n");
    const expected = new Map<string, { data: string; version: number } | null>();
    // by every server of the run: a restart whose newest snapshot covers every txn writes none at start-up
    let snapshotsWritten = 0;
    let { c, resp } = await Client.connect(server.port);
    const session = { id: resp.sessionId, passwd: Buffer.from(resp.passwd!) };
    expect((await c.create("/eph", "e", 1)).err).toBe(0);
    expected.set("/eph", { data: "e", version: 0 });
    for (let round = 0; round < 3; round++) {
      // pipelined writes: every acknowledgement is recorded
      const ops: Array<Promise<void>> = [];
      for (let i = 0; i < 40; i++) {
        const p = `/n${round}-${i}`;
        ops.push(c.create(p, `v${i}`).then((r) => (r.err === 0 ? void expected.set(p, { data: `v${i}`, version: 0 }) : undefined)));
        if (i % 3 === 0) ops.push(c.setData(p, `w${i}`).then((r) => (r.err === 0 ? void expected.set(p, { data: `w${i}`, version: 1 }) : undefined)));
        if (i % 5 === 0) ops.push(c.delete(p).then((r) => (r.err === 0 ? void expected.set(p, null) : undefined)));
      }
      await Promise.all(ops);
      await server.store.idle();
      snapshotsWritten += server.store.stats.snapshots;
      await powerLoss(server, storage, round);
      c.close();
      server = await start(storage, "snapCount=20\n");
      // replayed over fuzzy snapshots: txn digests are compared only past each snapshot's ZxidDigest, all matching
      expect(server.store.restored.digests.mismatched).toBe(0);
      // the session was restored: its client reconnects with the same password and its ephemeral is there
      ({ c, resp } = await Client.connect(server.port, session.id, session.passwd));
      expect(resp.sessionId).toBe(session.id);
      expect(resp.timeOut).toBe(30000);
      for (const [p, v] of expected) {
        const g = await c.get(p);
        if (v === null) expect(g.err, p).toBe(NONODE);
        else expect({ p, ...g }).toEqual({ p, err: 0, ...v });
      }
    }
    const snaps = (await storage.list("/data/version-2")).filter((n) => n.startsWith("snapshot."));
    expect(snaps.length).toBeGreaterThan(3);
    // snapCount=20: several due each round (dues while one is written collapse into the next)
    expect(snapshotsWritten).toBeGreaterThanOrEqual(3);
    c.close();
    await server.shutdown(100);
  });

  it("zkts's log carries each txn's TxnDigest: a restart replays the log and every digest matches the tree", async () => {
    const storage = new MemoryStorage();
    // no periodic snapshot: the replay starts at the empty tree's snapshot, so every logged txn is compared
    let server = await start(storage, "snapCount=1000000\n");
    const { c } = await Client.connect(server.port);
    const ops: Array<Promise<unknown>> = [c.create("/eph", "e", 1), c.create("/p", "p")];
    for (let i = 0; i < 20; i++) {
      ops.push(c.create(`/p/n${i}`, `v${i}`), c.create("/p/s-", "s", 2));
      if (i % 2 === 0) ops.push(c.setData(`/p/n${i}`, `w${i}`));
      if (i % 4 === 0) ops.push(c.delete(`/p/n${i}`));
    }
    ops.push(c.create("/p", "again")); // NODEEXISTS: an error txn, logged without a digest
    await Promise.all(ops);
    await server.store.idle();
    await powerLoss(server, storage, 1);
    c.close();
    server = await start(storage, "snapCount=1000000\n");
    const r = server.store.restored;
    expect(r.replayed).toBe(1 + 2 + 20 * 2 + 10 + 5 + 1); // createSession, the writes, the error txn
    // the snapshot's ZxidDigest, then every txn but the error txn
    expect(r.digests).toEqual({ checked: 1 + r.replayed - 1, mismatched: 0 });
    await server.shutdown(100);
  });

  it("ENOSPC/EIO while logging: no write is acknowledged (SYSTEMERROR), none appears later, and it recovers", async () => {
    const storage = new MemoryStorage();
    let server = await start(storage);
    let { c } = await Client.connect(server.port);
    expect((await c.create("/before", "1")).err).toBe(0);
    storage.inject({ op: "datasync", code: "EIO", path: "/logs/" });
    const failed = await Promise.all([c.create("/lost", "x"), c.setData("/before", "2"), c.create("/lost/child", "y")]);
    expect(failed.map((r) => r.err)).toEqual([SYSTEMERROR, SYSTEMERROR, SYSTEMERROR]);
    expect(await c.get("/lost")).toEqual({ err: NONODE });
    expect(await c.get("/before")).toEqual({ err: 0, data: "1", version: 0 });
    storage.clearFaults();
    storage.inject({ op: "write", code: "ENOSPC", path: "/logs/" });
    expect((await c.create("/lost2", "x")).err).toBe(SYSTEMERROR);
    storage.clearFaults();
    // the disk is back
    expect((await c.create("/after", "3")).err).toBe(0);
    expect((await c.setData("/before", "4")).err).toBe(0);
    expect(server.store.stats.failedAppends).toBe(4);
    await powerLoss(server, storage, 99);
    c.close();
    server = await start(storage);
    ({ c } = await Client.connect(server.port));
    expect(await c.get("/before")).toEqual({ err: 0, data: "4", version: 1 });
    expect(await c.get("/after")).toEqual({ err: 0, data: "3", version: 0 });
    expect(await c.get("/lost")).toEqual({ err: NONODE });
    expect(await c.get("/lost2")).toEqual({ err: NONODE });
    c.close();
    await server.shutdown(100);
  });
});
