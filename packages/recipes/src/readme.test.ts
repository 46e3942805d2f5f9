import { readFileSync } from "node:fs";
import { format } from "node:util";
import * as client from "@zkts/client";
import { moduleLayoutProblems } from "@zkts/testkit";
import { expect, it } from "vitest";
import * as recipes from "./index.js";
import { describeServers } from "./testing/servers.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const examples = readme.slice(readme.indexOf("## Examples"), readme.indexOf("## Connection states"));
const blocks = [...examples.matchAll(/^### (.+)\n\n```ts\n([\s\S]*?)```/gm)].map((m) => ({ title: m[1]!, code: m[2]! }));

it("README module layout names every source module, none over 600 lines", () => {
  expect(moduleLayoutProblems(new URL(".", import.meta.url), "## Not yet")).toEqual([]);
});

it("README has its examples", () => {
  expect(blocks.map((b) => b.title)).toEqual(["InterProcessMutex", "LeaderLatch", "DistributedAtomicLong", "InterProcessReadWriteLock", "InterProcessSemaphoreV2", "LeaderSelector", "SharedCount", "DistributedBarrier and DistributedDoubleBarrier", "DistributedQueue", "CuratorCache", "PersistentNode", "ServiceDiscovery"]);
});

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;

describeServers("README examples", (server) => {
  for (const { title, code } of blocks) {
    it(`${title}: runs, printing what its // → comments say`, async () => {
      const imports = [...code.matchAll(/^import \{ ([^}]+) \} from "(@zkts\/client|@zkts\/recipes)";$/gm)];
      const names = imports.flatMap((m) => m[1]!.split(",").map((n) => n.trim()));
      const modules: Record<string, Record<string, unknown>> = { "@zkts/client": client, "@zkts/recipes": recipes };
      const values = names.map((n) => modules[imports.find((m) => m[1]!.includes(n))![2]!]![n]);
      const body = code.replace(/^import .*$/gm, "").replaceAll('"127.0.0.1:2181"', JSON.stringify(server().connectString));
      const expected = [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]!);
      const printed: string[] = [];
      const console = { log: (...args: unknown[]) => printed.push(format(...args)) };
      await new AsyncFunction(...names, "console", body)(...values, console);
      expect(printed).toEqual(expected);
    });
  }
});
