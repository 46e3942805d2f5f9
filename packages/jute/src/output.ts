import { JuteEncodeError } from "./errors.js";

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_32 = 4294967296;
/** Longest string writeString tries to store byte by byte as ASCII (past it, one copy by the runtime is cheaper). */
const ASCII_LOOP_MAX = 128;

/** Writes a safe integer (|n| < 2^53) as a big-endian two's-complement int64, byte for byte as writeBigInt64BE. */
export function writeSafeInt64BE(buf: Uint8Array, pos: number, n: number): void {
  const hi = Math.floor(n / TWO_32);
  const lo = n - hi * TWO_32;
  buf[pos] = hi >>> 24;
  buf[pos + 1] = hi >>> 16;
  buf[pos + 2] = hi >>> 8;
  buf[pos + 3] = hi;
  buf[pos + 4] = lo >>> 24;
  buf[pos + 5] = lo >>> 16;
  buf[pos + 6] = lo >>> 8;
  buf[pos + 7] = lo;
}

/**
 * Stores the low 32 bits of `v` big-endian at `pos` (which the caller made room for): four byte stores, none of
 * writeInt32BE's argument checks (each caller checked its value).
 */
function put32(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v >>> 24;
  buf[pos + 1] = v >>> 16;
  buf[pos + 2] = v >>> 8;
  buf[pos + 3] = v;
}

/** A growable big-endian writer producing jute's binary encoding. */
export class OutputArchive {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialSize));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.dv = undefined;
  }

  /** A DataView over `buf` for 64-bit writes outside the safe-integer range (made when first needed). */
  private dv: DataView | undefined = undefined;

  writeInt(v: number): void {
    // (v | 0) === v: an integer in the int32 range (NaN, fractions, anything beyond 32 bits differ)
    if (typeof v !== "number" || (v | 0) !== v) throw new JuteEncodeError(`int out of range: ${v}`);
    this.ensure(4);
    put32(this.buf, this.pos, v);
    this.pos += 4;
  }

  writeLong(v: bigint): void {
    if (typeof v !== "bigint") throw new JuteEncodeError(`long must be a bigint, got ${typeof v}`);
    this.ensure(8);
    if (v >= SAFE_MIN && v <= SAFE_MAX) {
      // zxids, times, session ids below 2^53: two 32-bit halves from one Number, no intermediate BigInts
      writeSafeInt64BE(this.buf, this.pos, Number(v));
    } else {
      if (v < INT64_MIN || v > INT64_MAX) throw new JuteEncodeError(`long out of range: ${v}`);
      // session ids (server id in the top byte) land here: DataView's native setBigInt64, not Buffer's BigInt math
      const b = this.buf;
      (this.dv ??= new DataView(b.buffer, b.byteOffset, b.byteLength)).setBigInt64(this.pos, v);
    }
    this.pos += 8;
  }

  writeBool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  writeByte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  /** ustring: int byte length + UTF-8 bytes; null is length -1. */
  writeString(v: string | null): void {
    if (v === null) {
      this.writeInt(-1);
      return;
    }
    const n = v.length;
    if (n <= ASCII_LOOP_MAX) {
      // A short string (a path): its bytes stored one by one while it is ASCII (one UTF-16 unit, one byte); two
      // calls into the runtime (byteLength, write) cost more than the loop. Anything else: the general path below.
      this.ensure(4 + n);
      const buf = this.buf;
      const at = this.pos + 4;
      let i = 0;
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === n) {
        put32(buf, this.pos, n);
        this.pos = at + n;
        return;
      }
    }
    const len = Buffer.byteLength(v, "utf8");
    this.ensure(4 + len);
    this.buf.writeInt32BE(len, this.pos);
    this.buf.write(v, this.pos + 4, len, "utf8");
    this.pos += 4 + len;
  }

  /** buffer: int length + bytes; null is length -1. */
  writeBuffer(v: Uint8Array | null): void {
    if (v === null) {
      this.writeInt(-1);
      return;
    }
    this.ensure(4 + v.length);
    put32(this.buf, this.pos, v.length);
    this.buf.set(v, this.pos + 4);
    this.pos += 4 + v.length;
  }

  /** Raw bytes with no length prefix. */
  writeRaw(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** vector: int count (-1 for null) then each element. */
  writeVector<T>(v: readonly T[] | null, writeElement: (out: OutputArchive, e: T) => void): void {
    if (v === null) {
      this.writeInt(-1);
      return;
    }
    this.writeInt(v.length);
    for (let i = 0; i < v.length; i++) writeElement(this, v[i] as T);
  }

  /** Reserves 4 bytes for a length to be filled in by `endFrame`. Returns the mark to pass there. */
  beginFrame(): number {
    this.ensure(4);
    const mark = this.pos;
    this.pos += 4;
    return mark;
  }

  /** Writes the number of bytes written since `beginFrame` into the reserved slot. */
  endFrame(mark: number): void {
    put32(this.buf, mark, this.pos - mark - 4);
  }

  /** Reserves `n` bytes (to be filled in later with `setInt32At`); returns their position. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Overwrites 4 bytes at `at` (inside what was written) with a big-endian int; unsigned values up to 2^32-1 too. */
  setInt32At(at: number, v: number): void {
    if (at < 0 || at + 4 > this.pos) throw new RangeError(`setInt32At(${at}) outside the ${this.pos} bytes written`);
    put32(this.buf, at, v);
  }

  /** Drops what was written after `length` bytes (undoes a partly written record). */
  truncate(length: number): void {
    if (length < 0 || length > this.pos) throw new RangeError(`truncate(${length}) outside the ${this.pos} bytes written`);
    this.pos = length;
  }

  /** The underlying storage (bytes 0..length are the written ones); valid until the next write. */
  get buffer(): Buffer {
    return this.buf;
  }

  /** A copy of the bytes written. */
  toBuffer(): Buffer {
    const n = this.pos;
    const b = Buffer.allocUnsafe(n);
    this.buf.copy(b, 0, 0, n);
    return b;
  }

  /** Bytes allocated for the archive (its buffer's size). */
  get capacity(): number {
    return this.buf.length;
  }

  /** A view of the bytes written (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Forget everything written, keeping the allocated memory. */
  reset(): void {
    this.pos = 0;
  }
}
