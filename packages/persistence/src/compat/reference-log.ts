// Produces a txn log written by the real Apache ZooKeeper (tests and the fixture script use it).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { startReferenceZooKeeper } from "@zkts/testkit";

/** Kazoo session: every txn type a client can cause, in a known order. */
export const KAZOO_SCRIPT = `
import sys
from kazoo.client import KazooClient
from kazoo.exceptions import NodeExistsError
zk = KazooClient(hosts=sys.argv[1], timeout=10)
zk.start(timeout=30)
zk.create("/zkts", b"hello")
zk.create("/zkts/e-", b"", ephemeral=True, sequence=True)
zk.set("/zkts", b"world")
t = zk.transaction()
t.create("/zkts/m", b"multi")
t.set_data("/zkts", b"again")
t.commit()
try:
    zk.create("/zkts", b"dup")
except NodeExistsError:
    pass
zk.delete("/zkts/m")
zk.stop()
zk.close()
`;

/**
 * Starts Apache ZooKeeper with a small preAllocSize, runs KAZOO_SCRIPT against it, kills it, and copies its
 * `version-2/log.*` files into `<outDir>/version-2`. Returns the copied file names.
 */
export async function makeReferenceLog(outDir: string, preAllocKiB = 16): Promise<string[]> {
  const zk = await startReferenceZooKeeper({ systemProperties: { "zookeeper.preAllocSize": String(preAllocKiB) } });
  try {
    execFileSync("/usr/bin/python3", ["-c", KAZOO_SCRIPT, zk.connectString], { stdio: "pipe", timeout: 60_000 });
    // stop the server (SIGKILL: the log is what was fsynced), then copy its logs
    await new Promise<void>((resolve) => {
      zk.process.once("exit", () => resolve());
      zk.process.kill("SIGKILL");
    });
    const src = join(zk.dataDir, "version-2");
    const dst = join(outDir, "version-2");
    mkdirSync(dst, { recursive: true });
    const names = readdirSync(src).filter((n) => n.startsWith("log."));
    for (const n of names) copyFileSync(join(src, n), join(dst, n));
    return names;
  } finally {
    await zk.stop();
  }
}
