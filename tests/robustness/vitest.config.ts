import { defineConfig } from "vitest/config";
// @ts-expect-error plain JS helper
import { sharedTestConfig } from "../../tooling/vitest/index.js";

export default defineConfig(sharedTestConfig({ include: ["test/**/*.test.ts"], pool: "forks" }));
