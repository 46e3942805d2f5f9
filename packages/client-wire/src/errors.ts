import { JuteDecodeError } from "@zkts/jute";
import { ErrorCode, errorMessage, errorName } from "./constants.js";

/** An error carrying one of ZooKeeper's numeric codes (KeeperException). */
export class KeeperError extends Error {
  /** `NONODE`, or the number as a string when ZooKeeper does not define the code. */
  readonly codeName: string;
  constructor(
    readonly code: number,
    readonly path?: string,
    message?: string,
  ) {
    super(message ?? errorMessage(code, path));
    this.name = new.target.name;
    this.codeName = errorName(code) ?? String(code);
  }
}

/**
 * A request whose opcode this package does not know. A server answers it with UNIMPLEMENTED
 * (ReplyHeader(xid, zxid, -6)) and closes the session.
 */
export class UnknownOpCodeError extends KeeperError {
  constructor(
    readonly xid: number,
    readonly type: number,
  ) {
    super(ErrorCode.UNIMPLEMENTED, undefined, `unknown opcode ${type} (xid ${xid})`);
  }
}

/** A reply whose xid matches no outstanding request (the client cannot know how to read its body). */
export class UnknownXidError extends KeeperError {
  constructor(readonly xid: number) {
    super(ErrorCode.MARSHALLINGERROR, undefined, `reply xid ${xid} matches no outstanding request`);
  }
}

/**
 * The header of a request decoded but its body did not. Still a JuteDecodeError (record/field/trail name
 * the failing field), plus the xid and opcode so a server can answer MARSHALLINGERROR to that xid.
 */
export class RequestDecodeError extends JuteDecodeError {
  constructor(
    cause: JuteDecodeError,
    readonly xid: number,
    readonly type: number,
  ) {
    super(cause.reason, cause.offset, cause.trail);
  }
}
