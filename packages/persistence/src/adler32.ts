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
    // 8 bytes a step: b gains 8a plus the bytes weighted 8..1 (fewer loop-carried dependencies than per byte)
    for (const stop8 = stop - 7; i < stop8; i += 8) {
      const x0 = bytes[i]!;
      const x1 = bytes[i + 1]!;
      const x2 = bytes[i + 2]!;
      const x3 = bytes[i + 3]!;
      const x4 = bytes[i + 4]!;
      const x5 = bytes[i + 5]!;
      const x6 = bytes[i + 6]!;
      const x7 = bytes[i + 7]!;
      b += 8 * a + 8 * x0 + 7 * x1 + 6 * x2 + 5 * x3 + 4 * x4 + 3 * x5 + 2 * x6 + x7;
      a += x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    }
    for (; i < stop; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
