/**
 * Test support: zkts-server as a real child process on a zoo.cfg written to a temp dir, with its JSON log lines
 * parsed as they come, its stderr kept, and its exit (code and signal).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const SERVER_BIN = fileURLToPath(new URL("../bin/zkts-server.js", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** stdout, one parsed JSON log record per line (`{ raw }` for a line that is not JSON). */
  lines: Record<string, unknown>[];
  stderr: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let seq = 0;

/** Writes `cfg` as `<dir>/<name>.cfg` (default a fresh `zoo-<n>.cfg`) and starts zkts-server on it. */
export function spawnServer(dir: string, cfg: string, opts: { args?: string[]; name?: string } = {}): ServerProcess {
  const path = join(dir, `${opts.name ?? `zoo-${process.pid}x${++seq}`}.cfg`);
  writeFileSync(path, cfg);
  const child = spawn(process.execPath, [SERVER_BIN, path, ...(opts.args ?? [])], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buf = "";
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        lines.push({ raw: l });
      }
    }
  });
  child.stderr!.on("data", (d: Buffer) => stderr.push(d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, stderr, exit };
}

/** The first log record whose `msg` is `msg`; fails when the process exits or `ms` pass first. */
export async function waitForLine(p: ServerProcess, msg: string, ms = 20_000): Promise<Record<string, unknown>> {
  const end = Date.now() + ms;
  for (;;) {
    const l = p.lines.find((x) => x.msg === msg);
    if (l) return l;
    if (Date.now() > end || p.child.exitCode !== null) {
      throw new Error(`no "${msg}" log line; stdout=${JSON.stringify(p.lines)} stderr=${p.stderr.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
