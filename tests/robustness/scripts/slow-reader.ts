/** Exploration: a client that never reads while sending getData on a 500 KB node. */
import { OpCode } from "@zkts/client-wire";
import { frame } from "@zkts/jute";
import { startReferenceZooKeeper } from "@zkts/testkit";
import { readFileSync } from "node:fs";
import { startInProcess } from "../src/servers.js";
import { HealthySession, RawConnection, req } from "../src/wire.js";

const which = process.argv[2] ?? "zkts";
const batch = Number(process.argv[3] ?? 200);
let port: number;
let stop: () => Promise<void>;
let mem: () => number;
if (which === "ref") {
  const r = await startReferenceZooKeeper();
  port = r.port; stop = r.stop;
  mem = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${r.process.pid}/status`, "utf8"))![1]) / 1024;
} else {
  const z = await startInProcess();
  port = z.port; stop = z.stop;
  mem = () => process.memoryUsage().rss / 2 ** 20;
}
const h = await HealthySession.open(port);
console.log("create", (await h.create("/big", Buffer.alloc(500_000, 1))).err);
const slow = await RawConnection.open(port);
await slow.handshake();
slow.socket.pause();
let peak = 0, sent = 0;
const t0 = Date.now();
const sampler = setInterval(() => (peak = Math.max(peak, mem())), 20);
const get = frame(req(1, OpCode.getData, { path: "/big", watch: false }));
while (!slow.closed && Date.now() - t0 < 15_000 && sent < 5_000_000) {
  const ok = slow.socket.write(Buffer.concat(Array.from({ length: batch }, () => get)));
  sent += batch;
  if (!ok) await new Promise((r) => setTimeout(r, 10));
  else await new Promise((r) => setImmediate(r));
}
clearInterval(sampler);
console.log({ which, batch, closed: slow.closed, sent, ms: Date.now() - t0, peakMB: Math.round(peak), clientBuffered: slow.socket.writableLength });
const g = await h.getData("/big");
console.log("healthy get", g.err, g.data?.length);
await h.close(); await slow.destroy(); await stop();
