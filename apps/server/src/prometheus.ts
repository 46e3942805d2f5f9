/**
 * Prometheus `/metrics` from the server's @zkts/metrics registry (the one `mntr` prints), as Apache ZooKeeper 3.8's
 * PrometheusMetricsProvider exposes it: the same metric names, counters as counters, gauges as gauges, summaries
 * as Prometheus summaries (quantile 0.5 for ZooKeeper's basic summaries, 0.5/0.9/0.99 for its advanced ones, over
 * a 10-minute window as the Java client's default), summary sets as summaries labelled `key`, help text = name.
 * Exposition, quantile estimation and Node.js process metrics (`metricsProvider.exportJvmInfo`) are prom-client's.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@zkts/contracts";
import type { Metric, MetricsRegistry, SummarySet } from "@zkts/metrics";
import { collectDefaultMetrics, Counter, Gauge, Registry, Summary } from "prom-client";
import type { PrometheusConfig } from "./config.js";

/** io.prometheus.client.Summary's defaults, which ZooKeeper's provider keeps. */
const MAX_AGE_SECONDS = 600;
const AGE_BUCKETS = 5;
const BASIC_QUANTILES = [0.5];
const ADVANCED_QUANTILES = [0.5, 0.9, 0.99];

/**
 * A prom-client summary whose quantiles read NaN while its window holds no value, as the Java client's
 * (prom-client would print 0, a figure nobody measured). Count and sum are since start, never reset.
 */
class WindowSummary extends Summary<string> {
  override async get(): Promise<Awaited<ReturnType<Summary<string>["get"]>>> {
    const out = await super.get();
    // prom-client keeps one entry per label set, each with its time-window digest (`td`).
    const entries = Object.values((this as unknown as { hashMap: Record<string, { labels: Record<string, unknown>; td: { size(): number } }> }).hashMap);
    const empty = new Set(entries.filter((e) => e.td.size() === 0).map((e) => String(e.labels.key ?? "")));
    if (empty.size > 0) {
      for (const v of out.values) {
        const labels = v.labels as Record<string, unknown>;
        if (labels.quantile !== undefined && empty.has(String(labels.key ?? ""))) v.value = Number.NaN;
      }
    }
    return out;
  }
}

/** A gauge read when scraped; a value the registry does not measure now (undefined) prints no sample. */
class ReadGauge extends Gauge<string> {
  constructor(
    name: string,
    private readonly readValue: () => number | undefined,
  ) {
    super({ name, help: name, registers: [] });
  }
  override async get(): Promise<Awaited<ReturnType<Gauge<string>["get"]>>> {
    const out = await super.get();
    const v = this.readValue();
    out.values = v === undefined || Number.isNaN(v) ? [] : [{ value: v, labels: {} }];
    return out;
  }
}

export interface PrometheusExporter {
  /** prom-client's registry holding the bridged metrics (and the process metrics, when asked). */
  readonly registry: Registry;
  /** The Prometheus text exposition (format 0.0.4) of every metric, read now. */
  metrics(): Promise<string>;
  readonly contentType: string;
  /** Stops following the registry's summaries. */
  close(): void;
}

/**
 * Bridges `metrics` into a prom-client registry. Attach it before the server's components record (summaries
 * only see values recorded while it is attached; counters and gauges are read when scraped).
 */
export function createPrometheusExporter(metrics: MetricsRegistry, opts: { processMetrics: boolean }): PrometheusExporter {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const summaries = new Map<string, Summary<string>>();
  const bridged = new Map<string, Counter<string> | Gauge<string> | Summary<string>>();

  const summaryFor = (name: string, detail: "basic" | "advanced", labelled: boolean): Summary<string> => {
    let s = summaries.get(name);
    if (s === undefined) {
      s = new WindowSummary({
        name,
        help: name,
        labelNames: labelled ? ["key"] : [],
        percentiles: detail === "advanced" ? ADVANCED_QUANTILES : BASIC_QUANTILES,
        maxAgeSeconds: MAX_AGE_SECONDS,
        ageBuckets: AGE_BUCKETS,
        registers: [registry],
      });
      summaries.set(name, s);
      bridged.set(name, s);
    }
    return s;
  };
  const setSummary = (set: SummarySet) => summaryFor(set.name, set.detail, true);

  const stopObserving = metrics.observeSummaries((value, summary, set, key) => {
    if (set !== undefined) setSummary(set).labels({ key: key! }).observe(value);
    else summaryFor(summary.name, summary.detail, false).observe(value);
  });

  const bridge = (m: Metric): void => {
    if (bridged.has(m.name)) return;
    switch (m.kind) {
      case "counter": {
        const counter = m;
        bridged.set(
          m.name,
          new Counter({
            name: m.name,
            help: m.name,
            registers: [registry],
            collect() {
              this.reset();
              this.inc(counter.total);
            },
          }),
        );
        break;
      }
      case "gauge": {
        const name = m.name;
        const g = new ReadGauge(name, () => {
          const cur = metrics.get(name);
          const v = cur?.kind === "gauge" ? cur.read() : undefined;
          return v === undefined ? undefined : Number(v);
        });
        registry.registerMetric(g);
        bridged.set(name, g);
        break;
      }
      case "summary":
        summaryFor(m.name, m.detail, false);
        break;
      case "summarySet":
        setSummary(m);
        break;
    }
  };

  /** Follows the registry: metrics created since the last scrape appear, gauges unregistered since go. */
  const sync = (): void => {
    for (const m of metrics.all()) bridge(m);
    for (const [name, b] of bridged) {
      if (b instanceof Gauge && metrics.get(name)?.kind !== "gauge") {
        registry.removeSingleMetric(name);
        bridged.delete(name);
      }
    }
  };

  return {
    registry,
    contentType: registry.contentType,
    async metrics() {
      sync();
      return registry.metrics();
    },
    close() {
      stopObserving();
    },
  };
}

export interface PrometheusEndpoint {
  readonly port: number;
  readonly address: string;
  readonly exporter: PrometheusExporter;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` on `cfg.httpHost:cfg.httpPort` (PrometheusMetricsProvider.start). Rejects if the address
 * cannot be bound; ZooKeeper then refuses to start.
 */
export async function startPrometheusEndpoint(metrics: MetricsRegistry, cfg: PrometheusConfig, logger: Logger): Promise<PrometheusEndpoint> {
  logger.info("Starting /metrics HTTP endpoint", { host: cfg.httpHost, port: cfg.httpPort, exportJvmInfo: cfg.exportJvmInfo });
  const exporter = createPrometheusExporter(metrics, { processMetrics: cfg.exportJvmInfo });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not Found\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("Method Not Allowed\n");
      return;
    }
    exporter.metrics().then(
      (body) => {
        res.writeHead(200, { "content-type": exporter.contentType, "content-length": Buffer.byteLength(body) });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      (err: unknown) => {
        logger.error("/metrics failed", { error: err instanceof Error ? err.message : String(err) });
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("Internal Server Error\n");
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: cfg.httpHost, port: cfg.httpPort }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    exporter.close();
    throw new Error(`Cannot start /metrics server on ${cfg.httpHost}:${cfg.httpPort}: ${(e as Error).message}`);
  }
  server.on("error", (err) => logger.error("/metrics listener error", { error: err.message }));
  const addr = server.address() as AddressInfo;
  logger.info("/metrics HTTP endpoint started", { address: addr.address, port: addr.port });
  return {
    port: addr.port,
    address: addr.address,
    exporter,
    close: () =>
      new Promise<void>((resolve) => {
        exporter.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
