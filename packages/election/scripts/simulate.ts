/**
 * Runs the deterministic election simulator over many seeds and prints the first failing seed with its trace.
 *   npx tsx packages/election/scripts/simulate.ts --seeds 10000 [--start 1] [--random] [--voters 3,5]
 *       [--observers 1] [--hierarchical] [--eager] [--invert-sid-order] [--seed N --trace]
 */
import { simulate, type SimOptions } from "../src/sim/simulator.js";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1]! : dflt;
};

const count = Number(value("seeds", "1000"));
let start = Number(value("start", "1"));
if (flag("random")) start = Math.floor(Math.random() * 2 ** 31);
const votersList = value("voters", "3,5").split(",").map(Number);
const one = args.includes("--seed") ? Number(value("seed", "1")) : undefined;

function optionsFor(seed: number): SimOptions {
  const o: SimOptions = {
    seed,
    voters: votersList[seed % votersList.length]!,
    observers: Number(value("observers", String(seed % 4 === 0 ? 1 : 0))),
    hierarchical: flag("hierarchical") || seed % 7 === 0,
  };
  if (flag("invert-sid-order")) o.faults = { invertSidOrder: true };
  if (flag("eager")) o.eager = true;
  return o;
}

const t0 = Date.now();
const seeds = one !== undefined ? [one] : Array.from({ length: count }, (_, i) => start + i);
let worstSettle = 0;
let worstSeed = 0;
let virtual = 0;
let dualClaimSeeds = 0;
for (const seed of seeds) {
  const r = simulate(optionsFor(seed));
  virtual += r.endMs;
  if (r.dualLeaderClaims > 0) dualClaimSeeds++;
  if ((r.settledAfterMs ?? 0) > worstSettle) {
    worstSettle = r.settledAfterMs ?? 0;
    worstSeed = seed;
  }
  if (!r.ok || flag("trace")) {
    console.log(r.trace.join("\n"));
    console.log(`${r.ok ? "OK" : "FAIL"} seed ${seed} (${JSON.stringify(optionsFor(seed), (_, v) => (typeof v === "bigint" ? String(v) : v))}): ${r.violation ?? "stable"}`);
    if (!r.ok) {
      console.log(`replay: npx tsx packages/election/scripts/simulate.ts --seed ${seed} --trace${flag("invert-sid-order") ? " --invert-sid-order" : ""}`);
      process.exit(1);
    }
  }
}
console.log(
  `${seeds.length} seeds OK (from ${seeds[0]}) in ${Date.now() - t0} ms wall, ${(virtual / 1000).toFixed(0)} s simulated; ` +
    `slowest settle after heal ${worstSettle} ms (seed ${worstSeed}); ` +
    `${dualClaimSeeds} seeds saw two servers claim LEADING at once (never both backed by a quorum)`,
);
