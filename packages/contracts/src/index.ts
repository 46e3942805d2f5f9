/**
 * @zkts/contracts — the one definition of each interface shared across zkts packages. Types only, plus
 * `nullLogger`; test doubles are in `@zkts/contracts/testing`.
 */
export { nullLogger, type Clock, type LogFields, type Logger, type Random, type TimerHandle } from "./env.js";
export type { ClientPortHandler, ServerConnection } from "./connection.js";
export type {
  ConnectionInfo,
  LatencyStats,
  NamespaceStats,
  NamespaceSummary,
  ServerInfo,
  SessionInfo,
} from "./server-info.js";
