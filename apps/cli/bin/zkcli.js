#!/usr/bin/env node
// Runs the built shell (dist/main.js) when it is present and up to date; otherwise the TypeScript sources
// through tsx, so that `pnpm zkcli -server host:port` works in a fresh checkout right after `pnpm install`
// and never runs a stale build during development. ZKTS_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const distFile = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Newest modification time of any .ts file under the workspace's package sources (0 outside a checkout). */
function newestSourceMtime() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const group of ["packages", "apps"]) {
    const base = join(repoRoot, group);
    if (!existsSync(base)) continue;
    for (const pkg of readdirSync(base)) {
      const src = join(base, pkg, "src");
      if (existsSync(src)) walk(src);
    }
  }
  return newest;
}

const inCheckout = existsSync(join(repoRoot, "pnpm-workspace.yaml"));
const useDist =
  process.env.ZKTS_FROM_SOURCE !== "1" &&
  existsSync(distFile) &&
  (!inCheckout || statSync(distFile).mtimeMs >= newestSourceMtime());

if (useDist) {
  await import(new URL("../dist/main.js", import.meta.url).href);
} else {
  const { register } = await import("tsx/esm/api");
  // The repository tsconfig maps every @zkts/* package to its sources.
  const tsconfig = join(repoRoot, "tsconfig.json");
  register({ tsconfig: existsSync(tsconfig) ? tsconfig : undefined });
  await import(new URL("../src/main.ts", import.meta.url).href);
}
