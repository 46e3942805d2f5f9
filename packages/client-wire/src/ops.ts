/**
 * The opcode descriptor table: everything ZooKeeper 3.8 says about one opcode (ZooDefs.OpCode), in one row.
 * Server pipeline, txn log, read-only mode, client and CLI all read this table; nothing else lists opcodes by
 * property (which ops a multi may hold is MultiOperationRecord's rule, in multi.ts). Lookups are array indexed (`opInfo(code)`), so they cost nothing on the request path.
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
  MultiTxn,
  SetACLTxn,
  SetDataTxn,
  type Codec,
} from "@zkts/jute";
import { requestCodecs, responseCodecs } from "./codecs.js";
import { OpCode } from "./constants.js";

export interface OpDescriptor {
  readonly code: number;
  /** Request.op2String: what ZooKeeper's logs, `cons`/`mntr` and the CLI print for the opcode. */
  readonly name: string;
  /** The `lastOp` of `cons` / ServerCnxn.getLastOperation (FinalRequestProcessor's short names); "NA" when none. */
  readonly lastOp: string;
  /** The request body a client sends: a Codec, null for header only, undefined when a client may not send it. */
  readonly request: Codec<unknown> | null | undefined;
  /** The reply body when err is 0: a Codec, null for header only, undefined when there is no reply. */
  readonly response: Codec<unknown> | null | undefined;
  /** The record after a TxnHeader of this type (SerializeUtils.deserializeTxn); undefined: not a txn type. */
  readonly txn: Codec<unknown> | undefined;
  /** May appear as a sub-txn of a MultiTxn (DataTree.processTxn's multi branch). */
  readonly subTxn: boolean;
  /** Processed by the reference server (3.8.0); anything else is UNIMPLEMENTED and closes the connection. */
  readonly served: boolean;
  /** Changes state: prepared as a txn, gets a zxid, is forwarded to the leader by a learner. */
  readonly write: boolean;
  /** ReadOnlyRequestProcessor answers it NOTREADONLY. */
  readonly readOnlyRefused: boolean;
  /**
   * A ping, or a read of one node whose request body starts with that node's path: a server may answer it ahead
   * of queued writes when none of them changes that path.
   */
  readonly immediateRead: boolean;
}

interface Row {
  name: string;
  lastOp?: string;
  txn?: Codec<unknown>;
  subTxn?: boolean;
  served?: boolean;
  write?: boolean;
  readOnlyRefused?: boolean;
  immediateRead?: boolean;
}

const c = (codec: Codec<any>): Codec<unknown> => codec as Codec<unknown>;

/**
 * MultiTxn's codec in the table (what the txn log and proposals write): a sub-txn whose `data` is null and that
 * carries its `record` instead (core's prep hands them so: @zkts/datatree's PreparedSubTxn) has the record written
 * in place as its `data` buffer, length first, exactly the bytes encoding it into a buffer of its own would give,
 * without that buffer and its copy. Reads as MultiTxn (sub-txns with `data`).
 */
const MULTI_TXN: Codec<unknown> = {
  name: MultiTxn.name,
  minSize: MultiTxn.minSize,
  read: (inp) => MultiTxn.read(inp),
  write(out, v) {
    const txns = (v as { txns: ReadonlyArray<{ type: number; data: Uint8Array | null; record?: unknown }> }).txns;
    out.writeInt(txns.length);
    for (let i = 0; i < txns.length; i++) {
      const t = txns[i]!;
      out.writeInt(t.type);
      if (t.data !== null || t.record === undefined) {
        out.writeBuffer(t.data);
        continue;
      }
      const row = ROWS[t.type];
      const codec = row?.subTxn === true ? row.txn : undefined;
      if (codec === undefined) throw new RangeError(`unsupported txn type ${t.type} in a multi`);
      const mark = out.beginFrame();
      codec.write(out, t.record);
      out.endFrame(mark);
    }
  },
};

/** One row per ZooDefs.OpCode. */
const ROWS: Record<number, Row> = {
  [OpCode.notification]: { name: "notification" },
  [OpCode.create]: { name: "create", lastOp: "CREA", txn: c(CreateTxn), subTxn: true, served: true, write: true, readOnlyRefused: true },
  [OpCode.delete]: { name: "delete", lastOp: "DELE", txn: c(DeleteTxn), subTxn: true, served: true, write: true, readOnlyRefused: true },
  [OpCode.exists]: { name: "exists", lastOp: "EXIS", served: true, immediateRead: true },
  [OpCode.getData]: { name: "getData", lastOp: "GETD", served: true, immediateRead: true },
  [OpCode.setData]: { name: "setData", lastOp: "SETD", txn: c(SetDataTxn), subTxn: true, served: true, write: true, readOnlyRefused: true },
  [OpCode.getACL]: { name: "getACL", lastOp: "GETA", served: true, immediateRead: true },
  [OpCode.setACL]: { name: "setACL", lastOp: "SETA", txn: c(SetACLTxn), subTxn: true, served: true, write: true, readOnlyRefused: true },
  [OpCode.getChildren]: { name: "getChildren", lastOp: "GETC", served: true, immediateRead: true },
  [OpCode.sync]: { name: "sync", lastOp: "SYNC", served: true, readOnlyRefused: true },
  [OpCode.ping]: { name: "ping", lastOp: "PING", served: true, immediateRead: true },
  [OpCode.getChildren2]: { name: "getChildren2", lastOp: "GETC", served: true, immediateRead: true },
  // 3.8.0 runs a standalone check as a write (consuming a zxid) and answers only when it fails; 3.8.6 rejects it.
  [OpCode.check]: { name: "check", lastOp: "CHEC", txn: c(CheckVersionTxn), subTxn: true, served: true, write: true, readOnlyRefused: true },
  [OpCode.multi]: { name: "multi", lastOp: "MULT", txn: MULTI_TXN, served: true, write: true, readOnlyRefused: true },
  [OpCode.create2]: { name: "create2", lastOp: "CREA", txn: c(CreateTxn), subTxn: true, served: true, write: true, readOnlyRefused: true },
  [OpCode.reconfig]: { name: "reconfig", lastOp: "RECO", txn: c(SetDataTxn), served: true, write: true, readOnlyRefused: true },
  [OpCode.checkWatches]: { name: "checkWatches", lastOp: "CHKW", served: true },
  [OpCode.removeWatches]: { name: "removeWatches", lastOp: "REMW", served: true },
  [OpCode.createContainer]: { name: "createContainer", lastOp: "CREA", txn: c(CreateContainerTxn), subTxn: true, served: true, write: true, readOnlyRefused: true },
  [OpCode.deleteContainer]: { name: "deleteContainer", lastOp: "DELE", txn: c(DeleteTxn), subTxn: true, served: true, write: true, readOnlyRefused: true },
  [OpCode.createTTL]: { name: "createTtl", lastOp: "CREA", txn: c(CreateTTLTxn), subTxn: true, served: true, write: true, readOnlyRefused: true },
  [OpCode.multiRead]: { name: "multiRead", lastOp: "MLTR", served: true },
  [OpCode.auth]: { name: "auth" },
  [OpCode.setWatches]: { name: "setWatches", lastOp: "SETW", served: true },
  [OpCode.sasl]: { name: "sasl" },
  [OpCode.getEphemerals]: { name: "getEphemerals", lastOp: "GETE", served: true },
  [OpCode.getAllChildrenNumber]: { name: "getAllChildrenNumber", lastOp: "GETACN", served: true },
  [OpCode.setWatches2]: { name: "setWatches2", lastOp: "STW2", served: true },
  // Request.op2String has no case for addWatch in 3.8: it prints "unknown 106".
  [OpCode.addWatch]: { name: "unknown 106", lastOp: "ADDW", served: true },
  [OpCode.whoAmI]: { name: "whoAmI", lastOp: "HOMI", served: true },
  [OpCode.createSession]: { name: "createSession", lastOp: "SESS", txn: c(CreateSessionTxn), served: true, write: true },
  [OpCode.closeSession]: { name: "closeSession", lastOp: "CLOS", txn: c(CloseSessionTxn), served: true, write: true },
  [OpCode.error]: { name: "error", txn: c(ErrorTxn), subTxn: true },
};

/** Lowest and highest opcode ZooKeeper defines (closeSession -11, whoAmI 107). */
const MIN_OP = -11;
const MAX_OP = 107;

function describe(code: number, row: Row | undefined): OpDescriptor {
  const has = (t: object) => Object.prototype.hasOwnProperty.call(t, code);
  return Object.freeze({
    code,
    name: row?.name ?? `unknown ${code}`,
    lastOp: row?.lastOp ?? "NA",
    request: has(requestCodecs) ? (requestCodecs[code as keyof typeof requestCodecs] as Codec<unknown> | null) : undefined,
    response: has(responseCodecs) ? (responseCodecs[code as keyof typeof responseCodecs] as Codec<unknown> | null) : undefined,
    txn: row?.txn,
    subTxn: row?.subTxn ?? false,
    served: row?.served ?? false,
    write: row?.write ?? false,
    readOnlyRefused: row?.readOnlyRefused ?? false,
    immediateRead: row?.immediateRead ?? false,
  });
}

const TABLE: readonly OpDescriptor[] = Array.from({ length: MAX_OP - MIN_OP + 1 }, (_, i) =>
  describe(i + MIN_OP, ROWS[i + MIN_OP]),
);

/**
 * The descriptor of an opcode. Never undefined: a number ZooKeeper does not define gets a descriptor with
 * every flag false and no codecs (so hot paths need no undefined check).
 */
export function opInfo(code: number): OpDescriptor {
  if (code >= MIN_OP && code <= MAX_OP && (code | 0) === code) return TABLE[code - MIN_OP]!;
  return describe(code, undefined);
}

/** Every opcode ZooKeeper defines, in numeric order. */
export function allOps(): readonly OpDescriptor[] {
  return TABLE.filter((d) => Object.prototype.hasOwnProperty.call(ROWS, d.code));
}

/** Request.op2String: `opString(15) === "create2"`, `opString(99) === "unknown 99"`. */
export function opString(code: number): string {
  return opInfo(code).name;
}

/**
 * The codec of a request's body: a Codec, `null` when the request is header only, `undefined` when the
 * opcode is not one a client may send (notification, createSession, error and unknown numbers).
 */
export function requestCodec(opcode: number): Codec<unknown> | null | undefined {
  return opInfo(opcode).request;
}

/**
 * The codec of a reply's body when its err is 0: a Codec, `null` when the reply is header only,
 * `undefined` for an unknown opcode.
 */
export function responseCodec(opcode: number): Codec<unknown> | null | undefined {
  return opInfo(opcode).response;
}
