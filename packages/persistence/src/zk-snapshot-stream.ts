/**
 * The body of Apache ZooKeeper's snapshot serialization (SerializeUtils.serializeSnapshot: sessions, then
 * DataTree.serialize: ReferenceCountedACLCache, nodes parents first until the "/" sentinel) as a resumable parser,
 * and the learner stream around it: after a SNAP packet LearnerHandler.syncFollower writes
 * `ZKDatabase.serializeSnapshot(oa)` then `oa.writeString("BenWasHere", "signature")`, and Learner.syncWithLeader
 * reads it back with `deserializeSnapshot(leaderIs)` and checks the signature (3.8 puts no header, seal nor
 * ZxidDigest in that stream). The same body parser reads snapshot files (zk-snapshot.ts).
 *
 * The parser is a generator that yields how many bytes it needs next and is resumed with exactly that many, so a
 * stream can be parsed as its chunks arrive (each byte looked at once) and a whole buffer in one go.
 */
import { ACL as AclCodec, OutputArchive, StatPersisted as StatCodec, type ACL, type StatPersisted } from "@zkts/jute";
import { SnapshotCorruptionError } from "./errors.js";
import type { PersistentTree } from "./database.js";
import type { ZkSnapshotNode } from "./zk-snapshot.js";

/** LearnerHandler's signature after the snapshot. */
export const ZK_SNAP_SIGNATURE = "BenWasHere";

export interface ZkSnapshotBody {
  sessions: Array<{ id: bigint; timeout: number }>;
  acls: Array<{ ref: bigint; acl: ACL[] }>;
  nodes: ZkSnapshotNode[];
}

export interface ZkSnapshotBodySource {
  sessions: Iterable<{ id: bigint; timeout: number }>;
  acls: Iterable<{ ref: bigint; acl: readonly ACL[] }>;
  /** Depth-first, parents first, root named "". */
  nodes: Iterable<ZkSnapshotNode>;
}

export interface ZkStreamLimits {
  /** Largest string / buffer / vector length (jute.maxbuffer + BinaryInputArchive's 1024 extra). */
  maxBuffer: number;
  /** Largest whole stream. */
  maxTotal: number;
}

/** ZooKeeper's jute.maxbuffer default (0xfffff) plus the 1024 bytes BinaryInputArchive.checkLength allows over it. */
export const DEFAULT_ZK_STREAM_LIMITS: ZkStreamLimits = { maxBuffer: 0xfffff + 1024, maxTotal: 1 << 30 };

/** Yields the number of bytes wanted, resumed with a buffer of exactly that many. */
export type ByteParser<T> = Generator<number, T, Buffer>;

/** A malformed value in the stream (the driver adds where). */
class Malformed extends Error {}

const STAT_BYTES = 6 * 8 + 3 * 4;

/** StatPersisted (jute order: czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, pzxid). */
/**
 * A stat as read; equal longs share one BigInt (a node never changed has czxid = mzxid = pzxid and ctime = mtime,
 * and most have ephemeralOwner 0): fewer objects kept per node of a restored tree.
 */
/**
 * The last ctime read (a BigInt never changes: nodes created in the same millisecond, most of a snapshot of a busy
 * tree, share one object instead of each keeping its own).
 */
let lastTime = 0n;

function readStat(b: Buffer, o: number): StatPersisted {
  const czxid = b.readBigInt64BE(o);
  const m = b.readBigInt64BE(o + 8);
  const c = b.readBigInt64BE(o + 16);
  const ctime = c === lastTime ? lastTime : (lastTime = c);
  const t = b.readBigInt64BE(o + 24);
  const e = b.readBigInt64BE(o + 44);
  const p = b.readBigInt64BE(o + 52);
  const mzxid = m === czxid ? czxid : m;
  return {
    czxid,
    mzxid,
    ctime,
    mtime: t === ctime ? ctime : t,
    version: b.readInt32BE(o + 32),
    cversion: b.readInt32BE(o + 36),
    aversion: b.readInt32BE(o + 40),
    ephemeralOwner: e === 0n ? ZERO : e,
    pzxid: p === czxid ? czxid : p === mzxid ? mzxid : p,
  };
}
const ZERO = 0n;

function* readInt(): ByteParser<number> {
  return (yield 4).readInt32BE(0);
}

function* readLong(): ByteParser<bigint> {
  return (yield 8).readBigInt64BE(0);
}

function* readLength(limit: number, what: string): ByteParser<number> {
  const n = yield* readInt();
  if (n < -1 || n > limit) throw new Malformed(`bad ${what} length ${n}`);
  return n;
}

function* readString(limit: number, what: string): ByteParser<string | null> {
  const n = yield* readLength(limit, what);
  if (n === -1) return null;
  return n === 0 ? "" : (yield n).toString("utf8");
}

function* readCount(limit: number, itemBytes: number, what: string): ByteParser<number> {
  const n = yield* readInt();
  if (n < 0 || n * itemBytes > limit) throw new Malformed(`bad ${what} count ${n}`);
  return n;
}

/**
 * Sessions, ACL cache and nodes up to and including the "/" sentinel, pushed into `out`'s arrays as they are read
 * (a driver may take them out meanwhile, replacing an array by an empty one: the parser looks the array up for
 * every push); returns `out`.
 */
export function* zkSnapshotBodyParser(
  limits: ZkStreamLimits,
  out: ZkSnapshotBody = { sessions: [], acls: [], nodes: [] },
): ByteParser<ZkSnapshotBody> {
  for (let n = yield* readCount(limits.maxTotal, 12, "session"); n > 0; n--) {
    const id = yield* readLong();
    out.sessions.push({ id, timeout: yield* readInt() });
  }
  for (let n = yield* readCount(limits.maxTotal, 12, "ACL cache"); n > 0; n--) {
    const ref = yield* readLong();
    const acl: ACL[] = [];
    // startVector: -1 is a null list
    for (let k = yield* readLength(limits.maxBuffer, "ACL list"); k > 0; k--) {
      const perms = yield* readInt();
      const scheme = yield* readString(limits.maxBuffer, "ACL scheme");
      if (scheme === null) throw new Malformed("null ACL scheme");
      const id = yield* readString(limits.maxBuffer, "ACL id");
      acl.push({ perms, id: { scheme, id } });
    }
    out.acls.push({ ref, acl });
  }
  // the per-node loop is the hot path: plain yields (no delegation), aclRef + StatPersisted in one read
  for (;;) {
    const pathLen = (yield 4).readInt32BE(0);
    if (pathLen < 0) throw new Malformed(pathLen === -1 ? "null path" : `bad path length ${pathLen}`);
    if (pathLen > limits.maxBuffer) throw new Malformed(`bad path length ${pathLen}`);
    const path = pathLen === 0 ? "" : (yield pathLen).toString("utf8");
    if (path === "/") break;
    if (path !== "" && path.charCodeAt(0) !== 0x2f) throw new Malformed(`bad path ${JSON.stringify(path.slice(0, 64))}`);
    const dataLen = (yield 4).readInt32BE(0);
    if (dataLen < -1 || dataLen > limits.maxBuffer) throw new Malformed(`bad data length ${dataLen}`);
    // a view of the received bytes: restoreTree copies node data into the tree
    const data = dataLen === -1 ? null : dataLen === 0 ? Buffer.alloc(0) : yield dataLen;
    const r = yield 8 + STAT_BYTES;
    out.nodes.push({ path, data, aclRef: r.readBigInt64BE(0), stat: readStat(r, 8) });
  }
  return out;
}

/** "ZKSN": the magic of a ZooKeeper snapshot file's FileHeader. */
export const ZK_SNAPSHOT_MAGIC = 0x5a4b534e;

/** ZooKeeper's ZxidDigest: the tree digest at a zxid (written after a snapshot's seal when digest.enabled). */
export interface ZkZxidDigest {
  zxid: bigint;
  digestVersion: number;
  digest: bigint;
}

/** What zkSnapshotFileParser asks of its driver besides bytes. */
export interface ZkFileParserContext {
  /** Adler32 of every byte handed to the parser so far (SnapStream's CheckedInputStream). */
  checksum(): number;
}

/**
 * Yielded by zkSnapshotFileParser instead of a byte count to ask whether the stream goes on: the driver resumes it
 * with an empty buffer at the end of the stream, with any non-empty buffer (not consumed) otherwise.
 */
export const PEEK_MORE = -1;

function* readSeal(limits: ZkStreamLimits, ctx: ZkFileParserContext): ByteParser<void> {
  const expected = ctx.checksum();
  const val = yield* readLong();
  if ((yield* readString(limits.maxBuffer, "seal")) !== "/") throw new Malformed("seal not followed by '/'");
  if (BigInt(expected) !== val) throw new Malformed(`checksum mismatch (stored 0x${val.toString(16)}, computed 0x${expected.toString(16)})`);
}

/**
 * A ZooKeeper snapshot file (FileSnap.serialize, uncompressed stream): FileHeader{"ZKSN", 2, dbId}, the body (into
 * `out`, see zkSnapshotBodyParser), the Adler32 seal, then, when present, ZxidDigest and a second seal
 * (FileSnap.deserialize: a stream ending after the first seal has no digest).
 */
export function* zkSnapshotFileParser(
  limits: ZkStreamLimits,
  out: ZkSnapshotBody,
  ctx: ZkFileParserContext,
): ByteParser<{ dbId: bigint; digest: ZkZxidDigest | null }> {
  if ((yield* readInt()) !== ZK_SNAPSHOT_MAGIC) throw new Malformed("bad magic (not a ZooKeeper snapshot)");
  const version = yield* readInt();
  if (version !== 2) throw new Malformed(`unsupported snapshot version ${version}`);
  const dbId = yield* readLong();
  yield* zkSnapshotBodyParser(limits, out);
  yield* readSeal(limits, ctx);
  let digest: ZkZxidDigest | null = null;
  if ((yield PEEK_MORE).length > 0) {
    const zxid = yield* readLong();
    const digestVersion = yield* readInt();
    digest = { zxid, digestVersion, digest: yield* readLong() };
    yield* readSeal(limits, ctx);
  }
  return { dbId, digest };
}

/** The learner stream after SNAP: the body, then the "BenWasHere" signature. */
export function* zkSnapStreamParser(limits: ZkStreamLimits = DEFAULT_ZK_STREAM_LIMITS): ByteParser<ZkSnapshotBody> {
  const body = yield* zkSnapshotBodyParser(limits);
  const sig = yield* readString(limits.maxBuffer, "signature");
  if (sig !== ZK_SNAP_SIGNATURE) throw new Malformed(`missing signature (got ${JSON.stringify(sig?.slice(0, 64) ?? null)})`);
  return body;
}

/**
 * Runs `parser` over `buf` from `offset`; returns the value and the offset after it. A value past the end or a
 * malformed one is a SnapshotCorruptionError naming `file` and the offset.
 */
export function runByteParser<T>(parser: ByteParser<T>, buf: Buffer, offset: number, file: string): { value: T; offset: number } {
  let off = offset;
  let step = parser.next();
  try {
    while (!step.done) {
      const n = step.value;
      if (off + n > buf.length) throw new SnapshotCorruptionError(file, off, `file too short (${n} bytes wanted, ${buf.length - off} left)`);
      const slice = buf.subarray(off, off + n);
      off += n;
      step = parser.next(slice);
    }
  } catch (e) {
    if (e instanceof SnapshotCorruptionError) throw e;
    throw new SnapshotCorruptionError(file, off, e instanceof Error ? e.message : String(e), { cause: e });
  }
  return { value: step.value, offset: off };
}

/** Parses a whole learner snapshot stream (body + signature); trailing bytes are an error. */
export function parseZkSnapStream(buf: Buffer, limits: ZkStreamLimits = DEFAULT_ZK_STREAM_LIMITS): ZkSnapshotBody {
  const r = runByteParser(zkSnapStreamParser(limits), buf, 0, SNAP_STREAM);
  if (r.offset !== buf.length) throw new SnapshotCorruptionError(SNAP_STREAM, r.offset, `${buf.length - r.offset} bytes after the signature`);
  return r.value;
}

const SNAP_STREAM = "<SNAP stream>";

/**
 * The learner stream decoded as it arrives. `push` chunks; once the signature has been read it returns the
 * snapshot, the stream's bytes (exactly, for the store) and what followed them in the last chunk (the packets
 * after the snapshot). Each byte is copied at most twice (into a field that straddles chunks, into `bytes`).
 * Malformed input or more than `maxTotal` bytes: a SnapshotCorruptionError.
 */
export class ZkSnapStreamDecoder {
  private readonly parser: ByteParser<ZkSnapshotBody>;
  private want: number;
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Every chunk pushed (the stream's bytes are their start). */
  private readonly received: Buffer[] = [];
  private receivedBytes = 0;
  private offset = 0;
  private finished = false;

  constructor(private readonly limits: ZkStreamLimits = DEFAULT_ZK_STREAM_LIMITS) {
    this.parser = zkSnapStreamParser(limits);
    const first = this.parser.next();
    this.want = first.done ? 0 : first.value;
  }

  /** Bytes of the stream consumed so far. */
  get position(): number {
    return this.offset;
  }

  push(chunk: Buffer): { snapshot: ZkSnapshotBody; bytes: Buffer; rest: Buffer } | undefined {
    if (this.finished) throw new Error("ZkSnapStreamDecoder: already finished");
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      this.received.push(chunk);
      this.receivedBytes += chunk.length;
    }
    for (;;) {
      if (this.offset + this.want > this.limits.maxTotal) {
        this.finished = true;
        throw new SnapshotCorruptionError(SNAP_STREAM, this.offset, `stream larger than ${this.limits.maxTotal} bytes`);
      }
      if (this.pendingBytes < this.want) return undefined;
      const field = this.take(this.want);
      let step: IteratorResult<number, ZkSnapshotBody>;
      try {
        step = this.parser.next(field);
      } catch (e) {
        this.finished = true;
        throw new SnapshotCorruptionError(SNAP_STREAM, this.offset, e instanceof Error ? e.message : String(e), { cause: e });
      }
      if (step.done) {
        this.finished = true;
        const rest = this.pending.length === 0 ? Buffer.alloc(0) : Buffer.concat(this.pending, this.pendingBytes);
        const bytes = Buffer.concat(this.received, this.receivedBytes).subarray(0, this.offset);
        return { snapshot: step.value, bytes, rest };
      }
      this.want = step.value;
    }
  }

  /** The next `n` pending bytes (n <= pendingBytes), recorded as consumed. */
  private take(n: number): Buffer {
    let out: Buffer;
    const first = this.pending[0];
    if (n === 0) out = Buffer.alloc(0);
    else if (first!.length >= n) {
      out = first!.subarray(0, n);
      if (first!.length === n) this.pending.shift();
      else this.pending[0] = first!.subarray(n);
    } else {
      const parts: Buffer[] = [];
      let left = n;
      while (left > 0) {
        const c = this.pending[0]!;
        if (c.length <= left) {
          parts.push(c);
          this.pending.shift();
          left -= c.length;
        } else {
          parts.push(c.subarray(0, left));
          this.pending[0] = c.subarray(left);
          left = 0;
        }
      }
      out = Buffer.concat(parts, n);
    }
    this.pendingBytes -= n;
    this.offset += n;
    return out;
  }
}

/** Writes the body (sessions, ACL cache without the -1 entry, nodes, the "/" sentinel) as SerializeUtils does. */
export function writeZkSnapshotBody(out: OutputArchive, src: ZkSnapshotBodySource): void {
  const sessions = [...src.sessions];
  out.writeInt(sessions.length);
  for (const s of sessions) {
    out.writeLong(s.id);
    out.writeInt(s.timeout);
  }
  const acls = [...src.acls].filter((a) => a.ref !== -1n);
  out.writeInt(acls.length);
  for (const a of acls) {
    out.writeLong(a.ref);
    out.writeInt(a.acl.length);
    for (const x of a.acl) AclCodec.write(out, x);
  }
  for (const n of src.nodes) {
    out.writeString(n.path);
    out.writeBuffer(n.data);
    out.writeLong(n.aclRef);
    StatCodec.write(out, n.stat);
  }
  out.writeString("/");
}

/** What a leader streams after SNAP (LearnerHandler.syncFollower): the body, then "BenWasHere". */
export function serializeZkSnapStream(src: ZkSnapshotBodySource): Buffer {
  const out = new OutputArchive(1 << 16);
  writeZkSnapshotBody(out, src);
  out.writeString(ZK_SNAP_SIGNATURE);
  return out.toBuffer();
}

/**
 * A tree and its sessions as ZooKeeper's snapshot body (ACL cache entries, nodes in the tree's snapshot order,
 * root named ""). Read synchronously by the serializers, so the tree cannot change meanwhile.
 */
export function zkSnapshotBodyOf(tree: PersistentTree, sessions: ReadonlyMap<bigint, number>): ZkSnapshotBodySource {
  return {
    sessions: [...sessions].map(([id, timeout]) => ({ id, timeout })),
    acls: tree.acls.entries().map(([ref, acl]) => ({ ref: BigInt(ref), acl })),
    nodes: (function* () {
      for (const n of tree.snapshotNodes()) yield { path: n.path, data: n.data, aclRef: BigInt(n.acl), stat: n.stat };
    })(),
  };
}
