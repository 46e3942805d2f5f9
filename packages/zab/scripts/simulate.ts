/**
 * Runs the ZAB cluster simulation over many seeds and prints any failing seed (it replays exactly).
 *
 *   npx tsx packages/zab/scripts/simulate.ts --seeds 1000              # random seeds, N = 3 and 5
 *   npx tsx packages/zab/scripts/simulate.ts --seeds 200 --from 1      # seeds 1..200
 *   npx tsx packages/zab/scripts/simulate.ts --seed 1234 --voters 5 --trace   # replay one seed with its trace
 *   npx tsx packages/zab/scripts/simulate.ts --seeds 50 --bug ackBeforeFsync  # injected bug: must FAIL
 *   harsher: --stale 0.6 --crash-every 500 --partition-every 700 --break-rate 0.02 --torn-rate 1
 */
import { randomInt } from "node:crypto";
import type { ZabBugs } from "../src/index.js";
import { simulate, type SimOptions } from "../src/testing.js";

const args = process.argv.slice(2);
function opt(name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}
const flag = (name: string) => args.includes(`--${name}`);

const voterSets = (opt("voters") ?? "3,5").split(",").map((v) => Number(v) as 3 | 5);
const observers = Number(opt("observers") ?? 1);
const bug = opt("bug") as keyof ZabBugs | undefined;
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
const t0 = Date.now();
for (const seed of seeds) {
  for (const voters of voterSets) {
    const o: SimOptions = { seed, voters, observers, trace: flag("trace") };
    if (bug) o.bugs = { [bug]: true };
    if (opt("stale") !== undefined) o.staleLeaderChance = Number(opt("stale"));
    const faults: Record<string, number> = {};
    for (const [flagName, key] of [["crash-every", "crashEveryMs"], ["partition-every", "partitionEveryMs"], ["break-rate", "breakRate"], ["torn-rate", "tornRate"]]) {
      if (opt(flagName!) !== undefined) faults[key!] = Number(opt(flagName!));
    }
    o.faults = faults;
    const r = simulate(o);
    runs++;
    if (flag("trace")) console.log(r.trace.join("\n"));
    if (!r.ok) {
      failures++;
      console.log(`FAIL seed=${seed} voters=${voters} observers=${observers}${bug ? ` bug=${bug}` : ""}: ${r.violation}`);
      console.log(`  replay: npx tsx packages/zab/scripts/simulate.ts --seed ${seed} --voters ${voters} --observers ${observers}${bug ? ` --bug ${bug}` : ""} --trace`);
    } else if (one !== undefined) {
      console.log(`ok seed=${seed} voters=${voters}`, JSON.stringify(r.stats));
    }
  }
}
console.log(`${runs} runs, ${failures} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exitCode = failures > 0 && !bug ? 1 : 0;
