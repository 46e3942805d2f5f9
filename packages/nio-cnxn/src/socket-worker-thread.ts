/**
 * The connection worker thread (a Node adapter, run by the worker `WorkerSocketHost` starts from its entry module
 * socket-worker.ts, or a bundled app's copy of it). It owns the client port's listener and every client socket:
 * it accepts, reads and writes; everything else (limits, framing, four-letter words, core) stays on the server's
 * thread. What it read in one event-loop turn, from every connection, goes to the server's thread as one message
 * (one transferred buffer and an index), with the connections accepted and closed and the bytes the kernel took
 * (which gives the server's thread its back-pressure); the server's thread sends its writes the same way.
 */
import * as net from "node:net";
import { parentPort } from "node:worker_threads";
import {
  OP_DESTROY,
  OP_END,
  OP_PAUSE,
  OP_RESUME,
  OP_WRITE,
  REC_ACK,
  REC_CLOSE,
  REC_DATA,
  REC_ERROR,
  REC_FULL,
  REC_OPEN,
  REC_RECV,
  REC_STR,
  packIo,
  unpackIo,
  type FromSocketWorker,
  type ToSocketWorker,
} from "./socket-worker-protocol.js";

export function runSocketWorkerThread(): void {
  const port = parentPort;
  if (port === null) throw new Error("runSocketWorkerThread runs in a worker thread");
  const sockets = new Map<number, net.Socket>();
  let nextId = 1;
  let listener: net.Server | undefined;

  // This turn's records for the server's thread.
  let recs: number[] = [];
  let chunks: Buffer[] = [];
  let bytes = 0;
  /** Bytes the kernel took this turn, per connection (one ACK record each at the end of the turn). */
  const acked = new Map<number, number>();
  let scheduled = false;

  const post = (msg: FromSocketWorker, transfer?: ArrayBuffer[]): void => port.postMessage(msg, transfer);
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  const rec = (kind: number, id: number, n: number): void => {
    recs.push(kind, id, n);
    schedule();
  };
  function flush(): void {
    scheduled = false;
    for (const [id, n] of acked) recs.push(REC_ACK, id, n);
    acked.clear();
    if (recs.length === 0) return;
    const buf = packIo(recs, chunks, bytes);
    recs = [];
    chunks = [];
    bytes = 0;
    post(buf, [buf]);
  }
  const str = (id: number, s: string): void => {
    const b = Buffer.from(s);
    chunks.push(b);
    bytes += b.length;
    rec(REC_STR, id, b.length);
  };

  const onConnection = (s: net.Socket): void => {
    const id = nextId++;
    sockets.set(id, s);
    s.setNoDelay(true);
    str(id, s.remoteAddress ?? "");
    rec(REC_OPEN, id, s.remotePort ?? 0);
    s.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      rec(REC_DATA, id, chunk.length);
    });
    s.on("error", (err) => {
      str(id, err.message);
      rec(REC_ERROR, id, 0);
    });
    s.on("close", () => {
      sockets.delete(id);
      acked.delete(id);
      rec(REC_CLOSE, id, 0);
    });
  };

  const ackOf = (id: number, n: number) => (err?: Error | null) => {
    if (err != null || !sockets.has(id)) return;
    acked.set(id, (acked.get(id) ?? 0) + n);
    schedule();
  };

  const onIo = (msg: ArrayBuffer): void => {
    const { idx, data: buf, start } = unpackIo(msg);
    let off = start;
    for (let i = 0; i < idx.length; i += 3) {
      const op = idx[i]!;
      const id = idx[i + 1]!;
      const n = idx[i + 2]!;
      const s = sockets.get(id);
      if (op === OP_WRITE) {
        const data = buf.subarray(off, off + n);
        off += n;
        if (s === undefined) continue;
        rec(REC_RECV, id, n);
        if (!s.destroyed && s.writable && !s.write(data, ackOf(id, n))) rec(REC_FULL, id, 0);
        continue;
      }
      if (s === undefined) continue;
      if (op === OP_END) s.end();
      else if (op === OP_DESTROY) s.destroy();
      else if (op === OP_PAUSE) s.pause();
      else if (op === OP_RESUME) s.resume();
    }
  };

  port.on("message", (msg: ToSocketWorker) => {
    if (msg instanceof ArrayBuffer) {
      onIo(msg);
      return;
    }
    switch (msg.t) {
      case "listen": {
        if (listener?.listening === true) listener.close();
        const l = net.createServer({ pauseOnConnect: false }, onConnection);
        listener = l;
        const onError = (err: Error): void => {
          if (listener === l) listener = undefined;
          post({ t: "listenFailed", id: msg.id, message: err.message });
        };
        l.once("error", onError);
        l.listen({ host: msg.host, port: msg.port, backlog: msg.backlog }, () => {
          l.off("error", onError);
          // accept errors (EMFILE...) after listening: the listener goes on, as net.Server's does
          l.on("error", () => {});
          const a = l.address() as net.AddressInfo;
          post({ t: "listening", id: msg.id, address: a.address, port: a.port });
        });
        return;
      }
      case "unlisten": {
        const l = listener;
        listener = undefined;
        if (l === undefined || !l.listening) {
          post({ t: "unlistened", id: msg.id });
          return;
        }
        // close() stops accepting at once; its callback waits for every connection to end, which the server's
        // thread follows itself (each connection's close).
        l.close();
        post({ t: "unlistened", id: msg.id });
        return;
      }
    }
  });
}
