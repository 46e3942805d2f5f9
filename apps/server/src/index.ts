export {
  parseConfig,
  jvmSystemProperty,
  ConfigError,
  DEFAULT_CONFIG_TEXT,
  PROMETHEUS_PROVIDER,
  DEFAULT_METRICS_PROVIDERS,
  type PrometheusConfig,
  LOG_LEVELS,
  type ZkConfig,
  type ServerSpec,
  type LogLevel,
  type ParseConfigOptions,
} from "./config.js";
export { parseProperties, PropertiesSyntaxError, type PropertyEntry } from "./properties.js";
export { createJsonLogger, type JsonLogger, type JsonLoggerOptions } from "./logger.js";
export { createSystemClock, cryptoRandom } from "./env.js";
export { runStandalone, confMap, UnsupportedConfigError, type RunOptions, type RunningZkts } from "./run.js";
