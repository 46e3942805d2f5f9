import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  // The wire packages are bundled in (and their types inlined), so the published client has no runtime
  // dependencies and `require("@zkts/client")` works on Node 20, where CommonJS cannot require ESM.
  noExternal: [/^@zkts\//],
  dts: { resolve: [/^@zkts\//] },
  sourcemap: true,
  clean: true,
  target: "node20",
});
