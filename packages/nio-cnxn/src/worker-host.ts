/**
 * The server's side of the connection worker (StartServerOptions.connectionWorker, zoo.cfg
 * `zkts.connectionWorker=true`): a worker thread (socket-worker-thread.ts) owns the listener and the client sockets,
 * and each connection here is a {@link WorkerSocket}, the part of `net.Socket` that `NioConnection` uses. All of
 * the connection logic (framing, limits, four-letter words, throttling, back-pressure) stays on this thread,
 * unchanged; only the system calls and libuv's bookkeeping of the sockets move.
 *
 * I/O crosses in at most one message per event-loop turn each way (the bytes in one transferred buffer, an index of
 * `[kind, id, n]` records): what the worker read from every connection in a turn, and what this thread wrote to
 * every connection in a turn (gathered until the check phase, setImmediate).
 *
 * Back-pressure, as a net.Socket's: `write()` returns false once the worker's socket is full (its write returned
 * false: the kernel took only part of it) or the bytes on their way to the worker reach {@link TRANSIT_LIMIT} (a
 * burst written in one turn, before the worker could say its socket is full); 'drain' follows when the kernel took
 * every byte written (the worker reports each write's callback).
 */
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
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

/** The worker's answers to listen / unlisten. */
type Answer = Exclude<FromSocketWorker, ArrayBuffer>;
import type { Logger } from "./types.js";

/**
 * Bytes written to a WorkerSocket and not yet arrived in the worker past which `write()` returns false even before
 * the worker said its socket is full: they bound what one turn of pipelined requests can queue before the worker's
 * answer arrives.
 */
export const TRANSIT_LIMIT = 4 * 1024 * 1024;

/** The worker's entry module and how to start it (built JavaScript, or the TypeScript sources through tsx). */
function workerEntry(): { code: string | URL; eval: boolean; data: Record<string, unknown> } {
  const js = new URL("./socket-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(js))) return { code: js, eval: false, data: {} };
  const ts = new URL("./socket-worker.ts", import.meta.url);
  if (!existsSync(fileURLToPath(ts))) throw new Error(`connection worker: neither ${fileURLToPath(js)} nor its source found`);
  // A source checkout (tests, `zkts-server` from sources): tsx with the repository's tsconfig (as WorkerTxnLog).
  const api = createRequire(import.meta.url).resolve("tsx/esm/api");
  const tsx = pathToFileURL(existsSync(api.replace(/\.cjs$/, ".mjs")) ? api.replace(/\.cjs$/, ".mjs") : api).href;
  const tsconfig = fileURLToPath(new URL("../../../tsconfig.json", import.meta.url));
  const code =
    'const { workerData } = require("node:worker_threads");' +
    "import(workerData.tsx).then((m) => { m.register({ tsconfig: workerData.tsconfig }); return import(workerData.entry); });";
  return { code, eval: true, data: { tsx, tsconfig, entry: ts.href } };
}

/** One client socket of the worker, as NioConnection sees it (the part of net.Socket it uses). */
export class WorkerSocket extends EventEmitter {
  /** Destroyed here, or closed in the worker. */
  destroyed = false;
  /** Bytes written and not yet taken by the kernel (on their way to the worker, or in its socket's buffer). */
  writableLength = 0;
  private ended = false;
  private paused = false;
  private wantDrain = false;
  /** The worker's socket is full (REC_FULL) until the kernel took every byte written. */
  private full = false;
  /** Bytes written and not yet arrived in the worker. */
  private inTransit = 0;

  constructor(
    private readonly host: WorkerSocketHost,
    readonly id: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super();
  }

  /** The worker sets TCP_NODELAY on every socket it accepts. */
  setNoDelay(): this {
    return this;
  }

  write(data: Buffer): boolean {
    if (this.destroyed || this.ended) return false;
    this.host.write(this.id, data);
    this.writableLength += data.length;
    this.inTransit += data.length;
    if (!this.full && this.inTransit < TRANSIT_LIMIT) return true;
    this.wantDrain = true;
    return false;
  }

  end(data?: string | Buffer): this {
    if (this.destroyed || this.ended) return this;
    if (data !== undefined) this.write(typeof data === "string" ? Buffer.from(data) : data);
    this.ended = true;
    this.host.op(OP_END, this.id);
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.host.op(OP_DESTROY, this.id);
    return this;
  }

  pause(): this {
    if (!this.paused) {
      this.paused = true;
      if (!this.destroyed) this.host.op(OP_PAUSE, this.id);
    }
    return this;
  }

  resume(): this {
    if (this.paused) {
      this.paused = false;
      if (!this.destroyed) this.host.op(OP_RESUME, this.id);
    }
    return this;
  }

  /** The kernel took `n` more bytes. */
  acked(n: number): void {
    this.writableLength -= n;
    if (this.writableLength > 0) return;
    this.writableLength = 0;
    this.full = false;
    if (this.wantDrain) {
      this.wantDrain = false;
      this.emit("drain");
    }
  }

  /** `n` bytes of writes arrived in the worker. */
  received(n: number): void {
    this.inTransit -= n;
  }

  /** The worker's socket took only part of a write. */
  filled(): void {
    if (this.writableLength > 0) this.full = true;
  }

  /** The worker's socket closed. */
  closed(): void {
    this.destroyed = true;
    this.emit("close", false);
  }
}

/** The worker thread and its connections. */
export class WorkerSocketHost {
  private readonly worker: Worker;
  private readonly sockets = new Map<number, WorkerSocket>();
  // This turn's operations for the worker.
  private ops: number[] = [];
  private chunks: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;
  private nextRequest = 1;
  private readonly pending = new Map<number, { resolve: (m: Answer) => void }>();
  private exited = false;
  /** The listener's address while it listens. */
  address: { address: string; port: number } | null = null;

  constructor(
    private readonly log: Logger,
    /** A connection the worker accepted (NioServer.accept). */
    private readonly onConnection: (s: WorkerSocket) => void,
  ) {
    const entry = workerEntry();
    this.worker = new Worker(entry.code, { eval: entry.eval, workerData: entry.data, name: "zkts-connections" });
    this.worker.on("message", (m: FromSocketWorker) => this.onMessage(m));
    this.worker.on("error", (e) => this.log.error("connection worker failed", { error: e.message }));
    this.worker.on("exit", (code) => this.onExit(code));
  }

  /** Closes the listener (if any), then listens at host:port; rejects if that fails (no listener then). */
  async listen(host: string | undefined, port: number, backlog: number | undefined): Promise<{ address: string; port: number }> {
    const m = await this.request((id) => ({ t: "listen", id, host, port, backlog }));
    if (m.t === "listenFailed") {
      this.address = null;
      throw new Error(m.message);
    }
    if (m.t !== "listening") throw new Error(`connection worker: unexpected answer ${m.t}`);
    this.address = { address: m.address, port: m.port };
    return this.address;
  }

  /** Closes the listener; resolves once it is closed (every connection it accepted has ended). */
  async unlisten(): Promise<void> {
    this.address = null;
    await this.request((id) => ({ t: "unlisten", id }));
  }

  /** Stops the worker (once every connection is closed). */
  async terminate(): Promise<void> {
    this.flush();
    this.exited = true;
    await this.worker.terminate();
  }

  write(id: number, data: Buffer): void {
    this.ops.push(OP_WRITE, id, data.length);
    this.chunks.push(data);
    this.bytes += data.length;
    this.schedule();
  }

  op(kind: number, id: number): void {
    this.ops.push(kind, id, 0);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushTask);
  }

  private readonly flushTask = (): void => this.flush();

  /** Sends this turn's writes and operations as one message. */
  private flush(): void {
    this.scheduled = false;
    if (this.ops.length === 0 || this.exited) return;
    const buf = packIo(this.ops, this.chunks, this.bytes);
    this.ops = [];
    this.chunks = [];
    this.bytes = 0;
    this.worker.postMessage(buf, [buf]);
  }

  private request(make: (id: number) => ToSocketWorker): Promise<Answer> {
    if (this.exited) return Promise.reject(new Error("the connection worker has stopped"));
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.worker.postMessage(make(id));
    });
  }

  private onMessage(m: FromSocketWorker): void {
    if (m instanceof ArrayBuffer) {
      this.onIo(m);
      return;
    }
    const p = this.pending.get(m.id);
    if (p !== undefined) {
      this.pending.delete(m.id);
      p.resolve(m);
    }
  }

  private onIo(m: ArrayBuffer): void {
    const { idx, data: buf, start } = unpackIo(m);
    let str = "";
    let off = start;
    for (let i = 0; i < idx.length; i += 3) {
      const kind = idx[i]!;
      const id = idx[i + 1]!;
      const n = idx[i + 2]!;
      switch (kind) {
        case REC_DATA: {
          const chunk = buf.subarray(off, off + n);
          off += n;
          const s = this.sockets.get(id);
          if (s !== undefined && !s.destroyed) s.emit("data", chunk);
          break;
        }
        case REC_STR:
          str = buf.toString("utf8", off, off + n);
          off += n;
          break;
        case REC_OPEN: {
          const s = new WorkerSocket(this, id, str, n);
          this.sockets.set(id, s);
          this.onConnection(s);
          break;
        }
        case REC_ACK:
          this.sockets.get(id)?.acked(n);
          break;
        case REC_RECV:
          this.sockets.get(id)?.received(n);
          break;
        case REC_FULL:
          this.sockets.get(id)?.filled();
          break;
        case REC_ERROR: {
          const s = this.sockets.get(id);
          if (s !== undefined && s.listenerCount("error") > 0) s.emit("error", new Error(str));
          break;
        }
        case REC_CLOSE: {
          const s = this.sockets.get(id);
          this.sockets.delete(id);
          s?.closed();
          break;
        }
      }
    }
  }

  /** The worker stopped: its connections are gone (each closes here), and so is the listener. */
  private onExit(code: number): void {
    const expected = this.exited;
    this.exited = true;
    this.address = null;
    if (!expected) this.log.error("connection worker exited", { code });
    for (const p of this.pending.values()) p.resolve({ t: "listenFailed", id: 0, message: `the connection worker exited (${code})` });
    this.pending.clear();
    const open = [...this.sockets.values()];
    this.sockets.clear();
    for (const s of open) s.closed();
  }
}
