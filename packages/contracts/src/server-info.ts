/**
 * What the four-letter words (and a future AdminServer) read from a running server. @zkts/core's
 * `ZooKeeperServer.info` implements it; @zkts/nio-cnxn reads it. Values are plain (no getter-or-function
 * choice): implementations that compute them lazily use property getters.
 */

export interface LatencyStats {
  /** Milliseconds (fractional: the connection layer truncates like Java's longs). */
  min: number;
  avg: number;
  max: number;
}

/** Per-connection facts the core keeps (for `cons`). */
export interface ConnectionInfo {
  /** The `ServerConnection.id` this describes. */
  id: number;
  remoteAddress: string;
  remotePort: number;
  /** Requests received and not yet answered. */
  queued: number;
  packetsReceived: number;
  packetsSent: number;
  /** 0 before the session is established. */
  sessionId: bigint;
  /** Name of the last operation (e.g. `PING`, `GETD`). */
  lastOp: string;
  lastCxid: number;
  lastZxid: bigint;
  /** Wall-clock ms of the last response. */
  lastResponseTime: number;
  lastLatency: number;
  /** Negotiated session timeout (ms). */
  timeout: number;
  /** Wall-clock ms at which the connection was established. */
  established: number;
  latency: LatencyStats;
}

export interface SessionInfo {
  id: bigint;
  /** Negotiated timeout (ms). */
  timeout: number;
  /** Paths of the session's ephemeral nodes. */
  ephemerals: readonly string[];
  /** When the session expires unless touched: its expiry bucket, as wall-clock ms (ZooKeeper's `dump` prints it). */
  expiresAt?: number;
}

/** count/sum/min/max of bytes per request, for one namespace. */
export interface NamespaceSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Bytes read and written per top-level namespace (mntr's `*_per_namespace` summaries). */
export interface NamespaceStats {
  read: ReadonlyMap<string, NamespaceSummary>;
  write: ReadonlyMap<string, NamespaceSummary>;
}

export interface ServerInfo {
  /** `Zookeeper version:` of srvr/stat, `zk_version`. */
  readonly version: string;
  /** `Mode:`: "standalone", "leader", "follower", "observer", "read-only", "looking". */
  readonly serverState: string;
  /** Last processed zxid. */
  readonly zxid: bigint;
  readonly nodeCount: number;
  readonly packetsReceived: number;
  readonly packetsSent: number;
  readonly latency: LatencyStats;
  /** Requests in the pipeline not yet answered. */
  readonly outstanding: number;
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  connections(): readonly ConnectionInfo[];
  sessions(): readonly SessionInfo[];
  watchSummary(): { connections: number; paths: number; total: number };
  /** Data and child watches (DataTree.getWatchCount): mntr's zk_watch_count. */
  readonly watchCount: number;
  namespaceStats(): NamespaceStats;
  /** Watched paths per session (`wchc`). */
  watchesBySession(): ReadonlyMap<bigint, readonly string[]>;
  /** Watching sessions per path (`wchp`). */
  watchesByPath(): ReadonlyMap<string, readonly bigint[]>;
  /** Sum of node data and path sizes in bytes. */
  readonly approximateDataSize: number;
  readonly ephemeralsCount: number;
  /** `srst`. */
  resetStats(): void;
  /** `crst`. */
  resetConnectionStats(): void;
  /** The effective configuration (`conf`). */
  readonly config: Readonly<Record<string, string>>;
  /** `isro`. */
  readonly isReadOnly: boolean;

  // ---- optional: only some servers know these ----

  /** Sessions known to the whole ensemble (mntr `zk_global_sessions`); absent: the local session count. */
  readonly globalSessions?: number;
  /** Failed authentications (mntr `zk_auth_failed_count`); absent: not measured, left out. */
  readonly authFailedCount?: number;
  /** Ensemble members: mntr's zk_peer_state (QuorumZooKeeperServer.dumpMonitorValues), right after the state. */
  readonly peerState?: string;
  /**
   * Ensemble members: true while no server runs (electing or synchronising with a leader, not read-only). ZooKeeper's
   * four-letter words that need a server then answer "This ZooKeeper instance is not currently serving requests"
   * (isro: "null"), and so do the AdminServer's commands that need one. Absent: serving.
   */
  readonly notServing?: boolean;
}
