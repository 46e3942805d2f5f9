/**
 * What a QuorumPeer is given: its settings, and the ports it reaches the world through (clock, randomness, the two
 * quorum transports, storage). The Node adapters in src/node/ implement the ports over sockets, timers and files;
 * the simulator implements them in memory under one seeded scheduler.
 */
import type { Clock, Logger, Random } from "@zkts/contracts";
import type { ServerInit } from "@zkts/core";
import type { DataTreeOptions } from "@zkts/datatree";
import type { QuorumVerifier } from "@zkts/election";
import type { MetricsRegistry } from "@zkts/metrics";
import type { SnapshotDigester, SnapshotFormat, Storage } from "@zkts/persistence";
import type { Packet } from "@zkts/zab";

/** The quorum port (learner <-> leader connections), connection-numbered. */
export interface QuorumNet {
  send(conn: number, p: Packet): void;
  /** The frame after a SNAP packet: the leader's snapshot bytes. */
  sendBytes(conn: number, bytes: Buffer): void;
  close(conn: number): void;
  /**
   * Hands what `send` queued to the connections now (a transport may gather the sends of a round of I/O into one
   * write per connection; the host calls this once a step of its loop sent all it had). Absent: nothing to do.
   */
  flushAll?(): void;
  /** Connects to server `sid`'s quorum port: the new connection's id, or a rejection (refused, timed out). */
  dial(sid: bigint, timeoutMs: number): Promise<number>;
}

/** The election port (ZooKeeper's QuorumCnxManager): notifications to and from server ids. */
export interface ElectionNet {
  send(sid: bigint, payload: Buffer): void;
  /** Dial every peer we have no connection to (FLE's "connectAll" after a quiet period). */
  connectAll(): void;
  /** True when every queued outgoing notification has been handed over (FLE's haveDelivered). */
  haveDelivered(): boolean;
  /** True when the connection to voter `sid` was up and is lost now (FLE's `lost`); absent: never known. */
  lost?(sid: bigint): boolean;
}

/** Bugs the simulator injects on purpose to prove its invariants catch them. Never set outside tests. */
export interface QuorumPeerFaults {
  /** Leader: answer a forwarded write's client before the txn is committed (as soon as it is proposed). */
  answerBeforeCommit?: boolean;
  /** Learner: apply a proposal to the tree (and answer its client) as soon as it is logged, before its COMMIT. */
  applyUncommitted?: boolean;
  /** Leader: ignore the session liveness learners report in PING answers (their clients' sessions then expire). */
  ignoreSessionPings?: boolean;
  /** Leader: a reconfig proposal needs the active config's quorum only (no dual quorum with the new config). */
  reconfigOldQuorumOnly?: boolean;
}

export interface QuorumPeerInit {
  sid: bigint;
  /** The server.N / group / weight lines as a verifier (majority or hierarchical). */
  quorum: QuorumVerifier;
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  /** The server core's settings (session timeouts, limits, auth); the state is set per serving period. */
  server: ServerInit;
  /** The data tree's options (digest, extended types, skipACL). */
  tree?: Omit<DataTreeOptions, "metrics">;
  /**
   * reconfigEnabled: the member follows config versions (QuorumPeer's last seen and committed verifiers): a leader
   * whose config still has version 0 gives it the version of the epoch it establishes (ZOOKEEPER-1783), a learner
   * adopts the newer config NEWLEADER carries, and both report it through `QuorumPeerEnv.onConfigCommitted`.
   */
  reconfigEnabled?: boolean;
  /**
   * zoo.cfg.dynamic.next as read at start-up (reconfigEnabled): the last seen config (a reconfig proposed and not
   * known to be committed), used when its version is newer than `quorum`'s (QuorumPeerConfig).
   */
  lastSeenQuorum?: QuorumVerifier;
  /** standaloneEnabled (default true): a reconfig must then leave at least 2 participants. */
  standaloneEnabled?: boolean;
  /** readonlymode.enabled: serve readOnly clients from a copy of the tree while looking. */
  readOnlyMode?: boolean;
  /** Election's finalize wait (FastLeaderElection's finalizeWait, default 200 ms). */
  finalizeWaitMs?: number;
  /**
   * The election decides as soon as every voter not lost agrees, and tells a looking peer with a worse vote our
   * proposal (FastLeaderElection's `eager`); default true. False: ZooKeeper's timing (always finalizeWait).
   */
  eagerElection?: boolean;
  /** The data and log directories in `storage`, and the txn log's settings. */
  store: {
    dataDir: string;
    dataLogDir: string;
    forceSync: boolean;
    preAllocSize: number;
    snapCount: number;
    /** zoo.cfg `snapshot.format`: the format snapshots are written in (default "zkts"; both are read). */
    snapshotFormat?: SnapshotFormat;
  };
  faults?: QuorumPeerFaults;
}

export interface QuorumPeerEnv {
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Where every component records (mntr, Prometheus); default: a registry of its own. */
  metrics?: MetricsRegistry;
  storage: Storage;
  /**
   * Sums a snapshot's node digests on another thread while the member's tree is restored (@zkts/persistence's
   * snapshotDigestOffThread, over the real file system only); default: the tree sums them as it is built.
   */
  snapshotDigester?: SnapshotDigester;
  quorumNet: QuorumNet;
  electionNet: ElectionNet;
  /**
   * Runs `fn` once the current round of I/O callbacks is done (Node: setImmediate), so a burst of packets read in
   * one round is stepped into ZAB before one host-loop pass answers them all. Default: a 0 ms clock timer.
   */
  defer?: (fn: () => void) => void;
  /**
   * The host loop failed (storage error): the member stopped working and must go away (Node: exit 1). Default: log
   * it; the peer stays failed.
   */
  onFatal?: (error: unknown) => void;
  /**
   * QuorumPeer.setQuorumVerifier(qv, writeToDisk=true): a config with a higher version became this member's
   * committed config (reconfigEnabled only); the host writes its config files (zoo.cfg.dynamic.<version>, zoo.cfg).
   */
  onConfigCommitted?: (qv: QuorumVerifier) => void;
  /**
   * QuorumPeer.setLastSeenQuorumVerifier(qv, writeToDisk=true): a reconfig proposal (the leader's, or a learner's
   * PROPOSAL) made `qv` this member's last seen config (reconfigEnabled only); the host writes zoo.cfg.dynamic.next
   * before returning (it is called before the proposal is logged and acknowledged) and passes it back as
   * `QuorumPeerInit.lastSeenQuorum` at the next start. Without it a member restarted while a reconfig is pending
   * forgets the new config, and as leader commits it on the old config's quorum alone.
   */
  onConfigSeen?: (qv: QuorumVerifier) => void;
  /** Test observer (the simulator): this member, leading, commits `zxid` on the ACKs of `acks`. */
  onLeaderCommit?: (zxid: bigint, acks: ReadonlySet<bigint>) => void;
  /** Election's own log lines (chatty: Node demotes them a level); default `logger`. */
  electionLogger?: Logger;
}

/** A member's role as srvr/mntr print it. */
export type PeerMode = "looking" | "leader" | "follower" | "observer";
