import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { Encoder, decode } from "@msgpack/msgpack";
import { nodeDigest } from "@zkts/datatree";
import type { ACL, StatPersisted } from "@zkts/jute";
import { PersistenceError, SnapshotCancelledError, SnapshotCorruptionError, UnsupportedSnapshotError } from "./errors.js";
import { NodeChunkEncoder, NodeRowDecoder, type TreeNodeRowSource, ROW_ODD, ROW_SHORT, nodeChunkHead, skipValue, type NodeRowSink, type NodeBytesSink } from "./snapshot-codec.js";
import { VERSION_DIR, makeSnapshotName, parseSnapshotName } from "./log-format.js";
import { baseName, joinPath, type Storage, type StorageFile } from "./storage.js";
import { readZkSnapshotRecords } from "./zk-snapshot-read.js";
import { ZK_SNAPSHOT_MAGIC, type ZkZxidDigest } from "./zk-snapshot-stream.js";

/**
 * zkts snapshot files: `<dataDir>/version-2/snapshot.<hex zxid>`, a stream of msgpack values followed by a
 * 40-byte trailer:
 *
 *   [1, {magic: "ZKTS-SNAPSHOT", version: 1, zxid, time}]         header (longs as msgpack int64: exact)
 *   [2, [[sessionId, timeout], ...]]                               sessions, in chunks
 *   [3, [[ref, [[perms, scheme, id], ...]], ...]]                  ACL table, in chunks
 *   [4, [[path, data|nil, aclRef, czxid, mzxid, ctime, mtime,      nodes, in chunks
 *         version, cversion, aversion, ephemeralOwner, pzxid], ...]]
 *   [3, [[ref, [[perms, scheme, id], ...]], ...]]                  late ACLs (optional): ACL lists nodes of a
 *                                                                  fuzzy snapshot took while it was written
 *   [5, {sessions, acls, nodes, digest?}]                          footer: counts, and (optional) the tree's
 *                                                                  [zxid, digestVersion, digest] once the nodes
 *                                                                  are written (ZooKeeper's ZxidDigest: where
 *                                                                  the replay over a fuzzy snapshot is exact)
 *   "ZKTSSEAL" + SHA-256 of every byte before the trailer          trailer
 *
 * Sections come in that order; each may have any number of chunks.
 *
 * Every reader here (readSnapshotRecords and what is built on it: readSnapshot, verifySnapshot,
 * findNewestValidSnapshot, loadSnapshot, purge) also reads Apache ZooKeeper's snapshot files, recognised by
 * content: the "ZKSN" FileHeader (zk-snapshot-read.ts), gzip-compressed as ZooKeeper writes `snapshot.<zxid>.gz`
 * with zookeeper.snapshot.compression.method=gz. Snappy-compressed ones are refused (UnsupportedSnapshotError).
 */
export const SNAPSHOT_MAGIC = "ZKTS-SNAPSHOT";
export const SNAPSHOT_FORMAT_VERSION = 1;
const SEAL = Buffer.from("ZKTSSEAL", "latin1");
const TRAILER_SIZE = SEAL.length + 32;
const TAG = { header: 1, sessions: 2, acls: 3, nodes: 4, footer: 5 } as const;

export interface SnapshotHeader {
  /** zxid of the last txn the snapshot covers (it may include later ones: replay is idempotent, as in ZooKeeper). */
  zxid: bigint;
  /** Wall-clock ms when the snapshot started (0 for a ZooKeeper snapshot: its files hold no time). */
  time: bigint;
  /** Whose format the file is in (absent: zkts). */
  format?: "zookeeper";
}
export interface SnapshotSession {
  id: bigint;
  timeout: number;
}
export interface SnapshotAcl {
  /** The ACL table key nodes refer to (ZooKeeper: -1 = OPEN_ACL_UNSAFE). */
  ref: bigint;
  acl: ACL[];
}
export interface SnapshotNode {
  path: string;
  /** null and empty data are kept distinct, as in ZooKeeper. */
  data: Uint8Array | null;
  aclRef: bigint;
  stat: StatPersisted;
}

/** A node as a tree lists it (DataTree.snapshotNodes): written as the SnapshotNode with `aclRef: BigInt(acl)`. */
export type TreeSnapshotNode = TreeNodeRowSource;

/** A stream of items or chunks of items, sync or async. */
export type Many<T> = Iterable<T | readonly T[]> | AsyncIterable<T | readonly T[]>;

export interface SnapshotSource {
  header: { zxid: bigint; time: bigint | number };
  sessions: Many<SnapshotSession>;
  acls: Many<SnapshotAcl>;
  /** Nodes, parents first; as a tree lists them (`acl` a number) or as SnapshotNodes (`aclRef`): the same bytes. */
  nodes: Many<SnapshotNode | TreeSnapshotNode>;
  /**
   * ACL entries written after the nodes (called once the nodes are written): for a fuzzy snapshot of a live
   * tree, the ACL lists that nodes written refer to but that were interned after `acls` was taken.
   */
  lateAcls?: () => Many<SnapshotAcl>;
  /** The tree's ZxidDigest, read once the nodes are written (a tree keeping digests); written in the footer. */
  digest?: () => ZkZxidDigest | null;
}

/** How a snapshot writer (either format) shares the event loop, and how it is stopped. */
export interface SnapshotPacing {
  /** Without `now`: yield to the event loop after encoding this many nodes (default 250). */
  yieldEvery?: number;
  /**
   * Monotonic ms (the injected Clock's `monotonic`): given, the writer yields to the event loop by elapsed time, once
   * it has worked `sliceMs` since it last yielded, instead of every `yieldEvery` nodes (how long a node takes varies
   * with its data and with what else the machine does).
   */
  now?: () => number;
  /** With `now`: the longest the writer runs between yields, in ms (default 4). */
  sliceMs?: number;
  /** Checked at every yield: once set, the writer stops, removes its temp file and throws SnapshotCancelledError. */
  cancel?: SnapshotCancel;
}

export interface WriteSnapshotOptions extends SnapshotPacing {
  /** Nodes per msgpack chunk (default 512). */
  nodesPerChunk?: number;
  /** Bytes buffered before each write (default 1 MiB). */
  bufferSize?: number;
}

/**
 * Cancels a snapshot being written (a store closing): the writers check `cancelled` at each yield to the event loop
 * (and before they seal the file), then stop, close and remove their temp file and throw SnapshotCancelledError. A
 * snapshot is never needed for durability (every txn it covers is in the txn log already): a restore after a cancelled
 * one starts from the previous snapshot and replays the log.
 */
export interface SnapshotCancel {
  readonly cancelled: boolean;
}

/** Throws SnapshotCancelledError when `cancel` is set. */
export function checkCancel(cancel: SnapshotCancel | undefined, file: string): void {
  if (cancel?.cancelled) throw new SnapshotCancelledError(file);
}

/** The writers' default time slice between yields to the event loop (WriteSnapshotOptions.sliceMs). */
export const SNAPSHOT_SLICE_MS = 4;

/**
 * When a snapshot writer yields to the event loop: by elapsed time when it has a clock (`now`), checked every 4
 * nodes, else every `yieldEvery` nodes. `due(nodes)` after each node; `yielded()` after each yield.
 */
export class YieldPacer {
  private sliceStart: number;
  constructor(
    private readonly opts: { now?: (() => number) | undefined; sliceMs?: number | undefined; yieldEvery?: number | undefined },
  ) {
    this.sliceStart = opts.now?.() ?? 0;
  }
  due(nodes: number): boolean {
    const now = this.opts.now;
    if (now === undefined) return nodes % (this.opts.yieldEvery ?? 250) === 0;
    return (nodes & 3) === 0 && now() - this.sliceStart >= (this.opts.sliceMs ?? SNAPSHOT_SLICE_MS);
  }
  yielded(): void {
    if (this.opts.now !== undefined) this.sliceStart = this.opts.now();
  }
}

export interface SnapshotInfo {
  path: string;
  zxid: bigint;
  bytes: number;
  sessions: number;
  acls: number;
  nodes: number;
}

const encoder = () => new Encoder({ useBigInt64: true, ignoreUndefined: false });
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

function isArr<T>(v: T | readonly T[]): v is readonly T[] {
  return Array.isArray(v);
}

async function* flat<T>(src: Many<T>): AsyncGenerator<T> {
  for await (const x of src as AsyncIterable<T | readonly T[]>) {
    if (isArr(x)) yield* x;
    else yield x;
  }
}

/** Buffers bytes, writes them sequentially and hashes them. */
class SnapshotSink {
  private buf: Buffer;
  private used = 0;
  pos = 0;
  readonly hash = createHash("sha256");
  constructor(
    private readonly file: StorageFile,
    size: number,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }
  async add(bytes: Uint8Array): Promise<void> {
    this.hash.update(bytes);
    if (this.used + bytes.length > this.buf.length) await this.flush();
    if (bytes.length > this.buf.length) {
      await this.file.write(bytes, this.pos);
      this.pos += bytes.length;
      return;
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }
  async flush(): Promise<void> {
    if (this.used === 0) return;
    // The write is complete when it resolves (the caller awaits it before adding more): the buffer is reused. A
    // fresh 1 MiB buffer per write made a large snapshot allocate its whole size off-heap, and V8 answers that
    // much external memory with a full, non-incremental mark-compact of the heap: a pause of up to a second with
    // 1,000,000 znodes.
    const out = this.buf.subarray(0, this.used);
    await this.file.write(out, this.pos);
    this.pos += out.length;
    this.used = 0;
  }
}

/**
 * Writes a snapshot to `<dataDir>/version-2/snapshot.<hex zxid>` from a (possibly async, possibly chunked)
 * source: to a temp file, fdatasync'ed, renamed into place, then the directory is fsynced. Yields to the
 * event loop every `sliceMs` of work (with `now`) or every `yieldEvery` nodes, so a large tree does not stall it.
 */
export async function writeSnapshot(
  storage: Storage,
  dataDir: string,
  source: SnapshotSource,
  opts: WriteSnapshotOptions = {},
): Promise<SnapshotInfo> {
  const dir = joinPath(dataDir, VERSION_DIR);
  await storage.mkdirp(dir);
  const zxid = source.header.zxid;
  const name = makeSnapshotName(zxid);
  const path = joinPath(dir, name);
  const tmp = joinPath(dir, `tmp.${name}`);
  const perChunk = opts.nodesPerChunk ?? 512;
  const pacer = new YieldPacer(opts);
  const enc = encoder();
  checkCancel(opts.cancel, path);
  const file = await storage.open(tmp, "create");
  let closed = false;
  try {
    const sink = new SnapshotSink(file, opts.bufferSize ?? 1 << 20);
    const put = (tag: number, payload: unknown) => sink.add(enc.encodeSharedRef([tag, payload]));
    const hdr: Record<string, unknown> = { magic: SNAPSHOT_MAGIC, version: SNAPSHOT_FORMAT_VERSION, zxid, time: BigInt(source.header.time) };
    await put(TAG.header, hdr);

    let sessions = 0;
    let rows: unknown[] = [];
    for await (const s of flat(source.sessions)) {
      rows.push([s.id, s.timeout]);
      sessions++;
      if (rows.length >= 4096) {
        await put(TAG.sessions, rows);
        rows = [];
      }
    }
    if (rows.length) await put(TAG.sessions, rows);

    let acls = 0;
    const writeAcls = async (src: Many<SnapshotAcl>) => {
      rows = [];
      for await (const a of flat(src)) {
        rows.push([a.ref, a.acl.map((x) => [x.perms, x.id.scheme, x.id.id])]);
        acls++;
        if (rows.length >= 1024) {
          await put(TAG.acls, rows);
          rows = [];
        }
      }
      if (rows.length) await put(TAG.acls, rows);
    };
    await writeAcls(source.acls);

    let nodes = 0;
    // node chunks: rows encoded as the nodes come (a fuzzy snapshot takes each node's fields when it reaches it),
    // by hand into one reused buffer (snapshot-codec.ts: the generic Encoder's bytes)
    const chunk = new NodeChunkEncoder();
    let yieldNow = false;
    /** Adds a row; true when a chunk is full or it is time to yield (then `pause` must be awaited). */
    const addNode = (n: SnapshotNode | TreeSnapshotNode): boolean => {
      chunk.add(n);
      nodes++;
      yieldNow = pacer.due(nodes);
      return yieldNow || chunk.count >= perChunk;
    };
    const pause = async () => {
      if (chunk.count >= perChunk) await sink.add(chunk.take());
      if (yieldNow) {
        await yieldToLoop();
        checkCancel(opts.cancel, path);
        pacer.yielded();
      }
    };
    const src = source.nodes;
    if (Symbol.asyncIterator in src) {
      for await (const n of flat(src)) if (addNode(n)) await pause();
    } else {
      // A synchronous source (the live tree) is iterated directly: a node costs no async-generator round trip
      // (a promise per node through flat()); only full chunks and the periodic yields await.
      for (const x of src) {
        if (isArr(x)) {
          for (const n of x) if (addNode(n)) await pause();
        } else if (addNode(x)) {
          await pause();
        }
      }
    }
    if (chunk.count) await sink.add(chunk.take());
    if (source.lateAcls) await writeAcls(source.lateAcls());
    // the last point to stop: what follows (seal, fdatasync, rename) completes the file
    checkCancel(opts.cancel, path);

    const zd = source.digest?.() ?? null;
    await put(TAG.footer, zd === null ? { sessions, acls, nodes } : { sessions, acls, nodes, digest: [zd.zxid, zd.digestVersion, zd.digest] });
    await sink.flush();
    const digest = sink.hash.digest();
    await file.write(Buffer.concat([SEAL, digest]), sink.pos);
    const bytes = sink.pos + TRAILER_SIZE;
    await file.datasync();
    closed = true;
    await file.close();
    await storage.rename(tmp, path);
    await storage.syncDir(dir);
    return { path, zxid, bytes, sessions, acls, nodes };
  } catch (e) {
    if (!closed) await file.close().catch(() => {});
    await storage.remove(tmp).catch(() => {});
    throw e;
  }
}

// ---- reading ----

export type SnapshotRecord =
  | { type: "header"; header: SnapshotHeader }
  | { type: "sessions"; sessions: SnapshotSession[] }
  | { type: "acls"; acls: SnapshotAcl[] }
  | { type: "nodes"; nodes: SnapshotNode[] }
  /** ZooKeeper snapshots written with digest.enabled: the tree digest at a zxid (last record). */
  | { type: "digest"; digest: ZkZxidDigest };

export interface ReadSnapshotOptions {
  /** Read size (default 128 KiB: each read's bytes are decoded without yielding to the event loop). */
  chunkSize?: number;
  /**
   * Node data as views into the read buffers instead of copies of their own: for a consumer that copies what it
   * keeps (the tree's restore does), so the data is copied once. Default false.
   */
  dataViews?: boolean;
  /**
   * Where a zkts snapshot's nodes go, as they are read (a tree's restore: TreeRestorer.node): given, its node chunks
   * are not yielded as "nodes" records. A ZooKeeper snapshot's nodes still come as records. Stats are fresh objects
   * (the sink may keep them); data follows `dataViews`.
   */
  nodeSink?: NodeRowSink;
  /**
   * As `nodeSink`, with each node's data given as a range of a read buffer (valid only during the call: the sink
   * copies it), so no view of it is made per node. Given, it takes the nodes instead of `nodeSink`.
   */
  nodeBytesSink?: NodeBytesSink;
  /**
   * A zkts snapshot: called once the whole file checked out, with the sum of its nodes' digests (DataTree's
   * nodeDigest, each node listed, summed as AdHash), computed from the rows' bytes as they are read. Not called for
   * a ZooKeeper snapshot.
   */
  nodeDigests?: (sum: bigint) => void;
}

const DECODE_OPTS = { useBigInt64: true } as const;
/** The node sink of a reader that only checks the rows (verifySnapshot): the hand decoder then builds nothing. */
const CHECK_ONLY: NodeRowSink = () => {};

const ZERO = 0n;
const EMPTY = Buffer.alloc(0);
const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const isLong = (v: unknown): v is bigint | number => typeof v === "bigint" || isInt(v);
const big = (v: bigint | number): bigint => (typeof v === "bigint" ? v : BigInt(v));

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
/** xerial snappy-java's stream header (SnappyCodec.MAGIC_HEADER), what SnappyOutputStream writes first. */
const SNAPPY_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

async function* fileChunks(file: StorageFile, size: number, chunk: number): AsyncGenerator<Buffer> {
  for (let pos = 0; pos < size; ) {
    const b = await file.read(pos, Math.min(chunk, size - pos));
    if (b.length === 0) return;
    pos += b.length;
    yield b;
  }
}

/**
 * Reads a snapshot as a stream of records (header, then chunks of sessions, ACLs and nodes; a ZooKeeper snapshot
 * may end with its digest). The format is told by content: zkts's (below), ZooKeeper's plain or gzip-compressed
 * (zk-snapshot-read.ts); a snappy-compressed ZooKeeper snapshot is an UnsupportedSnapshotError. The file's
 * checksum covers every byte and is checked when the body has been read: a consumer must treat what it
 * received as valid only once the iteration ends without error (or call `verifySnapshot` first).
 * Any damage - flipped bits, truncation, malformed records - is a SnapshotCorruptionError.
 */
export async function* readSnapshotRecords(
  storage: Storage,
  path: string,
  opts: ReadSnapshotOptions = {},
): AsyncGenerator<SnapshotRecord> {
  const file = await storage.open(path, "read");
  try {
    const size = await file.size();
    const chunk = opts.chunkSize ?? 128 * 1024;
    const head = await file.read(0, Math.min(size, 8));
    const named = parseSnapshotName(baseName(path));
    const zxid = named?.zxid ?? 0n;
    if (head.length >= 4 && head.readInt32BE(0) === ZK_SNAPSHOT_MAGIC) {
      yield* readZkSnapshotRecords(fileChunks(file, size, chunk), path, zxid, undefined, opts.dataViews);
      return;
    }
    if (head.length >= 2 && head.subarray(0, 2).equals(GZIP_MAGIC)) {
      const src = Readable.from(fileChunks(file, size, chunk));
      const gunzip = createGunzip({ chunkSize: Math.max(64, chunk) });
      // a read error ends the inflated stream with it (pipe does not forward errors)
      src.on("error", (e) => gunzip.destroy(e));
      src.pipe(gunzip);
      const inflated = (async function* () {
        try {
          for await (const b of gunzip) yield b as Buffer;
        } catch (e) {
          if (e instanceof PersistenceError) throw e; // the storage's (a read failed), not damage
          throw new SnapshotCorruptionError(path, 0, `gzip stream damaged: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
      })();
      try {
        yield* readZkSnapshotRecords(inflated, path, zxid, undefined, opts.dataViews);
      } finally {
        src.destroy();
        gunzip.destroy();
      }
      return;
    }
    if (head.equals(SNAPPY_MAGIC) || named?.compression === "snappy") {
      throw new UnsupportedSnapshotError(
        path,
        "a snappy-compressed ZooKeeper snapshot (zookeeper.snapshot.compression.method=snappy): zkts reads uncompressed " +
          "and gz ones. Start Apache ZooKeeper once on this data dir with zookeeper.snapshot.compression.method unset or gz " +
          "(it writes a snapshot at start-up), stop it, then start zkts",
      );
    }
    if (size < TRAILER_SIZE + 1) throw new SnapshotCorruptionError(path, 0, `file too short (${size} bytes)`);
    const bodyLen = size - TRAILER_SIZE;
    const trailer = await file.read(bodyLen, TRAILER_SIZE);
    if (!trailer.subarray(0, SEAL.length).equals(SEAL)) {
      throw new SnapshotCorruptionError(path, bodyLen, "missing end seal (incomplete or not a zkts snapshot)");
    }
    const hash = createHash("sha256");
    let fed = 0;
    const bad = (reason: string, cause?: unknown): SnapshotCorruptionError =>
      cause instanceof SnapshotCorruptionError ? cause : new SnapshotCorruptionError(path, fed, reason, { cause });

    // The body is read into a window of bytes; each record is framed by hand (skipValue) and decoded with the
    // generic decoder, but for node chunks as zkts writes them, whose rows are decoded by hand (snapshot-codec.ts)
    // straight to the node sink. A row in another form is decoded generically.
    let win: Buffer = Buffer.alloc(0);
    let p = 0;
    /** Reads more of the body into the window, keeping its unread bytes; false at the body's end. */
    const readInto = file.readInto?.bind(file);
    const more = async (): Promise<boolean> => {
      if (fed >= bodyLen) return false;
      const rest = win.length - p;
      // at least as much as is held: a record larger than a read takes a number of reads logarithmic in its size
      const want = Math.min(Math.max(chunk, rest), bodyLen - fed);
      let b: Buffer;
      if (readInto !== undefined && rest > 0) {
        // the unread bytes first, the read straight after them: no copy of the whole read to join the two
        const next = Buffer.allocUnsafeSlow(rest + want);
        next.set(win.subarray(p), 0);
        const got = await readInto(next.subarray(rest), fed);
        b = next.subarray(rest, rest + got);
        win = got === want ? next : next.subarray(0, rest + got);
      } else {
        b = await file.read(fed, want);
        win = rest === 0 ? b : Buffer.concat([win.subarray(p), b]);
      }
      if (b.length === 0) throw new SnapshotCorruptionError(path, fed, "file shrank while reading");
      hash.update(b);
      fed += b.length;
      p = 0;
      return true;
    };
    const atOffset = () => fed - (win.length - p);
    const undecodable = (e?: unknown) =>
      bad(`undecodable content near offset ${atOffset()}${e === undefined ? "" : `: ${e instanceof Error ? e.message : String(e)}`}`, e);
    /** The generic decoding of the value at `p` (reading more as needed); p moves past it. */
    const genericValue = async (): Promise<unknown> => {
      for (;;) {
        const q = skipValue(win, p, win.length);
        if (q === ROW_ODD) throw undecodable();
        if (q === ROW_SHORT) {
          if (!(await more())) throw undecodable(new Error("the body ends inside a record"));
          continue;
        }
        let v: unknown;
        try {
          v = decode(win.subarray(p, q), DECODE_OPTS);
        } catch (e) {
          throw undecodable(e);
        }
        p = q;
        return v;
      }
    };

    const copyData = opts.dataViews !== true;
    const bytesSink = opts.nodeBytesSink ?? null;
    // a node decoded generically goes to a bytes sink as its whole data buffer's range
    const sink: NodeRowSink | undefined =
      bytesSink === null
        ? opts.nodeSink
        : (path, data, acl, stat) => (data === null ? bytesSink(path, EMPTY, -1, -1, acl, stat) : bytesSink(path, data, 0, data.length, acl, stat));
    let lastTime = ZERO;
    let stage = 0;
    let late = false;
    let counts = { sessions: 0, acls: 0, nodes: 0 };
    let footer: { sessions: unknown; acls: unknown; nodes: unknown; digest?: unknown } | undefined;
    /** Checks that a record may come here (the sections' order). */
    const enter = (tag: number) => {
      if (footer) throw bad("data after the footer");
      // late ACLs (3) may follow the nodes (4); no node may follow them
      const lateAcl = tag === TAG.acls && (stage === TAG.nodes || late);
      if (
        (!lateAcl && (tag < stage || (late && tag === TAG.nodes))) ||
        tag < TAG.header ||
        tag > TAG.footer ||
        (stage === 0 && tag !== TAG.header) ||
        (tag === TAG.header && stage !== 0)
      ) {
        throw bad(`record ${tag} out of order`);
      }
      if (lateAcl) late = true;
      stage = lateAcl ? TAG.nodes : tag;
    };
    /** A generically decoded node row, checked; equal longs share one BigInt (fewer objects per restored node). */
    const genericNode = (n: unknown): SnapshotNode => {
      if (
        !Array.isArray(n) ||
        n.length !== 12 ||
        typeof n[0] !== "string" ||
        !(n[1] === null || n[1] instanceof Uint8Array) ||
        !isLong(n[2]) || !isLong(n[3]) || !isLong(n[4]) || !isLong(n[5]) || !isLong(n[6]) ||
        !isInt(n[7]) || !isInt(n[8]) || !isInt(n[9]) || !isLong(n[10]) || !isLong(n[11])
      ) {
        throw bad("malformed node");
      }
      // and nodes created in the same millisecond as the one before (most of a busy tree) share its ctime
      const czxid = big(n[3]);
      const mzxid = n[4] === n[3] ? czxid : big(n[4]);
      const ctime = n[5] === lastTime ? lastTime : (lastTime = big(n[5]));
      return {
        path: n[0],
        data: n[1] === null ? null : copyData ? Buffer.from(n[1] as Uint8Array) : toBuffer(n[1] as Uint8Array),
        aclRef: big(n[2]),
        stat: {
          czxid,
          mzxid,
          ctime,
          mtime: n[6] === n[5] ? ctime : big(n[6]),
          version: n[7],
          cversion: n[8],
          aversion: n[9],
          ephemeralOwner: n[10] === 0n || n[10] === 0 ? ZERO : big(n[10]),
          pzxid: n[11] === n[3] ? czxid : n[11] === n[4] ? mzxid : big(n[11]),
        },
      };
    };
    // rows decoded by hand go to the sink, or without one into the chunk's list of nodes
    let collected: SnapshotNode[] = [];
    const rows = new NodeRowDecoder(
      sink === CHECK_ONLY ? null : (sink ?? ((path, data, acl, stat) => collected.push({ path, data, aclRef: BigInt(acl), stat }))),
      !copyData,
      opts.nodeDigests !== undefined,
      bytesSink,
    );
    const digests = opts.nodeDigests !== undefined;
    const emit = (n: SnapshotNode) => {
      if (digests) rows.addDigest(nodeDigest(n.path, n.data === null ? null : toBuffer(n.data), n.stat));
      return sink ? sink(n.path, n.data === null ? null : toBuffer(n.data), Number(n.aclRef), n.stat) : collected.push(n);
    };

    for (;;) {
      if (p >= win.length && !(await more())) break;
      // a node chunk as zkts writes it: rows decoded by hand
      let head = nodeChunkHead(win, p, win.length);
      while (head === ROW_SHORT && (await more())) head = nodeChunkHead(win, p, win.length);
      if (typeof head !== "number") {
        enter(TAG.nodes);
        const [count, first] = head;
        p = first;
        collected = [];
        for (let i = 0; i < count; ) {
          const q = rows.row(win, p, win.length);
          if (q >= 0) {
            p = q;
            i++;
          } else if (q === ROW_SHORT) {
            if (!(await more())) throw undecodable(new Error("the body ends inside a record"));
          } else {
            emit(genericNode(await genericValue()));
            i++;
          }
        }
        counts.nodes += count;
        if (!sink) yield { type: "nodes", nodes: collected };
        continue;
      }
      const v = await genericValue();
      if (!Array.isArray(v) || v.length !== 2 || !isInt(v[0])) throw bad("malformed record");
      const [tag, payload] = v as [number, unknown];
      enter(tag);
      switch (tag) {
        case TAG.header: {
          const h = payload as Record<string, unknown>;
          if (!h || h.magic !== SNAPSHOT_MAGIC) throw new SnapshotCorruptionError(path, 0, "bad magic (not a zkts snapshot)");
          if (h.version !== SNAPSHOT_FORMAT_VERSION) throw bad(`unsupported snapshot format version ${String(h.version)}`);
          if (!isLong(h.zxid) || !isLong(h.time)) throw bad("malformed header");
          const header: SnapshotHeader = { zxid: big(h.zxid), time: big(h.time) };
          yield { type: "header", header };
          break;
        }
        case TAG.sessions: {
          if (!Array.isArray(payload)) throw bad("malformed sessions");
          const out: SnapshotSession[] = payload.map((s: unknown) => {
            if (!Array.isArray(s) || !isLong(s[0]) || !isInt(s[1])) throw bad("malformed session");
            return { id: big(s[0]), timeout: s[1] };
          });
          counts.sessions += out.length;
          yield { type: "sessions", sessions: out };
          break;
        }
        case TAG.acls: {
          if (!Array.isArray(payload)) throw bad("malformed ACL table");
          const out: SnapshotAcl[] = payload.map((a: unknown) => {
            if (!Array.isArray(a) || !isLong(a[0]) || !Array.isArray(a[1])) throw bad("malformed ACL entry");
            return {
              ref: big(a[0]),
              acl: a[1].map((x: unknown) => {
                if (!Array.isArray(x) || !isInt(x[0]) || typeof x[1] !== "string" || typeof x[2] !== "string") {
                  throw bad("malformed ACL");
                }
                return { perms: x[0], id: { scheme: x[1], id: x[2] } };
              }),
            };
          });
          counts.acls += out.length;
          yield { type: "acls", acls: out };
          break;
        }
        case TAG.nodes: {
          // a node chunk in another encoding of its head (an int tag in a wider form, ...)
          if (!Array.isArray(payload)) throw bad("malformed nodes");
          collected = [];
          for (const n of payload) emit(genericNode(n));
          counts.nodes += payload.length;
          if (!sink) yield { type: "nodes", nodes: collected };
          break;
        }
        case TAG.footer:
          footer = payload as typeof footer;
          if (!footer || typeof footer !== "object") throw bad("malformed footer");
          if ((payload as { digest?: unknown }).digest !== undefined) {
            const d = (payload as { digest?: unknown }).digest;
            if (!Array.isArray(d) || !isLong(d[0]) || !isInt(d[1]) || !isLong(d[2])) throw bad("malformed footer digest");
            yield { type: "digest", digest: { zxid: big(d[0]), digestVersion: d[1], digest: BigInt.asIntN(64, big(d[2])) } };
          }
          break;
      }
    }
    if (!footer) throw new SnapshotCorruptionError(path, bodyLen, "no footer (truncated)");
    if (footer.sessions !== counts.sessions || footer.acls !== counts.acls || footer.nodes !== counts.nodes) {
      throw new SnapshotCorruptionError(path, bodyLen, "record counts do not match the footer");
    }
    if (fed !== bodyLen) throw new SnapshotCorruptionError(path, fed, "trailing bytes after the footer");
    if (!hash.digest().equals(trailer.subarray(SEAL.length))) {
      throw new SnapshotCorruptionError(path, bodyLen, "checksum mismatch");
    }
    opts.nodeDigests?.(rows.digestSum());
  } finally {
    await file.close();
  }
}

export interface LoadedSnapshot {
  header: SnapshotHeader;
  sessions: SnapshotSession[];
  acls: SnapshotAcl[];
  nodes: SnapshotNode[];
  /** A ZooKeeper snapshot's ZxidDigest (null: none in the file). */
  digest: ZkZxidDigest | null;
}

/** Reads a whole snapshot into memory (small trees, tests); large trees should consume readSnapshotRecords. */
export async function readSnapshot(storage: Storage, path: string, opts: ReadSnapshotOptions = {}): Promise<LoadedSnapshot> {
  const out: LoadedSnapshot = { header: { zxid: 0n, time: 0n }, sessions: [], acls: [], nodes: [], digest: null };
  for await (const r of readSnapshotRecords(storage, path, opts)) {
    if (r.type === "header") out.header = r.header;
    else if (r.type === "sessions") for (const x of r.sessions) out.sessions.push(x);
    else if (r.type === "acls") for (const x of r.acls) out.acls.push(x);
    else if (r.type === "digest") out.digest = r.digest;
    else for (const n of r.nodes) out.nodes.push(n);
  }
  return out;
}

/** Checks a snapshot completely (structure, counts, checksum) without keeping it; returns its header. */
export async function verifySnapshot(storage: Storage, path: string, opts: ReadSnapshotOptions = {}): Promise<SnapshotHeader> {
  let header: SnapshotHeader | undefined;
  // a zkts snapshot's rows are checked as they are read, but not built (CHECK_ONLY)
  for await (const r of readSnapshotRecords(storage, path, { nodeSink: CHECK_ONLY, ...opts })) if (r.type === "header") header = r.header;
  return header!;
}

export interface SnapshotFile {
  path: string;
  name: string;
  zxid: bigint;
}

/** `snapshot.<hex>[.gz|.snappy]` files of `<dataDir>/version-2`, newest (highest zxid) first. */
export async function listSnapshots(storage: Storage, dataDir: string): Promise<SnapshotFile[]> {
  const dir = joinPath(dataDir, VERSION_DIR);
  const out: SnapshotFile[] = [];
  for (const name of await storage.list(dir)) {
    const zxid = parseSnapshotName(name)?.zxid;
    if (zxid !== undefined) out.push({ path: joinPath(dir, name), name, zxid });
  }
  return out.sort((a, b) => (a.zxid > b.zxid ? -1 : a.zxid < b.zxid ? 1 : 0));
}

export interface NewestSnapshot extends SnapshotFile {
  header: SnapshotHeader;
  /** Newer snapshots that failed verification, with why. */
  rejected: Array<{ path: string; error: SnapshotCorruptionError }>;
}

/**
 * The newest snapshot that verifies completely, falling back to older ones (as ZooKeeper's
 * findNValidSnapshots); undefined if none is valid. Storage errors and UnsupportedSnapshotError (a snapshot
 * zkts cannot read, which may well be intact) propagate.
 */
export async function findNewestValidSnapshot(storage: Storage, dataDir: string): Promise<NewestSnapshot | undefined> {
  const rejected: NewestSnapshot["rejected"] = [];
  for (const f of await listSnapshots(storage, dataDir)) {
    try {
      const header = await verifySnapshot(storage, f.path);
      if (header.zxid !== f.zxid) {
        throw new SnapshotCorruptionError(f.path, 0, `header zxid 0x${header.zxid.toString(16)} does not match the file name`);
      }
      return { ...f, header, rejected };
    } catch (e) {
      if (!(e instanceof SnapshotCorruptionError)) throw e;
      rejected.push({ path: f.path, error: e });
    }
  }
  return undefined;
}
