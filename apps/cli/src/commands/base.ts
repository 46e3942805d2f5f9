/**
 * What every command module shares (org.apache.zookeeper.cli's CliCommand and its helpers): the command table
 * with zkCli.sh 3.8's usage strings, CliError, the context a command runs in, option parsing and the number and
 * path checks zkCli.sh applies.
 */
import { KeeperError, type Stat, type ZooKeeperClient } from "@zkts/client";
import { errorName } from "@zkts/client-wire";
import { parseOptions, ParseError, type OptionSpec, type Parsed } from "../args.js";
import { cliErrorMessage, pathError, statLines } from "../format.js";

/** A command failure: zkCli prints the message on stderr; the exit code is 1 (127: command not found). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly code?: number,
  ) {
    super(message);
  }
}

/** Commands and their option strings as zkCli.sh 3.8 lists them in its usage. */
export const COMMANDS: Record<string, string> = {
  connect: "host:port",
  history: "",
  redo: "cmdno",
  printwatches: "on|off",
  quit: "",
  addWatch: "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE",
  addauth: "scheme auth",
  close: "",
  config: "[-c] [-w] [-s]",
  create: "[-s] [-e] [-c] [-t ttl] path [data] [acl]",
  delete: "[-v version] path",
  deleteall: "path [-b batch size]",
  delquota: "[-n|-b|-N|-B] path",
  get: "[-s] [-w] path",
  getAcl: "[-s] path",
  getAllChildrenNumber: "path",
  getEphemerals: "path",
  listquota: "path",
  ls: "[-s] [-w] [-R] path",
  reconfig:
    "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | " +
    "[-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
  removewatches: "path [-c|-d|-a] [-l]",
  set: "[-s] [-v version] path data",
  setAcl: "[-s] [-v version] [-R] path acl",
  setquota: "-n|-b|-N|-B val path",
  stat: "[-w] path",
  sync: "path",
  version: "",
  whoami: "",
};

/** zkcli's own commands (not in zkCli.sh, so not in its usage listing). */
export const EXTRA_COMMANDS: Record<string, string> = {
  export: "path file",
  import: "file path",
};

export const ALL_COMMAND_NAMES = [...Object.keys(COMMANDS), ...Object.keys(EXTRA_COMMANDS)].sort();

export const usageOf = (cmd: string): string => `${cmd} ${COMMANDS[cmd] ?? EXTRA_COMMANDS[cmd] ?? ""}`;

export type Json = Record<string, unknown>;

/** What a command sees of the shell: the session and the shell's output (silent in --json mode but `result`). */
export interface CommandContext {
  /** The current session (commands run only while it is alive). */
  readonly zk: ZooKeeperClient;
  /** A line on stdout. */
  println(line: string): void;
  /** Text on stdout, no newline. */
  print(text: string): void;
  /** A line on stderr. */
  eprintln(line: string): void;
  /** Merges fields into the command's --json result. */
  result(r: Json): void;
}

/** A command: its words (the command name first) in, output through the context; failures throw. */
export type Command = (ctx: CommandContext, argv: string[]) => Promise<void>;

/** The eleven Stat lines. */
export function printStat(ctx: CommandContext, stat: Stat): void {
  for (const l of statLines(stat)) ctx.println(l);
}

/** commons-cli parsing; a ParseError is the command's failure, printed as commons-cli's exception. */
export function parse(argv: readonly string[], spec: OptionSpec): Parsed {
  try {
    return parseOptions(argv, spec);
  } catch (e) {
    if (e instanceof ParseError) throw new CliError(e.toString());
    throw e;
  }
}

/** PathUtils.validatePath, as zkCli.sh's commands call it. */
export function checkPath(path: string, sequential = false): void {
  const err = pathError(path, sequential);
  if (err) throw new CliError(err);
}

export function dataString(data: Buffer | null): string {
  return data === null ? "" : data.toString("utf8");
}

/** Integer.parseInt; zkCli dies with a NumberFormatException on a bad number (we report it). */
export function javaInt(s: string): number {
  if (!/^[-+]?\d+$/.test(s) || Number(s) > 2147483647 || Number(s) < -2147483648) {
    throw new CliError(`java.lang.NumberFormatException: For input string: "${s}"`);
  }
  return Number(s);
}

/** Integer.decode: decimal, 0x/#hex, 0 octal. */
export function javaDecode(s: string): number | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|#[0-9a-fA-F]+|0[0-7]+|\d+)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const v = body.startsWith("#")
    ? parseInt(body.slice(1), 16)
    : /^0[xX]/.test(body)
      ? parseInt(body.slice(2), 16)
      : body.length > 1 && body.startsWith("0")
        ? parseInt(body, 8)
        : parseInt(body, 10);
  return m[1] === "-" ? -v : v;
}

export function errorCodeName(code: number): string {
  return errorName(code) ?? String(code);
}

export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof KeeperError) return new CliError(cliErrorMessage(e.code, e.path ?? null), 1, e.code);
  return new CliError(e instanceof Error ? e.message : String(e));
}
