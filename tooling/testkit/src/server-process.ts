import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fourLetter, freePort, waitForPort } from "./net.js";

/** A ZooKeeper-protocol server process started by a test (the reference or zkts). */
export interface TestServer {
  port: number;
  host: string;
  /** "127.0.0.1:port" */
  connectString: string;
  dataDir: string;
  process: ChildProcess;
  /** Output of the process so far (for debugging failed tests). */
  output(): string;
  /** Kills the process (SIGKILL) and removes its data dir. */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** For error messages: "reference ZooKeeper", "zkts-server". */
  name: string;
  /** Temp dir prefix for the data dir. */
  prefix: string;
  /** Extra zoo.cfg lines, overriding the test defaults. */
  config?: Record<string, string>;
  port?: number;
  startTimeoutMs?: number;
  /** The command line, given the data dir (holding zoo.cfg) and the zoo.cfg path. */
  command(dataDir: string, cfgPath: string): { file: string; args: string[]; options?: SpawnOptions };
}

/**
 * Writes a zoo.cfg with the test defaults (free port on 127.0.0.1, 4lw.commands.whitelist=*, no AdminServer) into
 * a fresh data dir, spawns the server, and resolves once it answers `srvr` with `Mode: standalone`. The process is
 * killed by stop() and when the test process exits.
 */
export async function launchServer(opts: LaunchOptions): Promise<TestServer> {
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), opts.prefix));
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
  const { file, args, options } = opts.command(dataDir, cfgPath);
  const child = spawn(file, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
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

  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  try {
    const died = new Promise<never>((_, reject) =>
      child.once("exit", (code, sig) => reject(new Error(`${opts.name} exited early (${code ?? sig}):\n${out}`))),
    );
    died.catch(() => undefined);
    await Promise.race([waitForPort(port, "127.0.0.1", timeoutMs), died]);
    for (;;) {
      if (exited) throw new Error(`${opts.name} exited early:\n${out}`);
      const answer = await fourLetter(port, "srvr").catch(() => "");
      if (answer.includes("Mode: standalone")) break;
      if (Date.now() > deadline) throw new Error(`${opts.name} did not start serving:\n${out}`);
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
