#!/usr/bin/env bash
# Usage: tooling/scripts/new-package.sh <dir under packages/ or apps/> <npm name> "<description>"
set -euo pipefail
dir=$1; name=$2; desc=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$root/$dir/src"
cd "$root/$dir"
[ -f package.json ] || cat > package.json <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "Apache-2.0",
  "type": "module",
  "sideEffects": false,
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "exports": {
    ".": { "types": "./dist/index.d.ts", "import": "./dist/index.js" }
  },
  "files": ["dist", "README.md"],
  "publishConfig": { "access": "public" },
  "engines": { "node": ">=20" },
  "scripts": {
    "build": "tsup",
    "test": "vitest run",
    "typecheck": "tsc --noEmit"
  },
  "dependencies": {},
  "devDependencies": {
    "@zkts/tsconfig": "workspace:*",
    "@zkts/vitest-config": "workspace:*"
  }
}
JSON
[ -f tsconfig.json ] || cat > tsconfig.json <<JSON
{
  "extends": "@zkts/tsconfig/base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist" },
  "include": ["src"]
}
JSON
[ -f tsup.config.ts ] || cat > tsup.config.ts <<'TS'
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
TS
[ -f vitest.config.ts ] || cat > vitest.config.ts <<'TS'
import { defineConfig } from "vitest/config";
// @ts-expect-error plain JS helper
import { sharedTestConfig } from "@zkts/vitest-config";

export default defineConfig(sharedTestConfig({ include: ["src/**/*.test.ts"] }));
TS
[ -f src/index.ts ] || echo "export {};" > src/index.ts
[ -f README.md ] || printf '# %s\n\n%s\n' "$name" "$desc" > README.md
