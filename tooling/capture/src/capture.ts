/**
 * Captures golden client/server frames: starts Apache ZooKeeper 3.8 (Debian's package, via @zkts/testkit), puts a
 * RecordingProxy in front of it and drives real clients through the proxy (kazoo, zkCli.sh, the Java client API,
 * the C client cli_mt, node-zookeeper-client, four-letter words). Each scenario gets its own proxy and is written to
 * packages/client-wire/fixtures/golden/<client>-<scenario>.json.
 *
 *   pnpm exec tsx tooling/capture/src/capture.ts [scenario-name-filter ...]
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startReferenceZooKeeper, ZKCLI, CLI_MT, REFERENCE_JAR, type ReferenceZooKeeper } from "@zkts/testkit";
import { RecordingProxy, type RecordedConnection } from "./proxy.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../..");
export const GOLDEN_DIR = join(repoRoot, "packages/client-wire/fixtures/golden");
const PYTHON = "/usr/bin/python3";

export const SUPER_PASSWORD = "zkts-super";

/** ZooKeeper digest: user:base64(sha1("user:password")). */
export function digest(user: string, password: string): string {
  return `${user}:${createHash("sha1").update(`${user}:${password}`).digest("base64")}`;
}

export interface GoldenFixture {
  client: string;
  scenario: string;
  description: string;
  connections: RecordedConnection[];
}

/** A step of a stdin-driven client: a line to type, a pause, a connection cut, or output to wait for. */
type Step = string | { sleep: number } | { drop: true } | { waitFor: RegExp; timeoutMs?: number };

interface RunOptions {
  steps?: Step[];
  /** Lines "SYNC <tag>" on stdout: the proxy cuts the connections, then a newline goes to stdin. */
  syncDrops?: boolean;
  timeoutMs?: number;
  /** Exit codes accepted (default [0]). */
  okCodes?: number[];
  expectOutput?: RegExp;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(proxy: RecordingProxy, cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, JAVA_TOOL_OPTIONS: "" } });
  let out = "";
  let lineBuf = "";
  const exited = new Promise<number>((r) => child.once("exit", (code) => r(code ?? -1)));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  child.stdout.on("data", (c: Buffer) => {
    const s = c.toString();
    out += s;
    if (!opts.syncDrops) return;
    lineBuf += s;
    let i;
    while ((i = lineBuf.indexOf("\n")) >= 0) {
      const line = lineBuf.slice(0, i);
      lineBuf = lineBuf.slice(i + 1);
      if (line.startsWith("SYNC ")) {
        proxy.dropAll();
        setTimeout(() => child.stdin.write("\n"), 200);
      }
    }
  });
  child.stdin.on("error", () => undefined);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    for (const step of opts.steps ?? []) {
      if (typeof step === "string") child.stdin.write(step + "\n");
      else if ("sleep" in step) await sleep(step.sleep);
      else if ("drop" in step) proxy.dropAll();
      else {
        const deadline = Date.now() + (step.timeoutMs ?? 20_000);
        const from = out.length;
        while (!step.waitFor.test(out.slice(from)) && Date.now() < deadline) await sleep(50);
        if (!step.waitFor.test(out.slice(from))) throw new Error(`${cmd}: no ${step.waitFor} in output:\n${out}`);
      }
    }
    if (opts.steps) child.stdin.end();
    const code = await exited;
    if (!(opts.okCodes ?? [0]).includes(code)) throw new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${out}`);
    if (opts.expectOutput && !opts.expectOutput.test(out)) {
      throw new Error(`${cmd}: output lacks ${opts.expectOutput}:\n${out}`);
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

interface Scenario {
  client: string;
  scenario: string;
  description: string;
  run(proxy: RecordingProxy, hostPort: string): Promise<unknown>;
}

const kazoo = (scenario: string, description: string, timeoutMs = 60_000): Scenario => ({
  client: "kazoo",
  scenario,
  description,
  run: (proxy, hp) =>
    run(proxy, PYTHON, [join(here, "kazoo/scenarios.py"), hp, scenario], {
      syncDrops: true,
      timeoutMs,
      expectOutput: /DONE/,
    }),
});

const zkcli = (scenario: string, description: string, steps: Step[], timeoutMs = 60_000): Scenario => ({
  client: "zkcli",
  scenario,
  description,
  run: (proxy, hp) =>
    run(proxy, ZKCLI, ["-timeout", "6000", "-server", hp], {
      steps: [{ waitFor: /SyncConnected/ }, ...steps, "quit"],
      timeoutMs,
    }),
});

/** zkCli.sh one-shot form: `zkCli.sh -server host:port <command...>`, one JVM and one session per command. */
const zkcliOneShot = (scenario: string, description: string, commands: string[][]): Scenario => ({
  client: "zkcli",
  scenario,
  description,
  run: async (proxy, hp) => {
    for (const c of commands) await run(proxy, ZKCLI, ["-server", hp, ...c], { okCodes: [0, 1] });
  },
});

const cliMt = (scenario: string, description: string, commands: string[]): Scenario => ({
  client: "cli_mt",
  scenario,
  description,
  run: (proxy, hp) =>
    run(proxy, CLI_MT, [hp], {
      steps: [
        { waitFor: /CONNECTED_STATE|session id/i },
        ...commands.flatMap((c): Step[] => [c, { sleep: 300 }]),
        { sleep: 500 },
        "quit",
      ],
      okCodes: [0, 1],
    }),
});

const ALICE = digest("alice", "secret");

export const SCENARIOS: Scenario[] = [
  kazoo("basic", "create in every kazoo form (data, ACLs incl. digest and ip, create2), NODEEXISTS, NONODE, exists with/without watch, get, get_children and getChildren2, set incl. BADVERSION/NOAUTH, get_acls, set_acls, sync, delete incl. NOTEMPTY and BADARGUMENTS, close"),
  kazoo("extended", "createContainer and createTTL (request classes sent through kazoo's connection), bad TTL, NODEEXISTS"),
  kazoo("watches", "two sessions: data/child/exist watches set by one, fired by writes from the other (notifications)"),
  kazoo("persistent-watches", "addWatch persistent and persistent-recursive (request class through kazoo) and the events they see"),
  kazoo("txn", "transactions: success with every op kind, failure on a check, failure on a delete, failure on create"),
  kazoo("auth", "auth at connect, add_auth digest, CREATOR_ALL_ACL, NOAUTH, super digest, and a bad scheme (AUTHFAILED, closed)"),
  kazoo("ping", "4 s session: idle beyond a third of the timeout so kazoo pings"),
  kazoo("reconnect", "the proxy cuts the connection; kazoo reconnects with its session id, password and last zxid"),
  {
    client: "java",
    scenario: "api",
    description: "Java client API: create/create2/createContainer/createTTL, getChildren and getChildren2, getEphemerals, getAllChildrenNumber, whoAmI, multi success and failure, multiRead, checkWatches, removeWatches (incl. NOWATCHER), addWatch, getConfig, NOCHILDRENFOREPHEMERALS, INVALIDACL",
    run: (proxy, hp) =>
      run(proxy, "/usr/bin/java", ["-cp", REFERENCE_JAR, join(here, "java/JavaOps.java"), hp], { expectOutput: /DONE/ }),
  },
  zkcli("basic", "zkCli.sh session (commands on stdin): create -s -e -c -t and with ACL, ls -s -R, get -s, stat, set -v, delete -v, deleteall, getAcl, setAcl, sync, whoami, getEphemerals, getAllChildrenNumber, config, quotas, reconfig error", [
    "create /zc data",
    "create /zc again",
    "create -s /zc/seq- s",
    "create -e /zc/eph e",
    "create -s -e /zc/eseq- x",
    "create -c /zc/container c",
    "create /zc/container/child",
    "create -t 60000 /zc/ttl t",
    "create -s -t 60000 /zc/ttlseq- t",
    `create /zc/acl a digest:${ALICE}:cdrwa,ip:127.0.0.1:r`,
    "create /zc/noparent/child x",
    "ls /zc",
    "ls -s /zc",
    "ls -R /zc",
    "get /zc",
    "get -s /zc",
    "get /zc/none",
    "stat /zc",
    "stat /zc/none",
    "set /zc new",
    "set -s -v 1 /zc newer",
    "set -v 42 /zc bad",
    "getAcl /zc/acl",
    "getAcl -s /zc",
    "setAcl /zc world:anyone:cdrwa,ip:127.0.0.1:r",
    "setAcl -v 5 /zc world:anyone:cdrwa",
    "setAcl -R /zc/container world:anyone:cdrw",
    "sync /zc",
    "whoami",
    "getEphemerals /zc",
    "getEphemerals /",
    "getAllChildrenNumber /zc",
    "delete /zc",
    "delete -v 3 /zc/eph",
    "delete -v 0 /zc/eph",
    "deleteall /zc/container",
    "config",
    "config -s",
    "setquota -n 10 /zc",
    "listquota /zc",
    "setquota -b 1000 /zc",
    "listquota /zc",
    "delquota -n /zc",
    "delquota /zc",
    "reconfig -add server.5=127.0.0.1:1234:1235;1236",
    "deleteall /zc -b 2",
  ]),
  zkcli("watches", "zkCli.sh: get -w, ls -w, stat -w, addWatch persistent/recursive, notifications from the session's own writes, removewatches incl. NOWATCHER", [
    "create /zw w",
    "create /zw/sub s",
    "get -w /zw",
    "set /zw w1",
    "ls -w /zw",
    "create /zw/c2",
    "stat -w /zw/absent",
    "create /zw/absent",
    "get -w /zw/sub",
    "removewatches /zw/sub -d",
    "ls -w /zw/sub",
    "removewatches /zw/sub -a",
    "removewatches /zw/sub -a",
    "addWatch -m PERSISTENT /zw",
    "addWatch /zw/sub",
    "create /zw/sub/deep",
    "set /zw/sub/deep d",
    "delete /zw/sub/deep",
    "set /zw w2",
    "removewatches /zw -a",
    { sleep: 300 },
  ]),
  zkcli("setwatches", "zkCli.sh: one-shot watches outstanding, the proxy cuts the connection; the Java client reconnects and sends setWatches", [
    "create /zs s",
    "get -w /zs",
    "ls -w /zs",
    "stat -w /zs/absent",
    { sleep: 1500 },
    { drop: true },
    { waitFor: /SyncConnected/ },
    { sleep: 300 },
    "set /zs changed",
    { sleep: 300 },
  ]),
  zkcli("setwatches2", "zkCli.sh: persistent and one-shot watches outstanding, cut, reconnect with setWatches2", [
    "create /zs2 s",
    "get -w /zs2",
    "addWatch -m PERSISTENT /zs2",
    "addWatch -m PERSISTENT_RECURSIVE /zs2/r",
    { sleep: 1500 },
    { drop: true },
    { waitFor: /SyncConnected/ },
    { sleep: 300 },
    "create /zs2/r x",
    "set /zs2 changed",
    { sleep: 300 },
  ]),
  zkcli("ping", "zkCli.sh with a 6 s session idle long enough to ping", [{ sleep: 4500 }, "ls /"]),
  zkcli("auth", "zkCli.sh: addauth digest, auth ACL, super, then an unknown scheme (AUTHFAILED)", [
    "addauth digest alice:secret",
    "create /za a auth::cdrwa",
    "getAcl /za",
    "whoami",
    `addauth digest super:${SUPER_PASSWORD}`,
    "whoami",
    "addauth nosuchscheme foo",
    { sleep: 1500 },
  ]),
  zkcliOneShot("oneshot", "zkCli.sh one-shot commands, one session each", [
    ["create", "/zo", "one"],
    ["get", "-s", "/zo"],
    ["ls", "-R", "/"],
    ["delete", "/zo"],
  ]),
  cliMt("shell", "C client shell: create variants, create2, get, set, ls, ls2, exists, wexists + notification, sync, myid, addauth, config, delete, reconfig error", [
    "create /cm",
    "create +e /cm/eph",
    "create +s /cm/seq",
    "create +es /cm/eseq",
    "create +c /cm/cont",
    "create +t=60000 /cm/ttl",
    "create2 /cm/c2",
    "create /cm",
    "set /cm somedata",
    "get /cm",
    "get /cm/none",
    "ls /cm",
    "ls2 /cm",
    "exists /cm",
    "exists /cm/none",
    "wexists /cm/new",
    "create /cm/new",
    "sync /cm",
    "myid",
    "addauth digest alice:secret",
    "config",
    "reconfig -add 5=127.0.0.1:1234:1235;1236",
    "delete /cm/c2",
    "delete /cm",
    "aget /cm",
  ]),
  {
    client: "node-zookeeper-client",
    scenario: "basic",
    description: "node-zookeeper-client: create, exists, getData with watch + notification, setData incl. BADVERSION, getChildren, getACL, setACL, auth, transaction success and failure, remove",
    run: (proxy, hp) => run(proxy, process.execPath, [join(here, "node/scenario.cjs"), hp], { expectOutput: /DONE/ }),
  },
];

const FOUR_LETTER = ["ruok", "srvr", "stat", "conf", "isro", "mntr", "cons", "wchs", "srst", "xyzw"];

async function fourLetterScenario(ref: ReferenceZooKeeper): Promise<GoldenFixture> {
  const { connect } = await import("node:net");
  const proxy = new RecordingProxy({ targetPort: ref.port });
  const port = await proxy.start();
  for (const word of FOUR_LETTER) {
    await new Promise<void>((resolveDone) => {
      const s = connect({ port, host: "127.0.0.1" }, () => s.write(word));
      s.on("data", () => undefined);
      s.on("error", () => resolveDone());
      s.on("close", () => resolveDone());
    });
  }
  await proxy.idle();
  const connections = proxy.connections();
  await proxy.stop();
  return {
    client: "4lw",
    scenario: "words",
    description: `four-letter words, raw (not jute): ${FOUR_LETTER.join(" ")}`,
    connections,
  };
}

function write(f: GoldenFixture): void {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  const file = join(GOLDEN_DIR, `${f.client}-${f.scenario}.json`);
  const body = {
    client: f.client,
    scenario: f.scenario,
    description: f.description,
    server: "Apache ZooKeeper 3.8 (Debian package), standalone, extendedTypesEnabled=true",
    connections: f.connections,
  };
  writeFileSync(file, JSON.stringify(body, null, 1) + "\n");
  const frames = f.connections.reduce((n, c) => n + c.frames.length, 0);
  console.log(`wrote ${file}: ${f.connections.length} connections, ${frames} frames`);
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const wanted = (name: string) => filters.length === 0 || filters.some((f) => name.includes(f));
  const ref = await startReferenceZooKeeper({
    config: { extendedTypesEnabled: "true", "znode.container.checkIntervalMs": "600000" },
    systemProperties: { "zookeeper.DigestAuthenticationProvider.superDigest": digest("super", SUPER_PASSWORD) },
  });
  let failed = 0;
  try {
    for (const s of SCENARIOS) {
      const name = `${s.client}-${s.scenario}`;
      if (!wanted(name)) continue;
      const proxy = new RecordingProxy({ targetPort: ref.port });
      const port = await proxy.start();
      try {
        await s.run(proxy, `127.0.0.1:${port}`);
        if (!(await proxy.idle(15_000))) console.warn(`${name}: connections still open after the client finished`);
        write({ client: s.client, scenario: s.scenario, description: s.description, connections: proxy.connections() });
      } catch (e) {
        failed++;
        console.error(`${name} FAILED: ${(e as Error).message}`);
      } finally {
        await proxy.stop();
      }
    }
    if (wanted("4lw-words")) write(await fourLetterScenario(ref));
  } finally {
    await ref.stop();
  }
  if (failed > 0) {
    console.error(`${failed} scenario(s) failed`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
