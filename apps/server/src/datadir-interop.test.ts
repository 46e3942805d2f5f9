/**
 * Data dirs both ways, in place: zkts-server started on a data dir Apache ZooKeeper 3.8 wrote serves it as it is
 * (ZooKeeper's snapshots and logs read directly, every txn digest ZooKeeper logged matching zkts's tree, ZooKeeper's
 * files left byte for byte); with `snapshot.format=zookeeper` zkts writes ZooKeeper-format snapshots, which Apache
 * ZooKeeper serves in place and its SnapshotFormatter / TxnLogToolkit read. One zoo.cfg serves both servers.
 */
import { createHash } from "node:crypto";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startJavaQuorumPeer, waitForPort, type JavaQuorumPeer } from "@zkts/testkit";
import { afterAll, describe, expect, it } from "vitest";

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(HERE, "../bin/zkts-server.js");
const KAZOO = join(HERE, "fixtures/kazoo_tree.py");
const BULK = join(HERE, "fixtures/kazoo_bulk.py");
const JAR = "/usr/share/java/zookeeper.jar";
const available = existsSync(JAR) && existsSync("/usr/bin/java") && existsSync("/usr/bin/python3");

const dirs: string[] = [];
const kills: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const k of kills) await k().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Dump = Record<string, { data: string | null; stat: number[]; acl: unknown[] }>;

function kazoo(mode: "write" | "dump", port: number): Record<string, unknown> {
  return JSON.parse(execFileSync("/usr/bin/python3", [KAZOO, mode, `127.0.0.1:${port}`], { encoding: "utf8", timeout: 90_000 }));
}

function bulk(port: number, root: string, n: number, sets: number): void {
  execFileSync("/usr/bin/python3", [BULK, `127.0.0.1:${port}`, root, String(n), String(sets)], { timeout: 120_000 });
}

/** A data dir and the zoo.cfg both servers start from (snapCount small: several snapshots and a log tail). */
async function setup(extra = ""): Promise<{ cfg: string; dataDir: string; port: number }> {
  const root = mkdtempSync(join(tmpdir(), "zkts-datadir-"));
  dirs.push(root);
  const port = await freePort();
  const dataDir = join(root, "data");
  const cfg = join(root, "zoo.cfg");
  writeFileSync(
    cfg,
    `tickTime=2000\ndataDir=${dataDir}\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n` +
      `snapCount=100\n4lw.commands.whitelist=*\n${extra}`,
  );
  return { cfg, dataDir, port };
}

async function startJava(cfg: string, port: number, jvmArgs: string[] = []): Promise<JavaQuorumPeer> {
  const j = startJavaQuorumPeer(cfg, ["-Dzookeeper.jmx.log4j.disable=true", ...jvmArgs]);
  kills.push(() => j.kill());
  await waitForPort(port, "127.0.0.1", 90_000);
  return j;
}

interface Zkts {
  child: ChildProcess;
  log(): string;
  kill(): Promise<void>;
}

async function startZkts(cfg: string, port: number): Promise<Zkts> {
  const child = spawn(process.execPath, [BIN, cfg], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  kills.push(kill);
  await Promise.race([
    waitForPort(port, "127.0.0.1", 60_000),
    exited.then(() => {
      throw new Error(`zkts-server exited: ${out}`);
    }),
  ]);
  return { child, log: () => out, kill };
}

/** sha256 of every file in version-2. */
function hashes(dataDir: string): Map<string, string> {
  const dir = join(dataDir, "version-2");
  return new Map(readdirSync(dir).map((f) => [f, createHash("sha256").update(readFileSync(join(dir, f))).digest("hex")]));
}

function files(dataDir: string, prefix: string): string[] {
  return readdirSync(join(dataDir, "version-2"))
    .filter((f) => f.startsWith(prefix))
    .sort((a, b) => Number(BigInt(`0x${a.split(".")[1]}`) - BigInt(`0x${b.split(".")[1]}`)));
}

function javaTool(cls: string, args: string[]): { status: number; out: string } {
  const cp = [JAR, "/usr/share/java/slf4j-simple.jar"].filter((j) => existsSync(j)).join(":");
  try {
    const out = execFileSync("/usr/bin/java", ["-cp", cp, cls, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 90_000 });
    return { status: 0, out };
  } catch (e) {
    const x = e as { status: number | null; stdout?: string; stderr?: string };
    return { status: x.status ?? -1, out: `${x.stdout ?? ""}${x.stderr ?? ""}` };
  }
}

/** The "replayed txn log" line's digest counts (JSON log lines). */
function digestCounts(log: string): { checked: number; mismatched: number } | undefined {
  const line = log.split("\n").find((l) => l.includes("replayed txn log"));
  if (!line) return undefined;
  const j = JSON.parse(line) as { digestsChecked: number; digestMismatches: number };
  return { checked: j.digestsChecked, mismatched: j.digestMismatches };
}

describe.skipIf(!available)("data dirs both ways with Apache ZooKeeper 3.8 (in place)", () => {
  it.each([
    ["uncompressed", ""],
    ["gz", "gz"],
  ])("zkts serves a data dir Apache ZooKeeper wrote (%s snapshots): same tree, every logged digest matches, ZooKeeper's files untouched", async (_, compression) => {
    const { cfg, dataDir, port } = await setup();
    const java = await startJava(cfg, port, compression ? [`-Dzookeeper.snapshot.compression.method=${compression}`] : []);
    const { session } = kazoo("write", port) as { session: number };
    bulk(port, "bulk", 40, 4);
    const before = kazoo("dump", port) as Dump;
    await java.kill();
    expect(files(dataDir, "snapshot.").length).toBeGreaterThan(1);
    expect(files(dataDir, "snapshot.").every((f) => (compression ? f.endsWith(`.${compression}`) : !f.includes(".", 9)))).toBe(true);
    expect(files(dataDir, "log.").length).toBeGreaterThan(1);
    const javaFiles = hashes(dataDir);
    // What ZooKeeper itself reports restoring the same files (on a copy: it writes a snapshot at start-up). Its
    // snapshots are fuzzy and their ZxidDigest is read apart from the nodes, so under load a snapshot can hold a
    // change newer than its digest's zxid, and ZooKeeper's own restore then reports "Digests are not matching".
    const copy = await setup();
    cpSync(dataDir, copy.dataDir, { recursive: true });
    const javaAgain = await startJava(copy.cfg, copy.port, compression ? [`-Dzookeeper.snapshot.compression.method=${compression}`] : []);
    expect(kazoo("dump", copy.port)).toEqual(before); // (serving: its restore is over)
    const zkMismatch = /Digests are not matching/.test(javaAgain.log());
    await javaAgain.kill();

    const z = await startZkts(cfg, port);
    const after = kazoo("dump", port) as Dump;
    expect(after).toEqual(before);
    expect(after["/eph"]!.stat[7]).toBe(session);
    // every txn ZooKeeper logged after its snapshot carries its tree digest: zkts's tree matched each one (a
    // mismatch only where ZooKeeper's own restore of these files found one)
    const counts = digestCounts(z.log());
    expect(counts?.checked).toBeGreaterThan(0);
    expect(counts!.mismatched > 0, `zkts ${counts!.mismatched} mismatch(es); ZooKeeper's restore: ${zkMismatch ? "mismatch" : "none"}`).toBe(zkMismatch);
    expect(z.log()).not.toMatch(/accept-data-loss/);
    if (!zkMismatch) expect(z.log()).not.toMatch(/digest mismatch/);
    bulk(port, "more", 5, 1);
    await z.kill();
    // every file ZooKeeper wrote is still there, byte for byte (zkts added its own)
    const now = hashes(dataDir);
    for (const [f, h] of javaFiles) expect(now.get(f), f).toBe(h);
    expect(now.size).toBeGreaterThan(javaFiles.size);
  }, 300_000);

  it("a snappy-compressed ZooKeeper snapshot is refused with an error naming the setting (no data-loss flag suggested)", async () => {
    const { cfg, dataDir, port } = await setup();
    const java = await startJava(cfg, port, ["-Dzookeeper.snapshot.compression.method=snappy"]);
    bulk(port, "bulk", 20, 1);
    await java.kill();
    const snappy = files(dataDir, "snapshot.").filter((f) => f.endsWith(".snappy"));
    expect(snappy.length).toBeGreaterThan(0);
    // xerial snappy-java's stream header, which the reader also recognises by content
    expect(readFileSync(join(dataDir, "version-2", snappy[snappy.length - 1]!)).subarray(0, 8).toString("latin1")).toBe("\x82SNAPPY\x00");
    const javaFiles = hashes(dataDir);
    const child = spawn(process.execPath, [BIN, cfg], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).not.toBe(0);
    expect(out).toMatch(/snappy-compressed ZooKeeper snapshot \(zookeeper\.snapshot\.compression\.method=snappy\)/);
    expect(out).not.toMatch(/accept-data-loss/);
    expect(hashes(dataDir)).toEqual(javaFiles);
  }, 300_000);

  it("snapshot.format=zookeeper: ZooKeeper and its tools read zkts's data dir in place; Java -> zkts -> Java keeps every write", async () => {
    const { cfg, dataDir, port } = await setup("snapshot.format=zookeeper\n");
    const z = await startZkts(cfg, port);
    const { session } = kazoo("write", port) as { session: number };
    bulk(port, "bulk", 40, 4);
    const before = kazoo("dump", port) as Dump;
    await z.kill();
    const snaps = files(dataDir, "snapshot.");
    const logs = files(dataDir, "log.");
    expect(snaps.length).toBeGreaterThan(1);
    expect(logs.length).toBeGreaterThan(1);

    // ZooKeeper's own tools read zkts's files
    const newest = join(dataDir, "version-2", snaps[snaps.length - 1]!);
    const fmt = javaTool("org.apache.zookeeper.server.SnapshotFormatter", [newest]);
    expect(fmt.status, fmt.out).toBe(0);
    expect(fmt.out).toMatch(/\/bulk\/c1\b/);
    expect(fmt.out).toMatch(/Session Details/);
    for (const l of logs) {
      const t = javaTool("org.apache.zookeeper.server.persistence.TxnLogToolkit", ["-d", join(dataDir, "version-2", l)]);
      expect(t.status, t.out).toBe(0);
      expect(t.out).toMatch(/EOF reached after \d+ txns\./);
    }

    // Apache ZooKeeper serves it in place, same zoo.cfg (it ignores snapshot.format)
    const java = await startJava(cfg, port);
    const onJava = kazoo("dump", port) as Dump;
    expect(onJava).toEqual(before);
    expect(onJava["/eph"]!.stat[7]).toBe(session);
    bulk(port, "java", 10, 2);
    const javaBefore = kazoo("dump", port) as Dump;
    await java.kill();
    // ZooKeeper read zkts's ZxidDigest trailer and compared every replayed txn: no mismatch, no snapshot rejected
    expect(java.log()).toMatch(/Reading snapshot .*snapshot\.[0-9a-f]+\n/);
    expect(java.log()).toMatch(/The digest in the snapshot has digest version of 2, with zxid as 0x[0-9a-f]+/);
    expect(java.log()).not.toMatch(/digest mismatch|Digests are not matching|Digest in log:|Invalid snapshot|problem reading snap|CRC corruption/i);

    // and back on zkts: every write of both
    const z2 = await startZkts(cfg, port);
    const back = kazoo("dump", port) as Dump;
    expect(back).toEqual(javaBefore);
    expect(digestCounts(z2.log())?.mismatched ?? 0).toBe(0);
    await z2.kill();
  }, 400_000);
});
