/**
 * zkts-server vs Apache ZooKeeper 3.8 on this machine, same data:
 *  - restart time with N znodes of 100 bytes (spawn -> serving a getData of the last node)
 *  - snapshot size on disk
 *  - write throughput with fsync on: W connections each keeping P setData requests in flight for T seconds
 *
 * Run: npx tsx apps/server/bench/durability.ts [nodes=1000000] [seconds=10]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { NodeStorage, snapshotTree, writeZkSnapshot } from "@zkts/persistence";
import { freePort, waitForPort } from "@zkts/testkit";
import { Client } from "../src/test-client.js";
import { buildTree } from "./tree.js";


const N = Number(process.argv[2] ?? 1_000_000);
const SECONDS = Number(process.argv[3] ?? 10);
const BIN = resolve(import.meta.dirname, "../bin/zkts-server.js");
const JAR = "/usr/share/java/zookeeper.jar";
const root = mkdtempSync(join(tmpdir(), "zkts-bench-"));


async function startProc(kind: "zkts" | "zk", dataDir: string): Promise<{ child: ChildProcess; port: number; ms: number }> {
  const port = await freePort();
  const cfg = join(dataDir, "..", `${kind}.cfg`);
  writeFileSync(cfg, `tickTime=2000\ndataDir=${dataDir}\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=*\n`);
  const t0 = performance.now();
  const child =
    kind === "zkts"
      ? spawn(process.execPath, [BIN, "--log-level", "warn", cfg], { stdio: "ignore" })
      : spawn("/usr/bin/java", ["-Xmx3g", "-Dzookeeper.admin.enableServer=false", "-cp", JAR, "org.apache.zookeeper.server.ZooKeeperServerMain", cfg], { stdio: "ignore" });
  await waitForPort(port, "127.0.0.1", 600_000);
  let g: { err: number } | undefined;
  while (g === undefined) {
    try {
      const { c, resp } = await Client.connect(port);
      if (resp.sessionId !== 0n) g = await c.get("/d0/n0");
      c.close();
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  if (g.err !== 0 && !dataDir.endsWith("-tp/data")) throw new Error(`${kind}: /d0/n0 missing (${g.err})`);
  return { child, port, ms: performance.now() - t0 };
}

async function stop(child: ChildProcess): Promise<void> {
  await new Promise<void>((r) => {
    child.once("exit", () => r());
    child.kill("SIGKILL");
  });
}

async function throughput(port: number, conns: number, perConn: number): Promise<number> {
  const clients = await Promise.all(Array.from({ length: conns }, () => Client.connect(port).then((r) => r.c)));
  await clients[0]!.create("/bench", "");
  await Promise.all(clients.map((c, i) => c.create(`/bench/c${i}`, "")));
  let done = 0;
  let stopAt = 0;
  const payload = "x".repeat(100);
  const start = performance.now();
  stopAt = start + SECONDS * 1000;
  await Promise.all(
    clients.map(async (c, i) => {
      const loop = async () => {
        while (performance.now() < stopAt) {
          const r = await c.setData(`/bench/c${i}`, payload);
          if (r.err !== 0) throw new Error(`setData: ${r.err}`);
          done++;
        }
      };
      await Promise.all(Array.from({ length: perConn }, loop));
    }),
  );
  const rate = done / ((performance.now() - start) / 1000);
  for (const c of clients) c.close();
  return rate;
}

async function main() {
  console.log(`building a tree of ${N} znodes of 100 bytes...`);
  const tree = buildTree(N);
  const storage = new NodeStorage();
  const zktsDir = join(root, "zkts", "data");
  const zkDir = join(root, "zk", "data");
  mkdirSync(zktsDir, { recursive: true });
  mkdirSync(zkDir, { recursive: true });
  const a = await snapshotTree(storage, zktsDir, tree, new Map(), { time: Date.now() });
  const b = await writeZkSnapshot(storage, zkDir, {
    zxid: tree.lastProcessedZxid,
    sessions: [],
    acls: tree.acls.entries().map(([ref, acl]) => ({ ref: BigInt(ref), acl })),
    nodes: (function* () {
      for (const n of tree.snapshotNodes()) yield { path: n.path, data: n.data, aclRef: BigInt(n.acl), stat: n.stat };
    })(),
    digest: tree.lastProcessedZxidDigest(),
  });
  console.log(`snapshot size: zkts ${(statSync(a.path).size / 1e6).toFixed(1)} MB, ZooKeeper ${(statSync(b.path).size / 1e6).toFixed(1)} MB`);
  for (const kind of ["zkts", "zk"] as const) {
    const r = await startProc(kind, kind === "zkts" ? zktsDir : zkDir);
    console.log(`${kind}: restart with ${N} znodes serving after ${(r.ms / 1000).toFixed(2)} s`);
    await stop(r.child);
  }
  // throughput on empty data dirs
  for (const kind of ["zkts", "zk"] as const) {
    const dir = join(root, `${kind}-tp`, "data");
    mkdirSync(dir, { recursive: true });
    const r = await startProc(kind, dir);
    for (const [conns, per] of [
      [1, 1],
      [10, 10],
      [50, 20],
    ] as const) {
      const rate = await throughput(r.port, conns, per).catch((e) => (console.log(String(e)), NaN));
      console.log(`${kind}: fsync on, ${conns} connections x ${per} in flight: ${Math.round(rate)} setData/s`);
      const { c } = await Client.connect(r.port);
      // clean for the next round
      for (let i = 0; i < conns; i++) await c.delete(`/bench/c${i}`);
      await c.delete("/bench");
      c.close();
    }
    await stop(r.child);
  }
  rmSync(root, { recursive: true, force: true });
}

await main();
