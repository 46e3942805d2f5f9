export {
  startServer,
  NioServer,
  NioConnection,
  type StartServerOptions,
  type RunningServer,
  type NioStats,
} from "./server.js";
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
