// `npm i -g` of the packed @zkts/server and @zkts/cli tarballs, with no workspace around them, gives working
// `zkts-server` and `zkcli` bins: the server starts from a zoo.cfg on a free port and answers `srvr`, the shell
// writes and reads a znode in one-shot mode, and the server stops cleanly on SIGTERM. Needs the npm registry for
// the apps' third-party dependencies; skipped (saying so) only when the registry cannot be reached.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { launchServer, type TestServer } from "@zkts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, REPO_ROOT } from "./build.js";

const run = promisify(execFile);
// Nothing of the workspace's npm/pnpm settings (npx and pnpm export the repository's .npmrc as npm_config_*)
// reaches the install; the machine's registry, proxy and certificate settings do.
const KEEP = /^npm_config_(registry|cache|userconfig|globalconfig|https?[-_]proxy|proxy|noproxy|no[-_]proxy|strict[-_]ssl|cafile|ca)$/i;
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || KEEP.test(k)));
const work = mkdtempSync(join(tmpdir(), "zkts-pkg-"));
const prefix = join(work, "global");
let server: TestServer | undefined;

async function registryReachable(): Promise<string | undefined> {
  const registry = execFileSync("npm", ["config", "get", "registry"], { cwd: work, env: cleanEnv, encoding: "utf8" }).trim();
  try {
    const res = await fetch(new URL("@msgpack%2fmsgpack", registry.endsWith("/") ? registry : `${registry}/`), {
      signal: AbortSignal.timeout(15_000),
    });
    return res.ok ? undefined : `${registry} answered ${res.status}`;
  } catch (e) {
    return `${registry}: ${(e as Error).message}`;
  }
}

/** `pnpm pack` of a workspace app into `work`; returns the tarball's path. */
async function pack(appDir: string): Promise<string> {
  const before = new Set(readdirSync(work));
  await run("pnpm", ["pack", "--pack-destination", work], { cwd: join(REPO_ROOT, appDir), timeout: 120_000 });
  const added = readdirSync(work).filter((f) => f.endsWith(".tgz") && !before.has(f));
  expect(added, `one tarball from ${appDir}`).toHaveLength(1);
  return join(work, added[0]!);
}

beforeAll(() => ensureBuilt(), 660_000);
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("global install of the packed server and cli tarballs", () => {
  it("installs alone and runs", { timeout: 600_000 }, async (ctx) => {
    const unreachable = await registryReachable();
    if (unreachable !== undefined) {
      console.warn(`SKIPPED: the npm registry is unreachable (${unreachable}); the global install needs it`);
      ctx.skip(`npm registry unreachable: ${unreachable}`);
    }
    const tarballs = [await pack("apps/server"), await pack("apps/cli")];
    // Outside the repository (no workspace, no .npmrc of ours); only the registry for third-party dependencies.
    await run("npm", ["install", "--global", "--prefix", prefix, "--no-audit", "--no-fund", ...tarballs], {
      cwd: work,
      env: cleanEnv,
      timeout: 420_000,
    });
    const installed = join(prefix, "lib", "node_modules", "@zkts");
    expect(readdirSync(installed).sort()).toEqual(["cli", "server"]);
    for (const app of ["server", "cli"]) {
      // The workspace packages are bundled: nothing of ours is installed beside the app.
      const nested = join(installed, app, "node_modules", "@zkts");
      expect(existsSync(nested), `${nested} must not exist`).toBe(false);
      expect(readFileSync(join(installed, app, "LICENSE"), "utf8")).toContain("Apache License");
    }
    const serverBin = join(prefix, "bin", "zkts-server");
    const cliBin = join(prefix, "bin", "zkcli");
    expect(existsSync(serverBin) && existsSync(cliBin)).toBe(true);

    // --help comes from the installed build.
    const help = await run(serverBin, ["--help"], { cwd: work, timeout: 30_000 });
    expect(help.stdout).toContain("Usage: zkts-server");
    const version = await run(serverBin, ["--version"], { cwd: work, timeout: 30_000 });
    const pkgVersion = (JSON.parse(readFileSync(join(REPO_ROOT, "apps", "server", "package.json"), "utf8")) as { version: string }).version;
    expect(version.stdout.trim()).toBe(`zkts-server ${pkgVersion}`);

    server = await launchServer({
      name: "installed zkts-server",
      prefix: "zkts-pkg-data-",
      startTimeoutMs: 60_000,
      command: (_dataDir, cfgPath) => ({ file: serverBin, args: [cfgPath], options: { cwd: work } }),
    });
    const shell = (...args: string[]) =>
      run(cliBin, ["-server", server!.connectString, ...args], { cwd: work, timeout: 60_000 });
    await shell("create", "/installed", "from-the-tarball");
    const got = await shell("get", "/installed");
    expect(got.stdout).toContain("from-the-tarball");

    const exited = new Promise<number | null>((resolve) => server!.process.once("exit", (code) => resolve(code)));
    server.process.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
