// The container's entrypoint (docker/docker-entrypoint.sh + docker/zoo-cfg.mjs) renders zoo.cfg and myid from
// ZooKeeper's official image variables as that image does, leaves a mounted zoo.cfg alone, and execs the command;
// zkts-server's parser accepts what it renders, the real zkts-server runs on it through the entrypoint, and the
// image's health check (docker/healthcheck.mjs) tells a serving server from a stopped one. `docker build` cannot
// run here, so these scripts are tested as the image runs them.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseConfig } from "@zkts/server";
import { fourLetter, freePort } from "@zkts/testkit";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ENTRYPOINT = join(REPO_ROOT, "docker", "docker-entrypoint.sh");
const RENDER = join(REPO_ROOT, "docker", "zoo-cfg.mjs");
const HEALTHCHECK = join(REPO_ROOT, "docker", "healthcheck.mjs");
const work = mkdtempSync(join(tmpdir(), "zkts-docker-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh container filesystem: conf and data dirs, and the variables pointing at them. */
function container(vars: Record<string, string> = {}) {
  const root = join(work, `c${++n}`);
  const conf = join(root, "conf");
  const data = join(root, "data");
  // The environment of the test process must not leak ZOO_* settings into the container's.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ZOO_")));
  const env = { ...base, ZOO_CONF_DIR: conf, ZOO_DATA_DIR: data, ZOO_DATA_LOG_DIR: join(root, "datalog"), ...vars };
  return { root, conf, data, env, cfg: () => readFileSync(join(conf, "zoo.cfg"), "utf8"), myid: () => readFileSync(join(data, "myid"), "utf8") };
}

describe("docker entrypoint: zoo.cfg from the official image's variables", () => {
  it("defaults: the official image's zoo.cfg and myid 1", async () => {
    const c = container();
    const { stdout } = await run(process.execPath, [RENDER], { env: c.env, timeout: 30_000 });
    expect(stdout.trim()).toBe(join(c.conf, "zoo.cfg"));
    expect(c.cfg()).toBe(
      [
        `dataDir=${c.data}`,
        `dataLogDir=${join(c.root, "datalog")}`,
        "tickTime=2000",
        "initLimit=5",
        "syncLimit=2",
        "autopurge.snapRetainCount=3",
        "autopurge.purgeInterval=0",
        "maxClientCnxns=60",
        "standaloneEnabled=true",
        "admin.enableServer=true",
        "server.1=localhost:2888:3888;2181",
        "",
      ].join("\n"),
    );
    expect(c.myid()).toBe("1\n");
    const cfg = parseConfig(c.cfg());
    expect(cfg.warnings).toEqual([]);
    expect(cfg.servers.map((s) => [s.id, s.host, s.quorumPort, s.electionPort, s.clientPort])).toEqual([[1n, "localhost", 2888, 3888, 2181]]);
    expect(cfg.fourLetterWhitelist).toBeUndefined();
  });

  it("an ensemble member: every variable lands in zoo.cfg and myid, and zkts-server's parser takes it", async () => {
    const c = container({
      ZOO_MY_ID: "2",
      ZOO_SERVERS: "server.1=zoo1:2888:3888;2181 server.2=zoo2:2888:3888;2181\n server.3=zoo3:2888:3888:observer;0.0.0.0:2181",
      ZOO_TICK_TIME: "1000",
      ZOO_INIT_LIMIT: "10",
      ZOO_SYNC_LIMIT: "4",
      ZOO_AUTOPURGE_PURGEINTERVAL: "24",
      ZOO_AUTOPURGE_SNAPRETAINCOUNT: "5",
      ZOO_MAX_CLIENT_CNXNS: "0",
      ZOO_STANDALONE_ENABLED: "false",
      ZOO_ADMINSERVER_ENABLED: "false",
      ZOO_4LW_COMMANDS_WHITELIST: "srvr,ruok,mntr,conf",
      ZOO_CFG_EXTRA: "snapCount=50000  minSessionTimeout=3000",
    });
    await run(process.execPath, [RENDER], { env: c.env, timeout: 30_000 });
    const text = c.cfg();
    expect(text.split("\n").slice(2)).toEqual([
      "tickTime=1000",
      "initLimit=10",
      "syncLimit=4",
      "autopurge.snapRetainCount=5",
      "autopurge.purgeInterval=24",
      "maxClientCnxns=0",
      "standaloneEnabled=false",
      "admin.enableServer=false",
      "server.1=zoo1:2888:3888;2181",
      "server.2=zoo2:2888:3888;2181",
      "server.3=zoo3:2888:3888:observer;0.0.0.0:2181",
      "4lw.commands.whitelist=srvr,ruok,mntr,conf",
      "snapCount=50000",
      "minSessionTimeout=3000",
      "",
    ]);
    expect(c.myid()).toBe("2\n");
    const cfg = parseConfig(text);
    expect(cfg.warnings).toEqual([]);
    expect(cfg.unknownKeys).toEqual([]);
    expect(cfg).toMatchObject({
      dataDir: c.data,
      tickTime: 1000,
      initLimit: 10,
      syncLimit: 4,
      maxClientCnxns: 0,
      autopurgePurgeInterval: 24,
      autopurgeSnapRetainCount: 5,
      standaloneEnabled: false,
      adminEnableServer: false,
      fourLetterWhitelist: "srvr,ruok,mntr,conf",
      snapCount: 50000,
      minSessionTimeout: 3000,
    });
    expect(cfg.servers.map((s) => `${s.id}:${s.host}:${s.role}:${s.clientHost ?? ""}:${s.clientPort}`)).toEqual([
      "1:zoo1:participant::2181",
      "2:zoo2:participant::2181",
      "3:zoo3:observer:0.0.0.0:2181",
    ]);
  });

  it("a mounted zoo.cfg and an existing myid are left as they are; the command is exec'd with its arguments", async () => {
    const c = container({ ZOO_MY_ID: "7", ZOO_TICK_TIME: "999" });
    mkdirSync(c.conf, { recursive: true });
    mkdirSync(c.data, { recursive: true });
    const mounted = "# mounted\ntickTime=3000\ndataDir=/elsewhere\nclientPort=2181\n";
    writeFileSync(join(c.conf, "zoo.cfg"), mounted);
    writeFileSync(join(c.data, "myid"), "4\n");
    const { stdout } = await run(
      "sh",
      [ENTRYPOINT, process.execPath, "-e", "process.stdout.write(JSON.stringify(process.argv.slice(1)))", "a b", "c"],
      { env: c.env, timeout: 30_000 },
    );
    expect(JSON.parse(stdout)).toEqual(["a b", "c"]);
    expect(c.cfg()).toBe(mounted);
    expect(c.myid()).toBe("4\n");
  });

  it("the default command runs zkts-server on the rendered zoo.cfg; the health check follows it", { timeout: 120_000 }, async () => {
    // zkts-server on PATH as the image has it (here: the checkout's launcher).
    const bin = join(work, "bin");
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(REPO_ROOT, "apps", "server", "bin", "zkts-server.js"), join(bin, "zkts-server"));
    const [clientPort, quorumPort, electionPort] = [await freePort(), await freePort(), await freePort()];
    const c = container({
      PATH: `${bin}:${process.env.PATH}`,
      ZOO_SERVERS: `server.1=127.0.0.1:${quorumPort}:${electionPort};127.0.0.1:${clientPort}`,
      ZOO_ADMINSERVER_ENABLED: "false",
      ZOO_4LW_COMMANDS_WHITELIST: "srvr,ruok",
    });
    const health = () =>
      run(process.execPath, [HEALTHCHECK], { env: c.env, timeout: 30_000 }).then(
        () => 0,
        (e: { code?: number }) => e.code ?? -1,
      );
    const child = spawn("sh", [ENTRYPOINT, "zkts-server"], { env: c.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const srvr = await fourLetter(clientPort, "srvr").catch(() => "");
        // One server line with standaloneEnabled=true (the image's default config) is a standalone server, as in
        // ZooKeeper (QuorumPeerConfig.isDistributed).
        if (srvr.includes("Mode: standalone")) break;
        if (Date.now() > deadline) throw new Error(`zkts-server did not serve through the entrypoint:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await fourLetter(clientPort, "ruok")).toBe("imok");
      expect(c.myid()).toBe("1\n");
      expect(await health()).toBe(0);
      // exec: the server is the entrypoint's process itself, so the signal reaches it.
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(await health()).toBe(1);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("the health check falls back to srvr when ruok is not whitelisted (ZooKeeper's default whitelist)", { timeout: 120_000 }, async () => {
    const [clientPort] = [await freePort()];
    const c = container();
    mkdirSync(c.conf, { recursive: true });
    writeFileSync(
      join(c.conf, "zoo.cfg"),
      `dataDir=${c.data}\ntickTime=2000\nclientPort=${clientPort}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n`,
    );
    const child = spawn("sh", [ENTRYPOINT, process.execPath, join(REPO_ROOT, "apps", "server", "bin", "zkts-server.js"), join(c.conf, "zoo.cfg")], {
      env: c.env,
      stdio: "ignore",
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!(await fourLetter(clientPort, "srvr").catch(() => "")).includes("Mode: standalone")) {
        if (Date.now() > deadline) throw new Error("zkts-server did not start");
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await fourLetter(clientPort, "ruok")).toContain("not in the whitelist");
      await expect(run(process.execPath, [HEALTHCHECK], { env: c.env, timeout: 30_000 })).resolves.toBeDefined();
    } finally {
      child.kill("SIGKILL");
    }
  });
});
