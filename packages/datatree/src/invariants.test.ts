import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { OpCode } from "./constants.js";
import { DataTree } from "./datatree.js";
import { Driver, TestWatcher, hdr, sub } from "./testutil.test-util.js";

const NAMES = ["a", "b", "c"];
const pathArb = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }).map((p) => "/" + p.join("/"));
const opArb = fc.oneof(
  fc.record({ k: fc.constant("create" as const), path: pathArb, data: fc.string({ maxLength: 4 }), eph: fc.boolean(), session: fc.constantFrom(1n, 2n) }),
  fc.record({ k: fc.constant("delete" as const), path: pathArb }),
  fc.record({ k: fc.constant("set" as const), path: pathArb, data: fc.string({ maxLength: 6 }) }),
  fc.record({ k: fc.constant("close" as const), session: fc.constantFrom(1n, 2n) }),
  fc.record({ k: fc.constant("badMulti" as const), path: pathArb }),
);

describe("invariants under random txn sequences", () => {
  it("size, digest, children and ephemeral bookkeeping stay consistent", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const t = new DataTree();
        const d = new Driver(t);
        const w = new TestWatcher();
        t.addWatch("/", w, "persistentRecursive");
        for (const op of ops) {
          if (op.k === "create") {
            const parent = op.path.slice(0, op.path.lastIndexOf("/")) || "/";
            const pn = t.getNode(parent);
            if (pn && pn.stat.ephemeralOwner !== 0n) continue; // the core refuses children of ephemerals
            d.create(op.path, op.data, { ephemeral: op.eph, session: op.session });
          } else if (op.k === "delete") d.del(op.path);
          else if (op.k === "set") d.set(op.path, op.data);
          else if (op.k === "close") t.processTxn(hdr(++d.zxid, OpCode.closeSession, op.session), null);
          else {
            const before = t.digest();
            const nodes = t.nodeCount();
            t.processTxn(hdr(++d.zxid, OpCode.multi), { txns: [sub.create(op.path + "/zz", 1), sub.del(op.path), sub.error(-103)] });
            expect(t.digest()).toBe(before);
            expect(t.nodeCount()).toBe(nodes);
          }
          expect(t.lastProcessedZxid).toBe(BigInt(d.zxid));
        }
        expect(t.approximateDataSize()).toBe(t.computeApproximateDataSize());
        // every node's parent lists it; numChildren matches
        let listed = 0;
        for (const sn of t.snapshotNodes()) {
          const n = t.getNode(sn.path)!;
          listed += n.numChildren;
          if (sn.path !== "") {
            const parent = sn.path.slice(0, sn.path.lastIndexOf("/")) || "/";
            expect(t.getNode(parent)!.childList().includes(sn.path.slice(sn.path.lastIndexOf("/") + 1))).toBe(true);
          }
        }
        expect(listed).toBe(t.nodeCount() - 1);
        // ephemerals index matches the nodes
        for (const [s, paths] of t.allEphemerals()) for (const p of paths) expect(t.getNode(p)!.stat.ephemeralOwner).toBe(s);
        // the incremental digest equals the digest of a tree rebuilt from scratch
        const copy = new DataTree();
        copy.restore(t.acls.entries(), t.snapshotNodes(), t.lastProcessedZxid);
        expect(copy.digest()).toBe(t.digest());
        // recursive watch at / saw no NodeChildrenChanged
        expect(w.events.some((e) => e.type === 4)).toBe(false);
      }),
      { seed: 20240601, numRuns: 200 },
    );
  });
});
