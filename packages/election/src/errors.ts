/** Base class of every error @zkts/election throws. */
export class ElectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An election notification that cannot be decoded (shorter than 28 bytes, truncated, bad config length). */
export class NotificationDecodeError extends ElectionError {
  constructor(
    readonly reason: string,
    readonly length: number,
  ) {
    super(`cannot decode election notification of ${length} bytes: ${reason}`);
  }
}

/** A connection's initial message (protocol version, sid, election address) is malformed. */
export class HandshakeError extends ElectionError {}

/** An election frame length that is not in 1..512 KiB. The connection must be closed. */
export class ElectionFrameError extends ElectionError {
  constructor(readonly length: number) {
    super(`invalid election packet length ${length} (must be 1..${512 * 1024})`);
  }
}

/** A zoo.cfg-style quorum configuration that ZooKeeper would refuse. */
export class QuorumConfigError extends ElectionError {
  constructor(
    message: string,
    /** The zoo.cfg key the problem is in (e.g. `group.2`, `server.5`), when one can be named. */
    readonly key?: string,
  ) {
    super(message);
  }
}
