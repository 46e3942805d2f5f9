/**
 * DistributedQueue: Curator's queue. An item is a persistent sequential node `<path>/queue-<seq>` whose data is
 * Curator's ItemSerializer frame: int 0x00010001 (version), then per item byte 0x01, int length, the item's
 * bytes, and a final byte 0x02 (one node may carry several items: putMulti). Consumers watch the children, take
 * the lowest node (read it, delete it at the version read: whoever deletes it owns it) and decode its items.
 * A Curator DistributedQueue with the same serializer reads what this one puts, and the other way round.
 *
 * Only Curator's default mode (no lockPath "safety" mode, no delayed or priority queues).
 */
import { BadVersionError, NodeExistsError, NoNodeError, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker } from "./connection-state.js";
import { ensureContainers, makePath } from "./paths.js";
import { Wakeup } from "./wakeup.js";

export const QUEUE_ITEM_NAME = "queue-";
const VERSION = 0x00010001;
const ITEM_OPCODE = 0x01;
const EOF_OPCODE = 0x02;

/** Curator's QueueSerializer: an item to bytes and back (the Java side must use the same). */
export interface QueueSerializer<T> {
  serialize(item: T): Uint8Array;
  deserialize(bytes: Buffer): T;
}

/** Items as UTF-8 strings (Java: `new String(bytes, UTF_8)`). */
export const utf8Serializer: QueueSerializer<string> = {
  serialize: (s) => Buffer.from(s, "utf8"),
  deserialize: (b) => b.toString("utf8"),
};

/** Curator's ItemSerializer.serialize. */
export function encodeItems(items: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(4);
  head.writeInt32BE(VERSION);
  parts.push(head);
  for (const item of items) {
    const h = Buffer.alloc(5);
    h.writeUInt8(ITEM_OPCODE, 0);
    h.writeInt32BE(item.length, 1);
    parts.push(h, Buffer.from(item));
  }
  parts.push(Buffer.from([EOF_OPCODE]));
  return Buffer.concat(parts);
}

/** Curator's ItemSerializer.deserialize. */
export function decodeItems(bytes: Buffer): Buffer[] {
  if (bytes.length < 4 || bytes.readInt32BE(0) !== VERSION) throw new Error(`Incorrect version for queue item: ${bytes.length >= 4 ? bytes.readInt32BE(0) : "none"}`);
  const items: Buffer[] = [];
  let at = 4;
  for (;;) {
    if (at >= bytes.length) throw new Error("queue item ends without EOF");
    const op = bytes.readUInt8(at++);
    if (op === EOF_OPCODE) return items;
    if (op !== ITEM_OPCODE) throw new Error(`Incorrect opcode for queue item: ${op}`);
    const len = bytes.readInt32BE(at);
    at += 4;
    if (at + len > bytes.length) throw new Error("queue item is truncated");
    items.push(bytes.subarray(at, at + len));
    at += len;
  }
}

export interface TakeOptions {
  signal?: AbortSignal;
  /** Give up after this many ms (resolves undefined). */
  timeout?: number;
}

export class DistributedQueue<T> {
  private readonly tracker: ConnectionStateTracker;
  /** Items of a taken multi-item node not handed out yet. */
  private readonly buffered: T[] = [];
  private ensured = false;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly queuePath: string,
    private readonly serializer: QueueSerializer<T>,
  ) {
    this.tracker = ConnectionStateTracker.of(client);
  }

  /** Adds one item (one node). */
  async put(item: T): Promise<void> {
    await this.putMulti([item]);
  }

  /** Adds several items in one node (Curator's putMulti: consumed together, in order). */
  async putMulti(items: readonly T[]): Promise<void> {
    const data = encodeItems(items.map((i) => this.serializer.serialize(i)));
    await this.ensurePath();
    try {
      await this.client.create(makePath(this.queuePath, QUEUE_ITEM_NAME), data, { mode: "persistentSequential" });
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      this.ensured = false;
      await this.ensurePath();
      await this.client.create(makePath(this.queuePath, QUEUE_ITEM_NAME), data, { mode: "persistentSequential" });
    }
  }

  /** Takes the next item, waiting for one (watching the children): undefined after `timeout`. */
  async take(opts: TakeOptions = {}): Promise<T | undefined> {
    const deadline = opts.timeout === undefined ? undefined : Date.now() + opts.timeout;
    for (;;) {
      if (this.buffered.length > 0) return this.buffered.shift();
      opts.signal?.throwIfAborted();
      await this.ensurePath();
      const wakeup = new Wakeup(this.tracker, opts.signal);
      let children: string[];
      try {
        children = (await this.client.getChildren(this.queuePath, { watch: wakeup.wake })).filter((c) => c.startsWith(QUEUE_ITEM_NAME)).sort();
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
        this.ensured = false; // the empty container was reaped: create it again
        continue;
      }
      for (const child of children) {
        const items = await this.tryTake(makePath(this.queuePath, child));
        if (items === undefined) continue; // another consumer had it
        this.buffered.push(...items);
        if (this.buffered.length > 0) return this.buffered.shift();
      }
      if (children.length > 0) continue;
      if ((await wakeup.wait(deadline)) === "timeout") return undefined;
    }
  }

  /** The items as an async iterator (each taken from the queue); ends when the signal aborts. */
  async *consume(opts: { signal?: AbortSignal } = {}): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let item: T | undefined;
      try {
        item = await this.take({ signal: opts.signal });
      } catch (e) {
        if (opts.signal?.aborted) return;
        throw e;
      }
      if (item !== undefined) yield item;
    }
  }

  /** Items waiting (nodes, not counting several items in one node). */
  async size(): Promise<number> {
    try {
      return (await this.client.getChildren(this.queuePath)).filter((c) => c.startsWith(QUEUE_ITEM_NAME)).length;
    } catch (e) {
      if (e instanceof NoNodeError) return 0;
      throw e;
    }
  }

  private async tryTake(itemPath: string): Promise<T[] | undefined> {
    let data: Buffer | null;
    let version: number;
    try {
      const r = await this.client.getData(itemPath);
      data = r.data;
      version = r.stat.version;
      await this.client.delete(itemPath, { version });
    } catch (e) {
      if (e instanceof NoNodeError || e instanceof BadVersionError) return undefined;
      throw e;
    }
    return decodeItems(data ?? Buffer.alloc(0)).map((b) => this.serializer.deserialize(b));
  }

  private async ensurePath(): Promise<void> {
    if (this.ensured) return;
    await ensureContainers(this.client, this.queuePath).catch((e) => {
      if (!(e instanceof NodeExistsError)) throw e;
    });
    this.ensured = true;
  }
}
