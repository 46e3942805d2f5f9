/** ZooKeeper's MARSHALLINGERROR code: what a server answers for bytes it cannot decode. */
export const MARSHALLING_ERROR_CODE = -5;

/** Base class of every error @zkts/jute throws. Carries ZooKeeper's numeric error code. */
export class JuteError extends Error {
  readonly code: number = MARSHALLING_ERROR_CODE;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Bytes could not be decoded: truncated input, a length out of range, a null where none is allowed,
 * or trailing garbage. `trail` names the record fields from the outermost to the innermost,
 * e.g. `["CreateRequest.acl[0]", "ACL.id", "Id.scheme"]`.
 */
export class JuteDecodeError extends JuteError {
  readonly trail: string[];
  constructor(
    readonly reason: string,
    readonly offset: number,
    trail: string[] = [],
  ) {
    super(JuteDecodeError.format(reason, offset, trail));
    this.trail = trail;
  }

  /** Outermost record name, e.g. `CreateRequest`. */
  get record(): string | undefined {
    return this.trail[0]?.split(".")[0];
  }

  /** Outermost field name, e.g. `acl[0]`. */
  get field(): string | undefined {
    const first = this.trail[0];
    if (first === undefined) return undefined;
    const dot = first.indexOf(".");
    return dot < 0 ? undefined : first.slice(dot + 1);
  }

  /** Returns a copy of this error with `step` added as the new outermost element of the trail. */
  within(step: string): JuteDecodeError {
    const e = new JuteDecodeError(this.reason, this.offset, [step, ...this.trail]);
    return e;
  }

  private static format(reason: string, offset: number, trail: string[]): string {
    const where = trail.length > 0 ? ` in ${trail.join(" > ")}` : "";
    return `cannot decode${where} at byte ${offset}: ${reason}`;
  }
}

/** Values that cannot be encoded (a long out of 64-bit range, an int that is not an int32, ...). */
export class JuteEncodeError extends JuteError {}

/** A frame length below 0 or above jute.maxbuffer. The connection that sent it must be closed. */
export class FrameLengthError extends JuteError {
  constructor(
    readonly length: number,
    readonly maxBuffer: number,
  ) {
    super(
      length < 0
        ? `frame length ${length} is negative`
        : `frame length ${length} exceeds jute.maxbuffer ${maxBuffer}`,
    );
  }
}
