import { adler32 } from "./adler32.js";

/** "ZKLG": the magic of a ZooKeeper txn log file header. */
export const TXNLOG_MAGIC = 0x5a4b4c47;
export const TXNLOG_VERSION = 2;
/** FileHeader: int magic, int version, long dbid. */
export const FILE_HEADER_SIZE = 16;
/** Per entry: long checksum + int length before the payload, byte 'B' after it. */
export const ENTRY_OVERHEAD = 13;
/** The end-of-record marker after each entry's payload. */
export const EOR = 0x42;
/** ZooKeeper's default preAllocSize: 64 MiB (zookeeper.preAllocSize is in KiB). */
export const DEFAULT_PREALLOC_SIZE = 64 * 1024 * 1024;
/** The subdirectory ZooKeeper keeps its files in. */
export const VERSION_DIR = "version-2";

/** `log.<lowercase hex zxid>`, as ZooKeeper's Util.makeLogName (Long.toHexString, no padding). */
export function makeLogName(zxid: bigint): string {
  return `log.${BigInt.asUintN(64, zxid).toString(16)}`;
}

/** `snapshot.<lowercase hex zxid>`, as ZooKeeper's Util.makeSnapshotName. */
export function makeSnapshotName(zxid: bigint): string {
  return `snapshot.${BigInt.asUintN(64, zxid).toString(16)}`;
}

/** The zxid in a `<prefix>.<hex>` file name, or undefined if the name is not of that form. */
export function zxidFromName(name: string, prefix: "log" | "snapshot"): bigint | undefined {
  const m = /^([a-z]+)\.([0-9a-fA-F]{1,16})$/.exec(name);
  if (!m || m[1] !== prefix) return undefined;
  return BigInt.asIntN(64, BigInt(`0x${m[2]}`));
}

/**
 * The zxid of a snapshot file name: `snapshot.<hex>`, or ZooKeeper's compressed `snapshot.<hex>.gz` /
 * `snapshot.<hex>.snappy` (SnapStream.StreamMode's extensions); undefined for any other name.
 */
export function parseSnapshotName(name: string): { zxid: bigint; compression: "" | "gz" | "snappy" } | undefined {
  const m = /^snapshot\.([0-9a-fA-F]{1,16})(?:\.(gz|snappy))?$/.exec(name);
  if (!m) return undefined;
  return { zxid: BigInt.asIntN(64, BigInt(`0x${m[1]}`)), compression: (m[2] ?? "") as "" | "gz" | "snappy" };
}

/** The 16-byte FileHeader{ZKLG, 2, dbId}. */
export function logFileHeader(dbId = 0n): Buffer {
  const b = Buffer.alloc(FILE_HEADER_SIZE);
  b.writeInt32BE(TXNLOG_MAGIC, 0);
  b.writeInt32BE(TXNLOG_VERSION, 4);
  b.writeBigInt64BE(dbId, 8);
  return b;
}

/** One framed log entry: long Adler32(payload), int length, payload, 'B'. */
export function frameEntry(payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(payload.length + ENTRY_OVERHEAD);
  b.writeUInt32BE(0, 0);
  b.writeUInt32BE(adler32(payload), 4);
  b.writeInt32BE(payload.length, 8);
  b.set(payload, 12);
  b[12 + payload.length] = EOR;
  return b;
}

/**
 * The file size after padding, as ZooKeeper's FilePadding.calculateFileSizeWithPadding: when `position`
 * comes within 4 KiB of the current size, grow by one preAllocSize block (or to the next block boundary
 * past `position` when it already overran).
 */
export function sizeWithPadding(position: number, fileSize: number, preAllocSize: number): number {
  if (preAllocSize > 0 && position + 4096 >= fileSize) {
    if (position > fileSize) {
      const s = position + preAllocSize;
      return s - (s % preAllocSize);
    }
    return fileSize + preAllocSize;
  }
  return fileSize;
}
