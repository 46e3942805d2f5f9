/** The servers under test: zkts in-process (real nio-cnxn + core + timers), the zkts-server process, and the
 * Apache ZooKeeper 3.8 reference. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, runStandalone, type RunningZkts } from "@zkts/server";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields?: Record<string, unknown>;
}

export interface InProcessZkts {
  port: number;
  server: RunningZkts;
  logs: LogLine[];
  /** Log lines of at least `level` whose message contains `text`. */
  logged(text: string, level?: LogLine["level"]): LogLine[];
  stop(): Promise<void>;
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

/** zkts wired exactly as zkts-server wires it (runStandalone: system clock, crypto randomness, node:net). */
export async function startInProcess(extraCfg: Record<string, string> = {}): Promise<InProcessZkts> {
  const dataDir = mkdtempSync(join(tmpdir(), "zkts-robust-"));
  const cfg: Record<string, string> = {
    tickTime: "2000",
    dataDir,
    clientPort: "0",
    clientPortAddress: "127.0.0.1",
    maxClientCnxns: "0",
    "4lw.commands.whitelist": "*",
    ...extraCfg,
  };
  const text = Object.entries(cfg)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  const logs: LogLine[] = [];
  const logAt =
    (level: LogLine["level"]) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (logs.length < 100_000) logs.push(fields === undefined ? { level, msg } : { level, msg, fields });
    };
  const logger = { debug: logAt("debug"), info: logAt("info"), warn: logAt("warn"), error: logAt("error") };
  const server = await runStandalone(parseConfig(text), { logger, host: "127.0.0.1" });
  return {
    port: server.port,
    server,
    logs,
    logged(msgPart, level = "debug") {
      const min = LEVELS.indexOf(level);
      return logs.filter((l) => LEVELS.indexOf(l.level) >= min && l.msg.includes(msgPart));
    },
    async stop() {
      await server.shutdown(1000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
