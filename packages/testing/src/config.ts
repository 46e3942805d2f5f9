/** zoo.cfg text for the servers a test starts, and the logger they get by default. */
import type { RunOptions } from "@zkts/server";

/** Where a server's log lines go (the contracts' Logger: debug/info/warn/error with fields). */
export type ServerLogger = RunOptions["logger"];

/** Drops every line. */
export const quietLogger: ServerLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** `key=value` lines, then the extra lines (server.N) as given. */
export function configText(keys: Record<string, string>, lines: readonly string[] = []): string {
  return [...Object.entries(keys).map(([k, v]) => `${k}=${v}`), ...lines].join("\n") + "\n";
}
