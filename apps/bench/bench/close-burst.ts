/**
 * N sessions closing at once against any running server on this machine (zkts or Apache ZooKeeper): opens N
 * sessions (200 handshakes in flight), waits 2 s, resets the server's stats (srst), then sends closeSession on all
 * of them together and waits until every socket is closed. Meanwhile one more session (the probe) sends getData /
 * back to back at depth 1. Prints the time to close them all, the server's CPU over it (/proc/<pid>/stat), its own
 * longest pause (mntr zk_max_jvm_pause_time_ms: needs jvm.pause.monitor=true; zkts's event loop, ZooKeeper's JVM)
 * and the probe's latency.
 *
 * Run: npx tsx apps/bench/bench/close-burst.ts <port> <server pid> <N>   (one process holds N + 2 sockets)
 */
import { loadavg } from "node:os";
import { OpCode } from "@zkts/client-wire";
import { processCpuSeconds } from "../src/compare.js";
import { Connection } from "../src/connection.js";
import { fourLetterAt, mntr } from "../src/scale.js";

const [port, pid, n] = process.argv.slice(2).map(Number) as [number, number, number];
if (!(port > 0 && pid > 0 && n > 0)) throw new Error("usage: close-burst.ts <port> <server pid> <sessions>");
const host = "127.0.0.1";
const conns: Connection[] = [];
let opened = 0;
await Promise.all(
  Array.from({ length: 200 }, async () => {
    while (opened < n) {
      opened++;
      conns.push(await Connection.open({ host, port, sessionTimeoutMs: 30_000, connectTimeoutMs: 60_000 }));
    }
  }),
);
await new Promise((r) => setTimeout(r, 2000));
await fourLetterAt(host, port, "srst");
const probe = await Connection.open({ host, port, sessionTimeoutMs: 30_000 });
const lat: number[] = [];
let probing = true;
const probeLoop = (async () => {
  while (probing) {
    const a = performance.now();
    await probe.call(OpCode.getData, { path: "/", watch: false });
    lat.push(performance.now() - a);
  }
})();
await new Promise((r) => setTimeout(r, 200));
const cpu0 = processCpuSeconds(pid);
const t0 = performance.now();
await Promise.all(conns.map((c) => c.close(60_000)));
const closeMs = performance.now() - t0;
await new Promise((r) => setTimeout(r, 200));
probing = false;
await probeLoop;
const cpuMs = (processCpuSeconds(pid) - cpu0) * 1000;
const m = await mntr(host, port);
await probe.close();
lat.sort((a, b) => a - b);
const q = (f: number) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))]!;
console.log(
  JSON.stringify({
    sessions: n,
    closeMs: Math.round(closeMs),
    serverCpuMs: Math.round(cpuMs),
    serverMaxPauseMs: Number(m.get("zk_max_jvm_pause_time_ms")),
    probe: { requests: lat.length, p50Ms: +q(0.5).toFixed(2), p99Ms: +q(0.99).toFixed(1), maxMs: Math.round(lat[lat.length - 1]!) },
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  }),
);
process.exit(0);
