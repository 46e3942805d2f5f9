import type { ACL, StatPersisted } from "@zkts/jute";
import { zeroStatPersisted } from "@zkts/jute";
import { describe, expect, it } from "vitest";
import type { PersistentTree } from "./database.js";
import { copyTreeThroughSnapshot } from "./snapshot-buffer.js";

type Node = { path: string; data: Buffer | null; acl: number; stat: StatPersisted };

/** The smallest tree persistence can snapshot and restore. */
class ListTree implements PersistentTree {
  nodes: Node[] = [];
  aclTable = new Map<number, readonly ACL[]>();
  lastProcessedZxid = 0n;
  readonly acls = {
    entries: (): Array<[number, readonly ACL[]]> => [...this.aclTable],
    convertLong: (ref: number): readonly ACL[] => this.aclTable.get(ref) ?? [],
  };
  snapshotNodes(): Iterable<Node> {
    return this.nodes;
  }
  processTxn(): { err: number } {
    return { err: 0 };
  }
  restore(acls: Iterable<readonly [number, readonly ACL[]]>, nodes: Iterable<Node>, lastZxid: bigint): void {
    this.aclTable = new Map(acls);
    this.nodes = [...nodes];
    this.lastProcessedZxid = lastZxid;
  }
}

function sample(): ListTree {
  const t = new ListTree();
  t.aclTable.set(1, [{ perms: 31, id: { scheme: "world", id: "anyone" } }]);
  t.nodes = [
    { path: "", data: null, acl: 1, stat: zeroStatPersisted() },
    { path: "/a", data: Buffer.from("hello"), acl: 1, stat: { ...zeroStatPersisted(), czxid: 5n, mzxid: 5n, pzxid: 5n } },
  ];
  t.lastProcessedZxid = 5n;
  return t;
}

describe("snapshots in memory", () => {
  it("copyTreeThroughSnapshot fills a fresh tree with the same nodes, ACLs and zxid", async () => {
    const src = sample();
    const dst = new ListTree();
    await copyTreeThroughSnapshot(src, dst, { time: 1 });
    expect(dst.lastProcessedZxid).toBe(5n);
    expect(dst.nodes.map((n) => [n.path, n.data?.toString() ?? null, n.stat.czxid])).toEqual([
      ["", null, 0n],
      ["/a", "hello", 5n],
    ]);
    expect([...dst.aclTable.keys()]).toEqual([1]);
  });
});
