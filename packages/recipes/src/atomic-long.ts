/**
 * DistributedAtomicLong: Curator's counter, one persistent node holding the value as 8 bytes big-endian (a
 * missing node or empty data reads as 0). Updates are optimistic: read the value and its version, write with
 * that version, and retry (bounded, with backoff) when another writer got in first. A Curator
 * DistributedAtomicLong and this one on the same path count together.
 *
 * As Curator's, every update reports whether it succeeded: check `succeeded` (retries can run out).
 */
import { BadVersionError, NodeExistsError, NoNodeError, type Stat, type ZooKeeperClient } from "@zkts/client";
import { ensureContainers, parentOf } from "./paths.js";
import { DEFAULT_RETRY, retrySleep, sleep, type RetryPolicy } from "./retry.js";

export interface AtomicStats {
  optimisticTries: number;
  optimisticTimeMs: number;
}

export interface AtomicValue<T> {
  succeeded: boolean;
  preValue: T;
  postValue: T;
  stats: AtomicStats;
}

/** Curator's DistributedAtomicLong.valueToBytes: 8 bytes, big-endian, two's complement. */
export function longToBytes(value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt.asIntN(64, value));
  return b;
}

/** Curator's bytesToValue: null or empty is 0; fewer than 8 bytes is corrupt; extra bytes are ignored. */
export function bytesToLong(bytes: Buffer | null, path = ""): bigint {
  if (bytes === null || bytes.length === 0) return 0n;
  if (bytes.length < 8) {
    throw new Error(`Corrupted data for node "${path}": [${[...bytes].map((x) => "0x" + x.toString(16)).join(", ")}]`);
  }
  return bytes.readBigInt64BE(0);
}

export interface AtomicLongOptions {
  retry?: RetryPolicy;
}

export class DistributedAtomicLong {
  private readonly retry: RetryPolicy;
  /** Parents are ensured once per instance (Curator's EnsurePathContainers). */
  private ensured = false;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    options: AtomicLongOptions = {},
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /** The current value (0 when never set). */
  async get(): Promise<AtomicValue<bigint>> {
    const { value } = await this.read();
    return { succeeded: true, preValue: value, postValue: value, stats: { optimisticTries: 0, optimisticTimeMs: 0 } };
  }

  increment(): Promise<AtomicValue<bigint>> {
    return this.add(1n);
  }

  decrement(): Promise<AtomicValue<bigint>> {
    return this.add(-1n);
  }

  subtract(delta: bigint | number): Promise<AtomicValue<bigint>> {
    return this.add(-BigInt(delta));
  }

  /** Adds `delta` (64-bit wrap-around, as Java's long). */
  add(delta: bigint | number): Promise<AtomicValue<bigint>> {
    const d = BigInt(delta);
    return this.trySetWith((prev) => BigInt.asIntN(64, prev + d));
  }

  /** Sets the value (optimistically, with retries). */
  trySet(value: bigint | number): Promise<AtomicValue<bigint>> {
    const v = BigInt(value);
    return this.trySetWith(() => v);
  }

  /** Sets the value to `newValue` if it is `expected` now (one attempt, no retries). */
  async compareAndSet(expected: bigint | number, newValue: bigint | number): Promise<AtomicValue<bigint>> {
    const cur = await this.read();
    const result: AtomicValue<bigint> = { succeeded: false, preValue: cur.value, postValue: cur.value, stats: { optimisticTries: 1, optimisticTimeMs: 0 } };
    // Curator compares the stored bytes with the expected value's bytes: a missing node never matches.
    if (cur.stat === null || cur.raw === null || !cur.raw.equals(longToBytes(BigInt(expected)))) return result;
    try {
      await this.client.setData(this.path, longToBytes(BigInt(newValue)), { version: cur.stat.version });
      result.succeeded = true;
      result.postValue = BigInt.asIntN(64, BigInt(newValue));
    } catch (e) {
      if (!(e instanceof BadVersionError || e instanceof NoNodeError)) throw e;
    }
    return result;
  }

  /** Sets the value without any check (Curator's forceSet). */
  async forceSet(value: bigint | number): Promise<void> {
    const bytes = longToBytes(BigInt(value));
    await this.ensureParents();
    try {
      await this.client.setData(this.path, bytes);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      try {
        await this.client.create(this.path, bytes);
      } catch (e2) {
        if (!(e2 instanceof NodeExistsError)) throw e2;
        await this.client.setData(this.path, bytes);
      }
    }
  }

  /** Creates the node with `value` if it does not exist; false when it existed. */
  async initialize(value: bigint | number): Promise<boolean> {
    await this.ensureParents();
    try {
      await this.client.create(this.path, longToBytes(BigInt(value)));
      return true;
    } catch (e) {
      if (e instanceof NodeExistsError) return false;
      throw e;
    }
  }

  private async ensureParents(): Promise<void> {
    if (this.ensured) return;
    await ensureContainers(this.client, parentOf(this.path));
    this.ensured = true;
  }

  private async read(): Promise<{ value: bigint; raw: Buffer | null; stat: Stat | null }> {
    await this.ensureParents();
    try {
      const { data, stat } = await this.client.getData(this.path);
      return { value: bytesToLong(data, this.path), raw: data, stat };
    } catch (e) {
      if (e instanceof NoNodeError) return { value: 0n, raw: null, stat: null };
      throw e;
    }
  }

  private async trySetWith(make: (prev: bigint) => bigint): Promise<AtomicValue<bigint>> {
    const start = Date.now();
    const stats: AtomicStats = { optimisticTries: 0, optimisticTimeMs: 0 };
    let pre = 0n;
    for (let retry = 0; ; retry++) {
      stats.optimisticTries++;
      const cur = await this.read();
      pre = cur.value;
      const next = make(cur.value);
      try {
        if (cur.stat === null) await this.client.create(this.path, longToBytes(next));
        else await this.client.setData(this.path, longToBytes(next), { version: cur.stat.version });
        stats.optimisticTimeMs = Date.now() - start;
        return { succeeded: true, preValue: pre, postValue: next, stats };
      } catch (e) {
        if (!(e instanceof NodeExistsError || e instanceof BadVersionError || e instanceof NoNodeError)) throw e;
      }
      const pause = retrySleep(this.retry, retry);
      if (pause === undefined) break;
      await sleep(pause);
    }
    stats.optimisticTimeMs = Date.now() - start;
    return { succeeded: false, preValue: pre, postValue: pre, stats };
  }
}
