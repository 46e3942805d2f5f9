// The lint rules that keep the protocol cores pure and dependencies pointing down (eslint.config.js) must be able to
// fail: each case lints a small piece of code as if it were a file of the named package.
import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const eslint = new ESLint({ cwd: root });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe("lint: pure cores", () => {
  it.each([
    ["packages/core/src/x.ts", "export const t = Date.now();", "no-restricted-properties"],
    ["packages/zab/src/x.ts", "export const r = Math.random();", "no-restricted-properties"],
    ["packages/election/src/x.ts", "setTimeout(() => {}, 1);", "no-restricted-globals"],
    ["packages/datatree/src/x.ts", 'import { readFileSync } from "node:fs";\nexport const f = readFileSync;', "no-restricted-imports"],
    ["packages/core/src/x.ts", 'import { createServer } from "node:net";\nexport const s = createServer;', "no-restricted-imports"],
    ["packages/persistence/src/x.ts", "export const t = Date.now();", "no-restricted-properties"],
  ])("%s: %s is refused", async (file, code, rule) => {
    expect(await ruleIds(file, code)).toContain(rule);
  });

  it.each([
    ["packages/election/src/node/x.ts", "setTimeout(() => {}, 1);"],
    ["packages/core/src/x.test.ts", "export const t = Date.now();"],
    ["packages/persistence/src/node-storage.ts", 'import { open } from "node:fs/promises";\nexport const o = open;'],
    ["packages/nio-cnxn/src/x.ts", 'import { createServer } from "node:net";\nexport const s = createServer;'],
  ])("%s: adapters and tests may (%s)", async (file, code) => {
    expect(await ruleIds(file, code)).toEqual([]);
  });
});

describe("lint: dependencies point down", () => {
  it.each([
    ["packages/zab/src/x.ts", 'import { DataTree } from "@zkts/datatree";\nexport const d = DataTree;'],
    ["packages/jute/src/x.ts", 'import { OpCode } from "@zkts/client-wire";\nexport const o = OpCode;'],
    ["packages/core/src/x.ts", 'import { NioServer } from "@zkts/nio-cnxn";\nexport const n = NioServer;'],
    ["packages/datatree/src/x.ts", 'import { main } from "@zkts/server";\nexport const m = main;'],
    ["packages/core/src/x.ts", 'import { x } from "../../datatree/src/datatree.js";\nexport const y = x;'],
  ])("%s: %s is refused", async (file, code) => {
    expect(await ruleIds(file, code)).toContain("no-restricted-imports");
  });

  it.each([
    ["packages/zab/src/x.ts", 'import { FastLeaderElection } from "@zkts/election";\nexport const f = FastLeaderElection;'],
    ["packages/core/src/x.ts", 'import { DataTree } from "@zkts/datatree";\nexport const d = DataTree;'],
    ["packages/persistence/src/compat/x.ts", 'import { startReference } from "@zkts/testkit";\nexport const s = startReference;'],
  ])("%s: %s is allowed", async (file, code) => {
    expect(await ruleIds(file, code)).toEqual([]);
  });
});
