// In-process benchmark of the write path: requests in (encoded packets), prep, a memory txn log (each txn
// marshalled as the log would), apply to the tree, replies out. CPU time per op (process.cpuUsage), so it does not
// depend on the machine's load. Run after `pnpm build`:
//   node packages/core/scripts/write-bench.mjs [workload ...] [--ops N] [--rounds R]
// workloads: set create delete multi5 (default: all). Prints us of CPU per op per round, their median and minimum
// (the minimum is the steadier figure on a loaded machine).
import { OpCode, Ids, encodeRequest, encodeTxn } from "@zkts/client-wire";
import { makeServer, TestClient } from "@zkts/core/testing";

const args = process.argv.slice(2);
let ops = 40000;
let rounds = 5;
const workloads = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--ops") ops = Number(args[++i]);
  else if (args[i] === "--rounds") rounds = Number(args[++i]);
  else workloads.push(args[i]);
}
if (workloads.length === 0) workloads.push("set", "create", "delete", "multi5");

const DEPTH = 32 * 8; // 8 connections x 32 in flight: one durable report per batch of this many
const KEYS = 10000;
const value = Buffer.alloc(100, 0x78);

let listener;
let lastZxid = 0n;
let logged = 0;
const txnLog = {
  logTxn(h, txn, digest) {
    logged += encodeTxn(h, txn, digest).length;
    lastZxid = h.zxid;
  },
  setTxnListener(l) {
    listener = l;
  },
};
const { server } = makeServer({}, { txnLog });
const tick = () => new Promise((r) => setImmediate(r));
async function flush() {
  listener.durable(lastZxid);
  await tick();
}
const c = new TestClient(server);
await flush();
let xid = 1;
const pkt = (type, body) => encodeRequest({ xid: xid++, type, body });
const send = async (packets) => {
  for (let i = 0; i < packets.length; i++) {
    server.handlePacket(c.conn, packets[i]);
    if ((i + 1) % DEPTH === 0) {
      await flush();
      c.conn.sent.length = 0;
    }
  }
  await flush();
  c.conn.sent.length = 0;
};
// the tree: /b, 10,000 keys /b/k<n>, the create dir /b/c
await send([pkt(OpCode.create, { path: "/b", data: value, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 }), pkt(OpCode.create, { path: "/b/c", data: value, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 })]);
const setup = [];
for (let k = 0; k < KEYS; k++) setup.push(pkt(OpCode.create, { path: `/b/k${k}`, data: value, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 }));
await send(setup);

let seq = 0;
let rng = 12345;
const key = () => {
  rng = (rng * 1103515245 + 12345) >>> 0;
  return `/b/k${rng % KEYS}`;
};
const made = [];
function packets(w) {
  const out = [];
  for (let i = 0; i < ops; i++) {
    if (w === "set") out.push(pkt(OpCode.setData, { path: key(), data: value, version: -1 }));
    else if (w === "create") {
      const path = `/b/c/t-${seq++}`;
      made.push(path);
      out.push(pkt(OpCode.create, { path, data: value, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 }));
    } else if (w === "delete") {
      const path = made.pop();
      if (path === undefined) throw new Error("delete: run create first");
      out.push(pkt(OpCode.delete, { path, version: -1 }));
    } else if (w === "multi5") {
      const path = `/b/c/m-${seq++}`;
      out.push(
        pkt(OpCode.multi, {
          ops: [
            { type: OpCode.create, body: { path, data: value, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 } },
            { type: OpCode.setData, body: { path, data: value, version: 0 } },
            { type: OpCode.check, body: { path, version: 1 } },
            { type: OpCode.delete, body: { path, version: 1 } },
            { type: OpCode.setData, body: { path: key(), data: value, version: -1 } },
          ],
        }),
      );
    } else throw new Error(`unknown workload ${w}`);
  }
  return out;
}

if (process.env.HEAPW) await import("/tmp/s11w/heap-wrap.mjs");
const results = new Map(workloads.map((w) => [w, []]));
for (let r = 0; r < rounds; r++) {
  for (const w of workloads) {
    const p = packets(w);
    if (globalThis.gc) globalThis.gc();
    const t0 = process.cpuUsage();
    await send(p);
    const t = process.cpuUsage(t0);
    results.get(w).push((t.user + t.system) / ops);
  }
  // delete what create made (untimed), so every round starts from the same tree size
  if (made.length > 0) {
    const del = made.splice(0).map((path) => pkt(OpCode.delete, { path, version: -1 }));
    await send(del);
  }
}
if (process.env.HEAPW) await globalThis.__stopHeap();
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [w, a] of results) console.log(`${w.padEnd(7)} median ${med(a).toFixed(2)} min ${Math.min(...a).toFixed(2)} us/op  rounds ${a.map((x) => x.toFixed(2)).join(" ")}`);
if (logged === 0) console.log("(nothing logged?)");
