import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseArgs, type CompareOptions } from "./args.js";
import { ensembleMarkdown, ensembleTargets, runEnsembleCompare, type EnsembleReport } from "./compare-ensemble.js";
import { fakeResult } from "./test-fixtures.js";
import {
  EnsembleStartError,
  freePorts,
  logProblems,
  referenceAvailable,
  srvrMode,
  waitForLeader,
  zooCfg,
  type RunningServer,
} from "./servers.js";

const dirs: string[] = [];
const children: ChildProcess[] = [];
const listeners: Server[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "zkts-bench-ens-test-"));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await Promise.all(listeners.map((l) => new Promise((r) => l.close(r))));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("ensemble zoo.cfg", () => {
  const members = [
    { id: 1, clientPort: 40001, quorumPort: 40002, electionPort: 40003 },
    { id: 2, clientPort: 40011, quorumPort: 40012, electionPort: 40013 },
    { id: 3, clientPort: 40021, quorumPort: 40022, electionPort: 40023 },
  ];

  it("has the server.N lines with client addresses and no clientPort", () => {
    expect(zooCfg("/data/s2", { baseDir: "/data" }, { members })).toBe(
      [
        "tickTime=2000",
        "initLimit=10",
        "syncLimit=5",
        "dataDir=/data/s2",
        "maxClientCnxns=0",
        "forceSync=yes",
        "admin.enableServer=false",
        "4lw.commands.whitelist=*",
        "server.1=127.0.0.1:40002:40003;127.0.0.1:40001",
        "server.2=127.0.0.1:40012:40013;127.0.0.1:40011",
        "server.3=127.0.0.1:40022:40023;127.0.0.1:40021",
      ].join("\n") + "\n",
    );
  });

  it("is the same on every member but for dataDir; standalone keeps clientPort", () => {
    const a = zooCfg("/d/s1", { baseDir: "/d" }, { members }).replace(/^dataDir=.*$/m, "");
    const b = zooCfg("/d/s3", { baseDir: "/d" }, { members }).replace(/^dataDir=.*$/m, "");
    expect(a).toBe(b);
    const standalone = zooCfg("/d/zk", { baseDir: "/d", config: { snapCount: "1000" } }, { clientPort: 2181 });
    expect(standalone).toContain("clientPort=2181\nclientPortAddress=127.0.0.1\n");
    expect(standalone).toContain("snapCount=1000\n");
    expect(standalone).not.toContain("server.");
  });

  it("gets distinct ports from the OS", async () => {
    const ports = await freePorts(9);
    expect(new Set(ports).size).toBe(9);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });
});

describe("ensemble plumbing", () => {
  it("reads the Mode of srvr and which workloads go where", () => {
    expect(srvrMode("Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nMode: follower\nNode count: 5\n")).toBe("follower");
    expect(srvrMode("This ZooKeeper instance is not currently serving requests\n")).toBeUndefined();
    expect(ensembleTargets([{ workload: "set", weight: 1 }])).toEqual(["leader", "followers"]);
    expect(ensembleTargets([{ workload: "create", weight: 1 }])).toEqual(["leader", "followers"]);
    expect(ensembleTargets([{ workload: "get", weight: 1 }])).toEqual(["followers"]);
  });

  it("counts WARN and ERROR lines of both log formats", () => {
    const f = join(tempDir(), "member.log");
    writeFileSync(
      f,
      [
        "2026-11-22 04:23:46,371 - WARN  [main:ServerCnxnFactory@309] - maxCnxns is not configured",
        "2026-11-22 04:23:47,371 - ERROR [QuorumPeer:Follower@100] - Unexpected exception",
        "\tat org.apache.zookeeper.server.quorum.Learner.run(Learner.java:1)",
        '{"ts":"2026-11-22T04:23:46.000Z","level":"warn","msg":"slow fsync"}',
        '{"ts":"2026-11-22T04:23:46.000Z","level":"info","msg":"ERROR in a message is not a level"}',
        "TypeError: Cannot read properties of undefined",
      ].join("\n"),
    );
    const p = logProblems(f);
    expect(p.warnings).toBe(2);
    expect(p.errors).toBe(2);
    expect(p.examples).toHaveLength(4);
    expect(logProblems(join(tempDir(), "missing.log"))).toEqual({ warnings: 0, errors: 0, examples: [] });
  });

  /** A fake member: a process writing `logText` to its log, and (unless mode is undefined) a srvr answerer. */
  async function fakeMember(dir: string, id: number, mode: string | undefined, script: string): Promise<RunningServer> {
    const [port] = await freePorts(1);
    if (mode !== undefined) {
      const srv = createServer((s) => {
        s.on("error", () => undefined);
        s.resume(); // read the request and the client's FIN, so the socket closes
        s.end(`Zookeeper version: fake\nMode: ${mode}\n`);
      });
      listeners.push(srv);
      await new Promise<void>((r) => srv.listen(port, "127.0.0.1", r));
    }
    const logFile = join(dir, `s${id}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    children.push(child);
    return {
      name: `fake server.${id}`, id, port: port!, server: `127.0.0.1:${port}`, pid: child.pid!, dataDir: dir, process: child, logFile,
      stop: async () => void child.kill("SIGKILL"),
    };
  }
  const idle = (line: string) => `console.log(${JSON.stringify(line)}); setInterval(() => {}, 1000)`;

  it("waits for one leader and the followers", async () => {
    const d = tempDir();
    const members = [
      await fakeMember(d, 1, "follower", idle("ok")),
      await fakeMember(d, 2, "leader", idle("ok")),
      await fakeMember(d, 3, "follower", idle("ok")),
    ];
    expect(await waitForLeader("fake", members, 5000)).toEqual(["follower", "leader", "follower"]);
  });

  it("names the member that is not serving, with the tail of its log, after the timeout", async () => {
    const d = tempDir();
    const members = [
      await fakeMember(d, 1, "follower", idle("fine")),
      await fakeMember(d, 2, "leader", idle("fine")),
      await fakeMember(d, 3, undefined, idle("stuck: cannot reach server.1 at its election port")),
    ];
    // Let the log line land (a child process starts slowly on a loaded machine: wait for it, bounded).
    for (let i = 0; i < 200 && !readFileSync(members[2]!.logFile, "utf8").includes("stuck:"); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const err = await waitForLeader("fake", members, 800).catch((e: Error) => e);
    expect(err).toBeInstanceOf(EnsembleStartError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/fake ensemble: no single leader with 2 followers within 800 ms \(fake server\.1: follower, fake server\.2: leader, fake server\.3: not serving\)/);
    expect(msg).toContain(`--- fake server.3: tail of ${members[2]!.logFile}\nstuck: cannot reach server.1`);
    expect(msg).not.toContain("--- fake server.1");
    expect((err as EnsembleStartError).bindFailure).toBe(false);
  });

  it("names a member that exited, and flags a bind failure", async () => {
    const d = tempDir();
    const members = [
      await fakeMember(d, 1, undefined, idle("ok")),
      await fakeMember(d, 2, undefined, `console.error("listen EADDRINUSE: address already in use 127.0.0.1:1"); process.exit(3)`),
    ];
    await new Promise<void>((r) => (members[1]!.process.exitCode !== null ? r() : members[1]!.process.once("exit", () => r())));
    const err = (await waitForLeader("fake", members, 10_000).catch((e: Error) => e)) as EnsembleStartError;
    expect(err.message).toMatch(/fake server\.2 \(pid \d+\) exited \(3\) before a leader was elected/);
    expect(err.message).toContain("EADDRINUSE");
    expect(err.bindFailure).toBe(true);
  });
});

const setResult = (throughput: number, latencies: number[]) => fakeResult(throughput, latencies, "set", 10);

describe("ensembleMarkdown", () => {
  it("prints both ensembles, the targets, summed and per-member CPU", () => {
    const c = parseArgs(["compare", "--ensemble", "3", "--quick"]);
    if (c.command !== "compare") throw new Error("not compare");
    const member = (id: number, mode: string) => ({
      id, mode, modeAfter: mode, pid: 1, clientPort: 1, alive: true, rssAfter: 100 * 2 ** 20, txnLogs: { files: 1, bytes: 1 },
      log: { file: "x", warnings: 2, errors: 0, examples: [] },
    });
    const side = (kind: "zookeeper" | "zkts") => ({
      kind, round: 1, leaderId: 3, electionMs: 2500, setupPerSecond: 1000, members: [member(1, "follower"), member(2, "follower"), member(3, "leader")],
    });
    const report: EnsembleReport = {
      date: "2026-01-01T12:34:56.000Z", machine: "Test CPU", cores: 2, memoryGiB: 24, node: "v20", java: "openjdk 17",
      ensemble: 3, loadavgBefore: [1, 2, 3], loadavgAfter: [2, 2, 3], options: c.options,
      rows: [
        {
          workload: "set", target: "leader",
          zookeeper: { result: setResult(4000, [40_000]), serverCpuPercent: 180, serverCpuPercentByProcess: [90, 45, 45] },
          zkts: { result: setResult(8000, [20_000]), serverCpuPercent: 100, serverCpuPercentByProcess: [50, 25, 25] },
        },
        {
          workload: "get", target: "followers",
          zookeeper: { result: setResult(20_000, [10_000]), serverCpuPercent: 170, serverCpuPercentByProcess: [10, 80, 80] },
          zkts: { result: setResult(100_000, [1000]), serverCpuPercent: 80, serverCpuPercentByProcess: [0, 40, 40] },
        },
      ],
      sides: [side("zookeeper"), side("zkts")], zktsInMemoryOnly: false,
      problems: ["zkts server.2 (round 1) logged 1 error line(s), e.g. boom"],
    };
    const md = ensembleMarkdown(report);
    expect(md).toContain("### 2026-01-01 12:34 UTC, three-server ensemble (--quick)");
    expect(md).toContain("ZooKeeper -Xmx1g per member (QuorumPeerMain), zkts --max-old-space-size=1024 per member");
    expect(md).toContain("- ZooKeeper: leader server.3, serving 2.5 s after start, set-up 1,000 creates/s, RSS after the workloads 100 MB / 100 MB / 100 MB");
    expect(md).toContain("| workload | connections to | ZooKeeper ops/s | zkts ops/s | zkts / ZK |");
    expect(md).toContain("| server CPU ZK / zkts (sum of 3) | bench CPU |");
    expect(md).toMatch(/\| set \(fsync\) \| leader \| 4,000 \| 8,000 \| 2\.00x \| .* \| 180% \/ 100% \| 10% \/ 10% \|/);
    expect(md).toMatch(/\| get \| followers \(2, spread\) \| 20,000 \| 100,000 \| 5\.00x \|/);
    expect(md).toContain("| set | leader | 90% / 45% / 45% | 50% / 25% / 25% |");
    expect(md).toContain("| get | followers | 10% / 80% / 80% | 0% / 40% / 40% |");
    expect(md).toContain("Seen during the run:\n- zkts server.2 (round 1) logged 1 error line(s)");
  });
});

// End to end against both real ensembles: one short set run per target. About 15-25 s on 2 cores.
describe.skipIf(!referenceAvailable())("compare --ensemble 3 against Apache ZooKeeper and zkts", () => {
  it("starts both ensembles one after the other, finds the leader and followers, and loads both", async () => {
    const c = parseArgs(["compare", "--ensemble", "3", "--workloads", "set", "--rounds", "1", "--duration", "1s", "--warmup", "500ms", "--keys", "100", "--connections", "4", "--depth", "8"]);
    if (c.command !== "compare") throw new Error("not compare");
    const dataDir = tempDir();
    const opts: CompareOptions = { ...c.options, dataDir };
    const lines: string[] = [];
    let printed = "";
    const report = await runEnsembleCompare(opts, (l) => lines.push(l), (t) => (printed += t));

    expect(report.rows.map((r) => `${r.workload}@${r.target}`)).toEqual(["set@leader", "set@followers"]);
    for (const row of report.rows) {
      for (const side of [row.zookeeper, row.zkts]) {
        expect(side.result.ops, lines.join("\n")).toBeGreaterThan(0);
        expect(side.result.errors, lines.join("\n")).toBe(0);
        expect(side.serverCpuPercentByProcess).toHaveLength(3);
      }
    }
    expect(report.sides.map((s) => s.kind)).toEqual(["zookeeper", "zkts"]);
    for (const side of report.sides) {
      expect(side.members.map((m) => m.mode).sort()).toEqual(["follower", "follower", "leader"]);
      expect(side.members.find((m) => m.mode === "leader")!.id).toBe(side.leaderId);
      for (const m of side.members) expect(m.alive).toBe(true);
      for (const m of side.members) expect(m.txnLogs.files).toBeGreaterThan(0);
    }
    expect(printed).toContain("three-server ensemble");
    expect(printed).toMatch(/\| set \(fsync\) \| followers \(2, spread\) \|/);
    // Every member was stopped.
    for (const side of report.sides) {
      for (const m of side.members) expect(() => process.kill(m.pid, 0)).toThrow();
    }
    expect(existsSync(join(dataDir, "round1", "zkts-ensemble", "s1", "data", "myid"))).toBe(true);
  }, 90_000);
});
