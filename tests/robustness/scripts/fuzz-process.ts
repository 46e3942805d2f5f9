/** Exploration: fuzz workers against the zkts-server process, with progress. */
import { fourLetter, startZkts } from "@zkts/testkit";
import { FrameFuzzer, fuzzWorker, loadCorpus } from "../src/fuzz.js";
const zk = await startZkts({ config: { forceSync: "no" } });
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void zk.stop().then(() => process.exit(1)));
const corpus = loadCorpus();
const t0 = Date.now();
const tick = setInterval(async () => {
  const m = await fourLetter(zk.port, "mntr", "127.0.0.1", 3000).catch((e) => String(e));
  console.log(live.map((l) => `${l.framesSent}/${l.connections}/${l.syncTimeouts}`).join(" "));
  console.log(Date.now() - t0, "ms", /zk_packets_received\t(\d+)/.exec(m)?.[1] ?? m.slice(0, 100), "alive", zk.process.exitCode);
}, 2000);
const n = Number(process.argv[3] ?? 1);
const live: import("../src/fuzz.js").FuzzStats[] = [];
const res = await Promise.all(Array.from({ length: n }, (_, w) => fuzzWorker(zk.port, new FrameFuzzer(corpus, 100 + w), { frames: Number(process.argv[2] ?? 5000), batch: 6, perConnection: 400, syncTimeoutMs: 3000, live })));
clearInterval(tick);
for (const r of res) console.log({ ...r, mutations: undefined, hangs: r.hangs.map((h) => h.toString("hex")) });
console.log(Date.now() - t0, "ms");
console.log(zk.output().split("\n").filter((l) => !l.includes('"warn"') && !l.includes('"info"')).slice(0, 20).join("\n"));
await zk.stop();
