import { JuteDecodeError } from "./errors.js";

/** Default `jute.maxbuffer`: 0xfffff bytes. */
export const DEFAULT_MAX_BUFFER = 0xfffff;

export interface InputArchiveOptions {
  /** Reject ustring/buffer/vector lengths above this (jute.maxbuffer). */
  maxBuffer?: number;
  /** Start reading at this offset of the buffer. */
  offset?: number;
  /** Stop at this offset (exclusive). */
  end?: number;
  /**
   * `readBuffer` returns views into the input instead of copies: only for input nobody modifies afterwards, read by
   * a caller that keeps no buffer it reads past the input's own lifetime (or copies it).
   */
  views?: boolean;
}

/** A big-endian reader of jute's binary encoding over one buffer. Never reads past `end`. */
export class InputArchive {
  readonly buf: Buffer;
  private pos: number;
  readonly end: number;
  readonly maxBuffer: number;
  private readonly views: boolean;

  constructor(buf: Uint8Array, options: InputArchiveOptions = {}) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = options.offset ?? 0;
    this.end = options.end ?? this.buf.length;
    this.maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
    this.views = options.views === true;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new JuteDecodeError(
        `truncated ${what}: needs ${n} bytes, ${this.end - this.pos} left`,
        this.pos,
      );
    }
  }

  readInt(): number {
    this.need(4, "int");
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readLong(): bigint {
    this.need(8, "long");
    // DataView's native getBigInt64 (big-endian by default), not Buffer's readBigInt64BE and its BigInt arithmetic
    const b = this.buf;
    const v = (this.dv ??= new DataView(b.buffer, b.byteOffset, b.byteLength)).getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  /** A DataView over `buf` for readLong (made when first needed). */
  private dv: DataView | undefined = undefined;

  /** jute booleans are one byte; any non-zero byte is true (as in Java's readBoolean). */
  readBool(): boolean {
    this.need(1, "boolean");
    return this.buf[this.pos++] !== 0;
  }

  readByte(): number {
    this.need(1, "byte");
    return this.buf[this.pos++]!;
  }

  private readLength(what: string): number {
    const at = this.pos;
    const len = this.readInt();
    if (len < -1) throw new JuteDecodeError(`negative ${what} length ${len}`, at);
    if (len > this.maxBuffer) {
      throw new JuteDecodeError(`${what} length ${len} exceeds jute.maxbuffer ${this.maxBuffer}`, at);
    }
    if (len > 0) this.need(len, what);
    return len;
  }

  /** ustring; null when the length is -1. */
  readString(): string | null {
    const len = this.readLength("ustring");
    if (len < 0) return null;
    const s = this.buf.toString("utf8", this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /**
   * buffer as an owned copy (safe to keep after the input buffer is reused), or a view into the input when the
   * archive was made with `views`; null when the length is -1.
   */
  readBuffer(): Buffer | null {
    if (this.views) return this.readBufferView();
    const len = this.readLength("buffer");
    if (len < 0) return null;
    const b = Buffer.allocUnsafe(len);
    this.buf.copy(b, 0, this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  /** buffer as a view into the input (no copy); null when the length is -1. */
  readBufferView(): Buffer | null {
    const len = this.readLength("buffer");
    if (len < 0) return null;
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  /** vector count; -1 means null. Rejects counts that cannot fit the remaining bytes. */
  readVectorLength(minElementSize = 1): number {
    const at = this.pos;
    const n = this.readInt();
    if (n < -1) throw new JuteDecodeError(`negative vector length ${n}`, at);
    if (n > 0 && n * minElementSize > this.end - this.pos) {
      throw new JuteDecodeError(
        `vector of ${n} elements cannot fit in ${this.end - this.pos} remaining bytes`,
        at,
      );
    }
    return n;
  }

  /** Raw bytes with no length prefix (a view). */
  readRaw(n: number): Buffer {
    this.need(n, "raw bytes");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** The rest of the input as a view. */
  rest(): Buffer {
    const b = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return b;
  }
}
