export {
  ZooKeeperClient,
  Transaction,
  WatchIterator,
  createClient,
  connect,
  type ACL,
  type Stat,
  type SessionState,
  type ClientOptions,
  type CallOptions,
  type Data,
  type CreateModeName,
  type CreateOptions,
  type WatchOptions,
  type VersionOptions,
  type CreateResult,
  type DataResult,
  type ChildrenResult,
  type ChildWithData,
  type WatchTypeName,
  type RemoveWatchesOptions,
  type AddWatchOptions,
  type ReconfigOptions,
  type TxnOp,
  type TxnResult,
  type ReadOp,
  type ReadResult,
  type ClientInfo,
  type ClientEvents,
} from "./client.js";
export { type WatchEvent, type Watcher } from "./watch-manager.js";
export * from "./errors.js";
export {
  parseConnectString,
  validatePath,
  prependChroot,
  stripChroot,
  type HostPort,
  type ParsedConnectString,
} from "./connect-string.js";
export { CreateMode, ErrorCode, EventType, KeeperState, Perms, Ids, errorName, errorMessage } from "@zkts/client-wire";
export { SaslSettingsError, type ClientSaslOptions } from "./sasl.js";
export { TlsSettingsError, KeyStoreError, type ClientTlsOptions, type TlsStore } from "./tls.js";
