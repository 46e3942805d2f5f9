/**
 * @zkts/election/testing — the deterministic election simulator and its building blocks (seeded randomness,
 * event queue), also used by @zkts/zab's simulator. Not for production use.
 */
export {
  ElectionSimulator,
  simulate,
  InvariantViolation,
  type SimOptions,
  type SimResult,
  type SimNetworkOptions,
} from "./sim/simulator.js";
export { SimRandom, EventQueue } from "./sim/random.js";
