/**
 * The hand-written msgpack codec of a zkts snapshot's node chunks (record tag 4, see snapshot.ts), the bulk of a
 * snapshot: rows written straight from the tree's nodes into a reused buffer, and read straight from the file's
 * bytes into the tree's restore, with no row arrays or generic msgpack values on the way.
 *
 * The format is the generic encoder's: NodeChunkEncoder writes exactly the bytes `new Encoder({useBigInt64: true})`
 * writes for `[4, rows]` (longs given as BigInt: int64/uint64 always; numbers: the smallest int form; strings: the
 * smallest str form; data: the smallest bin form; null: nil), and a field of any other type is encoded by that
 * Encoder itself. NodeRowDecoder reads the forms a well-formed row can take and answers ROW_ODD for anything else
 * (ints as floats, a long wider than a safe ACL ref, ...): the reader then decodes that row with the generic decoder.
 */
import { Encoder } from "@msgpack/msgpack";
import { DIGEST_STAT_BYTES, DigestSum, nodeDigestOfBytes } from "@zkts/datatree";
import type { StatPersisted } from "@zkts/jute";

/** A node as the writer takes it (snapshot.ts SnapshotNode). */
export interface NodeRowSource {
  path: string;
  data: Uint8Array | null;
  aclRef: bigint;
  stat: StatPersisted;
}

/** A node as a tree lists it (DataTree.snapshotNodes): the ACL ref as a number, written as the same long. */
export interface TreeNodeRowSource {
  path: string;
  data: Uint8Array | null;
  acl: number;
  stat: StatPersisted;
  aclRef?: undefined;
}

/** Room kept before the rows for the chunk's head: fixarray(2), tag 4, and at most an array32 header. */
const HEAD_ROOM = 7;
const TAG_NODES = 4;

interface BufferInternals {
  utf8Write(s: string, offset: number, length?: number): number;
  utf8Slice(start: number, end: number): string;
}

/**
 * Encodes node rows into one growing, reused buffer; `take()` gives the whole `[4, [row, ...]]` record (a view of
 * that buffer, valid until the next `add`) and starts a new chunk.
 */
export class NodeChunkEncoder {
  private buf: Buffer;
  private view: DataView;
  private pos = HEAD_ROOM;
  /** Rows in the chunk being written. */
  count = 0;
  private generic: Encoder | undefined;

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(initialSize, 256));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** A field of a type the fast paths do not cover: the generic Encoder's bytes for it. */
  private other(v: unknown): void {
    this.generic ??= new Encoder({ useBigInt64: true, ignoreUndefined: false });
    const b = this.generic.encodeSharedRef(v);
    // and room for the fixed-size fields that may follow (add reserved theirs before this one came)
    this.ensure(b.length + 10 * 9);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  private long(v: unknown): void {
    if (typeof v === "bigint") {
      const p = this.pos;
      if (v >= 0n) {
        this.buf[p] = 0xcf;
        this.view.setBigUint64(p + 1, v);
      } else {
        this.buf[p] = 0xd3;
        this.view.setBigInt64(p + 1, v);
      }
      this.pos = p + 9;
    } else if (typeof v === "number") {
      this.num(v);
    } else if (v == null) {
      this.buf[this.pos++] = 0xc0;
    } else {
      this.other(v);
    }
  }

  /** A safe integer written as the BigInt of it is (int64 form): a tree's ACL ref. */
  private longOfNumber(v: number): void {
    if (!Number.isSafeInteger(v)) {
      this.long(BigInt(v)); // throws for a non-integer, as BigInt(acl) would
      return;
    }
    const p = this.pos;
    this.buf[p] = v >= 0 ? 0xcf : 0xd3;
    this.view.setInt32(p + 1, Math.floor(v / 4294967296));
    this.view.setUint32(p + 5, v >>> 0);
    this.pos = p + 9;
  }

  /** Encoder.encodeNumber with useBigInt64 (9 bytes at most). */
  private num(v: number): void {
    const buf = this.buf;
    let p = this.pos;
    if (Number.isSafeInteger(v)) {
      if (v >= 0) {
        if (v < 0x80) {
          buf[p++] = v;
        } else if (v < 0x100) {
          buf[p++] = 0xcc;
          buf[p++] = v;
        } else if (v < 0x10000) {
          buf[p] = 0xcd;
          this.view.setUint16(p + 1, v);
          p += 3;
        } else if (v < 0x100000000) {
          buf[p] = 0xce;
          this.view.setUint32(p + 1, v);
          p += 5;
        } else {
          buf[p] = 0xcb;
          this.view.setFloat64(p + 1, v);
          p += 9;
        }
      } else if (v >= -0x20) {
        buf[p++] = 0xe0 | (v + 0x20);
      } else if (v >= -0x80) {
        buf[p] = 0xd0;
        this.view.setInt8(p + 1, v);
        p += 2;
      } else if (v >= -0x8000) {
        buf[p] = 0xd1;
        this.view.setInt16(p + 1, v);
        p += 3;
      } else if (v >= -0x80000000) {
        buf[p] = 0xd2;
        this.view.setInt32(p + 1, v);
        p += 5;
      } else {
        buf[p] = 0xcb;
        this.view.setFloat64(p + 1, v);
        p += 9;
      }
    } else {
      buf[p] = 0xcb;
      this.view.setFloat64(p + 1, v);
      p += 9;
    }
    this.pos = p;
  }

  private str(s: string): void {
    const n = s.length;
    // written as ASCII where the header's size is known from the length; any other character: the generic encoding
    const head = n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    const p = this.pos;
    const buf = this.buf;
    if (n <= 64) {
      // a short string (most paths) by hand: cheaper than a call into the runtime
      for (let k = 0, q = p + head; k < n; k++, q++) {
        const c = s.charCodeAt(k);
        if (c >= 0x80) {
          this.other(s);
          return;
        }
        buf[q] = c;
      }
    } else if ((buf as unknown as BufferInternals).utf8Write(s, p + head) !== n) {
      // the whole string's UTF-8 is n bytes for n UTF-16 units only if every one is ASCII (room for 3n is ensured)
      this.other(s);
      return;
    }
    if (head === 1) buf[p] = 0xa0 + n;
    else if (head === 2) {
      buf[p] = 0xd9;
      buf[p + 1] = n;
    } else if (head === 3) {
      buf[p] = 0xda;
      this.view.setUint16(p + 1, n);
    } else {
      buf[p] = 0xdb;
      this.view.setUint32(p + 1, n);
    }
    this.pos = p + head + n;
  }

  private bin(d: Uint8Array): void {
    const n = d.byteLength;
    const buf = this.buf;
    let p = this.pos;
    if (n < 0x100) {
      buf[p] = 0xc4;
      buf[p + 1] = n;
      p += 2;
    } else if (n < 0x10000) {
      buf[p] = 0xc5;
      this.view.setUint16(p + 1, n);
      p += 3;
    } else {
      buf[p] = 0xc6;
      this.view.setUint32(p + 1, n);
      p += 5;
    }
    buf.set(d, p);
    this.pos = p + n;
  }

  /** Appends one node's row: [path, data|nil, aclRef, czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, pzxid]. */
  add(node: NodeRowSource | TreeNodeRowSource): void {
    const { path, data, stat: s } = node;
    this.ensure(1 + (typeof path === "string" ? path.length * 3 + 5 : 0));
    this.buf[this.pos++] = 0x9c;
    if (typeof path === "string") this.str(path);
    else this.other(path);
    this.ensure((data instanceof Uint8Array ? data.byteLength + 5 : 1) + 10 * 9);
    if (data == null) this.buf[this.pos++] = 0xc0;
    else if (data instanceof Uint8Array) this.bin(data);
    else this.other(data);
    if (node.aclRef === undefined) this.longOfNumber(node.acl);
    else this.long(node.aclRef);
    this.long(s.czxid);
    this.long(s.mzxid);
    this.long(s.ctime);
    this.long(s.mtime);
    this.long(s.version);
    this.long(s.cversion);
    this.long(s.aversion);
    this.long(s.ephemeralOwner);
    this.long(s.pzxid);
    this.count++;
  }

  /** The chunk's record, `[4, rows]`: a view of the encoder's buffer, valid until the next `add`. Starts a new chunk. */
  take(): Buffer {
    const n = this.count;
    const buf = this.buf;
    let start: number;
    if (n < 16) {
      start = HEAD_ROOM - 3;
      buf[start + 2] = 0x90 + n;
    } else if (n < 0x10000) {
      start = HEAD_ROOM - 5;
      buf[start + 2] = 0xdc;
      this.view.setUint16(start + 3, n);
    } else {
      start = HEAD_ROOM - 7;
      buf[start + 2] = 0xdd;
      this.view.setUint32(start + 3, n);
    }
    buf[start] = 0x92;
    buf[start + 1] = TAG_NODES;
    const out = buf.subarray(start, this.pos);
    this.pos = HEAD_ROOM;
    this.count = 0;
    return out;
  }
}

// ---- reading ----

/** NodeRowDecoder.row: the row is cut off at the end of the bytes given (read more and call again). */
export const ROW_SHORT = -1;
/** NodeRowDecoder.row: not a row in the forms the fast path reads (decode it with the generic decoder). */
export const ROW_ODD = -2;

/** Where decoded rows go: a node with its data (a view of the read buffer when `dataViews`) and its ACL ref. */
export type NodeRowSink = (path: string, data: Buffer | null, acl: number, stat: StatPersisted) => void;

/**
 * Where decoded rows go with their data as the bytes `buf[start, end)` (start -1: no data), valid only during the call
 * (the sink copies what it keeps; no view of the read buffer is made per row).
 */
export type NodeBytesSink = (path: string, buf: Buffer, start: number, end: number, acl: number, stat: StatPersisted) => void;

const ZERO = 0n;

/**
 * The head of a node chunk at `p`: `[4, <array header>]` as the writers write it (fixarray 2, positive fixint 4,
 * any array header). Returns [rows, position of the first row], ROW_SHORT (not all of the head is here yet) or
 * ROW_ODD (another record, or another encoding of it).
 */
export function nodeChunkHead(buf: Buffer, p: number, end: number): readonly [number, number] | number {
  if (p + 3 > end) return p < end && buf[p] !== 0x92 ? ROW_ODD : ROW_SHORT;
  if (buf[p] !== 0x92 || buf[p + 1] !== TAG_NODES) return ROW_ODD;
  const b = buf[p + 2]!;
  if ((b & 0xf0) === 0x90) return [b & 0x0f, p + 3];
  if (b === 0xdc) return p + 5 > end ? ROW_SHORT : [buf.readUInt16BE(p + 3), p + 5];
  if (b === 0xdd) return p + 7 > end ? ROW_SHORT : [buf.readUInt32BE(p + 3), p + 7];
  return ROW_ODD;
}

/**
 * Decodes node rows from a buffer. Longs that equal another of the row (czxid = mzxid = pzxid, ctime = mtime) or the
 * previous row's ctime share one BigInt, as the generic path's rows do: fewer objects per restored node.
 */
export class NodeRowDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private lastTime = ZERO;
  private lastTimeHi = 0;
  private lastTimeLo = 0;
  private lastTimeTag = -1;

  /** The stat block of a row's digest (nodeDigestOfBytes), filled from the row's bytes. */
  private readonly digestStat = Buffer.alloc(DIGEST_STAT_BYTES);
  private readonly digestStatView = new DataView(this.digestStat.buffer, this.digestStat.byteOffset, DIGEST_STAT_BYTES);
  /** Sum of the digests of the rows decoded (with `digests`) and of those given to `addDigest`. */
  private readonly rowDigests = new DigestSum();

  /**
   * `sink` null: rows are checked only (their whole structure, as when read), nothing is built. `digests`: each row's
   * node digest (DataTree's nodeDigest) is computed from its bytes and summed (`digestSum`).
   */
  constructor(
    private readonly sink: NodeRowSink | null,
    private readonly dataViews: boolean,
    private readonly digests = false,
    /** Given: rows go here (their data as a range of the read buffer) instead of to `sink`. */
    private readonly bytesSink: NodeBytesSink | null = null,
  ) {}

  /** The sum of the node digests of the rows decoded so far (with `digests`), and of those given to `addDigest`. */
  digestSum(): bigint {
    return this.rowDigests.value();
  }

  /** Adds a node digest (a row decoded elsewhere) to `digestSum`. */
  addDigest(d: number): void {
    this.rowDigests.add(d);
  }

  /** The int at `at` (a row's long) as the 8 big-endian bytes at `to` of the digest's stat block. */
  private statLong(at: number, to: number): void {
    const buf = this.buf;
    const st = this.digestStat;
    const b = buf[at]!;
    if (b === 0xcf || b === 0xd3) {
      for (let k = 1; k <= 8; k++) st[to + k - 1] = buf[at + k]!;
    } else {
      const x = this.small(at);
      this.digestStatView.setInt32(to, x < 0 ? -1 : 0);
      this.digestStatView.setUint32(to + 4, x >>> 0);
    }
  }

  private use(buf: Buffer): void {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
  }

  /**
   * Decodes the row at `p` (bytes up to `end`) and hands it to the sink; returns the position after it, ROW_SHORT or
   * ROW_ODD (nothing was handed on then).
   */
  row(buf: Buffer, p: number, end: number): number {
    this.use(buf);
    const v = this.view;
    if (p >= end) return ROW_SHORT;
    if (buf[p] !== 0x9c) return ROW_ODD;
    p++;
    // path: str
    if (p >= end) return ROW_SHORT;
    let b = buf[p]!;
    let len: number;
    if ((b & 0xe0) === 0xa0) {
      len = b & 0x1f;
      p += 1;
    } else if (b === 0xd9) {
      if (p + 2 > end) return ROW_SHORT;
      len = buf[p + 1]!;
      p += 2;
    } else if (b === 0xda) {
      if (p + 3 > end) return ROW_SHORT;
      len = v.getUint16(p + 1);
      p += 3;
    } else if (b === 0xdb) {
      if (p + 5 > end) return ROW_SHORT;
      len = v.getUint32(p + 1);
      p += 5;
    } else return ROW_ODD;
    if (p + len > end) return ROW_SHORT;
    const pathStart = p;
    const pathEnd = p + len;
    p = pathEnd;
    // data: nil or bin
    if (p >= end) return ROW_SHORT;
    b = buf[p]!;
    let dataStart = -1;
    if (b === 0xc0) {
      p += 1;
    } else {
      if (b === 0xc4) {
        if (p + 2 > end) return ROW_SHORT;
        len = buf[p + 1]!;
        p += 2;
      } else if (b === 0xc5) {
        if (p + 3 > end) return ROW_SHORT;
        len = v.getUint16(p + 1);
        p += 3;
      } else if (b === 0xc6) {
        if (p + 5 > end) return ROW_SHORT;
        len = v.getUint32(p + 1);
        p += 5;
      } else return ROW_ODD;
      if (p + len > end) return ROW_SHORT;
      dataStart = p;
      p += len;
    }
    const dataEnd = p;
    // the ten numbers: their offsets first (the row must be whole and well formed before anything is built)
    const aclAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;
    const czxidAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;
    const mzxidAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;
    const ctimeAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;
    const mtimeAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;
    const versionAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;
    const cversionAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;
    const aversionAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;
    const ownerAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;
    const pzxidAt = p;
    p = this.skipInt(buf, p, end);
    if (p < 0) return p;

    const acl = this.number(aclAt);
    const version = this.int32(versionAt);
    const cversion = this.int32(cversionAt);
    const aversion = this.int32(aversionAt);
    if (acl === undefined || version === undefined || cversion === undefined || aversion === undefined) return ROW_ODD;
    if (this.digests) {
      this.statLong(czxidAt, 0);
      this.statLong(mzxidAt, 8);
      this.statLong(pzxidAt, 16);
      this.statLong(ctimeAt, 24);
      this.statLong(mtimeAt, 32);
      const sv = this.digestStatView;
      sv.setInt32(40, version);
      sv.setInt32(44, cversion);
      sv.setInt32(48, aversion);
      this.statLong(ownerAt, 52);
      this.addDigest(nodeDigestOfBytes(buf, pathStart, pathEnd, dataStart, dataEnd, this.digestStat));
    }
    const sink = this.sink;
    const bytesSink = this.bytesSink;
    if (sink === null && bytesSink === null) return p;

    const czxid = this.long(czxidAt);
    const mzxid = this.same(mzxidAt, czxidAt) ? czxid : this.long(mzxidAt);
    let ctime: bigint;
    const tTag = buf[ctimeAt]!;
    if (tTag === 0xcf || tTag === 0xd3) {
      const hi = v.getInt32(ctimeAt + 1);
      const lo = v.getInt32(ctimeAt + 5);
      if (tTag === this.lastTimeTag && hi === this.lastTimeHi && lo === this.lastTimeLo) ctime = this.lastTime;
      else {
        ctime = this.long(ctimeAt);
        this.lastTime = ctime;
        this.lastTimeTag = tTag;
        this.lastTimeHi = hi;
        this.lastTimeLo = lo;
      }
    } else {
      ctime = this.long(ctimeAt);
    }
    const mtime = this.same(mtimeAt, ctimeAt) ? ctime : this.long(mtimeAt);
    const owner = this.isZero(ownerAt) ? ZERO : this.long(ownerAt);
    const pzxid = this.same(pzxidAt, czxidAt) ? czxid : this.same(pzxidAt, mzxidAt) ? mzxid : this.long(pzxidAt);
    const path = (buf as unknown as BufferInternals).utf8Slice(pathStart, pathEnd);
    const stat = { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner: owner, pzxid };
    if (bytesSink !== null) {
      bytesSink(path, buf, dataStart, dataEnd, acl, stat);
      return p;
    }
    const data = dataStart < 0 ? null : this.dataViews ? buf.subarray(dataStart, dataEnd) : Buffer.from(buf.subarray(dataStart, dataEnd));
    sink!(path, data, acl, stat);
    return p;
  }

  /** The position after the integer at `p` (any msgpack int form), ROW_SHORT or ROW_ODD (not an int). */
  private skipInt(buf: Buffer, p: number, end: number): number {
    if (p >= end) return ROW_SHORT;
    const b = buf[p]!;
    let n: number;
    if (b < 0x80 || b >= 0xe0) n = 1;
    else if (b === 0xcf || b === 0xd3) n = 9;
    else if (b === 0xce || b === 0xd2) n = 5;
    else if (b === 0xcd || b === 0xd1) n = 3;
    else if (b === 0xcc || b === 0xd0) n = 2;
    else return ROW_ODD;
    return p + n > end ? ROW_SHORT : p + n;
  }

  /** The integer at `p` as a JS number; undefined when it is not a safe integer. */
  private number(p: number): number | undefined {
    const b = this.buf[p]!;
    if (b === 0xcf || b === 0xd3) {
      const hi = this.view.getInt32(p + 1);
      const lo = this.view.getUint32(p + 5);
      if (b === 0xcf && hi < 0) return undefined;
      const x = hi * 4294967296 + lo;
      return Number.isSafeInteger(x) ? x : undefined;
    }
    return this.small(p);
  }

  /** An int of at most 32 bits (what the generic path takes as a number); undefined for an int64/uint64 form. */
  private int32(p: number): number | undefined {
    const b = this.buf[p]!;
    if (b === 0xcf || b === 0xd3) return undefined;
    return this.small(p);
  }

  private small(p: number): number {
    const b = this.buf[p]!;
    const v = this.view;
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
      case 0xcc:
        return v.getUint8(p + 1);
      case 0xcd:
        return v.getUint16(p + 1);
      case 0xce:
        return v.getUint32(p + 1);
      case 0xd0:
        return v.getInt8(p + 1);
      case 0xd1:
        return v.getInt16(p + 1);
      default:
        return v.getInt32(p + 1);
    }
  }

  private long(p: number): bigint {
    const b = this.buf[p]!;
    if (b === 0xd3) return this.view.getBigInt64(p + 1);
    if (b === 0xcf) return this.view.getBigUint64(p + 1);
    return BigInt(this.small(p));
  }

  private isZero(p: number): boolean {
    const buf = this.buf;
    const b = buf[p]!;
    if (b === 0) return true;
    if (b === 0xcf || b === 0xd3) return this.view.getInt32(p + 1) === 0 && this.view.getInt32(p + 5) === 0;
    return b !== 0xcc && b !== 0xcd && b !== 0xce && b !== 0xd0 && b !== 0xd1 && b !== 0xd2 ? false : this.small(p) === 0;
  }

  /** The two ints are encoded with the same bytes (then they are equal). */
  private same(a: number, b: number): boolean {
    const buf = this.buf;
    const t = buf[a]!;
    if (t !== buf[b]) return false;
    if (t === 0xcf || t === 0xd3) return this.view.getInt32(a + 1) === this.view.getInt32(b + 1) && this.view.getInt32(a + 5) === this.view.getInt32(b + 5);
    return this.small(a) === this.small(b);
  }
}

/**
 * The position after the msgpack value at `p` (bytes up to `end`), ROW_SHORT (it goes on past `end`) or ROW_ODD
 * (a byte that starts no value). Walks headers only: nothing is decoded.
 */
export function skipValue(buf: Buffer, p: number, end: number): number {
  let left = 1;
  while (left > 0) {
    if (p >= end) return ROW_SHORT;
    const b = buf[p]!;
    left--;
    let head = 1;
    let body = 0;
    if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      // fixint, nil, bool
    } else if (b < 0x90) {
      left += 2 * (b & 0x0f);
    } else if (b < 0xa0) {
      left += b & 0x0f;
    } else if (b < 0xc0) {
      body = b & 0x1f;
    } else {
      const need = (n: number) => p + 1 + n <= end;
      switch (b) {
        case 0xc4:
        case 0xd9:
          if (!need(1)) return ROW_SHORT;
          head = 2;
          body = buf[p + 1]!;
          break;
        case 0xc5:
        case 0xda:
          if (!need(2)) return ROW_SHORT;
          head = 3;
          body = buf.readUInt16BE(p + 1);
          break;
        case 0xc6:
        case 0xdb:
          if (!need(4)) return ROW_SHORT;
          head = 5;
          body = buf.readUInt32BE(p + 1);
          break;
        case 0xc7: // ext 8, 16, 32: length, type, data
          if (!need(1)) return ROW_SHORT;
          head = 3;
          body = buf[p + 1]!;
          break;
        case 0xc8:
          if (!need(2)) return ROW_SHORT;
          head = 4;
          body = buf.readUInt16BE(p + 1);
          break;
        case 0xc9:
          if (!need(4)) return ROW_SHORT;
          head = 6;
          body = buf.readUInt32BE(p + 1);
          break;
        case 0xca:
          body = 4;
          break;
        case 0xcb:
          body = 8;
          break;
        case 0xcc:
        case 0xd0:
          body = 1;
          break;
        case 0xcd:
        case 0xd1:
          body = 2;
          break;
        case 0xce:
        case 0xd2:
          body = 4;
          break;
        case 0xcf:
        case 0xd3:
          body = 8;
          break;
        case 0xd4: // fixext 1, 2, 4, 8, 16: type, data
          body = 2;
          break;
        case 0xd5:
          body = 3;
          break;
        case 0xd6:
          body = 5;
          break;
        case 0xd7:
          body = 9;
          break;
        case 0xd8:
          body = 17;
          break;
        case 0xdc:
          if (!need(2)) return ROW_SHORT;
          head = 3;
          left += buf.readUInt16BE(p + 1);
          break;
        case 0xdd:
          if (!need(4)) return ROW_SHORT;
          head = 5;
          left += buf.readUInt32BE(p + 1);
          break;
        case 0xde:
          if (!need(2)) return ROW_SHORT;
          head = 3;
          left += 2 * buf.readUInt16BE(p + 1);
          break;
        case 0xdf:
          if (!need(4)) return ROW_SHORT;
          head = 5;
          left += 2 * buf.readUInt32BE(p + 1);
          break;
        default:
          return ROW_ODD; // 0xc1: never used
      }
    }
    p += head + body;
  }
  return p > end ? ROW_SHORT : p;
}
