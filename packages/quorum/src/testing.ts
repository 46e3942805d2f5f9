/**
 * @zkts/quorum/testing — the whole-cluster simulator: real QuorumPeers, simulated clients, network and disk faults,
 * named invariants; one seed replays exactly. Not for production use.
 */
export { QuorumSimulator, simulate, type SimOptions, type SimResult } from "./sim/simulator.js";
export { InvariantViolation, DEFAULT_FAULTS, type SimFaults } from "./sim/world.js";
