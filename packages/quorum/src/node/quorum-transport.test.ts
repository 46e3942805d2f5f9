import net from "node:net";
import { OutputArchive, zeroStatPersisted } from "@zkts/jute";
import { serializeZkSnapStream } from "@zkts/persistence";
import { PacketType, writePacket, type Packet } from "@zkts/zab";
import { afterEach, describe, expect, it, vi } from "vitest";
import { QuorumTransport } from "./quorum-transport.js";

function packets(...ps: Packet[]): Buffer {
  const out = new OutputArchive(256);
  for (const p of ps) writePacket(out, p);
  return out.toBuffer();
}

const SNAP: Packet = { type: PacketType.SNAP, zxid: 0x100000005n, data: null };
const PING: Packet = { type: PacketType.PING, zxid: 7n, data: Buffer.from([1, 2]) };

interface Seen {
  events: string[];
  snapshots: Buffer[];
  errors: string[];
}

/** A transport dialled into a raw server that sends `chunks` (one write each, a turn apart). */
async function receive(chunks: Buffer[], until: (s: Seen) => boolean): Promise<Seen> {
  const seen: Seen = { events: [], snapshots: [], errors: [] };
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const check = () => until(seen) && done();
  const t = new QuorumTransport({
    accepted: () => {},
    packet: (_c, p) => (seen.events.push(`packet ${p.type}`), check()),
    snapshot: (_c, b) => (seen.events.push("snapshot"), seen.snapshots.push(b), check()),
    closed: () => (seen.events.push("closed"), check()),
    error: (_c, m) => (seen.events.push("error"), seen.errors.push(m), check()),
  });
  const server = net.createServer(async (s) => {
    s.resume();
    for (const c of chunks) {
      s.write(c);
      await new Promise((r) => setImmediate(r));
    }
  });
  cleanups.push(async () => {
    await t.shutdown();
    await new Promise<void>((r) => server.close(() => r()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  await t.dial("127.0.0.1", (server.address() as net.AddressInfo).port, 5000);
  await Promise.race([finished, new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out: ${seen.events.join(", ")}`)), 10_000))]);
  return seen;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const stream = serializeZkSnapStream({
  sessions: [{ id: 5n, timeout: 4000 }],
  acls: [{ ref: 1n, acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }] }],
  nodes: [
    { path: "", data: null, aclRef: 1n, stat: zeroStatPersisted() },
    { path: "/a", data: Buffer.alloc(5000, 3), aclRef: 1n, stat: zeroStatPersisted() },
  ],
});

describe("QuorumTransport: the snapshot stream after SNAP", () => {
  it("finds the end of ZooKeeper's stream across chunks and frames the packets after it", async () => {
    const whole = Buffer.concat([packets(SNAP), stream, packets(PING)]);
    // split inside the SNAP packet, the stream's fields, the signature and the PING after it
    const cuts = [10, 40, 41, 200, 3000, whole.length - 30, whole.length - 5];
    const chunks = cuts.map((c, i) => whole.subarray(i === 0 ? 0 : cuts[i - 1], c)).concat(whole.subarray(cuts.at(-1)));
    const seen = await receive(chunks, (s) => s.events.length >= 3);
    expect(seen.events).toEqual([`packet ${PacketType.SNAP}`, "snapshot", `packet ${PacketType.PING}`]);
    expect(seen.snapshots[0]!.equals(stream)).toBe(true);
  });

  it("closes the connection with a clear error on a damaged stream (a wrong signature)", async () => {
    const bad = Buffer.from(stream);
    bad.write("X", bad.length - 1);
    const seen = await receive([packets(SNAP), bad, packets(PING)], (s) => s.events.includes("closed"));
    expect(seen.events).toEqual([`packet ${PacketType.SNAP}`, "error", "closed"]);
    expect(seen.errors[0]).toMatch(/bad snapshot stream: .*missing signature/);
  });

  it("closes the connection on garbage where the stream should be (not waiting for a length it cannot have)", async () => {
    const seen = await receive([packets(SNAP), Buffer.from("GET / HTTP/1.1\r\n\r\n")], (s) => s.events.includes("closed"));
    expect(seen.events).toEqual([`packet ${PacketType.SNAP}`, "error", "closed"]);
    expect(seen.errors[0]).toMatch(/bad snapshot stream: .*bad session count/);
  });
});

describe("QuorumTransport: dialling a leader", () => {
  /** A port the OS just handed out, with nothing listening on it any more. */
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
  const transport = () => {
    const t = new QuorumTransport({ accepted: () => {}, packet: () => {}, snapshot: () => {}, closed: () => {}, error: () => {} });
    cleanups.push(() => t.shutdown());
    return t;
  };

  it("a refused dial is tried again until the leader listens (Learner.connectToLeader's retries)", async () => {
    const port = await closedPort();
    const t = transport(); // shut down (its connection closed) before the server is closed
    const server = net.createServer((s) => s.resume());
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const listenLater = setTimeout(() => server.listen(port, "127.0.0.1"), 250);
    const started = performance.now();
    const conn = await t.dial("127.0.0.1", port, 5000, 50);
    clearTimeout(listenLater);
    expect(conn).toBeGreaterThan(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("gives up with the refusal once the time is up", async () => {
    const port = await closedPort();
    const started = performance.now();
    await expect(transport().dial("127.0.0.1", port, 300, 50)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(200);
    expect(took).toBeLessThan(5000);
  });
});

describe("QuorumTransport: sends", () => {
  /** A transport with one connection dialled into a server that collects what it receives. */
  async function connected(): Promise<{ t: QuorumTransport; conn: number; received: () => number }> {
    let bytes = 0;
    const server = net.createServer((s) => s.on("data", (d: Buffer) => (bytes += d.length)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const t = new QuorumTransport({ accepted: () => {}, packet: () => {}, snapshot: () => {}, closed: () => {}, error: () => {} });
    cleanups.push(async () => {
      await t.shutdown();
      await new Promise<void>((r) => server.close(() => r()));
    });
    const conn = await t.dial("127.0.0.1", (server.address() as net.AddressInfo).port, 5000);
    return { t, conn, received: () => bytes };
  }

  it("gathers a round's sends into one socket write after the round; flushAll writes them at once", async () => {
    const { t, conn, received } = await connected();
    const write = vi.spyOn(net.Socket.prototype, "write");
    cleanups.push(async () => write.mockRestore());
    t.send(conn, PING);
    t.send(conn, PING);
    expect(write).not.toHaveBeenCalled();
    await new Promise((r) => setImmediate(r));
    expect(write).toHaveBeenCalledTimes(1); // both packets, one write, a turn later
    t.send(conn, PING);
    t.send(conn, PING);
    t.flushAll();
    expect(write).toHaveBeenCalledTimes(2); // now, not a turn later
    await new Promise((r) => setImmediate(r));
    expect(write).toHaveBeenCalledTimes(2); // nothing left for the deferred flush
    const all = packets(PING, PING, PING, PING).length;
    for (let i = 0; i < 200 && received() < all; i++) await new Promise((r) => setTimeout(r, 5));
    expect(received()).toBe(all);
  });
});
