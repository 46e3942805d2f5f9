export { ConnectionStateTracker, isErrorState, type ConnectionState, type ConnectionStateEvents } from "./connection-state.js";
export { RecipeStateError, LockLostError, NotHeldError } from "./errors.js";
export { InterProcessMutex, LOCK_NAME, type MutexOptions, type MutexEvents } from "./mutex.js";
export { LockInternals, standardDriver, type LockDriver, type PredicateResult, type AttemptOptions } from "./lock-internals.js";
export { LeaderLatch, LATCH_NAME, type LeaderLatchState, type LeaderLatchEvents } from "./leader-latch.js";
export { type Participant } from "./participants.js";
export { DistributedAtomicLong, longToBytes, bytesToLong, type AtomicValue, type AtomicStats, type AtomicLongOptions } from "./atomic-long.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
export { makePath, protectedName, fixForSorting, sortChildren, PROTECTED_PREFIX } from "./paths.js";
