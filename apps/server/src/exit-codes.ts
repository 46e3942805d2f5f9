/**
 * zkts-server's exit codes: Apache ZooKeeper 3.8's `org.apache.zookeeper.server.ExitCode`, used for the same cases
 * as ZooKeeperServerMain / QuorumPeerMain use them, with the same summary line on stderr.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { resolve } from "node:path";

export const ExitCode = {
  /** Execution finished normally. */
  EXECUTION_FINISHED: 0,
  /** Unexpected errors, e.g. I/O errors, a client port in use, a corrupt txn log. */
  UNEXPECTED_ERROR: 1,
  /** Invalid arguments or configuration (ZooKeeper's IllegalArgumentException / ConfigException). */
  INVALID_INVOCATION: 2,
  /** The data directory (dataDir or dataLogDir) cannot be created or written (ZooKeeper's DatadirException). */
  UNABLE_TO_ACCESS_DATADIR: 3,
  /** The AdminServer cannot start. */
  ERROR_STARTING_ADMIN_SERVER: 4,
  /** Severe error while taking a snapshot. */
  TXNLOG_ERROR_TAKING_SNAPSHOT: 10,
  /** The zxid of a COMMIT does not match the pending txn. */
  UNMATCHED_TXN_COMMIT: 12,
  /** Unexpected packet from the leader, or TRUNC failed. */
  QUORUM_PACKET_ERROR: 13,
  /** Cannot bind the quorum (election) port. */
  UNABLE_TO_BIND_QUORUM_PORT: 14,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What ZooKeeperServerMain / QuorumPeerMain print on stderr before exiting with these codes. */
export const EXIT_SUMMARY: Partial<Record<ExitCode, string>> = {
  [ExitCode.INVALID_INVOCATION]: "Invalid config, exiting abnormally",
  [ExitCode.UNABLE_TO_ACCESS_DATADIR]: "Unable to access datadir, exiting abnormally",
  [ExitCode.ERROR_STARTING_ADMIN_SERVER]: "Unable to start AdminServer, exiting abnormally",
};

/** dataDir or dataLogDir cannot be created or written (exit {@link ExitCode.UNABLE_TO_ACCESS_DATADIR}). */
export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirError";
  }
}

/**
 * The election port cannot be bound (exit {@link ExitCode.UNABLE_TO_BIND_QUORUM_PORT}, as QuorumCnxManager's
 * Listener after its bind retries).
 */
export class ElectionPortBindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ElectionPortBindError";
  }
}

/**
 * FileTxnSnapLog's start-up checks: each directory is created when missing ("Unable to create data directory")
 * and must be a writable directory ("Cannot write to data directory"). Throws {@link DataDirError}.
 */
export function checkDataDirs(dataDir: string, dataLogDir: string): void {
  const dirs: [string, string][] = [["dataDir", resolve(dataDir)]];
  if (resolve(dataLogDir) !== resolve(dataDir)) dirs.push(["dataLogDir", resolve(dataLogDir)]);
  for (const [key, abs] of dirs) {
    try {
      mkdirSync(abs, { recursive: true });
    } catch (e) {
      throw new DataDirError(`Unable to create data directory ${abs} (${key}): ${(e as Error).message}`);
    }
    try {
      if (!statSync(abs).isDirectory()) throw new Error("not a directory");
      accessSync(abs, constants.W_OK | constants.X_OK);
    } catch (e) {
      throw new DataDirError(`Cannot write to data directory ${abs} (${key}): ${(e as Error).message}`);
    }
  }
}
