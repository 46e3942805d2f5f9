// Shared vitest settings: every @zkts/* import resolves to the package's TypeScript source,
// so tests run without a build step.
import { readdirSync, existsSync, readFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * One exact-match alias per workspace entry point: `@zkts/x` -> `src/index.ts`, and each subpath export of its
 * package.json (`@zkts/x/testing`) -> `src/testing.ts` or `src/testing/index.ts`. Regexes anchored at both ends,
 * because vite's string aliases match prefixes (`@zkts/core` would turn `@zkts/core/testing` into
 * `.../index.ts/testing`).
 */
export function workspaceAliases() {
  const aliases = [];
  for (const group of ["packages", "apps", "tooling"]) {
    const dir = join(repoRoot, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const pkgJson = join(dir, name, "package.json");
      const entry = join(dir, name, "src", "index.ts");
      if (!existsSync(pkgJson) || !existsSync(entry)) continue;
      const pkg = JSON.parse(readFileSync(pkgJson, "utf8"));
      aliases.push({ find: new RegExp(`^${escape(pkg.name)}$`), replacement: entry });
      for (const key of Object.keys(pkg.exports ?? {})) {
        if (key === "." || !key.startsWith("./") || key.endsWith(".json")) continue; // ./package.json: the file itself
        const sub = key.slice(2);
        const source = [join(dir, name, "src", `${sub}.ts`), join(dir, name, "src", sub, "index.ts")].find(existsSync);
        if (source === undefined) throw new Error(`${pkg.name}: no source for the export "${key}" (src/${sub}.ts or src/${sub}/index.ts)`);
        aliases.push({ find: new RegExp(`^${escape(`${pkg.name}/${sub}`)}$`), replacement: source });
      }
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
