import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger, log4jDate, LogFileError } from "./logger.js";

const dir = mkdtempSync(join(tmpdir(), "zkts-logger-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (d: Buffer) => chunks.push(d.toString()));
  return { stream, text: () => chunks.join("") };
}

describe("server logger (pino)", () => {
  it("json: one object per line, filters by level, serialises bigint, errors and buffers", () => {
    const { stream, text } = capture();
    const log = createLogger({ level: "info", stream, now: () => 0 });
    log.debug("hidden");
    log.info("hello", { session: 0x1234n, err: new Error("boom"), data: Buffer.from("hi"), nested: { z: 1n } });
    log.child({ conn: 7 }).warn("child");
    log.level = "error";
    log.warn("hidden too");
    log.error("plain");
    const raw = text().trimEnd().split("\n");
    // The message comes right after level and time, before the fields.
    expect(raw[0]).toMatch(/^\{"level":"info","ts":"1970-01-01T00:00:00\.000Z","msg":"hello","session":"4660",/);
    expect(raw[1]).toBe('{"level":"warn","ts":"1970-01-01T00:00:00.000Z","msg":"child","conn":7}');
    expect(raw[2]).toBe('{"level":"error","ts":"1970-01-01T00:00:00.000Z","msg":"plain"}');
    const lines = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        ts: "1970-01-01T00:00:00.000Z",
        level: "info",
        msg: "hello",
        session: "4660",
        err: { name: "Error", message: "boom" },
        data: "aGk=",
        nested: { z: "1" },
      },
      { ts: "1970-01-01T00:00:00.000Z", level: "warn", msg: "child", conn: 7 },
      { ts: "1970-01-01T00:00:00.000Z", level: "error", msg: "plain" },
    ]);
  });

  it("json: messages and fields that contain the text ,\"msg\": stay intact", () => {
    const { stream, text } = capture();
    const log = createLogger({ stream, now: () => 0 });
    log.info('say ,"msg":"no"', { note: ',"msg":"x"}', n: 1 });
    const line = text().trimEnd();
    expect(JSON.parse(line)).toEqual({ level: "info", ts: "1970-01-01T00:00:00.000Z", msg: 'say ,"msg":"no"', note: ',"msg":"x"}', n: 1 });
    expect(line.indexOf('"msg"')).toBeLessThan(line.indexOf('"note"'));
  });

  it("text: ZooKeeper-like lines with myid, padded level, component and key=value fields", () => {
    const { stream, text } = capture();
    const t = Date.UTC(2026, 11, 7, 10, 0, 0, 123);
    const log = createLogger({ level: "debug", format: "text", myid: "2", stream, now: () => t });
    log.info("zkts-server started", { port: 2181, address: "0.0.0.0" });
    log.child({ component: "election" }).debug("vote", { leader: 3n, note: "two words" });
    const lines = text().trimEnd().split("\n");
    expect(lines).toEqual([
      `${log4jDate(t)} [myid:2] - INFO  [main] - zkts-server started port=2181 address=0.0.0.0`,
      `${log4jDate(t)} [myid:2] - DEBUG [election] - vote leader=3 note="two words"`,
    ]);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[myid:2\] - INFO {2}\[main\] - /);
    // standalone: an empty myid, as ZooKeeper prints it
    const other = capture();
    createLogger({ format: "text", stream: other.stream, now: () => t }).warn("w");
    expect(other.text()).toBe(`${log4jDate(t)} [myid:] - WARN  [main] - w\n`);
  });

  it("a log file that cannot be opened is a LogFileError at creation, not an 'error' event later", () => {
    const notADir = join(dir, "plain-file");
    writeFileSync(notADir, "");
    expect(() => createLogger({ file: join(notADir, "zkts.log") })).toThrow(LogFileError);
    expect(() => createLogger({ file: join(notADir, "zkts.log") })).toThrow(/cannot open log file .*plain-file\/zkts\.log/);
  });

  it("reopen() after a rename writes to a new file at the same path", async () => {
    const file = join(dir, "logs", "zkts.log");
    const log = createLogger({ file });
    log.info("before");
    await new Promise((r) => setTimeout(r, 100));
    renameSync(file, file + ".1");
    log.info("still old");
    log.reopen();
    log.info("after");
    await log.close();
    expect(readFileSync(file + ".1", "utf8")).toMatch(/"msg":"before"[\s\S]*"msg":"still old"/);
    expect(existsSync(file)).toBe(true);
    const fresh = readFileSync(file, "utf8");
    expect(fresh).toContain('"msg":"after"');
    expect(fresh).not.toContain("before");
  });
});
