/**
 * Role strategies: what differs between a standalone server, an ensemble leader and a learner (follower or
 * observer) is how a request enters the pipeline (ZooKeeper gives each its own processor chain) and whether the
 * member runs session expiry and the container reaper. The server makes one `role.submit(r)` call per request.
 *
 * - standalone: prep -> durability -> final; a read that cannot see a pending write is answered early.
 * - leader: prep -> txn log (its port proposes through ZAB, durable = committed) -> final; also takes requests
 *   forwarded by learners (ZooKeeperServer.submitRemote).
 * - learner: writes, sync and session create/close go to the leader (`forward`); they are answered once the
 *   committed txn comes back (applyCommitted) or the sync is done (syncDone). Reads run locally. The leader
 *   expires sessions and reaps containers, so a learner does neither; it reports the sessions its clients touched.
 * - read-only (ZooKeeper's ReadOnlyZooKeeperServer, over a copy of the tree): as standalone, except that writes
 *   and sync are answered NOTREADONLY (ReadOnlyRequestProcessor); the session layer refuses clients that did not
 *   ask for readOnly and marks ConnectResponses readOnly.
 */
import type { TxnHeader } from "@zkts/jute";
import { ErrorCode, OpCode, opInfo } from "@zkts/client-wire";
import { CoreError } from "./errors.js";
import type { DurabilityPipeline } from "./pipeline.js";
import type { PrepProcessor } from "./prep.js";
import type { Request } from "./request.js";
import type { EnsembleRole, ForwardedRequest } from "./types.js";

export abstract class Role {
  /** Whether this member expires sessions and reaps containers. */
  abstract readonly housekeeping: boolean;

  constructor(
    protected readonly prep: PrepProcessor,
    protected readonly pipeline: DurabilityPipeline,
  ) {}

  /** Takes a request into the pipeline (the server has counted it as outstanding). */
  abstract submit(r: Request): void;

  /** A local client's request touched its session outside submit (a request refused before it). */
  touched(_sessionId: bigint, _timeout: number): void {}

  /** Learner: the sessions touched by local clients since the last call (id -> timeout), for the leader. */
  takeTouchedSessions(): Array<[bigint, number]> {
    return [];
  }

  /** Learner: the forwarded request a committed txn answers, taken off the forwarded list. */
  takeForwarded(_hdr: TxnHeader): Request | undefined {
    return undefined;
  }

  /** Learner: the leader answered a forwarded sync. */
  syncDone(_sessionId: bigint, _cxid: number): void {}
}

export class StandaloneRole extends Role {
  readonly housekeeping = true;

  submit(r: Request): void {
    this.prep.prepare(r);
    if (!this.pipeline.answerEarly(r)) this.pipeline.admit(r);
  }
}

export class ReadOnlyRole extends StandaloneRole {
  override submit(r: Request): void {
    if (!opInfo(r.type).readOnlyRefused) return super.submit(r);
    // answered in order, header only: NOTREADONLY at the last applied zxid
    r.error = new CoreError(ErrorCode.NOTREADONLY);
    this.pipeline.admit(r);
  }
}

export class LeaderRole extends Role {
  readonly housekeeping = true;

  submit(r: Request): void {
    this.prep.prepare(r);
    this.pipeline.admit(r);
  }
}

export class LearnerRole extends Role {
  readonly housekeeping = false;
  /** Sessions touched since the last takeTouchedSessions() (reported to the leader in PINGs). */
  private readonly touchedSessions = new Map<bigint, number>();
  /** Forwarded writes waiting for their committed txn, per session, in forwarding order. */
  private readonly forwardedWrites = new Map<bigint, Request[]>();

  constructor(
    prep: PrepProcessor,
    pipeline: DurabilityPipeline,
    private readonly forward: (req: ForwardedRequest) => void,
  ) {
    super(prep, pipeline);
  }

  submit(r: Request): void {
    // a client packet (not the createSession of a handshake, which has connectTimeout) touched its session
    if (r.cs !== null && r.connectTimeout === undefined) this.touchedSessions.set(r.sessionId, r.cs.timeout);
    if (!opInfo(r.type).write && r.type !== OpCode.sync) {
      this.prep.prepare(r);
      this.pipeline.admit(r);
      return;
    }
    // the leader prepares it; answered when its txn is committed (applyCommitted) or synced (syncDone)
    r.forwarded = true;
    this.pipeline.enqueue(r);
    if (r.type !== OpCode.sync) {
      const fwd = this.forwardedWrites.get(r.sessionId);
      if (fwd === undefined) this.forwardedWrites.set(r.sessionId, [r]);
      else fwd.push(r);
    }
    const body = r.type === OpCode.createSession ? Buffer.alloc(4) : r.body;
    if (r.type === OpCode.createSession) body.writeInt32BE(r.connectTimeout ?? 0, 0);
    this.forward({ sessionId: r.sessionId, cxid: r.xid, type: r.type, body, authInfo: r.authInfo });
  }

  override touched(sessionId: bigint, timeout: number): void {
    this.touchedSessions.set(sessionId, timeout);
  }

  override takeTouchedSessions(): Array<[bigint, number]> {
    const out = [...this.touchedSessions];
    this.touchedSessions.clear();
    return out;
  }

  override takeForwarded(hdr: TxnHeader): Request | undefined {
    const fwd = this.forwardedWrites.get(hdr.clientId);
    if (fwd === undefined) return undefined;
    for (let i = 0; i < fwd.length; i++) {
      const r = fwd[i]!;
      if (!r.ready && r.xid === hdr.cxid && (r.type === hdr.type || hdr.type === OpCode.error)) {
        if (fwd.length === 1) this.forwardedWrites.delete(hdr.clientId);
        else fwd.splice(i, 1);
        return r;
      }
    }
    return undefined;
  }

  override syncDone(sessionId: bigint, cxid: number): void {
    for (const r of this.pipeline.queue) {
      if (r.forwarded === true && !r.ready && r.type === OpCode.sync && r.sessionId === sessionId && r.xid === cxid) {
        this.pipeline.readied(r);
        return;
      }
    }
  }
}

/** The strategy for ServerComponents.ensemble (absent: standalone). */
export function makeRole(ensemble: EnsembleRole | undefined, prep: PrepProcessor, pipeline: DurabilityPipeline): Role {
  if (ensemble === undefined) return new StandaloneRole(prep, pipeline);
  if (ensemble.role === "leader") return new LeaderRole(prep, pipeline);
  if (ensemble.role === "read-only") return new ReadOnlyRole(prep, pipeline);
  return new LearnerRole(prep, pipeline, ensemble.forward);
}
