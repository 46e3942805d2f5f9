/** Test support: run zkcli or zkCli.sh as processes, normalise transcripts. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ZKCLI_BIN = fileURLToPath(new URL("../bin/zkcli.js", import.meta.url));

export interface RunResult {
  code: number | null;
  /** stdout and stderr merged in write order (one pipe), unless `separate`. */
  out: string;
  err: string;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs a command line with `input` on stdin. With `merge`, stderr goes into the same pipe as stdout (as a
 * terminal user would see them), so their relative order is kept. Killed after `timeoutMs`.
 */
export function run(argv: string[], input = "", opts: { merge?: boolean; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  const cmd = argv.map(shellQuote).join(" ") + (opts.merge ? " 2>&1" : "");
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", cmd], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out: ${cmd}\n--- out:\n${out}\n--- err:\n${err}`));
    }, opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(input);
  });
}

export const zkcli = (args: string[], input = "", opts: { merge?: boolean; timeoutMs?: number; env?: Record<string, string> } = {}) =>
  run([process.execPath, ZKCLI_BIN, ...args], input, opts);

const NOISE = /^(SLF4J:|Connecting to |Welcome to ZooKeeper!|JLine support is )/;

/**
 * The lines a transcript is compared on: JVM log noise and the banner dropped; times, zxids and session ids
 * (non-zero ephemeral owners) replaced by placeholders. Nothing else is touched.
 */
export function normalise(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => !NOISE.test(l))
    .map((l) =>
      l
        .replace(/^(ctime|mtime) = .*/, "$1 = <date>")
        .replace(/^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$/, "$1 = <zxid>")
        .replace(/^ephemeralOwner = 0x[0-9a-f]{5,}$/, "ephemeralOwner = <session>"),
    );
}

/** The first differing line (1-based) of two normalised transcripts, or undefined when they are equal. */
export function firstDifference(a: readonly string[], b: readonly string[]): { line: number; a: string | undefined; b: string | undefined } | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { line: i + 1, a: a[i], b: b[i] };
  }
  return undefined;
}
