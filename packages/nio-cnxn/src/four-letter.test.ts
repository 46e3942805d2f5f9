import { readFileSync } from "node:fs";
import { M, MetricsRegistry } from "@zkts/metrics";
import { afterEach, describe, expect, it } from "vitest";
import {
  FOUR_LETTER_WORDS,
  dumpConnection,
  fourLetterWordOf,
  javaDate,
  javaDouble,
  parseWhitelist,
  runFourLetterWord,
  type FourLetterContext,
} from "./four-letter.js";
import { MNTR_KEYS } from "./mntr-keys.js";
import { startServer, type RunningServer } from "./server.js";
import { FakeCore, RawClient, fourLetter, REF_VERSION } from "./testing/harness.js";
import type { ServerInfoView } from "./types.js";

const fixture = (name: string) =>
  readFileSync(new URL(`./__fixtures__/zk-3.8.0/${name}.txt`, import.meta.url), "latin1");

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(core: FakeCore, whitelist?: string, more: Partial<Parameters<typeof startServer>[0]> = {}): Promise<RunningServer> {
  const s = await startServer({ host: "127.0.0.1", port: 0, core, fourLetterWhitelist: whitelist, ...more });
  running.push(s);
  return s;
}

/** Replaces ephemeral ports so outputs compare. */
const noPorts = (s: string) => s.replace(/\/127\.0\.0\.1:\d+/g, "/127.0.0.1:PORT");

/** Info matching the state of the reference server when the session-* fixtures were captured. */
function sessionInfo(): Partial<ServerInfoView> {
  const sid = 0x1000005dede0000n;
  return {
    zxid: 3n,
    nodeCount: 7,
    latency: { min: 1, avg: 15.166666666, max: 45 },
    sessions: () => [{ id: sid, timeout: 10000, ephemerals: ["/e"], expiresAt: Date.UTC(2026, 10, 22, 1, 51, 22) }],
    watchSummary: () => ({ connections: 1, paths: 2, total: 2 }),
    watchCount: 3, // data + child watches (the reference's session-mntr: zk_watch_count 3 while wchs counts 2)
    watchesBySession: () => new Map([[sid, ["/a", "/nope"]]]),
    watchesByPath: () =>
      new Map([
        ["/a", [sid]],
        ["/nope", [sid]],
      ]),
  };
}

function ctx(info: ServerInfoView, metrics?: MetricsRegistry): FourLetterContext {
  return {
    info,
    connections: [],
    metrics,
    stats: {
      startedAt: 0,
      largeRequestsRejected: 0,
      lastClientResponseSize: -1,
      minClientResponseSize: -1,
      maxClientResponseSize: -1,
    },
    resetConnectionStats() {},
    resetServerStats() {},
    now: () => Date.UTC(2026, 10, 22, 1, 51, 12),
  };
}

describe("four-letter word detection", () => {
  it("reads the first 4 bytes as an int, as ZooKeeper does", () => {
    for (const w of FOUR_LETTER_WORDS) expect(fourLetterWordOf(Buffer.from(w).readInt32BE(0))).toBe(w);
    expect(fourLetterWordOf(0x10)).toBeUndefined();
    expect(fourLetterWordOf(Buffer.from("abcd").readInt32BE(0))).toBeUndefined();
  });

  it("parses the whitelist like ZooKeeper (srvr always on, * = all, blanks ignored)", () => {
    expect([...parseWhitelist(undefined)]).toEqual(["srvr"]);
    expect(parseWhitelist(" ruok , ,stat").has("ruok")).toBe(true);
    expect(parseWhitelist(" ruok , ,stat").has("stat")).toBe(true);
    expect(parseWhitelist(" ruok , ,stat").has("mntr")).toBe(false);
    expect(parseWhitelist("*").size).toBe(FOUR_LETTER_WORDS.length);
    expect(parseWhitelist(["mntr"]).has("srvr")).toBe(true);
  });
});

describe("formats match ZooKeeper 3.8.0 output", () => {
  it("javaDouble and javaDate print like Java", () => {
    expect(javaDouble(0)).toBe("0.0");
    expect(javaDouble(15.1667)).toBe("15.1667");
    expect(javaDouble(2)).toBe("2.0");
    expect(javaDouble(0.0001)).toBe("1.0E-4");
    expect(javaDate(Date.UTC(2026, 10, 22, 1, 51, 22))).toBe("Sun Nov 22 01:51:22 UTC 2026");
  });

  it("cons line with a session", () => {
    const line = dumpConnection(
      { id: 1, remoteAddress: "127.0.0.1", remotePort: 55214, interestOps: 0, packetsReceived: 6, packetsSent: 5, lastActivity: 0 },
      {
        id: 1,
        remoteAddress: "127.0.0.1",
        remotePort: 55214,
        queued: 0,
        packetsReceived: 6,
        packetsSent: 5,
        sessionId: 0x1000005dede0000n,
        lastOp: "EXIS",
        established: 1795312271754,
        timeout: 10000,
        lastCxid: 5,
        lastZxid: 3n,
        lastResponseTime: 396923,
        lastLatency: 1,
        latency: { min: 0, avg: 15.9, max: 45 },
      },
      false,
    );
    expect(line + "\n").toBe(fixture("session-cons").split("\n")[1] + "\n");
  });

  it("srvr, stat, wchs, wchc, wchp, dump with a session", () => {
    const core = new FakeCore(sessionInfo());
    const c = ctx(core.info);
    for (const w of ["wchs", "wchc", "wchp"] as const) expect(runFourLetterWord(w, c)).toBe(fixture(`session-${w}`));
    const srvr = runFourLetterWord("srvr", c);
    expect(srvr).toBe(fixture("session-srvr").replace("Received: 21", "Received: 1").replace("Sent: 22", "Sent: 1").replace("Connections: 2", "Connections: 0"));
    const dump = runFourLetterWord("dump", c);
    const want = fixture("session-dump");
    expect(dump.slice(0, dump.indexOf("Connections dump:"))).toBe(want.slice(0, want.indexOf("Connections dump:")));
  });

  it("mntr prints only measured keys, each one ZooKeeper's, in ZooKeeper's order", () => {
    const core = new FakeCore(sessionInfo());
    const metrics = new MetricsRegistry();
    // registered in an order unlike ZooKeeper's: mntr still prints in its order
    metrics.summary(M.READ_LATENCY).observe(3);
    metrics.summary(M.FSYNC_TIME).observe(2);
    metrics.summary(M.FSYNC_TIME).observe(5);
    metrics.counter(M.BYTES_RECEIVED_COUNT).inc(40);
    const out = runFourLetterWord("mntr", ctx(core.info, metrics));
    const keys = out.trimEnd().split("\n").map((l) => l.split("\t")[0]!);
    const reference = fixture("fresh-mntr").trimEnd().split("\n").map((l) => l.split("\t")[0]!);
    expect(reference).toEqual([...MNTR_KEYS]);
    // a subset of ZooKeeper's keys, in ZooKeeper's order
    expect(keys.filter((k) => !MNTR_KEYS.includes(k))).toEqual([]);
    expect(keys).toEqual(MNTR_KEYS.filter((k) => keys.includes(k)));
    // nothing zkts does not measure (here: no connection throttle, no TLS, no local sessions, no sync processor)
    for (const k of ["zk_connection_drop_probability", "zk_outstanding_tls_handshake", "zk_local_sessions", "zk_avg_snapshottime", "zk_p50_sync_processor_queue_time_ms"]) {
      expect(keys).not.toContain(k);
    }
    const map = new Map(out.trimEnd().split("\n").map((l) => l.split("\t") as [string, string]));
    expect(map.get("zk_version")).toBe(REF_VERSION);
    expect(map.get("zk_server_state")).toBe("standalone");
    expect(map.get("zk_avg_latency")).toBe("15.1667");
    expect(map.get("zk_znode_count")).toBe("7");
    expect(map.get("zk_watch_count")).toBe(fixture("session-mntr").match(/zk_watch_count\t(\d+)/)![1]);
    expect(map.get("zk_global_sessions")).toBe("1");
    expect(map.get("zk_avg_fsynctime")).toBe("3.5");
    expect(map.get("zk_cnt_fsynctime")).toBe("2");
    expect(map.get("zk_sum_fsynctime")).toBe("7");
    expect(map.get("zk_p99_readlatency")).toBe("3");
    expect(map.get("zk_bytes_received_count")).toBe("40");
    // srst resets the registry's counters and summaries
    runFourLetterWord("srst", ctx(core.info, metrics));
    const after = new Map(runFourLetterWord("mntr", ctx(core.info, metrics)).trimEnd().split("\n").map((l) => l.split("\t") as [string, string]));
    expect(after.get("zk_cnt_fsynctime")).toBe("0");
    expect(after.get("zk_bytes_received_count")).toBe("0");
  });
});

describe("over the wire", () => {
  it("every word answers with the whitelist '*' and closes", async () => {
    const core = new FakeCore({ config: { clientPort: "2181", dataDir: "/d/version-2", dataLogDir: "/l/version-2", tickTime: "2000" } });
    let measured = 0;
    const s = await start(core, "*", {
      dirSizes: async () => {
        measured++;
        return { dataDirSize: 457, logDirSize: 457 };
      },
    });
    expect(await fourLetter(s.port, "ruok")).toBe(fixture("fresh-ruok"));
    expect(await fourLetter(s.port, "isro")).toBe(fixture("fresh-isro"));
    expect(await fourLetter(s.port, "srvr")).toBe(fixture("fresh-srvr"));
    expect(noPorts(await fourLetter(s.port, "stat"))).toBe(noPorts(fixture("fresh-stat")).replace("Received: 2", "Received: 1").replace("Sent: 2", "Sent: 1"));
    expect(noPorts(await fourLetter(s.port, "cons"))).toBe(noPorts(fixture("fresh-cons")));
    expect(await fourLetter(s.port, "wchs")).toBe(fixture("fresh-wchs"));
    expect(await fourLetter(s.port, "wchc")).toBe(fixture("fresh-wchc"));
    expect(await fourLetter(s.port, "wchp")).toBe(fixture("fresh-wchp"));
    expect(await fourLetter(s.port, "dirs")).toBe(fixture("fresh-dirs"));
    expect(await fourLetter(s.port, "conf")).toBe(
      "clientPort=2181\ndataDir=/d/version-2\ndataDirSize=457\ndataLogDir=/l/version-2\ndataLogSize=457\ntickTime=2000\n",
    );
    expect(measured).toBe(2);
    expect(await fourLetter(s.port, "crst")).toBe(fixture("fresh-crst"));
    expect(core.resets.connStats).toBe(1);
    expect(await fourLetter(s.port, "srst")).toBe(fixture("fresh-srst"));
    expect(core.resets.stats).toBe(1);
    const envi = await fourLetter(s.port, "envi");
    const keys = (t: string) => t.trimEnd().split("\n").map((l) => l.split("=")[0]);
    expect(keys(envi)).toEqual(keys(fixture("fresh-envi")));
    expect(envi).toContain(`zookeeper.version=${REF_VERSION}\n`);
    const mntr = await fourLetter(s.port, "mntr");
    const mntrKeys = mntr.trimEnd().split("\n").map((l) => l.split("\t")[0]!);
    expect(mntrKeys).toEqual(MNTR_KEYS.filter((k) => mntrKeys.includes(k)));
    expect(mntrKeys).toContain("zk_bytes_received_count");
    expect(mntrKeys).toContain("zk_connection_request_count");
    const dump = noPorts(await fourLetter(s.port, "dump"));
    expect(dump).toMatch(/^SessionTracker dump:\nSession Sets \(0\)\/\(0\):\nephemeral nodes dump:\nSessions with Ephemerals \(0\):\nConnections dump:\nConnections Sets \(1\)\/\(1\):\n1 expire at \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}:\n\tip: \/127\.0\.0\.1:PORT sessionId: 0x0\n$/);
    expect(core.connects.length).toBe(0);
    expect(s.stats.fourLetterWords).toBe(15);
  });

  it("dirs and conf print no directory sizes that were not measured", async () => {
    const core = new FakeCore({ config: { clientPort: "2181", dataDir: "/d/version-2", dataDirSize: "0", tickTime: "2000" } });
    const s = await start(core, "*");
    expect(await fourLetter(s.port, "dirs")).toBe("");
    expect(await fourLetter(s.port, "conf")).toBe("clientPort=2181\ndataDir=/d/version-2\ntickTime=2000\n");
  });

  it("connection counters land in the injected registry", async () => {
    const core = new FakeCore();
    const metrics = new MetricsRegistry();
    const s = await start(core, "mntr", { metrics, connectTimeoutMs: 50 });
    const c = await RawClient.connect(s.port);
    c.sendFrame(Buffer.from("connect"));
    await c.until(() => c.frames.length === 1);
    const idle = await RawClient.connect(s.port);
    await idle.closed;
    expect(metrics.counter(M.CONNECTION_REQUEST_COUNT).value).toBe(1);
    expect(metrics.counter(M.SESSIONLESS_CONNECTIONS_EXPIRED).value).toBe(1);
    expect(metrics.counter(M.BYTES_RECEIVED_COUNT).value).toBe(4 + "connect".length);
    expect(s.stats.bytesReceived).toBe(4 + "connect".length);
    const mntr = await fourLetter(s.port, "mntr");
    expect(mntr).toContain("zk_connection_request_count\t1\n");
    expect(mntr).toContain("zk_sessionless_connections_expired\t1\n");
  });

  it("only srvr answers with the default whitelist; the rest say they are not whitelisted", async () => {
    const core = new FakeCore();
    const s = await start(core);
    for (const w of FOUR_LETTER_WORDS) {
      const out = await fourLetter(s.port, w);
      if (w === "srvr") expect(out).toBe(fixture("fresh-srvr"));
      else expect(out).toBe(`${w} is not executed because it is not in the whitelist.\n`);
    }
    expect(await fourLetter(s.port, "ruok")).toBe(fixture("not-whitelisted-ruok"));
    expect(core.resets).toEqual({ stats: 0, connStats: 0 });
  });

  it("a word split across packets still counts; a word after connect is a bad length", async () => {
    const core = new FakeCore();
    const s = await start(core, "ruok");
    expect(await fourLetter(s.port, [Buffer.from("ru"), Buffer.from("o"), Buffer.from("k")])).toBe("imok");
    const c = await RawClient.connect(s.port);
    c.sendFrame(Buffer.from("connect"));
    await c.until(() => c.frames.length === 1);
    c.socket.write("ruok");
    await c.closed;
    expect(s.stats.badLength).toBe(1);
  });

  it("cons shows connections with their sessions from core", async () => {
    const core = new FakeCore();
    const s = await start(core, "*");
    const c = await RawClient.connect(s.port);
    c.sendFrame(Buffer.from("connect"));
    await c.until(() => c.frames.length === 1);
    const id = core.connects[0]!.conn.id;
    core.info = {
      ...core.info,
      connections: () => [
        {
          id,
          remoteAddress: "127.0.0.1",
          remotePort: 0,
          queued: 0,
          packetsReceived: 1,
          packetsSent: 1,
          sessionId: 0x100n,
          lastOp: "PING",
          established: 1,
          timeout: 30000,
          lastCxid: -1,
          lastZxid: 0n,
          lastResponseTime: 2,
          lastLatency: 0,
          latency: { min: 0, avg: 0, max: 0 },
        },
      ],
    };
    const out = await fourLetter(s.port, "cons");
    const lines = noPorts(out).split("\n");
    expect(lines).toContain(
      " /127.0.0.1:PORT[1](queued=0,recved=1,sent=1,sid=0x100,lop=PING,est=1,to=30000,lzxid=0x0,lresp=2,llat=0,minlat=0,avglat=0,maxlat=0)",
    );
    expect(lines).toContain(" /127.0.0.1:PORT[0](queued=0,recved=1,sent=0)");
  });
});

describe("fractional latencies from core print as whole milliseconds", () => {
  it("truncates like Java longs", () => {
    const core = new FakeCore({ latency: { min: 0.097, avg: 0.654321, max: 2.29 } });
    const out = runFourLetterWord("srvr", ctx(core.info));
    expect(out).toContain("Latency min/avg/max: 0/0.6543/2\n");
    const line = dumpConnection(
      { id: 1, remoteAddress: "::ffff:127.0.0.1", remotePort: 1, interestOps: 1, packetsReceived: 1, packetsSent: 1, lastActivity: 0 },
      { id: 1, remoteAddress: "::ffff:127.0.0.1", remotePort: 1, queued: 0, packetsReceived: 1, packetsSent: 1, sessionId: 1n, lastOp: "GETD", established: 10.5, timeout: 1, lastCxid: 1, lastZxid: 1n, lastResponseTime: 3.7, lastLatency: 0.4, latency: { min: 0.1, avg: 1.9, max: 2.5 } },
      false,
    );
    expect(line).toBe(" /127.0.0.1:1[1](queued=0,recved=1,sent=1,sid=0x1,lop=GETD,est=10,to=1,lcxid=0x1,lzxid=0x1,lresp=3,llat=0,minlat=0,avglat=1,maxlat=2)");
  });
});
