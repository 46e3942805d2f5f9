/**
 * The messages between the connection worker (socket-worker-thread.ts, which owns the listener and every client
 * socket) and the server's thread (worker-host.ts). Socket I/O crosses in at most one message per event-loop turn
 * each way: a single transferred ArrayBuffer (the cheapest message to post: no object to serialize) holding
 * `[count: int32]`, then `count` records `[kind, connection id, n]` (int32 each), then the bytes. Byte-carrying
 * records (DATA and STR one way, WRITE the other) take their `n` bytes from the byte area in record order.
 */

/** Worker to server: bytes read from a connection (`n` bytes of the buffer). */
export const REC_DATA = 1;
/** Worker to server: a string (UTF-8, `n` bytes) for the record after it (OPEN's address, ERROR's message). */
export const REC_STR = 8;
/** Worker to server: a connection accepted; `n` is the remote port, the STR before it its remote address. */
export const REC_OPEN = 2;
/** Worker to server: `n` bytes written earlier were taken by the kernel (the write's callback ran). */
export const REC_ACK = 3;
/** Worker to server: a socket error; the STR before it is its message. */
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

/** Packs a turn's records and bytes into one ArrayBuffer (the I/O message). */
export function packIo(recs: readonly number[], chunks: readonly Uint8Array[], bytes: number): ArrayBuffer {
  const head = 4 * (1 + recs.length);
  const buf = new ArrayBuffer(head + bytes);
  const i32 = new Int32Array(buf, 0, 1 + recs.length);
  i32[0] = recs.length / 3;
  i32.set(recs, 1);
  const u8 = new Uint8Array(buf);
  let off = head;
  for (const c of chunks) {
    u8.set(c, off);
    off += c.length;
  }
  return buf;
}

/** Where an I/O message's records are, and where its bytes start. */
export function unpackIo(buf: ArrayBuffer): { idx: Int32Array; data: Buffer; start: number } {
  const count = new Int32Array(buf, 0, 1)[0]!;
  const idx = new Int32Array(buf, 4, count * 3);
  return { idx, data: Buffer.from(buf), start: 4 + count * 12 };
}

export type ToSocketWorker =
  /** This turn's I/O (packIo). */
  | ArrayBuffer
  /** Close the listener (if any), then listen at host:port. */
  | { t: "listen"; id: number; host: string | undefined; port: number; backlog: number | undefined }
  /** Close the listener (stop accepting; the connections stay); answered at once. */
  | { t: "unlisten"; id: number };

export type FromSocketWorker =
  | ArrayBuffer
  | { t: "listening"; id: number; address: string; port: number }
  | { t: "listenFailed"; id: number; message: string }
  | { t: "unlistened"; id: number };
