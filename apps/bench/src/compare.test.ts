import { describe, expect, it } from "vitest";
import { DEFAULT_COMPARE } from "./args.js";
import { compareMarkdown, processCpuSeconds, type CompareReport } from "./compare.js";
import { processMemory, txnLogs } from "./servers.js";
import { fakeResult } from "./test-fixtures.js";

const result = (throughput: number, latencies: number[]) => fakeResult(throughput, latencies);

describe("compareMarkdown", () => {
  const report: CompareReport = {
    date: "2026-01-01T12:34:56.000Z", machine: "Test CPU", cores: 2, memoryGiB: 24, node: "v20", java: "openjdk 17",
    loadavgBefore: [1, 2, 3], loadavgAfter: [1.5, 2, 3], options: { ...DEFAULT_COMPARE, quick: true },
    rows: [{ workload: "get", zookeeper: { result: result(10_000, [1000, 2000]), serverCpuPercent: 150, serverCpuPercentByProcess: [150], serverCpuPerOpUs: 82.1 }, zkts: { result: result(25_000, [500, 1000]), serverCpuPercent: 90, serverCpuPercentByProcess: [90], serverCpuPerOpUs: 18.6 } }],
    setup: { keys: 10_000, zookeeper: 1000, zkts: 2000 },
    memory: { nodes: 1000, loadPerSecond: { zookeeper: 100, zkts: 50 }, baseline: { zookeeper: 2 ** 29, zkts: 2 ** 27 }, after: { zookeeper: 2 ** 30, zkts: 2 ** 28 } },
    persistence: { zookeeper: { files: 1, bytes: 2 ** 26 }, zkts: { files: 0, bytes: 0 } },
    zktsInMemoryOnly: true, profileDir: undefined,
  };

  it("prints both figures and zkts / ZooKeeper ratios", () => {
    const md = compareMarkdown(report);
    expect(md).toContain("### 2026-01-01 12:34 UTC (--quick)");
    expect(md).toContain("Load average before 1.00 2.00 3.00");
    expect(md).toMatch(/\| get \| 10,000 \| 25,000 \| 2\.50x \| 1\.00 \/ 2\.00 \/ 2\.00 \| 0\.501 \/ 1\.00 \/ 1\.00 \| 0\.50x \| 150% \/ 90% \| 20% \/ 20% \| 82\.1 \/ 18\.6 \| 0\.23x \|/);
    expect(md).toContain("| set-up: create 10,000 keys (8 conns x depth 128) | 1,000 | 2,000 | 2.00x |");
    expect(md).toContain("| after loading 1,000 znodes of 100 B | 1024 MB | 256 MB | 0.25x |");
    expect(md).toContain("**zkts ran in memory only**");
  });

  it("prints n/a for an unknown CPU per op", () => {
    const row = report.rows[0]!;
    const md = compareMarkdown({ ...report, rows: [{ ...row, zkts: { ...row.zkts, serverCpuPerOpUs: NaN } }] });
    expect(md).toContain("| 150% / 90% | 20% / 20% | 82.1 / n/a | n/a |");
  });

  it("says when both servers persisted", () => {
    const md = compareMarkdown({ ...report, zktsInMemoryOnly: false, persistence: { zookeeper: { files: 1, bytes: 1 }, zkts: { files: 2, bytes: 1 } } });
    expect(md).not.toContain("in memory only");
    expect(md).toContain("ZooKeeper 1 txn log file(s), zkts 2");
  });
});

describe("process probes", () => {
  it("read this process's RSS and CPU time", () => {
    const m = processMemory(process.pid);
    expect(m.rss).toBeGreaterThan(10 * 2 ** 20);
    expect(m.hwm).toBeGreaterThanOrEqual(m.rss);
    expect(processCpuSeconds(process.pid)).toBeGreaterThan(0);
    // the main thread's share: some, never more than the whole process's
    const main = processCpuSeconds(process.pid, true);
    expect(main).toBeGreaterThan(0);
    expect(main).toBeLessThanOrEqual(processCpuSeconds(process.pid));
  });

  it("finds no txn logs in a missing dir", () => {
    expect(txnLogs("/nonexistent/zkts-bench")).toEqual({ files: 0, bytes: 0 });
  });
});
