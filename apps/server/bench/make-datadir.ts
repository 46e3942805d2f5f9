/**
 * A data dir holding one zkts-format snapshot of the benches' test tree (tree.ts: n znodes of 100 bytes), for
 * restore.ts: `npx tsx apps/server/bench/make-datadir.ts <dir> [nodes=1000000] [tailTxns=0]`. With tailTxns, that
 * many creates (100 bytes, under one parent /tail, each with its TxnDigest as zkts-server logs them) are logged
 * after the snapshot, in 64 MiB preallocated log files rolled every 30,000 txns: the log tail a restart replays.
 * The files are written by the code of the checkout it runs in (the formats are the same whichever: the same bytes).
 */
import { mkdirSync } from "node:fs";
import { DIGEST_VERSION } from "@zkts/datatree";
import { NodeStorage, TxnLog, TxnType, marshalTxn, snapshotTree } from "@zkts/persistence";
import { buildTree } from "./tree.js";

const dir = process.argv[2];
const n = Number(process.argv[3] ?? 1_000_000);
const tail = Number(process.argv[4] ?? 0);
if (!dir) {
  console.error("usage: make-datadir.ts <dir> [nodes] [tailTxns]");
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const tree = buildTree(n);
const storage = new NodeStorage();
const info = await snapshotTree(storage, dir, tree, new Map(), { time: 1_700_000_000_000 });
console.log(`${info.path}: ${info.nodes} nodes, ${info.bytes} bytes`);
if (tail > 0) {
  const log = await TxnLog.open(storage, dir, { preAllocSize: 64 << 20, forceSync: false, lastZxid: tree.lastProcessedZxid });
  const data = Buffer.alloc(100, 0x62);
  const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
  let zxid = tree.lastProcessedZxid;
  const append = async (path: string) => {
    zxid++;
    const header = { clientId: 1n, cxid: 0, zxid, time: 1_700_000_000_000n, type: TxnType.create };
    const txn = { path, data, acl, ephemeral: false, parentCVersion: -1 };
    tree.processTxn(header, txn);
    await log.append(
      // the digest of the tree after the txn, as the server logs it
      marshalTxn(header, txn, { version: DIGEST_VERSION, treeDigest: BigInt.asIntN(64, tree.digest()) }),
    );
  };
  await append("/tail");
  for (let i = 1; i < tail; i++) {
    await append(`/tail/t${i}`);
    if (i % 30_000 === 0) await log.roll();
  }
  await log.close();
  console.log(`${tail} txns logged after it, up to zxid 0x${zxid.toString(16)}`);
}
