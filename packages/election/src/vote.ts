import { ServerState } from "./notification.js";

/** Long.MIN_VALUE: the id/zxid/epoch an observer proposes (it never runs for leader). */
export const LONG_MIN = -0x8000000000000000n;

/** ZooKeeper's Vote: what a server proposes or has settled on. */
export interface Vote {
  /** Proposed leader sid. */
  leader: bigint;
  zxid: bigint;
  /** The election round (logical clock) the vote belongs to; -1 when unknown. */
  electionEpoch: bigint;
  peerEpoch: bigint;
  /** The voter's state when it sent the vote (LOOKING for proposals). */
  state: ServerState;
  /** Notification format version the vote came with (matters only for FOLLOWING/LEADING votes). */
  version: number;
}

export function makeVote(
  leader: bigint,
  zxid: bigint,
  electionEpoch: bigint,
  peerEpoch: bigint,
  state: ServerState = ServerState.LOOKING,
  version = 0,
): Vote {
  return { leader, zxid, electionEpoch, peerEpoch, state, version };
}

/**
 * Vote.equals: LOOKING votes must match in leader, zxid, electionEpoch and peerEpoch; votes of servers out of
 * election (FOLLOWING/LEADING) match on the leader and peerEpoch, or on the leader alone when exactly one of
 * them has a format version > 0 (ZOOKEEPER-1732 / ZOOKEEPER-1805).
 */
export function votesEqual(a: Vote, b: Vote): boolean {
  if (a.state === ServerState.LOOKING || b.state === ServerState.LOOKING) {
    return a.leader === b.leader && a.zxid === b.zxid && a.electionEpoch === b.electionEpoch && a.peerEpoch === b.peerEpoch;
  }
  if (a.version > 0 !== b.version > 0) return a.leader === b.leader;
  return a.leader === b.leader && a.peerEpoch === b.peerEpoch;
}

/**
 * FastLeaderElection.totalOrderPredicate: is (newId, newZxid, newEpoch) a better vote than the current one?
 * Higher peer epoch wins, then higher zxid, then higher sid. Servers of weight 0 never win.
 * `invertSid` flips the last tie-break: a deliberately injected bug for the simulator's self-test.
 */
export function totalOrderPredicate(
  newId: bigint,
  newZxid: bigint,
  newEpoch: bigint,
  curId: bigint,
  curZxid: bigint,
  curEpoch: bigint,
  newWeight: bigint = 1n,
  invertSid = false,
): boolean {
  if (newWeight === 0n) return false;
  if (newEpoch !== curEpoch) return newEpoch > curEpoch;
  if (newZxid !== curZxid) return newZxid > curZxid;
  return invertSid ? newId < curId : newId > curId;
}
