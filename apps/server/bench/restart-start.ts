/**
 * A restart of zkts-server on a data dir, timed from the spawn to its "zkts-server started" log line (it serves
 * from then on): wall time, CPU of the process (all threads) and of its main thread, and when the snapshot load and
 * the log replay ended. The server is the given checkout's (its bin: dist when fresh), on a fresh copy of the data
 * dir (removed after), killed once started. Pass two checkouts in turn for an A/B on the same files.
 *
 * Run: npx tsx apps/server/bench/restart-start.ts <checkout> <dataDir> [label] [key=value,...]   (extra zoo.cfg lines)
 *      (<dataDir> holds version-2/; `zkts-bench compare --restart --data-dir <dir>` leaves one in <dir>/zkts)
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const [checkout, src, label = "restart", extra = ""] = process.argv.slice(2);
if (!checkout || !src) {
  console.error("usage: restart-start.ts <checkout> <dataDir> [label]");
  process.exit(2);
}
const base = mkdtempSync(join(tmpdir(), "zkts-restart-start-"));
cpSync(src, join(base, "data"), { recursive: true });
const port = await new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const cfg = join(base, "zkts.cfg");
writeFileSync(cfg, `tickTime=2000\ndataDir=${join(base, "data")}\nclientPort=${port}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\nforceSync=yes\nadmin.enableServer=false\n${extra
  .split(",")
  .filter((l) => l !== "")
  .map((l) => `${l}\n`)
  .join("")}`);
/** utime + stime (ms) of a /proc stat file. */
const cpuMs = (f: string): number => {
  const s = readFileSync(f, "latin1");
  const r = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return (Number(r[11]) + Number(r[12])) * 10;
};
const la = loadavg().map((x) => x.toFixed(2)).join(" ");
const t0 = performance.now();
const p = spawn(process.execPath, ["--max-old-space-size=4096", join(checkout, "apps/server/bin/zkts-server.js"), cfg], { stdio: ["ignore", "pipe", "inherit"] });
const marks: string[] = [];
let acc = "";
const timer = setTimeout(() => p.kill("SIGKILL"), 600_000);
p.stdout!.on("data", (d: Buffer) => {
  acc += d.toString();
  for (let i = acc.indexOf("\n"); i >= 0; i = acc.indexOf("\n")) {
    const line = acc.slice(0, i);
    acc = acc.slice(i + 1);
    const m = /"msg":"([^"]+)"/.exec(line);
    if (!m) continue;
    const ms = (performance.now() - t0).toFixed(0);
    if (/restored snapshot|replayed txn log/.test(m[1]!)) marks.push(`${m[1]} at ${ms} ms`);
    const replayed = /"replayed":(\d+)/.exec(line);
    if (replayed) marks.push(`${replayed[1]} txns replayed`);
    if (m[1] === "zkts-server started") {
      const all = cpuMs(`/proc/${p.pid}/stat`);
      const main = cpuMs(`/proc/${p.pid}/task/${p.pid}/stat`);
      console.log(`${label}: started ${ms} ms wall, CPU ${all} ms (main thread ${main} ms), load average ${la}; ${marks.join("; ")}`);
      p.kill("SIGKILL");
    }
  }
});
p.on("exit", () => {
  clearTimeout(timer);
  rmSync(base, { recursive: true, force: true });
});
