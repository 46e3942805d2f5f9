/**
 * The quorum SASL exchange (QuorumAuthPacket, DIGEST-MD5 "zookeeper-quorum"/"zk-quorum-sasl-md5") between a
 * learner and a server side over real sockets on 127.0.0.1: the wire bytes, success with the following protocol
 * bytes intact, a wrong password and an unknown user (refused on both sides), a peer that does not authenticate
 * (let through unless required), garbage instead of an auth packet, learnerRequireSasl=false, and the learner
 * connections' sockets wrapping (authentication before the first quorum packet).
 */
import * as net from "node:net";
import { dialPlain } from "@zkts/tls";
import { afterEach, describe, expect, it } from "vitest";
import { encodeQuorumAuthPacket, QUORUM_AUTH_MAGIC, QuorumSasl, type QuorumSaslConfig } from "./quorum-sasl.js";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const cfg = (o: Partial<QuorumSaslConfig> = {}): QuorumSaslConfig => ({
  learnerRequire: true,
  serverRequire: true,
  users: new Map([["zk", "secret"]]),
  username: "zk",
  password: "secret",
  source: "test",
  ...o,
});

function sasl(o: Partial<QuorumSaslConfig> = {}): { s: QuorumSasl; failures: string[] } {
  const failures: string[] = [];
  return { s: new QuorumSasl(cfg(o), { failed: (side, _r, why) => failures.push(`${side}: ${why}`) }, 3000), failures };
}

/** A connected socket pair on 127.0.0.1. */
async function pair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  const accepted = new Promise<net.Socket>((r) => server.once("connection", r));
  const dialled = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  await new Promise((r) => dialled.once("connect", r));
  const a = await accepted;
  for (const s of [dialled, a]) {
    s.on("error", () => {});
    cleanup.push(() => s.destroy());
  }
  return [dialled, a];
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    (v) => (Buffer.isBuffer(v) ? `ok ${v.toString()}` : "ok"),
    (e: unknown) => `fail ${(e as Error).message}`,
  );

describe("quorum SASL exchange", () => {
  it("QuorumAuthPacket: Java's magic (the negation of the negative literal -0xa0dbcafecafe1234L), status, token", () => {
    expect(QUORUM_AUTH_MAGIC).toBe(0x5f2435013501edccn);
    expect(encodeQuorumAuthPacket(0, Buffer.alloc(0)).toString("hex")).toBe("5f2435013501edcc" + "00000000" + "00000000");
    expect(encodeQuorumAuthPacket(-1, null).toString("hex")).toBe("5f2435013501edcc" + "ffffffff" + "ffffffff");
  });

  it("a good login; the peer's next bytes (sent right behind) reach the protocol intact", async () => {
    const [d, a] = await pair();
    const learner = sasl();
    const server = sasl();
    const l = learner.s.learner(d, "leader").then(() => d.write("after-auth"));
    const got = await outcome(server.s.server(a, "learner"));
    await l;
    // the learner wrote right after the exchange: whatever of it was read during the exchange is handed back
    const rest = got.slice(3);
    const more = await new Promise<string>((r) => {
      let text = rest;
      if (text === "after-auth") return r(text);
      a.on("data", (c: Buffer) => {
        text += c.toString();
        if (text.length >= "after-auth".length) r(text);
      });
      a.resume();
    });
    expect(more).toBe("after-auth");
    expect([learner.failures, server.failures]).toEqual([[], []]);
  });

  for (const [what, user, password] of [["a wrong password", "zk", "nope"], ["an unknown user", "mallory", "secret"]] as const) {
    it(`${what}: refused on both sides, counted`, async () => {
      const [d, a] = await pair();
      const learner = sasl({ username: user, password });
      const server = sasl();
      const [l, s] = await Promise.all([outcome(learner.s.learner(d, "leader")), outcome(server.s.server(a, "learner"))]);
      expect(l).toMatch(/^fail Authentication failed/);
      expect(s).toMatch(/^fail DIGEST-MD5/);
      expect([learner.s.failures, server.s.failures]).toEqual([1, 1]);
    });
  }

  it("a peer that does not authenticate: let through (its bytes intact) unless the server requires SASL", async () => {
    const [d, a] = await pair();
    d.write("not-an-auth-packet");
    expect(await outcome(sasl({ serverRequire: false }).s.server(a, "learner"))).toBe("ok not-an-auth-packet");
    const [d2, a2] = await pair();
    d2.write("not-an-auth-packet");
    expect(await outcome(sasl().s.server(a2, "learner"))).toBe("fail Learner not trying to authenticate and authentication is required");
  });

  it("a failed login is let through when not required (ZooKeeper keeps the connection)", async () => {
    const [d, a] = await pair();
    const server = sasl({ serverRequire: false });
    const [l, s] = await Promise.all([outcome(sasl({ password: "nope" }).s.learner(d, "leader")), outcome(server.s.server(a, "learner"))]);
    expect(l).toMatch(/^fail/);
    expect(s).toBe("ok ");
    expect(server.s.failures).toBe(1);
  });

  it("garbage after the magic and a silent peer fail in bounded time, never throw out of the exchange", async () => {
    const [d, a] = await pair();
    const garbage = encodeQuorumAuthPacket(0, Buffer.from([0xff, 0x00, 0x3d, 0x22]));
    d.write(Buffer.concat([garbage.subarray(0, 12), Buffer.from([0x7f, 0xff, 0xff, 0xff])])); // a 2 GB token length
    expect(await outcome(sasl().s.server(a, "learner"))).toMatch(/^fail quorum authentication token of/);
    const [, a2] = await pair();
    expect(await outcome(sasl().s.server(a2, "learner"))).toMatch(/^fail authentication not finished in 3000 ms/);
  });

  it("learnerRequireSasl=false: the learner sends nothing", async () => {
    const [d, a] = await pair();
    await sasl({ learnerRequire: false }).s.learner(d, "leader");
    d.write("plain-bytes");
    expect(await outcome(sasl({ serverRequire: false }).s.server(a, "learner"))).toBe("ok plain-bytes");
  });

  it("learner connection sockets: dial and accept authenticate before the first protocol byte", async () => {
    const learnerSide = sasl();
    const serverSide = sasl();
    const sockets = serverSide.s.learnerSockets(undefined, dialPlain);
    const received: string[] = [];
    const server = net.createServer((raw) =>
      sockets.accept(raw, (sock) => {
        if (sock === undefined) return void received.push("refused");
        sock.on("data", (c: Buffer) => received.push(c.toString()));
      }),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    const sock = await learnerSide.s.learnerSockets(undefined, dialPlain).dial("127.0.0.1", port, 3000);
    cleanup.push(() => sock.destroy());
    sock.write("FOLLOWERINFO");
    const deadline = Date.now() + 3000;
    while (received.join("") !== "FOLLOWERINFO" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(received.join("")).toBe("FOLLOWERINFO");
    const wrong = sasl({ password: "nope" }).s.learnerSockets(undefined, dialPlain);
    await expect(wrong.dial("127.0.0.1", port, 3000)).rejects.toThrow(/Authentication failed/);
    while (!received.includes("refused") && Date.now() < deadline + 3000) await new Promise((r) => setTimeout(r, 20));
    expect(received).toContain("refused");
  });
});
