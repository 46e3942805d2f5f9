/**
 * ZooKeeper's PathUtils.validatePath, the one znode path validator (server, client and CLI), with its messages.
 */
import { ErrorCode } from "./constants.js";
import { KeeperError } from "./errors.js";

/** A znode path that ZooKeeper's PathUtils.validatePath rejects (BADARGUMENTS); the message is ZooKeeper's. */
export class InvalidPathError extends KeeperError {
  constructor(message: string) {
    super(ErrorCode.BADARGUMENTS, undefined, message);
  }
}

function isInvalidChar(c: number): boolean {
  return (
    (c > 0x0000 && c <= 0x001f) ||
    (c >= 0x007f && c <= 0x009f) ||
    (c >= 0xd800 && c <= 0xf8ff) ||
    (c >= 0xfff0 && c <= 0xffff)
  );
}

/**
 * Why ZooKeeper's PathUtils.validatePath rejects `path` (its exact message), or null when it accepts it.
 * With `isSequential` the path is checked as if a sequence digit followed it (so `/a/` is allowed).
 */
export function invalidPathReason(path: string | null | undefined, isSequential = false): string | null {
  if (path === null || path === undefined) return "Path cannot be null";
  const p = isSequential ? path + "1" : path;
  if (p.length === 0) return "Path length must be > 0";
  if (p.charCodeAt(0) !== 0x2f) return "Path must start with / character";
  if (p.length === 1) return null;
  if (p.charCodeAt(p.length - 1) === 0x2f) return "Path must not end with / character";
  let reason: string | null = null;
  let last = 0x2f;
  for (let i = 1; i < p.length; last = p.charCodeAt(i), i++) {
    const c = p.charCodeAt(i);
    if (c === 0) {
      reason = `null character not allowed @${i}`;
      break;
    } else if (c === 0x2f && last === 0x2f) {
      reason = `empty node name specified @${i}`;
      break;
    } else if (c === 0x2e && last === 0x2e) {
      if (p.charCodeAt(i - 2) === 0x2f && (i + 1 === p.length || p.charCodeAt(i + 1) === 0x2f)) {
        reason = `relative paths not allowed @${i}`;
        break;
      }
    } else if (c === 0x2e) {
      if (p.charCodeAt(i - 1) === 0x2f && (i + 1 === p.length || p.charCodeAt(i + 1) === 0x2f)) {
        reason = `relative paths not allowed @${i}`;
        break;
      }
    } else if (isInvalidChar(c)) {
      reason = `invalid character @${i}`;
      break;
    }
  }
  return reason === null ? null : `Invalid path string "${p}" caused by ${reason}`;
}

/**
 * Validates a znode path with the rules of ZooKeeper's PathUtils.validatePath; throws InvalidPathError (code
 * BADARGUMENTS) with ZooKeeper's exact message.
 */
export function validatePath(path: string | null | undefined, isSequential = false): void {
  const reason = invalidPathReason(path, isSequential);
  if (reason !== null) throw new InvalidPathError(reason);
}

/** true when validatePath would accept the path. */
export function isValidPath(path: string, isSequential = false): boolean {
  return invalidPathReason(path, isSequential) === null;
}

/** The parent path: `/a/b` -> `/a`, `/a` -> `/`, `/` -> `` (none). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  if (i <= 0) return path === "/" ? "" : "/";
  return path.slice(0, i);
}

/** The last path segment: `/a/b` -> `b`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The sequential suffix ZooKeeper appends: String.format("%010d", n) (a negative n keeps its sign
 * in the width, as Java does: -1 -> "-000000001").
 */
export function formatSequence(n: number): string {
  if (n < 0) return "-" + String(-n).padStart(9, "0");
  return String(n).padStart(10, "0");
}
