/**
 * Figures, not assertions: time from `kill -9` of the leader to the first acknowledged write sent after the kill,
 * over ZKTS_FAILOVER_KILLS (10) kills, at tickTime 2000 and 200. Skipped unless ZKTS_FAILOVER_BENCH=1:
 *   ZKTS_FAILOVER_BENCH=1 npx vitest run apps/server/src/ensemble-failover.bench.test.ts
 */
import { describe, it } from "vitest";
import { makeEnsemble } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Writes one after another through any live member, reconnecting on failure; records reply times. */
class Writer {
  okTimes: number[] = [];
  acked = 0;
  since = 0;
  private stopped = false;
  private n = 0;
  readonly done: Promise<void>;
  constructor(private readonly ports: () => number[]) {
    this.done = this.run();
  }
  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }
  private async run(): Promise<void> {
    let c: Client | undefined;
    let k = 0;
    while (!this.stopped) {
      try {
        if (c === undefined || c.closed) c = (await Client.connect(this.ports()[k++ % this.ports().length]!)).c;
        const sentAt = Date.now();
        const r = await c.create(`/f${this.n}`, "");
        if (r.err === 0 || r.err === -110) {
          this.n++;
          if (r.err === 0) {
            this.acked++;
            if (sentAt >= this.since) this.okTimes.push(Date.now());
          }
        } else throw new Error(`create: ${r.err}`);
      } catch {
        c?.close();
        c = undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    c?.close();
  }
}

const KILLS = Number(process.env.ZKTS_FAILOVER_KILLS ?? 10);

describe.skipIf(!process.env.ZKTS_FAILOVER_BENCH)("leader kill -9 -> first acked write (figures only)", () => {
  for (const tickTime of [2000, 200]) {
    it(`tickTime=${tickTime}, ${KILLS} kills`, async () => {
      const ens = await makeEnsemble(3, { tickTime });
      try {
        await Promise.all(ens.members.map((m) => ens.start(m)));
        let leader = await ens.waitStable(60_000);
        const w = new Writer(() => ens.members.filter((m) => m.proc !== undefined).map((m) => m.clientPort));
        const rec: number[] = [];
        try {
          for (let i = 0; i < KILLS; i++) {
            const want = w.acked + 20;
            await waitFor(() => w.acked >= want, 30_000, `writes before kill ${i}`);
            const killedAt = Date.now();
            w.since = killedAt;
            w.okTimes = [];
            await ens.kill(leader);
            await waitFor(() => w.okTimes.length > 0, 60_000, `a write after kill ${i}`);
            rec.push(w.okTimes[0]! - killedAt);
            await ens.start(ens.members.find((m) => m.proc === undefined)!);
            leader = await ens.waitStable(60_000);
          }
        } finally {
          await w.stop();
        }
        const s = [...rec].sort((a, b) => a - b);
        console.log(`tickTime=${tickTime}: ${KILLS} leader kills, kill -> first acked write: median ${s[Math.floor(s.length / 2)]} ms, worst ${s[s.length - 1]} ms (all: ${rec.join(",")})`);
      } finally {
        await ens.stopAll();
      }
    }, 600_000);
  }
});
