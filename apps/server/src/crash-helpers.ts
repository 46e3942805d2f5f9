/**
 * Shared by the crash tests against the real zkts-server process (crash.test.ts, disk-full.test.ts): start the
 * process and wait for its port, kill -9 it, and the per-path model of acknowledged / in-flight writes that is
 * checked after every restart.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { Client } from "./test-client.js";

export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../bin/zkts-server.js");
export const NONODE = -101;
export const NODEEXISTS = -110;

export interface Proc {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts zkts-server; resolves once it logged "zkts-server started" (with its port) or exited. */
export function startServer(cfg: string, args: string[] = [], env?: Record<string, string>): Promise<Proc | { failed: true; code: number | null; output: string }> {
  const child = spawn(process.execPath, [BIN, ...args, cfg], { stdio: ["ignore", "pipe", "pipe"], ...(env !== undefined ? { env: { ...process.env, ...env } } : {}) });
  let out = "";
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start:\n${out}`));
    }, 30_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      // One JSON object per line; the key order is the logger's business.
      for (const line of out.split("\n")) {
        if (!line.includes("zkts-server started")) continue;
        let rec: { msg?: unknown; port?: unknown };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          continue; // not a complete line yet
        }
        if (rec.msg === "zkts-server started" && typeof rec.port === "number") {
          clearTimeout(timer);
          resolvePromise({ child, port: rec.port, output: () => out, exited });
          return;
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      resolvePromise({ failed: true, code, output: out });
    });
  });
}

export async function mustStart(cfg: string, env?: Record<string, string>): Promise<Proc> {
  const p = await startServer(cfg, [], env);
  if ("failed" in p) throw new Error(`server exited (${p.code}):\n${p.output}`);
  return p;
}

export async function kill9(p: Proc): Promise<void> {
  p.child.kill("SIGKILL");
  await p.exited;
}

/** Per path: the last acknowledged state and, while an op is in flight, the state it would produce. */
export type State = { data: string; version: number } | null;
export interface PathModel {
  acked: State;
  inflight: State | undefined;
  busy: boolean;
}

/**
 * Starts the next write on `path` and records in `m` the state it would leave (`m.inflight`): a create while the
 * path is absent, else by `rnd()`: a delete below `deleteBelow`, a two-setData multi below 0.4, a setData.
 */
export function startModelOp(
  c: Client,
  path: string,
  m: PathModel,
  rnd: () => number,
  value: () => string,
  deleteBelow: number,
): Promise<{ err: number }> {
  const cur = m.acked;
  m.busy = true;
  if (cur === null) {
    const v = value();
    m.inflight = { data: v, version: 0 };
    return c.create(path, v);
  }
  const r = rnd();
  if (r < deleteBelow) {
    m.inflight = null;
    return c.delete(path);
  }
  if (r < 0.4) {
    const a = value();
    const b = value();
    m.inflight = { data: b, version: cur.version + 2 };
    return c.multiSet(path, [a, b]);
  }
  const v = value();
  m.inflight = { data: v, version: cur.version + 1 };
  return c.setData(path, v);
}

const short = (s: State) => (s === null ? "absent" : `v${s.version} ${s.data.length}B "${s.data.slice(0, 24)}"`);

/**
 * After a restart: every path is its acknowledged state or what its in-flight op would have made it, and no
 * other top-level node exists. Adopts what it finds as the new acknowledged state (nothing is in flight).
 */
export async function checkModel(checker: Client, model: Map<string, PathModel>, label: string): Promise<void> {
  for (const [path, m] of model) {
    const g = await checker.get(path);
    expect(g.err === 0 || g.err === NONODE, `${label} ${path}: ${g.err}`).toBe(true);
    const actual: State = g.err === 0 ? { data: g.data!, version: g.version! } : null;
    const allowed = [m.acked, ...(m.inflight !== undefined ? [m.inflight] : [])];
    const ok = allowed.some((a) => (a === null ? actual === null : actual !== null && a.data === actual.data && a.version === actual.version));
    expect(ok, `${label} ${path}: found ${short(actual)}, allowed ${allowed.map(short).join(" | ")}`).toBe(true);
    m.acked = actual;
    m.inflight = undefined;
    m.busy = false;
  }
  const kids = await checker.children("/");
  for (const k of kids.children ?? []) expect(k === "zookeeper" || model.has(`/${k}`), `${label}: unexpected /${k}`).toBe(true);
}
