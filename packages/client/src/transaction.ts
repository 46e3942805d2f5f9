/**
 * Transactions and batched reads, as the Java client's Op, OpResult and Transaction: the builder, the multi and
 * multiRead request ops, and the per-op results (or the TransactionError naming the failing op).
 */
import { ErrorCode, OpCode, type CreateMode, type MultiOp, type OpResult } from "@zkts/client-wire";
import type { ACL } from "@zkts/jute";
import { stripChroot } from "./connect-string.js";
import { errorFromCode, MarshallingError, TransactionError } from "./errors.js";
import { createOp, isSequential, modeOf, toBuffer } from "./requests.js";
import type { CallOptions, CreateModeName, Data, ReadOp, ReadResult, TxnOp, TxnResult } from "./types.js";
import type { ZooKeeperClient } from "./client.js";

/** Maps a client path to the server's (validated; `sequential` allows a trailing "/" for sequential creates). */
export type ServerPath = (path: string, sequential?: boolean) => string;

/** The multi request's ops. */
export function multiOps(ops: TxnOp[], serverPath: ServerPath): MultiOp[] {
  return ops.map((op) => {
    switch (op.type) {
      case "create": {
        const mode = modeOf(op.mode);
        return createOp(serverPath(op.path, isSequential(mode)), op.data, mode, op.acl, op.ttl);
      }
      case "delete":
        return { type: OpCode.delete, body: { path: serverPath(op.path), version: op.version ?? -1 } };
      case "setData":
        return { type: OpCode.setData, body: { path: serverPath(op.path), data: toBuffer(op.data), version: op.version ?? -1 } };
      case "check":
        return { type: OpCode.check, body: { path: serverPath(op.path), version: op.version } };
      default:
        throw new TypeError(`unknown transaction op ${(op as { type: string }).type}`);
    }
  });
}

/**
 * The results of a multi: one per op, or TransactionError for the failing op (the first error that is not
 * RuntimeInconsistency, else the first error), carrying every op's error.
 */
export function multiResults(results: OpResult[], ops: TxnOp[], chroot: string): TxnResult[] {
  const errors = results.map((res, i) => (res.type === OpCode.error && res.err !== 0 ? errorFromCode(res.err, ops[i]?.path) : null));
  const failed = errors.findIndex((e) => e !== null && e.code !== ErrorCode.RUNTIMEINCONSISTENCY);
  const first = failed >= 0 ? failed : errors.findIndex((e) => e !== null);
  if (first >= 0) {
    const e = errors[first]!;
    throw new TransactionError(e.code, ops[first]?.path, first, ops[first]?.type ?? "?", errors);
  }
  return results.map((res): TxnResult => {
    switch (res.type) {
      case OpCode.create:
        return { type: "create", path: stripChroot(chroot, res.body.path), stat: null };
      case OpCode.create2:
        return { type: "create", path: stripChroot(chroot, res.body.path), stat: res.body.stat };
      case OpCode.delete:
        return { type: "delete" };
      case OpCode.setData:
        return { type: "setData", stat: res.body.stat };
      case OpCode.check:
        return { type: "check" };
      default:
        throw new MarshallingError(undefined, `unexpected multi result type ${res.type}`);
    }
  });
}

/** The multiRead request's ops. */
export function readOps(ops: ReadOp[], serverPath: ServerPath): MultiOp[] {
  return ops.map((op) =>
    op.type === "getData"
      ? { type: OpCode.getData, body: { path: serverPath(op.path), watch: false } }
      : { type: OpCode.getChildren, body: { path: serverPath(op.path), watch: false } },
  );
}

/** The results of a multiRead: each op's data, children or error. */
export function readResults(results: OpResult[], ops: ReadOp[]): ReadResult[] {
  return results.map((res, i): ReadResult => {
    switch (res.type) {
      case OpCode.getData:
        return { type: "getData", data: res.body.data, stat: res.body.stat };
      case OpCode.getChildren:
        return { type: "getChildren", children: res.body.children };
      default:
        return { type: "error", error: errorFromCode(res.err || (res.body as { err: number }).err, ops[i]?.path) };
    }
  });
}

/** Builder for a multi: every method adds an op; `commit()` runs them atomically. */
export class Transaction {
  private readonly ops: TxnOp[] = [];
  constructor(private readonly client: ZooKeeperClient) {}
  create(path: string, data?: Data, options: { mode?: CreateMode | CreateModeName; acl?: ACL[]; ttl?: number | bigint } = {}): this {
    this.ops.push({ type: "create", path, data, ...options });
    return this;
  }
  delete(path: string, version = -1): this {
    this.ops.push({ type: "delete", path, version });
    return this;
  }
  setData(path: string, data: Data, version = -1): this {
    this.ops.push({ type: "setData", path, data, version });
    return this;
  }
  check(path: string, version: number): this {
    this.ops.push({ type: "check", path, version });
    return this;
  }
  get size(): number {
    return this.ops.length;
  }
  commit(options: CallOptions = {}): Promise<TxnResult[]> {
    return this.client.multi(this.ops, options);
  }
}
