import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { restartMarkdown } from "./compare.js";
import { snapshotFiles, srvrZxid, type RestartFigure } from "./restart.js";

describe("restart helpers", () => {
  it("snapshotFiles lists snapshot.<hex>[.gz] newest first with sizes, nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "zkts-bench-restart-"));
    try {
      expect(snapshotFiles(dir)).toEqual([]);
      mkdirSync(join(dir, "version-2"));
      writeFileSync(join(dir, "version-2", "snapshot.ff"), Buffer.alloc(10));
      writeFileSync(join(dir, "version-2", "snapshot.1a0.gz"), Buffer.alloc(3));
      writeFileSync(join(dir, "version-2", "tmp.snapshot.200"), Buffer.alloc(1));
      writeFileSync(join(dir, "version-2", "log.100"), Buffer.alloc(1));
      expect(snapshotFiles(dir)).toEqual([
        { name: "snapshot.1a0.gz", zxid: 0x1a0n, bytes: 3 },
        { name: "snapshot.ff", zxid: 0xffn, bytes: 10 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("srvrZxid reads the Zxid line of a srvr answer", () => {
    expect(srvrZxid("Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nZxid: 0x10000f4240\nMode: standalone\n")).toBe(0x10000f4240n);
    expect(srvrZxid("This ZooKeeper instance is not currently serving requests\n")).toBeUndefined();
  });

  it("restartMarkdown prints both figures, the ratio and what each restarted from", () => {
    const fig = (name: string, restartMs: number, txns: number | undefined, cpuSeconds = 8): RestartFigure => ({
      name,
      stopMs: 500,
      restartMs,
      probePath: "/zkts-bench-mem/k999",
      lastZxid: "0x4e8",
      snapshot: { name: "snapshot.3e8", zxid: "0x3e8", bytes: 2 ** 20 },
      txnsAfterSnapshot: txns,
      snapshotsWrittenAtStart: 1,
      rssAfter: 2 ** 28,
      cpuSeconds,
    });
    const md = restartMarkdown({ zookeeper: fig("ZooKeeper", 10_000, 256), zkts: fig("zkts", 4_000, undefined, 2), nodes: 1000 }).join("\n");
    expect(md).toContain("| restart with 1,000 znodes (SIGTERM, start on the same data dir) | ZooKeeper | zkts | zkts / ZK |");
    expect(md).toContain("| spawn to first getData OK (s) | 10.00 | 4.00 | 0.40x |");
    expect(md).toContain("| CPU time of the server process from the spawn to that getData (s) | 8.00 | 2.00 | 0.25x |");
    const gone = restartMarkdown({ zookeeper: fig("ZooKeeper", 10_000, 256), zkts: fig("zkts", 4_000, 1, NaN), nodes: 1000 }).join("\n");
    expect(gone).toContain("| CPU time of the server process from the spawn to that getData (s) | 8.00 | n/a | n/a |");
    expect(md).toContain("| restarted from snapshot | snapshot.3e8 (1 MB) | snapshot.3e8 (1 MB) | |");
    expect(md).toContain("| + txns logged after it (replayed) | 256 | n/a | |");
    expect(md).toContain("| RSS after the restart | 256 MB | 256 MB | 1.00x |");
  });
});
