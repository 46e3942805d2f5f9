import net from "node:net";
import { MetricsRegistry } from "@zkts/metrics";
import { afterEach, describe, expect, it } from "vitest";
import { NioServer, startServer, type RunningServer, type StartServerOptions } from "./server.js";
import { FakeCore, RawClient, sleep, waitFor } from "./testing/harness.js";
import type { Logger, ServerConnection } from "./types.js";

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

function memLogger(): Logger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (msg: string) => void lines.push({ level, msg });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

async function start(core: FakeCore, opts: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  const s = await startServer({ host: "127.0.0.1", port: 0, core, ...opts });
  running.push(s);
  return s;
}

/** Starts a NioServer directly, for tests that inspect connections. */
async function startRaw(core: FakeCore, opts: Partial<StartServerOptions> = {}): Promise<NioServer & { port: number }> {
  const srv = new NioServer(core, { port: 0, ...opts, core });
  await new Promise<void>((r) => srv.server.listen({ host: "127.0.0.1", port: 0 }, () => r()));
  running.push(srv);
  return Object.assign(srv, { port: (srv.server.address() as { port: number }).port });
}

function framed(payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeInt32BE(payload.length);
  return Buffer.concat([h, payload]);
}

describe("framing", () => {
  it("reassembles frames split across chunks and splits coalesced frames", async () => {
    const core = new FakeCore();
    const s = await start(core);
    const c = await RawClient.connect(s.port);
    const connect = Buffer.from("connect-request-bytes");
    const wire = Buffer.concat([framed(connect), framed(Buffer.from("p1")), framed(Buffer.alloc(0)), framed(Buffer.from("p3"))]);
    // one byte at a time for the first frame, the rest in one chunk
    const firstLen = 4 + connect.length;
    for (let i = 0; i < firstLen; i++) {
      c.socket.write(wire.subarray(i, i + 1));
      await sleep(1);
    }
    c.socket.write(wire.subarray(firstLen));
    await c.until(() => c.frames.length === 4);
    expect(core.connects.map((x) => x.payload.toString())).toEqual(["connect-request-bytes"]);
    expect(core.packets.map((x) => x.payload.toString())).toEqual(["p1", "", "p3"]);
    expect(c.frames.map((f) => f.toString())).toEqual(["connect-request-bytes", "p1", "", "p3"]);
    expect(s.stats.packetsReceived).toBe(4);
    expect(s.stats.packetsSent).toBe(4);
    expect(s.stats.bytesReceived).toBe(wire.length);
    c.socket.end();
    await c.closed;
    await waitFor(() => core.closed.length === 1);
    expect(core.closed[0]).toBe(core.connects[0]!.conn);
  });

  it("batches the responses of one tick into a single write", async () => {
    const core = new FakeCore();
    core.onPacket = (conn) => {
      for (let i = 0; i < 50; i++) conn.send(Buffer.from([i]));
    };
    const s = await start(core);
    const c = await RawClient.connect(s.port);
    c.sendFrame(Buffer.from("hello"));
    c.sendFrame(Buffer.from("go"));
    await c.until(() => c.frames.length === 51);
    expect(c.frames.slice(1).map((f) => f[0])).toEqual([...Array(50).keys()]);
  });

  it("sendFramedCopy copies the frame at once, keeps the order with send and sendFramed, across full chunks and batches", async () => {
    const core = new FakeCore();
    const scratch = Buffer.alloc(3000);
    // one reused buffer, as core writes its replies: overwritten after each call
    const copy = (conn: { sendFramedCopy?(f: Buffer): void }, payload: Buffer) => {
      scratch.writeInt32BE(payload.length, 0);
      payload.copy(scratch, 4);
      conn.sendFramedCopy!(scratch.subarray(0, 4 + payload.length));
      scratch.fill(0xee);
    };
    const expected: string[] = [];
    let batch = 0;
    core.onPacket = (conn) => {
      batch++;
      for (let i = 0; i < 40; i++) {
        // sizes that fill the first chunks (1 KB, then 2 KB...) part-way and one frame bigger than a chunk
        const p = Buffer.alloc(i === 17 ? 2500 : 1 + ((i * 37) % 300), 97 + (i % 26));
        p.write(`${batch}:${i}`);
        expected.push(p.toString());
        if (i % 10 === 3) conn.send(Buffer.from(p));
        else if (i % 10 === 7) conn.sendFramed!(framed(p));
        else copy(conn, p);
      }
    };
    const s = await start(core);
    const c = await RawClient.connect(s.port);
    c.sendFrame(Buffer.from("hello"));
    c.sendFrame(Buffer.from("one"));
    await c.until(() => c.frames.length === 41);
    c.sendFrame(Buffer.from("two"));
    await c.until(() => c.frames.length === 81);
    expect(c.frames.slice(1).map((f) => f.toString())).toEqual(expected);
  });

  it("a frame over jute.maxbuffer closes only that connection", async () => {
    const core = new FakeCore();
    const log = memLogger();
    const s = await start(core, { maxBuffer: 1024, logger: log });
    const good = await RawClient.connect(s.port);
    const bad = await RawClient.connect(s.port);
    good.sendFrame(Buffer.from("c"));
    bad.sendFrame(Buffer.from("c"));
    await good.until(() => good.frames.length === 1);
    await bad.until(() => bad.frames.length === 1);
    const h = Buffer.alloc(4);
    h.writeInt32BE(1025);
    bad.socket.write(h);
    await bad.closed;
    expect(s.stats.badLength).toBe(1);
    expect(s.stats.largeRequestsRejected).toBe(1);
    expect(log.lines.some((l) => l.level === "warn" && l.msg.includes("bad packet length"))).toBe(true);
    // exactly maxBuffer is fine on the other connection
    good.sendFrame(Buffer.alloc(1024, 7));
    await good.until(() => good.frames.length === 2);
    expect(good.frames[1]!.length).toBe(1024);
    expect(good.isClosed).toBe(false);
  });

  it("a negative length closes the connection", async () => {
    const core = new FakeCore();
    const s = await start(core);
    const c = await RawClient.connect(s.port);
    c.sendFrame(Buffer.from("c"));
    await c.until(() => c.frames.length === 1);
    c.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
    await c.closed;
    expect(s.stats.badLength).toBe(1);
    await waitFor(() => core.closed.length === 1);
  });

  it("a negative length as the very first bytes closes the connection before core sees it", async () => {
    const core = new FakeCore();
    const s = await start(core);
    const c = await RawClient.connect(s.port);
    c.socket.write(Buffer.from([0xff, 0xf4, 0xff, 0xfd])); // telnet close sequence
    await c.closed;
    expect(core.connects.length).toBe(0);
    expect(s.stats.badLength).toBe(1);
  });

  it("a packet core rejects by throwing closes that connection and is counted", async () => {
    const core = new FakeCore();
    core.onPacket = () => {
      throw Object.assign(new Error("cannot decode"), { code: -5 });
    };
    const s = await start(core);
    const c = await RawClient.connect(s.port);
    c.sendFrame(Buffer.from("c"));
    c.sendFrame(Buffer.from("garbage"));
    await c.closed;
    expect(s.stats.decodeFailures).toBe(1);
    expect(c.frames.map((f) => f.toString())).toEqual(["c"]);
  });
});

describe("limits", () => {
  it("maxClientCnxns refuses connections over the per-IP limit", async () => {
    const core = new FakeCore();
    const log = memLogger();
    const s = await start(core, { maxClientCnxns: 2, logger: log });
    const a = await RawClient.connect(s.port);
    const b = await RawClient.connect(s.port);
    const c = await RawClient.connect(s.port);
    await c.closed;
    expect(s.stats.connectionRejected).toBe(1);
    expect(log.lines.some((l) => l.msg === "Too many connections from /127.0.0.1 - max is 2")).toBe(true);
    a.sendFrame(Buffer.from("x"));
    await a.until(() => a.frames.length === 1);
    a.socket.destroy();
    await waitFor(() => s.connectionCount() === 1);
    const d = await RawClient.connect(s.port);
    d.sendFrame(Buffer.from("y"));
    await d.until(() => d.frames.length === 1);
    expect(b.isClosed).toBe(false);
  });

  it("maxClientCnxns 0 means unlimited", async () => {
    const core = new FakeCore();
    const s = await start(core, { maxClientCnxns: 0 });
    const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(s.port)));
    await waitFor(() => s.connectionCount() === 8);
    expect(clients.every((c) => !c.isClosed)).toBe(true);
  });

  it("closes a client that never sends a connect request", async () => {
    const core = new FakeCore();
    const s = await start(core, { connectTimeoutMs: 100 });
    const silent = await RawClient.connect(s.port);
    const partial = await RawClient.connect(s.port);
    partial.socket.write(Buffer.from([0, 0]));
    const ok = await RawClient.connect(s.port);
    ok.sendFrame(Buffer.from("c"));
    await silent.closed;
    await partial.closed;
    expect(s.stats.connectTimeouts).toBe(2);
    await sleep(150);
    expect(ok.isClosed).toBe(false);
    expect(core.closed.length).toBe(0);
  });

  it("a client that never reads: reading pauses, output is bounded, then it is closed", async () => {
    const core = new FakeCore();
    const chunk = Buffer.alloc(256 * 1024, 1);
    core.onPacket = (conn) => conn.send(chunk);
    const limit = 4 * 1024 * 1024;
    const srv = await startRaw(core, { maxQueuedBytesPerConnection: limit });
    const slow = await RawClient.connect(srv.port);
    const fine = await RawClient.connect(srv.port);
    slow.socket.pause(); // never reads
    slow.sendFrame(Buffer.from("c"));
    await waitFor(() => core.connects.length === 1);
    const conn = [...srv.connections].find((c) => c.id === core.connects[0]!.conn.id)!;
    // keep sending requests until the server stops reading this socket
    let sent = 0;
    while (!conn.readPaused) {
      slow.sendFrame(Buffer.from("req"));
      sent++;
      if (sent > 2000) throw new Error(`server never applied back-pressure: ${conn.queuedBytes} ${core.packets.length} ${srv.stats.bytesSent} ${slow.raw.length} ${conn.socket.writableLength}`);
      await sleep(2);
    }
    const handled = core.packets.length;
    const queued = conn.queuedBytes;
    for (let i = 0; i < 20; i++) slow.sendFrame(Buffer.from("req"));
    await sleep(100);
    // paused: requests are no longer taken in, so the output does not grow
    expect(conn.state).toBe("open");
    expect(core.packets.length).toBe(handled);
    expect(conn.queuedBytes).toBe(queued);
    // the rest of the server keeps serving
    fine.sendFrame(Buffer.from("c"));
    await fine.until(() => fine.frames.length === 1);
    // server-initiated output (e.g. notifications) past the bound closes the connection
    for (let i = 0; i < 40 && conn.state === "open"; i++) conn.send(chunk);
    await waitFor(() => conn.state === "closed");
    slow.socket.resume(); // so the client notices
    await slow.closed;
    expect(srv.stats.slowConsumersClosed).toBe(1);
    fine.sendFrame(Buffer.from("again"));
    await fine.until(() => fine.frames.length === 2);
  });

  it("a burst of pipelined requests in one chunk is answered only as fast as the client reads", async () => {
    const core = new FakeCore();
    const big = 64 * 1024;
    core.onPacket = (conn, p) => {
      const r = Buffer.alloc(big, 3);
      p.copy(r, 0, 0, 4); // echo the request's number
      conn.send(r);
    };
    const srv = await startRaw(core);
    const c = await RawClient.connect(srv.port);
    c.socket.pause(); // not reading, for now
    const n = 1000;
    const burst: Buffer[] = [framed(Buffer.from("c"))];
    for (let i = 0; i < n; i++) {
      const p = Buffer.alloc(4);
      p.writeInt32BE(i);
      burst.push(framed(p));
    }
    c.socket.write(Buffer.concat(burst)); // ~8 KB: one read chunk for the server, 64 MB of answers
    await waitFor(() => core.connects.length === 1);
    const conn = [...srv.connections][0]!;
    await waitFor(() => conn.readPaused);
    await sleep(100);
    // the server stopped handing requests to core once the output backed up: memory stays bounded
    expect(core.packets.length).toBeLessThan(n / 4);
    expect(conn.queuedBytes).toBeLessThan(8 * 1024 * 1024);
    expect(conn.state).toBe("open");
    // once the client reads, every request is answered, in order
    c.socket.resume();
    await c.until(() => c.frames.length === n + 1, 20000);
    expect(c.frames.slice(1).map((f) => f.readInt32BE(0))).toEqual([...Array(n).keys()]);
    expect(core.packets.length).toBe(n);
    expect(srv.stats.slowConsumersClosed).toBe(0);
  });

  it("a slow reader that catches up is resumed after 'drain' and gets every response", async () => {
    const core = new FakeCore();
    const chunk = Buffer.alloc(256 * 1024, 2);
    core.onPacket = (conn) => conn.send(chunk);
    const srv = await startRaw(core);
    const c = await RawClient.connect(srv.port);
    c.socket.pause();
    c.sendFrame(Buffer.from("c"));
    await waitFor(() => core.connects.length === 1);
    const conn = [...srv.connections][0]!;
    let sent = 0;
    while (!conn.readPaused) {
      c.sendFrame(Buffer.from("req"));
      sent++;
      if (sent > 2000) throw new Error("server never applied back-pressure");
      await sleep(2);
    }
    for (let i = 0; i < 10; i++) c.sendFrame(Buffer.from("more"));
    sent += 10;
    c.socket.resume();
    await c.until(() => c.frames.length === sent + 1, 20000);
    expect(conn.readPaused).toBe(false);
    expect(core.packets.length).toBe(sent);
    expect(srv.stats.slowConsumersClosed).toBe(0);
  });

  /** A request payload as core sees it: the RequestHeader's xid first, then `tag`. */
  const req = (xid: number, tag: string) => {
    const b = Buffer.alloc(4 + Buffer.byteLength(tag));
    b.writeInt32BE(xid, 0);
    b.write(tag, 4);
    return b;
  };
  const tagOf = (p: Buffer) => p.subarray(4).toString();
  /** A core that keeps every request outstanding until the test answers it (a reply carrying the request's xid). */
  function holdingCore() {
    const core = new FakeCore();
    const held: { conn: ServerConnection; payload: Buffer }[] = [];
    core.onPacket = (conn, payload) => {
      if (payload.readInt32BE(0) > 0) {
        core.outstanding++;
        held.push({ conn, payload });
      }
    };
    const answer = (tag: string) => {
      const i = held.findIndex((h) => tagOf(h.payload) === tag);
      const [h] = held.splice(i, 1);
      core.outstanding--;
      h!.conn.send(Buffer.from(h!.payload.subarray(0, 4)));
      if (core.outstanding === 0) core.onOutstandingDrained?.();
    };
    return { core, answer };
  }

  it("over globalOutstandingLimit, a connection's request is admitted and then the connection stops reading until its own requests are answered (ZooKeeper's shouldThrottle)", async () => {
    const { core, answer } = holdingCore();
    const s = await startRaw(core, { globalOutstandingLimit: 2 });
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(s.port)));
    for (const c of clients) c.sendFrame(Buffer.from("c"));
    await waitFor(() => core.connects.length === 3 && s.connections.size === 3);
    const conn = (c: RawClient) => [...s.connections].find((x) => x.remotePort === c.socket.localPort)!;
    const [a, b, idle] = clients as [RawClient, RawClient, RawClient];
    // three requests bring core to 3 > 2; the fourth is admitted (core had 3 before it) and a stops reading
    for (let i = 1; i <= 4; i++) a.sendFrame(req(i, `a${i}`));
    await waitFor(() => core.packets.length === 4);
    expect(s.isThrottled).toBe(true);
    expect(s.stats.throttleEvents).toBe(1);
    await waitFor(() => conn(a).readPaused);
    a.sendFrame(req(5, "a5"));
    // a bystander's request is admitted too (never held behind a's), then b stops reading; idle stays as it is
    b.sendFrame(req(1, "b1"));
    await waitFor(() => core.packets.length === 5);
    await sleep(50);
    expect(core.packets.map((p) => tagOf(p.payload))).toEqual(["a1", "a2", "a3", "a4", "b1"]);
    expect([conn(a).readPaused, conn(b).readPaused, conn(idle).readPaused]).toEqual([true, true, false]);
    // b's reply: b has nothing outstanding, so it reads again although core is still over the limit
    answer("b1");
    await waitFor(() => !conn(b).readPaused);
    expect(conn(a).readPaused).toBe(true);
    // a reads again once core is no longer over the limit: a5 comes in after a1 and a2 are answered
    answer("a1");
    await sleep(20);
    expect(core.packets.length).toBe(5);
    answer("a2");
    await waitFor(() => core.packets.length === 6);
    expect(tagOf(core.packets[5]!.payload)).toBe("a5");
    await waitFor(() => !conn(a).readPaused);
    for (const h of ["a3", "a4", "a5"]) answer(h);
    await waitFor(() => !s.isThrottled);
    await a.until(() => a.frames.length === 6);
    expect(a.frames.slice(1).map((f) => f.readInt32BE(0))).toEqual([1, 2, 3, 4, 5]);
    for (const c of clients) c.socket.destroy();
  });

  it("a ping (xid -2) is never held by the throttle and does not stop its connection reading", async () => {
    const { core } = holdingCore();
    const s = await startRaw(core, { globalOutstandingLimit: 1 });
    const [a, p] = await Promise.all([0, 1].map(() => RawClient.connect(s.port))) as [RawClient, RawClient];
    a.sendFrame(Buffer.from("c"));
    p.sendFrame(Buffer.from("c"));
    await waitFor(() => core.connects.length === 2 && s.connections.size === 2);
    const pc = [...s.connections].find((x) => x.remotePort === p.socket.localPort)!;
    for (let i = 1; i <= 3; i++) a.sendFrame(req(i, `a${i}`));
    await waitFor(() => core.packets.length === 3);
    expect(s.isThrottled).toBe(true);
    for (let i = 0; i < 3; i++) p.sendFrame(req(-2, `ping${i}`));
    await waitFor(() => core.packets.length === 6);
    expect(pc.readPaused).toBe(false);
    for (const c of [a, p]) c.socket.destroy();
  });

  it("N connections sending at once while throttled: each request is admitted once, none is re-held (no O(N^2) work)", async () => {
    const { core, answer } = holdingCore();
    const s = await startRaw(core, { globalOutstandingLimit: 1 });
    const n = 20;
    const clients: RawClient[] = [];
    for (let i = 0; i < n; i++) clients.push(await RawClient.connect(s.port));
    for (const c of clients) c.sendFrame(Buffer.from("c"));
    await waitFor(() => core.connects.length === n && s.connections.size === n);
    clients[0]!.sendFrame(req(1, "x1"));
    clients[0]!.sendFrame(req(2, "x2"));
    await waitFor(() => core.packets.length === 2);
    expect(s.isThrottled).toBe(true);
    // each of the others sends two requests: the first is admitted, the second waits for the first's reply
    for (let i = 1; i < n; i++) {
      clients[i]!.sendFrame(req(1, `f${i}`));
      clients[i]!.sendFrame(req(2, `g${i}`));
    }
    await waitFor(() => core.packets.length === n + 1);
    await sleep(50);
    expect(core.packets.slice(2).map((p) => tagOf(p.payload)).sort()).toEqual(Array.from({ length: n - 1 }, (_, i) => `f${i + 1}`).sort());
    // answering f_i lets g_i in (that connection has nothing outstanding), whatever the others do
    answer("f7");
    await waitFor(() => core.packets.length === n + 2);
    expect(tagOf(core.packets[n + 1]!.payload)).toBe("g7");
    for (const c of clients) c.socket.destroy();
  });

  it("frames read in one turn go to core for at most turnBudgetMs; the rest wait for later turns, each connection's in order", async () => {
    const core = new FakeCore();
    // the event loop's turns, counted in the check phase (setImmediate runs once per turn)
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: Array<{ turn: number; tag: string }> = [];
    core.onPacket = (_conn, payload) => {
      seen.push({ turn, tag: payload.toString() });
      const until = performance.now() + 3;
      while (performance.now() < until); // 3 ms of work per request
    };
    const s = await startRaw(core, { turnBudgetMs: 10 });
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(s.port)));
    for (const c of clients) c.sendFrame(Buffer.from("c"));
    await waitFor(() => core.connects.length === 3 && s.connections.size === 3);
    // ten pipelined requests per connection, each connection's in one write
    clients.forEach((c, i) => c.socket.write(Buffer.concat(Array.from({ length: 10 }, (_, j) => framed(Buffer.from(`${i}-${j}`))))));
    await waitFor(() => seen.length === 30, 20000);
    ticking = false;
    const perTurn = new Map<number, number>();
    for (const x of seen) perTurn.set(x.turn, (perTurn.get(x.turn) ?? 0) + 1);
    // a turn takes frames until 10 ms have gone: at 3 ms each, at most 4
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(4);
    for (let i = 0; i < 3; i++) {
      expect(seen.filter((x) => x.tag.startsWith(`${i}-`)).map((x) => x.tag)).toEqual(Array.from({ length: 10 }, (_, j) => `${i}-${j}`));
    }
    for (const c of clients) c.socket.destroy();
  });

  it("close() flushes and closes every connection and tells core", async () => {
    const core = new FakeCore();
    const s = await startServer({ host: "127.0.0.1", port: 0, core });
    const a = await RawClient.connect(s.port);
    a.sendFrame(Buffer.from("c"));
    await a.until(() => a.frames.length === 1);
    await s.stopAccepting();
    const b = await RawClient.connect(s.port).catch((e: Error) => e);
    expect(b).toBeInstanceOf(Error);
    a.sendFrame(Buffer.from("still served"));
    await a.until(() => a.frames.length === 2);
    await s.close();
    await a.closed;
    expect(core.closed.length).toBe(1);
  });
});

describe("ZooKeeperServer's gauges in the metrics registry", () => {
  it("registers them on start, reads them live, and removes them on close", async () => {
    const metrics = new MetricsRegistry();
    const core = new FakeCore();
    const s = await startServer({ host: "127.0.0.1", port: 0, core, metrics });
    const read = () => {
      const out: Record<string, unknown> = {};
      metrics.dump((k, v) => (out[k] = v));
      return out;
    };
    try {
      expect(read()).toMatchObject({ num_alive_connections: 0, znode_count: core.info.nodeCount, packets_received: core.info.packetsReceived });
      const c = await RawClient.connect(s.port);
      c.socket.write(framed(Buffer.from("connect")));
      await c.until(() => c.frames.length === 1);
      expect(read().num_alive_connections).toBe(1);
      c.socket.end();
      await c.closed;
    } finally {
      await s.close();
    }
    expect(metrics.has("znode_count")).toBe(false);
    expect(metrics.has("bytes_received_count")).toBe(true); // counters stay
  });
});

describe("reconfigure (NIOServerCnxnFactory.reconfigure)", () => {
  const refused = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve(false);
      });
      s.once("error", () => resolve(true));
    });

  it("listens at the new address, no longer at the old one; connections made before keep being served", async () => {
    const core = new FakeCore();
    const s = await start(core);
    const oldPort = s.port;
    const c = await RawClient.connect(oldPort);
    c.socket.write(framed(Buffer.from("hello")));
    await c.until(() => c.frames.length === 1);
    const free = net.createServer();
    const newPort = await new Promise<number>((r) => free.listen(0, "127.0.0.1", () => r((free.address() as net.AddressInfo).port)));
    await new Promise<void>((r) => free.close(() => r()));
    await s.reconfigure("127.0.0.1", newPort);
    expect(s.port).toBe(newPort);
    expect(await refused(oldPort)).toBe(true);
    const d = await RawClient.connect(newPort);
    d.socket.write(framed(Buffer.from("again")));
    await d.until(() => d.frames.length === 1);
    c.socket.write(framed(Buffer.from("still")));
    await c.until(() => c.frames.length === 2);
    expect(c.frames.map((f) => f.toString())).toEqual(["hello", "still"]);
    c.socket.end();
    d.socket.end();
    await Promise.all([c.closed, d.closed]);
  });

  it("a bind failure is logged and leaves no listener", async () => {
    const log = memLogger();
    const s = await start(new FakeCore(), { logger: log });
    const taken = net.createServer();
    const port = await new Promise<number>((r) => taken.listen(0, "127.0.0.1", () => r((taken.address() as net.AddressInfo).port)));
    try {
      const oldPort = s.port;
      await s.reconfigure("127.0.0.1", port);
      expect(log.lines.some((l) => l.level === "error" && /reconfiguring the client port/.test(l.msg))).toBe(true);
      expect(await refused(oldPort)).toBe(true);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });
});
