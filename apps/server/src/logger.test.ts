import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createJsonLogger } from "./logger.js";

describe("JSON-lines logger", () => {
  it("writes one JSON object per line, filters by level, serialises bigint and errors", () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on("data", (d: Buffer) => chunks.push(d.toString()));
    const log = createJsonLogger({ level: "info", stream, now: () => 0 });
    log.debug("hidden");
    log.info("hello", { session: 0x1234n, err: new Error("boom") });
    log.child({ conn: 7 }).warn("child");
    log.level = "error";
    log.warn("hidden too");
    const lines = chunks.join("").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { ts: "1970-01-01T00:00:00.000Z", level: "info", msg: "hello", session: "4660", err: { name: "Error", message: "boom" } },
      { ts: "1970-01-01T00:00:00.000Z", level: "warn", msg: "child", conn: 7 },
    ]);
  });
});
