/**
 * The narrow view of @zkts/core that the connection layer needs. These types mirror the contract in
 * docs/server-design.md so that the real `ZooKeeperServer` satisfies `CoreHandler` structurally, while
 * nio-cnxn itself does not depend on core.
 */

/** A value the core may expose either as a property/getter or as a zero-argument method. */
export type Val<T> = T | (() => T);

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** What the connection layer hands to core for each socket (implemented by NioConnection). */
export interface ServerConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Queue one packet payload (no length prefix; the connection frames it). */
  send(payload: Buffer): void;
  /** Queue one packet that already starts with its 4-byte length prefix (written to the socket as is). */
  sendFramed?(frame: Buffer): void;
  /** Flush what is queued, then close. Idempotent. */
  close(reason: string): void;
}

/** Per-connection facts core knows (session, last op, latency). Every field is optional. */
export interface ConnectionInfoView {
  id?: number;
  remoteAddress?: string;
  remotePort?: number;
  queued?: number;
  recved?: number;
  sent?: number;
  sessionId?: bigint | number;
  lastOp?: string;
  established?: number;
  timeout?: number;
  lastCxid?: number;
  lastZxid?: bigint | number;
  lastResponseTime?: number;
  lastLatency?: number;
  minLatency?: number;
  avgLatency?: number;
  maxLatency?: number;
  latency?: { min: number; avg: number; max: number };
}

export interface SessionInfoView {
  id: bigint | number;
  timeout: number;
  ephemerals?: readonly string[];
  /** Wall-clock ms at which the session expires (for `dump`); optional. */
  expiresAt?: number;
}

/** Everything the four-letter words read (core's `ServerInfo`). */
export interface ServerInfoView {
  readonly version: Val<string>;
  readonly serverState: Val<string>;
  readonly zxid: Val<bigint | number>;
  readonly nodeCount: Val<number>;
  readonly packetsReceived: Val<number | bigint>;
  readonly packetsSent: Val<number | bigint>;
  readonly latency: Val<{ min: number; avg: number; max: number }>;
  readonly outstanding: Val<number>;
  connections?(): Iterable<ConnectionInfoView>;
  sessions?(): Iterable<SessionInfoView>;
  watchSummary?(): { connections: number; paths: number; total: number };
  /** Data and child watches (DataTree.getWatchCount): mntr's zk_watch_count. */
  readonly watchCount?: Val<number>;
  watchesBySession?(): Map<bigint | number, readonly string[]> | Iterable<[bigint | number, readonly string[]]>;
  watchesByPath?(): Map<string, readonly (bigint | number)[]> | Iterable<[string, readonly (bigint | number)[]]>;
  readonly approximateDataSize?: Val<number | bigint>;
  readonly ephemeralsCount?: Val<number>;
  resetStats?(): void;
  resetConnectionStats?(): void;
  readonly config?: Val<Record<string, unknown> | Iterable<readonly [string, unknown]>>;
  readonly isReadOnly?: Val<boolean>;
  /** Ensemble members: mntr's zk_peer_state (QuorumZooKeeperServer.dumpMonitorValues), right after the state. */
  readonly peerState?: Val<string>;
  /** Bytes read/written per top-level namespace, for mntr's `zk_*_<ns>_{read,write}_per_namespace` lines. */
  namespaceStats?(): {
    read: ReadonlyMap<string, NamespaceSummaryView>;
    write: ReadonlyMap<string, NamespaceSummaryView>;
  };
  readonly globalSessions?: Val<number>;
  readonly authFailedCount?: Val<number>;
}

/** The part of core's `ZooKeeperServer` the connection layer drives. */
export interface CoreHandler {
  handleConnect(conn: ServerConnection, payload: Buffer): void;
  handlePacket(conn: ServerConnection, payload: Buffer): void;
  connectionClosed(conn: ServerConnection): void;
  readonly outstanding: number;
  onOutstandingDrained?: (() => void) | undefined;
  readonly info: ServerInfoView;
}

/** Reads a `Val<T>`. */
export function val<T>(v: Val<T>, self?: unknown): T {
  return typeof v === "function" ? (v as () => T).call(self) : v;
}

export interface NamespaceSummaryView {
  count: number;
  sum: number;
  min: number;
  max: number;
}
