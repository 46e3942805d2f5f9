import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchServer, type TestServer } from "./server-process.js";

export const REFERENCE_JAR = "/usr/share/java/zookeeper.jar";
export const ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh";
export const CLI_MT = "/usr/lib/zookeeper/bin/cli_mt";
/**
 * Debian's zookeeper.jar manifest leaves the servlet API off its class path, so its AdminServer (Jetty) cannot start
 * without it; it is put on the class path (a test turns the AdminServer on with `admin.enableServer=true`).
 */
export const SERVLET_API_JAR = "/usr/share/java/servlet-api.jar";
/**
 * Nor netty-codec and netty-resolver, which NettyServerCnxnFactory (the factory ZooKeeper needs for TLS) and the
 * Netty client socket (zkCli.sh over TLS) load: they are put on the class path too.
 */
export const NETTY_JARS: readonly string[] = ["/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar"];

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

/** A running Apache ZooKeeper started by a test. */
export type ReferenceZooKeeper = TestServer;

/**
 * Starts Apache ZooKeeper (Debian's 3.8 package) standalone on a free port with a fresh data dir, waits until it
 * serves (`srvr` says `Mode: standalone`), and returns a handle. The server is killed by stop() and when the test
 * process exits.
 */
export async function startReferenceZooKeeper(opts: ReferenceOptions = {}): Promise<ReferenceZooKeeper> {
  if (!referenceAvailable()) {
    throw new Error(
      "Apache ZooKeeper reference server not installed: run tooling/scripts/install-reference.sh (Debian's zookeeper)",
    );
  }
  return launchServer({
    name: "reference ZooKeeper",
    prefix: "zkref-",
    config: opts.config,
    port: opts.port,
    startTimeoutMs: opts.startTimeoutMs,
    command: (dataDir, cfgPath) => {
      // Quiet log4j (WARN to the console) from a log4j.properties on the classpath.
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
      return {
        file: "/usr/bin/java",
        args: [
          "-Xmx512m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          ...props,
          "-cp",
          [dataDir, REFERENCE_JAR, ...[SERVLET_API_JAR, ...NETTY_JARS].filter((j) => existsSync(j))].join(":"),
          "org.apache.zookeeper.server.ZooKeeperServerMain",
          cfgPath,
        ],
      };
    },
  });
}

/** slf4j's simple binding: Apache ZooKeeper's log on stderr (Debian's zookeeper.jar has no binding of its own). */
export const SLF4J_SIMPLE_JAR = "/usr/share/java/slf4j-simple.jar";

export interface JavaQuorumPeer {
  readonly proc: ChildProcess;
  /** What it printed so far (stdout and stderr). */
  log(): string;
  /** SIGKILL, resolved once it exited. */
  kill(): Promise<void>;
}

/**
 * Starts Apache ZooKeeper's QuorumPeerMain (an ensemble member, or standalone for a one-server zoo.cfg) on `cfgPath`,
 * with its log on stderr (slf4j-simple) and the jars Debian's manifest leaves off the class path (netty-codec for
 * quorum TLS, the servlet API for the AdminServer). `jvmArgs` come before the class (e.g. `-Djava.security.auth...`).
 */
export function startJavaQuorumPeer(cfgPath: string, jvmArgs: readonly string[] = []): JavaQuorumPeer {
  const cp = [REFERENCE_JAR, SLF4J_SIMPLE_JAR, SERVLET_API_JAR, ...NETTY_JARS].filter((j) => existsSync(j)).join(":");
  const proc = spawn("/usr/bin/java", ["-Xmx256m", "-XX:+UseSerialGC", ...jvmArgs, "-cp", cp, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgPath], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once("exit", () => r())));
  return {
    proc,
    log: () => out,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}
