import type { StatPersisted } from "@zkts/jute";

/** DigestCalculator's digest version. */
export const DIGEST_VERSION = 2;

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crcUpdate(crc: number, b: Uint8Array): number {
  let c = crc;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/** CRC32 (java.util.zip.CRC32) of a byte string, as an unsigned number. */
export function crc32(...parts: Uint8Array[]): number {
  let c = -1;
  for (const p of parts) c = crcUpdate(c, p);
  return (c ^ -1) >>> 0;
}

const statBuf = Buffer.alloc(60);

/**
 * DigestCalculator.calculateDigest: CRC32 over path bytes, data, then czxid, mzxid, pzxid, ctime, mtime,
 * version, cversion, aversion, ephemeralOwner (big-endian). Nodes under `/zookeeper/` digest to 0 and `/`
 * digests as "".
 */
export function nodeDigest(path: string, data: Buffer | null, stat: StatPersisted): number {
  if (path.startsWith("/zookeeper/")) return 0;
  const p = path === "/" ? "" : path;
  statBuf.writeBigInt64BE(BigInt.asIntN(64, stat.czxid), 0);
  statBuf.writeBigInt64BE(BigInt.asIntN(64, stat.mzxid), 8);
  statBuf.writeBigInt64BE(BigInt.asIntN(64, stat.pzxid), 16);
  statBuf.writeBigInt64BE(BigInt.asIntN(64, stat.ctime), 24);
  statBuf.writeBigInt64BE(BigInt.asIntN(64, stat.mtime), 32);
  statBuf.writeInt32BE(stat.version | 0, 40);
  statBuf.writeInt32BE(stat.cversion | 0, 44);
  statBuf.writeInt32BE(stat.aversion | 0, 48);
  statBuf.writeBigInt64BE(BigInt.asIntN(64, stat.ephemeralOwner), 52);
  return data ? crc32(Buffer.from(p, "utf8"), data, statBuf) : crc32(Buffer.from(p, "utf8"), statBuf);
}
