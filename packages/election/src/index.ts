export { ElectionError, NotificationDecodeError, HandshakeError, ElectionFrameError, QuorumConfigError } from "./errors.js";
export {
  ServerState,
  SERVER_STATE_NAMES,
  NOTIFICATION_VERSION,
  isServerState,
  encodeNotification,
  decodeNotification,
  epochOfZxid,
  type Notification,
  type NotificationInit,
} from "./notification.js";
export {
  PROTOCOL_VERSION_V1,
  PROTOCOL_VERSION_V2,
  MAX_ADDRESS_LENGTH,
  PACKET_MAX_SIZE,
  OBSERVER_ID,
  encodeInitialMessage,
  HandshakeDecoder,
  parseHostPort,
  formatHostPort,
  encodeElectionFrame,
  ElectionFrameDecoder,
  type HostPort,
  type InitialMessage,
} from "./handshake.js";
export {
  QuorumMaj,
  QuorumHierarchical,
  parseQuorumConfig,
  isHierarchicalConfig,
  parseQuorumServer,
  formatQuorumServer,
  javaHashMapOrder,
  parseCfgText,
  type QuorumVerifier,
  type QuorumServer,
  type LearnerType,
} from "./quorum.js";
export { type Vote, makeVote, votesEqual, totalOrderPredicate, LONG_MIN } from "./vote.js";
export {
  FastLeaderElection,
  FINALIZE_WAIT_MS,
  MIN_NOTIFICATION_INTERVAL_MS,
  MAX_NOTIFICATION_INTERVAL_MS,
  type ElectionFaults,
  type ElectionInit,
  type ElectionComponents,
  type SelfState,
  type OutgoingNotification,
  type Decision,
  type Ready,
} from "./fle.js";
export { QuorumCnxRules, SEND_CAPACITY, type CnxAction, type CnxRulesInit } from "./cnx-rules.js";
export {
  NodeCnxManager,
  type NodeCnxManagerInit,
  type PeerSockets,
  type PeerAuth,
  type NodeCnxManagerComponents,
} from "./node/cnx-manager.js";
export { ElectionPeer, type ElectionPeerInit, type ElectionPeerComponents } from "./node/election-peer.js";
