// Helpers shared by this package's tests (not exported).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode, Txn, CreateTxn, SetDataTxn, DeleteTxn, type ACL } from "@zkts/jute";
import { MemoryStorage } from "./memory-storage.js";
import { NodeStorage, SyncNodeStorage } from "./node-storage.js";
import type { Storage } from "./storage.js";
import { marshalTxn, TxnType } from "./txn.js";

export const OPEN_ACL: ACL[] = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];

export interface StorageCase {
  name: string;
  make(): { storage: Storage; dir: string; cleanup(): void };
}

export const storageCases: StorageCase[] = [
  {
    name: "MemoryStorage",
    make: () => ({ storage: new MemoryStorage(), dir: "/data", cleanup: () => {} }),
  },
  {
    name: "NodeStorage",
    make: () => {
      const dir = mkdtempSync(join(tmpdir(), "zkts-persist-"));
      return { storage: new NodeStorage(), dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "SyncNodeStorage",
    make: () => {
      const dir = mkdtempSync(join(tmpdir(), "zkts-persist-"));
      return { storage: new SyncNodeStorage(), dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

const SESSION = 0x1000000abcd0001n;

/** A setData txn with `size` bytes of data. */
export function setDataTxn(zxid: bigint, size = 100, fill = Number(zxid & 0xffn)): Buffer {
  return marshalTxn(
    { clientId: SESSION, cxid: Number(zxid & 0xffffn), zxid, time: 1_700_000_000_000n + zxid, type: TxnType.setData },
    { path: "/bench", data: Buffer.alloc(size, fill), version: Number(zxid & 0xffffn) },
  );
}

/** A mix of every common txn type, zxids first..first+n-1. */
export function mixedTxns(first: bigint, digest = false): Buffer[] {
  const h = (zxid: bigint, type: number, clientId = SESSION) => ({
    clientId,
    cxid: Number(zxid - first),
    zxid,
    time: 1_700_000_000_000n + zxid,
    type,
  });
  const d = digest ? { version: 2, treeDigest: 0x1234567890n } : null;
  let z = first;
  const out: Buffer[] = [];
  out.push(marshalTxn(h(z++, TxnType.createSession), { timeOut: 30000 }, d));
  out.push(
    marshalTxn(h(z++, TxnType.create), { path: "/a", data: Buffer.from("hello"), acl: OPEN_ACL, ephemeral: false, parentCVersion: 1 }, d),
  );
  out.push(marshalTxn(h(z++, TxnType.setData), { path: "/a", data: Buffer.from("world"), version: 1 }, d));
  out.push(
    marshalTxn(
      h(z++, TxnType.multi),
      {
        txns: [
          { type: TxnType.create, data: encode(CreateTxn, { path: "/a/b", data: null, acl: OPEN_ACL, ephemeral: true, parentCVersion: 1 }) },
          { type: TxnType.setData, data: encode(SetDataTxn, { path: "/a", data: Buffer.from("x"), version: 2 }) },
        ] satisfies Txn[],
      },
      d,
    ),
  );
  out.push(marshalTxn(h(z++, TxnType.error), { err: -101 }, d));
  out.push(marshalTxn(h(z++, TxnType.delete), { path: "/a/b" }, d));
  out.push(marshalTxn(h(z++, TxnType.closeSession), { paths2Delete: ["/a/b"] }, d));
  void DeleteTxn;
  return out;
}

/** Counts event-loop turns (a setImmediate chain: one per check phase) until `stop()`. */
export function countTurns(): { readonly turns: number; stop(): void } {
  let turns = 0;
  let running = true;
  const tick = () => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get turns() {
      return turns;
    },
    stop() {
      running = false;
    },
  };
}
