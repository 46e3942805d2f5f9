/**
 * zkts-server's logger: pino underneath, the contracts' `Logger` on top (what every package sees).
 *
 * - `json` (default): one object per line, `{"level":"info","ts":"2026-12-07T10:00:00.123Z","msg":"...",...fields}`
 *   (the message before the fields, as zkts always wrote it, so `grep 'msg.*ENOSPC'`-style searches keep working).
 * - `text`: ZooKeeper-like lines (log4j's `%d{ISO8601} [myid:%X{myid}] - %-5p [%t] - %m`, local time), fields appended
 *   as `key=value`: `2026-12-07 10:00:00,123 [myid:1] - INFO  [main] - zkts-server started port=2181`.
 *   The `[...]` slot is the record's `component` field when it has one, else `main`.
 * - A log file is opened (append) at creation: a path that cannot be opened throws {@link LogFileError} there, so
 *   the server refuses to start with a clear message instead of an unhandled 'error' event later. `reopen()` (on
 *   SIGHUP) closes it and opens the same path again, so a file renamed by logrotate is replaced by a new one.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import pino from "pino";
import type { Logger } from "@zkts/contracts";
import type { LogFormat, LogLevel } from "./config.js";


/** The contracts' Logger, with a level, children, reopen (SIGHUP) and close. */
export interface ServerLogger extends Logger {
  level: LogLevel;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): ServerLogger;
  /** Reopens the log file at its path (logrotate's rename + SIGHUP); no-op without a file. */
  reopen(): void;
  /** Flushes and closes a log file (no-op for stdout). */
  close(): Promise<void>;
}

/** @deprecated the old name of {@link ServerLogger}. */
export type JsonLogger = ServerLogger;

export interface LoggerOptions {
  level?: LogLevel;
  /** `json` (default) or `text`. */
  format?: LogFormat;
  /** Append to this file instead of writing to stdout. */
  file?: string;
  /** Where lines go when no file is given (default process.stdout). */
  stream?: NodeJS.WritableStream;
  /** The server id shown as `[myid:N]` in text lines (empty for a standalone server, as ZooKeeper). */
  myid?: string;
  now?: () => number;
}

/** @deprecated the old name of {@link LoggerOptions}. */
export type JsonLoggerOptions = LoggerOptions;

/** A log file that cannot be opened for appending. */
export class LogFileError extends Error {
  constructor(
    readonly file: string,
    cause: Error,
  ) {
    super(`cannot open log file ${file}: ${cause.message}`);
    this.name = "LogFileError";
  }
}

/** Makes values JSON can carry: bigint as decimal text, errors as {name,message,code}, buffers as base64. */
function plain(value: unknown, depth = 0): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined ? { name: value.name, message: value.message } : { name: value.name, message: value.message, code };
  }
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v, depth + 1);
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `2026-12-07 10:00:00,123` in local time, as log4j's ISO8601 date format. */
export function log4jDate(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

/** Turns one JSON line (as this logger writes it) into a ZooKeeper-like text line. */
export function textLine(json: string, myid: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : json + "\n";
  }
  const { level, ts, msg, component, ...fields } = rec;
  const when = typeof ts === "string" ? log4jDate(Date.parse(ts)) : "";
  const lvl = String(level ?? "").toUpperCase().padEnd(5);
  const thread = typeof component === "string" ? component : "main";
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? (/[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(" ");
  return `${when} [myid:${myid}] - ${lvl} [${thread}] - ${String(msg ?? "")}${extra === "" ? "" : " " + extra}\n`;
}

/**
 * pino writes `{"level":..,"ts":"..",<fields>,"msg":".."}`; this moves the message right after the timestamp. The
 * last `,"msg":` of the line is the message key: inside JSON strings a `"` is always escaped.
 */
export function msgFirst(line: string): string {
  const ts = line.indexOf(',"ts":"');
  if (ts < 0) return line;
  const headEnd = line.indexOf('"', ts + 7) + 1;
  const m = line.lastIndexOf(',"msg":');
  const end = line.lastIndexOf("}");
  if (headEnd <= 0 || m <= headEnd || end < m) return line;
  return line.slice(0, headEnd) + line.slice(m, end) + line.slice(headEnd, m) + line.slice(end);
}

interface Sink {
  write(s: string): void;
  reopen(): void;
  close(): Promise<void>;
}

function fileSink(file: string, onError: (e: Error) => void): Sink {
  // Checked synchronously here so that a bad path is a start-up error, not an asynchronous 'error' event.
  try {
    mkdirSync(dirname(file), { recursive: true });
    closeSync(openSync(file, "a"));
  } catch (e) {
    throw new LogFileError(file, e as Error);
  }
  // Synchronous writes: every line is in the file when the call returns (a crash loses nothing), and reopen() is
  // immediate (sonic-boom's asynchronous mode loses lines when the stream is ended while a reopen is pending).
  const dest = pino.destination({ dest: file, sync: true, append: true });
  let failed = false;
  dest.on("error", (e: Error) => {
    if (failed) return;
    failed = true;
    onError(e);
  });
  return {
    write: (s) => {
      if (!failed) dest.write(s);
    },
    reopen: () => {
      failed = false;
      dest.reopen();
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (failed) return resolve();
        dest.once("close", () => resolve());
        dest.once("error", () => resolve());
        dest.end();
      }),
  };
}

/**
 * Creates the server's logger. Throws {@link LogFileError} when `file` cannot be opened for appending.
 */
export function createLogger(opts: LoggerOptions = {}): ServerLogger {
  const format = opts.format ?? "json";
  const myid = opts.myid ?? "";
  const now = opts.now ?? Date.now;
  let sink: Sink;
  if (opts.file !== undefined) {
    sink = fileSink(opts.file, (e) => process.stderr.write(`zkts-server: log file ${opts.file}: ${e.message}\n`));
  } else {
    const out = opts.stream ?? process.stdout;
    sink = { write: (s) => void out.write(s), reopen: () => {}, close: () => Promise.resolve() };
  }
  const destination = { write: (s: string) => sink.write(format === "text" ? textLine(s, myid) : msgFirst(s)) };
  const root = pino(
    {
      level: opts.level ?? "info",
      base: undefined,
      // plain() has already turned errors into {name, message, code}; pino's err serializer would add stack/type.
      serializers: { err: (e: unknown) => e },
      timestamp: () => `,"ts":"${new Date(now()).toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => plain(obj) as Record<string, unknown>,
        bindings: (b) => plain(b) as Record<string, unknown>,
      },
    },
    destination,
  );
  const wrap = (p: pino.Logger): ServerLogger => ({
    get level() {
      return p.level as LogLevel;
    },
    set level(l: LogLevel) {
      p.level = l;
    },
    debug: (m, f) => (f === undefined ? p.debug(m) : p.debug(f, m)),
    info: (m, f) => (f === undefined ? p.info(m) : p.info(f, m)),
    warn: (m, f) => (f === undefined ? p.warn(m) : p.warn(f, m)),
    error: (m, f) => (f === undefined ? p.error(m) : p.error(f, m)),
    child: (fields) => wrap(p.child(fields)),
    reopen: () => sink.reopen(),
    close: () => sink.close(),
  });
  return wrap(root);
}

/** @deprecated use {@link createLogger} (same options; JSON unless `format: "text"`). */
export const createJsonLogger = createLogger;
