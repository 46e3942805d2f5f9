import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { connect, type ZooKeeperClient } from "@zkts/client";
import { afterEach, describe, expect, it } from "vitest";
import { TestingCluster, TestingServer } from "./index.js";

const clients: ZooKeeperClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
});
async function client(connectString: string, sessionTimeout = 4000): Promise<ZooKeeperClient> {
  const c = await connect(connectString, { sessionTimeout, retryDelay: 50 });
  clients.push(c);
  return c;
}
const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe("TestingServer (in-process standalone)", () => {
  it("starts on a free port, keeps data across restart, expires a session on demand, leaves nothing behind", async () => {
    const t0 = performance.now();
    const server = await TestingServer.start();
    console.log(`TestingServer.start: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(server.port).toBeGreaterThan(0);
    const zk = await client(server.connectString);
    await zk.create("/kept", "v1");
    const { path } = await zk.create("/eph", "", { mode: "ephemeral" });
    expect(path).toBe("/eph");

    const states: string[] = [];
    zk.on("state", (s: string) => states.push(s));
    expect(server.expireSession(zk.sessionId)).toBe(true);
    expect(server.expireSession(12345n)).toBe(false);
    await until("the client learns its session expired", () => states.includes("expired"));
    const other = await client(server.connectString);
    expect(await other.exists("/eph")).toBeNull();

    await server.stop();
    expect(server.isRunning).toBe(false);
    await server.restart();
    const again = await client(server.connectString);
    expect((await again.getData("/kept")).data?.toString()).toBe("v1");
    await server.close();
    expect(existsSync(server.dataDir)).toBe(false);
    await expect(server.restart()).rejects.toThrow(/closed/);
  });

  it("restart() while running stops and starts it on the same port: its client reconnects with its session and ephemerals", async () => {
    const server = await TestingServer.start();
    try {
      const zk = await client(server.connectString);
      await zk.create("/mine", "", { mode: "ephemeral" });
      const before = server.server;
      const disconnected = new Promise<void>((r) => zk.once("disconnected", () => r()));
      await server.restart();
      await disconnected;
      expect(server.server).not.toBe(before);
      expect(server.isRunning).toBe(true);
      await until("the client is back", () => zk.state === "connected");
      expect((await zk.exists("/mine"))?.ephemeralOwner).toBe(zk.sessionId);
    } finally {
      await server.close();
    }
  });
});

describe("TestingCluster (in-process ensemble)", () => {
  it("3 members: one leader; survives a leader kill; an isolated follower stops serving and rejoins when healed", async () => {
    const t0 = performance.now();
    await using cluster = await TestingCluster.start({ size: 3 });
    console.log(`TestingCluster.start (3 in-process members): ${(performance.now() - t0).toFixed(0)} ms`);
    const zk = await client(cluster.connectString);
    await zk.create("/a", "1");
    // a session expired on demand: its ephemeral goes on every member, its client hears "expired"
    const doomed = await client(cluster.connectString);
    await doomed.create("/doomed", "", { mode: "ephemeral" });
    const doomedStates: string[] = [];
    doomed.on("state", (s: string) => doomedStates.push(s));
    expect(await cluster.expireSession(doomed.sessionId)).toBe(true);
    await until("the doomed client hears it expired", () => doomedStates.includes("expired"));
    await zk.sync("/");
    expect(await zk.exists("/doomed")).toBeNull();

    const leader = await cluster.leader();
    await leader.kill();
    const next = await cluster.waitForLeader();
    expect(next.id).not.toBe(leader.id);
    await until("a write after the leader kill", async () => {
      try {
        await zk.setData("/a", "2");
        return true;
      } catch {
        return false;
      }
    });
    await leader.start();
    await cluster.waitForLeader();
    await until("the restarted member has the write", async () => {
      const c = await client(leader.connectString);
      return (await c.getData("/a")).data?.toString() === "2";
    });

    const follower = cluster.members.find((m) => m.id !== next.id)!;
    expect(await follower.mode()).toBe("follower");
    follower.isolate();
    await until("the isolated follower stops serving", async () => !["leader", "follower"].includes((await follower.mode()) ?? ""));
    // the other two still form a quorum
    const viaOther = await client(cluster.members.find((m) => m !== follower && m.isRunning)!.connectString);
    await viaOther.create("/during-partition", "");
    follower.heal();
    await until("the healed follower serves again", async () => (await follower.mode()) === "follower");
    const c = await client(follower.connectString);
    await until("it caught up", async () => (await c.exists("/during-partition")) !== null);
    expect(existsSync(cluster.root)).toBe(true);
  }, 90_000);
});

describe("TestingCluster helpers", () => {
  it("restartAll: every member killed and started again keeps the committed data; waitForMode waits for a mode", async () => {
    const cluster = await TestingCluster.start({ size: 3 });
    try {
      const zk = await client(cluster.connectString);
      await zk.create("/before-crash", "kept");
      const leader = await cluster.leader();
      const follower = cluster.members.find((m) => m !== leader)!;
      await expect(follower.waitForMode("leader", 300)).rejects.toThrow(/mode follower, not leader, after 300 ms/);
      follower.isolate();
      expect(await follower.waitForMode(["looking"], 10_000)).toBe("looking");
      follower.heal();
      expect(await follower.waitForMode(["leader", "follower"], 20_000)).toMatch(/^(leader|follower)$/);

      await follower.kill(); // a stopped member is started again too
      const after = await cluster.restartAll();
      expect(cluster.members.every((m) => m.isRunning)).toBe(true);
      expect(await after.mode()).toBe("leader");
      for (const m of cluster.members) {
        const c = await client(m.connectString);
        await c.sync("/");
        expect((await c.getData("/before-crash")).data?.toString()).toBe("kept");
      }
    } finally {
      await cluster.close();
    }
    await expect(cluster.restartAll()).rejects.toThrow(/closed/);
    await expect(cluster.members[0]!.start()).rejects.toThrow(/closed/);
    expect(existsSync(cluster.root)).toBe(false);
  }, 90_000);
});

describe("TestingCluster (child processes)", () => {
  it("a paused (SIGSTOP) leader is replaced; resumed, it rejoins as a follower", async () => {
    const cluster = await TestingCluster.start({ size: 3, processes: true });
    try {
      const leader = await cluster.leader();
      leader.pause();
      await until("a new leader among the others", async () => {
        const modes = await Promise.all(cluster.members.filter((m) => m !== leader).map((m) => m.mode()));
        return modes.includes("leader");
      }, 30_000);
      leader.resume();
      await until("the old leader follows", async () => (await leader.mode()) === "follower", 30_000);
      const zk = await client(leader.connectString);
      await zk.create("/after-pause", "");
    } finally {
      await cluster.close();
    }
    expect(existsSync(cluster.root)).toBe(false);
  }, 120_000);
});

describe("node:test", () => {
  it("an example test file runs under `node --test` against the built package", () => {
    const built = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    expect(existsSync(built), `${built} is missing: build first (pnpm build)`).toBe(true);
    const file = fileURLToPath(new URL("../examples/node-test.test.mjs", import.meta.url));
    const r = spawnSync(process.execPath, ["--test", file], { encoding: "utf8", timeout: 60_000 });
    expect(r.stdout + r.stderr).toMatch(/# pass 1/);
    expect(r.status).toBe(0);
  }, 70_000);
});
