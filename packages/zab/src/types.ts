import type { MetricsRegistry } from "@zkts/metrics";
import type { Packet } from "./packets.js";

/** One replicated transaction: opaque bytes (TxnHeader + record [+ digest], as the host serialised them) + zxid. */
export interface Txn {
  readonly zxid: bigint;
  readonly data: Buffer;
}

/**
 * The quorum verifier port. Structurally compatible with `@zkts/election`'s `QuorumMaj` / `QuorumHierarchical`:
 * `containsQuorum` ignores sids that are not voting members (like ZooKeeper's SyncedLearnerTracker).
 */
export interface ZabQuorum {
  containsQuorum(sids: Iterable<bigint>): boolean;
  readonly votingMembers: ReadonlyMap<bigint, unknown>;
}

/** Injected bugs, for tests that prove the simulator's invariants can fail. Never set in production. */
export interface ZabBugs {
  /** A learner ACKs a proposal as soon as it arrives; the txn reaches the log one Ready later. */
  ackBeforeFsync?: boolean;
  /** acceptedEpoch/currentEpoch are acted upon without being written. */
  skipEpochPersist?: boolean;
  /** The leader commits a proposal once any one server (itself) has it durable. */
  commitWithoutQuorum?: boolean;
  /** The leader accepts followers whose history is more recent than its own (no Leader.waitForEpochAck check). */
  ignoreFollowerAhead?: boolean;
  /** The leader counts only the active config's quorum for a reconfig proposal (no dual quorum with the new one). */
  reconfigOldQuorumOnly?: boolean;
}

export interface ZabInit {
  sid: bigint;
  quorum: ZabQuorum;
  /** Ticks a learner has to connect and synchronise, and the leader to establish its epoch (zoo.cfg initLimit). */
  initLimit: number;
  /** Ticks of silence after which a leader drops a learner and a learner drops its leader (zoo.cfg syncLimit). */
  syncLimit: number;
  /** Committed txns kept in memory for DIFF (ZooKeeper's committedLog, 500); a learner further behind gets SNAP. */
  maxDiffTxns?: number;
  /**
   * NEWLEADER payload: the quorum verifier's text form (QuorumVerifier.toString()), as ZooKeeper sends it; a
   * function is asked for the epoch being established (ZooKeeper's leader sends its last seen config, whose
   * version it may set from that epoch: Leader.lead, ZOOKEEPER-1783).
   */
  quorumVerifierBytes?: Buffer | ((epoch: bigint) => Buffer);
  /**
   * The config of a reconfig proposed and not known to be committed (QuorumPeer's last seen config, when newer than
   * the active one), asked when this peer starts leading: discovery and synchronisation then need a quorum of both
   * (Leader.getEpochToPropose / waitForEpochAck / waitForNewLeaderAck), and it becomes the active one once a quorum
   * acknowledged NEWLEADER (Leader.startZkServer -> processReconfig).
   */
  pendingQuorum?: () => ZabQuorum | undefined;
  /** LearnerInfo.configVersion (0 for a static zoo.cfg); a function is asked at each registration. */
  configVersion?: bigint | (() => bigint);
  bugs?: ZabBugs;
}

/** Injected components (all optional). */
export interface ZabComponents {
  /**
   * Where ZooKeeper's quorum counters are recorded: proposal_count and commit_count (leader), diff_count and
   * snap_count (leader, per learner sync), learner_proposal_received_count and learner_commit_received_count
   * (follower, while broadcasting). Default: a registry of its own.
   */
  metrics?: MetricsRegistry;
  /**
   * A learner's answer to the leader's PING carries the host's session table (Learner.ping: a (long sessionId, int
   * timeout) per session its clients touched since the last one): its bytes, asked for at each PING. Default:
   * empty.
   */
  learnerPingData?: () => Buffer;
  /**
   * Test observer (the simulator's checker): the leader commits `zxid` through ACKs, `acks` the servers whose ACK
   * it counted. Default: none.
   */
  onLeaderCommit?: (zxid: bigint, acks: ReadonlySet<bigint>) => void;
}

/** The durable state a peer starts from (restored by the host from its epoch files, snapshot and txn log). */
export interface ZabRestore {
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  /** zxid of the host's applied state (its newest snapshot); 0 for an empty database. */
  snapshotZxid: bigint;
  /** Every logged txn after snapshotZxid, in zxid order (committed or not: ZAB decides). */
  log: readonly Txn[];
}

/**
 * A durable write. The host performs a Ready's ops in order and makes all of them durable (fdatasync, epoch files
 * via a temp file + rename) before sending that Ready's messages. Epoch writes come after the log ops they follow.
 */
export type PersistOp =
  | { kind: "append"; txns: Txn[] }
  /** Drop every logged txn with zxid > `zxid` (TRUNC). */
  | { kind: "truncate"; zxid: bigint }
  /** Replace the database by this snapshot (SNAP): the log is emptied and the applied state becomes the snapshot. */
  | { kind: "snapshot"; zxid: bigint; data: Buffer }
  | { kind: "acceptedEpoch"; epoch: bigint }
  | { kind: "currentEpoch"; epoch: bigint };

export type Outbound =
  | { conn: number; packet: Packet }
  /** Leader: write the snapshot of the applied state (at `zxid`) on this connection, right after the SNAP packet. */
  | { conn: number; snapshotAt: bigint };

export type ZabEvent =
  /** The role ended: the host runs leader election again. */
  | { type: "looking"; reason: string }
  /** Leader: a quorum acknowledged the new epoch (ACKEPOCH). */
  | { type: "established"; epoch: bigint }
  /** Leader: a quorum acknowledged NEWLEADER, proposals may start. Learner: UPTODATE received. */
  | {
      type: "active";
      epoch: bigint;
      /** The NEWLEADER payload: the config this epoch was established with (the leader's last seen config). */
      config: Buffer | null;
    }
  /**
   * A committed reconfig txn activates its config (Leader.tryToCommit on the leader; COMMITANDACTIVATE or
   * INFORMANDACTIVATE on a learner), after the txn itself was handed out as committed. `leader`: the designated
   * leader; another than the current one means the members elect again.
   */
  | { type: "activate"; zxid: bigint; leader: bigint }
  /** A protocol rule was broken by a peer (logged by the host; the connection was closed). */
  | { type: "protocolError"; conn: number; message: string };

export interface Ready {
  /**
   * 0. These may be sent at once, before or while the persist ops run (the leader's proposals); per connection
   * they come before this Ready's `messages`.
   */
  early: Outbound[];
  /** 1. Make these durable, in order. */
  persist: PersistOp[];
  /** 2. Then send these (in order; per connection FIFO). */
  messages: Outbound[];
  /** 3. Then apply these committed txns to the state machine (in zxid order) and answer clients. */
  committed: Txn[];
  /** Connections to close (after sending). */
  close: number[];
  /** Learner: open a connection to this leader, then call `connected(conn)` or `connectFailed()`. */
  connect?: bigint;
  events: ZabEvent[];
}

export type Role = "looking" | "leading" | "following" | "observing";
