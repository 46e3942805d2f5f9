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
