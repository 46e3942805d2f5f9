import { defineConfig } from "vitest/config";
// @ts-expect-error plain JS helper
import { sharedTestConfig } from "./tooling/vitest/index.js";

export default defineConfig(
  sharedTestConfig({
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "tests/**/*.test.ts"],
    pool: "forks",
  }),
);
