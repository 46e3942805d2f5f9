import { afterAll, beforeAll, expect, it } from "vitest";
import { Normaliser } from "./normalise.js";
import { startPair, type PairOptions, type ServerPair } from "./servers.js";
import { runKazoo, runZkCli, runCliMt, type Step, type StepResult } from "./clients.js";
import { KNOWN_DIFFERENCES } from "./known-differences.js";

export { KNOWN_DIFFERENCES };

/** Starts one reference + subject pair for the whole test file; returns a getter. */
export function usePair(opts: PairOptions = {}): () => ServerPair {
  let pair: ServerPair | undefined;
  beforeAll(async () => {
    pair = await startPair(opts);
  }, 90_000);
  afterAll(async () => {
    await pair?.stop();
  });
  return () => {
    if (!pair) throw new Error("server pair not started");
    return pair;
  };
}

/**
 * Declares one differential scenario. Scenarios listed in KNOWN_DIFFERENCES are skipped (with their reason in
 * the name) while the subject is zkts; INTEROP_RUN_KNOWN=1 runs them anyway.
 */
export function scenario(id: string, fn: () => Promise<void>, timeoutMs = 60_000): void {
  const known = KNOWN_DIFFERENCES[id];
  const skip = known !== undefined && process.env.INTEROP_RUN_KNOWN !== "1" && process.env.INTEROP_SUBJECT !== "reference";
  if (skip) it.skip(`${id} [known difference: ${known}]`, fn, timeoutMs);
  else it(id, fn, timeoutMs);
}

/** A kazoo step; `expect` (not sent to the driver) is matched against the reference's normalised result. */
export type KStep = Step & { expect?: unknown };

/** Runs the steps on both servers and compares the normalised results; checks `expect` on the reference. */
export async function diffKazoo(pair: ServerPair, steps: KStep[]): Promise<void> {
  const wire = steps.map(({ expect: _e, ...s }) => s);
  const [ref, sub] = await Promise.all([
    runKazoo(pair.reference.connectString, wire),
    runKazoo(pair.subject.connectString, wire),
  ]);
  const nref = new Normaliser().json(ref) as StepResult[];
  const nsub = new Normaliser().json(sub) as StepResult[];
  if (process.env.INTEROP_DUMP) dump(steps, nref);
  steps.forEach((s, i) => {
    if (s.expect !== undefined) expect({ step: i, op: s.op, result: nref[i] }).toMatchObject({ step: i, op: s.op, result: s.expect });
  });
  expect(labelled(steps, nsub)).toEqual(labelled(steps, nref));
}

function dump(steps: Step[], results: unknown[]): void {
  const lines = results.map((r, i) => `${i} ${JSON.stringify(steps[i])}\n    -> ${JSON.stringify(r)}`);
  process.stdout.write(lines.join("\n") + "\n");
}

function labelled(steps: Step[], results: unknown[]): unknown[] {
  return results.map((r, i) => ({ step: i, op: steps[i]?.op, s: steps[i]?.s, result: r }));
}

/** Runs zkCli.sh commands (one session per list) on both servers and compares normalised outputs and events. */
export async function diffZkCli(
  pair: ServerPair,
  commands: string[],
  opts: { chroot?: string; expect?: Record<number, string[]> } = {},
): Promise<void> {
  const chroot = opts.chroot ?? "";
  const [ref, sub] = await Promise.all([
    runZkCli(pair.reference.connectString + chroot, commands),
    runZkCli(pair.subject.connectString + chroot, commands),
  ]);
  const norm = (r: { outputs: string[][]; events: string[] }) => {
    const groups = new Normaliser().zkCliLines(r.outputs);
    return {
      // Group i is what command i printed (group 0 also holds the connection banner's leftovers).
      outputs: groups.map((lines, i) => ({ cmd: commands[i] ?? "quit", lines })),
      events: r.events,
    };
  };
  const nref = norm(ref);
  const nsub = norm(sub);
  for (const [i, lines] of Object.entries(opts.expect ?? {})) {
    expect(nref.outputs[Number(i)]).toEqual({ cmd: commands[Number(i)], lines });
  }
  expect(nsub).toEqual(nref);
}

/** Runs cli_mt commands on both servers and compares the normalised outputs. */
export async function diffCliMt(
  pair: ServerPair,
  commands: { cmd: string; until?: RegExp }[],
  opts: { expect?: Record<number, string[]> } = {},
): Promise<void> {
  const [ref, sub] = await Promise.all([
    runCliMt(pair.reference.connectString, commands),
    runCliMt(pair.subject.connectString, commands),
  ]);
  const norm = (r: { outputs: string[][] }) => {
    return new Normaliser().cliMtLines(r.outputs).map((lines, i) => ({
      cmd: i === 0 ? "(connect)" : i > commands.length ? "quit" : commands[i - 1]!.cmd,
      lines: sortChildBlocks(lines),
    }));
  };
  const nref = norm(ref);
  const nsub = norm(sub);
  for (const [i, lines] of Object.entries(opts.expect ?? {})) {
    expect(nref[Number(i) + 1]).toEqual({ cmd: commands[Number(i)]!.cmd, lines });
  }
  expect(nsub).toEqual(nref);
}

/** cli_mt prints children one per tab-indented line in the server's (hash) order: compare them as a set. */
function sortChildBlocks(lines: string[]): string[] {
  const out: string[] = [];
  let block: string[] = [];
  let inChildren = false;
  const flush = () => {
    out.push(...block.sort());
    block = [];
  };
  for (const l of lines) {
    if (/^\/.*: rc = 0$/.test(l) && !/Stat:/.test(l)) {
      flush();
      out.push(l);
      inChildren = true;
      continue;
    }
    if (inChildren && /^\t[^=]*$/.test(l)) {
      block.push(l);
      continue;
    }
    flush();
    inChildren = false;
    out.push(l);
  }
  flush();
  return out;
}
