/**
 * A small measured figure for a TLS client port: TLS handshake time (connect to handshake done, sequential), then
 * on one session get and set throughput with a window of requests in flight. Raw jute over node:tls, the same
 * client code for both servers, so the figures compare the servers.
 */
import { performance } from "node:perf_hooks";
import * as tls from "node:tls";
import { encodeConnectRequest, encodeRequest, OpCode } from "@zkts/client-wire";

export interface TlsFigure {
  handshakes: number;
  handshakeMedianMs: number;
  handshakeP90Ms: number;
  ops: number;
  window: number;
  getPerSec: number;
  setPerSec: number;
}

type TlsOpts = { ca: Buffer; key: Buffer; cert: Buffer };

function connect(port: number, o: TlsOpts): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port, ...o, checkServerIdentity: () => undefined }, () => resolve(s));
    s.once("error", reject);
  });
}

function framed(payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeInt32BE(payload.length);
  return Buffer.concat([h, payload]);
}

/** Frames read from a socket, handed to `onFrame` in order. */
function frames(s: tls.TLSSocket, onFrame: (f: Buffer) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  s.on("data", (c: Buffer) => {
    buf = buf.length === 0 ? c : Buffer.concat([buf, c]);
    while (buf.length >= 4) {
      const n = buf.readInt32BE(0);
      if (buf.length < 4 + n) break;
      onFrame(buf.subarray(4, 4 + n));
      buf = buf.subarray(4 + n);
    }
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export async function tlsFigure(port: number, o: TlsOpts, opts: { handshakes?: number; ops?: number; window?: number } = {}): Promise<TlsFigure> {
  const handshakes = opts.handshakes ?? 40;
  const ops = opts.ops ?? 4000;
  const window = opts.window ?? 50;
  const times: number[] = [];
  for (let i = 0; i < handshakes; i++) {
    const t0 = performance.now();
    const s = await connect(port, o);
    times.push(performance.now() - t0);
    s.destroy();
  }
  const s = await connect(port, o);
  const pending: ((err: number) => void)[] = [];
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  let first = true;
  frames(s, (f) => {
    if (first) {
      first = false;
      connected();
      return;
    }
    const xid = f.readInt32BE(0);
    if (xid < 0) return; // pings, notifications
    pending.shift()?.(f.readInt32BE(12));
  });
  s.write(framed(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false, hasReadOnly: false })));
  await ready;
  let xid = 1;
  const call = (type: number, body: unknown) =>
    new Promise<number>((resolve) => {
      pending.push(resolve);
      s.write(framed(encodeRequest({ xid: xid++, type, body } as never)));
    });
  const path = `/tls-bench-${process.pid}-${port}`;
  await call(OpCode.create, { path, data: Buffer.alloc(100), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], flags: 0 });
  const run = async (type: number, body: unknown): Promise<number> => {
    const t0 = performance.now();
    let sent = 0;
    let failed = 0;
    const worker = async () => {
      while (sent < ops) {
        sent++;
        if ((await call(type, body)) !== 0) failed++;
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
    if (failed > 0) throw new Error(`${failed} requests failed`);
    return ops / ((performance.now() - t0) / 1000);
  };
  const getPerSec = await run(OpCode.getData, { path, watch: false });
  const setPerSec = await run(OpCode.setData, { path, data: Buffer.alloc(100, 1), version: -1 });
  s.destroy();
  return { handshakes, handshakeMedianMs: pct(times, 0.5), handshakeP90Ms: pct(times, 0.9), ops, window, getPerSec, setPerSec };
}
