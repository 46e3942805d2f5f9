import type { ServerInfo } from "./server-info.js";

/**
 * One client connection as the server core sees it. @zkts/nio-cnxn's `NioConnection` implements it over a
 * socket; tests implement it in memory. The core only sends packets and closes; everything else is read-only.
 */
export interface ServerConnection {
  /** Unique per process, stable for the connection's life. */
  readonly id: number;
  /** Peer address as the socket reports it (e.g. `127.0.0.1` or `::ffff:127.0.0.1`). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Queue one packet payload (no length prefix; the connection frames it). */
  send(payload: Buffer): void;
  /**
   * Optional: queue one packet that already starts with its 4-byte big-endian length (written to the wire as is).
   * The core uses it for replies when present, so the length is written with the reply instead of being framed
   * again; connections without it get `send(frame.subarray(4))`.
   */
  sendFramed?(frame: Buffer): void;
  /**
   * Optional: as `sendFramed`, but the connection copies the frame's bytes before returning (into its own output
   * buffer, next to the other replies of the batch), so the caller may reuse `frame` at once: the core writes each
   * reply into one reused buffer and hands it here, with no buffer allocated per reply.
   */
  sendFramedCopy?(frame: Buffer): void;
  /** Flush what is queued, then close. Idempotent. */
  close(reason: string): void;

  // ---- peer identity (for TLS and SASL; all optional, absent on plain TCP and in-memory connections) ----

  /**
   * True when the connection is encrypted (TLS, ZooKeeper's `secureClientPort`). Absent or false: plain TCP.
   * An auth provider that requires a secure channel (ZooKeeper's x509) must refuse connections without it.
   */
  readonly secure?: boolean;
  /**
   * The peer's verified certificate chain, leaf first, DER-encoded, when TLS client authentication succeeded.
   * Absent when the peer sent none or the connection is not TLS.
   */
  readonly peerCertificates?: readonly Buffer[];
  /**
   * The leaf certificate's subject distinguished name (RFC 2253 form, e.g. `CN=client,O=example`), which
   * ZooKeeper's X509AuthenticationProvider uses as the `x509` auth id. Absent without a verified client certificate.
   */
  readonly x509Subject?: string;
}

/**
 * What a client port drives: the server core of a standalone server, or an ensemble member's switch between the
 * core of its current serving period, its read-only server and "not serving". @zkts/core's `ZooKeeperServer`
 * satisfies it; @zkts/nio-cnxn serves a listener on it.
 */
export interface ClientPortHandler {
  handleConnect(conn: ServerConnection, payload: Buffer): void;
  handlePacket(conn: ServerConnection, payload: Buffer): void;
  connectionClosed(conn: ServerConnection): void;
  readonly outstanding: number;
  /** Set by the connection layer: called when `outstanding` falls back under its limit. */
  onOutstandingDrained?: (() => void) | undefined;
  readonly info: ServerInfo;
}
