/**
 * Txns: TxnHeader + the record of its type (+ an optional TxnDigest), as ZooKeeper logs and proposes them
 * (Util.marshallTxnEntry / SerializeUtils.deserializeTxn). The type -> record table is the `txn` column of the
 * opcode descriptor table (ops.ts); an unknown type is an UnknownTxnTypeError, never a header-only txn.
 */
import {
  CreateTxnV0,
  InputArchive,
  OutputArchive,
  TxnDigest,
  TxnHeader,
  encode,
  type Codec,
} from "@zkts/jute";
import { ErrorCode, OpCode } from "./constants.js";
import { KeeperError } from "./errors.js";
import { opInfo } from "./ops.js";

/** Txn types that appear in a txn log (TxnHeader.type): the opcodes with a txn record. */
export const TxnType = {
  create: OpCode.create,
  delete: OpCode.delete,
  setData: OpCode.setData,
  setACL: OpCode.setACL,
  check: OpCode.check,
  multi: OpCode.multi,
  create2: OpCode.create2,
  reconfig: OpCode.reconfig,
  createContainer: OpCode.createContainer,
  deleteContainer: OpCode.deleteContainer,
  createTTL: OpCode.createTTL,
  createSession: OpCode.createSession,
  closeSession: OpCode.closeSession,
  error: OpCode.error,
} as const;

/** A TxnHeader type without a txn record (SerializeUtils: "Unsupported Txn"); MARSHALLINGERROR. */
export class UnknownTxnTypeError extends KeeperError {
  constructor(
    readonly type: number,
    context = "",
  ) {
    super(ErrorCode.MARSHALLINGERROR, undefined, `unsupported txn type ${type}${context}`);
  }
}

/** The record that follows a TxnHeader of `type`; throws UnknownTxnTypeError for a type without one. */
export function txnCodec(type: number): Codec<unknown> {
  const codec = opInfo(type).txn;
  if (codec === undefined) throw new UnknownTxnTypeError(type);
  return codec;
}

/** The record of a sub-txn of a MultiTxn; throws UnknownTxnTypeError for a type a multi cannot hold. */
export function subTxnCodec(type: number): Codec<unknown> {
  const d = opInfo(type);
  if (!d.subTxn || d.txn === undefined) throw new UnknownTxnTypeError(type, " in a multi");
  return d.txn;
}

/**
 * Writes TxnHeader + record (when `txn` is neither null nor undefined: a closeSession may have none) to `out`.
 * Throws UnknownTxnTypeError, before writing anything, when the header's type has no txn record.
 */
export function writeTxn(out: OutputArchive, header: TxnHeader, txn: unknown): void {
  const codec = txnCodec(header.type);
  TxnHeader.write(out, header);
  if (txn !== null && txn !== undefined) codec.write(out, txn);
}

/** encodeTxn's archive (see there). */
const SCRATCH_SIZE = 1024;
const SCRATCH_KEEP = 64 * 1024;
let scratch = new OutputArchive(SCRATCH_SIZE);
let scratchBusy = false;

/**
 * The bytes of one txn: TxnHeader, the record (if any), the TxnDigest (if given) - what ZooKeeper's
 * Util.marshallTxnEntry produces, what a txn log entry's checksum covers and what a leader proposes.
 */
export function encodeTxn(header: TxnHeader, txn: unknown, digest?: TxnDigest | null): Buffer {
  // Written into one reused archive, then copied out once: a fresh 128-byte archive outgrown by most txns (a
  // 100-byte value) cost three buffers and two copies. (A codec that encoded a txn while writing gets its own.)
  const out = scratchBusy ? new OutputArchive(SCRATCH_SIZE) : scratch;
  const own = out !== scratch;
  out.reset();
  scratchBusy = true;
  try {
    writeTxn(out, header, txn);
    if (digest) TxnDigest.write(out, digest);
    return out.toBuffer();
  } finally {
    if (!own) {
      scratchBusy = false;
      // a huge txn does not pin its buffer
      if (out.capacity > SCRATCH_KEEP) scratch = new OutputArchive(SCRATCH_SIZE);
    }
  }
}

/** The record alone (a sub-txn's `data` in a MultiTxn). */
export function encodeTxnRecord(type: number, txn: unknown): Buffer {
  return encode(txnCodec(type), txn);
}

export interface DecodeTxnOptions {
  /**
   * The record's buffers (a create's or setData's data, a multi's sub-txns) are views into `payload`, not copies:
   * for a payload nobody modifies, whose reader copies what it keeps (the datatree keeps its own copy of node data).
   */
  views?: boolean;
}

export interface DecodedTxn {
  header: TxnHeader;
  /** The decoded record for header.type, or null (a closeSession without CloseSessionTxn). */
  txn: unknown | null;
  digest: TxnDigest | null;
}

const DECODE_LIMIT = { maxBuffer: 0x7fffffff };
const DECODE_VIEWS = { maxBuffer: 0x7fffffff, views: true };

/**
 * Decodes a txn as ZooKeeper's SerializeUtils.deserializeTxn does: a CreateTxn without parentCVersion is read
 * as CreateTxnV0 (parentCVersion -1); a closeSession without a body has txn null; a TxnDigest is read when 12
 * more bytes follow. Throws UnknownTxnTypeError for a type without a txn record.
 */
export function decodeTxn(payload: Uint8Array, options: DecodeTxnOptions = {}): DecodedTxn {
  const views = options.views === true;
  // One archive over the payload: the header, the record and the digest read in place (no sub-buffers).
  const inp = new InputArchive(payload, views ? DECODE_VIEWS : DECODE_LIMIT);
  const header = TxnHeader.read(inp);
  const codec = opInfo(header.type).txn;
  if (codec === undefined) throw new UnknownTxnTypeError(header.type, ` (zxid 0x${header.zxid.toString(16)})`);
  const start = inp.offset;
  let r = inp;
  let txn: unknown | null;
  try {
    txn = codec.read(r);
  } catch (e) {
    if (header.type === TxnType.create) {
      r = new InputArchive(payload, { maxBuffer: DECODE_LIMIT.maxBuffer, offset: start, views });
      const v0 = CreateTxnV0.read(r);
      txn = { ...v0, parentCVersion: -1 };
    } else if (header.type === TxnType.closeSession) {
      txn = null;
      r = new InputArchive(payload, { maxBuffer: DECODE_LIMIT.maxBuffer, offset: start, views });
    } else {
      throw e;
    }
  }
  const digest = r.remaining >= 12 ? TxnDigest.read(r) : null;
  return { header, txn, digest };
}
