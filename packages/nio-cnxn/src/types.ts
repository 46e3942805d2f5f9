/**
 * The narrow view of @zkts/core that the connection layer needs. The contracts themselves (`ServerConnection`,
 * `ServerInfo`, `Logger`) live in @zkts/contracts, which both core and nio-cnxn depend on, so the real
 * `ZooKeeperServer` satisfies `CoreHandler` while nio-cnxn does not depend on core.
 */
import type { ClientPortHandler, ConnectionInfo, NamespaceSummary, ServerInfo, SessionInfo } from "@zkts/contracts";

export type { Logger, ServerConnection } from "@zkts/contracts";

/** A value given either as is or as a zero-argument function (read with {@link val}). */
export type Val<T> = T | (() => T);

/** Everything the four-letter words read: the contracts' `ServerInfo` (core's `ZooKeeperServer.info`). */
export type ServerInfoView = ServerInfo;
/** Per-connection facts core knows (`cons`). */
export type ConnectionInfoView = ConnectionInfo;
export type SessionInfoView = SessionInfo;
export type NamespaceSummaryView = NamespaceSummary;

/** The part of core's `ZooKeeperServer` (or an ensemble member's switch) the connection layer drives. */
export type CoreHandler = ClientPortHandler;

/** Reads a `Val<T>`. */
export function val<T>(v: Val<T>, self?: unknown): T {
  return typeof v === "function" ? (v as () => T).call(self) : v;
}
