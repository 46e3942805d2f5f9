import { defineConfig } from "tsup";

export default defineConfig({
  // socket-worker.js: the entry module of the connection worker thread, found next to the code that starts it.
  entry: ["src/index.ts", "src/testing/index.ts", "src/socket-worker.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
