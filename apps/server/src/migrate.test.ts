/**
 * Migration both ways with the reference server: kazoo writes a tree into Apache ZooKeeper 3.8, which is killed;
 * `zkts-server import` converts its data dir; zkts serves exactly the same tree (data, ACLs, every stat field) and
 * the live session's ephemeral until the session expires. And the reverse with `export --format zookeeper`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startReferenceZooKeeper, waitForPort } from "@zkts/testkit";
import { afterAll, describe, expect, it } from "vitest";

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(HERE, "../bin/zkts-server.js");
const KAZOO = join(HERE, "fixtures/kazoo_tree.py");
const JAR = "/usr/share/java/zookeeper.jar";
const available = existsSync(JAR) && existsSync("/usr/bin/python3");

const dirs: string[] = [];
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function kazoo(mode: "write" | "dump" | "resume", port: number, ...args: string[]): Record<string, unknown> {
  return JSON.parse(execFileSync("/usr/bin/python3", [KAZOO, mode, `127.0.0.1:${port}`, ...args], { encoding: "utf8", timeout: 60_000 }));
}

function tool(args: string[]): string {
  return execFileSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((r) => {
    child.once("exit", () => r());
    child.kill("SIGKILL");
  });
}

async function startZktsOn(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const cfg = join(dataDir, "..", `zoo-${port}.cfg`);
  writeFileSync(cfg, `tickTime=2000\ndataDir=${dataDir}\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n`);
  const child = spawn(process.execPath, [BIN, cfg], { stdio: "ignore" });
  procs.push(child);
  await waitForPort(port, "127.0.0.1", 30_000);
  return { child, port };
}

async function startZooKeeperOn(dataDir: string): Promise<{ child: ChildProcess; port: number; out: () => string }> {
  const port = await freePort();
  const cfg = join(dataDir, "..", `zk-${port}.cfg`);
  writeFileSync(cfg, `tickTime=2000\ndataDir=${dataDir}\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n`);
  const child = spawn("/usr/bin/java", ["-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dzookeeper.admin.enableServer=false", "-cp", JAR, "org.apache.zookeeper.server.ZooKeeperServerMain", cfg], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  procs.push(child);
  await waitForPort(port, "127.0.0.1", 60_000);
  return { child, port, out: () => out };
}

type Dump = Record<string, { data: string | null; stat: number[]; acl: unknown[] }>;

describe.skipIf(!available)("migration with Apache ZooKeeper 3.8", () => {
  it("import: a ZooKeeper data dir (snapshot + log) becomes a zkts one serving the identical tree", async () => {
    const ref = await startReferenceZooKeeper();
    const { session, sessionId, passwd } = kazoo("write", ref.port) as { session: number; sessionId: string; passwd: string };
    const before = kazoo("dump", ref.port) as Dump;
    await killAndWait(ref.process);
    const to = join(tmp("zkts-import-"), "data");
    const msg = tool(["import", ref.dataDir, "--to", to]);
    await ref.stop();
    expect(msg).toMatch(/^imported \d+ nodes and [12] sessions/);
    const z = await startZktsOn(to);
    const after = kazoo("dump", z.port) as Dump;
    expect(after).toEqual(before);
    expect(after["/eph"]!.stat[7]).toBe(session);
    // The client of the imported session resumes it on zkts with ZooKeeper's password; closing it removes /eph.
    expect(kazoo("resume", z.port, sessionId, passwd)).toEqual({ resumed: true, eph: true });
    expect("/eph" in (kazoo("dump", z.port) as Dump)).toBe(false);
    await killAndWait(z.child);
  }, 120_000);

  it("export: ZooKeeper 3.8 starts from a zkts data dir exported as a ZooKeeper snapshot, identical tree", async () => {
    const data = join(tmp("zkts-export-src-"), "data");
    const z = await startZktsOn(data);
    const { session, sessionId, passwd } = kazoo("write", z.port) as { session: number; sessionId: string; passwd: string };
    const before = kazoo("dump", z.port) as Dump;
    await killAndWait(z.child);
    const to = join(tmp("zkts-export-"), "zk");
    const msg = tool(["export", "--format", "zookeeper", data, "--to", to]);
    expect(msg).toMatch(/^exported \d+ nodes and [12] sessions/);
    const zk = await startZooKeeperOn(to);
    const after = kazoo("dump", zk.port) as Dump;
    expect(after).toEqual(before);
    expect(after["/eph"]!.stat[7]).toBe(session);
    expect(zk.out()).not.toMatch(/Digest mismatch|digest mismatch/);
    // ...and Apache ZooKeeper accepts the password zkts gave the session.
    expect(kazoo("resume", zk.port, sessionId, passwd)).toEqual({ resumed: true, eph: true });
    expect("/eph" in (kazoo("dump", zk.port) as Dump)).toBe(false);
    await killAndWait(zk.child);
  }, 120_000);
});
