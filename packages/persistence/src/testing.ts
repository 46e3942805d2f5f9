/**
 * @zkts/persistence/testing — an in-memory Storage that simulates crashes (unsynced data lost, torn writes),
 * disk faults (errno codes) and a full disk. For tests and simulations.
 */
export { MemoryStorage, type Fault, type CrashOptions } from "./memory-storage.js";
export { SlowSnapshotStorage } from "./slow-snapshot-storage.js";
export { countSnapshotNodes } from "./counted-tree.js";
