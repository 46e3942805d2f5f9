import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  // zkts's own packages are bundled in: @zkts/server (which it runs in-process) ships as ESM only, and a CommonJS
  // test (jest) must be able to require this package. Third-party packages stay external, in its dependencies.
  noExternal: [/^@zkts\//],
  dts: { resolve: [/^@zkts\//] },
  shims: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
