/**
 * globalOutstandingLimit through the real core and connection layer: ZooKeeper's per-connection rule (a
 * connection over the limit has its request admitted, then stops reading until its own requests are answered)
 * keeps every client served, in order, and never holds a bystander's read behind other connections' writes.
 */
import { PassThrough } from "node:stream";
import { seededRandom } from "@zkts/contracts/testing";
import { MemoryStorage } from "@zkts/persistence/testing";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { runStandalone } from "./run.js";
import { Client } from "./test-client.js";

describe("globalOutstandingLimit (real core)", () => {
  it("pipelined writers past a tiny limit are all answered in order; a bystander's reads go through meanwhile", async () => {
    const cfg = parseConfig("dataDir=/data\nclientPort=0\npreAllocSize=16\nglobalOutstandingLimit=3\n");
    const server = await runStandalone(cfg, {
      logger: createLogger({ level: "error", stream: new PassThrough() }),
      storage: new MemoryStorage(),
      random: seededRandom(3),
    });
    try {
      const writers = await Promise.all([0, 1, 2, 3].map(() => Client.connect(server.port).then((x) => x.c)));
      const bystander = (await Client.connect(server.port)).c;
      const perWriter = 150;
      const writes = writers.map(async (c, w) => {
        const rs = await Promise.all(Array.from({ length: perWriter }, (_, i) => c.create(`/w${w}-${i}`, `v${i}`)));
        return rs.map((r) => r.err);
      });
      const reads: number[] = [];
      for (let i = 0; i < 20; i++) reads.push((await bystander.get("/")).err);
      const results = await Promise.all(writes);
      for (const errs of results) expect(errs).toEqual(new Array(perWriter).fill(0));
      expect(reads).toEqual(new Array(20).fill(0));
      // the throttle did engage, and every connection reads again afterwards
      expect(server.net.stats.throttleEvents).toBeGreaterThan(0);
      expect((await writers[0]!.get(`/w3-${perWriter - 1}`)).data).toBe(`v${perWriter - 1}`);
      for (const c of [...writers, bystander]) c.close();
    } finally {
      await server.net.close();
    }
  });
});
