/**
 * The benches' test tree: n znodes of 100 bytes under /d<k> parents of 1,000 children each (one txn per node, so
 * the tree's digest and zxids are those of a real run), as durability.ts and snapshot-pause.ts load it.
 */
import { DataTree } from "@zkts/datatree";

export function buildTree(n: number): DataTree {
  const tree = new DataTree({ digestEnabled: true });
  const data = Buffer.alloc(100, 0x61);
  const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
  const fanout = 1000;
  let zxid = 0n;
  const create = (path: string) => {
    zxid++;
    tree.processTxn({ clientId: 1n, cxid: 0, zxid, time: 1_700_000_000_000n, type: 1 }, { path, data, acl, ephemeral: false, parentCVersion: -1 });
  };
  for (let d = 0; d * fanout < n; d++) {
    create(`/d${d}`);
    for (let i = 0; i < fanout - 1 && d * fanout + i < n; i++) create(`/d${d}/n${i}`);
  }
  return tree;
}
