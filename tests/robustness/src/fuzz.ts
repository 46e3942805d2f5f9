/** Frame fuzzer: mutations of the valid client frames captured in packages/client-wire/fixtures/golden, plus
 * random bytes, sent over many connections. Deterministic for a seed (per worker PRNG streams). */
import { readFileSync, readdirSync } from "node:fs";
import * as net from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OpCode } from "@zkts/client-wire";
import { FrameDecoder, frame } from "@zkts/jute";
import { MAX_BUFFER } from "./cases.js";
import { connectPayload, prng, req } from "./wire.js";

const GOLDEN = resolve(dirname(fileURLToPath(import.meta.url)), "../../../packages/client-wire/fixtures/golden");

export interface Corpus {
  /** First client packets (ConnectRequests), payloads without length. */
  connects: Buffer[];
  /** Later client packets (RequestHeader + body). */
  requests: Buffer[];
}

interface GoldenFile {
  connections: { kind: string; frames: { dir: string; hex: string }[] }[];
}

export function loadCorpus(): Corpus {
  const connects: Buffer[] = [];
  const requests: Buffer[] = [];
  for (const name of readdirSync(GOLDEN).filter((n) => n.endsWith(".json")).sort()) {
    const g = JSON.parse(readFileSync(join(GOLDEN, name), "utf8")) as GoldenFile;
    for (const c of g.connections) {
      if (c.kind !== "jute") continue;
      const c2s = c.frames.filter((f) => f.dir === "c2s").map((f) => Buffer.from(f.hex, "hex"));
      if (c2s.length === 0) continue;
      connects.push(c2s[0]!);
      requests.push(...c2s.slice(1));
    }
  }
  return { connects, requests };
}

export type Mutation =
  | "valid"
  | "bitflip"
  | "truncate"
  | "extend"
  | "length-edit"
  | "splice"
  | "interesting-int"
  | "random-payload"
  | "raw-noise";

export const MUTATIONS: readonly Mutation[] = [
  "valid",
  "bitflip",
  "truncate",
  "extend",
  "length-edit",
  "splice",
  "interesting-int",
  "random-payload",
  "raw-noise",
];

/** Relative weights: frame-breaking mutations end a connection, so they are rarer than the body mutations. */
const WEIGHTS: Record<Mutation, number> = {
  valid: 25,
  bitflip: 12,
  truncate: 10,
  extend: 10,
  "length-edit": 5,
  splice: 10,
  "interesting-int": 12,
  "random-payload": 10,
  "raw-noise": 6,
};
const WEIGHT_TOTAL = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);

const INTERESTING = [0, -1, 1, 0x7fffffff, -0x80000000, MAX_BUFFER, MAX_BUFFER + 1, 0xffff, -2, 100_000];

export class FrameFuzzer {
  private readonly r: ReturnType<typeof prng>;
  readonly counts = new Map<Mutation, number>(MUTATIONS.map((m) => [m, 0]));

  constructor(
    private readonly corpus: Corpus,
    seed: number,
  ) {
    this.r = prng(seed);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.r.int(xs.length)]!;
  }

  /** The opening of a connection: almost always a valid ConnectRequest, sometimes a mutated one or none. */
  opening(): { bytes: Buffer; breaksFraming: boolean } {
    const x = this.r.next();
    if (x < 0.9) return { bytes: frame(x < 0.45 ? connectPayload() : this.pick(this.corpus.connects)), breaksFraming: false };
    // the first fuzzed frame becomes the connect request
    if (x < 0.93) return { bytes: Buffer.alloc(0), breaksFraming: false };
    this.last = "valid";
    const bytes = this.mutate(this.pick(this.corpus.connects));
    const m = this.last as Mutation;
    return { bytes, breaksFraming: m === "length-edit" || m === "raw-noise" };
  }

  /** A position to mutate: mostly inside the body (past the 8-byte RequestHeader), so that decoders are reached. */
  private position(len: number): number {
    if (len <= 8 || this.r.next() < 0.15) return this.r.int(Math.max(1, len));
    return 8 + this.r.int(len - 8);
  }

  /** One framed (or deliberately mis-framed) chunk of bytes. */
  next(): { bytes: Buffer; breaksFraming: boolean } {
    this.last = "valid";
    const bytes = this.mutate(this.pick(this.corpus.requests));
    const m = this.last as Mutation;
    return { bytes, breaksFraming: m === "length-edit" || m === "raw-noise" };
  }

  private last: Mutation = "valid";

  private mutate(base: Buffer): Buffer {
    const r = this.r;
    let x = r.int(WEIGHT_TOTAL);
    let m: Mutation = "valid";
    for (const k of MUTATIONS) {
      x -= WEIGHTS[k];
      if (x < 0) {
        m = k;
        break;
      }
    }
    this.last = m;
    this.counts.set(m, this.counts.get(m)! + 1);
    switch (m) {
      case "valid":
        return frame(base);
      case "bitflip": {
        const p = Buffer.from(base);
        const flips = 1 + r.int(8);
        for (let i = 0; i < flips && p.length > 0; i++) p[this.position(p.length)]! ^= 1 << r.int(8);
        return frame(p);
      }
      case "truncate":
        return frame(base.subarray(0, this.position(base.length)));
      case "extend":
        return frame(Buffer.concat([base, r.bytes(1 + r.int(32))]));
      case "length-edit": {
        const f = frame(base);
        const y = r.next();
        let len: number;
        if (y < 0.5) len = base.length + (r.int(33) - 16); // a little off: the stream goes out of step
        else if (y < 0.7) len = this.pick(INTERESTING);
        else len = (r.int(0x10000) << 16) | r.int(0x10000); // any 32-bit value
        f.writeInt32BE(len | 0, 0);
        return f;
      }
      case "splice": {
        const other = this.pick(this.corpus.requests);
        return frame(Buffer.concat([base.subarray(0, this.position(base.length + 1)), other.subarray(r.int(other.length + 1))]));
      }
      case "interesting-int": {
        const p = Buffer.from(base);
        if (p.length >= 4) {
          const at = Math.min(this.position(p.length), p.length - 4);
          p.writeInt32BE(this.pick(INTERESTING) | 0, at);
        }
        return frame(p);
      }
      case "random-payload": {
        // half of them keep the base frame's RequestHeader, so the body decoder of a real opcode sees the noise
        const noise = r.bytes(r.int(r.next() < 0.9 ? 64 : 2048));
        return frame(r.next() < 0.5 ? Buffer.concat([base.subarray(0, 8), noise]) : noise);
      }
      case "raw-noise":
        return r.bytes(1 + r.int(64));
    }
  }
}

export interface FuzzStats {
  /** Frames written to a connection that was open at the time. */
  framesSent: number;
  /** Frames followed by an answered sync request: the server certainly processed them. */
  framesConfirmed: number;
  connections: number;
  /** Connections the server closed (the rest were ended by the client). */
  closedByServer: number;
  /** Sync requests the server never answered although the stream was well framed (a hang). */
  syncTimeouts: number;
  bytesSent: number;
  mutations: Record<string, number>;
  /** Everything written on the first few connections whose sync request was never answered (reproductions). */
  hangs: Buffer[];
}

export function emptyStats(): FuzzStats {
  return { framesSent: 0, framesConfirmed: 0, connections: 0, closedByServer: 0, syncTimeouts: 0, bytesSent: 0, mutations: {}, hangs: [] };
}

const SYNC_XID_BASE = 0x5a5a0000;

/**
 * One worker: opens connections one after another. On each it writes the opening (usually a valid ConnectRequest),
 * then batches of `batch` fuzzed frames, each batch followed by a sync request (exists "/" with a unique xid) whose
 * answer proves the server processed the batch. A frame that breaks the framing (length edit, raw noise) ends its
 * batch and the connection. A connection the server closes is replaced by a new one; every connection is ended
 * after `perConnection` frames. Runs until `frames` frames have been sent.
 */
export async function fuzzWorker(
  port: number,
  fuzzer: FrameFuzzer,
  opts: { frames: number; batch: number; perConnection: number; syncTimeoutMs?: number; live?: FuzzStats[] },
): Promise<FuzzStats> {
  const stats = emptyStats();
  opts.live?.push(stats);
  let syncXid = SYNC_XID_BASE;
  while (stats.framesSent < opts.frames) {
    const socket = net.connect({ port, host: "127.0.0.1" });
    stats.connections++;
    let closed = false;
    const answered = new Set<number>();
    let wake: (() => void) | undefined;
    const dec = new FrameDecoder({ maxBuffer: 64 * 1024 * 1024 });
    const closedP = new Promise<void>((res) =>
      socket.once("close", () => {
        closed = true;
        wake?.();
        res();
      }),
    );
    socket.on("error", () => {});
    socket.on("data", (d: Buffer) => {
      try {
        dec.push(d, (f) => {
          if (f.length >= 16) answered.add(f.readInt32BE(0));
        });
      } catch {
        // not our concern: the server's framing is checked elsewhere
      }
      wake?.();
    });
    await new Promise<void>((res) => {
      socket.once("connect", () => res());
      socket.once("close", () => res());
    });
    const transcript: Buffer[] = [];
    const write = (b: Buffer) =>
      new Promise<void>((res) => {
        if (closed || socket.destroyed) return res();
        transcript.push(b);
        stats.bytesSent += b.length;
        socket.write(b, () => res());
      });
    const opening = fuzzer.opening();
    if (!closed) await write(opening.bytes);
    let onConn = 0;
    let framingBroken = opening.breaksFraming;
    while (!closed && !framingBroken && onConn < opts.perConnection && stats.framesSent < opts.frames) {
      const parts: Buffer[] = [];
      const n = Math.min(opts.batch, opts.perConnection - onConn, opts.frames - stats.framesSent);
      for (let i = 0; i < n && !framingBroken; i++) {
        const f = fuzzer.next();
        parts.push(f.bytes);
        framingBroken = f.breaksFraming;
      }
      const xid = ++syncXid;
      if (!framingBroken) parts.push(frame(req(xid, OpCode.exists, { path: "/", watch: false })));
      await write(Buffer.concat(parts));
      if (closed) break;
      const framesInBatch = framingBroken ? parts.length : parts.length - 1;
      onConn += framesInBatch;
      stats.framesSent += framesInBatch;
      if (framingBroken) break;
      const deadline = Date.now() + (opts.syncTimeoutMs ?? 5000);
      while (!answered.has(xid) && !closed && Date.now() < deadline) {
        await new Promise<void>((res) => {
          const t = setTimeout(res, Math.max(1, deadline - Date.now()));
          wake = () => {
            clearTimeout(t);
            res();
          };
        });
      }
      wake = undefined;
      if (answered.has(xid)) stats.framesConfirmed += framesInBatch;
      else if (!closed) {
        stats.syncTimeouts++;
        if (stats.hangs.length < 5) stats.hangs.push(Buffer.concat(transcript));
        break;
      }
    }
    if (closed) {
      stats.closedByServer++;
    } else {
      socket.end();
      const t = setTimeout(() => socket.destroy(), 2000);
      await closedP;
      clearTimeout(t);
    }
  }
  stats.mutations = Object.fromEntries(fuzzer.counts);
  return stats;
}

export function addStats(a: FuzzStats, b: FuzzStats): FuzzStats {
  const mutations: Record<string, number> = { ...a.mutations };
  for (const [k, v] of Object.entries(b.mutations)) mutations[k] = (mutations[k] ?? 0) + v;
  return {
    framesSent: a.framesSent + b.framesSent,
    framesConfirmed: a.framesConfirmed + b.framesConfirmed,
    connections: a.connections + b.connections,
    closedByServer: a.closedByServer + b.closedByServer,
    syncTimeouts: a.syncTimeouts + b.syncTimeouts,
    bytesSent: a.bytesSent + b.bytesSent,
    mutations,
    hangs: [...a.hangs, ...b.hangs],
  };
}
