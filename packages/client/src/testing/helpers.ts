/** Test support: polling and event helpers, unique paths, the per-server describe block. */
import { afterAll, beforeAll, describe } from "vitest";
import type { EventEmitter } from "node:events";
import { SERVER_KINDS, type TestServer } from "./servers.js";

let counter = 0;
/** A fresh top-level path per test ("/t-<pid>-<n>-<label>"). */
export function uniq(label = "n"): string {
  return `/t${process.pid}-${++counter}-${label}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 20 ms until it is truthy; throws after `timeoutMs`. */
export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Resolves with the arguments of the next `name` event; rejects after `timeoutMs`. */
export function once<T extends unknown[] = unknown[]>(
  emitter: EventEmitter<any>,
  name: string,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(name, on);
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(name, on);
  });
}

/**
 * Runs the same test body against each server (reference Apache ZooKeeper 3.8, then zkts). The body gets a
 * getter for the running server and the server's name (for `// zkts differs` cases).
 */
export function describeServers(title: string, body: (server: () => TestServer, kind: "reference" | "zkts") => void): void {
  for (const kind of SERVER_KINDS) {
    describe(`${title} [${kind.name}]`, () => {
      let server: TestServer | undefined;
      beforeAll(async () => {
        server = await kind.start();
      });
      afterAll(async () => {
        await server?.stop();
      });
      body(() => server!, kind.name);
    });
  }
}
