import { defineConfig } from "tsup";

export default defineConfig({
  // txnlog-worker: the entry module of the txn log worker thread (@zkts/persistence's WorkerTxnLog looks for it
  // next to the bundled code that starts it).
  entry: ["src/index.ts", "src/main.ts", "src/txnlog-worker.ts"],
  format: ["esm"],
  // The workspace packages are bundled in (their types inlined), so the published app installs alone; third-party
  // packages stay external and are declared in its dependencies.
  noExternal: [/^@zkts\//],
  dts: { resolve: [/^@zkts\//] },
  sourcemap: true,
  clean: true,
  target: "node20",
});
