import { describe, expect, it } from "vitest";
import { InvalidPathError, formatSequence, isValidPath, parentPath, validatePath } from "./path.js";

function msg(p: string, seq = false): string {
  try {
    validatePath(p, seq);
    return "ok";
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidPathError);
    expect((e as InvalidPathError).code).toBe(-8);
    return (e as Error).message;
  }
}

describe("validatePath (PathUtils rules and messages)", () => {
  it("accepts ordinary paths", () => {
    for (const p of ["/", "/a", "/a/b", "/a.b", "/..a", "/a..", "/.a", "/zookeeper/quota", "/ü/日本"]) {
      expect(msg(p)).toBe("ok");
    }
  });
  it("rejects null, empty, relative and trailing slash", () => {
    expect(msg(null as unknown as string)).toBe("Path cannot be null");
    expect(msg("")).toBe("Path length must be > 0");
    expect(msg("a")).toBe("Path must start with / character");
    expect(msg("/a/")).toBe("Path must not end with / character");
  });
  it("reports the offending index", () => {
    expect(msg("/a//b")).toBe('Invalid path string "/a//b" caused by empty node name specified @3');
    expect(msg("/a/./b")).toBe('Invalid path string "/a/./b" caused by relative paths not allowed @3');
    expect(msg("/a/..")).toBe('Invalid path string "/a/.." caused by relative paths not allowed @4');
    expect(msg("/.")).toBe('Invalid path string "/." caused by relative paths not allowed @1');
    expect(msg("/a\u0000b")).toBe('Invalid path string "/a\u0000b" caused by null character not allowed @2');
    expect(msg("/a\u0001")).toBe('Invalid path string "/a\u0001" caused by invalid character @2');
    expect(msg("/\u007f")).toBe('Invalid path string "/\u007f" caused by invalid character @1');
    expect(msg("/\u009f")).toBe('Invalid path string "/\u009f" caused by invalid character @1');
    expect(msg("/\ud800")).toBe('Invalid path string "/\ud800" caused by invalid character @1');
    expect(msg("/\uf8ff")).toBe('Invalid path string "/\uf8ff" caused by invalid character @1');
    expect(msg("/\ufff0")).toBe('Invalid path string "/\ufff0" caused by invalid character @1');
    expect(msg("/\uffff")).toBe('Invalid path string "/\uffff" caused by invalid character @1');
    expect(msg("/\u00a0")).toBe("ok");
    expect(msg("/\uf900")).toBe("ok");
  });
  it("sequential paths are checked with a digit appended", () => {
    expect(msg("/a/", true)).toBe("ok");
    expect(msg("/a/.", true)).toBe("ok");
    expect(msg("/a//", true)).toBe('Invalid path string "/a//1" caused by empty node name specified @3');
    expect(isValidPath("/x/", true)).toBe(true);
    expect(isValidPath("/x/")).toBe(false);
  });
  it("helpers", () => {
    expect(parentPath("/a/b")).toBe("/a");
    expect(parentPath("/a")).toBe("/");
    expect(formatSequence(0)).toBe("0000000000");
    expect(formatSequence(42)).toBe("0000000042");
    expect(formatSequence(2147483647)).toBe("2147483647");
    expect(formatSequence(-1)).toBe("-000000001");
  });
});
