export {
  PersistenceError,
  StorageError,
  LogWriteError,
  LogClosedError,
  ZxidOrderError,
  LogCorruptionError,
  SnapshotCorruptionError,
  UnsupportedSnapshotError,
  SnapshotCancelledError,
  logSnapshotFailure,
} from "./errors.js";
export { adler32 } from "./adler32.js";
export { type Storage, type StorageFile, joinPath, readWholeFile } from "./storage.js";
export { copyTreeThroughSnapshot } from "./snapshot-buffer.js";
export { NodeStorage } from "./node-storage.js";
export {
  TXNLOG_MAGIC,
  TXNLOG_VERSION,
  FILE_HEADER_SIZE,
  DEFAULT_PREALLOC_SIZE,
  VERSION_DIR,
  makeLogName,
  makeSnapshotName,
  zxidFromName,
  parseSnapshotName,
  frameEntry,
  logFileHeader,
  sizeWithPadding,
} from "./log-format.js";
export { TxnType, txnCodecFor, marshalTxn, decodeTxn, payloadZxid, type DecodedTxn } from "./txn.js";
export { TxnLog, type TxnLogOptions, type TxnLogStats, type TxnLogListener, type TxnLogWriter } from "./txnlog.js";
export { WorkerTxnLog, type WorkerTxnLogOptions } from "./worker-txnlog.js";
export { snapshotDigestOffThread } from "./snapshot-digest-worker.js";
export { runTxnLogWorkerThread } from "./txnlog-worker-thread.js";
export { truncateLogAfter } from "./truncate.js";
export {
  TxnLogReader,
  readTxnLog,
  truncateTornTail,
  listLogFiles,
  logFilesFrom,
  type LogFile,
  type LogEntry,
  type LogEnd,
  type ReadLogOptions,
} from "./txnlog-reader.js";
export {
  SNAPSHOT_MAGIC,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_SLICE_MS,
  writeSnapshot,
  readSnapshotRecords,
  readSnapshot,
  verifySnapshot,
  listSnapshots,
  findNewestValidSnapshot,
  type SnapshotHeader,
  type SnapshotSession,
  type SnapshotAcl,
  type SnapshotNode,
  type TreeSnapshotNode,
  type SnapshotSource,
  type SnapshotRecord,
  type SnapshotInfo,
  type SnapshotFile,
  type NewestSnapshot,
  type LoadedSnapshot,
  type Many,
  type WriteSnapshotOptions,
  type SnapshotPacing,
  type SnapshotCancel,
  type ReadSnapshotOptions,
} from "./snapshot.js";
export {
  DurableStore,
  DataLossError,
  restoreDatabase,
  snapshotTree,
  purgeDataDirs,
  SNAPSHOT_FORMATS,
  type SnapshotFormat,
  type SnapshotTreeOptions,
  type PersistentTree,
  type DataDirs,
  type RestoreOptions,
  type RestoreResult,
  type PurgeResult,
  type DurableStoreOptions,
} from "./database.js";
export {
  ZK_SNAPSHOT_MAGIC,
  parseZkSnapshot,
  readNewestZkSnapshot,
  serializeZkSnapshot,
  writeZkSnapshot,
  writeZkSnapshotFuzzy,
  type ZkFuzzySnapshotSource,
  type ZkFuzzySnapshotResult,
  type ZkSnapshot,
  type ZkSnapshotNode,
  type ZkSnapshotSource,
} from "./zk-snapshot.js";
export {
  DEFAULT_ZK_STREAM_LIMITS,
  ZK_SNAP_SIGNATURE,
  ZkSnapStreamDecoder,
  parseZkSnapStream,
  serializeZkSnapStream,
  zkSnapshotBodyOf,
  type ZkSnapshotBody,
  type ZkSnapshotBodySource,
  type ZkStreamLimits,
  type ZkZxidDigest,
} from "./zk-snapshot-stream.js";
export { readZkSnapshotRecords } from "./zk-snapshot-read.js";
export {
  restoreTree,
  loadSnapshot,
  loadNewestValidSnapshot,
  type LoadedNewest,
  type RestorableTree,
  type RestoreNode,
  type SnapshotDigester,
  type SnapshotLoad,
  type TreeRestoreSink,
} from "./restore.js";
export { SnapshotSchedule, DEFAULT_SNAP_COUNT } from "./snapshot-schedule.js";
export { AutoPurge, MIN_SNAP_RETAIN_COUNT, type AutoPurgeOptions } from "./autopurge.js";
export { readLongFile, writeLongFile, EpochFileError } from "./epoch-file.js";
