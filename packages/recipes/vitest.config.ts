import { defineConfig } from "vitest/config";
// @ts-expect-error plain JS helper
import { sharedTestConfig } from "@zkts/vitest-config";

export default defineConfig(sharedTestConfig({ include: ["src/**/*.test.ts"] }));
