#!/usr/bin/env bash
# The whole test suite: reference packages, build, typecheck, lint, every test.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tooling/scripts/install-reference.sh
pnpm run build
pnpm run typecheck
pnpm run lint
pnpm exec vitest run
