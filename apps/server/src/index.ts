export {
  parseConfig,
  jvmSystemProperty,
  ConfigError,
  DEFAULT_CONFIG_TEXT,
  PROMETHEUS_PROVIDER,
  DEFAULT_METRICS_PROVIDERS,
  type PrometheusConfig,
  LOG_LEVELS,
  LOG_FORMATS,
  type LogFormat,
  type ZkConfig,
  type ServerSpec,
  type LogLevel,
  type ParseConfigOptions,
} from "./config.js";
export { parseProperties, PropertiesSyntaxError, type PropertyEntry } from "./properties.js";
export {
  createLogger,
  createJsonLogger,
  textLine,
  LogFileError,
  type ServerLogger,
  type LoggerOptions,
  type JsonLogger,
  type JsonLoggerOptions,
} from "./logger.js";
export { ExitCode, EXIT_SUMMARY, DataDirError, ElectionPortBindError, checkDataDirs } from "./exit-codes.js";
export { unhonouredReason } from "./unhonoured.js";
export { createSystemClock, cryptoRandom } from "./env.js";
export { runStandalone, confMap, UnsupportedConfigError, type RunOptions, type RunningZkts } from "./run.js";
export { runEnsemble, readMyId, quorumOf, type EnsembleRunOptions } from "./ensemble.js";
