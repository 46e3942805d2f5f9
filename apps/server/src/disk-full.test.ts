/**
 * The real zkts-server process on a real full disk: a small tmpfs holds dataDir and dataLogDir; pipelined writers
 * fill it within seconds. While it is full every write is answered with an error (SYSTEMERROR), never an OK for
 * something not logged; growing the tmpfs makes writes succeed again without a restart; kill -9 (once while the
 * disk is still full) and restart on the same directory: every acknowledged write is there with its data and
 * version, nothing answered with an error appears, and the snapshot + log restore works from a dir that was full.
 * Needs root (mount -t tmpfs); skipped otherwise.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seededRandom } from "@zkts/contracts/testing";
import { Client } from "./test-client.js";
import { checkModel, kill9, startModelOp, startServer, type PathModel, type Proc } from "./crash-helpers.js";

const SYSTEMERROR = -1;
const MB = 1024 * 1024;
const FULL_KILLS = 8;

/** Why this machine cannot run the test (undefined: it can): it needs Linux, root and a mountable tmpfs. */
function cannotMountTmpfs(): string | undefined {
  if (process.platform !== "linux") return `needs Linux tmpfs (platform ${process.platform})`;
  if (process.getuid?.() !== 0) return "needs root to mount a tmpfs";
  const d = mkdtempSync(join(tmpdir(), "zkts-tmpfs-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", d], { stdio: "pipe" });
    execFileSync("umount", [d], { stdio: "pipe" });
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

const skipReason = cannotMountTmpfs();
if (skipReason) console.warn(`disk-full.test.ts skipped: ${skipReason}`);

const waitFor = async (what: string, cond: () => boolean, timeoutMs: number, each?: () => void): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    each?.();
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe.skipIf(skipReason !== undefined)(`zkts-server process on a full disk (tmpfs)${skipReason ? ` — skipped: ${skipReason}` : ""}`, () => {
  const base = mkdtempSync(join(tmpdir(), "zkts-diskfull-"));
  const mnt = join(base, "mnt");
  const procs = new Set<Proc>();
  let mounted = false;
  afterAll(async () => {
    for (const p of procs) {
      p.child.kill("SIGKILL");
      await p.exited;
    }
    if (mounted) {
      try {
        execFileSync("umount", [mnt], { stdio: "pipe" });
      } catch {
        execFileSync("umount", ["-l", mnt], { stdio: "pipe" });
      }
    }
    rmSync(base, { recursive: true, force: true });
  });

  it("errors (never an OK) while full, recovers when it grows, kill -9 full or not: acknowledged writes survive", async () => {
    const random = seededRandom(20240917);
    const rnd = () => random.next();
    let sizeMb = 4;
    mkdirSync(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m`, "tmpfs", mnt], { stdio: "pipe" });
    mounted = true;
    const grow = (mb: number) => {
      sizeMb += mb;
      execFileSync("mount", ["-o", `remount,size=${sizeMb}m`, mnt], { stdio: "pipe" });
    };
    const free = () => {
      const s = statfsSync(mnt);
      return s.bavail * s.bsize;
    };
    // zoo.cfg lives outside the tmpfs
    const cfg = join(base, "zoo.cfg");
    const conf = {
      tickTime: "2000",
      dataDir: join(mnt, "data"),
      dataLogDir: join(mnt, "log"),
      clientPort: "0",
      clientPortAddress: "127.0.0.1",
      preAllocSize: "64",
      snapCount: "200",
      forceSync: "yes",
      "admin.enableServer": "false",
    };
    writeFileSync(cfg, Object.entries(conf).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");

    const WRITERS = 4;
    const PATHS_PER_WRITER = 16;
    const model = new Map<string, PathModel>();
    for (let w = 0; w < WRITERS; w++) for (let i = 0; i < PATHS_PER_WRITER; i++) model.set(`/f${w}-${i}`, { acked: null, inflight: undefined, busy: false });
    const stats = { acks: 0, systemErrors: 0, closures: 0, otherErrors: new Map<number, number>(), refusedStarts: 0, restarts: 0 };
    let counter = 0;
    const value = () => `v${++counter}:` + "abcdefghijklmnopqrstuvwxyz"[counter % 26]!.repeat(512 + Math.floor(rnd() * 6000));

    /** Restarts on the same dir; a refusal to start is accepted only because the disk is full (then it grows). */
    const restart = async (label: string): Promise<{ p: Proc; checker: Client }> => {
      for (let attempt = 0; ; attempt++) {
        const r = await startServer(cfg);
        if ("failed" in r) {
          expect(r.code, `${label}: ${r.output}`).toBe(1);
          expect(r.output, label).toMatch(/ENOSPC|no space left/i);
          expect(attempt, `${label}: still refused after growing`).toBeLessThan(3);
          stats.refusedStarts++;
          grow(4);
          continue;
        }
        procs.add(r);
        stats.restarts++;
        try {
          const { c } = await Client.connect(r.port);
          expect(r.output(), label).toMatch(/"data restored"/);
          return { p: r, checker: c };
        } catch (e) {
          // no room for the checker's createSession txn: the connection is closed; grow and start again
          expect(free(), `${label}: connect failed (${String(e)}) with free space`).toBeLessThan(1 * MB);
          await kill9(r);
          procs.delete(r);
          grow(4);
        }
      }
    };

    /** Pipelined writers (one op in flight per path); each reply is recorded. */
    const startWriters = async (port: number) => {
      const clients = await Promise.all(Array.from({ length: WRITERS }, () => Client.connect(port).then((r) => r.c)));
      let stop = false;
      const loops = clients.map(async (c, w) => {
        const one = async (path: string) => {
          while (!stop && !c.closed) {
            const m = model.get(path)!;
            const op = startModelOp(c, path, m, rnd, value, 0.15);
            let res: { err: number };
            try {
              res = await op;
            } catch {
              stats.closures++;
              c.close();
              return; // connection gone: the op stays in flight (it may or may not have been logged)
            }
            if (res.err === 0) {
              m.acked = m.inflight!;
              stats.acks++;
            } else {
              // answered with an error: must never appear, so the path stays at its acknowledged state
              if (res.err === SYSTEMERROR) stats.systemErrors++;
              else stats.otherErrors.set(res.err, (stats.otherErrors.get(res.err) ?? 0) + 1);
            }
            m.inflight = undefined;
            m.busy = false;
            if (res.err !== 0) await new Promise((r) => setTimeout(r, 2)); // do not spin on a full disk
          }
        };
        await Promise.all(Array.from({ length: PATHS_PER_WRITER }, (_, i) => one(`/f${w}-${i}`)));
      });
      return async () => {
        stop = true;
        for (const c of clients) c.close();
        await Promise.all(loops);
      };
    };

    const killAndStop = async (p: Proc, stopWriters: () => Promise<void>) => {
      await kill9(p);
      procs.delete(p);
      await stopWriters();
    };

    const t0 = Date.now();
    const timings: string[] = [];
    const mark = (what: string) => timings.push(`${what} ${Date.now() - t0}ms`);

    // ---- round 1: fill the disk, errors only; grow it: writes succeed again without a restart; kill -9 ----
    let { p, checker } = await restart("start");
    await checkModel(checker, model, "start");
    checker.close();
    let stopWriters = await startWriters(p.port);
    let minFree = Infinity;
    const track = () => (minFree = Math.min(minFree, free()));
    await waitFor("the disk to fill (100 SYSTEMERROR replies)", () => stats.systemErrors >= 100, 30_000, track);
    mark("full");
    expect(p.output()).toMatch(/txn log write failed.*ENOSPC/);
    expect(stats.acks).toBeGreaterThan(100);
    // still full a while later: writes keep failing with errors, the server keeps answering
    const errorsAtFull = stats.systemErrors;
    await waitFor("more errors while full", () => stats.systemErrors >= errorsAtFull + 300, 20_000, track);
    expect(minFree).toBeLessThan(64 * 1024);
    const acksBeforeGrow = stats.acks;
    grow(8);
    await waitFor("writes to succeed again after growing", () => stats.acks >= acksBeforeGrow + 300, 20_000);
    mark("recovered");
    expect(p.child.exitCode).toBe(null); // no restart
    await new Promise((r) => setTimeout(r, Math.floor(rnd() * 200))); // a seeded kill moment
    await killAndStop(p, stopWriters);

    // ---- rounds 2..: restore from a dir that was full; fill it again; kill -9 while it is still full; restart
    //      on the full disk (it may refuse to start: then it is grown by 4 MB, as an operator would) ----
    for (let round = 2; round <= FULL_KILLS + 1; round++) {
      ({ p, checker } = await restart(`round ${round}`));
      await checkModel(checker, model, `round ${round}`);
      checker.close();
      expect(p.output()).toMatch(/"restored snapshot"/);
      stopWriters = await startWriters(p.port);
      const errorsBefore = stats.systemErrors;
      await waitFor(`the disk to fill again (round ${round})`, () => stats.systemErrors >= errorsBefore + 100, 30_000);
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 100))); // a seeded kill moment, while full
      expect(free()).toBeLessThan(1 * MB);
      await killAndStop(p, stopWriters);
    }
    mark("full kills");

    // ---- round 3: restart on the full disk (it may refuse: then grow), check, write, kill -9 ----
    ({ p, checker } = await restart("last (full disk)"));
    await checkModel(checker, model, "last");
    checker.close();
    grow(16);
    stopWriters = await startWriters(p.port);
    const acks3 = stats.acks;
    await waitFor("writes after the full-disk restart", () => stats.acks >= acks3 + 200, 20_000);
    await new Promise((r) => setTimeout(r, Math.floor(rnd() * 200)));
    await killAndStop(p, stopWriters);

    // ---- final restore ----
    ({ p, checker } = await restart("final"));
    await checkModel(checker, model, "final");
    checker.close();
    expect(p.output()).toMatch(/"restored snapshot"/);
    await kill9(p);
    procs.delete(p);
    mark("done");
    expect([...stats.otherErrors], "only SYSTEMERROR for writes that could not be logged").toEqual([]);
    const files = readdirSync(join(mnt, "log", "version-2")).length + readdirSync(join(mnt, "data", "version-2")).length;
    console.log(
      `disk-full: ${stats.acks} acks, ${stats.systemErrors} SYSTEMERROR, ${stats.closures} closures, ` +
        `${stats.refusedStarts} refused starts, ${stats.restarts} starts, ${files} files, ${sizeMb} MB; ${timings.join(", ")}`,
    );
  }, 110_000);
});
