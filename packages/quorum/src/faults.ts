/**
 * Bugs the simulator injects on purpose (QuorumPeerFaults) that need state of their own. Never on outside tests.
 */
import type { ZooKeeperServer } from "@zkts/core";
import type { DataTree } from "@zkts/datatree";
import { decodeTxn } from "@zkts/persistence";
import type { Ready } from "@zkts/zab";
import type { EnsembleStore } from "./store.js";

/**
 * The applyUncommitted fault: a serving learner that has applied everything it logged applies each new proposal
 * as soon as it is logged, before its COMMIT (and answers its client if it is one of ours).
 */
export class EarlyApplier {
  /** The last txn logged while serving. */
  private lastLogged: bigint | undefined;

  constructor(
    private readonly tree: DataTree,
    private readonly store: EnsembleStore,
  ) {}

  /** A serving period ended. */
  reset(): void {
    this.lastLogged = undefined;
  }

  applyLogged(rd: Ready, learnerCore: ZooKeeperServer | undefined): void {
    for (const op of rd.persist) {
      if (op.kind !== "append") continue;
      for (const t of op.txns) {
        const caughtUp = this.lastLogged !== undefined && this.lastLogged === this.tree.lastProcessedZxid;
        this.lastLogged = t.zxid;
        if (!caughtUp || learnerCore === undefined) continue;
        const { header, txn } = decodeTxn(t.data);
        this.store.noteCommitted(header.type, header.clientId, txn);
        learnerCore.applyCommitted(header, txn);
      }
    }
  }
}
