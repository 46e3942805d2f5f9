import { FrameLengthError } from "./errors.js";
import { DEFAULT_MAX_BUFFER } from "./input.js";

export interface FrameDecoderOptions {
  /** Largest accepted frame payload (jute.maxbuffer). Default 0xfffff. */
  maxBuffer?: number;
}

/**
 * Incremental decoder of 4-byte-length-prefixed frames. Feed it chunks as they arrive; it emits every
 * complete frame payload, handles frames split across chunks and many frames in one chunk, and throws
 * FrameLengthError for a length below 0 or above maxBuffer (after which the decoder must be discarded).
 *
 * Payloads that lie wholly inside one chunk are emitted as zero-copy views of that chunk.
 */
export class FrameDecoder {
  readonly maxBuffer: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Length of the frame being assembled, or -1 while the 4-byte header is incomplete. */
  private want = -1;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** Feeds a chunk; calls onFrame for each complete payload, in order. Returns the number of frames. */
  push(chunk: Buffer, onFrame: (payload: Buffer) => void): number {
    let frames = 0;
    let data = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      const need = this.want < 0 ? 4 : this.want + 4;
      if (this.pendingBytes < need) return 0;
      data = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.want = -1;
    }
    let pos = 0;
    while (data.length - pos >= 4) {
      const len = data.readInt32BE(pos);
      this.check(len);
      if (data.length - pos - 4 < len) break;
      onFrame(data.subarray(pos + 4, pos + 4 + len));
      frames++;
      pos += 4 + len;
    }
    if (pos < data.length) {
      const rest = data.subarray(pos);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
      if (rest.length >= 4) this.want = rest.readInt32BE(0);
    }
    return frames;
  }

  /** Convenience: feeds a chunk and returns the complete payloads. */
  pushAll(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    this.push(chunk, (f) => out.push(f));
    return out;
  }

  private check(len: number): void {
    if (len < 0 || len > this.maxBuffer) throw new FrameLengthError(len, this.maxBuffer);
  }

  /** Drops any partial frame. */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.want = -1;
  }
}

/** Prefixes a payload with its 4-byte big-endian length. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}
