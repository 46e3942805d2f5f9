import type { Ready } from "@zkts/zab";

/**
 * How many of a Ready's leading committed txns the host may apply (and answer) before that Ready's persist ops are
 * durable: those this member's log already holds durably (`durableZxid`: every Ready handed out before this one
 * was persisted), when the Ready is plain broadcast work: only appends to persist, no events (a reconfig's
 * activation, a role change), no snapshot to send (its zxid is the tree's). As ZooKeeper's CommitProcessor, which
 * does not wait for the SyncRequestProcessor's next flush: a commit applied in the Ready after its quorum's ACKs no
 * longer waits for that Ready's fsync of newer proposals.
 */
export function durableCommittedPrefix(rd: Ready, durableZxid: bigint): number {
  const c = rd.committed;
  if (c.length === 0 || rd.events.length > 0) return 0;
  for (const op of rd.persist) if (op.kind !== "append") return 0;
  for (const m of rd.messages) if (!("packet" in m)) return 0;
  let n = 0;
  while (n < c.length && c[n]!.zxid <= durableZxid) n++;
  return n;
}
