/**
 * The constant tables of the request pipeline, in one place: which opcodes exist, which are writes, the txn
 * record codec of each txn type, the 4lw names of the last op, the reads that may be answered early, the
 * ephemeralOwner encodings of containers and TTL nodes, and the response codec lookup. (Moved verbatim out of
 * server.ts; the "rules" work replaces them with shared tables in client-wire/datatree.)
 */
import {
  CheckVersionTxn,
  CloseSessionTxn,
  CreateContainerTxn,
  CreateSessionTxn,
  CreateTTLTxn,
  CreateTxn,
  DeleteTxn,
  ErrorTxn,
  OutputArchive,
  SetACLTxn,
  SetDataTxn,
  MultiTxn,
  TxnHeader as TxnHeaderCodec,
  encode,
  type Codec,
  type Stat,
  type TxnHeader,
} from "@zkts/jute";
import { OpCode, responseCodec } from "@zkts/client-wire";

export const CONTAINER_OWNER = -(1n << 63n);
export const TTL_MASK = 0xff00000000000000n;
export const MAX_TTL = 0x000000ffffffffffn;

/**
 * Opcodes the reference server (3.8.0) processes; anything else (notification 0, unknown numbers) gets
 * UNIMPLEMENTED and the connection is closed. 3.8.6 also rejects a standalone check (13); 3.8.0 runs it as a write
 * (consuming a zxid) and answers only when it fails.
 */
export const VALID_TYPES = new Set<number>([
  OpCode.check,
  OpCode.closeSession,
  OpCode.create,
  OpCode.create2,
  OpCode.createTTL,
  OpCode.createContainer,
  OpCode.createSession,
  OpCode.delete,
  OpCode.deleteContainer,
  OpCode.exists,
  OpCode.getACL,
  OpCode.getChildren,
  OpCode.getAllChildrenNumber,
  OpCode.getChildren2,
  OpCode.getData,
  OpCode.getEphemerals,
  OpCode.multi,
  OpCode.multiRead,
  OpCode.ping,
  OpCode.reconfig,
  OpCode.setACL,
  OpCode.setData,
  OpCode.setWatches,
  OpCode.setWatches2,
  OpCode.sync,
  OpCode.checkWatches,
  OpCode.removeWatches,
  OpCode.addWatch,
  OpCode.whoAmI,
]);

export const WRITE_TYPES = new Set<number>([
  OpCode.create,
  OpCode.create2,
  OpCode.createTTL,
  OpCode.createContainer,
  OpCode.delete,
  OpCode.deleteContainer,
  OpCode.setData,
  OpCode.setACL,
  OpCode.check,
  OpCode.multi,
  OpCode.reconfig,
  OpCode.createSession,
  OpCode.closeSession,
]);

export const LAST_OP: Record<number, string> = {
  [OpCode.ping]: "PING",
  [OpCode.createSession]: "SESS",
  [OpCode.multi]: "MULT",
  [OpCode.multiRead]: "MLTR",
  [OpCode.create]: "CREA",
  [OpCode.create2]: "CREA",
  [OpCode.createTTL]: "CREA",
  [OpCode.createContainer]: "CREA",
  [OpCode.delete]: "DELE",
  [OpCode.deleteContainer]: "DELE",
  [OpCode.setData]: "SETD",
  [OpCode.reconfig]: "RECO",
  [OpCode.setACL]: "SETA",
  [OpCode.closeSession]: "CLOS",
  [OpCode.sync]: "SYNC",
  [OpCode.check]: "CHEC",
  [OpCode.exists]: "EXIS",
  [OpCode.getData]: "GETD",
  [OpCode.setWatches]: "SETW",
  [OpCode.setWatches2]: "STW2",
  [OpCode.addWatch]: "ADDW",
  [OpCode.getACL]: "GETA",
  [OpCode.getChildren]: "GETC",
  [OpCode.getChildren2]: "GETC",
  [OpCode.getAllChildrenNumber]: "GETACN",
  [OpCode.checkWatches]: "CHKW",
  [OpCode.removeWatches]: "REMW",
  [OpCode.whoAmI]: "HOMI",
  [OpCode.getEphemerals]: "GETE",
};

/** Reads that may be answered ahead of queued writes (see canAnswerNow); each request starts with its path. */
export const IMMEDIATE_READS = new Set<number>([
  OpCode.ping,
  OpCode.getData,
  OpCode.exists,
  OpCode.getChildren,
  OpCode.getChildren2,
  OpCode.getACL,
]);

export function encodeTxnRecord(type: number, txn: unknown): Buffer {
  const codec = TXN_CODECS[type];
  if (codec === undefined) return Buffer.alloc(0);
  return encode(codec, txn);
}

export const TXN_CODECS: Record<number, Codec<any>> = {
  [OpCode.create]: CreateTxn,
  [OpCode.create2]: CreateTxn,
  [OpCode.createTTL]: CreateTTLTxn,
  [OpCode.createContainer]: CreateContainerTxn,
  [OpCode.delete]: DeleteTxn,
  [OpCode.deleteContainer]: DeleteTxn,
  [OpCode.setData]: SetDataTxn,
  [OpCode.reconfig]: SetDataTxn,
  [OpCode.setACL]: SetACLTxn,
  [OpCode.check]: CheckVersionTxn,
  [OpCode.createSession]: CreateSessionTxn,
  [OpCode.closeSession]: CloseSessionTxn,
  [OpCode.error]: ErrorTxn,
  [OpCode.multi]: MultiTxn,
};

/** Serialises a txn (header + record) as ZooKeeper logs it (an ensemble leader proposes these bytes). */
export function encodeTxn(header: TxnHeader, txn: unknown): Buffer {
  const out = new OutputArchive(128);
  TxnHeaderCodec.write(out, header);
  const codec = TXN_CODECS[header.type];
  if (codec !== undefined && txn !== null && txn !== undefined) codec.write(out, txn);
  return out.toBuffer();
}

export function responseCodecOf(type: number): Codec<any> | null {
  const c = responseCodec(type);
  return c === undefined ? null : c;
}

export function zeroStat(): Stat {
  return {
    czxid: 0n,
    mzxid: 0n,
    ctime: 0n,
    mtime: 0n,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    dataLength: 0,
    numChildren: 0,
    pzxid: 0n,
  };
}
