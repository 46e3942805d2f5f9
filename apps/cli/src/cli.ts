/**
 * `zkcli [-server host:port[,...][/chroot]] [-timeout ms] [-r] [-waitforconnection] [-client-configuration file]
 *  [-Dzookeeper.client.secure=true -Dzookeeper.ssl.*=...] [-Djava.security.auth.login.config=client.jaas]
 *  [--json] [cmd args...]` (also CLIENT_JVMFLAGS, JVMFLAGS)
 *
 * With a command: runs it once and exits with its exit code (0 ok, 1 failed, 127 unknown command). Without one:
 * an interactive shell on a terminal (prompt, tab completion, persistent history), or line-by-line commands from
 * a pipe (no prompt, as zkCli.sh without JLine), exiting with the last command's code.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { complete } from "./complete.js";
import type { ClientSaslOptions, ClientTlsOptions, ZooKeeperClient } from "@zkts/client";
import { clientProperties, saslFromProperties, tlsFromProperties } from "./client-config.js";
import { CliError } from "./commands/base.js";
import { Shell } from "./shell.js";

export interface MainOptions {
  server: string;
  timeout: number;
  readOnly: boolean;
  waitForConnection: boolean;
  json: boolean;
  command: string[] | undefined;
  /** `-client-configuration <file>`: a ZKClientConfig properties file. */
  clientConfiguration: string | undefined;
  /** `-Dkey=value` arguments (Java system properties, as given to zkCli.sh's JVM). */
  systemProperties: string[];
}

/** ZooKeeperMain.MyCommandOptions#parseOptions, plus --json. Unknown dash options are ignored, as there. */
export function parseMainArgs(argv: readonly string[]): MainOptions | string {
  const o: MainOptions = { server: "localhost:2181", timeout: 30000, readOnly: false, waitForConnection: false, json: false, command: undefined, clientConfiguration: undefined, systemProperties: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw `Error: no argument found for option ${a}`;
      return v;
    };
    try {
      if (a === "-server") o.server = value();
      else if (a === "-timeout") {
        const v = value();
        if (!/^\d+$/.test(v)) return `Error: bad timeout ${v}`;
        o.timeout = Number(v);
      } else if (a === "-r") o.readOnly = true;
      else if (a === "-waitforconnection") o.waitForConnection = true;
      else if (a === "--json" || a === "-json") o.json = true;
      else if (a === "-client-configuration") o.clientConfiguration = value();
      else if (a.startsWith("-D") && a.length > 2) o.systemProperties.push(a);
      else if (!a.startsWith("-")) {
        o.command = argv.slice(i);
        return o;
      }
    } catch (e) {
      return String(e);
    }
  }
  return o;
}

export const HISTORY_LIMIT = 1000;

export function historyFile(): string {
  return process.env.ZKCLI_HISTORY || join(homedir(), ".zkcli_history");
}

/** The saved history, newest first (readline's order), at most HISTORY_LIMIT entries. */
export function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .slice(-HISTORY_LIMIT)
      .reverse();
  } catch {
    return [];
  }
}

export function saveHistory(file: string, newestFirst: readonly string[]): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const lines = newestFirst.slice(0, HISTORY_LIMIT).reverse();
    writeFileSync(file, lines.length ? lines.join("\n") + "\n" : "", { mode: 0o600 });
  } catch {
    // history is a convenience: an unwritable file is not an error
  }
}

const write = (stream: NodeJS.WriteStream) => (text: string) => {
  stream.write(text);
};

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseMainArgs(argv);
  if (typeof parsed === "string") {
    process.stderr.write(parsed + "\n");
    return 2;
  }
  const o = parsed;
  let tls: ClientTlsOptions | undefined;
  let sasl: { sasl?: ClientSaslOptions; loginFailed?: string };
  try {
    const props = clientProperties({ args: o.systemProperties, env: process.env, configFile: o.clientConfiguration });
    tls = tlsFromProperties(props);
    sasl = saslFromProperties(props);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const oneShot = o.command !== undefined;
  const shell = new Shell({
    server: o.server,
    timeout: o.timeout,
    readOnly: o.readOnly,
    json: o.json,
    tls,
    // (one-shot mode prints no connection events, the AuthFailed of a failed JAAS login included)
    ...(oneShot ? { sasl: sasl.sasl } : sasl),
    // A single command must not wait forever for an unreachable server.
    requestTimeout: oneShot ? o.timeout : 0,
    // ... nor for one that refuses connections or does not resolve: fail as soon as every host failed once.
    // (-waitforconnection asks to wait for a server that is not up yet: no fail-fast then.)
    failFast: oneShot && !o.waitForConnection,
    stdout: write(process.stdout),
    stderr: write(process.stderr),
  });
  if (!oneShot && !o.json) {
    process.stdout.write(`Connecting to ${o.server}\n`);
  }
  try {
    await shell.connect(o.server, o.waitForConnection);
  } catch (e) {
    process.stderr.write((e instanceof CliError ? e.message : String(e)) + "\n");
    return 1;
  }

  if (oneShot) {
    // No connection events in one-shot mode: only the command's own output.
    shell.printWatches = false;
    await shell.processCmd(o.command!);
    await shell.close();
    return shell.exitCode;
  }

  if (!o.json) process.stdout.write("Welcome to ZooKeeper!\n");
  if (process.stdin.isTTY) return repl(shell, o);
  return piped(shell);
}

/** Commands from a pipe or file, one per line, no prompt. */
async function piped(shell: Shell): Promise<number> {
  const rl = createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
  for await (const line of rl) {
    await shell.executeLine(line);
    if (shell.quitRequested) break;
  }
  rl.close();
  await shell.close();
  return shell.exitCode;
}

async function repl(shell: Shell, o: MainOptions): Promise<number> {
  // Show the first prompt once the session is up (so it reads CONNECTED), or once every host failed once, or the
  // timeout passed; from then on the prompt follows the connection state.
  await firstOutcome(shell.client, o.timeout);
  const file = historyFile();
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: loadHistory(file),
    historySize: HISTORY_LIMIT,
    removeHistoryDuplicates: false,
    completer: (line: string, cb: (err: Error | null, result: [string[], string]) => void) => {
      complete(line, shell.alive ? shell.client : undefined).then(
        (r) => cb(null, r),
        () => cb(null, [[], line]),
      );
    },
  });
  rl.on("history", (h: string[]) => saveHistory(file, h));
  let idle = false;
  shell.onAsyncOutput = () => {
    if (!idle) return;
    // Redraw the prompt with the current connection state, keeping what the user has typed.
    rl.setPrompt(shell.prompt());
    rl.prompt(true);
  };
  const ask = () => {
    rl.setPrompt(shell.prompt());
    idle = true;
    rl.prompt();
  };
  ask();
  for await (const line of rl) {
    idle = false;
    await shell.executeLine(line);
    if (shell.quitRequested) break;
    ask();
  }
  rl.close();
  await shell.close();
  return shell.exitCode;
}

/** Resolves when `client` is connected, when every host of its list failed once, or after `timeout` ms. */
function firstOutcome(client: ZooKeeperClient | undefined, timeout: number): Promise<void> {
  if (client === undefined) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const failed = new Set<string>();
    const onFail = (h: { host: string; port: number }) => {
      failed.add(`${h.host}:${h.port}`);
      if (failed.size >= client.hosts.length) done();
    };
    const done = () => {
      client.off("connectFailed", onFail);
      resolve();
    };
    client.on("connectFailed", onFail);
    client.connect({ timeout }).then(done, done);
  });
}
