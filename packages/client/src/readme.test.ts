import { readFileSync, readdirSync } from "node:fs";
import { expect, it } from "vitest";

// The README's "Module layout": every module it names exists, every source module is named, none is too long.
const src = new URL(".", import.meta.url);
it("README module layout names every source module, none over 600 lines", () => {
  const readme = readFileSync(new URL("../README.md", src), "utf8");
  const layout = readme.slice(readme.indexOf("## Module layout"), readme.indexOf("## Compared with the other Node clients"));
  const named = [...layout.matchAll(/^\| `([a-z-]+\.ts)` \|/gm)].map((m) => m[1]!);
  const sources = readdirSync(src).filter((f) => f.endsWith(".ts") && !f.includes(".test") && f !== "index.ts");
  expect(named.slice().sort()).toEqual(sources.slice().sort());
  expect(readme).toContain("No source module is longer than 600 lines.");
  for (const f of sources) {
    const lines = readFileSync(new URL(f, src), "utf8").split("\n").length;
    expect(lines, f).toBeLessThanOrEqual(600);
  }
});
