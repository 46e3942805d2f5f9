import { ErrorCode } from "./constants.js";

/** A znode path that ZooKeeper's PathUtils.validatePath rejects; the server answers BADARGUMENTS. */
export class InvalidPathError extends Error {
  readonly code = ErrorCode.BADARGUMENTS;
  constructor(message: string) {
    super(message);
    this.name = "InvalidPathError";
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
 * Validates a znode path with the rules and messages of ZooKeeper's PathUtils.validatePath.
 * With `isSequential` the path is checked as if a sequence digit followed it (so `/a/` is allowed).
 * Throws InvalidPathError (code BADARGUMENTS) with ZooKeeper's exact message.
 */
export function validatePath(path: string | null | undefined, isSequential = false): void {
  if (path === null || path === undefined) throw new InvalidPathError("Path cannot be null");
  const p = isSequential ? path + "1" : path;
  if (p.length === 0) throw new InvalidPathError("Path length must be > 0");
  if (p.charCodeAt(0) !== 0x2f) throw new InvalidPathError("Path must start with / character");
  if (p.length === 1) return;
  if (p.charCodeAt(p.length - 1) === 0x2f) throw new InvalidPathError("Path must not end with / character");
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
  if (reason !== null) throw new InvalidPathError(`Invalid path string "${p}" caused by ${reason}`);
}

/** true when validatePath would accept the path. */
export function isValidPath(path: string, isSequential = false): boolean {
  try {
    validatePath(path, isSequential);
    return true;
  } catch {
    return false;
  }
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
