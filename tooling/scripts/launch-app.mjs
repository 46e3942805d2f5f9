// Shared by the apps' bin scripts when they run inside a source checkout: runs the app's built dist/main.js when
// it is up to date with every package's sources, otherwise the TypeScript sources through tsx, so that
// `pnpm zkts-server`, `pnpm zkcli` and `pnpm zkts-bench` work right after `pnpm install` and never run a stale
// build. ZKTS_FROM_SOURCE=1 forces the sources. (Installed from npm, the bins run dist/main.js directly.)
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Newest modification time of any .ts file under the workspace's package sources. */
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

/** Runs the app whose directory is `appDir` (a file URL ending in "/"). */
export async function launchApp(appDir) {
  const dist = new URL("dist/main.js", appDir);
  const distFile = fileURLToPath(dist);
  const useDist =
    process.env.ZKTS_FROM_SOURCE !== "1" && existsSync(distFile) && statSync(distFile).mtimeMs >= newestSourceMtime();
  if (useDist) {
    await import(dist.href);
    return;
  }
  const { register } = await import("tsx/esm/api");
  // The repository tsconfig maps every @zkts/* package to its sources.
  register({ tsconfig: join(repoRoot, "tsconfig.json") });
  await import(new URL("src/main.ts", appDir).href);
}
