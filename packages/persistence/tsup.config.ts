import { defineConfig } from "tsup";

export default defineConfig({
  // txnlog-worker.js: the entry module of WorkerTxnLog's worker thread, found next to the code that starts it.
  entry: ["src/index.ts", "src/testing.ts", "src/txnlog-worker.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
