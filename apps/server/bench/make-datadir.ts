/**
 * A data dir holding one zkts-format snapshot of the benches' test tree (tree.ts: n znodes of 100 bytes), for
 * restore.ts: `npx tsx apps/server/bench/make-datadir.ts <dir> [nodes=1000000]`. The snapshot is written by the
 * code of the checkout it runs in (the file format is the same whichever: the same bytes).
 */
import { mkdirSync } from "node:fs";
import { NodeStorage, snapshotTree } from "@zkts/persistence";
import { buildTree } from "./tree.js";

const dir = process.argv[2];
const n = Number(process.argv[3] ?? 1_000_000);
if (!dir) {
  console.error("usage: make-datadir.ts <dir> [nodes]");
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const tree = buildTree(n);
const info = await snapshotTree(new NodeStorage(), dir, tree, new Map(), { time: 1_700_000_000_000 });
console.log(`${info.path}: ${info.nodes} nodes, ${info.bytes} bytes`);
