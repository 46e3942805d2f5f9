/**
 * `zkts-bench compare --restart`: each server stopped as an operator would (SIGTERM: zkts-server's graceful stop,
 * and what zkServer.sh stop sends ZooKeeper), started again on the same zoo.cfg and data dir, and timed from the
 * spawn to the first getData of a known node answered OK. What each restarted from is read off its data dir: the
 * newest snapshot and the txns logged after it (the zxid the server reported before the stop minus the
 * snapshot's), which it replays.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { OpCode } from "@zkts/client-wire";
import { Connection } from "./connection.js";
import { fourLetter, handle, processCpuSeconds, processMemory, readLog, type RunningServer } from "./servers.js";

export interface SnapshotFileInfo {
  name: string;
  zxid: bigint;
  bytes: number;
}

/** `snapshot.<hex zxid>[.gz|.snappy]` files under <dataDir>/version-2, newest (highest zxid) first. */
export function snapshotFiles(dataDir: string): SnapshotFileInfo[] {
  const dir = join(dataDir, "version-2");
  if (!existsSync(dir)) return [];
  const out: SnapshotFileInfo[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^snapshot\.([0-9a-fA-F]+)(\.gz|\.snappy)?$/.exec(name);
    if (m) out.push({ name, zxid: BigInt(`0x${m[1]}`), bytes: statSync(join(dir, name)).size });
  }
  return out.sort((a, b) => (a.zxid > b.zxid ? -1 : a.zxid < b.zxid ? 1 : 0));
}

/** The `Zxid: 0x...` line of a srvr answer. */
export function srvrZxid(answer: string): bigint | undefined {
  const m = /^Zxid: (0x[0-9a-fA-F]+)/m.exec(answer);
  return m ? BigInt(m[1]!) : undefined;
}

export interface RestartFigure {
  name: string;
  /** SIGTERM -> the process exited. */
  stopMs: number;
  /** Spawn -> the first getData of `probePath` answered OK. */
  restartMs: number;
  probePath: string;
  /** The last zxid the server reported (srvr) before the stop, hex. */
  lastZxid: string | undefined;
  /** The newest snapshot on disk when it restarted (what it loads); zxid in hex. */
  snapshot: { name: string; zxid: string; bytes: number } | undefined;
  /** Txns logged after that snapshot (replayed from the log): lastZxid - snapshot zxid, same epoch; else undefined. */
  txnsAfterSnapshot: number | undefined;
  /**
   * Snapshot files completed between the spawn and the first getData (ZooKeeper writes one before it serves when
   * it replayed txns; zkts starts one then and serves meanwhile).
   */
  snapshotsWrittenAtStart: number;
  /** VmRSS right after the first getData. */
  rssAfter: number;
  /**
   * CPU seconds (utime + stime, all threads) the restarted process used from its spawn to the first getData: what
   * the restart cost, apart from what else the machine ran meanwhile (NaN if unreadable).
   */
  cpuSeconds: number;
}

const exited = (s: RunningServer) => s.process.exitCode !== null || s.process.signalCode !== null;

/**
 * When a getData of `path` on `server` first succeeds (performance.now()). A new session is tried every 50 ms (at
 * most 20 at once) while earlier ones are pending: a server may take connections while it loads and answer them
 * only once loaded, or drop them, or refuse them; the first getData answered OK wins.
 */
async function firstGetData(server: RunningServer, path: string, deadline: number): Promise<number> {
  const conns = new Set<Connection>();
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      let done = false;
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        f();
      };
      const attempt = async () => {
        pending++;
        try {
          const c = await Connection.open({ host: "127.0.0.1", port: server.port, sessionTimeoutMs: 30_000, connectTimeoutMs: 120_000 });
          if (done) {
            await c.close().catch(() => undefined);
            return;
          }
          conns.add(c);
          const r = await c.call(OpCode.getData, { path, watch: false });
          const at = performance.now();
          if (r.err === 0) finish(() => resolve(at));
          else if (r.err !== -4) finish(() => reject(new Error(`${server.name}: getData ${path} after the restart failed with ${r.err}`)));
        } catch {
          // refused, or dropped while the server was loading: later attempts go on
        } finally {
          pending--;
        }
      };
      timer = setInterval(() => {
        if (done) return;
        if (exited(server)) finish(() => reject(new Error(`${server.name} exited while restarting; log ${server.logFile}:\n${readLog(server.logFile)}`)));
        else if (performance.now() > deadline) finish(() => reject(new Error(`${server.name} did not answer a getData of ${path} in time after its restart`)));
        else if (pending < 20) void attempt();
      }, 50);
      void attempt();
    });
  } finally {
    clearInterval(timer);
    await Promise.all([...conns].map((c) => c.close().catch(() => undefined)));
  }
}

/**
 * Stops `server` (SIGTERM; SIGKILL after 5 minutes), spawns it again and waits until a getData of `probePath`
 * succeeds. Returns the figure and the new server handle (the caller stops it).
 */
export async function restartAndTime(
  server: RunningServer,
  probePath: string,
  opts: { timeoutMs?: number } = {},
): Promise<{ figure: RestartFigure; server: RunningServer }> {
  if (server.respawn === undefined) throw new Error(`${server.name}: no way to start it again`);
  const lastZxid = srvrZxid(await fourLetter(server.port, "srvr", 10_000));
  const t0 = performance.now();
  await server.stop(300_000);
  const stopMs = performance.now() - t0;
  const before = snapshotFiles(server.dataDir);
  const snapshot = before[0];
  const txnsAfterSnapshot =
    lastZxid !== undefined && snapshot !== undefined && lastZxid >> 32n === snapshot.zxid >> 32n ? Number(lastZxid - snapshot.zxid) : undefined;

  const spawnedAt = performance.now();
  const child = server.respawn();
  const again = handle(server.name, server.port, server.dataDir, child, server.logFile, server.id);
  again.respawn = server.respawn;
  let restartMs: number;
  try {
    restartMs = (await firstGetData(again, probePath, spawnedAt + (opts.timeoutMs ?? 600_000))) - spawnedAt;
  } catch (e) {
    await again.stop(2000);
    throw e;
  }
  let cpuSeconds = NaN;
  try {
    cpuSeconds = processCpuSeconds(again.pid);
  } catch {
    // gone already: NaN
  }
  const rssAfter = processMemory(again.pid).rss;
  const oldNames = new Set(before.map((s) => s.name));
  const snapshotsWrittenAtStart = snapshotFiles(server.dataDir).filter((s) => !oldNames.has(s.name)).length;
  return {
    figure: {
      name: server.name,
      stopMs,
      restartMs,
      probePath,
      lastZxid: lastZxid === undefined ? undefined : `0x${lastZxid.toString(16)}`,
      snapshot: snapshot === undefined ? undefined : { name: snapshot.name, zxid: `0x${snapshot.zxid.toString(16)}`, bytes: snapshot.bytes },
      txnsAfterSnapshot,
      snapshotsWrittenAtStart,
      rssAfter,
      cpuSeconds,
    },
    server: again,
  };
}
