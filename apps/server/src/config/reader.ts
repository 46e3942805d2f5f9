/**
 * zoo.cfg properties read into typed values: the entries by key (later lines override earlier ones, as with
 * java.util.Properties), the int/bool/string readers with their messages, and the problems and warnings collected
 * along the way, each prefixed with the file and line.
 */
import { parseProperties, PropertiesSyntaxError, type PropertyEntry } from "../properties.js";
import { ConfigError, oneOf } from "./types.js";

/** How {@link ConfigReader.int} checks a value (and names the expectation in its message). */
export type IntCheck = "positive" | "nonNegative" | "any" | "port";

const INT_WHAT: Record<IntCheck, string> = {
  positive: "a positive integer",
  nonNegative: "a non-negative integer",
  any: "an integer",
  port: "a port number (0-65535)",
};

function intAccepted(n: number, check: IntCheck): boolean {
  if (!Number.isSafeInteger(n) || n < -2147483648 || n > 2147483647) return false;
  if (check === "positive") return n > 0;
  if (check === "nonNegative") return n >= 0;
  if (check === "port") return n >= 0 && n <= 65535;
  return true;
}

export class ConfigReader {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];

  private constructor(
    readonly file: string,
    private readonly byKey: Map<string, PropertyEntry>,
  ) {}

  /** Reads zoo.cfg text; a syntax error throws {@link ConfigError} at once. */
  static fromText(text: string, file: string): ConfigReader {
    let entries: PropertyEntry[];
    try {
      entries = parseProperties(text);
    } catch (e) {
      if (e instanceof PropertiesSyntaxError) throw new ConfigError([`${file}:${e.line}: ${e.reason}`]);
      throw e;
    }
    // Later lines override earlier ones, as with java.util.Properties.
    const byKey = new Map<string, PropertyEntry>();
    for (const e of entries) {
      const trimmed = { ...e, value: e.value.trim() };
      byKey.set(e.key, trimmed);
    }
    return new ConfigReader(file, byKey);
  }

  /** Every effective entry, in the order of first appearance. */
  entries(): IterableIterator<PropertyEntry> {
    return this.byKey.values();
  }

  get(key: string): PropertyEntry | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** A key as in zoo.cfg or with ZooKeeper's `zookeeper.` system-property prefix (the prefixed one wins). */
  prop(key: string): PropertyEntry | undefined {
    return this.byKey.get(`zookeeper.${key}`) ?? this.byKey.get(key);
  }

  /** `file:line` of an entry. */
  at(e: PropertyEntry): string {
    return `${this.file}:${e.line}`;
  }

  /** A problem with an entry. */
  fail(e: PropertyEntry, msg: string): void {
    this.problems.push(`${this.at(e)}: ${msg}`);
  }

  /** A 32-bit integer; an invalid value is a problem and yields the default. */
  int(key: string, def: number | undefined, check: IntCheck = "any"): number | undefined {
    const e = this.byKey.get(key);
    if (e === undefined) return def;
    const v = e.value;
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
    if (!intAccepted(n, check)) {
      this.fail(e, `${key} must be ${INT_WHAT[check]}, got "${v}"`);
      return def;
    }
    return n;
  }

  /** One of `choices`; another value is a problem and yields undefined (as does an absent key). */
  choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const e = this.byKey.get(key);
    if (e === undefined) return undefined;
    const r = oneOf(key, choices, e.value);
    if ("ok" in r) return r.ok;
    this.fail(e, r.problem);
    return undefined;
  }

  /** true or false (any case); another value is a problem and yields the default. */
  bool(key: string, def: boolean): boolean {
    const e = this.byKey.get(key);
    if (e === undefined) return def;
    const v = e.value.toLowerCase();
    if (v === "true") return true;
    if (v === "false") return false;
    this.fail(e, `${key} must be true or false, got "${e.value}"`);
    return def;
  }

  /** A non-empty string; an empty value is a problem and yields undefined. */
  str(key: string): string | undefined {
    const e = this.byKey.get(key);
    if (e === undefined) return undefined;
    if (e.value === "") {
      this.fail(e, `${key} must not be empty`);
      return undefined;
    }
    return e.value;
  }
}
