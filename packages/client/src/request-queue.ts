/**
 * Requests between the caller and the socket, as ClientCnxn's outgoingQueue and pendingQueue: a bounded number of
 * slots (queued + in flight; further callers wait), the queue of requests not yet sent, the requests sent and
 * awaiting their reply in order, xids, per-call timeouts and AbortSignal, and settling each request exactly once.
 */
import { encodeRequest, ErrorCode, KeeperError } from "@zkts/client-wire";
import { ClientClosedError, errorFromCode, MarshallingError, RequestTimeoutError } from "./errors.js";
import type { CallOptions } from "./types.js";

export interface Pending {
  opcode: number;
  body: unknown;
  path: string | undefined;
  xid: number;
  sent: boolean;
  /** The caller's promise is settled (answered, timed out or aborted). */
  settled: boolean;
  hasSlot: boolean;
  /** Runs on the reply whatever happened to the caller (watch registration). */
  onReply: ((err: number) => void) | undefined;
  resolve: (body: unknown) => void;
  reject: (e: unknown) => void;
  cleanup: (() => void) | undefined;
  internal: boolean;
}

/** A bounded counting semaphore; waiters are Pending requests. */
export class Slots {
  used = 0;
  readonly waiting: Array<(granted: boolean) => void> = [];
  constructor(readonly max: number) {}
  tryAcquire(): boolean {
    if (this.used < this.max) {
      this.used++;
      return true;
    }
    return false;
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.used--;
  }
}

/** What the queue asks of its connection. */
export interface QueueHooks {
  /** New requests are refused (the client is closing or the session ended). */
  refusing(): boolean;
  /** The error a refused request fails with. */
  refusal(path: string | undefined): KeeperError;
  /** A request was queued for sending. */
  queued(): void;
}

/** A session-level error with the request's path (ClientClosedError stays as it is). */
export function errorWithPath(e: KeeperError, path: string | undefined): KeeperError {
  if (path === undefined || e instanceof ClientClosedError) return e;
  return errorFromCode(e.code, path);
}

export class RequestQueue {
  readonly slots: Slots;
  /** Queued, not yet sent. */
  readonly outgoing: Pending[] = [];
  /** Sent, awaiting their replies (which come in this order). */
  readonly inflight: Pending[] = [];
  private xid = 0;

  constructor(
    maxOutstanding: number,
    private readonly hooks: QueueHooks,
  ) {
    this.slots = new Slots(maxOutstanding);
  }

  nextXid(): number {
    this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1;
    return this.xid;
  }

  /**
   * Queues a request once it has a slot. Rejects on timeout (`call.timeout`, else `defaultTimeout`; 0 = none) or
   * abort; a request already sent keeps its slot and its place in the reply order until its reply arrives.
   */
  submit<T>(opcode: number, body: unknown, path: string | undefined, call: CallOptions, defaultTimeout: number, onReply?: (err: number) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        opcode,
        body,
        path,
        xid: 0,
        sent: false,
        settled: false,
        hasSlot: false,
        onReply,
        resolve: resolve as (b: unknown) => void,
        reject,
        cleanup: undefined,
        internal: false,
      };
      const signal = call.signal;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      this.armTimeout(p, call.timeout ?? defaultTimeout, signal);
      const enqueue = (granted: boolean) => {
        if (p.settled) {
          if (granted) this.slots.release();
          return;
        }
        p.hasSlot = granted;
        if (this.hooks.refusing() || !granted) {
          this.finish(p, () => this.hooks.refusal(path));
          return;
        }
        this.outgoing.push(p);
        this.hooks.queued();
      };
      if (this.slots.tryAcquire()) enqueue(true);
      else this.slots.waiting.push(enqueue);
    });
  }

  /** The request's timeout and abort: either gives the caller up (and frees the slot of an unsent request). */
  private armTimeout(p: Pending, timeout: number, signal: AbortSignal | undefined): void {
    const path = p.path;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = (e: unknown) => {
      if (p.settled) return;
      const q = this.outgoing.indexOf(p);
      if (q >= 0) this.outgoing.splice(q, 1);
      if (!p.sent && p.hasSlot) {
        p.hasSlot = false;
        this.slots.release();
      }
      p.settled = true;
      p.cleanup?.();
      // A sent request keeps its slot and its place in the reply order until the reply arrives.
      p.reject(e);
    };
    const onAbort = () => giveUp(signal!.reason);
    if (timeout > 0) {
      timer = setTimeout(() => giveUp(new RequestTimeoutError(path, `request timed out after ${timeout} ms${path ? ` for ${path}` : ""}`)), timeout);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timer || signal) {
      p.cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
    }
  }

  /** A request that bypasses the queue and the slots (setWatches, closeSession); resolves with the reply's err. */
  internal(opcode: number, body: unknown, send: (payload: Buffer) => void): Promise<number> {
    return new Promise<number>((resolve) => {
      const p: Pending = {
        opcode,
        body,
        path: undefined,
        xid: this.nextXid(),
        sent: true,
        settled: false,
        hasSlot: false,
        onReply: undefined,
        resolve: () => resolve(0),
        reject: (e) => resolve(e instanceof KeeperError ? e.code : ErrorCode.CONNECTIONLOSS),
        cleanup: undefined,
        internal: true,
      };
      this.inflight.push(p);
      send(encodeRequest({ xid: p.xid, type: opcode, body }));
    });
  }

  /**
   * Moves every queued request in flight and returns their packets, in order. A request that cannot be encoded
   * or exceeds `maxPacketSize` fails with MarshallingError and is not sent.
   */
  takeOutgoing(maxPacketSize: number): Buffer[] {
    const payloads: Buffer[] = [];
    while (this.outgoing.length > 0) {
      const p = this.outgoing.shift()!;
      let payload: Buffer;
      p.xid = this.nextXid();
      try {
        payload = encodeRequest({ xid: p.xid, type: p.opcode, body: p.body });
      } catch (e) {
        this.finish(p, () => (e instanceof KeeperError ? e : new MarshallingError(p.path, String(e))));
        continue;
      }
      if (payload.length > maxPacketSize) {
        this.finish(p, () => new MarshallingError(p.path, `packet of ${payload.length} bytes exceeds ${maxPacketSize}`));
        continue;
      }
      p.sent = true;
      this.inflight.push(p);
      payloads.push(payload);
    }
    return payloads;
  }

  /** Settles a request (reply, error or connection loss) and frees its slot. */
  finish(p: Pending, error: (() => unknown) | undefined, body?: unknown, err = 0): void {
    if (p.onReply && (p.sent || err !== 0)) {
      try {
        p.onReply(error === undefined ? 0 : err || ErrorCode.CONNECTIONLOSS);
      } catch {
        /* registration never throws in practice */
      }
    }
    if (p.hasSlot) {
      p.hasSlot = false;
      this.slots.release();
    }
    if (p.settled) return;
    p.settled = true;
    p.cleanup?.();
    if (error === undefined) p.resolve(body);
    else p.reject(error());
  }

  /** Fails every request sent (connection lost or session ended). */
  failInflight(error: (p: Pending) => unknown): void {
    for (const p of this.inflight.splice(0)) this.finish(p, () => error(p));
  }

  /** Fails every request queued but not sent. */
  failOutgoing(error: (p: Pending) => unknown): void {
    for (const p of this.outgoing.splice(0)) this.finish(p, () => error(p));
  }

  /** Fails every caller still waiting for a slot. */
  refuseWaiters(): void {
    for (const w of this.slots.waiting.splice(0)) w(false);
  }
}
