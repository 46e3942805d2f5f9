/**
 * Sessions: id allocation, passwords, timeout negotiation and tick-bucket expiry (ZooKeeper's SessionTrackerImpl
 * and ExpiryQueue). Pure: time comes from the caller, expiry is driven by `expireDue(now)`.
 */

import { CONTAINER_EPHEMERAL_OWNER } from "@zkts/client-wire";

const MASK64 = (1n << 64n) - 1n;

/**
 * The first session id of a server: `((ms << 24) >>> 8) | (serverId << 56)` with Java long semantics, skipping
 * the container owner marker (Long.MIN_VALUE).
 */
export function initialSessionId(ms: number, serverId = 1n): bigint {
  const shifted = (BigInt(Math.trunc(ms)) << 24n) & MASK64; // Java: long << 24 (wraps)
  const logical = shifted >> 8n; // Java: >>> 8 on the unsigned view
  let sid = BigInt.asIntN(64, logical | ((serverId << 56n) & MASK64));
  if (sid === CONTAINER_EPHEMERAL_OWNER) sid += 1n;
  return sid;
}

/** ExpiryQueue.roundToNextInterval: the end of the tick bucket after `time`. */
export function roundToNextInterval(time: number, tick: number): number {
  return (Math.floor(time / tick) + 1) * tick;
}

export interface SessionState {
  readonly id: bigint;
  timeout: number;
  /** Set once a closeSession has been prepared (by the client or by expiry). */
  closing: boolean;
  /** Bucket time this session expires at (monotonic ms). */
  expiresAt: number;
}

/** Tick-bucketed expiry: sessions touched within one tick share a bucket. */
export class ExpiryQueue<K> {
  private readonly byKey = new Map<K, number>();
  private readonly buckets = new Map<number, Set<K>>();
  private nextExpiration: number;

  constructor(
    readonly tick: number,
    now: number,
  ) {
    this.nextExpiration = roundToNextInterval(now, tick);
  }

  /** Moves `key` to the bucket of now + timeout; returns the new expiry time. */
  update(key: K, timeout: number, now: number): number {
    const prev = this.byKey.get(key);
    const at = roundToNextInterval(now + timeout, this.tick);
    if (prev === at) return at;
    if (prev !== undefined) this.buckets.get(prev)?.delete(key);
    let set = this.buckets.get(at);
    if (set === undefined) this.buckets.set(at, (set = new Set()));
    set.add(key);
    this.byKey.set(key, at);
    return at;
  }

  remove(key: K): void {
    const prev = this.byKey.get(key);
    if (prev === undefined) return;
    this.byKey.delete(key);
    this.buckets.get(prev)?.delete(key);
  }

  /** The expiry time (bucket) of `key`, if it is queued. */
  expiryOf(key: K): number | undefined {
    return this.byKey.get(key);
  }

  /** Milliseconds until the next bucket is due (0 when due now). */
  waitTime(now: number): number {
    return Math.max(0, this.nextExpiration - now);
  }

  /** Removes and returns every key whose bucket is due at `now`, oldest bucket first. */
  poll(now: number): K[] {
    const out: K[] = [];
    while (now >= this.nextExpiration) {
      const set = this.buckets.get(this.nextExpiration);
      this.buckets.delete(this.nextExpiration);
      if (set !== undefined) {
        for (const k of set) {
          out.push(k);
          this.byKey.delete(k);
        }
      }
      this.nextExpiration += this.tick;
    }
    return out;
  }
}

/** Session bookkeeping: ids, passwords, expiry. */
export class SessionTracker {
  private readonly sessions = new Map<bigint, SessionState>();
  private readonly queue: ExpiryQueue<bigint>;
  private nextId: bigint;

  constructor(
    readonly tick: number,
    now: number,
    firstId: bigint,
  ) {
    this.queue = new ExpiryQueue(tick, now);
    this.nextId = firstId;
  }

  /**
   * The 16-byte password of a session, exactly as ZooKeeper makes it: `new java.util.Random(sessionId ^
   * 0xB3415C00L).nextBytes(16 bytes)`. Deterministic from the id, so sessions survive a restart and a migration
   * between Apache ZooKeeper and zkts in both directions, and clients can resume them.
   */
  password(id: bigint): Buffer {
    return javaRandomBytes(BigInt.asIntN(64, id ^ ZOOKEEPER_SUPER_SECRET), 16);
  }

  checkPassword(id: bigint, passwd: Buffer | null): boolean {
    if (id === 0n || passwd === null || passwd.length !== 16) return false;
    return this.password(id).equals(passwd);
  }

  allocateId(): bigint {
    const id = this.nextId;
    this.nextId = BigInt.asIntN(64, this.nextId + 1n);
    return id;
  }

  /** When the session expires unless touched (its tick bucket), in the clock's monotonic milliseconds. */
  expiresAt(id: bigint): number | undefined {
    return this.queue.expiryOf(id);
  }

  /** Starts tracking a session (createSession txn applied, or restored). */
  add(id: bigint, timeout: number, now: number): SessionState {
    const s: SessionState = { id, timeout, closing: false, expiresAt: 0 };
    this.sessions.set(id, s);
    s.expiresAt = this.queue.update(id, timeout, now);
    return s;
  }

  get(id: bigint): SessionState | undefined {
    return this.sessions.get(id);
  }

  /** Refreshes a live session; false when it is unknown or closing. */
  touch(id: bigint, now: number, timeout?: number): boolean {
    const s = this.sessions.get(id);
    if (s === undefined || s.closing) return false;
    if (timeout !== undefined) s.timeout = timeout;
    s.expiresAt = this.queue.update(id, s.timeout, now);
    return true;
  }

  setClosing(id: bigint): void {
    const s = this.sessions.get(id);
    if (s !== undefined) s.closing = true;
  }

  /** Undoes setClosing/expiry (its closeSession could not be logged): the session expires again later. */
  reopen(id: bigint, now: number): void {
    const s = this.sessions.get(id);
    if (s === undefined) return;
    s.closing = false;
    s.expiresAt = this.queue.update(id, s.timeout, now);
  }

  remove(id: bigint): void {
    this.sessions.delete(id);
    this.queue.remove(id);
  }

  waitTime(now: number): number {
    return this.queue.waitTime(now);
  }

  /** Sessions whose bucket is due; each is marked closing. */
  expireDue(now: number): SessionState[] {
    const out: SessionState[] = [];
    for (const id of this.queue.poll(now)) {
      const s = this.sessions.get(id);
      if (s === undefined) continue;
      s.closing = true;
      out.push(s);
    }
    return out;
  }

  all(): SessionState[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** ZooKeeperServer's `superSecret`, mixed into the seed of every session password. */
const ZOOKEEPER_SUPER_SECRET = 0xb3415c00n;

const MASK_48 = (1n << 48n) - 1n;

/** `new java.util.Random(seed).nextBytes(new byte[n])`: Java's 48-bit linear congruential generator. */
export function javaRandomBytes(seed: bigint, n: number): Buffer {
  let state = (seed ^ 0x5deece66dn) & MASK_48;
  const out = Buffer.alloc(n);
  let i = 0;
  while (i < n) {
    state = (state * 0x5deece66dn + 0xbn) & MASK_48;
    let rnd = Number(BigInt.asIntN(32, state >> 16n));
    for (let k = Math.min(n - i, 4); k-- > 0; rnd >>= 8) out[i++] = rnd & 0xff;
  }
  return out;
}
