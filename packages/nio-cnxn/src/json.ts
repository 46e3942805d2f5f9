/**
 * Records as ZooKeeper's AdminServer prints them: Jackson's ObjectMapper with INDENT_OUTPUT (DefaultPrettyPrinter):
 * objects one entry a line, `"key" : value`, two spaces a level; arrays on one line (`[ a, b ]`); `{ }` and `[ ]`
 * when empty; Java longs as integers and doubles as Java prints them.
 */
import { JavaDouble, type RecordValue } from "./commands.js";
import { javaDouble } from "./four-letter.js";

function entriesOf(v: RecordValue): [string, RecordValue][] | undefined {
  if (v instanceof Map) return [...(v as Map<string, RecordValue>)];
  if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof JavaDouble)) {
    return Object.entries(v as Record<string, RecordValue>);
  }
  return undefined;
}

function write(v: RecordValue, level: number): string {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : javaDouble(v);
  if (v instanceof JavaDouble) return javaDouble(v.value);
  if (Array.isArray(v)) {
    if (v.length === 0) return "[ ]";
    return `[ ${(v as readonly RecordValue[]).map((x) => write(x, level)).join(", ")} ]`;
  }
  const entries = entriesOf(v)!;
  if (entries.length === 0) return "{ }";
  const pad = "  ".repeat(level + 1);
  const body = entries.map(([k, x]) => `${pad}${JSON.stringify(k)} : ${write(x, level + 1)}`).join(",\n");
  return `{\n${body}\n${"  ".repeat(level)}}`;
}

/** The JSON text of a record, as Jackson's pretty printer writes it. */
export function toJackson(v: RecordValue): string {
  return write(v, 0);
}
