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
import { makeZxid } from "@zkts/zab";
import { checkReconfig } from "./reconfig-check.js";
import type { QuorumPeerInit } from "./types.js";

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

  readonly reconfigEnabled: boolean;
  private readonly standaloneEnabled: boolean;

  constructor(
    init: Pick<QuorumPeerInit, "quorum" | "reconfigEnabled" | "standaloneEnabled">,
    private readonly log?: Logger,
    /** QuorumPeerEnv.onConfigCommitted: the host writes its config files. */
    private readonly onCommitted?: (qv: QuorumVerifier) => void,
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
