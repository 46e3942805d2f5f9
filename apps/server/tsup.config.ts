import { defineConfig } from "tsup";

export default defineConfig({
  // txnlog-worker / socket-worker: the entry modules of the txn log and connection worker threads
  // (@zkts/persistence's WorkerTxnLog and @zkts/nio-cnxn's WorkerSocketHost look for them next to the bundled code
  // that starts them).
  entry: ["src/index.ts", "src/main.ts", "src/txnlog-worker.ts", "src/socket-worker.ts"],
  format: ["esm"],
  // The workspace packages are bundled in (their types inlined), so the published app installs alone; third-party
  // packages stay external and are declared in its dependencies.
  noExternal: [/^@zkts\//],
  dts: { resolve: [/^@zkts\//] },
  sourcemap: true,
  clean: true,
  target: "node20",
});
