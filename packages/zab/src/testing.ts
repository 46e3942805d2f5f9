/** @zkts/zab/testing — the deterministic ZAB cluster simulator (seeded; replays exactly). Not for production use. */
export { simulate, ZabSimulator, type SimOptions, type SimResult, type SimFaults } from "./sim/simulator.js";
