import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { MetricsRegistry } from "@zkts/metrics";
import { afterEach, describe, expect, it } from "vitest";
import {
  COMMAND_NAMES,
  JavaDouble,
  NOT_SERVING,
  commandNames,
  primaryName,
  readiness,
  responseMap,
  runCommand,
  type CommandContext,
  type HostFacts,
  type QuorumView,
} from "./commands.js";
import { toJackson } from "./json.js";
import { FOUR_LETTER_WORDS, runFourLetterWord } from "./four-letter.js";
import { startAdminServer, type RunningAdminServer } from "./admin-server.js";
import { FakeCore } from "./testing/harness.js";

/** Bodies Apache ZooKeeper 3.8.0's AdminServer gave on a fresh standalone server. */
const ZK = JSON.parse(
  readFileSync(new URL("./__fixtures__/zk-3.8.0/admin-fresh.json", import.meta.url), "utf8"),
) as Record<string, string>;

const host: HostFacts = {
  environment: () => [
    ["zookeeper.version", ""],
    ["host.name", "h"],
  ],
  maxFileDescriptors: () => 1024,
  openFileDescriptors: () => 17,
};

function ctx(over: Partial<CommandContext> = {}, info = new FakeCore().info): CommandContext {
  return {
    info,
    connections: [],
    metrics: new MetricsRegistry(),
    stats: { startedAt: 0, largeRequestsRejected: 0, lastClientResponseSize: -1, minClientResponseSize: -1, maxClientResponseSize: -1 },
    resetConnectionStats() {},
    resetServerStats() {},
    now: () => 1000,
    host,
    ...over,
  };
}

const json = (name: string, c: CommandContext = ctx(), kwargs: Record<string, string> = {}) =>
  toJackson(responseMap(runCommand(name, c, kwargs)));

/** Key paths of a JSON text (arrays of objects: their first element). */
function keys(text: string): string[] {
  const walk = (v: unknown, p: string): string[] => {
    if (Array.isArray(v)) return v.length > 0 && typeof v[0] === "object" ? walk(v[0], `${p}[]`) : [];
    if (v === null || typeof v !== "object") return [];
    return Object.entries(v).flatMap(([k, x]) => [`${p}${k}`, ...walk(x, `${p}${k}.`)]);
  };
  return walk(JSON.parse(text), "").sort();
}

describe("command registry", () => {
  it("has ZooKeeper 3.8's primary names, sorted as /commands lists them", () => {
    expect(COMMAND_NAMES).toEqual([
      "configuration", "connection_stat_reset", "connections", "dirs", "dump", "environment", "get_trace_mask", "hash",
      "initial_configuration", "is_read_only", "last_snapshot", "leader", "monitor", "observer_connection_stat_reset",
      "observers", "ruok", "server_stats", "set_trace_mask", "stat_reset", "stats", "system_properties", "voting_view",
      "watch_summary", "watches", "watches_by_path", "zabstate",
    ]);
  });

  it("resolves aliases to the primary name", () => {
    expect(primaryName("mntr")).toBe("monitor");
    expect(primaryName("config")).toBe("configuration");
    expect(primaryName("wchc")).toBe("watches");
    expect(primaryName("nope")).toBeUndefined();
    expect(commandNames("environment")).toEqual(["environment", "env", "envi"]);
    expect(runCommand("srvr", ctx()).command).toBe("server_stats");
  });

  it("answers an unknown command and a command needing a server that is not serving as ZooKeeper does", () => {
    expect(json("nosuch")).toBe(ZK.nosuch);
    const r = runCommand("stats", ctx({ serving: false }));
    expect(r).toEqual({ command: "stats", error: NOT_SERVING, data: new Map() });
    // environment, monitor, zabstate... need no server
    expect(runCommand("environment", ctx({ serving: false })).error).toBeNull();
  });
});

describe("command records as JSON (byte for byte where the values are the same)", () => {
  for (const name of [
    "ruok",
    "get_trace_mask",
    "is_read_only",
    "leader",
    "zabstate",
    "set_trace_mask",
    "watch_summary",
    "observers",
    "hash",
    "voting_view",
    "connection_stat_reset",
    "stat_reset",
    "observer_connection_stat_reset",
    "watches",
    "watches_by_path",
    "connections",
    "dump",
  ]) {
    it(name, () => {
      expect(json(name)).toBe(ZK[name]);
    });
  }

  for (const name of ["stats", "server_stats", "configuration", "dirs", "last_snapshot", "initial_configuration", "monitor"]) {
    it(`${name}: ZooKeeper's key set`, () => {
      const c = ctx({
        dirSizes: { dataDirSize: 1, logDirSize: 2 },
        initialConfig: "tickTime=2000\n",
        lastSnapshot: () => ({ zxid: 0n, timestamp: 5 }),
      });
      (c.info as { config: Record<string, string> }).config = {
        clientPort: "2181",
        secureClientPort: "-1",
        dataDir: "/d/version-2",
        dataLogDir: "/d/version-2",
        tickTime: "2000",
        maxClientCnxns: "60",
        minSessionTimeout: "4000",
        maxSessionTimeout: "40000",
        clientPortListenBacklog: "-1",
        serverId: "0",
      };
      expect(keys(json(name, c))).toEqual(keys(ZK[name]!));
    });
  }

  it("a value zkts does not measure is null in JSON, never a made-up number", () => {
    const m = JSON.parse(json("monitor")) as Record<string, unknown>;
    expect(m.proposal_count).toBeNull();
    expect(m.znode_count).toBe(5);
    const s = JSON.parse(json("stats")) as { server_stats: Record<string, unknown> };
    expect(s.server_stats.non_mtlsremote_conn_count).toBeNull();
    expect(s.server_stats.data_dir_size).toBeNull(); // not measured (no dirSizes)
  });

  it("prints Java doubles and longs as Jackson does", () => {
    expect(toJackson({ a: new JavaDouble(0), b: new JavaDouble(2.8571), c: 1n << 60n, d: [], e: {}, f: [1, 2] })).toBe(
      '{\n  "a" : 0.0,\n  "b" : 2.8571,\n  "c" : 1152921504606846976,\n  "d" : [ ],\n  "e" : { },\n  "f" : [ 1, 2 ]\n}',
    );
    expect(toJackson({ l: [{ x: 1 }] })).toBe('{\n  "l" : [ {\n    "x" : 1\n  } ]\n}');
  });
});

describe("one layer for both faces", () => {
  it("every four-letter word is a command of the registry", () => {
    for (const w of FOUR_LETTER_WORDS) expect({ w, primary: primaryName(w) }).toEqual({ w, primary: expect.any(String) });
  });

  it("mntr text and monitor JSON carry the same measured values", () => {
    const c = ctx();
    const text = runFourLetterWord("mntr", c);
    const m = JSON.parse(json("monitor", c)) as Record<string, unknown>;
    for (const line of text.trim().split("\n")) {
      const [k, v] = line.split("\t") as [string, string];
      if (k === "zk_uptime") continue;
      expect({ k, v: String(m[k.slice(3)]) }).toEqual({ k, v: v === "0.0" ? "0" : v });
    }
    expect(text).toContain("zk_open_file_descriptor_count\t17\n");
  });

  it("an ensemble member with no server running answers as ZooKeeper's FourLetterCommands: not serving, isro null", () => {
    const info = new FakeCore({ serverState: "looking", notServing: true }).info;
    const c = ctx({ dirSizes: { dataDirSize: 10, logDirSize: 20 } }, info);
    for (const w of ["conf", "cons", "crst", "srst", "srvr", "stat", "dump", "wchs", "wchc", "wchp", "dirs", "mntr"] as const) {
      expect(runFourLetterWord(w, c), w).toBe(`${NOT_SERVING}\n`);
    }
    expect(runFourLetterWord("isro", c)).toBe("null");
    expect(runFourLetterWord("ruok", c)).toBe("imok");
    expect(runFourLetterWord("gtmk", c)).toBe("306");
    expect(runFourLetterWord("envi", c)).toMatch(/^Environment:\n/);
    // serving (notServing false or absent): the records as ever
    const serving = ctx({}, new FakeCore({ serverState: "read-only", notServing: false, isReadOnly: true }).info);
    expect(runFourLetterWord("srvr", serving)).toContain("Mode: read-only\n");
    expect(runFourLetterWord("isro", serving)).toBe("ro");
  });

  it("wchs, isro, gtmk, envi and dirs format the records the AdminServer prints", () => {
    const info = new FakeCore({ watchSummary: () => ({ connections: 2, paths: 3, total: 4 }), isReadOnly: true }).info;
    const c = ctx({ dirSizes: { dataDirSize: 10, logDirSize: 20 } }, info);
    expect(runFourLetterWord("wchs", c)).toBe("2 connections watching 3 paths\nTotal watches:4\n");
    expect(JSON.parse(json("wchs", c))).toMatchObject({ num_connections: 2, num_paths: 3, num_total_watches: 4 });
    expect(runFourLetterWord("isro", c)).toBe("ro");
    expect(JSON.parse(json("isro", c)).read_only).toBe(true);
    expect(runFourLetterWord("gtmk", c)).toBe("306");
    expect(runFourLetterWord("dirs", c)).toBe("datadir_size: 10\nlogdir_size: 20\n");
    expect(JSON.parse(json("dirs", c))).toMatchObject({ datadir_size: 10, logdir_size: 20 });
    expect(runFourLetterWord("envi", c)).toBe(`Environment:\nzookeeper.version=${String(info.version)}\nhost.name=h\n`);
    expect(JSON.parse(json("envi", c))).toMatchObject({ "zookeeper.version": info.version, "host.name": "h" });
  });

  it("crst and srst reset through the same context", () => {
    let conn = 0;
    let srv = 0;
    const c = ctx({ resetConnectionStats: () => conn++, resetServerStats: () => srv++ });
    runCommand("crst", c);
    runCommand("stat_reset", c);
    expect({ conn, srv }).toEqual({ conn: 1, srv: 1 });
    expect(runFourLetterWord("crst", c)).toBe("Connection stats reset.\n");
    expect(runFourLetterWord("srst", c)).toBe("Server stats reset.\n");
    expect({ conn, srv }).toEqual({ conn: 2, srv: 2 });
    const notServing: CommandContext = { ...c, serving: false };
    expect(runFourLetterWord("crst", notServing)).toBe(`${NOT_SERVING}\n`);
    expect(runFourLetterWord("srst", notServing)).toBe(`${NOT_SERVING}\n`);
    expect({ conn, srv }).toEqual({ conn: 2, srv: 2 });
  });

  /** Two connections: one with a session (core knows it), one that has not sent its connect request. */
  function twoConnections(): CommandContext {
    const sid = 0x1000005dede0000n;
    const info = new FakeCore({
      sessions: () => [
        { id: sid, timeout: 10000, ephemerals: ["/e1", "/e2"], expiresAt: 1_795_312_290_000 },
        { id: 7n, timeout: 30000, ephemerals: [], expiresAt: 1_795_312_280_000 },
      ],
      connections: () => [
        {
          id: 1, remoteAddress: "::ffff:127.0.0.1", remotePort: 5000, queued: 2, packetsReceived: 9, packetsSent: 8,
          sessionId: sid, lastOp: "GETD", established: 1_795_312_271_754.6, timeout: 10000, lastCxid: 5, lastZxid: 3n,
          lastResponseTime: 1_795_312_279_000.9, lastLatency: 1.7, latency: { min: 0.2, avg: 15.9, max: 45.1 },
        },
      ],
      config: { clientPort: "2181", dataDir: "/d/version-2", dataLogDir: "/l/version-2", tickTime: "2000", maxClientCnxns: "60" },
    }).info;
    return ctx({
      info,
      now: () => 1_795_312_275_000,
      dirSizes: { dataDirSize: 457, logDirSize: 912 },
      connections: [
        { id: 1, remoteAddress: "::ffff:127.0.0.1", remotePort: 5000, interestOps: 1, packetsReceived: 9, packetsSent: 8, lastActivity: 1_795_312_279_000 },
        { id: 2, remoteAddress: "127.0.0.1", remotePort: 5001, interestOps: 0, packetsReceived: 0, packetsSent: 0, lastActivity: 1_795_312_262_000 },
      ],
    });
  }

  it("cons and stat lines and the connections / stats JSON lists come from one record per connection", () => {
    const c = twoConnections();
    expect(runFourLetterWord("cons", c)).toBe(
      " /127.0.0.1:5000[1](queued=2,recved=9,sent=8,sid=0x1000005dede0000,lop=GETD,est=1795312271754,to=10000,lcxid=0x5," +
        "lzxid=0x3,lresp=1795312279000,llat=1,minlat=0,avglat=15,maxlat=45)\n /127.0.0.1:5001[0](queued=0,recved=0,sent=0)\n\n",
    );
    expect(JSON.parse(json("cons", c)).connections).toEqual([
      {
        remote_socket_address: "127.0.0.1:5000", interest_ops: 1, outstanding_requests: 2, packets_received: 9, packets_sent: 8,
        session_id: 0x1000005dede0000, last_operation: "GETD", established: 1795312271754, session_timeout: 10000, last_cxid: 5,
        last_zxid: 3, last_response_time: 1795312279000, last_latency: 1, min_latency: 0, avg_latency: 15, max_latency: 45,
      },
      {
        remote_socket_address: "127.0.0.1:5001", interest_ops: 0, outstanding_requests: 0, packets_received: 0, packets_sent: 0,
        session_id: 0, last_operation: "NA", established: 0, session_timeout: 0, last_cxid: -1, last_zxid: -1,
        last_response_time: 0, last_latency: 0, min_latency: 0, avg_latency: 0, max_latency: 0,
      },
    ]);
    const stat = runFourLetterWord("stat", c);
    expect(stat).toContain("Clients:\n /127.0.0.1:5000[1](queued=2,recved=9,sent=8)\n /127.0.0.1:5001[0](queued=0,recved=0,sent=0)\n\n");
    expect(JSON.parse(json("stats", c)).connections).toEqual([
      { remote_socket_address: "127.0.0.1:5000", interest_ops: 1, outstanding_requests: 2, packets_received: 9, packets_sent: 8 },
      { remote_socket_address: "127.0.0.1:5001", interest_ops: 0, outstanding_requests: 0, packets_received: 0, packets_sent: 0 },
    ]);
  });

  it("dump text and the dump JSON come from one record", () => {
    const c = twoConnections();
    expect(runFourLetterWord("dump", c)).toBe(
      "SessionTracker dump:\nSession Sets (2)/(2):\n" +
        "1 expire at Sun Nov 22 01:51:20 UTC 2026:\n\t0x7\n1 expire at Sun Nov 22 01:51:30 UTC 2026:\n\t0x1000005dede0000\n" +
        "ephemeral nodes dump:\nSessions with Ephemerals (1):\n0x1000005dede0000:\n\t/e1\n\t/e2\n" +
        "Connections dump:\nConnections Sets (2)/(2):\n" +
        // its session's timeout (or 10 s without one) after its last activity, in 10 s buckets
        "1 expire at Sun Nov 22 01:51:20 UTC 2026:\n\tip: /127.0.0.1:5001 sessionId: 0x0\n" +
        "1 expire at Sun Nov 22 01:51:30 UTC 2026:\n\tip: /127.0.0.1:5000 sessionId: 0x1000005dede0000\n",
    );
    expect(JSON.parse(json("dump", c))).toEqual({
      expiry_time_to_session_ids: { "1795312280000": [7], "1795312290000": [0x1000005dede0000] },
      session_id_to_ephemeral_paths: { [String(0x1000005dede0000n)]: ["/e1", "/e2"] },
      command: "dump",
      error: null,
    });
  });

  it("conf text and the configuration JSON come from one record", () => {
    const c = twoConnections();
    expect(runFourLetterWord("conf", c)).toBe(
      "clientPort=2181\ndataDir=/d/version-2\ndataDirSize=457\ndataLogDir=/l/version-2\ndataLogSize=912\ntickTime=2000\nmaxClientCnxns=60\n",
    );
    expect(JSON.parse(json("conf", c))).toEqual({
      client_port: 2181, data_dir: "/d/version-2", data_log_dir: "/l/version-2", tick_time: 2000, max_client_cnxns: 60,
      min_session_timeout: null, max_session_timeout: null, server_id: null, client_port_listen_backlog: null,
      command: "configuration", error: null,
    });
  });
});

describe("quorum commands", () => {
  const q: QuorumView = {
    myid: 2,
    isLeader: false,
    leaderId: 3,
    leaderAddress: "127.0.0.1:2890",
    quorumAddress: "127.0.0.1:2889",
    electionAddress: "127.0.0.1:3889",
    clientAddress: "127.0.0.1:2182",
    voting: true,
    zabState: "broadcast",
    votingView: [{ sid: 2, serverAddresses: ["127.0.0.1:2889"], electionAddresses: ["127.0.0.1:3889"], clientAddress: "127.0.0.1:2182", learnerType: "participant" }],
  };
  it("leader, zabstate and voting_view read the member's view", () => {
    const info = new FakeCore({ zxid: (5n << 32n) | 7n, serverState: "follower" }).info;
    const c = ctx({ quorum: () => q }, info);
    expect(JSON.parse(json("leader", c))).toEqual({ is_leader: false, leader_id: 3, leader_ip: "127.0.0.1:2890", command: "leader", error: null });
    expect(JSON.parse(json("zabstate", c))).toMatchObject({ myid: 2, voting: true, zabstate: "broadcast", last_zxid: "0x0000000500000007", zab_epoch: 5, zab_counter: 7 });
    expect(JSON.parse(json("voting_view", c)).current_config).toEqual({
      "2": { server_addresses: ["127.0.0.1:2889"], election_addresses: ["127.0.0.1:3889"], client_address: "127.0.0.1:2182", learner_type: "participant" },
    });
  });

  it("readiness: standalone or with a leader; not while looking, read-only or starting", () => {
    expect(readiness(ctx()).ready).toBe(true);
    expect(readiness(ctx({}, new FakeCore({ serverState: "follower" }).info)).ready).toBe(true);
    expect(readiness(ctx({}, new FakeCore({ serverState: "looking" }).info)).ready).toBe(false);
    expect(readiness(ctx({}, new FakeCore({ serverState: "read-only", isReadOnly: true }).info)).ready).toBe(false);
    expect(readiness(ctx({ serving: false })).ready).toBe(false);
  });
});

describe("AdminServer over HTTP", () => {
  const running: RunningAdminServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });
  const start = async (opts: Partial<Parameters<typeof startAdminServer>[0]> = {}) => {
    const s = await startAdminServer({ host: "127.0.0.1", port: 0, context: async () => ctx(), ...opts });
    running.push(s);
    return s;
  };
  const get = async (port: number, path: string, method = "GET") => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(5000) });
    return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
  };

  it("serves commands under the command URL as JSON, lists them, refuses other methods and paths", async () => {
    const s = await start();
    expect(await get(s.port, "/commands/ruok")).toEqual({ status: 200, type: "application/json", body: ZK.ruok });
    expect(await get(s.port, "/commands/nosuch")).toEqual({ status: 200, type: "application/json", body: ZK.nosuch });
    const list = await get(s.port, "/commands");
    expect(list.status).toBe(200);
    expect(list.body.split("\n").filter((l) => l.startsWith("<a ")).length).toBe(COMMAND_NAMES.length);
    expect(list.body).toContain('<a href="/commands/monitor">monitor</a>\n<br/>\n');
    expect((await get(s.port, "/commands/ruok", "POST")).status).toBe(405);
    expect((await get(s.port, "/elsewhere")).status).toBe(404);
    const stmk = await get(s.port, "/commands/set_trace_mask?traceMask=abc");
    expect(JSON.parse(stmk.body).error).toBe("setTraceMask requires long traceMask argument, got abc");
  });

  it("honours admin.commandURL", async () => {
    const s = await start({ commandUrl: "/zk/" });
    expect(s.commandUrl).toBe("/zk");
    expect(JSON.parse((await get(s.port, "/zk/mntr")).body).command).toBe("monitor");
    expect((await get(s.port, "/commands/ruok")).status).toBe(404);
  });

  it("probes: /live always, /ready only while serving", async () => {
    let serving: CommandContext | undefined;
    const s = await start({ context: async () => serving });
    expect((await get(s.port, "/live")).status).toBe(200);
    const notYet = await get(s.port, "/ready");
    expect(notYet.status).toBe(503);
    expect(JSON.parse((await get(s.port, "/commands/stats")).body).error).toBe(NOT_SERVING);
    serving = ctx();
    const ready = await get(s.port, "/ready");
    expect({ status: ready.status, body: JSON.parse(ready.body) }).toEqual({ status: 200, body: { ready: true, server_state: "standalone" } });
    serving = ctx({}, new FakeCore({ serverState: "looking" }).info);
    expect((await get(s.port, "/ready")).status).toBe(503);
  });

  it("closes a connection idle for admin.idleTimeout", async () => {
    const s = await start({ idleTimeoutMs: 300 });
    const sock = connect(s.port, "127.0.0.1");
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      sock.once("close", () => resolve());
      sock.once("error", reject);
      setTimeout(() => reject(new Error("idle connection not closed")), 5000).unref();
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it("fails to start with ZooKeeper's message when the port is taken", async () => {
    const a = await start();
    await expect(start({ port: a.port })).rejects.toThrow(
      new RegExp(`^Problem starting AdminServer on address 127\\.0\\.0\\.1, port ${a.port} and command URL /commands`),
    );
  });
});
