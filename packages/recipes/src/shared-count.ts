/**
 * SharedCount: Curator's shared integer (SharedValue underneath). One persistent node holds the count as 4 bytes
 * big-endian; every participant watches it. `trySetCount` writes only if the node is still at the version the
 * caller saw (and this instance has seen no newer value), `setCount` writes unconditionally. A Curator SharedCount
 * on the same path sees the same count.
 */
import { EventEmitter } from "node:events";
import { BadVersionError, ConnectionLossError, NodeExistsError, NoNodeError, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker, type ConnectionState } from "./connection-state.js";
import { RecipeStateError } from "./errors.js";
import { ensureContainers, isSessionGone, parentOf } from "./paths.js";

/** Curator's SharedCount.toBytes: 4 bytes, big-endian. */
export function intToBytes(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value | 0);
  return b;
}

/** Curator's SharedCount.fromBytes (ByteBuffer.getInt: fewer than 4 bytes is an error). */
export function bytesToInt(bytes: Buffer | null): number {
  if (bytes === null || bytes.length < 4) throw new RangeError(`a shared count needs 4 bytes, got ${bytes === null ? "null" : bytes.length}`);
  return bytes.readInt32BE(0);
}

export interface VersionedValue<T> {
  version: number;
  value: T;
}

export interface SharedCountEvents {
  countHasChanged: [count: number];
  stateChanged: [state: ConnectionState];
  error: [error: unknown];
}

export class SharedCount extends EventEmitter<SharedCountEvents> {
  private current: VersionedValue<number>;
  private started = false;
  private closed = false;
  private readonly tracker: ConnectionStateTracker;
  private readonly onState = (s: ConnectionState) => {
    this.emit("stateChanged", s);
    if (s === "RECONNECTED" || s === "CONNECTED" || s === "READ_ONLY") this.background();
  };

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly seedValue: number,
  ) {
    super();
    this.current = { version: -1, value: seedValue };
    this.tracker = ConnectionStateTracker.of(client);
  }

  /** The count last seen. */
  get count(): number {
    return this.current.value;
  }

  getVersionedValue(): VersionedValue<number> {
    return { ...this.current };
  }

  /** Creates the node with the seed value if missing, reads it and starts watching it. */
  async start(): Promise<void> {
    if (this.started) throw new RecipeStateError("Cannot be started more than once");
    this.started = true;
    this.tracker.on("state", this.onState);
    await ensureContainers(this.client, parentOf(this.path));
    try {
      await this.client.create(this.path, intToBytes(this.seedValue));
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
    await this.readValue(false);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.tracker.off("state", this.onState);
  }

  /** Writes the count whatever it is now. */
  async setCount(value: number): Promise<void> {
    this.checkStarted();
    const stat = await this.client.setData(this.path, intToBytes(value));
    this.update(stat.version, value, false);
  }

  /**
   * Writes `value` only if the count is still `previous` (its version, as from getVersionedValue()): true when
   * written, false when someone else wrote first (the newer value is read).
   */
  async trySetCount(previous: VersionedValue<number>, value: number): Promise<boolean> {
    this.checkStarted();
    if (previous.version !== this.current.version || previous.value !== this.current.value) return false;
    try {
      const stat = await this.client.setData(this.path, intToBytes(value), { version: previous.version });
      this.update(stat.version, value, false);
      return true;
    } catch (e) {
      if (!(e instanceof BadVersionError)) throw e;
      await this.readValue(false);
      return false;
    }
  }

  private checkStarted(): void {
    if (!this.started || this.closed) throw new RecipeStateError("not started");
  }

  /** Reads the value and watches it again; `notify`: tell the listeners when it is newer (watch-driven reads). */
  private async readValue(notify = true): Promise<void> {
    try {
      const { data, stat } = await this.client.getData(this.path, {
        watch: (ev) => {
          if (!this.closed && ev.name !== "None") this.background();
        },
      });
      this.update(stat.version, bytesToInt(data), notify);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      // Deleted: watch for it to come back.
      const stat = await this.client.exists(this.path, { watch: () => !this.closed && this.background() });
      if (stat !== null) await this.readValue(notify);
    }
  }

  private background(): void {
    this.readValue().catch((e) => {
      if (isSessionGone(e) || e instanceof ConnectionLossError) return;
      if (this.listenerCount("error") > 0) this.emit("error", e);
    });
  }

  /**
   * As Curator's SharedValue: only a newer version replaces the value; after every watch-driven read the listeners
   * hear the current value (also when the change was our own write, or the value is unchanged).
   */
  private update(version: number, value: number, notify: boolean): void {
    if (version > this.current.version) this.current = { version, value };
    if (notify && !this.closed) this.emit("countHasChanged", this.current.value);
  }
}
