/**
 * Figures, not assertions: time from `kill -9` of the leader to the first acknowledged write sent after the kill,
 * over ZKTS_FAILOVER_KILLS (10) kills, at tickTime 2000 and 200 (ZKTS_FAILOVER_TICKS), for a zkts ensemble and an
 * Apache ZooKeeper 3.8 ensemble (QuorumPeerMain, Debian's) in the same harness (ZKTS_FAILOVER_IMPLS=zkts,zookeeper).
 * Skipped unless ZKTS_FAILOVER_BENCH=1:
 *   ZKTS_FAILOVER_BENCH=1 ZKTS_FAILOVER_KILLS=20 npx vitest run apps/server/src/ensemble-failover.bench.test.ts
 */
import { describe, it } from "vitest";
import { makeEnsemble, waitFor, Writer } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

const KILLS = Number(process.env.ZKTS_FAILOVER_KILLS ?? 10);

const IMPLS = (process.env.ZKTS_FAILOVER_IMPLS ?? "zkts,zookeeper").split(",") as ("zkts" | "zookeeper")[];
const TICKS = (process.env.ZKTS_FAILOVER_TICKS ?? "2000,200").split(",").map(Number);

describe.skipIf(!process.env.ZKTS_FAILOVER_BENCH)("leader kill -9 -> first acked write (figures only)", () => {
  for (const tickTime of TICKS) for (const impl of IMPLS) {
    it(`${impl}: tickTime=${tickTime}, ${KILLS} kills`, async () => {
      const ens = await makeEnsemble(3, { tickTime, impl });
      try {
        await Promise.all(ens.members.map((m) => ens.start(m)));
        let leader = await ens.waitStable(60_000);
        const { c } = await Client.connect(leader.clientPort);
        await c.create("/f", "");
        c.close();
        const w = new Writer(() => ens.members.filter((m) => m.proc !== undefined).map((m) => m.clientPort), "/f");
        const rec: number[] = [];
        try {
          for (let i = 0; i < KILLS; i++) {
            const want = w.acked.length + 20;
            await waitFor(() => w.acked.length >= want, 30_000, `writes before kill ${i}`);
            const killedAt = Date.now();
            w.since = killedAt;
            await ens.kill(leader);
            await waitFor(() => w.okTimes.some((t) => t > killedAt), 60_000, `a write after kill ${i}`);
            rec.push(w.okTimes.find((t) => t > killedAt)! - killedAt);
            await ens.start(ens.members.find((m) => m.proc === undefined)!);
            leader = await ens.waitStable(60_000);
          }
        } finally {
          await w.stop();
        }
        const s = [...rec].sort((a, b) => a - b);
        console.log(`${impl} tickTime=${tickTime}: ${KILLS} leader kills, kill -> first acked write: median ${s[Math.floor(s.length / 2)]} ms, worst ${s[s.length - 1]} ms (all: ${rec.join(",")})`);
      } finally {
        await ens.stopAll();
      }
    }, 600_000);
  }
});
