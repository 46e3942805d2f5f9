/**
 * The same script of zkCli.sh commands (fixtures/transcript.zk: every command and most options, including errors,
 * watch events, quotas, usage and history) run by Apache ZooKeeper's zkCli.sh 3.8 and by zkcli, on stdin, against
 * the same server - the reference Apache ZooKeeper 3.8 and zkts-server. The merged stdout+stderr must be the same
 * lines once the banner and JVM log lines are dropped and times, zxids and session ids are normalised.
 *
 * The script avoids zkCli.sh's own races (its event thread prints concurrently with the main thread): every
 * command that fires a watch prints nothing itself and is followed by `sync /`, whose callback runs on the event
 * thread after the event.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceAvailable, startReferenceZooKeeper, startZkts, ZKCLI, type ReferenceZooKeeper, type ZktsServer } from "@zkts/testkit";
import { firstDifference, normalise, run, zkcli } from "./test-helpers.js";

const SCRIPT = readFileSync(new URL("./fixtures/transcript.zk", import.meta.url), "utf8");
const scriptFor = (server: string) => SCRIPT.replaceAll("__SERVER__", server);

async function transcripts(server: string): Promise<{ ref: string[]; ours: string[]; exit: [number | null, number | null] }> {
  const input = scriptFor(server);
  // One after the other: the script cleans up after itself but is not re-entrant.
  const java = await run([ZKCLI, "-server", server], input, { merge: true, timeoutMs: 90_000 });
  const ours = await zkcli(["-server", server], input, { merge: true, timeoutMs: 90_000 });
  return { ref: normalise(java.out), ours: normalise(ours.out), exit: [java.code, ours.code] };
}

function expectSame(ref: string[], ours: string[]): void {
  const d = firstDifference(ref, ours);
  if (d) {
    const ctx = (lines: string[]) => lines.slice(Math.max(0, d.line - 6), d.line + 3).join("\n");
    throw new Error(`transcripts differ at line ${d.line}:\n  zkCli.sh: ${JSON.stringify(d.a)}\n  zkcli:    ${JSON.stringify(d.b)}\n--- zkCli.sh\n${ctx(ref)}\n--- zkcli\n${ctx(ours)}`);
  }
}

describe.skipIf(!referenceAvailable())("transcript: zkCli.sh vs zkcli", () => {
  let reference: ReferenceZooKeeper;
  let zkts: ZktsServer;
  beforeAll(async () => {
    [reference, zkts] = await Promise.all([
      startReferenceZooKeeper({ config: { extendedTypesEnabled: "true" } }),
      startZkts({ config: { extendedTypesEnabled: "true" } }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([reference?.stop(), zkts?.stop()]);
  });

  it("the script covers the command list with at least 40 commands", () => {
    const lines = SCRIPT.split("\n").filter((l) => l.trim() !== "");
    expect(lines.length).toBeGreaterThanOrEqual(40);
    const used = new Set(lines.map((l) => l.split(/\s+/)[0]));
    for (const c of ["create", "ls", "get", "set", "delete", "deleteall", "stat", "getAcl", "setAcl", "addauth", "sync", "config",
      "reconfig", "whoami", "getEphemerals", "getAllChildrenNumber", "addWatch", "removewatches", "listquota", "setquota",
      "delquota", "history", "redo", "printwatches", "connect", "close"]) {
      expect(used.has(c), c).toBe(true);
    }
  });

  let refLines: string[] = [];
  let ourLines: string[] = [];

  it("against Apache ZooKeeper 3.8: the same lines", async () => {
    const t = await transcripts(reference.connectString);
    expect(t.ref.length).toBeGreaterThan(200);
    expectSame(t.ref, t.ours);
    refLines = t.ref;
    ourLines = t.ours;
    // Both exit with the last command's code: `ls` of the deleted test root fails.
    expect(t.exit).toEqual([1, 1]);
  }, 180_000);

  it("against zkts: the same lines (and the same as against ZooKeeper)", async () => {
    const t = await transcripts(zkts.connectString);
    expectSame(t.ref, t.ours);
    expect(t.exit).toEqual([1, 1]);
    if (refLines.length) expectSame(refLines, t.ref);
  }, 180_000);

  it("the comparison fails when a format changes", () => {
    expect(ourLines.length).toBeGreaterThan(0);
    const mutations: Array<(l: string) => string> = [
      (l) => l.replace(/^\[(.+), (.+)\]$/, "[$1,$2]"), // ls list separator
      (l) => l.replace("'world,'anyone", "world:anyone"), // ACL id format
      (l) => l.replace("dataVersion = ", "version = "), // stat line name
      (l) => l.replace("WATCHER::", "WATCHER:"), // event block
      (l) => l.replace("Node does not exist: ", "Node does not exist : "), // error message
      (l) => l.replace(/^ephemeralOwner = 0x0$/, "ephemeralOwner = 0"), // hex rendering
    ];
    for (const m of mutations) {
      const mutated = ourLines.map(m);
      expect(mutated).not.toEqual(ourLines); // the mutation applies somewhere
      expect(firstDifference(refLines, mutated)).toBeDefined();
    }
    // Dropping one line is caught too.
    expect(firstDifference(refLines, ourLines.filter((_, i) => i !== 40))).toBeDefined();
  });
});
