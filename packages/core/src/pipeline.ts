/**
 * The durability pipeline (ZooKeeper's SyncRequestProcessor and the ordering around it): every prepared request
 * is queued in arrival order; a txn goes to the txn log port and its request waits until the port reports it
 * durable (or failed); `drain` hands the ready head of the queue to final, so replies go out in order. Without a
 * txn log, a request is ready at once and answered inside the call that submitted it.
 *
 * A drain runs for at most `sliceMs` of the injected monotonic clock, then lets the event loop turn (a timer at 0 ms
 * continues it): one fsync batch can hold a thousand closeSessions or setDatas that each fire ten watches, and
 * answering them in one turn would hold every timer and socket read behind it. Replies keep their order: the
 * queue's head is only ever taken by a drain.
 */
import { OpCode, opInfo } from "@zkts/client-wire";
import type { Clock, Logger } from "@zkts/contracts";
import type { FinalProcessor } from "./final.js";
import type { PrepProcessor } from "./prep.js";
import type { Request } from "./request.js";
import type { ServerStats } from "./server-info.js";
import type { TxnLogPort } from "./types.js";
import type { TimerHandle } from "@zkts/contracts";

/** Default longest a drain runs before the event loop gets a turn (ServerInit.drainSliceMs). */
export const DRAIN_SLICE_MS = 10;
/** Requests answered between two clock readings of a drain. */
const DRAIN_CHECK_EVERY = 16;

/** The ustring a request body starts with, or undefined when it is not a plausible one. */
function leadingPath(body: Buffer): string | undefined {
  if (body.length < 4) return undefined;
  const len = body.readInt32BE(0);
  if (len < 0 || len > body.length - 4) return undefined;
  return body.toString("utf8", 4, 4 + len);
}

export class DurabilityPipeline {
  /** Every request not answered yet, in arrival order. */
  readonly queue: Request[] = [];
  /** Requests whose txn went to `txnLog` and is not durable yet, in zxid order. */
  private awaitingDurable: Request[] = [];
  /** Requests in `queue` per session id (a session's read may not overtake its own queued requests). */
  private readonly sessionQueued = new Map<bigint, number>();
  private draining = false;
  private sinkFailures = 0;
  private idleWaiters: Array<() => void> = [];
  /** The timer that continues a drain cut short by its slice. */
  private resume: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly txnLog: TxnLogPort | undefined,
    private readonly prep: PrepProcessor,
    private readonly final: FinalProcessor,
    private readonly stats: ServerStats,
    /** Longest a drain runs (monotonic ms) before it yields to the event loop; <= 0: never yields. */
    private readonly sliceMs: number = DRAIN_SLICE_MS,
  ) {
    txnLog?.setTxnListener({
      durable: (zxid) => this.txnsDurable(zxid),
      failed: (first, last, error) => this.txnsFailed(first, last, error),
    });
  }

  /** Resolves once the queue is next empty (txns already handed to the txn log are always reported). */
  whenIdle(): Promise<void> {
    return new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Queues a request that is answered later (a learner's forwarded one: see LearnerRole). */
  enqueue(r: Request): void {
    this.queue.push(r);
    this.sessionQueued.set(r.sessionId, (this.sessionQueued.get(r.sessionId) ?? 0) + 1);
  }

  /** Queues a prepared request: its txn goes to the txn log (answered once durable), else it is ready now. */
  admit(r: Request): void {
    this.enqueue(r);
    if (r.hdr !== null && this.txnLog !== undefined) {
      try {
        this.txnLog.logTxn(r.hdr, r.txn, r.txnDigest);
      } catch (e) {
        this.sinkFailed(r, e);
        this.drain();
        return;
      }
      this.awaitingDurable.push(r);
      return;
    }
    r.ready = true;
    this.drain();
  }

  /**
   * Answers a prepared read ahead of the queue when it cannot observe anything queued (see canAnswerNow);
   * returns false when it has to queue.
   */
  answerEarly(r: Request): boolean {
    if (r.hdr !== null || this.queue.length === 0 || this.draining || !this.canAnswerNow(r)) return false;
    // A read that cannot observe anything still queued: answered now instead of behind other sessions' writes.
    r.ready = true;
    try {
      this.final.finish(r);
    } catch (e) {
      this.logger.error("request failed", { type: r.type, error: String(e) });
    }
    return true;
  }

  /**
   * Whether a read may be answered before the queued requests (writes waiting to be durable, and what queued
   * behind them): its own session has nothing queued (replies stay in request order), and the read cannot see
   * any pending change: a ping, or a read of one path that no queued txn changes (nothing pending at all, or no
   * change record for that path). The tree only ever holds durable txns, so the answer is what the read would
   * have seen had it arrived before the pending writes; a read of a path with a pending change still waits, as
   * ZooKeeper's standalone pipeline (SyncRequestProcessor's toFlush) holds every read behind unflushed writes.
   */
  private canAnswerNow(r: Request): boolean {
    if (!opInfo(r.type).immediateRead || this.sessionQueued.has(r.sessionId)) return false;
    if (r.type === OpCode.ping || this.prep.noPendingChanges) return true;
    const path = leadingPath(r.body);
    return path !== undefined && !this.prep.hasPendingChange(path === "" ? "/" : path);
  }

  /** A queued request became ready out of band (a learner's committed or synced request): answer what can go. */
  readied(r: Request): void {
    r.ready = true;
    this.drain();
  }

  /** txnLog: the requests of txns up to `zxid` may be applied and answered. */
  private txnsDurable(zxid: bigint): void {
    const a = this.awaitingDurable;
    let i = 0;
    while (i < a.length && a[i]!.hdr!.zxid <= zxid) a[i++]!.ready = true;
    if (i === 0) return;
    if (i === a.length) this.awaitingDurable = [];
    else a.splice(0, i);
    this.drain();
  }

  /** txnLog: the txns from `first` to `last` failed (with them, every txn queued behind them). */
  private txnsFailed(first: bigint, last: bigint, error: unknown): void {
    const keep: Request[] = [];
    for (const r of this.awaitingDurable) {
      const z = r.hdr!.zxid;
      if (z >= first && z <= last) this.sinkFailed(r, error);
      else keep.push(r);
    }
    this.awaitingDurable = keep;
    this.drain();
  }

  /**
   * The txn could not be made durable (ENOSPC, EIO...): it is never applied nor acknowledged. The change records
   * of this txn and of every later one are dropped: a txn log that fails a txn fails every txn queued behind it
   * too (the txn log rejects a failed batch and everything queued after it), so nothing prepared on top of them
   * survives either. ZooKeeper's SyncRequestProcessor exits on such an IOException; we answer SYSTEMERROR.
   */
  private sinkFailed(r: Request, e: unknown): void {
    if (this.sinkFailures++ === 0 || this.sinkFailures % 1000 === 0) {
      this.logger.error("txn log write failed: the write is not acknowledged", {
        zxid: r.hdr?.zxid.toString(16),
        type: r.type,
        session: r.sessionId.toString(16),
        failures: this.sinkFailures,
        error: e instanceof Error ? e.message : String(e),
      });
    }
    r.sinkError = e;
    r.ready = true;
    this.prep.dropFrom(r.hdr!.zxid);
  }

  /** Hands the ready head of the queue to final, in order, for at most `sliceMs` (then a timer continues it). */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    const start = (this.stats.batchClock = this.clock.monotonic());
    this.stats.batchWallClock = -1;
    let n = 0;
    try {
      while (this.queue.length > 0 && this.queue[0]!.ready) {
        if (++n % DRAIN_CHECK_EVERY === 0 && this.sliceMs > 0 && this.clock.monotonic() - start >= this.sliceMs) {
          this.resume ??= this.clock.setTimer(0, () => {
            this.resume = undefined;
            this.drain();
          });
          break;
        }
        const r = this.queue.shift()!;
        const left = this.sessionQueued.get(r.sessionId)! - 1;
        if (left === 0) this.sessionQueued.delete(r.sessionId);
        else this.sessionQueued.set(r.sessionId, left);
        try {
          this.final.finish(r);
        } catch (e) {
          this.logger.error("request failed", { type: r.type, error: String(e) });
        }
      }
    } finally {
      this.draining = false;
      this.stats.batchClock = -1;
      this.stats.batchWallClock = -1;
    }
    if (this.queue.length === 0 && this.idleWaiters.length > 0) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  }
}
