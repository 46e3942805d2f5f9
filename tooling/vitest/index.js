// Shared vitest settings: every @zkts/* import resolves to the package's TypeScript source,
// so tests run without a build step.
import { readdirSync, existsSync, readFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export function workspaceAliases() {
  const aliases = {};
  for (const group of ["packages", "apps", "tooling"]) {
    const dir = join(repoRoot, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const pkgJson = join(dir, name, "package.json");
      const entry = join(dir, name, "src", "index.ts");
      if (!existsSync(pkgJson) || !existsSync(entry)) continue;
      const pkg = JSON.parse(readFileSync(pkgJson, "utf8"));
      aliases[pkg.name] = entry;
    }
  }
  return aliases;
}

export function sharedTestConfig(overrides = {}) {
  return {
    resolve: { alias: workspaceAliases() },
    test: {
      environment: "node",
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  };
}
