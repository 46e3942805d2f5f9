import type { StatPersisted } from "@zkts/jute";

/** DigestCalculator's digest version. */
export const DIGEST_VERSION = 2;

/**
 * Slicing-by-8 tables: T[0] is the classic byte table, T[k][n] the CRC of byte n followed by k zero bytes, so
 * eight input bytes are folded per step with eight lookups instead of eight dependent shift/lookup rounds.
 */
const T = (() => {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

function crcUpdate(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  let c = crc;
  let i = start;
  const t = T;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + b[i + 4]!]! ^
      t[512 + b[i + 5]!]! ^
      t[256 + b[i + 6]!]! ^
      t[b[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/**
 * crcUpdate over the UTF-8 bytes of an ASCII string, read straight from its char codes (no copy into a buffer);
 * undefined when the string has a non-ASCII char (the caller encodes it then).
 */
function crcUpdateAscii(crc: number, s: string): number | undefined {
  let c = crc;
  let i = 0;
  const end = s.length;
  const t = T;
  for (; i + 8 <= end; i += 8) {
    const b0 = s.charCodeAt(i);
    const b1 = s.charCodeAt(i + 1);
    const b2 = s.charCodeAt(i + 2);
    const b3 = s.charCodeAt(i + 3);
    const b4 = s.charCodeAt(i + 4);
    const b5 = s.charCodeAt(i + 5);
    const b6 = s.charCodeAt(i + 6);
    const b7 = s.charCodeAt(i + 7);
    if ((b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7) >= 0x80) return undefined;
    const a = c ^ (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24));
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + b4]! ^
      t[512 + b5]! ^
      t[256 + b6]! ^
      t[b7]!;
  }
  for (; i < end; i++) {
    const b = s.charCodeAt(i);
    if (b >= 0x80) return undefined;
    c = t[(c ^ b) & 0xff]! ^ (c >>> 8);
  }
  return c;
}

/** CRC32 (java.util.zip.CRC32) of a byte string, as an unsigned number. */
export function crc32(...parts: Uint8Array[]): number {
  let c = -1;
  for (const p of parts) c = crcUpdate(c, p);
  return (c ^ -1) >>> 0;
}

const statBuf = Buffer.alloc(60);
const statView = new DataView(statBuf.buffer, statBuf.byteOffset, statBuf.byteLength);

function writeLong(_buf: Buffer, pos: number, v: bigint): void {
  // DataView's native setBigInt64 (two's complement, wraps like BigInt.asIntN(64, v)): no BigInt comparisons
  statView.setBigInt64(pos, v);
}


/**
 * DigestCalculator.calculateDigest: CRC32 over path bytes, data, then czxid, mzxid, pzxid, ctime, mtime,
 * version, cversion, aversion, ephemeralOwner (big-endian). Nodes under `/zookeeper/` digest to 0 and `/`
 * digests as "".
 */
export function nodeDigest(path: string, data: Buffer | null, stat: StatPersisted): number {
  if (path.startsWith("/zookeeper/")) return 0;
  writeLong(statBuf, 0, stat.czxid);
  writeLong(statBuf, 8, stat.mzxid);
  writeLong(statBuf, 16, stat.pzxid);
  writeLong(statBuf, 24, stat.ctime);
  writeLong(statBuf, 32, stat.mtime);
  statBuf.writeInt32BE(stat.version | 0, 40);
  statBuf.writeInt32BE(stat.cversion | 0, 44);
  statBuf.writeInt32BE(stat.aversion | 0, 48);
  writeLong(statBuf, 52, stat.ephemeralOwner);
  let c = -1;
  if (path !== "/") c = crcUpdateAscii(c, path) ?? crcUpdate(c, Buffer.from(path, "utf8"));
  if (data) c = crcUpdate(c, data);
  c = crcUpdate(c, statBuf);
  return (c ^ -1) >>> 0;
}

/** Bytes of the stat block nodeDigestOfBytes takes: czxid, mzxid, pzxid, ctime, mtime (int64), version, cversion, aversion (int32), ephemeralOwner (int64), big-endian. */
export const DIGEST_STAT_BYTES = 60;
/** UTF-8 of "/zookeeper/": the nodes under it digest to 0. */
const ZK_PREFIX = Buffer.from("/zookeeper/", "latin1");

/**
 * nodeDigest of a node given as bytes (a snapshot's encoded row, no strings or BigInts made): its path's UTF-8 in
 * `buf[pathStart, pathEnd)` (the root as "" or "/"), its data in `buf[dataStart, dataEnd)` (dataStart < 0: null),
 * and its stat as the DIGEST_STAT_BYTES block `stat` (the order and widths nodeDigest hashes them in).
 */
export function nodeDigestOfBytes(buf: Uint8Array, pathStart: number, pathEnd: number, dataStart: number, dataEnd: number, stat: Uint8Array): number {
  const n = pathEnd - pathStart;
  if (n >= 11) {
    let k = 0;
    while (k < 11 && buf[pathStart + k] === ZK_PREFIX[k]) k++;
    if (k === 11) return 0;
  }
  let c = -1;
  if (!(n === 1 && buf[pathStart] === 0x2f)) c = crcUpdate(c, buf, pathStart, pathEnd);
  if (dataStart >= 0) c = crcUpdate(c, buf, dataStart, dataEnd);
  c = crcUpdate(c, stat, 0, DIGEST_STAT_BYTES);
  return (c ^ -1) >>> 0;
}

/** |partial sum| past which it is folded into the BigInt total (2^52: adding a 2^32 term stays exact). */
const SUM_FOLD = 2 ** 52;

/**
 * A sum of node digests (AdHash), kept as a Number while it is exact (each term is below 2^32) and folded into a
 * BigInt total only when it grows large, instead of one BigInt addition per term.
 */
export class DigestSum {
  private total = 0n;
  private part = 0;

  add(d: number): void {
    const h = this.part + d;
    if (h > SUM_FOLD || h < -SUM_FOLD) {
      this.total += BigInt(h);
      this.part = 0;
    } else {
      this.part = h;
    }
  }

  /** The sum (not wrapped). */
  value(): bigint {
    return this.total + BigInt(this.part);
  }

  /** Starts the sum again from `sum`. */
  set(sum: bigint): void {
    this.total = sum;
    this.part = 0;
  }
}
