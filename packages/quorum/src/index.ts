/**
 * @zkts/quorum — one ZooKeeper ensemble member: election, ZAB and the server core as a pure `QuorumPeer`, its
 * durable store, and the Node adapters that put it on sockets.
 */
export { QuorumPeer } from "./peer.js";
export type { ElectionNet, PeerMode, QuorumNet, QuorumPeerEnv, QuorumPeerFaults, QuorumPeerInit } from "./types.js";
export { EnsembleStore, type EnsembleStoreOptions } from "./store.js";
export { copyTree, ReadOnlyMode, ReadOnlyServer } from "./read-only.js";
export { clientPortSwitch, type ClientPortView } from "./client-port.js";
export { forwardedRequest, requestPacket, decodeTouchedSessions, encodeTouchedSessions } from "./forwarding.js";
export { QuorumTransport, type TransportEvents } from "./node/quorum-transport.js";
export { ElectionPortError, openNodeQuorumPeer, type NodeQuorumPeer, type NodeQuorumPeerOptions } from "./node/node-peer.js";
