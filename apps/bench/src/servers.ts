/**
 * Starting the two servers of `zkts-bench compare` with equivalent configuration: Apache ZooKeeper (Debian's 3.8
 * package) and zkts-server from this checkout, each on a free port with its own data dir under one base dir.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REFERENCE_JAR = "/usr/share/java/zookeeper.jar";
export const JAVA = "/usr/bin/java";
/** The repository root (apps/bench/src or apps/bench/dist -> ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const ZKTS_SERVER_BIN = join(REPO_ROOT, "apps/server/bin/zkts-server.js");

export interface RunningServer {
  name: string;
  port: number;
  server: string;
  pid: number;
  dataDir: string;
  process: ChildProcess;
  logFile: string;
  /** Graceful stop (SIGTERM, then SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface ServerConfig {
  baseDir: string;
  tickTime?: number;
  /** Extra zoo.cfg lines. */
  config?: Record<string, string>;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Sends a four-letter word; resolves with the answer ("" on any error). */
export function fourLetter(port: number, word: string, timeoutMs = 5000): Promise<string> {
  return new Promise((res) => {
    const chunks: Buffer[] = [];
    const s = connect({ port, host: "127.0.0.1" }, () => s.write(word));
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on("data", (c) => chunks.push(c));
    s.on("error", () => undefined);
    s.on("close", () => {
      clearTimeout(timer);
      res(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

function zooCfg(dataDir: string, port: number, cfg: ServerConfig): string {
  const lines: Record<string, string> = {
    tickTime: String(cfg.tickTime ?? 2000),
    initLimit: "10",
    syncLimit: "5",
    dataDir,
    clientPort: String(port),
    clientPortAddress: "127.0.0.1",
    maxClientCnxns: "0",
    forceSync: "yes",
    "admin.enableServer": "false",
    "4lw.commands.whitelist": "*",
    ...cfg.config,
  };
  return Object.entries(lines).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

async function waitServing(name: string, port: number, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited early (${child.exitCode ?? child.signalCode}); log ${logFile}:\n${readLog(logFile)}`);
    }
    if ((await fourLetter(port, "srvr", 2000)).includes("Mode: standalone")) return;
    if (Date.now() > deadline) throw new Error(`${name} did not start serving in ${timeoutMs} ms; log ${logFile}:\n${readLog(logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-4000);
  } catch {
    return "";
  }
}

function handle(name: string, port: number, dataDir: string, child: ChildProcess, logFile: string): RunningServer {
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  return {
    name,
    port,
    server: `127.0.0.1:${port}`,
    pid: child.pid!,
    dataDir,
    process: child,
    logFile,
    async stop(timeoutMs = 15_000) {
      process.removeListener("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((res) => {
        const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.once("exit", () => {
          clearTimeout(t);
          res();
        });
        child.kill("SIGTERM");
      });
    },
  };
}

export function referenceAvailable(): boolean {
  return existsSync(REFERENCE_JAR) && existsSync(JAVA);
}

/** Apache ZooKeeper with the given max heap (G1, the JVM default, as zkServer.sh runs it). */
export async function startApacheZooKeeper(cfg: ServerConfig & { heap: string }): Promise<RunningServer> {
  if (!referenceAvailable()) throw new Error("Apache ZooKeeper not installed (tooling/scripts/install-reference.sh)");
  const port = await freePort();
  const dataDir = join(cfg.baseDir, "zookeeper");
  mkdirSync(dataDir, { recursive: true });
  const cfgPath = join(cfg.baseDir, "zookeeper.cfg");
  writeFileSync(cfgPath, zooCfg(dataDir, port, cfg));
  const logFile = join(cfg.baseDir, "zookeeper.log");
  const fd = openSync(logFile, "a");
  const child = spawn(
    JAVA,
    [
      `-Xmx${cfg.heap}`,
      "-Dzookeeper.jmx.log4j.disable=true",
      "-Dzookeeper.admin.enableServer=false",
      "-cp",
      REFERENCE_JAR,
      "org.apache.zookeeper.server.ZooKeeperServerMain",
      cfgPath,
    ],
    { stdio: ["ignore", fd, fd] },
  );
  closeSync(fd);
  const h = handle("ZooKeeper", port, dataDir, child, logFile);
  try {
    await waitServing("Apache ZooKeeper", port, child, logFile, 60_000);
  } catch (e) {
    await h.stop(1000);
    throw e;
  }
  return h;
}

/** zkts-server from this checkout (dist when fresh, else the sources through tsx), optionally under --cpu-prof. */
export async function startZktsServer(
  cfg: ServerConfig & { heapMb: number; profileDir?: string; logLevel?: string },
): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = join(cfg.baseDir, "zkts");
  mkdirSync(dataDir, { recursive: true });
  const cfgPath = join(cfg.baseDir, "zkts.cfg");
  writeFileSync(cfgPath, zooCfg(dataDir, port, cfg));
  const logFile = join(cfg.baseDir, "zkts.log");
  const fd = openSync(logFile, "a");
  const nodeArgs = [`--max-old-space-size=${cfg.heapMb}`];
  if (cfg.profileDir !== undefined) {
    mkdirSync(cfg.profileDir, { recursive: true });
    nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${cfg.profileDir}`);
  }
  const child = spawn(process.execPath, [...nodeArgs, ZKTS_SERVER_BIN, "--log-level", cfg.logLevel ?? "warn", cfgPath], {
    cwd: REPO_ROOT,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const h = handle("zkts", port, dataDir, child, logFile);
  try {
    await waitServing("zkts-server", port, child, logFile, 60_000);
  } catch (e) {
    await h.stop(1000);
    throw e;
  }
  return h;
}

/** VmRSS and VmHWM of a process, in bytes (from /proc/<pid>/status). */
export function processMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Txn log files (log.*) under <dataDir>/version-2 and their total size: the sign of a persistent server. */
export function txnLogs(dataDir: string): { files: number; bytes: number } {
  const dir = join(dataDir, "version-2");
  if (!existsSync(dir)) return { files: 0, bytes: 0 };
  let files = 0;
  let bytes = 0;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith("log.")) continue;
    files++;
    bytes += statSync(join(dir, f)).size;
  }
  return { files, bytes };
}
