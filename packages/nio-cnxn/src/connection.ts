/**
 * One client socket (plain TCP, or TLS once its handshake is done): framing, back-pressure, the four-letter-word
 * check, and handing packets to core. Implements core's ServerConnection.
 */
import type * as net from "node:net";
import { FrameDecoder, FrameLengthError } from "@zkts/jute";
import { fourLetterWordOf, type ConnectionSnapshot } from "./four-letter.js";
import type { NioServer } from "./server.js";
import type { ServerConnection } from "./types.js";

/** What a TLS connection knows of its peer once the handshake is done. */
export interface TlsPeer {
  /** The client's certificate chain, leaf first, DER (empty when it sent none). */
  readonly peerCertificates: readonly Buffer[];
  /** The leaf's subject as Java's X500Principal.getName() prints it; absent without a verified certificate. */
  readonly x509Subject?: string;
}

/** Queued output past which send() writes to the socket at once instead of at the end of the tick. */
const FLUSH_EARLY_BYTES = 256 * 1024;
/** First and largest size of a connection's output chunk (sendFramedCopy); it doubles each time one fills up. */
const MIN_CHUNK = 1024;
const MAX_CHUNK = 64 * 1024;
const NO_CHUNK = Buffer.alloc(0);

type PauseReason = "global" | "write" | "turn";

let nextConnectionId = 1;

/** One client socket. Implements core's ServerConnection. */
export class NioConnection implements ServerConnection {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** TLS (the secure client port, or a TLS client on a unified port); plain TCP has no certificates or x509 subject. */
  readonly secure: boolean;
  readonly peerCertificates?: readonly Buffer[];
  readonly x509Subject?: string;
  packetsReceived = 0;
  packetsSent = 0;
  bytesReceived = 0;
  bytesSent = 0;
  lastActivity: number;
  /** fresh: before the first packet; open: core knows it; closing: flushing; closed. */
  state: "fresh" | "open" | "closing" | "closed" = "fresh";
  private head: Buffer | undefined;
  private readonly decoder: FrameDecoder;
  private out: Buffer[] = [];
  private outBytes = 0;
  /**
   * sendFramedCopy's output: frames are copied into `chunk` back to back; bytes [chunkStart, chunkPos) are queued
   * but not yet in `out` (sealChunk moves them there as one slice). What the socket was given before chunkStart
   * is never written again; the rest of the chunk serves the next batches until it is full.
   */
  private chunk: Buffer = NO_CHUNK;
  private chunkStart = 0;
  private chunkPos = 0;
  private flushScheduled = false;
  /** flush() as one closure per connection rather than one per scheduled flush. */
  private readonly flushTask = (): void => this.flush();
  private readonly paused = new Set<PauseReason>();
  private connectTimer: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  /** Past the four-letter-word check: bytes now go to the frame decoder. */
  private pastHead = false;
  /** core.handleConnect was called, so core must hear connectionClosed. */
  private coreKnows = false;
  /**
   * Frames read but not yet handed to core because the output backed up (the socket is paused for "write"): a
   * burst of pipelined requests in one read chunk is answered only as fast as the client reads.
   */
  private backlog: Buffer[] = [];
  /** Requests with xid > 0 handed to core and not answered yet (ServerCnxn.outstandingCount). */
  private outstanding = 0;
  private resumeCheckScheduled = false;

  /**
   * `peer` gives the address when the socket does not know it (a TLS socket over a stream that replays the bytes
   * read to detect TLS); `tls` marks a TLS connection and carries what its handshake established.
   */
  constructor(
    readonly socket: net.Socket,
    private readonly srv: NioServer,
    peer?: { address: string; port: number },
    tls?: TlsPeer,
  ) {
    this.remoteAddress = normalizeAddress(peer?.address ?? socket.remoteAddress ?? "");
    this.remotePort = peer?.port ?? socket.remotePort ?? 0;
    this.secure = tls !== undefined;
    if (tls !== undefined) {
      if (tls.peerCertificates.length > 0) this.peerCertificates = tls.peerCertificates;
      if (tls.x509Subject !== undefined) this.x509Subject = tls.x509Subject;
    }
    this.decoder = new FrameDecoder({ maxBuffer: srv.maxBuffer });
    this.lastActivity = srv.now();
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.resume("write"));
    socket.on("error", (err) => {
      srv.log.debug("connection error", { conn: this.id, remote: this.label, error: err.message });
    });
    socket.on("close", () => this.onClosed());
    if (srv.connectTimeoutMs > 0) {
      this.connectTimer = setTimeout(() => {
        if (this.state === "fresh") {
          srv.sessionlessExpired.inc();
          srv.log.info("closing connection that sent no connect request", {
            conn: this.id,
            remote: this.label,
            timeoutMs: srv.connectTimeoutMs,
          });
          this.abort("connect timeout");
        }
      }, srv.connectTimeoutMs);
      this.connectTimer.unref?.();
    }
  }

  get label(): string {
    return `${this.remoteAddress}:${this.remotePort}`;
  }

  /** Bytes queued and not yet taken by the kernel. */
  get queuedBytes(): number {
    return this.outBytes + this.socket.writableLength;
  }

  get readPaused(): boolean {
    return this.paused.size > 0;
  }

  send(payload: Buffer): void {
    if (this.state === "closed" || this.state === "closing") return;
    if (payload.length >= 4) this.replied(payload.readInt32BE(0));
    this.sealChunk();
    const header = Buffer.allocUnsafe(4);
    header.writeInt32BE(payload.length, 0);
    this.out.push(header, payload);
    this.queued(4 + payload.length);
  }

  /** A packet that already carries its length prefix (core's replies): queued without copying or re-framing. */
  sendFramed(frame: Buffer): void {
    if (this.state === "closed" || this.state === "closing") return;
    if (frame.length >= 8) this.replied(frame.readInt32BE(4));
    this.sealChunk();
    this.out.push(frame);
    this.queued(frame.length);
  }

  /** A framed packet copied into this connection's output chunk now (the caller may reuse `frame`). */
  sendFramedCopy(frame: Buffer): void {
    if (this.state === "closed" || this.state === "closing") return;
    if (frame.length >= 8) this.replied(frame.readInt32BE(4));
    const n = frame.length;
    if (this.chunkPos + n > this.chunk.length) {
      this.sealChunk();
      this.chunk = Buffer.allocUnsafe(Math.max(n, Math.min(MAX_CHUNK, this.chunk.length * 2 || MIN_CHUNK)));
      this.chunkStart = 0;
      this.chunkPos = 0;
    }
    this.chunk.set(frame, this.chunkPos);
    this.chunkPos += n;
    this.queued(n);
  }

  /**
   * A packet with this xid goes out (ServerCnxn.decrOutstandingAndCheckThrottle): a reply to a counted request
   * lowers the outstanding count, and a connection the throttle paused reads again once the server would no
   * longer throttle it. The resume runs as a microtask, after the core's call that sent the reply has returned.
   */
  private replied(xid: number): void {
    if (xid <= 0 || this.outstanding === 0) return;
    this.outstanding--;
    if (!this.paused.has("global") || this.resumeCheckScheduled) return;
    this.resumeCheckScheduled = true;
    queueMicrotask(() => {
      this.resumeCheckScheduled = false;
      if (this.paused.has("global") && !this.srv.shouldThrottle(this.outstanding)) this.resume("global");
    });
  }

  /** Moves the chunk's queued bytes to `out` (before anything else is queued, and on flush). */
  private sealChunk(): void {
    if (this.chunkPos === this.chunkStart) return;
    this.out.push(this.chunk.subarray(this.chunkStart, this.chunkPos));
    this.chunkStart = this.chunkPos;
  }

  private queued(frameBytes: number): void {
    this.outBytes += frameBytes;
    this.packetsSent++;
    this.srv.noteResponse(frameBytes - 4);
    // While the kernel refuses more (the peer is not reading), input is paused; output that still piles up
    // (responses in flight, notifications) is bounded.
    if (this.paused.has("write") && this.queuedBytes > this.srv.maxQueuedBytes) {
      this.srv.stats.slowConsumersClosed++;
      this.srv.log.warn("closing connection: client is not reading its responses", {
        conn: this.id,
        remote: this.label,
        queuedBytes: this.queuedBytes,
        limit: this.srv.maxQueuedBytes,
      });
      this.abort("too many queued bytes");
      return;
    }
    if (this.outBytes >= FLUSH_EARLY_BYTES) {
      // Much output from one tick (e.g. many pipelined reads of big nodes): hand it to the socket now, so that
      // back-pressure (pause "write") applies before the rest of the chunk's requests are processed.
      this.flush();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  close(reason: string): void {
    if (this.state === "closing" || this.state === "closed") return;
    this.srv.log.debug("closing connection", { conn: this.id, remote: this.label, reason });
    this.state = "closing";
    this.clearConnectTimer();
    this.flush();
    this.socket.end();
    // Keep reading (and discarding) so the peer's FIN is seen and 'close' fires.
    this.paused.clear();
    this.socket.resume();
    // A peer that never reads keeps the end pending forever: bound it.
    this.endTimer = setTimeout(() => this.socket.destroy(), 5000);
    this.endTimer.unref?.();
  }

  /** Closes at once, dropping unsent output. */
  abort(reason: string): void {
    if (this.state === "closed") return;
    this.srv.log.debug("aborting connection", { conn: this.id, remote: this.label, reason });
    if (this.state !== "closing") this.state = "closing";
    this.out = [];
    this.outBytes = 0;
    this.chunkStart = this.chunkPos;
    this.backlog = [];
    this.socket.destroy();
  }

  pause(reason: PauseReason): void {
    // A closing connection keeps reading (and discarding) so that the peer's FIN is seen.
    if (this.state === "closing" || this.state === "closed") return;
    this.paused.add(reason);
    this.socket.pause();
  }

  resume(reason: PauseReason): void {
    if (!this.paused.delete(reason)) return;
    this.processBacklog();
    if (this.paused.size === 0 && this.state !== "closed") this.socket.resume();
  }

  /** Hands deferred frames to core until the output backs up again (or the server throttles). */
  private processBacklog(): void {
    while (this.backlog.length > 0 && this.state !== "closing" && this.state !== "closed" && !this.held()) {
      if (!this.srv.mayDispatch()) {
        this.waitForTurn();
        break;
      }
      this.dispatch(this.backlog.shift()!);
    }
    if (this.state === "closing" || this.state === "closed") this.backlog = [];
  }

  resetStats(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
  }

  snapshot(): ConnectionSnapshot {
    return {
      id: this.id,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      interestOps: this.readPaused || this.state === "closing" ? 0 : 1,
      packetsReceived: this.packetsReceived,
      packetsSent: this.packetsSent,
      lastActivity: this.lastActivity,
    };
  }

  private flush(): void {
    this.flushScheduled = false;
    this.sealChunk();
    if (this.outBytes === 0 || this.socket.destroyed) return;
    const data = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    this.bytesSent += data.length;
    this.srv.stats.bytesSent += data.length;
    if (!this.socket.write(data) && this.state !== "closing") this.pause("write");
  }

  private onData(chunk: Buffer): void {
    if (this.state === "closing" || this.state === "closed") return;
    this.bytesReceived += chunk.length;
    this.srv.bytesReceived.inc(chunk.length);
    this.lastActivity = this.srv.now();
    let data = chunk;
    if (this.head !== undefined) {
      data = Buffer.concat([this.head, chunk]);
      this.head = undefined;
    }
    if (!this.pastHead) {
      // The first 4 bytes of a fresh connection may be a four-letter word.
      if (data.length < 4) {
        this.head = Buffer.from(data);
        return;
      }
      const word = fourLetterWordOf(data.readInt32BE(0));
      if (word !== undefined) {
        this.srv.fourLetter(this, word);
        return;
      }
      this.pastHead = true;
    }
    try {
      this.decoder.push(data, (payload) => this.onFrame(payload));
    } catch (err) {
      if (err instanceof FrameLengthError) {
        this.srv.stats.badLength++;
        if (err.length > 0) this.srv.stats.largeRequestsRejected++;
        this.srv.log.warn("closing connection: bad packet length", {
          conn: this.id,
          remote: this.label,
          length: err.length,
          maxBuffer: err.maxBuffer,
        });
        this.abort("bad length");
        return;
      }
      throw err;
    }
  }

  /** The turn's budget is spent (NioServer.mayDispatch): stop reading, go on in a later turn. */
  private waitForTurn(): void {
    this.pause("turn");
    if (this.paused.has("turn")) this.srv.waitTurn(this);
  }

  /**
   * Whether frames must wait: the output backed up, the throttle paused this connection (see dispatch), or it
   * waits for a later turn.
   */
  private held(): boolean {
    return this.paused.size > 0;
  }

  private onFrame(payload: Buffer): void {
    if (this.state === "closing" || this.state === "closed") return;
    if (this.held() || this.backlog.length > 0) {
      this.backlog.push(payload);
      return;
    }
    if (!this.srv.mayDispatch()) {
      this.backlog.push(payload);
      this.waitForTurn();
      return;
    }
    this.dispatch(payload);
  }

  private dispatch(payload: Buffer): void {
    this.packetsReceived++;
    this.srv.stats.packetsReceived++;
    const core = this.srv.core;
    try {
      if (this.state === "fresh") {
        this.srv.connectionRequests.inc();
        this.state = "open";
        this.clearConnectTimer();
        this.coreKnows = true;
        core.handleConnect(this, payload);
      } else {
        // ServerCnxn.incrOutstandingAndCheckThrottle: counted (xid > 0) and checked against the server's load
        // before core sees it; a throttled connection's request is still handed over, then it stops reading.
        const xid = payload.length >= 4 ? payload.readInt32BE(0) : 0;
        if (xid > 0 && this.srv.shouldThrottle(++this.outstanding)) this.pause("global");
        core.handlePacket(this, payload);
      }
    } catch (err) {
      this.srv.stats.decodeFailures++;
      this.srv.log.warn("closing connection: packet rejected", {
        conn: this.id,
        remote: this.label,
        error: err instanceof Error ? err.message : String(err),
        code: (err as { code?: unknown } | null)?.code,
      });
      this.close("bad packet");
      return;
    }
    this.srv.checkThrottle();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }

  private onClosed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.clearConnectTimer();
    if (this.endTimer !== undefined) clearTimeout(this.endTimer);
    this.out = [];
    this.outBytes = 0;
    this.srv.forget(this);
    if (this.coreKnows) {
      try {
        this.srv.core.connectionClosed(this);
      } catch (err) {
        this.srv.log.error("core.connectionClosed threw", { conn: this.id, error: String(err) });
      }
    }
  }
}

export function normalizeAddress(a: string): string {
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

