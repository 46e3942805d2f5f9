import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { encodeInitialMessage } from "../handshake.js";
import { NodeCnxManager } from "./cnx-manager.js";
import { ServerState } from "../notification.js";
import { QuorumMaj } from "../quorum.js";
import { ElectionPeer } from "./election-peer.js";

const open: ElectionPeer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

/** Three peers on 127.0.0.1 with ports picked by the OS. */
async function cluster(n: number, zxids: bigint[] = []) {
  const cfg: Record<string, string> = {};
  for (let i = 1; i <= n; i++) cfg[`server.${i}`] = `127.0.0.1:0:0`;
  const quorum = new QuorumMaj(cfg);
  const peers = Array.from(
    { length: n },
    (_, i) => new ElectionPeer({ sid: BigInt(i + 1), quorum, electionAddr: { host: "127.0.0.1", port: 0 } }),
  );
  open.push(...peers);
  const addrs = await Promise.all(peers.map((p) => p.listen()));
  for (const p of peers) addrs.forEach((a, i) => BigInt(i + 1) !== p.fle.sid && p.cnx.peers.set(BigInt(i + 1), a));
  return { peers, start: (i: number) => peers[i]!.lookForLeader({ zxid: zxids[i] ?? 0n, peerEpoch: 0n }) };
}

describe("ElectionPeer over node:net", () => {
  it("3 servers on 127.0.0.1 elect the highest sid; one connection per pair survives", async () => {
    const { peers, start } = await cluster(3);
    for (let i = 0; i < 3; i++) start(i);
    const ds = await Promise.all(peers.map((p) => p.waitForDecision()));
    expect(ds.map((d) => d.vote.leader)).toEqual([3n, 3n, 3n]);
    expect(ds.map((d) => d.state)).toEqual([ServerState.FOLLOWING, ServerState.FOLLOWING, ServerState.LEADING]);
    // Each pair ends with exactly one live connection, used by both sides.
    await new Promise((r) => setTimeout(r, 50));
    for (const p of peers) {
      for (const q of peers) if (p !== q) expect(p.cnx.rules.isConnected(q.fle.sid), `${p.fle.sid}->${q.fle.sid}`).toBe(true);
    }
  });

  it("the highest zxid wins, and a late server joins the established leader", async () => {
    const { peers, start } = await cluster(3, [5n, 9n, 1n]);
    start(0);
    start(1);
    const [a, b] = await Promise.all([peers[0]!.waitForDecision(), peers[1]!.waitForDecision()]);
    expect([a.vote.leader, b.vote.leader]).toEqual([2n, 2n]);
    start(2);
    const c = await peers[2]!.waitForDecision();
    // Its listener was up, so it may also have counted the others' queued round-1 votes ("quorum").
    expect(c.state).toBe(ServerState.FOLLOWING);
    expect(c.vote.leader).toBe(2n);
  });

  it("re-elects after the leader goes away", async () => {
    const { peers, start } = await cluster(3);
    for (let i = 0; i < 3; i++) start(i);
    await Promise.all(peers.map((p) => p.waitForDecision()));
    await peers[2]!.close();
    peers[0]!.lookForLeader({ zxid: 0n, peerEpoch: 0n });
    peers[1]!.lookForLeader({ zxid: 0n, peerEpoch: 0n });
    const ds = await Promise.all([peers[0]!.waitForDecision(), peers[1]!.waitForDecision()]);
    expect(ds.map((d) => [d.state, d.vote.leader])).toEqual([
      [ServerState.FOLLOWING, 2n],
      [ServerState.LEADING, 2n],
    ]);
    expect(ds[0]!.vote.electionEpoch).toBe(2n);
  });
});

describe("NodeCnxManager hygiene", () => {
  async function closedBy(bytes: Buffer, opts: { handshakeTimeoutMs?: number } = {}) {
    const m = new NodeCnxManager({ mySid: 5n, electionAddr: { host: "127.0.0.1", port: 0 }, ...opts });
    const addr = await m.listen();
    try {
      const sock = net.connect(addr.port, "127.0.0.1");
      sock.resume(); // unread bytes would hold back 'close'
      await new Promise((r) => sock.once("connect", r));
      sock.write(bytes);
      const closedAt = Date.now();
      await new Promise((r) => sock.once("close", r));
      return Date.now() - closedAt;
    } finally {
      await m.close();
    }
  }

  it("closes a connection with an unknown protocol version or an oversized packet", async () => {
    await closedBy(Buffer.from("fffffffffffe0000", "hex"));
    const big = Buffer.alloc(4);
    big.writeInt32BE(512 * 1024 + 1);
    await closedBy(Buffer.concat([encodeInitialMessage(9n, { host: "127.0.0.1", port: 1 }), big]));
  });

  it("closes a connection that never finishes its handshake", async () => {
    const ms = await closedBy(Buffer.from("ffffffff", "hex"), { handshakeTimeoutMs: 100 });
    expect(ms).toBeGreaterThanOrEqual(50);
  });
});
