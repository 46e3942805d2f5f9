export {
  Counter,
  Gauge,
  MetricKindError,
  MetricsRegistry,
  RESERVOIR_SIZE,
  Summary,
  SummarySet,
  type Metric,
  type MetricValue,
  type SummaryObserver,
  type ValueSink,
} from "./registry.js";
export { M, SUMMARY_DETAIL, SUMMARY_SET_DETAIL, type DetailLevel } from "./names.js";
