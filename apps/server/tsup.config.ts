import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/main.ts"],
  format: ["esm"],
  // The workspace packages are bundled in (their types inlined), so the published app installs alone; third-party
  // packages stay external and are declared in its dependencies.
  noExternal: [/^@zkts\//],
  dts: { resolve: [/^@zkts\//] },
  sourcemap: true,
  clean: true,
  target: "node20",
});
