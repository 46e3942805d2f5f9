/**
 * A member's quorum configs by version (QuorumPeer's quorumVerifier and lastSeenQuorumVerifier), as far as
 * ZooKeeper 3.8 moves them without a reconfig txn:
 * - a leader whose committed and last seen configs both have version 0 (a static zoo.cfg) gives its last seen one
 *   the version of the epoch it establishes, makeZxid(epoch, 0) (Leader.lead, ZOOKEEPER-1783), and sends it in
 *   NEWLEADER; it commits it once a quorum acknowledged NEWLEADER (Leader.startZkServer -> processReconfig);
 * - a learner adopts the config NEWLEADER carried at UPTODATE when its version is higher (processReconfig).
 * With reconfigEnabled=false nothing moves (setLastSeenQuorumVerifier and processReconfig return at once): NEWLEADER
 * carries the committed config, version 0 for a static zoo.cfg.
 */
import type { Logger } from "@zkts/contracts";
import type { ReconfigCheck } from "@zkts/core";
import type { DataTree } from "@zkts/datatree";
import { parseCfgText, parseQuorumConfig, type QuorumVerifier } from "@zkts/election";
import { decodeTxn } from "@zkts/persistence";
import { makeZxid } from "@zkts/zab";
import { checkReconfig } from "./reconfig-check.js";
import type { PeerMode, QuorumPeerInit } from "./types.js";

/** QuorumPeer.configFromString: a verifier from its text (server lines, group/weight lines, `version=<hex>`). */
export function configFromString(text: string): QuorumVerifier {
  return parseQuorumConfig(parseCfgText(text));
}

/** The same members with another version (configFromString(qv.toString()) then setVersion). */
export function withVersion(qv: QuorumVerifier, version: bigint): QuorumVerifier {
  const pairs = parseCfgText(qv.toString()).filter(([k]) => k !== "version");
  pairs.push(["version", version.toString(16)]);
  return parseQuorumConfig(pairs);
}

export class ConfigVersions {
  private committedQv: QuorumVerifier;
  private lastSeenQv: QuorumVerifier;
  /** Committed reconfig txns' configs, by zxid, until their `activate` event. */
  private readonly committedTxns = new Map<bigint, QuorumVerifier>();

  readonly reconfigEnabled: boolean;
  private readonly standaloneEnabled: boolean;

  constructor(
    init: Pick<QuorumPeerInit, "quorum" | "reconfigEnabled" | "standaloneEnabled">,
    private readonly log?: Logger,
    /** QuorumPeerEnv.onConfigCommitted: the host writes its config files. */
    private readonly onCommitted?: (qv: QuorumVerifier) => void,
    /** The committed config changed (or was confirmed, at each active epoch): ZAB's and the election's quorums follow. */
    private readonly onActive?: (qv: QuorumVerifier) => void,
  ) {
    this.committedQv = init.quorum;
    this.lastSeenQv = init.quorum;
    this.reconfigEnabled = init.reconfigEnabled === true;
    this.standaloneEnabled = init.standaloneEnabled ?? true;
  }

  /** The leader core's reconfig checks (reconfig-check.ts) against these configs and the synced followers. */
  reconfigCheck(sid: bigint, syncedFollowers: () => bigint[]): ReconfigCheck {
    return (req, zxid) => {
      const ctx = { committed: this.committedQv, lastSeen: this.lastSeenQv, standaloneEnabled: this.standaloneEnabled, sid, syncedFollowers: syncedFollowers() };
      return Buffer.from(checkReconfig(req, zxid, ctx).toString());
    };
  }

  /** The committed config (QuorumPeer.getQuorumVerifier). */
  get committed(): QuorumVerifier {
    return this.committedQv;
  }

  /** The last seen config (QuorumPeer.getLastSeenQuorumVerifier): newer than the committed one while one is pending. */
  get lastSeen(): QuorumVerifier {
    return this.lastSeenQv;
  }

  /** Leader.lead: the config NEWLEADER carries for `epoch` (the last seen one, versioned first if still 0). */
  newLeaderConfig(epoch: bigint): QuorumVerifier {
    if (this.reconfigEnabled && this.committedQv.version === 0n && this.lastSeenQv.version === 0n) {
      this.lastSeenQv = withVersion(this.committedQv, makeZxid(epoch, 0n));
    }
    return this.lastSeenQv;
  }

  /** ZabInit.quorumVerifierBytes: NEWLEADER's payload for `epoch`. */
  newLeaderBytes(epoch: bigint): Buffer {
    return Buffer.from(this.newLeaderConfig(epoch).toString());
  }

  /** A reconfig txn was proposed (leader) or received as a PROPOSAL (learner): setLastSeenQuorumVerifier. */
  proposed(qv: QuorumVerifier): void {
    if (this.reconfigEnabled && qv.version > this.lastSeenQv.version) this.lastSeenQv = qv;
  }

  /** Leader.propose of a reconfig txn (its SetDataTxn): the new config becomes the last seen one, and is returned. */
  proposedReconfig(txn: unknown): QuorumVerifier {
    const qv = configFromString((txn as { data: Buffer }).data.toString("utf8"));
    this.proposed(qv);
    return qv;
  }

  /** A reconfig txn (TxnHeader + SetDataTxn) received as a PROPOSAL (Follower.processPacket): its config is the last seen. */
  proposedTxn(txnBytes: Buffer): void {
    const qv = this.txnConfig(txnBytes);
    if (qv !== undefined) this.proposed(qv);
  }

  /** A reconfig txn was committed (and applied): its config waits for the `activate` event. */
  committedTxn(zxid: bigint, txnBytes: Buffer): void {
    const qv = this.txnConfig(txnBytes);
    if (qv !== undefined) this.committedTxns.set(zxid, qv);
  }

  /**
   * QuorumPeer.processReconfig for the `activate` event of the reconfig txn `zxid` (designating `designated` as
   * the leader): its config becomes the committed one (files, quorums, election). Returns why the member must
   * elect again, if it must: a learner whose role (participant <-> observer) or leader changed. A leader that
   * designated another one steps down in ZAB.
   */
  activateTxn(zxid: bigint, designated: bigint, sid: bigint, mode: PeerMode, leader: bigint | undefined): string | undefined {
    const qv = this.committedTxns.get(zxid);
    this.committedTxns.clear();
    if (qv === undefined) {
      this.log?.warn("activation of an unknown reconfig txn", { zxid: `0x${zxid.toString(16)}` });
      return undefined;
    }
    if (this.activated(qv) === undefined || mode === "leader") return undefined;
    const me = qv.allMembers.get(sid);
    const roleChange = me !== undefined && (me.type === "observer") !== (mode === "observer");
    const leaderChange = designated !== leader;
    this.log?.info("reconfig activated", { version: `0x${qv.version.toString(16)}`, leader: String(designated), roleChange, leaderChange });
    if (roleChange) return "reconfig changed this member's role";
    return leaderChange ? "reconfig designated another leader" : undefined;
  }

  /** The config a reconfig txn carries (its SetDataTxn's data); undefined (logged) if it does not parse. */
  private txnConfig(txnBytes: Buffer): QuorumVerifier | undefined {
    try {
      const { txn } = decodeTxn(txnBytes);
      return configFromString((txn as { data: Buffer }).data.toString("utf8"));
    } catch (e) {
      this.log?.warn("ignoring a reconfig txn whose config does not parse", { error: (e as Error).message });
      return undefined;
    }
  }

  /**
   * A committed reconfig txn's config is activated (processReconfig -> setQuorumVerifier(qv, true)): it becomes the
   * committed one and the host writes the files. Returns the previous committed config, or undefined when `qv` is
   * not newer (nothing changes).
   */
  activated(qv: QuorumVerifier): QuorumVerifier | undefined {
    if (!this.reconfigEnabled || qv.version <= this.committedQv.version) return undefined;
    const prev = this.committedQv;
    this.committedQv = qv;
    if (qv.version > this.lastSeenQv.version) this.lastSeenQv = qv;
    this.log?.info("config committed", { version: `0x${qv.version.toString(16)}` });
    this.onCommitted?.(qv);
    this.onActive?.(qv);
    return prev;
  }

  /**
   * The epoch is active (UPTODATE on a learner, the NEWLEADER quorum on the leader): with reconfigEnabled, a newer
   * config NEWLEADER carried becomes the committed one (processReconfig -> setQuorumVerifier) and the host is told;
   * then /zookeeper/config holds the committed config (ZKDatabase.initConfigInZKDatabase, as a learner does after
   * synchronising), stamped `nowMs`.
   */
  activate(newLeaderConfig: Buffer | null, tree: DataTree, nowMs: number): void {
    const adopted = this.adopt(newLeaderConfig);
    if (adopted !== undefined) {
      this.log?.info("config committed", { version: `0x${adopted.version.toString(16)}` });
      this.onCommitted?.(adopted);
    }
    const qv = this.committedQv;
    this.onActive?.(qv);
    tree.initConfigNode(Buffer.from(qv.toString()), qv.version, BigInt(Math.floor(nowMs)));
  }

  /**
   * NEWLEADER's config (a learner's copy, or the leader's own): the verifier that became committed when it is
   * newer, else undefined. Unparseable text is ignored as ZooKeeper's learner ignores it (it prints the exception
   * and goes on).
   */
  adopt(newLeaderConfig: Buffer | null): QuorumVerifier | undefined {
    if (!this.reconfigEnabled || newLeaderConfig === null || newLeaderConfig.length <= 1) return undefined;
    let qv: QuorumVerifier;
    try {
      qv = configFromString(newLeaderConfig.toString("utf8"));
    } catch {
      return undefined;
    }
    if (qv.version <= this.committedQv.version) return undefined;
    this.committedQv = qv;
    if (qv.version > this.lastSeenQv.version) this.lastSeenQv = qv;
    return qv;
  }
}
