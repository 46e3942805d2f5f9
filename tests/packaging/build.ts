// Shared by the packaging tests: the repository root, the publishable packages, and a build that is up to date.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface WorkspacePackage {
  dir: string;
  name: string;
  json: Record<string, unknown> & { exports?: Record<string, unknown>; bin?: Record<string, string> };
}

/** Every package under packages/ and apps/ (the published ones), with its package.json. */
export function publishablePackages(): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  for (const group of ["packages", "apps"]) {
    for (const name of readdirSync(join(REPO_ROOT, group)).sort()) {
      const dir = join(REPO_ROOT, group, name);
      const file = join(dir, "package.json");
      if (!existsSync(file)) continue;
      const json = JSON.parse(readFileSync(file, "utf8")) as WorkspacePackage["json"];
      out.push({ dir, name: json.name as string, json });
    }
  }
  return out;
}

/** Newest modification time of what a package's build reads: its sources, package.json and tsup config. */
function newestInput(dir: string): number {
  let newest = Math.max(statSync(join(dir, "package.json")).mtimeMs, statSync(join(dir, "tsup.config.ts")).mtimeMs);
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(dir, "src"));
  return newest;
}

function oldestOutput(dir: string): number {
  const dist = join(dir, "dist");
  if (!existsSync(dist)) return 0;
  const files = readdirSync(dist).filter((f) => /\.(c?js|d\.c?ts)$/.test(f));
  if (files.length === 0) return 0;
  return Math.min(...files.map((f) => statSync(join(dist, f)).mtimeMs));
}

/**
 * Runs `pnpm build` unless every package's dist is already newer than everything it is built from (as after
 * `pnpm test:all`'s own build step: rebuilding then would rewrite dist/ under the feet of the tests that start
 * zkts-server through its launcher). Apps bundle the libraries, so any stale package means a full build.
 */
export async function ensureBuilt(): Promise<void> {
  const isStale = () => publishablePackages().some((p) => oldestOutput(p.dir) < newestInput(p.dir));
  if (!isStale()) return;
  // The packaging test files run in parallel workers: one builds while the others wait (a directory as the lock).
  const lock = join(REPO_ROOT, "node_modules", ".zkts-packaging-build.lock");
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 900_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${lock} held for 10 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    // Asynchronous, so that the test worker keeps answering vitest while the build runs.
    if (isStale()) await promisify(execFile)("pnpm", ["build"], { cwd: REPO_ROOT, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
