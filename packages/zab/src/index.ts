export * from "./packets.js";
export * from "./types.js";
export { ZabPeer, NotLeaderError } from "./peer.js";
export { simulate, ZabSimulator, type SimOptions, type SimResult, type SimFaults } from "./sim/simulator.js";
