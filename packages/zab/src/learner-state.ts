import type { PeerCore } from "./peer-core.js";
import type { Txn } from "./types.js";

export type LearnerPhase =
  | "connecting"
  | "registering" // info sent, waiting for LEADERINFO
  | "epochPending" // persisting the accepted epoch
  | "awaitingSync" // ACKEPOCH sent, waiting for DIFF / TRUNC / SNAP
  | "snapWait" // SNAP received, waiting for the snapshot bytes
  | "syncing"
  | "newLeaderPending" // persisting currentEpoch
  | "awaitingUptodate"
  | "broadcast";

/** A follower's or observer's state for one term (ZooKeeper's Learner). */
export interface LearnerState {
  leader: bigint;
  observer: boolean;
  phase: LearnerPhase;
  conn?: number;
  connectPending: boolean;
  started: number;
  lastHeard: number;
  newEpoch: bigint;
  /** Set once currentEpoch = newEpoch is durable: proposals of the new epoch may be ACKed from then on. */
  ackEnabled: boolean;
  /** NEWLEADER's payload (the leader's config text), reported with the `active` event. */
  newLeaderConfig?: Buffer | null;
  /** Our last zxid once DIFF / TRUNC / the SNAP's snapshot placed us: what the leader sends after it is new to us. */
  syncedFrom?: bigint;
  /** The zxid of the snapshot a SNAP sync installed, until UPTODATE (see onProposal). */
  snapBase?: bigint;
  /** The continuation that ACKs durable proposals received on `conn` (see onProposal). */
  acker?: { conn: number; fn: (txns: Txn[]) => void };
}

/** The leader broke a protocol rule: report it, close the connection and go LOOKING. */
export function protocolError(c: PeerCore, conn: number, message: string): void {
  c.pending.events.push({ type: "protocolError", conn, message });
  const lr = c.learnerState;
  if (lr && lr.conn === conn) {
    c.pending.close.push(conn);
    lr.conn = undefined;
    c.goLooking(message);
  }
}
