import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launchServer, type TestServer } from "./server-process.js";

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

/** A running zkts-server started by a test. */
export type ZktsServer = TestServer;

/**
 * Starts the real `zkts-server` process with a temporary zoo.cfg on a free port (4lw.commands.whitelist=*), waits
 * until it answers `srvr`, and returns a handle shaped like startReferenceZooKeeper's. The server is killed by
 * stop() and when the test process exits.
 */
export async function startZkts(opts: ZktsOptions = {}): Promise<ZktsServer> {
  if (!zktsAvailable()) throw new Error(`zkts-server not found at ${ZKTS_SERVER_BIN}`);
  return launchServer({
    name: "zkts-server",
    prefix: "zkts-",
    config: opts.config,
    port: opts.port,
    startTimeoutMs: opts.startTimeoutMs ?? 30_000,
    command: (_dataDir, cfgPath) => ({
      file: process.execPath,
      args: [ZKTS_SERVER_BIN, cfgPath],
      options: { cwd: REPO_ROOT, env: { ...process.env, ...opts.env } },
    }),
  });
}
