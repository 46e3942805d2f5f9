export {
  startServer,
  NioServer,
  type StartServerOptions,
  type RunningServer,
  type NioStats,
} from "./server.js";
export { NioConnection, type TlsPeer } from "./connection.js";
export { ClientPortTls, DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS, type ClientPortTlsOptions } from "./tls.js";
export {
  FOUR_LETTER_WORDS,
  fourLetterWordOf,
  parseWhitelist,
  runFourLetterWord,
  notWhitelisted,
  dumpConnection,
  javaDouble,
  javaDate,
  hex,
  type FourLetterWord,
  type FourLetterContext,
  type ConnectionSnapshot,
  type CnxnStats,
  type DirSizes,
} from "./four-letter.js";
export { MNTR_KEYS } from "./mntr-keys.js";
export {
  val,
  type Val,
  type Logger,
  type ServerConnection,
  type CoreHandler,
  type ServerInfoView,
  type ConnectionInfoView,
  type SessionInfoView,
  type NamespaceSummaryView,
} from "./types.js";
export { registerServerGauges, type ServerGaugeSource } from "./server-gauges.js";
export { PAUSE_MONITOR_DEFAULTS, startPauseMonitor, type PauseMonitor, type PauseMonitorOptions } from "./pause-monitor.js";
export {
  runCommand,
  responseMap,
  readiness,
  primaryName,
  commandNames,
  monitorRecord,
  COMMAND_NAMES,
  NOT_SERVING,
  TRACE_MASK,
  JavaDouble,
  type CommandContext,
  type CommandResponse,
  type HostFacts,
  type QuorumView,
  type RecordValue,
  type RecordMap,
} from "./commands.js";
export { toJackson } from "./json.js";
export { nodeHost } from "./host.js";
export {
  startAdminServer,
  AdminServerError,
  ADMIN_DEFAULT_PORT,
  ADMIN_DEFAULT_ADDRESS,
  ADMIN_DEFAULT_IDLE_TIMEOUT_MS,
  ADMIN_DEFAULT_COMMAND_URL,
  LIVE_PATH,
  READY_PATH,
  type AdminServerOptions,
  type RunningAdminServer,
} from "./admin-server.js";
