/**
 * Differential: the reconfig operation's refusals (kazoo's client.reconfig and zkCli.sh reconfig) on a 3-member
 * ensemble of Apache ZooKeeper 3.8 and of zkts-server, with reconfigEnabled=true and false, from an
 * unauthenticated client and from the super user: RECONFIGDISABLED, BADVERSION, BADARGUMENTS,
 * MARSHALLINGERROR (ZooKeeper's unchecked exceptions), NEWCONFIGNOQUORUM, NOAUTH, in ZooKeeper's order of checks.
 * A reconfig that passes every check is applied by both (ensemble-reconfig.test.ts follows such reconfigs through).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { freePort, referenceAvailable } from "@zkts/testkit";
import { makeEnsemble, type Ensemble } from "./ensemble-helpers.js";
import { zkCliOutcome } from "./reconfig-helpers.js";

const run = promisify(execFile);
const SUPER_DIGEST = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="; // super:test

/** kazoo: each case's outcome, "ok" or the exception's class name (codes kazoo 2.8 lacks get their Java names). */
const KAZOO = `
import json, sys, logging
logging.basicConfig(level=logging.CRITICAL)
from kazoo.client import KazooClient
from kazoo.exceptions import EXCEPTIONS, ZookeeperError
import kazoo.exceptions as kexc, kazoo.protocol.connection as kconn, kazoo.protocol.serialization as kser
if -123 not in EXCEPTIONS:
    EXCEPTIONS[-123] = type("ReconfigDisabledError", (ZookeeperError,), {"code": -123})
for m in (kexc, kconn, kser):
    m.EXCEPTIONS = EXCEPTIONS
port, auth, cases = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
c = KazooClient(hosts="127.0.0.1:%s" % port, timeout=10)
c.start(timeout=30)
if auth == "super":
    c.add_auth("digest", "super:test")
out = []
for k in cases:
    try:
        c.reconfig(joining=k.get("j"), leaving=k.get("l"), new_members=k.get("n"), from_config=k.get("v", -1))
        out.append("ok")
    except Exception as e:
        out.append(type(e).__name__)
c.stop()
print(json.dumps(out))
`;

interface Case {
  j?: string;
  l?: string;
  n?: string;
  v?: number;
}

async function kazoo(port: number, auth: "none" | "super", cases: Case[]): Promise<string[]> {
  const { stdout } = await run("/usr/bin/python3", ["-c", KAZOO, String(port), auth, JSON.stringify(cases)], { timeout: 120_000 });
  return JSON.parse(stdout) as string[];
}


/** Free ports from the OS that nothing listens on: only written into requests (ZooKeeper may dial an added server). */
const FREE: number[] = [];
const srv = (id: number, i: number, type = "") => `server.${id}=127.0.0.1:${FREE[i]}:${FREE[i + 1]}${type};${FREE[i + 2]}`;

/** Refused whoever asks (no case here passes every check). */
const refused = (): Case[] => [
  { v: 5 }, // BADVERSION before anything else is looked at
  { j: "server.5=garbage" },
  { j: `server.5=127.0.0.1:${FREE[0]}:${FREE[1]}` }, // no client port
  { j: `server.5=127.0.0.1:${FREE[0]}:${FREE[0]};${FREE[2]}` }, // quorum port = election port
  { j: "server.5" },
  { j: `server.5=127.0.0.1:${FREE[0]}:${FREE[1]}:witness;${FREE[2]}` },
  { l: "abc" }, // Long.parseLong: MARSHALLINGERROR
  { j: `server.x=127.0.0.1:${FREE[0]}:${FREE[1]};${FREE[2]}` },
  { j: `server.5=127.0.0.1:${FREE[0]}:99999;${FREE[2]}` }, // port out of range: MARSHALLINGERROR
  { l: "1,2" }, // one participant left
  { l: "1,2,3" },
  { n: `server.1=127.0.0.1:${FREE[0]}:${FREE[1]};${FREE[2]},tickTime=5` },
  { n: `server.1=127.0.0.1:${FREE[0]}:${FREE[1]};${FREE[2]}` },
  { n: `server.1=127.0.0.1:${FREE[0]}:${FREE[1]}:observer;${FREE[2]}` },
  { n: `server.5=127.0.0.1:${FREE[0]}:${FREE[1]};${FREE[2]},server.6=127.0.0.1:${FREE[3]}:${FREE[4]};${FREE[5]}` }, // no member of it synced
  { j: [srv(5, 0), srv(6, 3), srv(7, 6)].join(",") }, // 3 of 6 synced: NEWCONFIGNOQUORUM
];

/** Pass every other check: NOAUTH without the super user. */
const valid = (): Case[] => [{ j: srv(5, 0) }, { j: srv(5, 0, ":observer") }, { j: [srv(5, 0), srv(6, 3)].join(",") }, { l: "3" }, { j: srv(5, 0), v: 0x100000000 }];

interface Observed {
  unauthenticated: string[];
  superRefused: string[];
  zkCli: string[];
}

async function observe(impl: "zkts" | "zookeeper"): Promise<Observed> {
  const ens: Ensemble = await makeEnsemble(3, {
    impl,
    extra: { reconfigEnabled: "true", "DigestAuthenticationProvider.superDigest": SUPER_DIGEST },
    javaFlags: () => [`-Dzookeeper.DigestAuthenticationProvider.superDigest=${SUPER_DIGEST}`],
  });
  try {
    await Promise.all(ens.members.map((m) => ens.start(m)));
    const leader = await ens.waitStable(60_000);
    const follower = ens.members.find((m) => m !== leader)!;
    // through a follower (forwarded) and the leader: the same answers
    const unauthenticated = await kazoo(follower.clientPort, "none", [...refused(), ...valid()]);
    expect(await kazoo(leader.clientPort, "none", [...refused(), ...valid()])).toEqual(unauthenticated);
    const superRefused = await kazoo(follower.clientPort, "super", refused());
    const zkCli = [
      await zkCliOutcome(follower.clientPort, ["reconfig", "-add", srv(5, 0)]),
      await zkCliOutcome(follower.clientPort, ["reconfig", "-add", "server.5=garbage"]),
      await zkCliOutcome(follower.clientPort, ["reconfig", "-remove", "1,2"]),
      await zkCliOutcome(follower.clientPort, ["reconfig", "-members", srv(1, 0), "-v", "5"]),
    ];
    return { unauthenticated, superRefused, zkCli };
  } finally {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of ens.members) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await ens.stopAll();
  }
}

describe.runIf(referenceAvailable())("reconfig refusals: zkts-server vs Apache ZooKeeper 3.8 (kazoo, zkCli.sh)", () => {
  beforeAll(async () => {
    while (FREE.length < 9) {
      const p = await freePort();
      if (!FREE.includes(p)) FREE.push(p);
    }
  });

  it("reconfigEnabled=true: the same error for every refused request, from any member, with and without the super user", async () => {
    const java = await observe("zookeeper");
    const zkts = await observe("zkts");
    // ZooKeeper's own answers (what the comparison is against)
    expect(java.unauthenticated.slice(0, 3)).toEqual(["BadVersionError", "BadArgumentsError", "BadArgumentsError"]);
    expect(java.unauthenticated.slice(refused().length)).toEqual(valid().map(() => "NoAuthError"));
    expect(zkts).toEqual(java);
  }, 300_000);

  it("reconfigEnabled=false: RECONFIGDISABLED before any other check", async () => {
    const answers: Record<string, string[]> = {};
    for (const impl of ["zookeeper", "zkts"] as const) {
      const ens = await makeEnsemble(3, { impl });
      try {
        await Promise.all(ens.members.map((m) => ens.start(m)));
        const leader = await ens.waitStable(60_000);
        answers[impl] = await kazoo(leader.clientPort, "none", [{ v: 5 }, { j: "server.5=garbage" }, { j: srv(5, 0) }]);
      } finally {
        await ens.stopAll();
      }
    }
    expect(answers.zookeeper).toEqual(["ReconfigDisabledError", "ReconfigDisabledError", "ReconfigDisabledError"]);
    expect(answers.zkts).toEqual(answers.zookeeper);
  }, 300_000);

  it("standalone (one server line) with reconfigEnabled=true: UNIMPLEMENTED after the session check", async () => {
    const answers: Record<string, string[]> = {};
    for (const impl of ["zookeeper", "zkts"] as const) {
      const ens = await makeEnsemble(1, { impl, extra: { reconfigEnabled: "true" } });
      try {
        await ens.start(ens.members[0]!);
        answers[impl] = await kazoo(ens.members[0]!.clientPort, "none", [{ v: 5 }, { j: "server.5=garbage" }]);
      } finally {
        await ens.stopAll();
      }
    }
    expect(answers.zookeeper).toEqual(["UnimplementedError", "UnimplementedError"]);
    expect(answers.zkts).toEqual(answers.zookeeper);
  }, 300_000);

  it("a reconfig that passes every check (skipACL): applied by both", async () => {
    const answers: Record<string, string[]> = {};
    for (const impl of ["zookeeper", "zkts"] as const) {
      const ens = await makeEnsemble(3, { impl, extra: { reconfigEnabled: "true", skipACL: "yes" } });
      try {
        await Promise.all(ens.members.map((m) => ens.start(m)));
        const leader = await ens.waitStable(60_000);
        answers[impl] = await kazoo(leader.clientPort, "none", [{ j: srv(5, 0, ":observer") }]);
      } finally {
        await ens.stopAll();
      }
    }
    expect(answers.zookeeper).toEqual(["ok"]);
    expect(answers.zkts).toEqual(answers.zookeeper);
  }, 300_000);
});
