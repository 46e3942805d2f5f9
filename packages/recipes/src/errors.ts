/** Errors of the recipes (ZooKeeper failures come through as @zkts/client's typed KeeperErrors). */

/** A recipe was used after close(), or before start(). */
export class RecipeStateError extends Error {
  override name = "RecipeStateError";
}

/** The session that held a lock, lease or leadership is gone (ConnectionState LOST): the hold is lost. */
export class LockLostError extends Error {
  override name = "LockLostError";
}

/** A release of something this instance does not hold (Curator's IllegalMonitorStateException). */
export class NotHeldError extends Error {
  override name = "NotHeldError";
}
