// A node:test file using @zkts/testing (run: node --test examples/node-test.test.mjs, after `pnpm build`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "@zkts/client";
import { TestingServer } from "@zkts/testing";

test("a znode round trip on a TestingServer", async () => {
  const server = await TestingServer.start();
  try {
    const zk = await connect(server.connectString);
    await zk.create("/hello", "world");
    assert.equal((await zk.getData("/hello")).data.toString(), "world");
    await zk.close();
  } finally {
    await server.close();
  }
});
