import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort, fourLetter } from "./net.js";

export const REFERENCE_JAR = "/usr/share/java/zookeeper.jar";
export const ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh";
export const CLI_MT = "/usr/lib/zookeeper/bin/cli_mt";

/** True when Debian's zookeeper package (the reference server) is installed. */
export function referenceAvailable(): boolean {
  return existsSync(REFERENCE_JAR) && existsSync("/usr/bin/java");
}

export interface ReferenceOptions {
  /** Extra zoo.cfg lines, e.g. { extendedTypesEnabled: "true" }. */
  config?: Record<string, string>;
  /** Extra JVM -D system properties, e.g. { "zookeeper.DigestAuthenticationProvider.superDigest": "..." }. */
  systemProperties?: Record<string, string>;
  port?: number;
  startTimeoutMs?: number;
}

export interface ReferenceZooKeeper {
  port: number;
  host: string;
  /** "127.0.0.1:port" */
  connectString: string;
  dataDir: string;
  process: ChildProcess;
  /** Output of the JVM so far (for debugging failed tests). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Apache ZooKeeper (Debian's 3.8 package) standalone on a free port with a fresh data dir, waits until it
 * answers `ruok`, and returns a handle. The server is killed by stop() and when the test process exits.
 */
export async function startReferenceZooKeeper(opts: ReferenceOptions = {}): Promise<ReferenceZooKeeper> {
  if (!referenceAvailable()) {
    throw new Error(
      "Apache ZooKeeper reference server not installed: run tooling/scripts/install-reference.sh (Debian's zookeeper)",
    );
  }
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), "zkref-"));
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
  writeFileSync(
    join(dataDir, "log4j.properties"),
    "log4j.rootLogger=WARN, CONSOLE\nlog4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\n" +
      "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\n" +
      "log4j.appender.CONSOLE.layout.ConversionPattern=%d %-5p [%t] %c{1}: %m%n\n",
  );
  const props = Object.entries({
    "zookeeper.jmx.log4j.disable": "true",
    "zookeeper.admin.enableServer": "false",
    ...opts.systemProperties,
  }).map(([k, v]) => `-D${k}=${v}`);
  const child = spawn(
    "/usr/bin/java",
    [
      "-Xmx512m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      ...props,
      "-cp",
      `${dataDir}:${REFERENCE_JAR}`,
      "org.apache.zookeeper.server.ZooKeeperServerMain",
      cfgPath,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
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
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  try {
    await waitForPort(port, "127.0.0.1", opts.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exited) throw new Error(`reference ZooKeeper exited early:\n${out}`);
      const answer = await fourLetter(port, "srvr").catch(() => "");
      if (answer.includes("Mode: standalone")) break;
      if (Date.now() > deadline) throw new Error(`reference ZooKeeper did not start serving:\n${out}`);
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
