import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "@zkts/contracts";
import type { LogLevel } from "./config.js";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The contracts' Logger, writing JSON lines, with a level, children and close. */
export interface JsonLogger extends Logger {
  level: LogLevel;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): JsonLogger;
  /** Flushes and closes a log file (no-op for stdout). */
  close(): Promise<void>;
}

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Append to this file instead of writing to stdout. */
  file?: string;
  /** Where lines go when no file is given (default process.stdout). */
  stream?: NodeJS.WritableStream;
  now?: () => number;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  if (Buffer.isBuffer(value)) return value.toString("base64");
  return value;
}

/** Structured JSON-lines logger: one `{"ts","level","msg",...fields}` object per line. */
export function createJsonLogger(opts: JsonLoggerOptions = {}): JsonLogger {
  let file: WriteStream | undefined;
  if (opts.file !== undefined) {
    mkdirSync(dirname(opts.file), { recursive: true });
    file = createWriteStream(opts.file, { flags: "a" });
  }
  const out: NodeJS.WritableStream = file ?? opts.stream ?? process.stdout;
  const now = opts.now ?? Date.now;
  const make = (base: Record<string, unknown>, shared: { level: LogLevel }): JsonLogger => {
    const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (RANK[level] < RANK[shared.level]) return;
      let line: string;
      try {
        line = JSON.stringify({ ts: new Date(now()).toISOString(), level, msg, ...base, ...fields }, replacer);
      } catch {
        line = JSON.stringify({ ts: new Date(now()).toISOString(), level, msg, unserializableFields: true });
      }
      out.write(line + "\n");
    };
    return {
      get level() {
        return shared.level;
      },
      set level(l: LogLevel) {
        shared.level = l;
      },
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      child: (fields) => make({ ...base, ...fields }, shared),
      close: () =>
        new Promise<void>((resolve) => {
          if (file === undefined) return resolve();
          file.end(() => resolve());
        }),
    };
  };
  return make({}, { level: opts.level ?? "info" });
}
