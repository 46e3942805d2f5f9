import type { Gauge, MetricsRegistry, MetricValue } from "@zkts/metrics";
import { round4 } from "./commands.js";
import type { CnxnStats } from "./four-letter.js";
import { nodeHost } from "./host.js";
import type { ServerInfoView } from "./types.js";

/** What the server gauges read: the core's info, the connection layer's stats and live connection count. */
export interface ServerGaugeSource {
  info(): ServerInfoView;
  stats: Readonly<CnxnStats>;
  aliveConnections(): number;
  now(): number;
}

/**
 * The gauges ZooKeeperServer.registerMetrics registers in ZooKeeper 3.8's root metrics context, for those zkts
 * measures (local_sessions, connection_drop_probability, outstanding_tls_handshake and the non_mtls_* counts are
 * not measured and not registered). Read when the metrics are dumped (mntr, Prometheus); a value that is not
 * measured reads undefined and is left out.
 */
export function registerServerGauges(metrics: MetricsRegistry, src: ServerGaugeSource): () => void {
  const defs: [string, () => MetricValue | undefined, boolean?][] = [
    ["avg_latency", () => round4(src.info().latency.avg), true],
    ["max_latency", () => Math.trunc(src.info().latency.max)],
    ["min_latency", () => Math.trunc(src.info().latency.min)],
    ["packets_received", () => src.info().packetsReceived],
    ["packets_sent", () => src.info().packetsSent],
    ["num_alive_connections", () => src.aliveConnections()],
    ["outstanding_requests", () => src.info().outstanding],
    ["uptime", () => Math.max(0, src.now() - src.stats.startedAt)],
    ["znode_count", () => src.info().nodeCount],
    ["watch_count", () => src.info().watchCount],
    ["ephemerals_count", () => src.info().ephemeralsCount],
    ["approximate_data_size", () => src.info().approximateDataSize],
    ["global_sessions", () => src.info().globalSessions ?? src.info().sessions().length],
    ["open_file_descriptor_count", nodeHost.openFileDescriptors],
    ["max_file_descriptor_count", nodeHost.maxFileDescriptors],
    ["last_client_response_size", () => src.stats.lastClientResponseSize],
    ["max_client_response_size", () => src.stats.maxClientResponseSize],
    // -1 until a response was sent, as ZooKeeper's BufferStats
    ["min_client_response_size", () => src.stats.minClientResponseSize],
    ["auth_failed_count", () => src.info().authFailedCount],
  ];
  const gauges: Gauge[] = defs.map(([name, read, isDouble]) => metrics.gauge(name, read, { isDouble: isDouble ?? false }));
  return () => {
    for (const g of gauges) metrics.unregisterGauge(g);
  };
}
