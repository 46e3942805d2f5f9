/**
 * The messages between the connection worker (socket-worker-thread.ts, which owns the listener and every client
 * socket) and the server's thread (worker-host.ts). Socket I/O crosses in at most one `io` message per event-loop
 * turn each way: one transferred byte buffer and an index of records `[kind, connection id, n]`, three numbers each.
 * Byte-carrying records (DATA one way, WRITE the other) take their `n` bytes from the buffer in record order.
 */

/** Worker to server: bytes read from a connection (`n` bytes of the buffer). */
export const REC_DATA = 1;
/** Worker to server: a connection accepted; `n` is the remote port, the next string its remote address. */
export const REC_OPEN = 2;
/** Worker to server: `n` bytes written earlier were taken by the kernel (the write's callback ran). */
export const REC_ACK = 3;
/** Worker to server: a socket error; the next string is its message. */
export const REC_ERROR = 4;
/** Worker to server: the socket closed (after its last DATA). */
export const REC_CLOSE = 5;
/**
 * Worker to server: the socket's write returned false (the kernel took only part of it); the socket counts as full
 * until every byte written to it was taken (ACKs bring its unacknowledged bytes to 0).
 */
export const REC_FULL = 6;
/** Worker to server: `n` bytes of writes arrived (handed to the socket); they are no longer on their way. */
export const REC_RECV = 7;

/** Server to worker: write `n` bytes of the buffer. */
export const OP_WRITE = 1;
/** Server to worker: end the socket (after the writes before it). */
export const OP_END = 2;
/** Server to worker: destroy the socket (unsent output dropped). */
export const OP_DESTROY = 3;
/** Server to worker: stop reading the socket. */
export const OP_PAUSE = 4;
/** Server to worker: read the socket again. */
export const OP_RESUME = 5;

/** A turn's socket I/O: `buf` holds the bytes of the byte-carrying records of `idx`, in order. */
export interface IoMessage {
  t: "io";
  buf: ArrayBuffer;
  idx: Int32Array;
  /** OPEN's addresses and ERROR's messages, in record order (absent when there are none). */
  strs?: string[];
}

export type ToSocketWorker =
  | IoMessage
  /** Close the listener (if any), then listen at host:port. */
  | { t: "listen"; id: number; host: string | undefined; port: number; backlog: number | undefined }
  /** Close the listener (stop accepting; the connections stay); answered at once. */
  | { t: "unlisten"; id: number };

export type FromSocketWorker =
  | IoMessage
  | { t: "listening"; id: number; address: string; port: number }
  | { t: "listenFailed"; id: number; message: string }
  | { t: "unlistened"; id: number };
