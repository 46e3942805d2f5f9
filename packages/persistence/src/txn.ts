/**
 * Txns in the log: the encoding itself (TxnHeader + record + digest, type -> record) is @zkts/client-wire's one
 * copy; the log only adds how to find a payload's zxid.
 */
import { decodeTxn, encodeTxn, txnCodec, TxnType, type DecodedTxn } from "@zkts/client-wire";

export { decodeTxn, TxnType, type DecodedTxn };

/** The record that follows a TxnHeader of the given type; throws UnknownTxnTypeError for a type without one. */
export const txnCodecFor = txnCodec;

/**
 * The bytes of one log entry's payload: TxnHeader, then the txn record (if any), then the TxnDigest (if
 * digests are enabled) - exactly what ZooKeeper's Util.marshallTxnEntry produces and what the entry's
 * Adler32 checksum covers.
 */
export const marshalTxn = encodeTxn;

/** The zxid of a marshalled payload (TxnHeader.zxid at bytes 12..20). */
export function payloadZxid(payload: Uint8Array): bigint {
  if (payload.length < 32) throw new RangeError(`txn payload too short (${payload.length} bytes) for a TxnHeader`);
  return Buffer.from(payload.buffer, payload.byteOffset, payload.length).readBigInt64BE(12);
}
