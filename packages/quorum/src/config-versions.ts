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
import { parseCfgText, parseQuorumConfig, QuorumMaj, type QuorumVerifier } from "@zkts/election";
import { decodeTxn } from "@zkts/persistence";
import { makeZxid, type Ready } from "@zkts/zab";
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
  private handover: { leader: bigint; zxid: bigint } | undefined;

  readonly reconfigEnabled: boolean;
  private readonly standaloneEnabled: boolean;

  constructor(
    init: Pick<QuorumPeerInit, "quorum" | "reconfigEnabled" | "standaloneEnabled" | "lastSeenQuorum">,
    private readonly log?: Logger,
    /** QuorumPeerEnv.onConfigCommitted: the host writes its config files. */
    private readonly onCommitted?: (qv: QuorumVerifier) => void,
    /** The committed config changed (or was confirmed, at each active epoch): ZAB's and the election's quorums follow. */
    private readonly onActive?: (qv: QuorumVerifier) => void,
    /** QuorumPeerEnv.onConfigSeen: the host writes zoo.cfg.dynamic.next. */
    private readonly onSeen?: (qv: QuorumVerifier) => void,
  ) {
    this.committedQv = init.quorum;
    this.reconfigEnabled = init.reconfigEnabled === true;
    // QuorumPeerConfig: zoo.cfg.dynamic.next is the last seen config when its version is newer
    const next = init.lastSeenQuorum;
    this.lastSeenQv = this.reconfigEnabled && next !== undefined && next.version > init.quorum.version ? next : init.quorum;
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

  /** The last seen config while newer than the committed one (a reconfig pending): ZabInit.pendingQuorum. */
  get pending(): QuorumVerifier | undefined {
    return this.lastSeenQv.version > this.committedQv.version ? this.lastSeenQv : undefined;
  }

  /**
   * FastLeaderElection's WorkerReceiver: a LOOKING member told of a newer config in a notification adopts it
   * (processReconfig(qv, null, null, false): files, quorums); true if it did, and the election restarts.
   */
  fromElection(text: string): boolean {
    let qv: QuorumVerifier;
    try {
      qv = configFromString(text);
    } catch {
      return false;
    }
    return this.activated(qv) !== undefined;
  }

  /** Leader.lead: the config NEWLEADER carries for `epoch` (the last seen one, versioned first if still 0). */
  newLeaderConfig(epoch: bigint): QuorumVerifier {
    if (this.reconfigEnabled && this.committedQv.version === 0n && this.lastSeenQv.version === 0n) {
      this.lastSeenQv = withVersion(this.committedQv, makeZxid(epoch, 0n));
      this.onSeen?.(this.lastSeenQv); // Leader.lead: setLastSeenQuorumVerifier(newQV, true)
    }
    return this.lastSeenQv;
  }

  /** ZabInit.quorumVerifierBytes: NEWLEADER's payload for `epoch`. */
  newLeaderBytes(epoch: bigint): Buffer {
    return Buffer.from(this.newLeaderConfig(epoch).toString());
  }

  /** A reconfig txn was proposed (leader) or received as a PROPOSAL (learner): setLastSeenQuorumVerifier. */
  proposed(qv: QuorumVerifier): void {
    if (this.reconfigEnabled && qv.version > this.lastSeenQv.version) {
      this.lastSeenQv = qv;
      this.onSeen?.(qv); // setLastSeenQuorumVerifier(qv, writeToDisk=true): before the proposal is logged and ACKed
    }
  }

  /**
   * Leader.propose of a reconfig txn (its SetDataTxn): the new config becomes the last seen one, and is returned.
   * It keeps the txn text's server order (ZooKeeper's leader keeps PrepRequestProcessor's QuorumMaj object).
   */
  proposedReconfig(txn: unknown): QuorumVerifier {
    const text = (txn as { data: Buffer }).data.toString("utf8");
    const parsed = configFromString(text);
    const order = parseCfgText(text).filter(([k]) => k.startsWith("server.")).map(([k]) => BigInt(k.slice(7)));
    const qv = parsed.kind === "majority" ? new QuorumMaj(parseCfgText(text), { order }) : parsed;
    this.proposed(qv);
    return qv;
  }

  /**
   * A learner receives NEWLEADER (Learner.syncWithLeader: setLastSeenQuorumVerifier(qv, true)): its config is the
   * last seen one whatever its version — an older one drops a reconfig this member saw proposed that the new
   * leader's history does not hold (truncated), which it would otherwise activate as pending should it lead later.
   * Reconfig PROPOSALs after it in the stream set a newer one again. Unparseable text is ignored.
   */
  newLeaderSeen(data: Buffer | null): void {
    if (!this.reconfigEnabled || data === null || data.length <= 1) return;
    let qv: QuorumVerifier;
    try {
      qv = configFromString(data.toString("utf8"));
    } catch {
      return;
    }
    if (qv.version === this.lastSeenQv.version) return;
    this.lastSeenQv = qv;
    this.onSeen?.(qv);
  }

  /** A reconfig txn (TxnHeader + SetDataTxn) received as a PROPOSAL (Follower.processPacket): its config is the last seen. */
  proposedTxn(txnBytes: Buffer): void {
    const qv = this.txnConfig(txnBytes);
    if (qv !== undefined) this.proposed(qv);
  }

  /**
   * The `activate` events of a ZAB Ready, before its committed txns are applied (Follower: processReconfig, then
   * commit; the leader likewise): each reconfig txn's config is activated (see `activateTxn`), so the reconfig's
   * answer carries it. Returns why the member's role ends, if a reconfig ended it.
   */
  activateFrom(rd: Ready, sid: bigint, mode: PeerMode, leader: bigint | undefined): string | undefined {
    let why: string | undefined;
    for (const e of rd.events) {
      if (e.type !== "activate") continue;
      const t = rd.committed.find((x) => x.zxid === e.zxid);
      const parsed = t === undefined ? undefined : this.txnConfig(t.data);
      if (parsed === undefined) {
        this.log?.warn("activation of an unknown reconfig txn", { zxid: `0x${e.zxid.toString(16)}` });
        continue;
      }
      // the leader activates the object it proposed; a learner the config it parsed (Follower: configFromString)
      const own = parsed.version === this.lastSeenQv.version && this.lastSeenQv.toString() === this.txnText(t!.data);
      why = this.activateTxn(own ? this.lastSeenQv : parsed, e.leader, sid, mode, leader) ?? why;
    }
    return why;
  }

  /**
   * QuorumPeer.processReconfig for the `activate` event of a reconfig txn to `qv` (designating `designated` as
   * the leader): its config becomes the committed one (files, quorums, election). Returns why the member's role
   * ends, if it must (its role, participant <-> observer, or its leader changed); the next one is `takeHandover`'s.
   * A leader that designated another one steps down in ZAB.
   */
  private activateTxn(qv: QuorumVerifier, designated: bigint, sid: bigint, mode: PeerMode, leader: bigint | undefined): string | undefined {
    this.handover = undefined;
    if (this.activated(qv) === undefined) return undefined;
    // updateLearnerType: a member outside the view is a (non-voting) participant
    const roleChange = (qv.allMembers.get(sid)?.type === "observer") !== (mode === "observer");
    const leaderChange = designated !== (mode === "leader" ? sid : leader);
    this.log?.info("reconfig activated", { version: `0x${qv.version.toString(16)}`, leader: String(designated), roleChange, leaderChange });
    if (!roleChange && !leaderChange) return undefined;
    this.handover = { leader: designated, zxid: qv.version };
    return roleChange ? "reconfig changed this member's role" : "reconfig designated another leader";
  }

  /**
   * The role a reconfig set, once the current one ended (QuorumPeer.updateServerState with reconfigFlag): the
   * designated leader and the reconfig's zxid (the vote), taken once.
   */
  takeHandover(): { leader: bigint; zxid: bigint } | undefined {
    const h = this.handover;
    this.handover = undefined;
    return h;
  }

  private txnText(txnBytes: Buffer): string {
    return (decodeTxn(txnBytes).txn as { data: Buffer }).data.toString("utf8");
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
  activate(newLeaderConfig: Buffer | null, tree: DataTree, nowMs: number, learnerCommitted?: bigint): void {
    const adopted = this.adopt(newLeaderConfig, learnerCommitted);
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
   *
   * `learnerCommitted` (a learner's commit point at UPTODATE): a config whose reconfig txn (zxid = its version) is
   * above it stays the last seen one (set at NEWLEADER) and is activated by its COMMITANDACTIVATE /
   * INFORMANDACTIVATE. That is a learner synchronising with an established leader while the leader's reconfig is
   * outstanding: NEWLEADER carries the leader's last seen config (Leader.getQuorumVerifierBytes), which ZooKeeper's
   * learner commits at UPTODATE (processReconfig(newLeaderQV)) although its txn may still be truncated by a later
   * leader; the config then spreads through election notifications and a quorum of it that is no quorum of the
   * history's config commits (simulator, seed 126). When the leader is establishing the epoch, NEWLEADER's config is
   * committed by the time UPTODATE is sent (its txn is in the initial history, committed at UPTODATE), and a version
   * with counter 0 is the initial config's (ZOOKEEPER-1783, the epoch's own zxid), not a reconfig's: both adopted.
   */
  adopt(newLeaderConfig: Buffer | null, learnerCommitted?: bigint): QuorumVerifier | undefined {
    if (!this.reconfigEnabled || newLeaderConfig === null || newLeaderConfig.length <= 1) return undefined;
    let qv: QuorumVerifier;
    try {
      qv = configFromString(newLeaderConfig.toString("utf8"));
    } catch {
      return undefined;
    }
    if (qv.version <= this.committedQv.version) return undefined;
    if (learnerCommitted !== undefined && (qv.version & 0xffffffffn) !== 0n && qv.version > learnerCommitted) {
      this.log?.info("NEWLEADER's config stays the last seen one until its reconfig commits", {
        version: `0x${qv.version.toString(16)}`,
        committedZxid: `0x${learnerCommitted.toString(16)}`,
      });
      return undefined;
    }
    this.committedQv = qv;
    if (qv.version > this.lastSeenQv.version) this.lastSeenQv = qv;
    return qv;
  }
}
