import { describe, expect, it } from "vitest";
import { DataTree } from "./datatree.js";
import { OPEN_ACL_UNSAFE } from "./acl.js";
import { OpCode } from "./constants.js";
import type { Watcher, WatchEvent } from "./watches.js";

function hdr(zxid: number, type: number, clientId = 1n, time = 1000 + zxid) {
  return { clientId, cxid: zxid, zxid: BigInt(zxid), time: BigInt(time), type };
}

describe("DataTree smoke", () => {
  it("initial tree matches ZooKeeper 3.8", () => {
    const t = new DataTree();
    expect(t.nodeCount()).toBe(4);
    expect(t.exists("/")!.cversion).toBe(-1);
    expect(t.exists("/zookeeper")!.cversion).toBe(-2);
    expect(t.exists("/zookeeper/config")!.aversion).toBe(-1);
  });
  it("README example", () => {
    const tree = new DataTree();
    const events: WatchEvent[] = [];
    const w: Watcher = { sessionId: 1n, ids: () => [], process: (e) => events.push(e) };
    tree.exists("/app", w);
    const r = tree.processTxn(hdr(1, OpCode.create), {
      path: "/app",
      data: Buffer.from("v1"),
      acl: [...OPEN_ACL_UNSAFE],
      ephemeral: false,
      parentCVersion: 1,
    });
    expect(r.err).toBe(0);
    expect(events.map((e) => e.type)).toEqual([1]);
    expect(tree.getData("/app")!.data!.toString()).toBe("v1");
  });
});
