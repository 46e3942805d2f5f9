import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { ConfigError, DEFAULT_CONFIG_TEXT, LOG_FORMATS, LOG_LEVELS, oneOf, parseConfig, type LogFormat, type LogLevel } from "./config.js";
import { DataDirError, ElectionPortBindError, EXIT_SUMMARY, ExitCode } from "./exit-codes.js";
import { createLogger, LogFileError, type ServerLogger } from "./logger.js";
import { readMyId, runEnsemble } from "./ensemble.js";
import { runStandalone, UnsupportedConfigError } from "./run.js";
import { MetricsRegistry } from "@zkts/metrics";
import { startPrometheusEndpoint, type PrometheusEndpoint } from "./prometheus.js";
import { runTool, TOOLS } from "./tools.js";
import { startAdmin, type AdminHandle } from "./admin.js";

const USAGE = `Usage: zkts-server [options] [path/to/zoo.cfg]

Runs a ZooKeeper-compatible server: standalone, or a member of an ensemble when zoo.cfg has server.N lines
(with <dataDir>/myid). Without a zoo.cfg it uses built-in defaults:
clientPort=2181, dataDir=./.zkts-data, tickTime=2000, 4lw.commands.whitelist=*.

Options:
  --log-file <path>     append logs to this file (default: stdout; zoo.cfg key zkts.logFile); SIGHUP reopens it
  --log-level <level>   debug, info, warn or error (default: info; zoo.cfg key zkts.logLevel)
  --log-format <fmt>    json (one object per line, default) or text (ZooKeeper-like lines; zoo.cfg zkts.logFormat)
  --accept-data-loss    start even when the txn log is damaged mid-way (or no snapshot is valid): everything
                        from the damage on is DISCARDED. Without it such a server refuses to start.
  -h, --help            show this help
  --version             print the version and exit

Exit codes (ZooKeeper's): 0 stopped cleanly, 1 unexpected error (e.g. client port in use, corrupt txn log),
2 invalid arguments or configuration (including zoo.cfg keys zkts cannot honour), 3 dataDir/dataLogDir cannot be
created or written, 14 an ensemble member cannot bind its election port.

Data tools (the server must not be running on these directories):
  zkts-server purge <dataDir> [<dataLogDir>] -n <count>
        keep the <count> (>= 3) newest snapshots and the logs they need; delete older files
  zkts-server import <zookeeper dataDir> [<zookeeper dataLogDir>] --to <zkts dataDir>
        convert an Apache ZooKeeper data directory (snapshot + txn logs) into a zkts one
  zkts-server export --format zookeeper <zkts dataDir> [<zkts dataLogDir>] --to <dir>
        write an Apache ZooKeeper 3.8 snapshot of a zkts data directory
  Neither is needed to switch servers on one data directory: zkts-server serves a dataDir Apache ZooKeeper wrote
  as it is, and with snapshot.format=zookeeper in zoo.cfg Apache ZooKeeper serves one zkts wrote.
`;

interface Args {
  configPath?: string;
  logFile?: string;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  acceptDataLoss?: boolean;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (name: string): string | undefined => {
      const eq = a.indexOf("=");
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (a === "-h" || a === "--help") return USAGE;
    if (a === "--version") return `zkts-server ${version()}\n`;
    if (a === "--accept-data-loss") {
      args.acceptDataLoss = true;
      continue;
    }
    if (a === "--log-file" || a.startsWith("--log-file=")) args.logFile = value("--log-file");
    else if (a === "--log-level" || a.startsWith("--log-level=")) {
      const r = oneOf("--log-level", LOG_LEVELS, value("--log-level")!);
      if ("problem" in r) throw new Error(r.problem);
      args.logLevel = r.ok;
    } else if (a === "--log-format" || a.startsWith("--log-format=")) {
      const r = oneOf("--log-format", LOG_FORMATS, value("--log-format")!);
      if ("problem" in r) throw new Error(r.problem);
      args.logFormat = r.ok;
    } else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
    else if (args.configPath === undefined) args.configPath = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  return args;
}

async function main(): Promise<void> {
  const tool = process.argv[2];
  if (tool !== undefined && (TOOLS as readonly string[]).includes(tool)) {
    process.exitCode = await runTool(tool, process.argv.slice(3), USAGE);
    return;
  }
  let args: Args;
  try {
    const r = parseArgs(process.argv.slice(2));
    if (typeof r === "string") {
      process.stdout.write(r);
      return;
    }
    args = r;
  } catch (e) {
    process.stderr.write(`zkts-server: ${(e as Error).message}\n\n${USAGE}`);
    process.exitCode = ExitCode.INVALID_INVOCATION;
    return;
  }

  let text: string;
  let fileName: string;
  if (args.configPath !== undefined) {
    fileName = args.configPath;
    try {
      text = readFileSync(args.configPath, "utf8");
    } catch (e) {
      process.stderr.write(`zkts-server: cannot read ${args.configPath}: ${(e as Error).message}\n`);
      process.stderr.write(`${EXIT_SUMMARY[ExitCode.INVALID_INVOCATION]}\n`);
      process.exitCode = ExitCode.INVALID_INVOCATION;
      return;
    }
  } else {
    fileName = "(built-in defaults)";
    text = DEFAULT_CONFIG_TEXT;
  }
  let cfg;
  try {
    cfg = parseConfig(text, { fileName, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`zkts-server: invalid configuration:\n${e.problems.map((p) => `  ${p}`).join("\n")}\n`);
      process.stderr.write(`${EXIT_SUMMARY[ExitCode.INVALID_INVOCATION]}\n`);
      process.exitCode = ExitCode.INVALID_INVOCATION;
      return;
    }
    throw e;
  }

  let logger: ServerLogger;
  try {
    logger = createLogger({
      level: args.logLevel ?? cfg.logLevel ?? "info",
      format: args.logFormat ?? cfg.logFormat ?? "json",
      file: args.logFile ?? cfg.logFile,
      myid: textMyId(cfg.dataDir, cfg.servers.length > 0),
    });
  } catch (e) {
    if (!(e instanceof LogFileError)) throw e;
    process.stderr.write(`zkts-server: ${e.message}\n`);
    process.exitCode = ExitCode.INVALID_INVOCATION;
    return;
  }
  process.on("SIGHUP", () => {
    // logrotate: the old file was renamed; reopen the configured path (a new file).
    logger.reopen();
    logger.info("SIGHUP: log file reopened");
  });
  for (const w of cfg.warnings) logger.warn(w);
  logger.info("starting zkts-server", {
    config: args.configPath ?? "built-in defaults",
    dataDir: cfg.dataDir,
    clientPort: cfg.clientPort,
    tickTime: cfg.tickTime,
    superDigest: cfg.superDigestSource,
    sasl: cfg.sasl !== undefined ? `DIGEST-MD5 users from ${cfg.sasl.source} (${cfg.sasl.users.size})` : undefined,
    pid: process.pid,
    node: process.version,
  });

  // One registry for the whole server; the Prometheus endpoint (when configured) follows it from the start.
  const metrics = new MetricsRegistry();
  let prometheus: PrometheusEndpoint | undefined;
  // The AdminServer starts before the server, as in ZooKeeperServerMain / QuorumPeer.start.
  let admin: AdminHandle | undefined;
  try {
    admin = await startAdmin(cfg, { logger, initialConfig: text });
  } catch (e) {
    if (!cfg.distributed) {
      // ZooKeeperServerMain: "Unable to start AdminServer, exiting abnormally", exit code 4.
      const msg = `${EXIT_SUMMARY[ExitCode.ERROR_STARTING_ADMIN_SERVER]}: ${(e as Error).message}`;
      logger.error(msg);
      process.stderr.write(`zkts-server: ${msg}\n`);
      await logger.close();
      process.exit(ExitCode.ERROR_STARTING_ADMIN_SERVER);
    }
    // QuorumPeer.start: a member runs on without its AdminServer.
    logger.warn("Problem starting AdminServer", { error: (e as Error).message });
  }

  let server;
  try {
    if (cfg.prometheus !== undefined) prometheus = await startPrometheusEndpoint(metrics, cfg.prometheus, logger);
    server =
      cfg.distributed
        ? await runEnsemble(cfg, { logger, metrics })
        : await runStandalone(cfg, { logger, acceptDataLoss: args.acceptDataLoss ?? false, metrics });
  } catch (e) {
    await prometheus?.close();
    const known = e instanceof UnsupportedConfigError || e instanceof DataDirError || e instanceof ElectionPortBindError;
    const msg = known ? (e as Error).message : `cannot start: ${(e as Error).message}`;
    const code =
      e instanceof UnsupportedConfigError
        ? ExitCode.INVALID_INVOCATION
        : e instanceof DataDirError
          ? ExitCode.UNABLE_TO_ACCESS_DATADIR
          : e instanceof ElectionPortBindError
            ? ExitCode.UNABLE_TO_BIND_QUORUM_PORT
            : ExitCode.UNEXPECTED_ERROR;
    logger.error(msg);
    process.stderr.write(`zkts-server: ${msg}\n`);
    const summary = EXIT_SUMMARY[code];
    if (summary !== undefined) process.stderr.write(`${summary}\n`);
    await logger.close();
    await admin?.close();
    process.exitCode = code;
    // An ensemble member may have opened listeners (client, quorum, election ports) before failing.
    if (cfg.distributed) process.exit(process.exitCode);
    return;
  }
  admin?.attach(server);
  logger.info("zkts-server started", { address: server.address, port: server.port, config: basename(fileName) });

  let signalled = 0;
  const stop = (signal: string) => {
    signalled++;
    if (signalled > 1) {
      logger.warn("second signal: exiting at once", { signal });
      process.exit(1);
    }
    logger.info("shutting down", { signal });
    server
      .shutdown()
      .then(() => prometheus?.close())
      .then(() => admin?.close())
      .then(async () => {
        logger.info("zkts-server stopped");
        await logger.close();
        process.exit(0);
      })
      .catch(async (e: unknown) => {
        logger.error("shutdown failed", { error: e });
        await logger.close();
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("uncaughtException", (e) => {
    logger.error("fatal: uncaught exception", { error: e, stack: e.stack });
    void logger.close().finally(() => process.exit(1));
  });
  process.on("unhandledRejection", (e) => {
    logger.error("fatal: unhandled promise rejection", { error: e });
    void logger.close().finally(() => process.exit(1));
  });
}

/** `[myid:N]` for text logs: an ensemble member's id from <dataDir>/myid (empty for standalone, as ZooKeeper). */
function textMyId(dataDir: string, ensemble: boolean): string {
  if (!ensemble) return "";
  try {
    return readMyId(dataDir).toString();
  } catch {
    return ""; // runEnsemble reports the missing myid
  }
}

await main();
