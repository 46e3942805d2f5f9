import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  // @zkts/client is a runtime dependency (not bundled): the recipes and the application share one client.
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
