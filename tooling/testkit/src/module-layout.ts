/**
 * A package README's "Module layout" table checked against its sources: every module the table names exists,
 * every source module (but index.ts and tests) is named, the README promises the size rule, and no module breaks it.
 */
import { readFileSync, readdirSync } from "node:fs";

export const MODULE_LINE_LIMIT = 600;

/**
 * What is wrong with the layout table of the README beside `src` (a `src/` directory URL), read from the
 * "## Module layout" heading up to the heading `until`; empty when nothing is.
 */
export function moduleLayoutProblems(src: URL, until: string): string[] {
  const readme = readFileSync(new URL("../README.md", src), "utf8");
  const start = readme.indexOf("## Module layout");
  const end = readme.indexOf(until, start);
  if (start < 0 || end < 0) return [`README.md has no "## Module layout" section ending at "${until}"`];
  const named = new Set([...readme.slice(start, end).matchAll(/^\| `([a-z0-9-]+\.ts)` \|/gm)].map((m) => m[1]!));
  const sources = readdirSync(src).filter((f) => f.endsWith(".ts") && !f.includes(".test") && f !== "index.ts");
  const problems: string[] = [];
  for (const f of named) if (!sources.includes(f)) problems.push(`the table names ${f}, which is not a source module`);
  for (const f of sources) if (!named.has(f)) problems.push(`${f} is not in the table`);
  if (!readme.includes(`No source module is longer than ${MODULE_LINE_LIMIT} lines.`)) {
    problems.push(`README.md does not say "No source module is longer than ${MODULE_LINE_LIMIT} lines."`);
  }
  for (const f of sources) {
    const lines = readFileSync(new URL(f, src), "utf8").split("\n").length;
    if (lines > MODULE_LINE_LIMIT) problems.push(`${f} has ${lines} lines`);
  }
  return problems;
}
