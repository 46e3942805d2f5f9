import type { ACL, Id, TxnHeader } from "@zkts/jute";
import { CreateTxn, DeleteTxn, ErrorTxn, SetDataTxn, CheckVersionTxn, encode } from "@zkts/jute";
import { OPEN_ACL_UNSAFE } from "./acl.js";
import { OpCode } from "./constants.js";
import type { DataTree, ProcessTxnResult } from "./datatree.js";
import type { WatchEvent, Watcher } from "./watches.js";

export function hdr(zxid: number, type: number, clientId = 1n, time = 1000 + zxid): TxnHeader {
  return { clientId, cxid: zxid, zxid: BigInt(zxid), time: BigInt(time), type };
}

export class TestWatcher implements Watcher {
  readonly events: WatchEvent[] = [];
  constructor(
    readonly sessionId: bigint = 1n,
    private readonly authIds: Id[] = [],
  ) {}
  process(e: WatchEvent): void {
    this.events.push(e);
  }
  ids(): readonly Id[] {
    return this.authIds;
  }
  /** "type path" strings, then clears. */
  take(): string[] {
    const out = this.events.map((e) => `${e.type} ${e.path}`);
    this.events.length = 0;
    return out;
  }
}

/** A tiny driver that plays the core's part: picks zxids and parentCVersion like PrepRequestProcessor. */
export class Driver {
  zxid = 0;
  constructor(readonly tree: DataTree) {}
  create(
    path: string,
    data: string | null = "",
    opts: { ephemeral?: boolean; session?: bigint; acl?: readonly ACL[]; time?: number } = {},
  ): ProcessTxnResult {
    const parent = path.slice(0, path.lastIndexOf("/")) || "/";
    const pn = this.tree.getNode(parent);
    const z = ++this.zxid;
    return this.tree.processTxn(hdr(z, OpCode.create, opts.session ?? 1n, opts.time ?? 1000 + z), {
      path,
      data: data === null ? null : Buffer.from(data),
      acl: [...(opts.acl ?? OPEN_ACL_UNSAFE)],
      ephemeral: opts.ephemeral ?? false,
      parentCVersion: pn ? pn.stat.cversion + 1 : -1,
    });
  }
  del(path: string): ProcessTxnResult {
    const z = ++this.zxid;
    return this.tree.processTxn(hdr(z, OpCode.delete), { path });
  }
  set(path: string, data: string, time?: number): ProcessTxnResult {
    const n = this.tree.getNode(path);
    const z = ++this.zxid;
    return this.tree.processTxn(hdr(z, OpCode.setData, 1n, time ?? 1000 + z), {
      path,
      data: Buffer.from(data),
      version: (n?.stat.version ?? 0) + 1,
    });
  }
}

export const sub = {
  create(path: string, parentCVersion: number, data = ""): { type: number; data: Buffer } {
    return {
      type: OpCode.create,
      data: encode(CreateTxn, { path, data: Buffer.from(data), acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion }),
    };
  },
  del(path: string) {
    return { type: OpCode.delete, data: encode(DeleteTxn, { path }) };
  },
  set(path: string, data: string, version: number) {
    return { type: OpCode.setData, data: encode(SetDataTxn, { path, data: Buffer.from(data), version }) };
  },
  check(path: string, version: number) {
    return { type: OpCode.check, data: encode(CheckVersionTxn, { path, version }) };
  },
  error(err: number) {
    return { type: OpCode.error, data: encode(ErrorTxn, { err }) };
  },
};
