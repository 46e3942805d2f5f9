// Every library package's build is usable from both module systems, with types for each: for every subpath of its
// `exports`, `import()` and `require()` by package name (Node's own resolution through the exports map, as a
// consumer would) load the same non-empty set of names, and the `types` file of each condition exists.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, publishablePackages, REPO_ROOT } from "./build.js";

type Condition = { types: string; default: string };
const libraries = publishablePackages().filter((p) => p.dir.startsWith(join(REPO_ROOT, "packages")));

// One node process per package: imports each subpath by name (the package references itself), requires it through
// a require() made inside the package, and prints the sorted export names of both.
const PROBE = `
import { createRequire } from "node:module";
const [pkgJson, ...specifiers] = JSON.parse(process.argv[1]);
const require = createRequire(pkgJson);
const out = {};
for (const s of specifiers) {
  const esm = await import(s);
  const cjs = require(s);
  out[s] = { esm: Object.keys(esm).filter((k) => k !== "default").sort(), cjs: Object.keys(cjs).sort() };
}
process.stdout.write(JSON.stringify(out));
`;

beforeAll(() => ensureBuilt(), 660_000);

describe("library packages: ESM, CJS and types from the built dist", () => {
  it("there are library packages to check", () => {
    expect(libraries.map((p) => p.name)).toEqual(
      expect.arrayContaining(["@zkts/jute", "@zkts/datatree", "@zkts/client", "@zkts/core", "@zkts/persistence"]),
    );
  });

  it.each(libraries.map((p) => [p.name, p] as const))("%s", (name, pkg) => {
    const exportsMap = pkg.json.exports as Record<string, { import: Condition; require: Condition }>;
    expect(Object.keys(exportsMap)).toContain(".");
    const specifiers: string[] = [];
    for (const [key, conditions] of Object.entries(exportsMap)) {
      specifiers.push(key === "." ? name : `${name}/${key.slice(2)}`);
      for (const cond of ["import", "require"] as const) {
        const c = conditions[cond];
        expect(c, `${name} exports["${key}"].${cond}`).toBeDefined();
        for (const file of [c.types, c.default]) {
          const path = join(pkg.dir, file);
          expect(existsSync(path), `${name}: ${file} (exports["${key}"].${cond})`).toBe(true);
          expect(statSync(path).size).toBeGreaterThan(0);
        }
      }
      expect(conditions.import.types).toMatch(/\.d\.ts$/);
      expect(conditions.require.types).toMatch(/\.d\.cts$/);
      expect(conditions.require.default).toMatch(/\.cjs$/);
    }
    const raw = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", PROBE, JSON.stringify([join(pkg.dir, "package.json"), ...specifiers])],
      { cwd: pkg.dir, encoding: "utf8", timeout: 30_000 },
    );
    const loaded = JSON.parse(raw) as Record<string, { esm: string[]; cjs: string[] }>;
    for (const s of specifiers) {
      expect(loaded[s]!.esm.length, `${s} exports names`).toBeGreaterThan(0);
      expect(loaded[s]!.cjs, `${s}: require() gives the names import() gives`).toEqual(loaded[s]!.esm);
    }
    // The declarations describe what the modules export: every runtime name appears in the types of both forms.
    const types = (cond: "import" | "require") =>
      Object.values(exportsMap)
        .map((c) => readFileSync(join(pkg.dir, c[cond].types), "utf8"))
        .join("\n");
    for (const cond of ["import", "require"] as const) {
      const text = types(cond);
      for (const s of specifiers) for (const n of loaded[s]!.esm) expect(text, `${name} ${cond} types name ${n}`).toMatch(new RegExp(`\\b${n}\\b`));
    }
  });

  it("every package (libraries and apps) is publishable: not private, Apache-2.0, repository with directory, LICENSE in files", () => {
    const license = readFileSync(join(REPO_ROOT, "LICENSE"), "utf8");
    expect(license).toContain("Apache License");
    expect(license).toContain("Version 2.0, January 2004");
    for (const p of publishablePackages()) {
      expect(p.json.private, p.name).toBeUndefined();
      expect(p.json.license, p.name).toBe("Apache-2.0");
      expect(p.json.version, p.name).toMatch(/^\d+\.\d+\.\d+/);
      const repo = p.json.repository as { type: string; url: string; directory: string };
      expect(repo.type, p.name).toBe("git");
      expect(repo.directory, p.name).toBe(p.dir.slice(REPO_ROOT.length).replace(/^\/+/, ""));
      expect(p.json.files, p.name).toEqual(expect.arrayContaining(["dist", "README.md", "LICENSE"]));
      expect(readFileSync(join(p.dir, "LICENSE"), "utf8"), `${p.name}/LICENSE is the root LICENSE`).toBe(license);
      expect(existsSync(join(p.dir, "README.md")), `${p.name}/README.md`).toBe(true);
    }
  });
});
