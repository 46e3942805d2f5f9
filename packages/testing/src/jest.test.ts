import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

/** jest's own launcher, from the jest 29 installed as this package's devDependency. */
function jestBin(): string {
  const pkgJson = createRequire(import.meta.url).resolve("jest/package.json");
  const bin = (JSON.parse(readFileSync(pkgJson, "utf8")) as { bin: string | Record<string, string> }).bin;
  return join(dirname(pkgJson), typeof bin === "string" ? bin : bin["jest"]!);
}

interface JestResult {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numTotalTests: number;
}

it("the jest example (CommonJS: require of the built package) passes under jest 29", () => {
  const built = join(pkgDir, "dist", "index.cjs");
  expect(existsSync(built), `${built} is missing: build first (pnpm build)`).toBe(true);
  const out = mkdtempSync(join(tmpdir(), "zkts-testing-jest-"));
  try {
    const outputFile = join(out, "result.json");
    const r = spawnSync(
      process.execPath,
      [jestBin(), "--config", "examples/jest/jest.config.cjs", "--ci", "--json", "--outputFile", outputFile],
      { cwd: pkgDir, encoding: "utf8", timeout: 90_000, env: { ...process.env, NODE_OPTIONS: "" } },
    );
    const log = `${r.stdout}\n${r.stderr}`;
    expect(r.error, log).toBeUndefined(); // e.g. killed on the timeout
    const result = JSON.parse(readFileSync(outputFile, "utf8")) as JestResult;
    expect({ success: result.success, passed: result.numPassedTests, failed: result.numFailedTests, total: result.numTotalTests }, log).toEqual({
      success: true,
      passed: 2,
      failed: 0,
      total: 2,
    });
    expect(r.status, log).toBe(0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 100_000);
