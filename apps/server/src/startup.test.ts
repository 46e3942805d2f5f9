/**
 * Start-up as an operator sees it, on the real `zkts-server` process: ZooKeeper's exit codes and stderr summary
 * lines, `--version`, zoo.cfg keys refused, a log file that cannot be opened, and the log file reopened on SIGHUP.
 * Apache ZooKeeper 3.8 (ZooKeeperServerMain / QuorumPeerMain) exits 2 "Invalid config, exiting abnormally" for a bad
 * or unreadable zoo.cfg and a missing myid, 3 "Unable to access datadir, exiting abnormally" for a dataDir under a
 * regular file, and 1 for a client port in use (checked by hand against Debian's zookeeper 3.8 package).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { fourLetter } from "./test-helpers.js";

const BIN = fileURLToPath(new URL("../bin/zkts-server.js", import.meta.url));
const PKG = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
const dir = mkdtempSync(join(tmpdir(), "zkts-startup-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A regular file: nothing can be created under it, not even by root.
const aFile = join(dir, "a-regular-file");
writeFileSync(aFile, "");

// The AdminServer (when zkts has one) is not under test here.
const QUIET = "admin.enableServer=false\n";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs zkts-server to its exit (killed after `ms`). */
function run(args: string[], ms = 20_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("close", (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let n = 0;
function cfgFile(text: string): string {
  const path = join(dir, `zoo-${++n}.cfg`);
  writeFileSync(path, QUIET + text);
  return path;
}

describe("zkts-server start-up: exit codes and messages", () => {
  it("--version prints the package version and exits 0", async () => {
    const r = await run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`zkts-server ${PKG.version}\n`);
  });

  it("an invalid zoo.cfg: exit 2, Invalid config", async () => {
    const r = await run([cfgFile(`dataDir=${join(dir, "d1")}\ntickTime=abc\n`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/zoo-\d+\.cfg:3: tickTime must be a positive integer, got "abc"/);
    expect(r.stderr).toContain("Invalid config, exiting abnormally");
  });

  it("an unreadable zoo.cfg: exit 2", async () => {
    const r = await run([join(dir, "no-such.cfg")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Invalid config, exiting abnormally");
  });

  it("keys zkts cannot honour: exit 2, each key named", async () => {
    const r = await run([
      cfgFile(`dataDir=${join(dir, "d2")}\nclientPort=0\nquorum.auth.kerberos.servicePrincipal=zk/x\nlocalSessionsEnabled=true\n`),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/zoo-\d+\.cfg:4: quorum\.auth\.kerberos\.servicePrincipal=zk\/x is not supported: /);
    expect(r.stderr).toMatch(/zoo-\d+\.cfg:5: localSessionsEnabled=true is not supported: /);
    expect(existsSync(join(dir, "d2"))).toBe(false); // refused before touching the data dir
  });

  it("bad hierarchical quorum groups: exit 2 with ZooKeeper's ConfigException text", async () => {
    const r = await run([
      cfgFile(
        `dataDir=${join(dir, "d4")}\nclientPort=0\nserver.1=127.0.0.1:1:2\nserver.2=127.0.0.1:3:4\nserver.3=127.0.0.1:5:6\n` +
          "group.1=1:2\ngroup.2=2:3\n",
      ),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/zoo-\d+\.cfg:8: group\.2=2:3: Server 2is in multiple groups/);
    expect(r.stderr).toContain("Invalid config, exiting abnormally");
    expect(existsSync(join(dir, "d4"))).toBe(false);
  });

  it("a dataDir that cannot be created: exit 3, Unable to access datadir", async () => {
    const r = await run([cfgFile(`dataDir=${join(aFile, "data")}\nclientPort=0\n`)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Unable to create data directory ${join(aFile, "data")} (dataDir)`);
    expect(r.stderr).toContain("Unable to access datadir, exiting abnormally");
  });

  it("a dataDir that is a regular file, or a bad dataLogDir: exit 3", async () => {
    const r = await run([cfgFile(`dataDir=${aFile}\nclientPort=0\n`)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("Unable to access datadir, exiting abnormally");
    const r2 = await run([cfgFile(`dataDir=${join(dir, "d3")}\ndataLogDir=${join(aFile, "log")}\nclientPort=0\n`)]);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toContain(`Unable to create data directory ${join(aFile, "log")} (dataLogDir)`);
  });

  it("an ensemble member without myid: exit 2, as QuorumPeerConfig's ConfigException", async () => {
    const r = await run([cfgFile(`dataDir=${join(dir, "d4")}\nclientPort=0\nserver.1=127.0.0.1:0:0\nserver.2=127.0.0.1:1:1\n`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("myid file is missing");
    expect(r.stderr).toContain("Invalid config, exiting abnormally");
  });

  it("zkts.txnLogWorker=true in an ensemble: exit 2, the key named (the worker writes a standalone server's log only)", async () => {
    const r = await run([cfgFile(`dataDir=${join(dir, "d4w")}\nclientPort=0\nserver.1=127.0.0.1:0:0\nserver.2=127.0.0.1:1:1\nzkts.txnLogWorker=true\n`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("zkts.txnLogWorker=true");
    expect(r.stderr).toContain("Invalid config, exiting abnormally");
  });

  it("a client port in use: exit 1", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await run([cfgFile(`dataDir=${join(dir, "d5")}\nclientPort=${port}\nclientPortAddress=127.0.0.1\n`)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot start: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });

  it("an ensemble member whose election port is taken: exit 14 (UNABLE_TO_BIND_QUORUM_PORT)", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const election = (blocker.address() as net.AddressInfo).port;
    const free = async () => {
      const s = net.createServer();
      await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
      const p = (s.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => s.close(() => resolve()));
      return p;
    };
    const data = join(dir, "d8");
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, "myid"), "1\n");
    try {
      const lines = [
        `dataDir=${data}`,
        "initLimit=5",
        "syncLimit=2",
        `server.1=127.0.0.1:${await free()}:${election};127.0.0.1:${await free()}`,
        `server.2=127.0.0.1:${await free()}:${await free()};127.0.0.1:${await free()}`,
        `server.3=127.0.0.1:${await free()}:${await free()};127.0.0.1:${await free()}`,
      ];
      const r = await run([cfgFile(lines.join("\n") + "\n")]);
      expect(r.code).toBe(14);
      expect(r.stderr).toContain(`cannot bind the election port 127.0.0.1:${election}`);
    } finally {
      blocker.close();
    }
  });

  it("bad options: exit 2 with the usage", async () => {
    const r = await run(["--log-format", "xml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--log-format must be one of json, text, got "xml"');
    expect(r.stderr).toContain("Usage: zkts-server");
  });
});

describe("zkts-server logs", () => {
  it("a log file that cannot be opened: a clear message, exit 2, no 'error' event trace", async () => {
    const bad = join(aFile, "zkts.log");
    const r = await run([cfgFile(`dataDir=${join(dir, "d6")}\nclientPort=0\n`), "--log-file", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^zkts-server: cannot open log file ${bad}: .*(ENOTDIR|EEXIST)`));
    expect(r.stderr).not.toMatch(/Unhandled 'error' event|\n\s+at /);
  });

  it("text logs to a file, reopened on SIGHUP after a rename (logrotate)", async () => {
    const file = join(dir, "logs", "zkts.log");
    const child = spawn(
      process.execPath,
      [BIN, cfgFile(`dataDir=${join(dir, "d7")}\nclientPort=0\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\n`), "--log-file", file, "--log-format", "text"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const waitFor = async (path: string, re: RegExp): Promise<RegExpMatchArray> => {
      const end = Date.now() + 20_000;
      for (;;) {
        const m = existsSync(path) ? readFileSync(path, "utf8").match(re) : null;
        if (m) return m;
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${re} in ${path}; stderr=${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    try {
      const started = await waitFor(file, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[myid:\] - INFO  \[main\] - zkts-server started .*port=(\d+)/m);
      const port = Number(started[1]);
      expect(await fourLetter(port, "ruok")).toBe("imok");
      renameSync(file, file + ".1");
      child.kill("SIGHUP");
      await waitFor(file, /SIGHUP: log file reopened/);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      const rotated = readFileSync(file + ".1", "utf8");
      const fresh = readFileSync(file, "utf8");
      expect(rotated).toContain("zkts-server started");
      expect(rotated).not.toContain("SIGHUP");
      expect(fresh).not.toContain("zkts-server started");
      expect(fresh).toMatch(/ - INFO  \[main\] - zkts-server stopped/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
