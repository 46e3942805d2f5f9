import type { Gauge, MetricsRegistry } from "@zkts/metrics";
import { serverGauges, type ServerGaugeSource } from "./records.js";

export type { ServerGaugeSource } from "./records.js";

/**
 * Registers ZooKeeper's server gauges (records.ts `serverGauges`) in `metrics`: read when the metrics are dumped
 * (mntr, Prometheus). Returns the function that unregisters them.
 */
export function registerServerGauges(metrics: MetricsRegistry, src: ServerGaugeSource): () => void {
  const gauges: Gauge[] = serverGauges(src).map(([name, read, isDouble]) => metrics.gauge(name, read, { isDouble }));
  return () => {
    for (const g of gauges) metrics.unregisterGauge(g);
  };
}
