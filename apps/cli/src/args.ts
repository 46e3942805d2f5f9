/**
 * Command-line splitting and option parsing as zkCli.sh does it: ZooKeeperMain's ARGS_PATTERN (whitespace-separated
 * words, '...' or "..." quoting without escapes) and Apache commons-cli's DefaultParser (short options anywhere
 * on the line, `-v 3` / `-v3`, bursting `-sw`, negative numbers as arguments, `--` ends options).
 */

const ARGS_PATTERN = /\s*([^"'\s]\S*|"[^"]*"|'[^']*')\s*/g;

/** Splits a command line like ZooKeeperMain.MyCommandOptions#parseCommand. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(ARGS_PATTERN)) {
    let v = m[1]!;
    const q = /^(['"])(.*)\1$/s.exec(v);
    if (q) v = q[2]!;
    out.push(v);
  }
  return out;
}

/** A commons-cli ParseException: `toString()` is what zkCli prints (`org.apache.commons.cli.X: message`). */
export class ParseError extends Error {
  constructor(
    readonly javaClass: string,
    message: string,
  ) {
    super(message);
  }
  override toString(): string {
    return `org.apache.commons.cli.${this.javaClass}: ${this.message}`;
  }
}

export interface OptionSpec {
  /** option name -> takes an argument */
  options: Record<string, boolean>;
  /** Mutually exclusive options (commons-cli OptionGroup), optionally required. */
  group?: { names: string[]; required: boolean; descriptions: Record<string, string> };
}

export interface Parsed {
  opts: Map<string, string | true>;
  /** Non-option words, the command name first. */
  args: string[];
}

const isNumber = (t: string) => /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t);

export function parseOptions(tokens: readonly string[], spec: OptionSpec): Parsed {
  const opts = new Map<string, string | true>();
  const args: string[] = [];
  const has = (n: string) => Object.prototype.hasOwnProperty.call(spec.options, n);
  let groupSelected: string | undefined;
  const select = (name: string) => {
    if (spec.group?.names.includes(name)) {
      if (groupSelected !== undefined && groupSelected !== name) {
        throw new ParseError(
          "AlreadySelectedException",
          `The option '${name}' was specified but an option from this group has already been selected: '${groupSelected}'`,
        );
      }
      groupSelected = name;
    }
  };
  const isOptionToken = (t: string) => {
    if (!t.startsWith("-") || t === "-" || t.startsWith("--")) return t.startsWith("--") && t.length > 2;
    const body = t.slice(1);
    if (has(body)) return true;
    const eq = body.indexOf("=");
    if (eq > 0 && has(body.slice(0, eq))) return true;
    return has(body[0]!);
  };
  const isArgument = (t: string) => !isOptionToken(t) || isNumber(t);
  let i = 0;
  let stop = false;
  while (i < tokens.length) {
    const t = tokens[i++]!;
    if (stop) {
      args.push(t);
      continue;
    }
    if (t === "--") {
      stop = true;
      continue;
    }
    if (t === "-" || !t.startsWith("-") || (isNumber(t) && !has(t.slice(1)))) {
      args.push(t);
      continue;
    }
    const body = t.startsWith("--") ? t.slice(2) : t.slice(1);
    const takeValue = (name: string, inline: string | undefined) => {
      select(name);
      if (!spec.options[name]) {
        opts.set(name, true);
        return;
      }
      if (inline !== undefined && inline !== "") {
        opts.set(name, inline);
        return;
      }
      const next = tokens[i];
      if (next === undefined || !isArgument(next)) throw new ParseError("MissingArgumentException", `Missing argument for option: ${name}`);
      i++;
      opts.set(name, next);
    };
    if (has(body)) {
      takeValue(body, undefined);
      continue;
    }
    const eq = body.indexOf("=");
    if (eq > 0 && has(body.slice(0, eq))) {
      takeValue(body.slice(0, eq), body.slice(eq + 1));
      continue;
    }
    if (!t.startsWith("--") && has(body[0]!)) {
      const first = body[0]!;
      if (spec.options[first]) {
        takeValue(first, body.slice(1));
        continue;
      }
      // bursting: -sw
      for (let k = 0; k < body.length; k++) {
        const ch = body[k]!;
        if (!has(ch)) throw new ParseError("UnrecognizedOptionException", `Unrecognized option: ${t}`);
        if (spec.options[ch]) {
          takeValue(ch, body.slice(k + 1));
          break;
        }
        select(ch);
        opts.set(ch, true);
      }
      continue;
    }
    throw new ParseError("UnrecognizedOptionException", `Unrecognized option: ${t}`);
  }
  if (spec.group?.required && groupSelected === undefined) {
    const d = spec.group.names.map((n) => `-${n} ${spec.group!.descriptions[n] ?? ""}`.trimEnd()).join(", ");
    throw new ParseError("MissingOptionException", `Missing required option: [${d}]`);
  }
  return { opts, args };
}
