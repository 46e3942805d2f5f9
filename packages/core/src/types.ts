/** The public types of the server core: what the connection layer, the txn log and the apps plug in or read. */
import type { Id, ReconfigRequest, TxnDigest, TxnHeader } from "@zkts/jute";
import type { Clock, Logger, Random } from "@zkts/contracts";
import type { MetricsRegistry } from "@zkts/metrics";
import type { Tree } from "./tree.js";

/**
 * The contracts core shares with the connection layer, defined once in @zkts/contracts: `ServerConnection` (one
 * client connection, implemented by @zkts/nio-cnxn or by tests in memory) and `ServerInfo` with its parts
 * (what the four-letter words read; core's `ZooKeeperServer.info` implements it).
 */
export type {
  ConnectionInfo,
  LatencyStats,
  NamespaceStats,
  ServerConnection,
  ServerInfo,
  SessionInfo,
} from "@zkts/contracts";

/** User options (zoo.cfg). */
export interface ServerInit {
  tickTime?: number;
  /** Default 2 x tickTime. */
  minSessionTimeout?: number;
  /** Default 20 x tickTime. */
  maxSessionTimeout?: number;
  /** `super:<base64 sha1>` digest that grants the super id (zookeeper.DigestAuthenticationProvider.superDigest). */
  superDigest?: string;
  /**
   * ZooKeeper's X509AuthenticationProvider is registered (`authProvider.N=...X509AuthenticationProvider`): `x509`
   * ids are valid in ACLs, and a connection with a verified client certificate (ServerConnection.x509Subject) is
   * authenticated as `x509:<subject>` when it opens; `superUser` (zookeeper.X509AuthenticationProvider.superUser)
   * also gets the super id. Absent: x509 ids are invalid and a connection with a client certificate is closed
   * ("X509 Auth provider not found").
   */
  x509?: { superUser?: string };
  /**
   * SASL on the client port (ZooKeeper's ZooKeeperSaslServer, made when the JAAS file has the server section):
   * DIGEST-MD5 with the section's `user_<name>="<password>"` entries. A completed exchange gives the connection
   * `sasl:<authorization id>`, and `super:` too for `superUser` (zookeeper.superUser); a failed one is answered
   * AUTHFAILED (SESSIONCLOSEDREQUIRESASLAUTH when sasl is an enforced scheme) and the connection is closed, unless
   * `allowFailedClients` (zookeeper.allowSaslFailedClients) and sasl is not enforced. Absent: SASL packets are
   * answered OK with a null token, as ZooKeeper without a JAAS server section does.
   */
  sasl?: { users: ReadonlyMap<string, string>; superUser?: string; allowFailedClients?: boolean };
  /** SASLAuthenticationProvider is registered (`authProvider.N=...`): `sasl` ids are valid in ACLs and match. */
  saslAuthProvider?: boolean;
  /**
   * AuthenticationHelper: zookeeper.enforce.auth.enabled with zookeeper.enforce.auth.schemes (or
   * sessionRequireClientSASLAuth=true: ["sasl"]). A request (other than auth and sasl) on a connection with no id
   * of these schemes is answered SESSIONCLOSEDREQUIRESASLAUTH and the connection is closed.
   */
  enforceAuthSchemes?: readonly string[];
  skipACL?: boolean;
  /** reconfigEnabled (ZooKeeperServer.isReconfigEnabled): otherwise a reconfig is answered RECONFIGDISABLED. */
  reconfigEnabled?: boolean;
  extendedTypesEnabled?: boolean;
  enforceQuota?: boolean;
  containerCheckIntervalMs?: number;
  maxBuffer?: number;
  digestEnabled?: boolean;
  /**
   * Longest the answering of ready requests runs (monotonic ms) before the event loop gets a turn (default 10; 0:
   * never yields): an fsync batch of a thousand closeSessions, or of setDatas that each fire watches, is answered
   * over several turns so timers and other connections' reads are not held behind it.
   */
  drainSliceMs?: number;
  /** Server id used in session ids (1 when standalone). */
  serverId?: number;
  /** The effective configuration as key/value pairs (for the `conf` 4lw). */
  config?: Record<string, string>;
  version?: string;
  /** `Mode:` of srvr/stat and mntr's zk_server_state: "standalone" (default), "leader", "follower", "observer". */
  serverState?: string;
}

/** What a txn log port reports, in zxid order, about the txns handed to it. */
export interface TxnListener {
  /** Every txn up to and including `zxid` is durable. */
  durable(zxid: bigint): void;
  /** The txns from `first` to `last` (zxids) could not be made durable; none of them may be acknowledged. */
  failed(first: bigint, last: bigint, error: unknown): void;
}

/**
 * The txn log the core writes through (@zkts/persistence's DurableStore implements it; an ensemble leader's port
 * proposes through ZAB and reports commits): `logTxn` queues the txn, the listener hears (once per batch) how far
 * txns are durable. Replies are held until then, in order.
 */
export interface TxnLogPort {
  /**
   * Queues the txn (with the TxnDigest prep attached, when digests are enabled) to be made durable; throws if it
   * cannot be queued (the request fails: SYSTEMERROR).
   */
  logTxn(header: TxnHeader, txn: unknown, digest?: TxnDigest | null): void;
  setTxnListener(listener: TxnListener): void;
}

/** Injected dependencies. */
export interface ServerComponents {
  clock: Clock;
  random: Random;
  logger: Logger;
  /** The data tree (a fresh @zkts/datatree DataTree, or one restored from disk). */
  tree: Tree;
  /** Where txns are made durable before they are applied (absent: applied at once, in memory only). */
  txnLog?: TxnLogPort;
  /**
   * Ensemble member role (absent: standalone). A "leader" prepares every request itself (its txnLog proposes
   * through ZAB) and also requests forwarded by learners (`submitRemote`). A "learner" prepares nothing: writes,
   * sync and session create/close go to `forward` and are answered once the committed txn comes back through
   * `applyCommitted` (sync: `syncDone`); it neither expires sessions nor reaps containers (the leader does).
   * "read-only": see EnsembleRole.
   */
  ensemble?: EnsembleRole;
  /** Where request latencies (`readlatency`, `updatelatency`) are recorded. Default: a registry of its own. */
  metrics?: MetricsRegistry;
}

/** See EnsembleRole's `reconfig`. */
export type ReconfigCheck = (req: ReconfigRequest, zxid: bigint) => Buffer;

/** A request a learner hands to its leader (ZooKeeper's Leader.REQUEST packet: session, cxid, type, body, auth). */
export interface ForwardedRequest {
  sessionId: bigint;
  cxid: number;
  type: number;
  body: Buffer;
  authInfo: readonly Id[];
}

/**
 * An ensemble member's role. "read-only": a member without a quorum serving readOnly clients (ZooKeeper's
 * ReadOnlyZooKeeperServer) over its own copy of the tree: it refuses clients that did not ask for readOnly,
 * marks its ConnectResponses readOnly and answers writes and sync NOTREADONLY; sessions stay local.
 */
export type EnsembleRole =
  | {
      role: "leader";
      /**
       * The ensemble's checks of a reconfig request (PrepRequestProcessor, from the in-progress check to the synced
       * quorum): the new config's text, versioned `zxid`, or a CoreError with ZooKeeper's code. Absent: a reconfig
       * is answered UNIMPLEMENTED, as on a standalone server.
       */
      reconfig?: ReconfigCheck;
      /** The member's active config's text (QuorumPeer.getQuorumVerifier().toString()): a reconfig's answer. */
      activeConfig?: () => Buffer;
    }
  | {
      role: "learner";
      forward(req: ForwardedRequest): void;
      activeConfig?: () => Buffer;
      /**
       * Learner.validateSession: a client reattaches to session `sessionId` here (its password checked): the leader
       * revalidates it and owns it to this member (REVALIDATE); `done` answers the connect with its verdict. Absent:
       * the session is checked locally.
       */
      revalidate?(sessionId: bigint, timeout: number, done: (valid: boolean) => void): void;
    }
  | { role: "read-only" };

