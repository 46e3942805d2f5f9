/**
 * Crash tests against the real zkts-server process: kill -9 at seeded random moments while clients write
 * (creates, sets, deletes, multi) and check after each restart that every acknowledged write is there with the
 * right data and version, and that nothing impossible appears. Then damaged files: torn tail, zero tail, a
 * flipped bit in the newest snapshot (falls back and replays), a flipped bit mid-log (refuses, names the file).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seededRandom } from "@zkts/contracts/testing";
import { Client } from "./test-client.js";
import { NODEEXISTS, NONODE, checkModel, kill9, mustStart, startModelOp, startServer, type PathModel } from "./crash-helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function newDataDir(extra: Record<string, string> = {}): { dir: string; cfg: string } {
  const dir = mkdtempSync(join(tmpdir(), "zkts-crash-"));
  dirs.push(dir);
  const cfg = join(dir, "zoo.cfg");
  const lines = { tickTime: "2000", dataDir: join(dir, "data"), dataLogDir: join(dir, "log"), clientPort: "0", clientPortAddress: "127.0.0.1", preAllocSize: "256", "admin.enableServer": "false", ...extra };
  writeFileSync(cfg, Object.entries(lines).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  return { dir, cfg };
}

describe("zkts-server process: kill -9 while writing", () => {
  it("20 kills at seeded moments: every acknowledged write survives, nothing impossible appears", async () => {
    const random = seededRandom(20240601);
    const rnd = () => random.next();
    const { cfg } = newDataDir({ snapCount: "400" });
    const model = new Map<string, PathModel>();
    const WRITERS = 4;
    const PATHS_PER_WRITER = 24;
    for (let w = 0; w < WRITERS; w++) for (let i = 0; i < PATHS_PER_WRITER; i++) model.set(`/w${w}-${i}`, { acked: null, inflight: undefined, busy: false });
    let acks = 0;
    let counter = 0;

    for (let round = 0; round < 20; round++) {
      const p = await mustStart(cfg);
      const { c: checker } = await Client.connect(p.port);
      await checkModel(checker, model, `round ${round}`);
      checker.close();

      // writers: one op in flight per path, many paths pipelined per connection
      const clients = await Promise.all(Array.from({ length: WRITERS }, () => Client.connect(p.port).then((r) => r.c)));
      let stop = false;
      const loops = clients.map(async (c, w) => {
        const paths = Array.from({ length: PATHS_PER_WRITER }, (_, i) => `/w${w}-${i}`);
        const one = async (path: string) => {
          while (!stop && !c.closed) {
            const m = model.get(path)!;
            const op = startModelOp(c, path, m, rnd, () => `v${++counter}`, 0.2);
            let res: { err: number };
            try {
              res = await op;
            } catch {
              return; // connection gone: the op stays in flight
            }
            expect(res.err, `${path}`).toBe(0);
            m.acked = m.inflight!;
            m.inflight = undefined;
            m.busy = false;
            acks++;
          }
        };
        await Promise.all(paths.map(one));
      });
      // kill at a seeded moment
      await new Promise((r) => setTimeout(r, 150 + Math.floor(rnd() * 600)));
      await kill9(p);
      stop = true;
      for (const c of clients) c.close();
      await Promise.all(loops);
    }
    expect(acks).toBeGreaterThan(1000);
  }, 150_000);
});

function versionDir(dir: string, sub: "data" | "log"): string {
  return join(dir, sub, "version-2");
}
function newest(dir: string, prefix: string): string {
  const names = readdirSync(dir).filter((n) => n.startsWith(prefix + "."));
  names.sort((a, b) => (BigInt("0x" + a.split(".")[1]) < BigInt("0x" + b.split(".")[1]) ? -1 : 1));
  return join(dir, names[names.length - 1]!);
}

/** Writes n nodes through a server and stops it with kill -9 (acknowledged, so durable). */
async function populate(cfg: string, n: number, prefix = "/k"): Promise<void> {
  const p = await mustStart(cfg);
  const { c } = await Client.connect(p.port);
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => c.create(`${prefix}${i}`, `d${i}`)));
  expect(rs.every((r) => r.err === 0 || r.err === NODEEXISTS)).toBe(true);
  c.close();
  await kill9(p);
}

async function countPresent(cfg: string, n: number, prefix = "/k"): Promise<number> {
  const p = await mustStart(cfg);
  const { c } = await Client.connect(p.port);
  let present = 0;
  for (let i = 0; i < n; i++) {
    const g = await c.get(`${prefix}${i}`);
    if (g.err === 0) {
      expect(g.data).toBe(`d${i}`);
      present++;
    }
  }
  c.close();
  await kill9(p);
  return present;
}

describe("zkts-server process: damaged files", () => {
  it("a torn tail is truncated and logged; a zero tail is the normal end", async () => {
    const { dir, cfg } = newDataDir();
    await populate(cfg, 50);
    const log = newest(versionDir(dir, "log"), "log");
    // find the end of the entries: the first zero 12-byte entry header after the file header
    const buf = readFileSync(log);
    let off = 16;
    while (off + 12 <= buf.length && buf.readInt32BE(off + 8) !== 0) off += 12 + buf.readInt32BE(off + 8) + 1;
    // tear the last entry: drop its 'B' and the zero padding behind it
    const fd = openSync(log, "r+");
    ftruncateSync(fd, off - 1);
    closeSync(fd);
    const p = await mustStart(cfg);
    expect(p.output()).toMatch(/torn/);
    const { c } = await Client.connect(p.port);
    expect((await c.get("/k48")).err).toBe(0);
    expect((await c.get("/k49")).err).toBe(NONODE);
    expect((await c.create("/after", "x")).err).toBe(0);
    c.close();
    await kill9(p);
    expect(await countPresent(cfg, 50)).toBe(49);
  }, 60_000);

  it("a flipped bit in the newest snapshot: falls back to the older one and replays the log", async () => {
    const { dir, cfg } = newDataDir({ snapCount: "20" });
    await populate(cfg, 60);
    await populate(cfg, 1, "/extra"); // restart: a snapshot at start-up covers the replayed log
    const snap = newest(versionDir(dir, "data"), "snapshot");
    const b = readFileSync(snap);
    b[Math.floor(b.length / 2)]! ^= 0x10;
    writeFileSync(snap, b);
    const p = await mustStart(cfg);
    expect(p.output()).toMatch(/snapshot failed verification/);
    await kill9(p);
    expect(await countPresent(cfg, 60)).toBe(60);
    expect(await countPresent(cfg, 1, "/extra")).toBe(1);
  }, 60_000);

  it("a flipped bit mid-log: refuses to start naming file and offset, unless --accept-data-loss", async () => {
    const { dir, cfg } = newDataDir();
    await populate(cfg, 40);
    const log = newest(versionDir(dir, "log"), "log");
    const b = readFileSync(log);
    // damage the payload of the 10th entry
    let off = 16;
    for (let i = 0; i < 10; i++) off += 12 + b.readInt32BE(off + 8) + 1;
    const target = off + 12 + 20;
    const fd = openSync(log, "r+");
    writeSync(fd, Buffer.from([b[target]! ^ 0x01]), 0, 1, target);
    closeSync(fd);
    const size = statSync(log).size;
    const r = await startServer(cfg);
    expect("failed" in r).toBe(true);
    const out = (r as { output: string }).output;
    expect(out).toContain(`${log} is corrupt at offset ${off}`);
    expect(out).toContain("--accept-data-loss");
    expect(statSync(log).size).toBe(size); // nothing was truncated
    const p = await startServer(cfg, ["--accept-data-loss"]);
    if ("failed" in p) throw new Error(p.output);
    expect(p.output()).toMatch(/discarding/);
    await kill9(p);
    // entries 0..9 of this file hold createSession + /k0../k8
    expect(await countPresent(cfg, 40)).toBe(9);
  }, 60_000);
});
