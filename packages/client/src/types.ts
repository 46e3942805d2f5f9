/**
 * The client's public types: options, per-call options, results, transaction and multiRead ops, events. The
 * Java client's counterparts are scattered over ZooKeeper, ZKClientConfig, Op/OpResult and Watcher.Event.
 */
import type { CreateMode, KeeperError } from "@zkts/client-wire";
import type { ACL, Stat } from "@zkts/jute";
import type { HostPort } from "./connect-string.js";
import type { ClientSaslOptions } from "./sasl.js";
import type { ClientTlsOptions } from "./tls.js";
import type { WatchEvent, Watcher } from "./watch-manager.js";

export type { ACL, Stat } from "@zkts/jute";

/** Session states, reported by the `state` event and by the event of the same name. */
export type SessionState =
  | "connecting"
  | "connected"
  | "connectedReadOnly"
  | "disconnected"
  | "expired"
  | "authFailed"
  | "closed";

export interface ClientOptions {
  /** Requested session timeout in ms (the server clamps it to [2, 20] ticks). Default 30000. */
  sessionTimeout?: number;
  /** Per-host connect timeout (TCP connect + handshake), ms. Default: sessionTimeout / number of hosts. */
  connectTimeout?: number;
  /** Default per-call timeout in ms (0 = none). Per-call `timeout` overrides it. Default 0. */
  requestTimeout?: number;
  /** Most requests queued or in flight at once; further calls wait for a slot. Default 1000. */
  maxOutstanding?: number;
  /**
   * Longest pause after every host of the list failed once, ms (jittered by `random`). The first round after a
   * connection pauses retryDelay / 16, each further one twice as long, up to retryDelay. Default 1000.
   */
  retryDelay?: number;
  /** Random source in [0, 1) for the host shuffle and retry jitter (inject for deterministic tests). */
  random?: () => number;
  /** Accept a read-only server (state `connectedReadOnly`). Default false. */
  canBeReadOnly?: boolean;
  /** Resume an existing session. */
  sessionId?: bigint;
  sessionPassword?: Buffer;
  /** Largest packet accepted or sent (jute.maxbuffer). Default 0xfffff. */
  maxPacketSize?: number;
  /** Batch limit (sum of path lengths) of one setWatches packet on reconnect. Default 128 KiB, as Java. */
  setWatchesBatchBytes?: number;
  /** Auth to send on every connection, as if addAuth was called before connect. */
  authInfo?: Array<{ scheme: string; auth: Buffer | string }>;
  /**
   * Connect over TLS (`zookeeper.client.secure=true`): `true` for Node's default CAs, or the stores, PEM material,
   * host name verification, protocols and suites. The stores are read when the client is created.
   */
  tls?: ClientTlsOptions | boolean;
  /**
   * Log in with SASL on every connection, as the Java client with a JAAS `Client` section: the exchange runs with
   * the SASL opcode once the session is established and requests wait until it is done; success emits
   * `saslAuthenticated`, failure ends the session (state `authFailed`).
   */
  sasl?: ClientSaslOptions;
}

export interface CallOptions {
  /** Aborts the call (the promise rejects with the signal's reason; a sent request's reply is dropped). */
  signal?: AbortSignal;
  /** Timeout of this call in ms; rejects with RequestTimeoutError. */
  timeout?: number;
}

export type Data = Buffer | Uint8Array | string | null | undefined;

export type CreateModeName =
  | "persistent"
  | "ephemeral"
  | "persistentSequential"
  | "ephemeralSequential"
  | "container"
  | "persistentWithTTL"
  | "persistentSequentialWithTTL";

export interface CreateOptions extends CallOptions {
  /** CreateMode number or name. Default persistent. */
  mode?: CreateMode | CreateModeName;
  /** Default Ids.OPEN_ACL_UNSAFE. */
  acl?: ACL[];
  /** TTL in ms for the *WithTTL modes (the server needs extendedTypesEnabled). */
  ttl?: number | bigint;
}

export interface WatchOptions extends CallOptions {
  /** A one-shot watch: the callback, or `true` for the client's default watcher (the `watch` event). */
  watch?: Watcher | true;
}

export interface VersionOptions extends CallOptions {
  /** Expected version; -1 (default) matches any. */
  version?: number;
}

export interface CreateResult {
  path: string;
  stat: Stat;
}

export interface DataResult {
  data: Buffer | null;
  stat: Stat;
}

export interface ChildrenResult {
  children: string[];
  stat: Stat;
}

export interface ChildWithData {
  name: string;
  path: string;
  data: Buffer | null;
  stat: Stat;
}

export type WatchTypeName = "data" | "children" | "any" | "persistent" | "persistentRecursive";

export interface RemoveWatchesOptions extends CallOptions {
  /** Remove only this callback (default: every watcher of the type on the path). */
  watcher?: Watcher;
  /** Remove locally even when the server cannot be reached (Java's `local` flag). */
  local?: boolean;
}

export interface AddWatchOptions extends CallOptions {
  /** Watch the node and all its descendants (PERSISTENT_RECURSIVE). Default false (PERSISTENT). */
  recursive?: boolean;
}

export interface ReconfigOptions extends CallOptions {
  joining?: string | null;
  leaving?: string | null;
  newMembers?: string | null;
  /** Expected current config version (-1 = any). */
  fromConfig?: bigint;
}

/** One op of a transaction (multi). */
export type TxnOp =
  | { type: "create"; path: string; data?: Data; mode?: CreateMode | CreateModeName; acl?: ACL[]; ttl?: number | bigint }
  | { type: "delete"; path: string; version?: number }
  | { type: "setData"; path: string; data: Data; version?: number }
  | { type: "check"; path: string; version: number };

/** The result of one committed transaction op. */
export type TxnResult =
  | { type: "create"; path: string; stat: Stat | null }
  | { type: "delete" }
  | { type: "setData"; stat: Stat }
  | { type: "check" };

export type ReadOp = { type: "getData"; path: string } | { type: "getChildren"; path: string };
export type ReadResult =
  | { type: "getData"; data: Buffer | null; stat: Stat }
  | { type: "getChildren"; children: string[] }
  | { type: "error"; error: KeeperError };

export interface ClientInfo {
  authScheme: string;
  user: string;
}

export interface ClientEvents {
  state: [state: SessionState];
  connected: [];
  connectedReadOnly: [];
  disconnected: [];
  expired: [];
  authFailed: [];
  closed: [];
  /** The SASL login of the current connection succeeded (KeeperState.SaslAuthenticated). */
  saslAuthenticated: [];
  /** The SASL login failed (why, as text); the session then ends in `authFailed`. */
  saslFailed: [reason: string];
  /** Events of watches registered with `watch: true`. */
  watch: [event: WatchEvent];
  /** A watcher callback threw. */
  watcherError: [error: unknown, event: WatchEvent];
  /**
   * An attempt to reach `host` ended before a session handshake completed (refused, unresolvable, reset, or no
   * ConnectResponse in time); `error` is the socket's error when there was one. The client goes on trying.
   */
  connectFailed: [host: HostPort, error: Error | undefined];
}
