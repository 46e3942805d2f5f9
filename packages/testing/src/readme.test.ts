import { once } from "node:events";
import { readFileSync } from "node:fs";
import { format } from "node:util";
import * as client from "@zkts/client";
import { expect, it } from "vitest";
import * as testing from "./index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const sections = readme.split(/^## /m).slice(1).map((s) => ({ title: s.slice(0, s.indexOf("\n")), text: s }));
const tsBlocks = (text: string) => [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
const modules: Record<string, Record<string, unknown>> = { "@zkts/client": client, "@zkts/testing": testing, "node:events": { once } };

it("README's install block imports only what the package exports, ESM and CommonJS alike", () => {
  const [block] = tsBlocks(sections.find((s) => s.title === "Install")!.text);
  const lines = block!.trim().split("\n");
  expect(lines.map((l) => (/^(import|const) /.exec(l) ?? [])[1])).toEqual(["import", "const"]);
  for (const line of lines) {
    const names = /\{ ([^}]+) \}/.exec(line)![1]!.split(",").map((n) => n.trim());
    expect(names.filter((n) => !(n in testing)), line).toEqual([]);
  }
});

const runnable = sections.filter((s) => !["Install"].includes(s.title) && tsBlocks(s.text).length > 0);

it("README has its runnable examples", () => {
  expect(runnable.map((s) => `${s.title}: ${tsBlocks(s.text).length}`)).toEqual(["A server: 1", "An ensemble: 1", "Session expiry: 1"]);
});

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;

for (const section of runnable) {
  for (const code of tsBlocks(section.text)) {
    it(`README "${section.title}" runs, printing what its // → lines say`, async () => {
      const imports = [...code.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)];
      const bindings = imports.flatMap((m) =>
        m[1]!.split(",").map((n) => {
          const name = n.trim();
          const mod = modules[m[2]!];
          expect(mod, `module ${m[2]}`).toBeDefined();
          expect(name in mod!, `${name} from ${m[2]}`).toBe(true);
          return [name, mod![name]] as const;
        }),
      );
      const body = code.replace(/^import .*$/gm, "");
      const expected = [...code.matchAll(/^\s*\/\/ → (.*)$/gm)].map((m) => m[1]!);
      const printed: string[] = [];
      const console = { log: (...args: unknown[]) => printed.push(format(...args)) };
      await new AsyncFunction(...bindings.map(([n]) => n), "console", body)(...bindings.map(([, v]) => v), console);
      expect(printed).toEqual(expected);
    }, 60_000);
  }
}
