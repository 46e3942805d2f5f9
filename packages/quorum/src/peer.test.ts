/**
 * QuorumPeer in memory: three real peers (real election, ZAB, core, datatree, MemoryStorage) on one ManualClock,
 * their election and quorum messages delivered by timers. Shows the peer is pure (nothing here is a socket, a file
 * or a real timer) and the member's whole life works: election, serving, forwarding through a follower, leader
 * crash and a new epoch, restart from storage and catch-up.
 */
import { nullLogger } from "@zkts/contracts";
import { ManualClock, seededRandom } from "@zkts/contracts/testing";
import { TestClient } from "@zkts/core/testing";
import { parseQuorumConfig } from "@zkts/election";
import { MemoryStorage } from "@zkts/persistence/testing";
import { decodePacket, encodePacket, PacketType } from "@zkts/zab";
import { decodeConnectResponse } from "@zkts/client-wire";
import { describe, expect, it } from "vitest";
import { QuorumPeer } from "./peer.js";
import type { QuorumPeerFaults } from "./types.js";

const OP_CREATE = 1;
const OP_GET_DATA = 4;
const flush = () => new Promise<void>((r) => setImmediate(r));

class MiniCluster {
  readonly clock = new ManualClock();
  readonly storages = new Map<bigint, MemoryStorage>();
  readonly peers = new Map<bigint, QuorumPeer>();
  /** conn -> [owner sid, the other end's sid, the other end's conn] */
  private readonly conns = new Map<number, { owner: bigint; other: bigint; otherConn: number; open: boolean }>();
  private nextConn = 1;
  readonly quorum = parseQuorumConfig(
    [1, 2, 3].map((i) => [`server.${i}`, `127.0.0.1:${2000 + i}:${3000 + i}`] as [string, string]),
  );

  /**
   * Broadcast packets (PROPOSAL, ACK, COMMIT) a member in the broadcast phase sent without handing them to the
   * transport (quorumNet.flushAll) in the same step, as `sid: type`.
   */
  readonly unflushed: string[] = [];
  private readonly queued = new Map<bigint, number>();

  /** Configs each member reported committed (onConfigCommitted), as `sid: version hex`. */
  readonly committed: string[] = [];

  constructor(
    private readonly faults: QuorumPeerFaults = {},
    private readonly reconfigEnabled = false,
  ) {}

  private deliver(to: bigint, fn: (p: QuorumPeer) => void): void {
    this.clock.setTimer(1, () => {
      const p = this.peers.get(to);
      if (p !== undefined) fn(p);
    });
  }

  async open(sid: bigint): Promise<QuorumPeer> {
    const storage = this.storages.get(sid) ?? new MemoryStorage();
    this.storages.set(sid, storage);
    const peer = await QuorumPeer.open(
      {
        sid,
        quorum: this.quorum,
        tickTime: 100,
        initLimit: 10,
        syncLimit: 5,
        server: { tickTime: 100 },
        store: { dataDir: `/d${sid}`, dataLogDir: `/l${sid}`, forceSync: true, preAllocSize: 4096, snapCount: 50 },
        faults: this.faults,
        reconfigEnabled: this.reconfigEnabled,
      },
      {
        clock: this.clock,
        random: seededRandom(Number(sid)),
        logger: nullLogger,
        storage,
        onConfigCommitted: (qv) => this.committed.push(`${sid}: ${qv.version.toString(16)}`),
        electionNet: {
          send: (to, payload) => this.deliver(to, (p) => p.electionMessage(sid, Buffer.from(payload))),
          connectAll: () => {},
          haveDelivered: () => true,
        },
        quorumNet: {
          send: (conn, packet) => {
            const c = this.conns.get(conn);
            if (c === undefined || !c.open) return;
            const bytes = encodePacket(packet);
            this.deliver(c.other, (p) => this.conns.get(c.otherConn)?.open && p.quorumPacket(c.otherConn, decodePacket(bytes)));
            const me = this.peers.get(sid);
            const broadcast = me !== undefined && (me.zab.isActiveLeader || me.zab.isActiveLearner);
            // (not the ACK of UPTODATE, zxid counter 0: a reply of the sync, sent once the member is in broadcast)
            if (broadcast && (packet.zxid & 0xffffffffn) !== 0n && (packet.type === PacketType.PROPOSAL || packet.type === PacketType.ACK || packet.type === PacketType.COMMIT)) {
              this.queued.set(sid, (this.queued.get(sid) ?? 0) + 1);
              queueMicrotask(() => {
                if ((this.queued.get(sid) ?? 0) > 0) this.unflushed.push(`${sid}: ${packet.type}`);
                this.queued.set(sid, 0);
              });
            }
          },
          flushAll: () => this.queued.set(sid, 0),
          sendBytes: (conn, bytes) => {
            const c = this.conns.get(conn);
            if (c === undefined || !c.open) return;
            const copy = Buffer.from(bytes);
            this.deliver(c.other, (p) => this.conns.get(c.otherConn)?.open && p.quorumSnapshot(c.otherConn, copy));
          },
          close: (conn) => this.closeConn(conn),
          dial: (to) => {
            if (!this.peers.has(to)) return Promise.reject(new Error("refused"));
            const mine = this.nextConn++;
            const theirs = this.nextConn++;
            this.conns.set(mine, { owner: sid, other: to, otherConn: theirs, open: true });
            this.conns.set(theirs, { owner: to, other: sid, otherConn: mine, open: true });
            this.deliver(to, (p) => p.quorumAccepted(theirs));
            return Promise.resolve(mine);
          },
        },
      },
    );
    this.peers.set(sid, peer);
    peer.start();
    return peer;
  }

  private closeConn(conn: number): void {
    const c = this.conns.get(conn);
    if (c === undefined || !c.open) return;
    c.open = false;
    const o = this.conns.get(c.otherConn);
    if (o !== undefined && o.open) {
      o.open = false;
      this.deliver(c.other, (p) => p.quorumClosed(c.otherConn));
    }
  }

  /** Kill -9 with a power loss: unsynced bytes are lost (torn), connections reset. */
  async crash(sid: bigint): Promise<void> {
    const peer = this.peers.get(sid)!;
    this.peers.delete(sid);
    for (const [id, c] of this.conns) if (c.owner === sid) this.closeConn(id);
    void peer.shutdown().catch(() => {});
    this.storages.get(sid)!.crash({ torn: seededRandom(7) });
    await flush();
  }

  async run(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 5) {
      this.clock.advance(5);
      await flush();
    }
  }

  async until(what: string, cond: () => boolean, maxMs = 20_000): Promise<void> {
    for (let t = 0; t < maxMs; t += 5) {
      if (cond()) return;
      this.clock.advance(5);
      await flush();
    }
    throw new Error(`not within ${maxMs} simulated ms: ${what}`);
  }

  leaders(): QuorumPeer[] {
    return [...this.peers.values()].filter((p) => p.mode === "leader" && p.isServing);
  }

  allServing(): boolean {
    return [...this.peers.values()].every((p) => p.isServing) && this.leaders().length === 1;
  }
}

/** A session on a member: the ConnectResponse comes once the session txn commits (asynchronously here). */
async function connect(c: MiniCluster, peer: QuorumPeer): Promise<TestClient> {
  const client = new TestClient(peer.clientPort);
  await c.until("session created", () => client.conn.sent.length > 0);
  client.connectResponse = decodeConnectResponse(client.conn.sent[0]!);
  client.skip();
  expect(client.connectResponse.timeOut).toBeGreaterThan(0);
  return client;
}

/** Sends a create and runs the cluster until it is answered: its error code. */
async function create(c: MiniCluster, client: TestClient, path: string, data = ""): Promise<number> {
  const xid = client.send(OP_CREATE, { path, data: Buffer.from(data), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], flags: 0 });
  const replies: ReturnType<TestClient["replies"]> = [];
  await c.until(`create ${path} answered`, () => {
    replies.push(...client.replies());
    return replies.some((r) => r.header.xid === xid);
  });
  return replies.find((r) => r.header.xid === xid)!.header.err;
}

describe("QuorumPeer in memory (3 members, one ManualClock)", () => {
  it("elects one leader; a write through a follower is applied everywhere; a leader crash gives a new epoch; a restarted member catches up", async () => {
    const c = new MiniCluster();
    for (const sid of [1n, 2n, 3n]) await c.open(sid);
    await c.until("one leader, all serving", () => c.allServing());
    const leader = c.leaders()[0]!;
    const follower = [...c.peers.values()].find((p) => p !== leader)!;
    expect(follower.mode).toBe("follower");

    const client = await connect(c, follower);
    expect(await create(c, client, "/a", "one")).toBe(0);
    await c.until("applied on every member", () => [...c.peers.values()].every((p) => p.tree.getNode("/a") !== undefined));

    const oldLeader = leader.sid;
    const zxidBefore = leader.tree.lastProcessedZxid;
    await c.crash(oldLeader);
    await c.until("a new leader", () => c.leaders().length === 1 && c.leaders()[0]!.sid !== oldLeader && c.allServing());
    const newLeader = c.leaders()[0]!;
    expect(newLeader.zab.currentEpoch).toBeGreaterThan(zxidBefore >> 32n);
    const c2 = await connect(c, newLeader);
    expect(await create(c, c2, "/b")).toBe(0);

    // the crashed member restarts from what its storage kept and catches up
    const back = await c.open(oldLeader);
    await c.until("restarted member serves", () => back.isServing && back.mode === "follower");
    await c.until("digests agree", () => {
      const zx = [...c.peers.values()].map((p) => p.tree.lastProcessedZxid);
      return zx.every((z) => z === zx[0]);
    });
    const digests = [...c.peers.values()].map((p) => p.tree.digest());
    expect(new Set(digests.map(String)).size).toBe(1);
    expect(back.tree.getNode("/a")?.data?.toString()).toBe("one");
    expect(back.tree.getNode("/b")).toBeDefined();
    const g = await connect(c, back);
    const gx = g.send(OP_GET_DATA, { path: "/a", watch: false });
    await c.run(20);
    expect(g.replies().find((r) => r.header.xid === gx)?.header.err).toBe(0);
    for (const p of c.peers.values()) await p.shutdown();
  }, 60_000);
});

describe("QuorumPeer host loop: broadcast packets", () => {
  it("PROPOSALs, ACKs and COMMITs go to the transport in the step that sends them (flushAll), not a loop turn later", async () => {
    const c = new MiniCluster();
    for (const sid of [1n, 2n, 3n]) await c.open(sid);
    await c.until("one leader, all serving", () => c.allServing());
    const leader = c.leaders()[0]!;
    const follower = [...c.peers.values()].find((p) => p !== leader)!;
    const viaLeader = await connect(c, leader);
    const viaFollower = await connect(c, follower);
    for (let i = 0; i < 3; i++) {
      expect(await create(c, viaLeader, `/l${i}`)).toBe(0);
      expect(await create(c, viaFollower, `/f${i}`)).toBe(0);
    }
    await c.until("applied on every member", () => [...c.peers.values()].every((p) => p.tree.getNode("/f2") !== undefined));
    expect(c.unflushed).toEqual([]);
  });
});

describe("/zookeeper/config and config versions (QuorumPeer's quorum verifiers)", () => {
  const configOf = (p: QuorumPeer) => {
    const r = p.tree.getData("/zookeeper/config")!;
    return { text: r.data!.toString(), mzxid: r.stat.mzxid, version: r.stat.version };
  };
  const servers = "server.1=127.0.0.1:2001:3001:participant\nserver.2=127.0.0.1:2002:3002:participant\nserver.3=127.0.0.1:2003:3003:participant\n";

  it("reconfigEnabled=false: every member holds the static config with version 0 (mZxid 0, dataVersion -1); nothing is committed", async () => {
    const c = new MiniCluster();
    for (const sid of [1n, 2n, 3n]) await c.open(sid);
    await c.until("one leader, all serving", () => c.allServing());
    for (const p of c.peers.values()) expect(configOf(p)).toEqual({ text: `${servers}version=0`, mzxid: 0n, version: -1 });
    expect(c.committed).toEqual([]);
    for (const p of c.peers.values()) await p.shutdown();
  }, 60_000);

  it("reconfigEnabled=true: the first epoch's zxid becomes the version on every member, once; a member restarted from version 0 learns it", async () => {
    const c = new MiniCluster({}, true);
    for (const sid of [1n, 2n, 3n]) await c.open(sid);
    await c.until("one leader, all serving", () => c.allServing());
    const leader = c.leaders()[0]!;
    const epoch = leader.zab.currentEpoch;
    const v = epoch << 32n;
    for (const p of c.peers.values()) expect(configOf(p)).toEqual({ text: `${servers}version=${v.toString(16)}`, mzxid: v, version: -1 });
    expect([...c.committed].sort()).toEqual([1, 2, 3].map((s) => `${s}: ${v.toString(16)}`));

    // a new epoch keeps the version (it is no longer 0): nothing is committed again
    await c.crash(leader.sid);
    await c.until("a new leader", () => c.leaders().length === 1 && c.leaders()[0]!.sid !== leader.sid && c.allServing());
    expect(c.leaders()[0]!.zab.currentEpoch).toBeGreaterThan(epoch);
    for (const p of c.peers.values()) expect(configOf(p).text).toBe(`${servers}version=${v.toString(16)}`);
    expect(c.committed).toHaveLength(3);
    // the crashed member comes back with its static config (version 0) and adopts the ensemble's at UPTODATE
    const back = await c.open(leader.sid);
    await c.until("restarted member serves", () => back.isServing);
    expect(configOf(back)).toEqual({ text: `${servers}version=${v.toString(16)}`, mzxid: v, version: -1 });
    expect(c.committed).toHaveLength(4);
    expect(c.committed[3]).toBe(`${leader.sid}: ${v.toString(16)}`);
    for (const p of c.peers.values()) await p.shutdown();
  }, 60_000);
});
