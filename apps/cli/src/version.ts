/**
 * zkcli's version, read from the package's package.json. This file sits directly in src/ so that the relative
 * URL `../package.json` is right both from the sources (src/version.ts) and from the bundle (dist/*.js).
 */
import { readFileSync } from "node:fs";

export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
})();
