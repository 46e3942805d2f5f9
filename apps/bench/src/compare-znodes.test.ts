import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_COMPARE } from "./args.js";
import { purgeSnapshots, znodesMarkdown, type ZnodesReport, type ZnodesSide } from "./compare-znodes.js";

describe("compare --znodes", () => {
  it("purgeSnapshots keeps the newest 3 snapshots (by zxid) and touches no other file", () => {
    const dir = mkdtempSync(join(tmpdir(), "zkts-bench-znodes-"));
    try {
      expect(purgeSnapshots(dir)).toBe(0);
      const v2 = join(dir, "version-2");
      mkdirSync(v2);
      for (const z of ["1", "ff", "100", "2a0", "1000"]) writeFileSync(join(v2, `snapshot.${z}`), Buffer.alloc(1));
      writeFileSync(join(v2, "log.1"), Buffer.alloc(1));
      expect(purgeSnapshots(dir)).toBe(2);
      for (const [f, kept] of [["snapshot.1", false], ["snapshot.ff", false], ["snapshot.100", true], ["snapshot.2a0", true], ["snapshot.1000", true], ["log.1", true]] as const) {
        expect(existsSync(join(v2, f))).toBe(kept);
      }
      expect(purgeSnapshots(dir)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("znodesMarkdown has a column per server run and names a failed phase", () => {
    const lat = { p50: 1000, p90: 2000, p99: 3000, p999: 4000, max: 5000, mean: 1200 };
    const bench = { throughput: 12_345, errors: 0, latencyUs: lat } as unknown as ZnodesSide["get"];
    const ok: ZnodesSide = {
      name: "zkts",
      failure: undefined,
      rssStartBytes: 100 * 2 ** 20,
      load: { created: 1000, ms: 2000, perSecond: 500 },
      rssLoadedBytes: 700 * 2 ** 20,
      hwmLoadedBytes: 800 * 2 ** 20,
      snapshotsPurged: 4,
      get: bench,
      set: bench,
      snapshotsDuring: { get: { appeared: 0, inProgressAtStart: false }, set: { appeared: 1, inProgressAtStart: true } },
      restart: { name: "zkts", stopMs: 300, restartMs: 9000, cpuSeconds: 7.5, probePath: "/p", lastZxid: "0x10", snapshot: { name: "snapshot.8", zxid: "0x8", bytes: 2 ** 20 }, txnsAfterSnapshot: 8, snapshotsWrittenAtStart: 0, rssAfter: 650 * 2 ** 20 },
    };
    const failed: ZnodesSide = { ...ok, name: "ZooKeeper", failure: "load: out of memory", get: undefined, set: undefined, snapshotsDuring: { get: undefined, set: undefined }, restart: undefined };
    const report: ZnodesReport = {
      date: "2026-12-07T15:00:00.000Z",
      machine: "cpu",
      cores: 2,
      memoryGiB: 24,
      node: "v20",
      java: "java 17",
      loadavgBefore: [1, 1, 1],
      loadavgAfter: [2, 2, 2],
      options: { ...DEFAULT_COMPARE, znodes: 1000, zkHeap: "18g", zktsHeapMb: 16384 },
      nodes: 1000,
      sides: [ok, failed],
    };
    const md = znodesMarkdown(report);
    expect(md).toContain("| 1,000 znodes of 100 B | zkts | ZooKeeper |");
    expect(md).toContain("| failed in | - | load: out of memory |");
    expect(md).toContain("| RSS at start / loaded (peak) | 100 MB / 700 MB (800 MB) |");
    expect(md).toContain("| get latency ms | 1.00 / 3.00 / 4.00 / 5.00 | n/a |");
    expect(md).toContain("| restart: spawn to first getData OK | 9.00 s | n/a |");
    expect(md).toContain("| restart: server CPU time from the spawn to that getData | 7.50 s | n/a |");
    expect(md).toContain("snapshot.8 (1 MB) + 8");
    expect(md).toContain("| snapshot files that appeared during get / set | 0 / 1 (+ one in progress at the start) | n/a / n/a |");
  });
});
