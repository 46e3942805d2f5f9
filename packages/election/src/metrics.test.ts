import { M, MetricsRegistry } from "@zkts/metrics";
import { describe, expect, it } from "vitest";
import { FastLeaderElection } from "./fle.js";
import { decodeNotification, encodeNotification } from "./notification.js";
import { QuorumMaj } from "./quorum.js";

describe("election metrics", () => {
  it("looking_count counts rounds; election_time is the ms from the round's start to its decision", () => {
    let now = 1000;
    const quorum = new QuorumMaj({ "server.1": "h:1:2", "server.2": "h:1:2", "server.3": "h:1:2" });
    const regs = [1, 2, 3].map(() => new MetricsRegistry());
    const nodes = [1n, 2n, 3n].map((sid, i) => new FastLeaderElection({ sid, quorum }, { clock: { monotonic: () => now }, metrics: regs[i]! }));
    const flush = () => {
      for (let moved = true; moved; ) {
        moved = false;
        for (const [i, n] of nodes.entries()) {
          const r = n.ready();
          n.advance();
          for (const m of r.messages) {
            moved = true;
            nodes[Number(m.to) - 1]!.receive(BigInt(i + 1), decodeNotification(encodeNotification(m.notification)));
          }
        }
      }
    };
    for (const n of nodes) n.start({ zxid: 0n, peerEpoch: 0n });
    flush();
    now += 250; // past finalizeWait (200 ms)
    for (const n of nodes) n.tick();
    flush();
    for (const r of regs) {
      expect(r.counter(M.LOOKING_COUNT).value).toBe(1);
      const t = r.summary(M.ELECTION_TIME);
      expect(t.count).toBe(1);
      expect(t.max).toBe(250);
    }
  });
});
