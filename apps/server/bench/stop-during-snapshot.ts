/**
 * Stop (SIGTERM to exit) while a snapshot is being written (issue 18), then a restart on the same data dir.
 *
 * Copies <dataDir> (a loaded data dir whose log has txns after its newest snapshot: the server then writes a start-up
 * snapshot after the restore, in the background, with the same writer as its periodic ones) to <runDir>, starts
 * zkts-server from <dist>/main.js on it, waits until that snapshot is under way (a tmp.snapshot.* file of at least
 * 16 MB), sends SIGTERM and times the exit. Then starts the server again on <runDir> and prints the zxid and znode
 * count it serves (srvr / mntr), to compare with a restart after a completed snapshot.
 *
 * Run: npx tsx apps/server/bench/stop-during-snapshot.ts <dist dir> <loaded data dir> <run dir> <label>
 * (a loaded data dir: zkts-server on a fresh dataDir, `pnpm zkts-bench -k 1m --keep ...`, then kill -9)
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { openSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { loadavg } from "node:os";
import { join } from "node:path";

const [dist, loaded, runDir, label] = process.argv.slice(2) as [string, string, string, string];
if (!dist || !loaded || !runDir || !label) throw new Error("usage: stop-during-snapshot.ts <dist dir> <loaded data dir> <run dir> <label>");
const v2 = join(runDir, "version-2");

const freePort = () =>
  new Promise<number>((r) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });

const fourLetter = (port: number, cmd: string) =>
  new Promise<string>((r) => {
    let out = "";
    const s = net.connect(port, "127.0.0.1", () => s.end(cmd));
    s.on("data", (d) => (out += String(d)));
    s.on("close", () => r(out));
    s.on("error", () => r(""));
    s.setTimeout(2000, () => s.destroy());
  });

async function start(what: string): Promise<{ child: ChildProcess; port: number; spawnedAt: number }> {
  const port = await freePort();
  const cfg = join(runDir, "..", `${label}-${what}.cfg`);
  writeFileSync(
    cfg,
    `tickTime=2000\ndataDir=${runDir}\nclientPort=${port}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\nforceSync=yes\n` +
      "admin.enableServer=false\n4lw.commands.whitelist=*\n",
  );
  const fd = openSync(join(runDir, "..", `${label}-${what}.log`), "w");
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ["--max-old-space-size=4096", join(dist, "main.js"), "--log-level", "info", cfg], { stdio: ["ignore", fd, fd] });
  return { child, port, spawnedAt };
}

const exitOf = (child: ChildProcess) => new Promise<number>((r) => child.once("exit", () => r(performance.now())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

rmSync(runDir, { recursive: true, force: true });
execFileSync("cp", ["-a", loaded, runDir]);
const load = loadavg().map((x) => x.toFixed(2)).join(" ");

// 1. SIGTERM during the start-up snapshot
const first = await start("stop");
const firstExit = exitOf(first.child);
let tmp: string | undefined;
let bytes = 0;
for (;;) {
  if (first.child.exitCode !== null) throw new Error("the server exited before a snapshot was under way");
  tmp = readdirSync(v2).find((f) => f.startsWith("tmp.snapshot."));
  bytes = tmp === undefined ? 0 : (statSync(join(v2, tmp), { throwIfNoEntry: false })?.size ?? 0);
  if (bytes >= 16 << 20) break;
  if (performance.now() - first.spawnedAt > 300_000) throw new Error("no snapshot under way within 300 s");
  await sleep(20);
}
const sentAt = performance.now();
first.child.kill("SIGTERM");
const exitedAt = await firstExit;
const left = readdirSync(v2).filter((f) => f.includes("snapshot")).sort();

// 2. restart on the same data dir: what it serves
const second = await start("restart");
const secondExit = exitOf(second.child);
let srvr = "";
for (let i = 0; i < 3000 && !srvr.includes("Zxid"); i++) {
  await sleep(100);
  srvr = await fourLetter(second.port, "srvr");
}
const mntr = await fourLetter(second.port, "mntr");
second.child.kill("SIGTERM");
await secondExit;

console.log(
  JSON.stringify({
    label,
    loadAverageBefore: load,
    snapshotUnderWay: tmp,
    bytesWrittenAtSigterm: bytes,
    sigtermSecondsAfterSpawn: +((sentAt - first.spawnedAt) / 1000).toFixed(2),
    stopSeconds: +((exitedAt - sentAt) / 1000).toFixed(3),
    snapshotFilesAfterStop: left.map((f) => `${f} (${statSync(join(v2, f)).size} B)`),
    restartServes: { zxid: /Zxid: (\S+)/.exec(srvr)?.[1], znodes: Number(/zk_znode_count\s+(\d+)/.exec(mntr)?.[1]) },
  }),
);
