/** Runs every attack case against Apache ZooKeeper 3.8 and zkts (in-process) and prints both outcomes as JSON.
 * Usage: npx tsx --tsconfig tsconfig.json tests/robustness/scripts/record-reference.ts  (from the repo root) */
import { startReferenceZooKeeper } from "@zkts/testkit";
import { allCases } from "../src/cases.js";
import { startInProcess } from "../src/servers.js";
import { probe, type Outcome } from "../src/wire.js";

const show = (o: Outcome) =>
  `${o.sessionId !== undefined ? `sid=${o.sessionId === 0n ? "0" : "set"} ` : ""}replies=${JSON.stringify(o.replies)} ${o.open ? "OPEN" : "CLOSED"}`;

const ref = await startReferenceZooKeeper();
const zk = await startInProcess();
try {
  for (const c of allCases) {
    const a = await probe(ref.port, c.bytes, { handshake: c.handshake, sync: c.sync ?? true }).catch((e) => String(e));
    const b = await probe(zk.port, c.bytes, { handshake: c.handshake, sync: c.sync ?? true }).catch((e) => String(e));
    const sa = typeof a === "string" ? a : show(a);
    const sb = typeof b === "string" ? b : show(b);
    console.log(`${sa === sb ? "same" : "DIFF"} | ${c.name}\n   zk:   ${sa}\n   zkts: ${sb}`);
  }
} finally {
  await zk.stop();
  if (process.env.REF_LOG) console.log(ref.output());
  await ref.stop();
}
