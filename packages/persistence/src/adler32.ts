const MOD = 65521;
// Largest n such that 255n(n+1)/2 + (n+1)(MOD-1) <= 2^32-1: sums stay exact in uint32 arithmetic.
const NMAX = 5552;

/**
 * Adler-32 (RFC 1950), the checksum java.util.zip.Adler32 computes and ZooKeeper's txn log stores.
 * `prev` continues a running checksum (start value 1).
 */
export function adler32(bytes: Uint8Array, prev = 1, start = 0, end = bytes.length): number {
  let a = prev & 0xffff;
  let b = (prev >>> 16) & 0xffff;
  let i = start;
  while (i < end) {
    const stop = Math.min(end, i + NMAX);
    for (; i < stop; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
