import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ZKCLI, CLI_MT } from "@zkts/testkit";

const HERE = dirname(fileURLToPath(import.meta.url));
export const KAZOO_DRIVER = join(HERE, "..", "drivers", "kazoo_driver.py");
/** Debian's python3 (has python3-kazoo), not whatever python3 is first on PATH. */
export const PYTHON = "/usr/bin/python3";

export type Step = { op: string; s?: string; [k: string]: unknown };
export type StepResult = { ok: unknown } | { err: string };

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input: string, timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: env ?? process.env });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** Runs kazoo steps (see drivers/kazoo_driver.py) against connectString; one result per step. */
export async function runKazoo(connectString: string, steps: Step[], timeoutMs = 60_000): Promise<StepResult[]> {
  const r = await run(PYTHON, [KAZOO_DRIVER], JSON.stringify({ hosts: connectString, steps }), timeoutMs);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as StepResult[];
  } catch {
    throw new Error(`kazoo driver failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** The `version` command prints this client-local line: it separates the output of consecutive commands. */
const ZKCLI_SEPARATOR_CMD = "version";

export interface ZkCliResult {
  /** Output lines of each command (banner, log lines and WATCHER blocks removed). */
  outputs: string[][];
  /** Watch notifications printed by the client ("WatchedEvent state:... type:... path:..."), in order. */
  events: string[];
}

/**
 * Runs zkCli.sh commands in ONE client session (commands on stdin, as an interactive user would type them, then
 * `quit`), which costs one JVM start per scenario instead of one per command and closes the session cleanly.
 */
export async function runZkCli(
  server: string,
  commands: string[],
  opts: { timeoutMs?: number; jvmFlags?: string[] } = {},
): Promise<ZkCliResult> {
  const input = commands.map((c) => `${c}\n${ZKCLI_SEPARATOR_CMD}\n`).join("") + "quit\n";
  const r = await run("/bin/sh", ["-c", `exec ${ZKCLI} -server ${server} 2>&1`], input, opts.timeoutMs ?? 60_000, {
    ...process.env,
    ZOO_LOG4J_PROP: "ERROR,CONSOLE",
    // extra -D flags (e.g. TLS: zookeeper.client.secure, zookeeper.ssl.*), as zkCli.sh users pass them
    CLIENT_JVMFLAGS: ["-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto", ...(opts.jvmFlags ?? [])].join(" "),
  });
  return parseZkCli(r.stdout);
}

/** One-shot form: `zkCli.sh -server host:port cmd args` (one JVM and one session per command). */
export async function runZkCliOneShot(server: string, command: string[], timeoutMs = 60_000): Promise<ZkCliResult> {
  const r = await run(ZKCLI, ["-server", server, ...command], "", timeoutMs, {
    ...process.env,
    ZOO_LOG4J_PROP: "ERROR,CONSOLE",
    CLIENT_JVMFLAGS: "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
  });
  const parsed = parseZkCli(r.stdout + r.stderr);
  return parsed;
}

const NOISE = [
  /^SLF4J: /,
  /^Connecting to /,
  /^Welcome to ZooKeeper!$/,
  /^JLine support is /,
  /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/, // log4j lines
  /^\s*at [\w$.<>]+\(.*\)$/, // stack frames of logged exceptions
  /^log4j:/,
];

export function parseZkCli(text: string): ZkCliResult {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const kept: string[] = [];
  const events: string[] = [];
  // zkCli.sh prints watch events ("WATCHER::", "", "WatchedEvent state:X type:Y path:Z") from its event thread
  // while the main thread prints command output, so an event's lines can land anywhere between other lines: they
  // are taken out wherever they are and compared as one ordered list (one thread prints them, in order).
  for (const l of lines) {
    if (l === "WATCHER::") continue;
    if (l.startsWith("WatchedEvent ")) {
      // The client makes up "state:Closed" itself while zkCli.sh exits; whether it is printed before the JVM is
      // gone is a race in the client, not server behaviour.
      if (!l.startsWith("WatchedEvent state:Closed ")) events.push(l);
      continue;
    }
    if (NOISE.some((re) => re.test(l))) continue;
    kept.push(l);
  }
  // Split at the separator lines; drop empty lines (the WATCHER blocks leave some behind).
  const outputs: string[][] = [[]];
  for (const l of kept) {
    if (/^ZooKeeper CLI version: /.test(l)) outputs.push([]);
    else if (l.trim() !== "") outputs[outputs.length - 1]!.push(l);
  }
  // The last group is what `quit` printed (nothing).
  if (outputs.length > 1 && outputs[outputs.length - 1]!.length === 0) outputs.pop();
  return { outputs, events };
}

export interface CliMtResult {
  /** Output lines after each command (timing lines removed). */
  outputs: string[][];
}

/**
 * Runs the C client shell `cli_mt host:port` with commands on stdin; each command's output is what the client
 * printed before the next command was sent. cli_mt runs commands asynchronously, so after each command the runner
 * waits for its completion line (or `until`), then for a sentinel `exists` of a path that never exists: no timing
 * guesses, so a loaded machine changes nothing.
 */
export async function runCliMt(
  server: string,
  commands: { cmd: string; until?: RegExp }[],
  opts: { timeoutMs?: number } = {},
): Promise<CliMtResult> {
  // cli_mt prints replies on stdout and errors on stderr: both go into one pipe, line-buffered, so the text arrives
  // in the order it was printed.
  const child = spawn("sh", ["-c", 'exec stdbuf -oL -eL "$0" "$1" 2>&1', CLI_MT, server], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let buf = "";
  const onData = (c: Buffer) => {
    buf += c.toString();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const waitFor = async (pattern: RegExp, from: number, graceMs?: number): Promise<number> => {
    const giveUp = graceMs === undefined ? deadline : Math.min(deadline, Date.now() + graceMs);
    for (;;) {
      const m = pattern.exec(buf.slice(from));
      if (m) return from + m.index;
      if (Date.now() > giveUp) {
        if (graceMs !== undefined) return -1;
        throw new Error(`cli_mt timed out waiting for ${pattern}; output so far:\n${buf}`);
      }
      await sleep(10);
    }
  };
  const outputs: string[][] = [];
  try {
    // The connection banner: wait for the session.
    let from = await waitFor(/Got a new session id[^\n]*\n/, 0);
    from = buf.indexOf("\n", from) + 1;
    outputs.push(splitCliMt(buf.slice(0, from)));
    // After each command, an `exists` of a path that never exists: the server answers a session's requests in
    // order and cli_mt prints completions in order, so once the sentinel's "Error -101 for <path>" line is out,
    // everything the command caused (its reply and any watch event sent before it) has been printed.
    for (let i = 0; i < commands.length; i++) {
      const { cmd, until } = commands[i]!;
      const sentinel = `/__cli_mt_end_${i}__`;
      child.stdin.write(`${cmd}\n`);
      // cli_mt may print a completion after a later one when several replies arrive in one read, so first wait for
      // the command's own completion line ("[/p]: rc = 0", "/p: rc = -101", "Error -101 for /p") when it names a
      // path, then send the sentinel.
      const path = cmd.startsWith("config") ? "/zookeeper/config" : cmd.split(/\s+/).find((w) => w.startsWith("/"));
      // Commands without a path (reconfig, addauth) print "<what>: rc = N" or nothing at all.
      const own = path === undefined ? /(^|\n)[^\n]*: rc = -?\d+\n/ : new RegExp(`(^|\\n)(\\[?${escapeRegExp(path)}\\]?: rc = -?\\d+|Error -?\\d+ for ${escapeRegExp(path)}\\n)`);
      if (until) await waitFor(until, from);
      // Commands cli_mt rejects itself (e.g. a TTL of 0) print no completion: give up on it after a grace period.
      else if (own) await waitFor(own, from, 3_000);
      child.stdin.write(`exists ${sentinel}\n`);
      const at = await waitFor(new RegExp(`Error -101 for ${sentinel}\n`), from);
      outputs.push(splitCliMt(buf.slice(from, at)));
      from = buf.indexOf("\n", at) + 1;
    }
    child.stdin.end("quit\n");
    await Promise.race([exited, sleep(5_000)]);
    outputs.push(splitCliMt(buf.slice(from)));
  } finally {
    child.kill("SIGKILL");
  }
  return { outputs };
}

function splitCliMt(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^time = \d+ msec$/.test(l) && !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+:\d+/.test(l))
    .map((l) => l.replace(/\s+$/, ""));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
