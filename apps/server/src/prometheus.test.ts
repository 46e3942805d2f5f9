import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRequest, GetDataRequest, encode } from "@zkts/jute";
import { M, MetricsRegistry } from "@zkts/metrics";
import parsePrometheus from "parse-prometheus-text-format";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig, PROMETHEUS_PROVIDER } from "./config.js";
import { createPrometheusExporter } from "./prometheus.js";
import { spawnServer as spawnIn, waitForLine } from "./process-helpers.js";
import { RawSession } from "./test-helpers.js";

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; quantiles?: Record<string, string>; count?: string; sum?: string }[];
}
const parse = (text: string) => parsePrometheus(text) as Family[];

/** The exposition as name -> sample lines (name{labels} value), checked to be well-formed line by line. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m === null) throw new Error(`malformed sample line: ${line}`);
    out.set(m[1]!, Number(m[2]!.toLowerCase() === "nan" ? Number.NaN : m[2]));
  }
  return out;
}

const cfgText = (extra: string) => `dataDir=/tmp/x\nclientPort=0\nmetricsProvider.className=${PROMETHEUS_PROVIDER}\n${extra}`;

describe("metricsProvider.* configuration", () => {
  it("takes ZooKeeper's PrometheusMetricsProvider keys with its defaults", () => {
    expect(parseConfig(cfgText("")).prometheus).toEqual({ httpHost: "0.0.0.0", httpPort: 7000, exportJvmInfo: true });
    const c = parseConfig(cfgText("metricsProvider.httpHost=127.0.0.1\nmetricsProvider.httpPort=7001\nmetricsProvider.exportJvmInfo=false\n"));
    expect(c.prometheus).toEqual({ httpHost: "127.0.0.1", httpPort: 7001, exportJvmInfo: false });
    expect(c.unknownKeys).toEqual([]);
    expect(parseConfig("dataDir=/tmp/x\nmetricsProvider.className=org.apache.zookeeper.metrics.impl.DefaultMetricsProvider\n").prometheus).toBeUndefined();
    expect(parseConfig("dataDir=/tmp/x\n").prometheus).toBeUndefined();
  });

  it("refuses another provider class, keys it cannot honour and a bad port, naming file, line and key", () => {
    const err = (text: string) => {
      try {
        parseConfig(text, { fileName: "zoo.cfg" });
      } catch (e) {
        if (e instanceof ConfigError) return e.problems.join("\n");
        throw e;
      }
      throw new Error("accepted");
    };
    expect(err("dataDir=/tmp/x\nmetricsProvider.className=com.example.MyProvider\n")).toMatch(
      /^zoo\.cfg:2: metrics provider class was not found: metricsProvider\.className=com\.example\.MyProvider/,
    );
    expect(err(cfgText("metricsProvider.numWorkerThreads=4\n"))).toMatch(/^zoo\.cfg:4: metricsProvider\.numWorkerThreads is not supported by zkts/);
    expect(err(cfgText("metricsProvider.httpPort=70000\n"))).toContain("zoo.cfg:4: metricsProvider.httpPort must be a port number");
  });
});

describe("Prometheus exporter", () => {
  it("exposes the registry with ZooKeeper's names and types: counters, gauges, summaries with quantile labels, summary sets by key", async () => {
    const metrics = new MetricsRegistry();
    const ex = createPrometheusExporter(metrics, { processMetrics: false });
    try {
      const commits = metrics.counter(M.COMMIT_COUNT);
      commits.inc(3);
      let nodes = 5;
      metrics.gauge("znode_count", () => nodes);
      metrics.gauge("auth_failed_count", () => undefined); // not measured: no sample
      metrics.summary(M.READ_LATENCY).observe(3);
      metrics.summary(M.FSYNC_TIME); // nothing recorded yet
      metrics.summarySet("write_per_namespace").observe("app", 10);
      let text = await ex.metrics();
      const types = Object.fromEntries(parse(text).map((f) => [f.name, f.type]));
      expect(types).toEqual({
        commit_count: "COUNTER",
        znode_count: "GAUGE",
        auth_failed_count: "GAUGE",
        readlatency: "SUMMARY",
        fsynctime: "SUMMARY",
        write_per_namespace: "SUMMARY",
      });
      let s = samples(text);
      expect(s.get("commit_count")).toBe(3);
      expect(s.get("znode_count")).toBe(5);
      expect([...s.keys()].some((k) => k.startsWith("auth_failed_count"))).toBe(false);
      // advanced summary: 0.5/0.9/0.99; basic: 0.5 only (ZooKeeper's PrometheusSummary)
      expect([...s.keys()].filter((k) => k.startsWith("readlatency"))).toEqual([
        'readlatency{quantile="0.5"}',
        'readlatency{quantile="0.9"}',
        'readlatency{quantile="0.99"}',
        "readlatency_sum",
        "readlatency_count",
      ]);
      expect(s.get('readlatency{quantile="0.99"}')).toBe(3);
      // nothing observed: count 0, quantile NaN (the Java client's value), never a made-up 0
      expect([...s.keys()].filter((k) => k.startsWith("fsynctime"))).toEqual(['fsynctime{quantile="0.5"}', "fsynctime_sum", "fsynctime_count"]);
      expect(s.get("fsynctime_count")).toBe(0);
      expect(s.get('fsynctime{quantile="0.5"}')).toBeNaN();
      expect(s.get('write_per_namespace{quantile="0.5",key="app"}')).toBe(10);
      expect(s.get('write_per_namespace_count{key="app"}')).toBe(1);

      // srst resets the registry for mntr; Prometheus counters and summaries go on (ZooKeeper ignores resets there)
      metrics.reset();
      commits.inc();
      nodes = 7;
      metrics.summary(M.READ_LATENCY).observe(1);
      s = samples(await ex.metrics());
      expect(s.get("commit_count")).toBe(4);
      expect(s.get("znode_count")).toBe(7);
      expect(s.get("readlatency_count")).toBe(2);

      // a gauge that leaves the registry leaves the exposition
      metrics.unregisterGauge(metrics.get("znode_count") as Parameters<typeof metrics.unregisterGauge>[0]);
      text = await ex.metrics();
      expect(parse(text).map((f) => f.name)).not.toContain("znode_count");
    } finally {
      ex.close();
    }
  });

  it("adds Node.js process metrics only with exportJvmInfo", async () => {
    const metrics = new MetricsRegistry();
    const without = createPrometheusExporter(metrics, { processMetrics: false });
    const withInfo = createPrometheusExporter(metrics, { processMetrics: true });
    try {
      expect(await without.metrics()).not.toContain("process_");
      const s = samples(await withInfo.metrics());
      expect(s.get("process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(s.get("process_cpu_seconds_total")).toBeGreaterThan(0);
      expect([...s.keys()].some((k) => k.startsWith("nodejs_heap_size_used_bytes"))).toBe(true);
    } finally {
      without.close();
      withInfo.close();
    }
  });
});

// ---- against a real zkts-server process ----

const dir = mkdtempSync(join(tmpdir(), "zkts-prom-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));




function http(port: number, path: string, method = "GET"): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, timeout: 10000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

/** Names ZooKeeper 3.8 exposes (ZooKeeperServer's gauges, ServerMetrics' counters and summaries) that zkts measures. */
const ZK_NAMES: Record<string, string> = {
  znode_count: "GAUGE",
  watch_count: "GAUGE",
  ephemerals_count: "GAUGE",
  approximate_data_size: "GAUGE",
  packets_received: "GAUGE",
  packets_sent: "GAUGE",
  num_alive_connections: "GAUGE",
  outstanding_requests: "GAUGE",
  avg_latency: "GAUGE",
  max_latency: "GAUGE",
  min_latency: "GAUGE",
  uptime: "GAUGE",
  global_sessions: "GAUGE",
  open_file_descriptor_count: "GAUGE",
  max_file_descriptor_count: "GAUGE",
  readlatency: "SUMMARY",
  updatelatency: "SUMMARY",
  fsynctime: "SUMMARY",
  bytes_received_count: "COUNTER",
  connection_request_count: "COUNTER",
};

describe("zkts-server /metrics (metricsProvider.className=PrometheusMetricsProvider)", () => {
  it("serves ZooKeeper's metric names while a load runs, with values that move", { timeout: 60000 }, async () => {
    const p = spawnIn(dir, 
      `tickTime=2000\ndataDir=${join(dir, "data")}\nclientPort=0\n` +
        `metricsProvider.className=${PROMETHEUS_PROVIDER}\nmetricsProvider.httpHost=127.0.0.1\nmetricsProvider.httpPort=0\n`,
    );
    try {
      const endpoint = await waitForLine(p, "/metrics HTTP endpoint started");
      const started = await waitForLine(p, "zkts-server started");
      const mport = endpoint.port as number;
      const before = await http(mport, "/metrics");
      expect(before.status).toBe(200);
      expect(before.type).toMatch(/^text\/plain; version=0\.0\.4/);
      const s0 = samples(before.body);

      // a load: sessions creating nodes and reading them with watches, running while /metrics is scraped
      const sessions = await Promise.all([0, 1, 2].map(() => RawSession.open(started.port as number).then((r) => r.s)));
      const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
      let xid = 1;
      const load = (async () => {
        for (let i = 0; i < 60; i++) {
          const s = sessions[i % sessions.length]!;
          const path = `/n${i}`;
          const c = await s.request(xid++, 1, encode(CreateRequest, { path, data: Buffer.alloc(i * 10), acl, flags: 0 }));
          expect(c.header.err).toBe(0);
          const g = await s.request(xid++, 4, encode(GetDataRequest, { path, watch: true }));
          expect(g.header.err).toBe(0);
        }
      })();
      const during = await http(mport, "/metrics");
      expect(during.status).toBe(200);
      samples(during.body);
      await load;
      const after = await http(mport, "/metrics");
      const s1 = samples(after.body);
      const families = parse(after.body);
      const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
      for (const [name, type] of Object.entries(ZK_NAMES)) expect([name, types[name]]).toEqual([name, type]);

      const grew = (k: string, by = 1) => expect([k, s1.get(k)! - (s0.get(k) ?? 0) >= by]).toEqual([k, true]);
      grew("znode_count", 60);
      grew("watch_count", 60);
      grew("packets_received", 120);
      grew("packets_sent", 120);
      grew("approximate_data_size", 100);
      grew("updatelatency_count", 60);
      grew("readlatency_count", 60);
      grew("fsynctime_count", 1);
      grew("bytes_received_count", 100);
      expect(s1.get("num_alive_connections")).toBe(3);
      expect(s1.get("global_sessions")).toBe(3);
      for (const q of ["0.5", "0.9", "0.99"]) expect(Number.isFinite(s1.get(`readlatency{quantile="${q}"}`))).toBe(true);
      expect(Number.isFinite(s1.get('fsynctime{quantile="0.5"}'))).toBe(true);
      expect(s1.get("fsynctime_sum")).toBeGreaterThanOrEqual(0);
      // Node.js process metrics (exportJvmInfo defaults to true)
      expect(s1.get("process_resident_memory_bytes")).toBeGreaterThan(0);
      // every family with samples is one the registry or prom-client's process collector measured
      for (const f of families) expect(f.name).toMatch(/^(process_|nodejs_|[a-z_0-9]+$)/);

      expect((await http(mport, "/")).status).toBe(404);
      expect((await http(mport, "/metrics", "POST")).status).toBe(405);
      for (const s of sessions) s.socket.destroy();
      p.child.kill("SIGTERM");
      expect((await p.exit).code).toBe(0);
    } finally {
      if (p.child.exitCode === null) p.child.kill("SIGKILL");
    }
  });

  it("does not start when the /metrics address is taken (exit 1) or the provider class is unknown (exit 2)", { timeout: 30000 }, async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    try {
      const port = (busy.address() as AddressInfo).port;
      const p = spawnIn(dir, 
        `dataDir=${join(dir, "d2")}\nclientPort=0\nmetricsProvider.className=${PROMETHEUS_PROVIDER}\nmetricsProvider.httpHost=127.0.0.1\nmetricsProvider.httpPort=${port}\n`,
      );
      expect((await p.exit).code).toBe(1);
      expect(p.stderr.join("")).toContain(`Cannot start /metrics server on 127.0.0.1:${port}`);
    } finally {
      busy.close();
    }
    const q = spawnIn(dir, `dataDir=${join(dir, "d3")}\nclientPort=0\nmetricsProvider.className=com.example.Nope\n`);
    expect((await q.exit).code).toBe(2);
    expect(q.stderr.join("")).toMatch(/zoo-\w+\.cfg:3: metrics provider class was not found: metricsProvider\.className=com\.example\.Nope/);
  });
});
