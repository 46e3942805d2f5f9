// Lint: purity of the protocol cores and dependency boundaries between packages (docs/server-design.md).
// `pnpm lint` runs it; the README's test command runs it in CI (tooling/scripts/test-all.sh).
import tseslint from "typescript-eslint";

/**
 * Which @zkts/* packages each workspace package may import (dependencies point down: jute at the bottom; apps on
 * top; no package imports an app; zab does not know the datatree). Test files may also use @zkts/testkit.
 */
const ALLOWED = {
  jute: [],
  contracts: [],
  metrics: [],
  tls: [],
  "client-wire": ["jute"],
  datatree: ["jute", "client-wire", "contracts", "metrics"],
  election: ["jute", "contracts", "metrics"],
  zab: ["jute", "election", "contracts", "metrics"],
  persistence: ["jute", "client-wire", "datatree", "contracts", "metrics"],
  "nio-cnxn": ["jute", "client-wire", "contracts", "metrics", "tls"],
  core: ["jute", "client-wire", "datatree", "contracts", "metrics"],
  quorum: ["jute", "client-wire", "datatree", "contracts", "metrics", "core", "persistence", "election", "zab", "tls"],
  client: ["jute", "client-wire", "contracts", "tls"],
  recipes: ["client"],
  // The one package above the apps: it runs zkts-server (@zkts/server) inside a user's test process, as Curator's
  // TestingServer runs ZooKeeper's server. Nothing imports it but tests.
  testing: ["server", "client"],
};

/** Packages whose sources must stay pure outside their node adapters and test doubles. */
const PURE = ["jute", "contracts", "metrics", "client-wire", "datatree", "election", "zab", "persistence", "core", "quorum"];

/** Files of a pure package that may touch the real clock, timers, randomness, files or sockets. */
const ADAPTERS = [
  "**/src/node/**",
  "**/*.test.ts",
  "**/*.test-util.ts",
  "**/src/testing/**",
  "**/src/test-helpers.ts",
  "packages/persistence/src/node-storage.ts",
  "packages/persistence/src/worker-txnlog.ts",
  "packages/persistence/src/txnlog-worker.ts",
  "packages/persistence/src/txnlog-worker-thread.ts",
  "packages/persistence/src/snapshot-digest-worker.ts",
  "packages/persistence/src/compat/**",
];

const impureGlobals = [
  { name: "setTimeout", message: "Pure core: take timers from the injected Clock." },
  { name: "setInterval", message: "Pure core: take timers from the injected Clock." },
  { name: "setImmediate", message: "Pure core: take timers from the injected Clock." },
  { name: "clearTimeout", message: "Pure core: take timers from the injected Clock." },
  { name: "clearInterval", message: "Pure core: take timers from the injected Clock." },
  { name: "queueMicrotask", message: "Pure core: no hidden scheduling; let the host drive." },
];
const impureProperties = [
  { object: "Date", property: "now", message: "Pure core: read time from the injected Clock." },
  { object: "Math", property: "random", message: "Pure core: take randomness from the injected Random." },
  { object: "performance", property: "now", message: "Pure core: read time from the injected Clock." },
  { object: "process", property: "hrtime", message: "Pure core: read time from the injected Clock." },
];
const impureModules = ["fs", "node:fs", "fs/promises", "node:fs/promises", "net", "node:net", "node:tls", "tls", "node:dgram", "dgram", "node:timers", "timers", "node:child_process", "child_process"].map(
  (name) => ({ name, message: "Pure core: files, sockets and timers belong in the node adapters (src/node/) behind injected ports." }),
);

/** Test support inside a package (doubles, fixtures, reference runs) may also use the test kit. */
const TEST_SUPPORT = ["**/*.test.ts", "**/*.test-util.ts", "**/src/testing/**", "**/src/test-helpers.ts", "**/src/compat/**"];

function boundaryPatterns(pkg, extra = []) {
  const allowed = [...ALLOWED[pkg], ...extra];
  return [
    {
      group: ["@zkts/*", ...allowed.flatMap((a) => [`!@zkts/${a}`, `!@zkts/${a}/*`])],
      message: `@zkts/${pkg} may import only ${allowed.length ? allowed.map((a) => "@zkts/" + a).join(", ") : "no other @zkts package"} (dependencies point down).`,
    },
    { regex: "^(\\.\\./){2,}(.*/)?src/", message: "Import other packages by name, not by relative path into their sources." },
  ];
}

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/*.js", "**/*.mjs", "**/*.cjs", "**/fixtures/**", "**/__fixtures__/**"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: "module" },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "no-debugger": "error",
      "no-dupe-keys": "error",
      "no-duplicate-case": "error",
      "no-self-assign": "error",
      "no-unreachable": "error",
      "no-unsafe-finally": "error",
      "no-fallthrough": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-misused-new": "error",
      "@typescript-eslint/no-unsafe-declaration-merging": "error",
      "@typescript-eslint/prefer-as-const": "error",
    },
  },
  // Dependency boundaries, package by package (sources and tests; tests may also use the test kit).
  ...Object.keys(ALLOWED).map((pkg) => ({
    files: [`packages/${pkg}/src/**/*.ts`],
    ignores: TEST_SUPPORT,
    rules: { "no-restricted-imports": ["error", { patterns: boundaryPatterns(pkg) }] },
  })),
  ...Object.keys(ALLOWED).map((pkg) => ({
    files: [`packages/${pkg}/src/**/*.test.ts`, `packages/${pkg}/src/**/*.test-util.ts`, `packages/${pkg}/src/testing/**/*.ts`, `packages/${pkg}/src/test-helpers.ts`, `packages/${pkg}/src/compat/**/*.ts`],
    rules: { "no-restricted-imports": ["error", { patterns: boundaryPatterns(pkg, ["testkit"]) }] },
  })),
  // Purity of the protocol cores outside their adapters.
  ...PURE.map((pkg) => ({
    files: [`packages/${pkg}/src/**/*.ts`],
    ignores: ADAPTERS,
    rules: {
      // persistence is driven by storage I/O: its group commit and snapshot writer yield to the event loop
      // (setImmediate: "after this round of I/O callbacks", an ordering point, not a time). No clock, no timers.
      "no-restricted-globals": ["error", ...impureGlobals.filter((g) => pkg !== "persistence" || g.name !== "setImmediate")],
      "no-restricted-properties": ["error", ...impureProperties],
      "no-restricted-imports": ["error", { paths: impureModules, patterns: boundaryPatterns(pkg) }],
    },
  })),
);
