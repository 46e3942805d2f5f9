import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@zkts/testkit";
import { startPair, type ServerPair } from "../src/servers.js";
import { runKazoo } from "../src/clients.js";

/**
 * The AdminServer against ZooKeeper 3.8's (JettyAdminServer, on a free port): the same workload on both, then every
 * command name and alias ZooKeeper's Commands registry knows is asked of both; the HTTP status, the content type and
 * the JSON key set must agree (values may differ where they are per-server: ports, times, ids, sizes).
 */

/** Every name and alias of ZooKeeper 3.8's Commands registry (Commands.java). */
const NAMES = [
  "configuration", "conf", "config",
  "connection_stat_reset", "crst",
  "connections", "cons",
  "hash",
  "dirs",
  "dump",
  "environment", "env", "envi",
  "get_trace_mask", "gtmk",
  "initial_configuration", "icfg",
  "is_read_only", "isro",
  "last_snapshot", "lsnp",
  "leader", "lead",
  "monitor", "mntr",
  "observer_connection_stat_reset", "orst",
  "ruok",
  "set_trace_mask", "stmk",
  "server_stats", "srvr",
  "stats", "stat",
  "stat_reset", "srst",
  "observers", "obsr",
  "system_properties", "sysp",
  "voting_view",
  "watches", "wchc",
  "watches_by_path", "wchp",
  "watch_summary", "wchs",
  "zabstate",
  "no_such_command",
];

/** Objects whose keys are data (session ids, paths, expiry times, server ids): only their presence is compared. */
const DATA_KEYED = new Set([
  "expiry_time_to_session_ids",
  "session_id_to_ephemeral_paths",
  "session_id_to_watched_paths",
  "path_to_session_ids",
  "current_config",
]);

/** The key paths of a JSON value: `a`, `a.b`, `a[].c` (arrays of objects: their first element). */
function keyPaths(v: unknown, prefix = ""): string[] {
  if (Array.isArray(v)) return v.length > 0 && typeof v[0] === "object" && v[0] !== null ? keyPaths(v[0], `${prefix}[]`) : [];
  if (v === null || typeof v !== "object") return [];
  const out: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = prefix === "" ? k : `${prefix}.${k}`;
    out.push(p);
    if (!DATA_KEYED.has(k)) out.push(...keyPaths(x, p));
  }
  return out.sort();
}

interface Answer {
  status: number;
  type: string | null;
  body: string;
  json?: Record<string, unknown>;
}

async function get(port: number, path: string, method = "GET"): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  const type = res.headers.get("content-type");
  let json: Record<string, unknown> | undefined;
  if (type === "application/json") json = JSON.parse(body) as Record<string, unknown>;
  return { status: res.status, type, body, json };
}

/** A command's keys as compared: see the known differences below. */
function comparable(name: string, json: Record<string, unknown>): string[] {
  const keys = keyPaths(json);
  // system_properties: the JVM's properties (java.*, sun.*, os.*, user.*, ...) have no Node.js counterpart; the
  // zookeeper.* ones (zoo.cfg keys as ZooKeeper keeps them) must agree, but for the -D flag the testkit gives the
  // reference's JVM alone (zookeeper.jmx.log4j.disable).
  if (name === "system_properties" || name === "sysp") {
    return keys.filter((k) => (k.startsWith("zookeeper.") && k !== "zookeeper.jmx.log4j.disable") || k === "command" || k === "error");
  }
  return keys;
}

describe("AdminServer (differential)", () => {
  let pair: ServerPair | undefined;
  const adminPorts = { reference: 0, subject: 0 };
  const answers: { ref: Record<string, Answer>; sub: Record<string, Answer> } = { ref: {}, sub: {} };

  beforeAll(async () => {
    adminPorts.reference = await freePort();
    adminPorts.subject = await freePort();
    // Each server gets its AdminServer on its own free port through the same zoo.cfg keys.
    pair = await startPairWithAdmin(adminPorts);
    const steps = [
      { op: "connect", s: "a" },
      { op: "create", s: "a", path: "/adm", data: "x" },
      { op: "create", s: "a", path: "/adm/e", ephemeral: true },
      { op: "get", s: "a", path: "/adm", watch: true },
      { op: "get_children", s: "a", path: "/adm", watch: true },
      { op: "sleep", ms: 8000 },
    ];
    const run = async (connectString: string, admin: number, out: Record<string, Answer>) => {
      const driver = runKazoo(connectString, steps);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [dump, wchc] = [await get(admin, "/commands/dump"), await get(admin, "/commands/watches")];
        if (dump.body.includes("/adm/e") && wchc.body.includes("/adm")) break;
        if (Date.now() > deadline) throw new Error(`kazoo session state never appeared (admin port ${admin})`);
        await new Promise((r) => setTimeout(r, 50));
      }
      out["/commands"] = await get(admin, "/commands");
      out["/commands/"] = await get(admin, "/commands/");
      out["POST /commands/ruok"] = await get(admin, "/commands/ruok", "POST");
      out["/nowhere"] = await get(admin, "/nowhere");
      out["/commands/ruok/extra"] = await get(admin, "/commands/ruok/extra");
      out["/commands/set_trace_mask?traceMask=x"] = await get(admin, "/commands/set_trace_mask?traceMask=x");
      for (const n of NAMES) out[n] = await get(admin, `/commands/${n}`);
      await driver;
    };
    await Promise.all([
      run(pair.reference.connectString, adminPorts.reference, answers.ref),
      run(pair.subject.connectString, adminPorts.subject, answers.sub),
    ]);
  }, 120_000);

  afterAll(async () => {
    await pair?.stop();
  });

  for (const name of NAMES) {
    it(`/commands/${name}: same status, content type and JSON keys`, () => {
      const ref = answers.ref[name]!;
      const sub = answers.sub[name]!;
      expect(ref.status).toBe(200);
      expect({ status: sub.status, type: sub.type }).toEqual({ status: ref.status, type: ref.type });
      expect({ name, keys: comparable(name, sub.json!) }).toEqual({ name, keys: comparable(name, ref.json!) });
      // The command's primary name and the error (or null) are the same.
      expect({ command: sub.json!.command, error: sub.json!.error === null }).toEqual({
        command: ref.json!.command,
        error: ref.json!.error === null,
      });
    });
  }

  it("the deterministic values agree (state both servers were given)", () => {
    const v = (a: Record<string, Answer>, n: string, k: string) => a[n]!.json![k];
    for (const [n, k] of [
      ["is_read_only", "read_only"],
      ["watch_summary", "num_connections"],
      ["watch_summary", "num_paths"],
      ["watch_summary", "num_total_watches"],
      ["get_trace_mask", "tracemask"],
      ["ruok", "error"],
      ["leader", "error"],
      ["zabstate", "zabstate"],
      ["set_trace_mask", "error"],
      ["no_such_command", "error"],
    ] as const) {
      expect({ n, k, v: v(answers.sub, n, k) }).toEqual({ n, k, v: v(answers.ref, n, k) });
    }
    expect(answers.sub.stats!.json!.node_count).toBe(answers.ref.stats!.json!.node_count);
    expect((answers.sub.connections!.json!.connections as unknown[]).length).toBe(1);
    expect((answers.ref.connections!.json!.connections as unknown[]).length).toBe(1);
  });

  it("/commands lists the same commands; other paths and methods answer the same statuses", () => {
    expect(answers.sub["/commands"]!.body).toBe(answers.ref["/commands"]!.body);
    expect(answers.sub["/commands/"]!.body).toBe(answers.ref["/commands/"]!.body);
    for (const k of ["POST /commands/ruok", "/nowhere", "/commands/ruok/extra", "/commands/set_trace_mask?traceMask=x"]) {
      expect({ k, status: answers.sub[k]!.status }).toEqual({ k, status: answers.ref[k]!.status });
    }
    const err = (k: string, a: typeof answers.ref) => a[k]!.json!.error;
    expect(err("/commands/ruok/extra", answers.sub)).toBe(err("/commands/ruok/extra", answers.ref));
  });
});

/** startPair with each server's AdminServer on its own free port on 127.0.0.1. */
async function startPairWithAdmin(ports: { reference: number; subject: number }): Promise<ServerPair> {
  return startPair({
    adminFor: (kind) => ({
      "admin.enableServer": "true",
      "admin.serverAddress": "127.0.0.1",
      "admin.serverPort": String(kind === "reference" ? ports.reference : ports.subject),
    }),
  });
}
