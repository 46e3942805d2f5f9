import { ErrorCode, KeeperError } from "@zkts/client-wire";

/** ZooKeeper's error codes (KeeperException.Code), re-exported for the pipeline. */
export const ErrorCodes = ErrorCode;

/**
 * A request failed with one of ZooKeeper's numeric codes; the pipeline turns it into the reply's err (and, for a
 * write, an ErrorTxn).
 */
export class CoreError extends KeeperError {}
