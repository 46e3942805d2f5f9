import type { Logger } from "@zkts/contracts";

/** Base class of every error thrown by @zkts/persistence. */
export class PersistenceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A storage operation failed (ENOSPC, EIO, ...). `code` is the errno code when known. */
export class StorageError extends PersistenceError {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly code: string,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? `${op} ${path}: ${code}`, options);
  }

  /** Wraps a node:fs (or any) error into a StorageError, keeping StorageErrors as they are. */
  static from(op: string, path: string, e: unknown): StorageError {
    if (e instanceof StorageError) return e;
    const code = (e as { code?: unknown })?.code;
    const msg = e instanceof Error ? e.message : String(e);
    return new StorageError(op, path, typeof code === "string" ? code : "EUNKNOWN", `${op} ${path}: ${msg}`, {
      cause: e,
    });
  }
}

/**
 * An append to the txn log was not made durable: the write or fdatasync of its batch failed. Every append of
 * that batch (and every append queued behind it) is rejected with this error; none of them is acknowledged.
 */
export class LogWriteError extends PersistenceError {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`txn log write to ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The log was closed; no more appends are accepted. */
export class LogClosedError extends PersistenceError {
  constructor() {
    super("txn log is closed");
  }
}

/** A txn was appended with a zxid not greater than the last one. */
export class ZxidOrderError extends PersistenceError {
  constructor(
    readonly zxid: bigint,
    readonly lastZxid: bigint,
  ) {
    super(`zxid 0x${zxid.toString(16)} is not greater than the last logged zxid 0x${lastZxid.toString(16)}`);
  }
}

/** A txn log file is damaged somewhere other than a torn tail. */
export class LogCorruptionError extends PersistenceError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`txn log ${file} is corrupt at offset ${offset}: ${reason}`);
  }
}

/** A snapshot file failed verification (bad magic, checksum, truncated or undecodable content). */
export class SnapshotCorruptionError extends PersistenceError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`snapshot ${file} is corrupt at offset ${offset}: ${reason}`, options);
  }
}

/**
 * A snapshot zkts cannot read although it may well be intact (a snappy-compressed ZooKeeper snapshot): never
 * treated as damage (no falling back past it, no purge), the message says what to do.
 */
export class UnsupportedSnapshotError extends PersistenceError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/**
 * A snapshot was cancelled while it was being written (its `cancel` flag set: the store is closing). Its partial
 * (temp) file has been removed; nothing is lost: every txn it would have covered is in the txn log already.
 */
export class SnapshotCancelledError extends PersistenceError {
  constructor(readonly file: string) {
    super(`snapshot ${file} cancelled while being written (its partial file was removed)`);
  }
}

/**
 * Logs how a background snapshot ended in failure, the same way for every store: a cancel by the close is routine
 * (info: nothing is lost), anything else an error. Returns whether it was a cancel.
 */
export function logSnapshotFailure(logger: Pick<Logger, "info" | "error">, e: unknown): boolean {
  if (e instanceof SnapshotCancelledError) {
    logger.info("snapshot cancelled by the close (its partial file removed; the txn log holds every txn it covered)", { file: e.file });
    return true;
  }
  logger.error("snapshot failed", { error: e instanceof Error ? e.message : String(e) });
  return false;
}
