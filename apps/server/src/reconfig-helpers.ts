/** Helpers the dynamic-config tests share (ensemble-config, ensemble-reconfig*, run against ZooKeeper and zkts). */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { ZKCLI } from "@zkts/testkit";
import type { Ensemble, Member } from "./ensemble-helpers.js";

const run = promisify(execFile);

/** zkCli.sh one-shot: what it prints (log, watcher and connection lines left out) and its exit code. */
export async function zkCliOutcome(port: number, args: string[]): Promise<string> {
  let stdout: string;
  let stderr: string;
  let code = 0;
  try {
    ({ stdout, stderr } = await run(ZKCLI, ["-server", `127.0.0.1:${port}`, ...args], { timeout: 60_000 }));
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    if (typeof x.code !== "number") throw e;
    ({ stdout = "", stderr = "", code } = x);
  }
  const lines = `${stdout}\n${stderr}`.split("\n").filter((l) => l.trim() !== "" && !/^(SLF4J|WATCHER::|WatchedEvent|Connecting to)/.test(l) && !/^\d{4}-\d\d-\d\d/.test(l));
  return `${lines.join("\n")}\nexit ${code}`;
}

/** The config text's `version=` line (hex, as written). */
export function configVersionHex(text: string): string {
  const m = /^version=([0-9a-f]+)$/m.exec(text);
  if (m === null) throw new Error(`no version in ${text}`);
  return m[1]!;
}

/** Replaces every member's ports and the ensemble's directory by names (and, with `versions`, config versions by <v>). */
export function ensembleNormaliser(ens: Ensemble, opts: { versions: boolean }): (s: string) => string {
  const subs: [string, string][] = [[ens.root, "<root>"]];
  for (const m of ens.members) {
    subs.push([String(m.clientPort), `<c${m.id}>`], [String(m.quorumPort), `<q${m.id}>`], [String(m.electionPort), `<e${m.id}>`]);
  }
  const named = (s: string) => subs.reduce((acc, [from, to]) => acc.split(from).join(to), s);
  // versions first: a port number can be part of a version's hex digits (port 40000 in version=400000002)
  return opts.versions ? (s) => named(s.replace(/version=[0-9a-f]+/g, "version=<v>").replace(/\.dynamic\.[0-9a-f]+/g, ".dynamic.<v>")) : named;
}

/** Member `m`'s server line as the config files write it, with a type if asked. */
export function serverLine(m: Member, type?: "observer" | "participant"): string {
  return `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort}${type !== undefined ? `:${type}` : ""};127.0.0.1:${m.clientPort}`;
}

/** kazoo (optionally as the super user): a reconfig's answer (text, stat version and mzxid) or its exception; or a config read. */
const KAZOO = `
import json, sys, logging
logging.basicConfig(level=logging.CRITICAL)
from kazoo.client import KazooClient
port, op = sys.argv[1], json.loads(sys.argv[2])
c = KazooClient(hosts="127.0.0.1:%s" % port, timeout=10)
c.start(timeout=30)
if op.get("super"):
    c.add_auth("digest", op["super"])
try:
    if op["op"] == "get":
        c.sync("/zookeeper/config")
        data, stat = c.get("/zookeeper/config")
    else:
        data, stat = c.reconfig(joining=op.get("j"), leaving=op.get("l"), new_members=op.get("members"), from_config=op.get("v", -1))
    out = {"data": data.decode(), "version": stat.version, "mzxid": "%x" % stat.mzxid}
except Exception as e:
    out = {"error": type(e).__name__}
c.stop()
print(json.dumps(out))
`;

export interface KazooAnswer {
  data?: string;
  version?: number;
  mzxid?: string;
  error?: string;
}

/** `super`: "user:password" added as digest auth first. `j`/`l`/`members`: kazoo's joining/leaving/new_members. */
export type KazooConfigOp = { op: "get"; super?: string } | { op: "reconfig"; super?: string; j?: string; l?: string; members?: string; v?: number };

export async function kazooConfig(port: number, op: KazooConfigOp): Promise<KazooAnswer> {
  const { stdout } = await run("/usr/bin/python3", ["-c", KAZOO, String(port), JSON.stringify(op)], { timeout: 120_000 });
  return JSON.parse(stdout) as KazooAnswer;
}

/** Keeps only the `server.N` lines of `ids` in member `m`'s zoo.cfg (members that start, or join, with a smaller config). */
export function keepServerLines(m: Member, ids: number[]): void {
  const text = readFileSync(m.cfgPath, "utf8");
  writeFileSync(m.cfgPath, text.split("\n").filter((l) => !/^server\.\d+=/.test(l) || ids.includes(Number(/^server\.(\d+)=/.exec(l)![1]))).join("\n"));
}
