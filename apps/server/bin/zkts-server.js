#!/usr/bin/env node
// Runs the built server (dist/main.js) when present; otherwise the TypeScript sources through tsx, so that
// `pnpm zkts-server path/to/zoo.cfg` works in a fresh checkout right after `pnpm install`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dist = new URL("../dist/main.js", import.meta.url);
if (existsSync(fileURLToPath(dist))) {
  await import(dist.href);
} else {
  const { register } = await import("tsx/esm/api");
  // The repository tsconfig maps every @zkts/* package to its sources.
  const tsconfig = fileURLToPath(new URL("../../../tsconfig.json", import.meta.url));
  register({ tsconfig: existsSync(tsconfig) ? tsconfig : undefined });
  await import(new URL("../src/main.ts", import.meta.url).href);
}
