import { afterAll, describe, expect, it } from "vitest";
import { makeEnsemble, type Ensemble } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

describe("zkts-server ensemble (3 real processes)", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  it("forms with exactly one leader; a write through a follower is seen on every member", async () => {
    e = await makeEnsemble(3);
    await Promise.all(e.members.map((m) => e!.start(m)));
    const leader = await e.waitStable();
    const f = e.members.find((m) => m !== leader)!;
    const { c, resp } = await Client.connect(f.clientPort);
    expect(resp.sessionId).not.toBe(0n);
    expect((await c.create("/a", "hello")).err).toBe(0);
    for (const m of e.members) {
      const { c: c2 } = await Client.connect(m.clientPort);
      expect(await c2.get("/a")).toMatchObject({ err: 0, data: "hello" });
      c2.close();
    }
    c.close();
  }, 60_000);
});

/** Writes /w/<n> one after another through any live member, reconnecting on failure; records what was acked. */
class Writer {
  acked: string[] = [];
  okTimes: number[] = [];
  private stopped = false;
  private n = 0;
  done: Promise<void>;
  constructor(
    private readonly ports: () => number[],
    private readonly prefix: string,
  ) {
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
        if (c === undefined || c.closed) {
          const ps = this.ports();
          c = (await Client.connect(ps[k++ % ps.length]!)).c;
        }
        const path = `${this.prefix}/${this.n}`;
        const r = await c.create(path, String(this.n));
        if (r.err === 0) {
          this.acked.push(path);
          this.okTimes.push(Date.now());
          this.n++;
        } else if (r.err === -110) this.n++; // committed earlier without our ack
        else throw new Error(`create ${path}: ${r.err}`);
      } catch {
        c?.close();
        c = undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    c?.close();
  }
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every path present on the member (reads are local to it). */
async function hasAll(port: number, paths: string[]): Promise<boolean> {
  let c: Client | undefined;
  try {
    c = (await Client.connect(port)).c;
    const results = await Promise.all(paths.map((p) => c!.get(p)));
    return results.every((r) => r.err === 0);
  } catch {
    return false;
  } finally {
    c?.close();
  }
}

describe("zkts-server ensemble: leader failure", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  it("kill -9 the leader while a client writes: a new leader, writes resume, nothing acked is lost; the old leader catches up", async () => {
    e = await makeEnsemble(3);
    const ens = e;
    await Promise.all(ens.members.map((m) => ens.start(m)));
    const leader = await ens.waitStable();
    {
      const { c } = await Client.connect(leader.clientPort);
      expect((await c.create("/w", "")).err).toBe(0);
      c.close();
    }
    const w = new Writer(() => ens.members.filter((m) => m.proc !== undefined).map((m) => m.clientPort), "/w");
    await waitFor(async () => w.acked.length >= 50, 20_000, "50 writes before the kill");
    const killedAt = Date.now();
    const ackedBefore = w.acked.length;
    await ens.kill(leader);
    await waitFor(async () => w.okTimes.some((t) => t > killedAt), 30_000, "a write after the kill");
    const recovery = w.okTimes.find((t) => t > killedAt)! - killedAt;
    const newLeader = await ens.waitStable();
    expect(newLeader).not.toBe(leader);
    await waitFor(async () => w.acked.length >= ackedBefore + 100, 20_000, "100 writes after the kill");
    await w.stop();
    console.log(`leader kill -> first acked write: ${recovery} ms; acked ${w.acked.length}`);
    for (const m of ens.members.filter((x) => x.proc !== undefined)) {
      await waitFor(() => hasAll(m.clientPort, w.acked), 10_000, `every acked write on server ${m.id}`);
    }
    await ens.start(leader); // restarts and catches up (DIFF or SNAP from the new leader)
    await ens.waitStable();
    await waitFor(() => hasAll(leader.clientPort, w.acked), 20_000, "the restarted server to catch up");
  }, 110_000);
});
