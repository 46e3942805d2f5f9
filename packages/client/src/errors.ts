/**
 * Typed errors: one KeeperError subclass per ZooKeeper code, so callers can write
 * `if (e instanceof NoNodeError)` or `if (e.code === ErrorCode.NONODE)`. Every error carries the code and,
 * when there is one, the (client-side, chroot-relative) path.
 */
import { ErrorCode, KeeperError } from "@zkts/client-wire";

export { KeeperError };

type KeeperErrorClass = new (path?: string, message?: string) => KeeperError;

function define(code: number, name: string): KeeperErrorClass {
  const cls = class extends KeeperError {
    constructor(path?: string, message?: string) {
      super(code, path, message);
    }
  };
  Object.defineProperty(cls, "name", { value: name });
  return cls;
}

export const SystemError = define(ErrorCode.SYSTEMERROR, "SystemError");
export const RuntimeInconsistencyError = define(ErrorCode.RUNTIMEINCONSISTENCY, "RuntimeInconsistencyError");
export const DataInconsistencyError = define(ErrorCode.DATAINCONSISTENCY, "DataInconsistencyError");
export const ConnectionLossError = define(ErrorCode.CONNECTIONLOSS, "ConnectionLossError");
export const MarshallingError = define(ErrorCode.MARSHALLINGERROR, "MarshallingError");
export const UnimplementedError = define(ErrorCode.UNIMPLEMENTED, "UnimplementedError");
export const OperationTimeoutError = define(ErrorCode.OPERATIONTIMEOUT, "OperationTimeoutError");
export const BadArgumentsError = define(ErrorCode.BADARGUMENTS, "BadArgumentsError");
export const UnknownSessionError = define(ErrorCode.UNKNOWNSESSION, "UnknownSessionError");
export const NewConfigNoQuorumError = define(ErrorCode.NEWCONFIGNOQUORUM, "NewConfigNoQuorumError");
export const ReconfigInProgressError = define(ErrorCode.RECONFIGINPROGRESS, "ReconfigInProgressError");
export const APIError = define(ErrorCode.APIERROR, "APIError");
export const NoNodeError = define(ErrorCode.NONODE, "NoNodeError");
export const NoAuthError = define(ErrorCode.NOAUTH, "NoAuthError");
export const BadVersionError = define(ErrorCode.BADVERSION, "BadVersionError");
export const NoChildrenForEphemeralsError = define(ErrorCode.NOCHILDRENFOREPHEMERALS, "NoChildrenForEphemeralsError");
export const NodeExistsError = define(ErrorCode.NODEEXISTS, "NodeExistsError");
export const NotEmptyError = define(ErrorCode.NOTEMPTY, "NotEmptyError");
export const SessionExpiredError = define(ErrorCode.SESSIONEXPIRED, "SessionExpiredError");
export const InvalidCallbackError = define(ErrorCode.INVALIDCALLBACK, "InvalidCallbackError");
export const InvalidACLError = define(ErrorCode.INVALIDACL, "InvalidACLError");
export const AuthFailedError = define(ErrorCode.AUTHFAILED, "AuthFailedError");
export const SessionMovedError = define(ErrorCode.SESSIONMOVED, "SessionMovedError");
export const NotReadOnlyError = define(ErrorCode.NOTREADONLY, "NotReadOnlyError");
export const EphemeralOnLocalSessionError = define(ErrorCode.EPHEMERALONLOCALSESSION, "EphemeralOnLocalSessionError");
export const NoWatcherError = define(ErrorCode.NOWATCHER, "NoWatcherError");
export const RequestTimeoutError = define(ErrorCode.REQUESTTIMEOUT, "RequestTimeoutError");
export const ReconfigDisabledError = define(ErrorCode.RECONFIGDISABLED, "ReconfigDisabledError");
export const SessionClosedRequireSaslAuthError = define(
  ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH,
  "SessionClosedRequireSaslAuthError",
);
export const QuotaExceededError = define(ErrorCode.QUOTAEXCEEDED, "QuotaExceededError");
export const ThrottledOpError = define(ErrorCode.THROTTLEDOP, "ThrottledOpError");

// Instance types, so `e: NoNodeError` works in annotations.
export type SystemError = KeeperError;
export type ConnectionLossError = KeeperError;
export type NoNodeError = KeeperError;
export type NodeExistsError = KeeperError;
export type NotEmptyError = KeeperError;
export type BadVersionError = KeeperError;
export type NoAuthError = KeeperError;
export type SessionExpiredError = KeeperError;
export type AuthFailedError = KeeperError;
export type NoWatcherError = KeeperError;
export type RequestTimeoutError = KeeperError;

const byCode = new Map<number, KeeperErrorClass>([
  [ErrorCode.SYSTEMERROR, SystemError],
  [ErrorCode.RUNTIMEINCONSISTENCY, RuntimeInconsistencyError],
  [ErrorCode.DATAINCONSISTENCY, DataInconsistencyError],
  [ErrorCode.CONNECTIONLOSS, ConnectionLossError],
  [ErrorCode.MARSHALLINGERROR, MarshallingError],
  [ErrorCode.UNIMPLEMENTED, UnimplementedError],
  [ErrorCode.OPERATIONTIMEOUT, OperationTimeoutError],
  [ErrorCode.BADARGUMENTS, BadArgumentsError],
  [ErrorCode.UNKNOWNSESSION, UnknownSessionError],
  [ErrorCode.NEWCONFIGNOQUORUM, NewConfigNoQuorumError],
  [ErrorCode.RECONFIGINPROGRESS, ReconfigInProgressError],
  [ErrorCode.APIERROR, APIError],
  [ErrorCode.NONODE, NoNodeError],
  [ErrorCode.NOAUTH, NoAuthError],
  [ErrorCode.BADVERSION, BadVersionError],
  [ErrorCode.NOCHILDRENFOREPHEMERALS, NoChildrenForEphemeralsError],
  [ErrorCode.NODEEXISTS, NodeExistsError],
  [ErrorCode.NOTEMPTY, NotEmptyError],
  [ErrorCode.SESSIONEXPIRED, SessionExpiredError],
  [ErrorCode.INVALIDCALLBACK, InvalidCallbackError],
  [ErrorCode.INVALIDACL, InvalidACLError],
  [ErrorCode.AUTHFAILED, AuthFailedError],
  [ErrorCode.SESSIONMOVED, SessionMovedError],
  [ErrorCode.NOTREADONLY, NotReadOnlyError],
  [ErrorCode.EPHEMERALONLOCALSESSION, EphemeralOnLocalSessionError],
  [ErrorCode.NOWATCHER, NoWatcherError],
  [ErrorCode.REQUESTTIMEOUT, RequestTimeoutError],
  [ErrorCode.RECONFIGDISABLED, ReconfigDisabledError],
  [ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH, SessionClosedRequireSaslAuthError],
  [ErrorCode.QUOTAEXCEEDED, QuotaExceededError],
  [ErrorCode.THROTTLEDOP, ThrottledOpError],
]);

/** The typed error for a ZooKeeper code (a plain KeeperError for codes ZooKeeper does not define). */
export function errorFromCode(code: number, path?: string, message?: string): KeeperError {
  const cls = byCode.get(code);
  return cls ? new cls(path, message) : new KeeperError(code, path, message);
}

/**
 * The client was closed: requests pending at close() (or issued after it) fail with this. Its code is
 * SESSIONEXPIRED, as for the Java client after close().
 */
export class ClientClosedError extends KeeperError {
  constructor(message = "the ZooKeeper client is closed") {
    super(ErrorCode.SESSIONEXPIRED, undefined, message);
  }
}

/**
 * A multi (transaction) failed. `code` and `path` are those of the failing op, `index` its position, and
 * `results` holds every op's outcome (ops before it: OK with nothing applied; after it: RUNTIMEINCONSISTENCY).
 */
export class TransactionError extends KeeperError {
  constructor(
    code: number,
    path: string | undefined,
    readonly index: number,
    readonly opType: string,
    readonly errors: ReadonlyArray<KeeperError | null>,
  ) {
    super(code, path);
    this.message = `transaction op #${index} (${opType}${path === undefined ? "" : ` ${path}`}) failed: ${this.message}`;
  }
  /** The typed error of the failing op (e.g. a NoNodeError). */
  get failure(): KeeperError {
    return this.errors[this.index]!;
  }
}
