export * from "./packets.js";
export * from "./types.js";
export { ZabPeer, NotLeaderError } from "./peer.js";
