// Drives node-zookeeper-client for golden-frame capture. Usage: node scenario.cjs <host:port>
"use strict";
const zookeeper = require("node-zookeeper-client");

const client = zookeeper.createClient(process.argv[2], { sessionTimeout: 10000, retries: 0 });
const p = (fn, ...args) =>
  new Promise((resolve) => fn.call(client, ...args, (err, ...rest) => resolve({ err, rest })));

client.once("connected", async () => {
  const open = zookeeper.ACL.OPEN_ACL_UNSAFE;
  await p(client.create, "/nz", Buffer.from("node"), open, zookeeper.CreateMode.PERSISTENT);
  await p(client.create, "/nz/eph", Buffer.from("e"), open, zookeeper.CreateMode.EPHEMERAL);
  await p(client.create, "/nz/seq-", null, open, zookeeper.CreateMode.PERSISTENT_SEQUENTIAL);
  await p(client.create, "/nz", Buffer.from("dup"), open, zookeeper.CreateMode.PERSISTENT);
  await p(client.exists, "/nz", undefined);
  await p(client.exists, "/nz/absent", () => {});
  let fired;
  const watched = new Promise((r) => (fired = r));
  await p(client.getData, "/nz", () => fired());
  await p(client.setData, "/nz", Buffer.from("v1"), -1);
  await watched;
  await p(client.setData, "/nz", Buffer.from("bad"), 7);
  await p(client.getChildren, "/nz", () => {});
  await p(client.getACL, "/nz");
  await p(client.setACL, "/nz", open, 0);
  client.addAuthInfo("digest", Buffer.from("alice:secret"));
  const tx = client.transaction().create("/nz/t1", Buffer.from("t")).check("/nz", 0).setData("/nz/t1", Buffer.from("u"), -1).remove("/nz/t1", -1);
  await new Promise((r) => tx.commit(() => r()));
  const bad = client.transaction().create("/nz/t2").check("/nz", 42);
  await new Promise((r) => bad.commit(() => r()));
  await p(client.remove, "/nz", -1);
  await p(client.remove, "/nz/eph", 0);
  client.close();
  setTimeout(() => { console.log("DONE"); process.exit(0); }, 500);
});
client.connect();
setTimeout(() => { console.error("timeout"); process.exit(2); }, 30000).unref();
