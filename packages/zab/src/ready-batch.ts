import type { Outbound, PersistOp, Ready, Txn, ZabEvent } from "./types.js";

/**
 * The output a peer accumulates between two `ready()` calls: what to persist, what to send (early, or once the
 * persist ops are durable), what to apply, and the continuations `advance()` runs once the host made it durable.
 */
export interface Batch {
  persist: PersistOp[];
  /** Messages that may go before the persist ops are durable (the leader's proposals). */
  early: Outbound[];
  messages: Outbound[];
  /** Connections with a message in `messages`: later sends to them queue behind it (per connection FIFO). */
  lateConns: Set<number>;
  committed: Txn[];
  close: number[];
  connect?: bigint;
  events: ZabEvent[];
  after: (() => void)[];
}

export function emptyBatch(): Batch {
  return { persist: [], early: [], messages: [], lateConns: new Set(), committed: [], close: [], events: [], after: [] };
}

/** Whether the batch holds anything for the host (or for `advance()`). */
export function batchHasOutput(b: Batch): boolean {
  return (
    b.persist.length > 0 ||
    b.early.length > 0 ||
    b.messages.length > 0 ||
    b.committed.length > 0 ||
    b.close.length > 0 ||
    b.connect !== undefined ||
    b.events.length > 0 ||
    b.after.length > 0
  );
}

/** The host's view of a batch (the continuations and the FIFO bookkeeping stay inside). */
export function readyOf(b: Batch): Ready {
  const rd: Ready = { persist: b.persist, early: b.early, messages: b.messages, committed: b.committed, close: b.close, events: b.events };
  if (b.connect !== undefined) rd.connect = b.connect;
  return rd;
}
