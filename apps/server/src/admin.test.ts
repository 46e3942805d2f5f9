import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config.js";
import { spawnServer as spawnIn, waitForLine, type ServerProcess } from "./process-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "zkts-admin-test-"));
const children: ChildProcess[] = [];
/** A server process on `<dir>/<name>.cfg`, killed after the tests if still running. */
function spawnServer(name: string, cfg: string): ServerProcess {
  const p = spawnIn(dir, cfg, { name });
  children.push(p.child);
  return p;
}
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});




const get = async (port: number, path: string) => {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, body: await r.text() };
};

const base = (name: string) => `tickTime=2000\ndataDir=${join(dir, name)}\nclientPort=0\nclientPortAddress=127.0.0.1\n`;

describe("zkts-server's AdminServer", () => {
  it("serves the commands and the probes on admin.serverAddress:admin.serverPort", async () => {
    const cfg = base("a") + "admin.serverPort=0\nadmin.serverAddress=127.0.0.1\nadmin.commandURL=/cmds\n";
    const p = spawnServer("a", cfg);
    const started = await waitForLine(p, "Started AdminServer");
    expect(started).toMatchObject({ address: "127.0.0.1", commandURL: "/cmds" });
    const port = started.port as number;
    await waitForLine(p, "zkts-server started");
    expect((await get(port, "/live")).status).toBe(200);
    const ready = await get(port, "/ready");
    expect({ status: ready.status, body: JSON.parse(ready.body) }).toEqual({ status: 200, body: { ready: true, server_state: "standalone" } });
    const ruok = JSON.parse((await get(port, "/cmds/ruok")).body);
    expect(ruok).toEqual({ command: "ruok", error: null });
    const icfg = JSON.parse((await get(port, "/cmds/icfg")).body);
    expect(icfg.initial_configuration).toBe(cfg);
    const sysp = JSON.parse((await get(port, "/cmds/sysp")).body);
    expect(sysp["zookeeper.admin.commandURL"]).toBe("/cmds");
    const stat = JSON.parse((await get(port, "/cmds/stat")).body);
    expect(stat.server_stats.server_state).toBe("standalone");
    expect(stat.node_count).toBeGreaterThan(0);
    p.child.kill("SIGTERM");
    expect((await p.exit).code).toBe(0);
  }, 30_000);

  it("exits 4 when its port is taken, as ZooKeeperServerMain does", async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const p = spawnServer("b", base("b") + `admin.serverPort=${port}\nadmin.serverAddress=127.0.0.1\n`);
      expect((await p.exit).code).toBe(4);
      expect(p.stderr.join("")).toContain("Unable to start AdminServer, exiting abnormally");
      expect(p.stderr.join("")).toContain(`port ${port}`);
      // nothing else was started: no client port was opened
      expect(p.lines.some((l) => l.msg === "listening for client connections")).toBe(false);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  }, 30_000);

  it("does not start with admin.enableServer=false", async () => {
    const p = spawnServer("c", base("c") + "admin.enableServer=false\n");
    await waitForLine(p, "zkts-server started");
    expect(p.lines.some((l) => l.msg === "Started AdminServer")).toBe(false);
    p.child.kill("SIGTERM");
    expect((await p.exit).code).toBe(0);
  }, 30_000);
});

describe("admin.* keys", () => {
  const problems = (text: string): string[] => {
    try {
      parseConfig(text);
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };

  it("takes ZooKeeper's defaults", () => {
    const c = parseConfig("dataDir=/d\nclientPort=2181\n");
    expect({ on: c.adminEnableServer, port: c.adminServerPort, addr: c.adminServerAddress, idle: c.adminIdleTimeout, url: c.adminCommandUrl }).toEqual({
      on: true,
      port: 8080,
      addr: "0.0.0.0",
      idle: 30000,
      url: "/commands",
    });
  });

  it("reads every key it honours, without warnings", () => {
    const c = parseConfig(
      "dataDir=/d\nclientPort=2181\nadmin.enableServer=false\nadmin.serverPort=9999\nadmin.serverAddress=127.0.0.1\nadmin.idleTimeout=5000\nadmin.commandURL=/x\n",
    );
    expect([c.adminEnableServer, c.adminServerPort, c.adminServerAddress, c.adminIdleTimeout, c.adminCommandUrl]).toEqual([false, 9999, "127.0.0.1", 5000, "/x"]);
    expect(c.warnings).toEqual([]);
  });

  it("refuses the AdminServer keys it cannot honour, naming them; ZooKeeper's default values pass", () => {
    expect(problems("dataDir=/d\nclientPort=2181\nadmin.forceHttps=true\n")).toEqual([
      expect.stringContaining("admin.forceHttps is not supported by zkts"),
    ]);
    expect(problems("dataDir=/d\nclientPort=2181\nadmin.portUnification=true\nadmin.httpVersion=2\n")).toHaveLength(2);
    expect(problems("dataDir=/d\nclientPort=2181\nadmin.forceHttps=false\nadmin.httpVersion=11\n")).toEqual([]);
    expect(problems("dataDir=/d\nclientPort=2181\nadmin.serverPort=99999\n")).toEqual([expect.stringContaining("admin.serverPort")]);
  });
});
