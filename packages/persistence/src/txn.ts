import {
  CheckVersionTxn,
  CloseSessionTxn,
  CreateContainerTxn,
  CreateSessionTxn,
  CreateTTLTxn,
  CreateTxn,
  CreateTxnV0,
  DeleteTxn,
  ErrorTxn,
  InputArchive,
  MultiTxn,
  OutputArchive,
  SetACLTxn,
  SetDataTxn,
  TxnDigest,
  TxnHeader,
  type Codec,
} from "@zkts/jute";

/** Txn types that appear in a txn log (TxnHeader.type), as org.apache.zookeeper.ZooDefs.OpCode. */
export const TxnType = {
  create: 1,
  delete: 2,
  setData: 5,
  setACL: 7,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

/** The record that follows a TxnHeader of the given type (null: none), as ZooKeeper's SerializeUtils.deserializeTxn. */
export function txnCodecFor(type: number): Codec<any> | null {
  switch (type) {
    case TxnType.createSession:
      return CreateSessionTxn;
    case TxnType.closeSession:
      return CloseSessionTxn;
    case TxnType.create:
    case TxnType.create2:
      return CreateTxn;
    case TxnType.createTTL:
      return CreateTTLTxn;
    case TxnType.createContainer:
      return CreateContainerTxn;
    case TxnType.delete:
    case TxnType.deleteContainer:
      return DeleteTxn;
    case TxnType.reconfig:
    case TxnType.setData:
      return SetDataTxn;
    case TxnType.setACL:
      return SetACLTxn;
    case TxnType.check:
      return CheckVersionTxn;
    case TxnType.error:
      return ErrorTxn;
    case TxnType.multi:
      return MultiTxn;
    default:
      return null;
  }
}

/**
 * The bytes of one log entry's payload: TxnHeader, then the txn record (if any), then the TxnDigest (if
 * digests are enabled) - exactly what ZooKeeper's Util.marshallTxnEntry produces and what the entry's
 * Adler32 checksum covers.
 */
export function marshalTxn(header: TxnHeader, txn: unknown | null, digest?: TxnDigest | null): Buffer {
  const out = new OutputArchive(128);
  TxnHeader.write(out, header);
  if (txn !== null && txn !== undefined) {
    const codec = txnCodecFor(header.type);
    if (!codec) throw new TypeError(`no txn record for txn type ${header.type}`);
    codec.write(out, txn);
  }
  if (digest) TxnDigest.write(out, digest);
  return out.toBuffer();
}

export interface DecodedTxn {
  header: TxnHeader;
  /** The decoded record for header.type, or null (a closeSession without CloseSessionTxn). */
  txn: unknown | null;
  digest: TxnDigest | null;
}

const DECODE_LIMIT = { maxBuffer: 0x7fffffff };

/** The zxid of a marshalled payload (TxnHeader.zxid at bytes 12..20). */
export function payloadZxid(payload: Uint8Array): bigint {
  if (payload.length < 32) throw new RangeError(`txn payload too short (${payload.length} bytes) for a TxnHeader`);
  return Buffer.from(payload.buffer, payload.byteOffset, payload.length).readBigInt64BE(12);
}

/**
 * Decodes a log entry payload as ZooKeeper's SerializeUtils.deserializeTxn does: a CreateTxn without
 * parentCVersion is read as CreateTxnV0 (parentCVersion -1); a closeSession without a body has txn null;
 * a TxnDigest is read when 12 more bytes follow.
 */
export function decodeTxn(payload: Uint8Array): DecodedTxn {
  const inp = new InputArchive(payload, DECODE_LIMIT);
  const header = TxnHeader.read(inp);
  const codec = txnCodecFor(header.type);
  if (!codec) throw new TypeError(`unsupported txn type ${header.type} (zxid 0x${header.zxid.toString(16)})`);
  const mark = inp.offset;
  const rest = payload.subarray(mark);
  let txn: unknown | null;
  let used: number;
  try {
    const r = new InputArchive(rest, DECODE_LIMIT);
    txn = codec.read(r);
    used = r.offset;
  } catch (e) {
    if (header.type === TxnType.create) {
      const r = new InputArchive(rest, DECODE_LIMIT);
      const v0 = CreateTxnV0.read(r);
      txn = { ...v0, parentCVersion: -1 };
      used = r.offset;
    } else if (header.type === TxnType.closeSession) {
      txn = null;
      used = 0;
    } else {
      throw e;
    }
  }
  let digest: TxnDigest | null = null;
  const left = rest.subarray(used);
  if (left.length >= 12) digest = TxnDigest.read(new InputArchive(left, DECODE_LIMIT));
  return { header, txn, digest };
}
