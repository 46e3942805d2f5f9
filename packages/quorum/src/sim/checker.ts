/**
 * The whole-cluster invariants, each named (World.fail throws an InvariantViolation carrying the name):
 * - "one active leader per epoch"
 * - "committed prefixes agree": every txn a member applies follows, in one global history, the txn it applied
 *   before (members' applied sequences are prefixes of one history; same zxid, same txn)
 * - "every acknowledged write survives": an acknowledged write is in that history, no member that goes past its
 *   zxid skips it, and the healed ensemble has it
 * - "session replies in FIFO order" (clients.ts)
 * - "conditional writes applied on the version they named": checked on the tree that first applies the txn, and on
 *   the client's reply (clients.ts)
 * - "ephemerals gone with their session": no member holds an ephemeral of a session its committed state does not
 *   have, or of a session closed at a zxid it applied; once healed and quiet, none at all
 * - "live sessions survive a quiet network" (simulator.ts): once healed, no session expires whose client has held
 *   it on one connection to a serving member for a whole session timeout
 * - "digests equal once healed and quiet"
 * - "txn digests match the tree once applied": no member counts a digest_mismatches_count (each txn's TxnDigest,
 *   computed at prep by the leader, is its tree's digest once applied)
 * - "every commit had a quorum of its configs" (reconfig): a txn a leader committed on ACKs had the ACKs of a quorum
 *   of the config active for it in the history (the newest reconfig txn before it, else the initial config) and,
 *   for a reconfig txn, of its new config as well (the dual quorum); with "committed prefixes agree" (one txn per
 *   zxid) no two disjoint quorums of active configs commit conflicting txns
 * - "members commit only the history's configs" (reconfig): a config a member commits (activation, NEWLEADER's at
 *   UPTODATE, one from an election notification) is a reconfig txn's of the history, at the zxid of its version
 *   (checked when the history gets there, and once healed), or an initial config versioned by an epoch
 * - "the healed members of the final config agree on it" (reconfig): config version and text, /zookeeper/config
 */
import { encodeTxn, OpCode } from "@zkts/client-wire";
import type { TxnHeader } from "@zkts/jute";
import { M } from "@zkts/metrics";
import type { QuorumVerifier } from "@zkts/election";
import { configFromString } from "../config-versions.js";
import type { QuorumPeer } from "../peer.js";
import type { Member, World } from "./world.js";

/** cyrb53: a 53-bit hash of a txn's bytes (the history keeps hashes, not txns). */
function hash(b: Uint8Array): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const hex = (z: bigint) => `0x${z.toString(16)}`;

export class Checker {
  /** The global applied history, in zxid order. */
  private readonly zxids: bigint[] = [];
  private readonly hashes = new Map<bigint, number>();
  private readonly acked = new Map<bigint, string>();
  private readonly epochLeaders = new Map<bigint, bigint>();
  /** "session:xid" -> the version a conditional setData/delete named. */
  private readonly expected = new Map<string, { path: string; version: number }>();
  /** Sessions a client closed: the zxid of the close. */
  private readonly closedAt = new Map<bigint, bigint>();
  readonly stats = { applied: 0, committed: 0, acked: 0, epochs: 0, conditionalChecked: 0, reconfigsCommitted: 0, commitQuorumsChecked: 0 };
  /** The configs in history order: the initial one (zxid 0), then each reconfig txn's. */
  readonly configs: { zxid: bigint; qv: QuorumVerifier }[];
  /** zxid -> the servers whose ACKs the committing leader counted. */
  private readonly commitAcks = new Map<bigint, ReadonlySet<bigint>>();
  /** Configs a member committed before their reconfig txn (zxid = version) entered the history: version -> who. */
  private readonly configClaims = new Map<bigint, bigint>();

  constructor(private readonly w: World) {
    this.configs = [{ zxid: 0n, qv: w.quorum }];
  }

  /** The newest config in the history. */
  get config(): QuorumVerifier {
    return this.configs[this.configs.length - 1]!.qv;
  }

  /** A leader committed `zxid` on the ACKs of `acks` (checked once the txn enters the history). */
  leaderCommitted(sid: bigint, zxid: bigint, acks: ReadonlySet<bigint>): void {
    this.w.log(`${sid} commits ${hex(zxid)} on the ACKs of ${[...acks].join(",")}`);
    if (!this.commitAcks.has(zxid)) this.commitAcks.set(zxid, new Set(acks));
  }

  /**
   * A member committed `qv` (a reconfig's activation, NEWLEADER's config at UPTODATE, a newer config from an
   * election notification): it must be the config of a reconfig txn of the history (zxid = its version), now or
   * once the history gets there. A version with counter 0 is an initial config versioned by its epoch
   * (ZOOKEEPER-1783), not a reconfig's.
   */
  configCommitted(sid: bigint, qv: QuorumVerifier): void {
    const v = qv.version;
    if ((v & 0xffffffffn) === 0n || this.configs.some((c) => c.zxid === v)) return;
    if (v <= (this.zxids[this.zxids.length - 1] ?? 0n)) this.configNotInHistory(sid, v);
    else if (!this.configClaims.has(v)) this.configClaims.set(v, sid);
  }

  private configNotInHistory(sid: bigint, v: bigint): void {
    const at = this.hashes.has(v) ? `the history holds another txn at ${hex(v)}` : `the history has no txn at ${hex(v)}`;
    this.w.fail("members commit only the history's configs", `${sid} committed config ${hex(v)}; ${at}`);
  }

  /** The history got to `z`: the configs members committed ahead of it must be its reconfigs. */
  private settleConfigClaims(z: bigint, isReconfig: boolean): void {
    for (const [v, sid] of this.configClaims) {
      if (v > z) continue;
      this.configClaims.delete(v);
      if (v < z || !isReconfig) this.configNotInHistory(sid, v);
    }
  }

  /** A txn enters the history: the ACKs its committing leader counted hold a quorum of each config in force for it. */
  private checkCommitQuorum(header: TxnHeader, txn: unknown): void {
    const z = header.zxid;
    const active = this.config;
    const next = header.type === OpCode.reconfig ? configFromString(Buffer.from((txn as { data: Uint8Array }).data).toString("utf8")) : undefined;
    if (next !== undefined) {
      this.configs.push({ zxid: z, qv: next });
      this.stats.reconfigsCommitted++;
      this.w.log(`config ${hex(next.version)} at ${hex(z)}: ${next.toString().replace(/\n/g, " ")}`);
    }
    const acks = this.commitAcks.get(z);
    if (acks === undefined) return; // committed by a NEWLEADER quorum (synchronisation), not on ACKs
    this.commitAcks.delete(z);
    this.stats.commitQuorumsChecked++;
    for (const [what, qv] of [["active", active], ["new", next]] as const) {
      if (qv !== undefined && !qv.containsQuorum(acks)) {
        this.w.fail(
          "every commit had a quorum of its configs",
          `${hex(z)} (type ${header.type}) committed on the ACKs of ${[...acks].join(",")}, no quorum of the ${what} config (voters ${[...qv.votingMembers.keys()].join(",")})`,
        );
      }
    }
  }

  /** Watches every txn a member's tree applies (its live life only: restores load snapshots, not txns). */
  watch(m: Member, peer: QuorumPeer): void {
    const tree = peer.tree;
    const orig = tree.processTxn.bind(tree);
    tree.processTxn = (header: TxnHeader, txn: unknown, node?) => {
      this.applying(m, peer, header, txn);
      return orig(header, txn, node);
    };
  }

  private applying(m: Member, peer: QuorumPeer, header: TxnHeader, txn: unknown): void {
    const w = this.w;
    const z = header.zxid;
    const p = peer.tree.lastProcessedZxid;
    const h = hash(encodeTxn(header, txn));
    this.stats.applied++;
    const known = this.hashes.get(z);
    if (known !== undefined && known !== h) {
      w.fail("committed prefixes agree", `${m.sid} applies a txn at ${hex(z)} that differs from the one applied there before`);
    }
    if (z <= p) return; // re-applied over a fuzzy snapshot
    // the first history entry after p must be z
    const i = this.firstAfter(p);
    if (i < this.zxids.length) {
      const next = this.zxids[i]!;
      if (next < z) {
        for (let j = i; j < this.zxids.length && this.zxids[j]! < z; j++) {
          const what = this.acked.get(this.zxids[j]!);
          if (what !== undefined) {
            w.fail("every acknowledged write survives", `${m.sid} goes from ${hex(p)} to ${hex(z)}, past the acknowledged ${hex(this.zxids[j]!)} (${what}), without it`);
          }
        }
        w.fail("committed prefixes agree", `${m.sid} goes from ${hex(p)} to ${hex(z)}, skipping ${hex(next)} of the history`);
      }
      if (next > z) w.fail("committed prefixes agree", `${m.sid} applies ${hex(z)} after ${hex(p)}, where the history has ${hex(next)}`);
    } else {
      // Checked where a txn is first applied: a member restored from a fuzzy snapshot replays txns whose effect
      // the snapshot may already hold (ZooKeeper's idempotent replay), so later members need not see the version.
      this.checkVersion(m, peer, header, txn);
      this.checkCommitQuorum(header, txn);
      this.zxids.push(z);
      this.hashes.set(z, h);
      this.settleConfigClaims(z, header.type === OpCode.reconfig);
      if (w.trace !== undefined) w.log(`history ${hex(z)} type ${header.type} session ${hex(header.clientId)} cxid ${header.cxid}${typeof (txn as { path?: unknown })?.path === "string" ? ` ${(txn as { path: string }).path}` : ""} (first applied by ${m.sid})`);
      this.stats.committed++;
      if (header.type === OpCode.closeSession && header.cxid === 0) this.onExpiry?.(header.clientId, z);
    }
  }

  /** Called when the leader's expiry of a session (a closeSession no client asked for) is first applied. */
  onExpiry: ((sessionId: bigint, zxid: bigint) => void) | undefined;

  private firstAfter(p: bigint): number {
    let lo = 0;
    let hi = this.zxids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.zxids[mid]! <= p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private checkVersion(m: Member, peer: QuorumPeer, header: TxnHeader, txn: unknown): void {
    if (header.type !== OpCode.setData && header.type !== OpCode.delete) return;
    const e = this.expected.get(`${header.clientId}:${header.cxid}`);
    if (e === undefined || e.version === -1) return;
    const path = (txn as { path: string }).path;
    if (path !== e.path) return;
    const node = peer.tree.getNode(path);
    this.stats.conditionalChecked++;
    if (node === undefined || node.stat.version !== e.version) {
      this.w.fail(
        "conditional writes applied on the version they named",
        `${m.sid} applies ${header.type === OpCode.setData ? "setData" : "delete"} ${path} (version ${e.version}) at ${hex(header.zxid)} to a node at version ${node?.stat.version ?? "none"}`,
      );
    }
  }

  expectVersion(sessionId: bigint, xid: number, path: string, version: number): void {
    if (version !== -1) this.expected.set(`${sessionId}:${xid}`, { path, version });
  }

  /** A client's write was answered OK at `zxid`. */
  acknowledged(zxid: bigint, what: string): void {
    this.stats.acked++;
    if (!this.hashes.has(zxid)) this.w.fail("every acknowledged write survives", `${what} acknowledged at ${hex(zxid)}, which no member applied`);
    this.acked.set(zxid, what);
  }

  sessionClosed(sessionId: bigint, zxid: bigint): void {
    this.closedAt.set(sessionId, zxid);
  }

  /** After every step. */
  everyStep(): void {
    const w = this.w;
    for (const m of w.members.values()) {
      const peer = m.peer;
      if (!m.up || peer === undefined) continue;
      // DataTree.compareDigest on every txn applied (the leader's own and its learners'): never a mismatch
      const mismatches = peer.metrics.counter(M.DIGEST_MISMATCHES_COUNT).total;
      if (mismatches > 0) w.fail("txn digests match the tree once applied", `${m.sid} counted ${mismatches} digest mismatches`);
      const zab = peer.zab;
      if (zab.isActiveLeader) {
        const e = zab.leaderEpoch!;
        const l = this.epochLeaders.get(e);
        if (l === undefined) {
          this.epochLeaders.set(e, m.sid);
          this.stats.epochs++;
          w.log(`${m.sid} leads epoch ${e}`);
        } else if (l !== m.sid) w.fail("one active leader per epoch", `${l} and ${m.sid} both lead epoch ${e}`);
      }
      const applied = peer.tree.lastProcessedZxid;
      for (const [owner, paths] of peer.tree.allEphemerals()) {
        const closed = this.closedAt.get(owner);
        if (!peer.store.sessions.has(owner) || (closed !== undefined && applied >= closed)) {
          w.fail("ephemerals gone with their session", `${m.sid} at ${hex(applied)} holds ${paths.join(",")} of session ${hex(owner)}, which is closed there`);
        }
      }
    }
  }

  /** Once healed and quiet: one history on every member, every acknowledged write in it, no ephemerals left. */
  final(members: Member[]): void {
    const w = this.w;
    const peers = members.map((m) => m.peer!);
    const zx = peers.map((p) => p.tree.lastProcessedZxid);
    const digests = peers.map((p) => p.tree.digest());
    for (let i = 1; i < peers.length; i++) {
      if (zx[i] !== zx[0] || digests[i] !== digests[0]) {
        w.fail("digests equal once healed and quiet", members.map((m, j) => `${m.sid}: ${hex(zx[j]!)} digest ${hex(digests[j]!)}`).join("; "));
      }
    }
    const last = zx[0]!;
    for (const [z, what] of this.acked) {
      if (z > last || !this.hashes.has(z)) w.fail("every acknowledged write survives", `${what} at ${hex(z)} is not in the healed ensemble (at ${hex(last)})`);
    }
    for (const [v, sid] of this.configClaims) this.configNotInHistory(sid, v);
    if (this.configs.length > 1) {
      const cfg = this.config;
      for (const [i, p] of peers.entries()) {
        const node = p.tree.getNode("/zookeeper/config");
        const text = node?.data != null ? Buffer.from(node.data).toString("utf8") : "";
        const committed = p.configs.committed;
        if (committed.version !== cfg.version || committed.toString() !== cfg.toString() || text !== cfg.toString()) {
          w.fail(
            "the healed members of the final config agree on it",
            `${members[i]!.sid} has config ${hex(committed.version)} (${committed.toString().replace(/\n/g, " ")}), /zookeeper/config ${JSON.stringify(text)}; the history's is ${hex(cfg.version)} (${cfg.toString().replace(/\n/g, " ")})`,
          );
        }
      }
    }
    for (const [i, p] of peers.entries()) {
      const left = p.tree.allEphemerals();
      if (left.size > 0) {
        w.fail("ephemerals gone with their session", `${members[i]!.sid} still holds ephemerals of ${[...left.keys()].map(hex).join(",")} after every session expired`);
      }
    }
  }
}
