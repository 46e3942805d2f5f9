/**
 * multi (14) and multiRead (22) bodies: MultiOperationRecord and MultiResponse. Neither is a jute record; each is
 * a sequence of MultiHeader + op record, ended by MultiHeader(-1, true, -1).
 */
import {
  CheckVersionRequest,
  Create2Response,
  CreateRequest,
  CreateResponse,
  CreateTTLRequest,
  DeleteRequest,
  ErrorResponse,
  GetChildrenRequest,
  GetChildrenResponse,
  GetDataRequest,
  GetDataResponse,
  JuteDecodeError,
  MultiHeader,
  SetDataRequest,
  SetDataResponse,
  type Codec,
  type InputArchive,
  type OutputArchive,
} from "@zkts/jute";
import { ErrorCode, OpCode } from "./constants.js";

/** One op of a multi/multiRead request. */
export type MultiOp =
  | { type: typeof OpCode.create; body: CreateRequest }
  | { type: typeof OpCode.create2; body: CreateRequest }
  | { type: typeof OpCode.createContainer; body: CreateRequest }
  | { type: typeof OpCode.createTTL; body: CreateTTLRequest }
  | { type: typeof OpCode.delete; body: DeleteRequest }
  | { type: typeof OpCode.setData; body: SetDataRequest }
  | { type: typeof OpCode.check; body: CheckVersionRequest }
  | { type: typeof OpCode.getChildren; body: GetChildrenRequest }
  | { type: typeof OpCode.getData; body: GetDataRequest };

/** Body of a multi (14) or multiRead (22) request. */
export interface MultiRequest {
  ops: MultiOp[];
}

/**
 * One result of a multi/multiRead reply. `err` is the MultiHeader's err: 0 except for error results
 * (type -1), where it equals `body.err`.
 */
export type OpResult =
  | { type: typeof OpCode.create; err: number; body: CreateResponse }
  | { type: typeof OpCode.create2; err: number; body: Create2Response }
  | { type: typeof OpCode.delete; err: number; body: null }
  | { type: typeof OpCode.check; err: number; body: null }
  | { type: typeof OpCode.setData; err: number; body: SetDataResponse }
  | { type: typeof OpCode.getChildren; err: number; body: GetChildrenResponse }
  | { type: typeof OpCode.getData; err: number; body: GetDataResponse }
  | { type: typeof OpCode.error; err: number; body: ErrorResponse };

/** Body of a multi (14) or multiRead (22) reply. */
export interface MultiResponse {
  results: OpResult[];
}

const opRecords = new Map<number, Codec<any>>([
  [OpCode.create, CreateRequest],
  [OpCode.create2, CreateRequest],
  [OpCode.createContainer, CreateRequest],
  [OpCode.createTTL, CreateTTLRequest],
  [OpCode.delete, DeleteRequest],
  [OpCode.setData, SetDataRequest],
  [OpCode.check, CheckVersionRequest],
  [OpCode.getChildren, GetChildrenRequest],
  [OpCode.getData, GetDataRequest],
]);
const readOps = new Set<number>([OpCode.getChildren, OpCode.getData]);

const resultRecords = new Map<number, Codec<any> | null>([
  [OpCode.create, CreateResponse],
  [OpCode.create2, Create2Response],
  [OpCode.delete, null],
  [OpCode.check, null],
  [OpCode.setData, SetDataResponse],
  [OpCode.getChildren, GetChildrenResponse],
  [OpCode.getData, GetDataResponse],
  [OpCode.error, ErrorResponse],
]);

const END = { type: -1, done: true, err: -1 } as const;

function step(e: unknown, name: string, k: number): never {
  if (e instanceof JuteDecodeError) throw e.within(`${name}[${k}]`);
  throw e;
}

/**
 * MultiOperationRecord: the body of multi (14) and multiRead (22). Decoding rejects op types that cannot
 * appear in a multi and a mix of read and write ops, as ZooKeeper does.
 */
export const MultiRequest: Codec<MultiRequest> = {
  name: "MultiOperationRecord",
  minSize: MultiHeader.minSize,
  read(inp: InputArchive): MultiRequest {
    const ops: MultiOp[] = [];
    let kind: "read" | "write" | undefined;
    for (let k = 0; ; k++) {
      try {
        const at = inp.offset;
        const h = MultiHeader.read(inp);
        if (h.done) break;
        const codec = opRecords.get(h.type);
        if (codec === undefined) throw new JuteDecodeError(`invalid type of op ${h.type}`, at);
        const thisKind = readOps.has(h.type) ? "read" : "write";
        if (kind !== undefined && kind !== thisKind) {
          throw new JuteDecodeError("mixing read and write ops in one multi", at);
        }
        kind = thisKind;
        ops.push({ type: h.type, body: codec.read(inp) } as MultiOp);
      } catch (e) {
        step(e, "MultiOperationRecord.ops", k);
      }
    }
    return { ops };
  },
  write(out: OutputArchive, v: MultiRequest): void {
    for (const op of v.ops) {
      const codec = opRecords.get(op.type);
      if (codec === undefined) throw new TypeError(`op type ${op.type} cannot appear in a multi`);
      MultiHeader.write(out, { type: op.type, done: false, err: -1 });
      codec.write(out, op.body);
    }
    MultiHeader.write(out, END);
  },
};

/** MultiResponse: the body of a multi (14) or multiRead (22) reply. */
export const MultiResponse: Codec<MultiResponse> = {
  name: "MultiResponse",
  minSize: MultiHeader.minSize,
  read(inp: InputArchive): MultiResponse {
    const results: OpResult[] = [];
    for (let k = 0; ; k++) {
      try {
        const at = inp.offset;
        const h = MultiHeader.read(inp);
        if (h.done) break;
        const codec = resultRecords.get(h.type);
        if (codec === undefined) throw new JuteDecodeError(`invalid type ${h.type} in MultiResponse`, at);
        results.push({ type: h.type, err: h.err, body: codec === null ? null : codec.read(inp) } as OpResult);
      } catch (e) {
        step(e, "MultiResponse.results", k);
      }
    }
    return { results };
  },
  write(out: OutputArchive, v: MultiResponse): void {
    for (const r of v.results) {
      const codec = resultRecords.get(r.type);
      if (codec === undefined) throw new TypeError(`invalid type ${r.type} in MultiResponse`);
      MultiHeader.write(out, { type: r.type, done: false, err: r.err });
      if (codec !== null) codec.write(out, r.body);
    }
    MultiHeader.write(out, END);
  },
};

/** An error result: MultiHeader(-1, false, err) + ErrorResponse(err). */
export function errorResult(err: number): OpResult {
  return { type: OpCode.error, err, body: { err } };
}

/**
 * The results of a multi that failed at `failingIndex` with `code` (DataTree.processTxn): every op before it
 * gets ErrorResult(0), the failing op its code, every op after it RUNTIMEINCONSISTENCY (-2).
 */
export function multiErrorResults(nOps: number, failingIndex: number, code: number): OpResult[] {
  const out: OpResult[] = [];
  for (let i = 0; i < nOps; i++) {
    out.push(
      errorResult(i < failingIndex ? ErrorCode.OK : i === failingIndex ? code : ErrorCode.RUNTIMEINCONSISTENCY),
    );
  }
  return out;
}
