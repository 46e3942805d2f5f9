/** Exploration: one fuzz worker against an in-process zkts for a few seconds. */
import { FrameFuzzer, fuzzWorker, loadCorpus } from "../src/fuzz.js";
import { startInProcess } from "../src/servers.js";
const zk = await startInProcess();
const t0 = Date.now();
const st = await fuzzWorker(zk.port, new FrameFuzzer(loadCorpus(), 1), { frames: Number(process.argv[2] ?? 2000), batch: 8, perConnection: 400, syncTimeoutMs: 2000 });
console.log(Date.now() - t0, "ms", { ...st, hangs: st.hangs.length }, zk.server.core.info.packetsReceived);
const warn = new Map<string, number>();
for (const l of zk.logs) if (l.level !== "debug") warn.set(l.msg, (warn.get(l.msg) ?? 0) + 1);
console.log(warn);
for (const l of zk.logs) if (l.msg.includes("packet rejected")) console.log(JSON.stringify(l.fields));
for (const h of st.hangs) console.log("HANG", h.toString("hex"));
await zk.stop();
