// A jest test file (CommonJS) using @zkts/testing and @zkts/client.
// Run from packages/testing, after `pnpm build`: npx jest --config examples/jest/jest.config.cjs
const { connect } = require("@zkts/client");
const { TestingCluster, TestingServer } = require("@zkts/testing");

/** Retries `fn` until it resolves (a client may need a moment to find the new leader). */
async function eventually(fn, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe("TestingServer", () => {
  let server;
  beforeAll(async () => {
    server = await TestingServer.start();
  });
  afterAll(async () => {
    await server.close();
  });

  test("a znode round trip, kept across a restart", async () => {
    const zk = await connect(server.connectString);
    try {
      await zk.create("/hello", "world");
      expect((await zk.getData("/hello")).data.toString()).toBe("world");
      await server.stop();
      await server.restart(); // same port, same data: the client reconnects
      expect((await eventually(() => zk.getData("/hello"))).data.toString()).toBe("world");
    } finally {
      await zk.close();
    }
  });
});

describe("TestingCluster", () => {
  let cluster;
  beforeAll(async () => {
    cluster = await TestingCluster.start({ size: 3 });
  });
  afterAll(async () => {
    await cluster.close();
  });

  test("3 members survive a leader kill; the old leader rejoins and catches up", async () => {
    const zk = await connect(cluster.connectString, { sessionTimeout: 4000 });
    try {
      await zk.create("/config", "v1");
      const leader = await cluster.leader();
      await leader.kill();
      const next = await cluster.waitForLeader();
      expect(next.id).not.toBe(leader.id);
      await eventually(() => zk.setData("/config", "v2"));

      await leader.start();
      await cluster.waitForLeader();
      const direct = await connect(leader.connectString);
      try {
        await direct.sync("/config");
        expect((await direct.getData("/config")).data.toString()).toBe("v2");
      } finally {
        await direct.close();
      }
    } finally {
      await zk.close();
    }
  });
});
