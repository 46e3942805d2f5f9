#!/usr/bin/env node
// Installed from npm this runs the built server (dist/main.js). Inside a source checkout, tooling/scripts/launch-app.mjs
// picks the build when it is up to date and the TypeScript sources (through tsx) otherwise.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const inCheckout = new URL("../../../tooling/scripts/launch-app.mjs", import.meta.url);
if (existsSync(fileURLToPath(inCheckout))) {
  const { launchApp } = await import(inCheckout.href);
  await launchApp(new URL("../", import.meta.url));
} else {
  await import(new URL("../dist/main.js", import.meta.url).href);
}
