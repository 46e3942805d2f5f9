import { describe, expect } from "vitest";
import { fourLetter } from "@zkts/testkit";
import { usePair, scenario } from "../src/scenario.js";
import { runKazoo } from "../src/clients.js";

/**
 * mntr keys whose values depend only on the state both servers were given (one kazoo session with an ephemeral, a
 * data watch and a child watch on /fl, two znodes added): zkts must print them, with ZooKeeper's values.
 */
const MNTR_DETERMINISTIC = [
  "zk_server_state",
  "zk_znode_count",
  "zk_ephemerals_count",
  "zk_watch_count",
  "zk_global_sessions",
  "zk_outstanding_requests",
];

const WORDS = ["ruok", "isro", "srvr", "stat", "conf", "envi", "mntr", "cons", "wchs", "wchc", "wchp", "dump", "dirs", "crst", "srst", "gtmk", "hash"];

/**
 * The structure of a 4lw answer: lines with their values replaced, so what is compared is the set of keys and the
 * shape of each line. Values that must not depend on the server build (ruok, isro, Mode, ...) stay.
 */
export function structure(word: string, text: string): string[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const v = (l: string) =>
    l
      .replace(/0x[0-9a-f]+/gi, "<hex>")
      .replace(/\/127\.0\.0\.1:\d+/g, "/127.0.0.1:<port>")
      .replace(/\d+(\.\d+)?/g, "<n>");
  switch (word) {
    case "ruok":
    case "isro":
      return lines;
    case "mntr":
      // In the server's order; deterministic values kept (see compareMntr).
      return lines.map((l) => (MNTR_DETERMINISTIC.includes(l.split("\t")[0]!) ? l : l.split("\t")[0]!));
    case "conf":
    case "envi":
      return lines.map((l) => (l.includes("=") ? l.slice(0, l.indexOf("=")) : v(l))).sort();
    case "dump":
      // Sessions and connections are grouped under "<n> expire at <date>:" lines by expiry bucket; which bucket a
      // session lands in depends on when it was last touched, on both servers, so the bucket lines are not compared
      // (the session, ephemeral and connection lines are).
      return lines.filter((l) => !/ expire at /.test(l)).map(v);
    case "cons":
      // One line per connection, in no particular order.
      return lines.map(v).sort();
    case "srvr":
    case "stat":
      // Both servers hold the same tree here, so the node count must agree exactly.
      return lines.map((l) =>
        l.startsWith("Mode:") || l.startsWith("Node count:") ? l : /^[A-Za-z ]+:/.test(l) ? l.slice(0, l.indexOf(":") + 1) : v(l),
      );
    default:
      return lines.map(v);
  }
}

describe("four-letter words", () => {
  const pair = usePair();

  // Both servers get the same state (a node, an ephemeral, watches held by a live session) and are asked every
  // word once while that session is open; each word is then its own scenario.
  let answers: Promise<{ ref: Record<string, string[]>; sub: Record<string, string[]> }> | undefined;
  const gather = () => {
    const steps = [
      { op: "connect", s: "a" },
      { op: "create", s: "a", path: "/fl", data: "x" },
      { op: "create", s: "a", path: "/fl/e", ephemeral: true },
      { op: "get", s: "a", path: "/fl", watch: true },
      { op: "get_children", s: "a", path: "/fl", watch: true },
      { op: "sleep", ms: 8000 },
    ];
    const ask = async (port: number) => {
      const out: Record<string, string[]> = {};
      for (const w of WORDS) out[w] = structure(w, await fourLetter(port, w));
      return out;
    };
    const run = async (connectString: string, port: number) => {
      const driver = runKazoo(connectString, steps);
      // Ask once the session's state is in place on the server (ephemeral created, both watches set), however
      // long kazoo takes to get there on a loaded machine.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [dump, wchc] = [await fourLetter(port, "dump"), await fourLetter(port, "wchc")];
        if (dump.includes("/fl/e") && wchc.includes("/fl")) break;
        if (Date.now() > deadline) throw new Error(`kazoo session state never appeared on port ${port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const got = await ask(port);
      await driver;
      return got;
    };
    const p = pair();
    answers ??= Promise.all([run(p.reference.connectString, p.reference.port), run(p.subject.connectString, p.subject.port)]).then(
      ([ref, sub]) => ({ ref, sub }),
    );
    return answers;
  };

  for (const w of WORDS) {
    scenario(`4lw/${w}`, async () => {
      const { ref, sub } = await gather();
      if (w === "ruok") expect(ref.ruok).toEqual(["imok"]);
      if (w === "mntr") return compareMntr(ref.mntr!, sub.mntr!);
      expect({ word: w, lines: sub[w] }).toEqual({ word: w, lines: ref[w] });
    });
  }

  scenario("4lw/not-whitelisted", async () => {
    const p = pair();
    const [ref, sub] = await Promise.all([fourLetter(p.reference.port, "xyzw"), fourLetter(p.subject.port, "xyzw")]);
    expect(sub).toEqual(ref);
  });
});

/**
 * zkts prints only what it measures: its mntr keys are a subset of ZooKeeper's, in ZooKeeper's order (the
 * per-namespace summary sets, which ZooKeeper prints in hash order among its metrics, are checked as a set), and
 * the deterministic ones are all there with ZooKeeper's values.
 */
function compareMntr(ref: string[], sub: string[]): void {
  const key = (l: string) => l.split("\t")[0]!;
  const refKeys = ref.map(key);
  const subKeys = sub.map(key);
  expect({ notInZooKeeper: subKeys.filter((k) => !refKeys.includes(k)) }).toEqual({ notInZooKeeper: [] });
  const ordered = (keys: string[]) => keys.filter((k) => !k.endsWith("_per_namespace") && subKeys.includes(k));
  expect(ordered(subKeys)).toEqual(ordered(refKeys));
  const det = (lines: string[]) => lines.filter((l) => MNTR_DETERMINISTIC.includes(key(l)));
  expect(det(sub)).toEqual(det(ref));
  expect(det(sub).length).toBe(MNTR_DETERMINISTIC.length);
}
