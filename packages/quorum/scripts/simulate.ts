/**
 * Runs the whole-cluster simulation (real QuorumPeers, simulated clients and faults) over many seeds and prints
 * any failing seed (it replays exactly), with the invariant it broke, and the simulated time covered.
 *
 *   npx tsx packages/quorum/scripts/simulate.ts --seeds 200                      # random seeds, 3 and 5 voters
 *   npx tsx packages/quorum/scripts/simulate.ts --seeds 50 --from 1 --duration 600000   # seeds 1..50, 10 simulated min each
 *   npx tsx packages/quorum/scripts/simulate.ts --seed 1234 --voters 5 --trace   # replay one seed with its trace
 *   npx tsx packages/quorum/scripts/simulate.ts --seeds 20 --bug applyUncommitted       # an injected bug: must FAIL
 *   npx tsx packages/quorum/scripts/simulate.ts --seeds 100 --from 1 --voters 3 --reconfig --duration 60000  # with reconfigs
 *   npx tsx packages/quorum/scripts/simulate.ts --seeds 20 --reconfig --bug reconfigOldQuorumOnly           # must FAIL
 *   options: --zk-election (ZooKeeper's election timing: eagerElection false); --spares N, --new-members (non-incremental reconfigs too) and --forget-last-seen (an injected host bug) with --reconfig; --observers N --clients N --tick MS --crash-every MS --partition-every MS --pause-every MS --break-rate P
 */
import { randomInt } from "node:crypto";
import type { QuorumPeerFaults } from "../src/index.js";
import { simulate, type SimOptions } from "../src/testing.js";

const args = process.argv.slice(2);
function opt(name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}
const flag = (name: string) => args.includes(`--${name}`);
/** Lets the members' promise callbacks (MemoryStorage, host loops) run between events: no real I/O is pending. */
const drain = () => new Promise<void>((r) => setImmediate(r));

const voterSets = (opt("voters") ?? "3,5").split(",").map(Number);
const bug = opt("bug") as keyof QuorumPeerFaults | undefined;
const one = opt("seed");
const seeds: number[] = [];
if (one !== undefined) seeds.push(Number(one));
else {
  const n = Number(opt("seeds") ?? 100);
  const from = opt("from");
  for (let i = 0; i < n; i++) seeds.push(from !== undefined ? Number(from) + i : randomInt(1, 2 ** 31 - 1));
}

let failures = 0;
let runs = 0;
let simulatedMs = 0;
let events = 0;
const caughtBy = new Map<string, number>();
const totals = new Map<string, number>();
const t0 = Date.now();
for (const seed of seeds) {
  for (const voters of voterSets) {
    const o: SimOptions = { seed, voters, trace: flag("trace") };
    if (opt("observers") !== undefined) o.observers = Number(opt("observers"));
    if (opt("clients") !== undefined) o.clients = Number(opt("clients"));
    if (opt("duration") !== undefined) o.durationMs = Number(opt("duration"));
    if (opt("tick") !== undefined) o.tickTime = Number(opt("tick"));
    if (bug !== undefined) o.bugs = { [bug]: true };
    if (flag("reconfig")) o.reconfig = true;
    if (opt("spares") !== undefined) o.spares = Number(opt("spares"));
    if (flag("new-members")) o.reconfigNewMembers = true;
    if (flag("forget-last-seen")) o.forgetLastSeenConfig = true;
    if (flag("zk-election")) o.eagerElection = false;
    const faults: Record<string, number> = {};
    for (const [name, key] of [
      ["crash-every", "crashEveryMs"],
      ["partition-every", "partitionEveryMs"],
      ["pause-every", "pauseEveryMs"],
      ["break-rate", "breakRate"],
    ] as const) {
      if (opt(name) !== undefined) faults[key] = Number(opt(name));
    }
    o.faults = faults;
    const r = await simulate(o, drain);
    for (const [k, v] of Object.entries(r.stats)) totals.set(k, (totals.get(k) ?? 0) + v);
    runs++;
    simulatedMs += r.simulatedMs;
    events += r.events;
    if (flag("trace")) console.log(r.trace.join("\n"));
    const replay = `npx tsx packages/quorum/scripts/simulate.ts --seed ${seed} --voters ${voters}${o.observers !== undefined ? ` --observers ${o.observers}` : ""}${o.durationMs !== undefined ? ` --duration ${o.durationMs}` : ""}${o.reconfig === true ? " --reconfig" : ""}${o.spares !== undefined ? ` --spares ${o.spares}` : ""}${o.reconfigNewMembers === true ? " --new-members" : ""}${o.forgetLastSeenConfig === true ? " --forget-last-seen" : ""}${o.eagerElection === false ? " --zk-election" : ""}${bug !== undefined ? ` --bug ${bug}` : ""} --trace`;
    if (!r.ok) {
      failures++;
      caughtBy.set(r.invariant!, (caughtBy.get(r.invariant!) ?? 0) + 1);
      console.log(`FAIL seed=${seed} voters=${voters}${bug !== undefined ? ` bug=${bug}` : ""} at ${r.simulatedMs} ms: ${r.violation}`);
      console.log(`  replay: ${replay}`);
    } else if (one !== undefined) {
      console.log(`ok seed=${seed} voters=${voters} ${r.simulatedMs} simulated ms`, JSON.stringify(r.stats));
    }
  }
}
const hours = simulatedMs / 3_600_000;
console.log(
  `${runs} runs, ${failures} failed; ${(simulatedMs / 1000).toFixed(0)} simulated s (${hours.toFixed(2)} h), ${events} events, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
const shown = ["crashes", "partitions", "pauses", "epochs", "acked", "commitQuorumsChecked", "reconfigsCommitted", "client_reconfigs", "client_reconfigsRefused"];
console.log(`totals: ${shown.map((k) => `${k} ${totals.get(k) ?? 0}`).join(", ")}`);
if (caughtBy.size > 0) console.log(`caught by: ${[...caughtBy].map(([k, v]) => `${k} x${v}`).join(", ")}`);
process.exitCode = failures > 0 && bug === undefined && !flag("forget-last-seen") ? 1 : 0;
