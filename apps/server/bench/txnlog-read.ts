/**
 * Reading half of a restart's log-tail replay: iterates the txn log of a data dir after a zxid (TxnLogReader, as
 * restoreDatabase does) and decodes each txn, without applying it. Prints wall and CPU time, txns, and bytes read.
 *
 * Run: npx tsx apps/server/bench/txnlog-read.ts <dataDir> <fromZxidHex> [rounds=3]
 */
import { loadavg } from "node:os";
import { cpuUsage } from "node:process";
import { NodeStorage, decodeTxn, readTxnLog, type Storage, type StorageFile } from "@zkts/persistence";

const dataDir = process.argv[2];
const from = BigInt(`0x${process.argv[3] ?? "0"}`);
const rounds = Number(process.argv[4] ?? 3);
if (!dataDir) {
  console.error("usage: txnlog-read.ts <dataDir> <fromZxidHex> [rounds]");
  process.exit(2);
}
let bytesRead = 0;
const base = new NodeStorage();
const storage: Storage = new Proxy(base, {
  get(target, prop, recv) {
    if (prop === "open") {
      return async (path: string, mode: "read" | "create" | "append") => {
        if (mode !== "read") throw new Error("read only");
        const f = await target.open(path, mode);
        return new Proxy(f, {
          get(t, p, r) {
            if (p === "read") return async (pos: number, len: number) => {
              const b = await t.read(pos, len);
              bytesRead += b.length;
              return b;
            };
            if (p === "readInto" && t.readInto) return async (buf: Uint8Array, pos: number) => {
              const n = await t.readInto!(buf, pos);
              bytesRead += n;
              return n;
            };
            const v = Reflect.get(t, p, r) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
          },
        }) as StorageFile;
      };
    }
    const v = Reflect.get(target, prop, recv) as unknown;
    return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
  },
});
const cpuMs = () => {
  const u = cpuUsage();
  return (u.user + u.system) / 1000;
};
const la = () => loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`load average ${la()}; reading ${dataDir} from zxid 0x${from.toString(16)}`);
for (let round = 0; round < rounds; round++) {
  bytesRead = 0;
  const t0 = performance.now();
  const c0 = cpuMs();
  let n = 0;
  // as restoreDatabase reads its log tail (ZKTS_READ_COPIES=1: payloads and txn data copied, as before session 9)
  const views = process.env.ZKTS_READ_COPIES !== "1";
  const reader = readTxnLog(storage, dataDir, { fromZxid: from, payloadViews: views });
  for await (const e of reader) {
    decodeTxn(e.payload, { views });
    n++;
  }
  const t1 = performance.now();
  const c1 = cpuMs();
  console.log(`round ${round + 1}: ${n} txns read and decoded, ${(t1 - t0).toFixed(0)} ms wall / ${(c1 - c0).toFixed(0)} ms CPU, ${(bytesRead / 2 ** 20).toFixed(1)} MiB read; log end ${reader.end?.reason}`);
}
console.log(`load average ${la()}`);
