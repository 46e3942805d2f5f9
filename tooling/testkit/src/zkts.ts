import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, waitForPort, fourLetter } from "./net.js";

/** The repository root (tooling/testkit/src -> ../../..). */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The zkts-server launcher (`node apps/server/bin/zkts-server.js path/to/zoo.cfg`). */
export const ZKTS_SERVER_BIN = join(REPO_ROOT, "apps/server/bin/zkts-server.js");

/** True when the zkts-server launcher exists in this checkout. */
export function zktsAvailable(): boolean {
  return existsSync(ZKTS_SERVER_BIN);
}

export interface ZktsOptions {
  /** Extra zoo.cfg lines, e.g. { extendedTypesEnabled: "true", "DigestAuthenticationProvider.superDigest": "..." }. */
  config?: Record<string, string>;
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
  port?: number;
  startTimeoutMs?: number;
}

export interface ZktsServer {
  port: number;
  host: string;
  /** "127.0.0.1:port" */
  connectString: string;
  dataDir: string;
  process: ChildProcess;
  /** Output of the server so far (for debugging failed tests). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real `zkts-server` process with a temporary zoo.cfg on a free port (4lw.commands.whitelist=*), waits
 * until it answers `srvr`, and returns a handle shaped like startReferenceZooKeeper's. The server is killed by
 * stop() and when the test process exits.
 */
export async function startZkts(opts: ZktsOptions = {}): Promise<ZktsServer> {
  if (!zktsAvailable()) throw new Error(`zkts-server not found at ${ZKTS_SERVER_BIN}`);
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), "zkts-"));
  const cfg: Record<string, string> = {
    tickTime: "2000",
    initLimit: "10",
    syncLimit: "5",
    dataDir,
    clientPort: String(port),
    clientPortAddress: "127.0.0.1",
    maxClientCnxns: "0",
    "admin.enableServer": "false",
    "4lw.commands.whitelist": "*",
    ...opts.config,
  };
  const cfgPath = join(dataDir, "zoo.cfg");
  writeFileSync(cfgPath, Object.entries(cfg).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  const child = spawn(process.execPath, [ZKTS_SERVER_BIN, cfgPath], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let exited = false;
  child.once("exit", () => (exited = true));

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (!exited) {
      await new Promise<void>((done) => {
        child.once("exit", () => done());
        child.kill("SIGKILL");
      });
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  try {
    const portUp = waitForPort(port, "127.0.0.1", timeoutMs);
    const died = new Promise<never>((_, reject) =>
      child.once("exit", (code, sig) => reject(new Error(`zkts-server exited early (${code ?? sig}):\n${out}`))),
    );
    died.catch(() => undefined);
    await Promise.race([portUp, died]);
    for (;;) {
      if (exited) throw new Error(`zkts-server exited early:\n${out}`);
      const answer = await fourLetter(port, "srvr").catch(() => "");
      if (answer.includes("Mode: standalone")) break;
      if (Date.now() > deadline) throw new Error(`zkts-server did not start serving:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port,
    host: "127.0.0.1",
    connectString: `127.0.0.1:${port}`,
    dataDir,
    process: child,
    output: () => out,
    stop,
  };
}
