export { ConnectionStateTracker, isErrorState, type ConnectionState, type ConnectionStateEvents } from "./connection-state.js";
export { RecipeStateError, LockLostError, NotHeldError } from "./errors.js";
export { InterProcessMutex, LOCK_NAME, type MutexOptions, type MutexEvents } from "./mutex.js";
export { LockInternals, standardDriver, type LockDriver, type PredicateResult, type AttemptOptions } from "./lock-internals.js";
export { LeaderLatch, LATCH_NAME, type LeaderLatchState, type LeaderLatchEvents } from "./leader-latch.js";
export { type Participant } from "./participants.js";
export { DistributedAtomicLong, longToBytes, bytesToLong, type AtomicValue, type AtomicStats, type AtomicLongOptions } from "./atomic-long.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
export { makePath, protectedName, fixForSorting, sortChildren, PROTECTED_PREFIX } from "./paths.js";
export { InterProcessReadWriteLock, READ_LOCK_NAME, WRITE_LOCK_NAME } from "./read-write-lock.js";
export { InterProcessSemaphoreV2, Lease, LOCK_PARENT, LEASE_PARENT, LEASE_BASE_NAME, type SemaphoreAcquireOptions } from "./semaphore.js";
export { LeaderSelector, type TakeLeadership, type LeaderSelectorOptions, type LeaderSelectorEvents } from "./leader-selector.js";
export { SharedCount, intToBytes, bytesToInt, type VersionedValue, type SharedCountEvents } from "./shared-count.js";
export { DistributedBarrier, DistributedDoubleBarrier, READY_NODE, type WaitOptions } from "./barriers.js";
export { DistributedQueue, QUEUE_ITEM_NAME, encodeItems, decodeItems, utf8Serializer, type QueueSerializer, type TakeOptions } from "./queue.js";
export { CuratorCache, type CacheEvent, type ChildData, type CuratorCacheEvents } from "./cache.js";
export { PersistentNode, type PersistentNodeOptions, type PersistentNodeEvents } from "./persistent-node.js";
export {
  ServiceDiscovery,
  serviceInstance,
  serializeInstance,
  deserializeInstance,
  parseUriSpec,
  type ServiceInstance,
  type ServiceType,
  type UriSpecJson,
} from "./discovery.js";
