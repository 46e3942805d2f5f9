#!/usr/bin/env bash
# The whole test suite: reference packages, build, typecheck, every test.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tooling/scripts/install-reference.sh
pnpm run build
pnpm run typecheck
pnpm exec vitest run
