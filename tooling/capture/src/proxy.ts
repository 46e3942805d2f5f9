/**
 * A recording TCP proxy: listens on 127.0.0.1 (free port), forwards every connection to a target server and
 * records the traffic of each connection as frames, in arrival order.
 *
 * Frames are split on ZooKeeper's 4-byte big-endian length prefix; the recorded `hex` is the payload without the
 * prefix. A connection whose first 4 client bytes are a four-letter word (lowercase ASCII letters) is recorded raw:
 * one entry per direction holding everything sent that way.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export type Direction = "c2s" | "s2c";

export interface RecordedFrame {
  dir: Direction;
  hex: string;
}

export interface RecordedConnection {
  /** "jute" for length-prefixed ZooKeeper traffic, "4lw" for a four-letter-word exchange (recorded raw). */
  kind: "jute" | "4lw";
  frames: RecordedFrame[];
  /** Bytes left over at close that did not form a whole frame, per direction (hex), if any. */
  trailing?: Partial<Record<Direction, string>>;
}

export interface RecordingProxyOptions {
  targetPort: number;
  targetHost?: string;
}

class ConnectionRecorder {
  readonly record: RecordedConnection = { kind: "jute", frames: [] };
  private decided = false;
  private readonly pending: Record<Direction, Buffer> = { c2s: Buffer.alloc(0), s2c: Buffer.alloc(0) };
  private readonly raw: Record<Direction, Buffer[]> = { c2s: [], s2c: [] };

  push(dir: Direction, chunk: Buffer): void {
    if (!this.decided) {
      if (dir === "c2s") {
        const head = Buffer.concat([this.pending.c2s, chunk]);
        if (head.length < 4) {
          this.pending.c2s = head;
          return;
        }
        this.decided = true;
        this.pending.c2s = Buffer.alloc(0);
        if (/^[a-z]{4}$/.test(head.subarray(0, 4).toString("latin1"))) this.record.kind = "4lw";
        chunk = head;
      } else {
        // the server never speaks first; keep it anyway
        this.pending.s2c = Buffer.concat([this.pending.s2c, chunk]);
        return;
      }
    }
    if (this.record.kind === "4lw") {
      this.raw[dir].push(chunk);
      return;
    }
    let buf = Buffer.concat([this.pending[dir], chunk]);
    while (buf.length >= 4) {
      const len = buf.readInt32BE(0);
      if (len < 0 || buf.length < 4 + len) break;
      this.record.frames.push({ dir, hex: buf.subarray(4, 4 + len).toString("hex") });
      buf = buf.subarray(4 + len);
    }
    this.pending[dir] = buf;
  }

  finish(): RecordedConnection {
    if (this.record.kind === "4lw") {
      this.record.frames = [];
      for (const dir of ["c2s", "s2c"] as const) {
        if (this.raw[dir].length > 0) this.record.frames.push({ dir, hex: Buffer.concat(this.raw[dir]).toString("hex") });
      }
    } else {
      for (const dir of ["c2s", "s2c"] as const) {
        if (this.pending[dir].length > 0) {
          this.record.trailing ??= {};
          this.record.trailing[dir] = this.pending[dir].toString("hex");
        }
      }
    }
    return this.record;
  }
}

export class RecordingProxy {
  private server: Server | undefined;
  private readonly live = new Set<{ client: Socket; upstream: Socket; done: Promise<void> }>();
  private readonly recorders: ConnectionRecorder[] = [];
  port = 0;

  constructor(private readonly opts: RecordingProxyOptions) {}

  async start(): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === "string") throw new Error("proxy: no address");
    this.port = addr.port;
    return this.port;
  }

  private accept(client: Socket): void {
    const rec = new ConnectionRecorder();
    this.recorders.push(rec);
    client.setNoDelay(true);
    client.pause();
    const upstream = connect({ port: this.opts.targetPort, host: this.opts.targetHost ?? "127.0.0.1" });
    upstream.setNoDelay(true);
    let closed = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const entry = { client, upstream, done };
    this.live.add(entry);
    const onClose = () => {
      if (++closed === 2) {
        this.live.delete(entry);
        resolveDone();
      }
    };
    upstream.once("connect", () => client.resume());
    client.on("data", (c: Buffer) => {
      rec.push("c2s", c);
      upstream.write(c);
    });
    upstream.on("data", (c: Buffer) => {
      rec.push("s2c", c);
      client.write(c);
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.once("close", () => {
      upstream.destroy();
      onClose();
    });
    upstream.once("close", () => {
      client.destroy();
      onClose();
    });
  }

  /** Number of connections accepted so far. */
  get connectionCount(): number {
    return this.recorders.length;
  }

  /** Cuts every open connection (both sides), as a network failure would; clients then reconnect. */
  dropAll(): void {
    for (const { client, upstream } of this.live) {
      client.destroy();
      upstream.destroy();
    }
  }

  /** Resolves once no proxied connection is open, or after timeoutMs (then returns false). */
  async idle(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.live.size > 0) {
      if (Date.now() > deadline) return false;
      await Promise.race([...this.live].map((e) => e.done).concat(new Promise<void>((r) => setTimeout(r, 100))));
    }
    return true;
  }

  /** Recorded connections in accept order. */
  connections(): RecordedConnection[] {
    return this.recorders.map((r) => r.finish());
  }

  async stop(): Promise<void> {
    this.dropAll();
    const server = this.server;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
