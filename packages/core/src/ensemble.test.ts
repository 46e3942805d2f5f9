/**
 * The core's ensemble roles without any network: a leader core (its txnLog stands for ZAB's propose/commit) and
 * a learner core that forwards writes, sync and session create/close to it, as apps/server wires them.
 */
import { describe, expect, it } from "vitest";
import { decodeConnectResponse, ErrorCode, OpCode, Perms } from "@zkts/client-wire";
import type { TxnHeader } from "@zkts/jute";
import { DataTree } from "@zkts/datatree";
import { nullLogger } from "@zkts/contracts";
import { ManualClock, seededRandom } from "@zkts/contracts/testing";
import { ZooKeeperServer, type ForwardedRequest, type TxnListener } from "./server.js";
import { TestClient } from "./testing/harness.js";

const OPEN = [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }];
const create = (path: string, data = "", flags = 0) => ({ path, data: Buffer.from(data), acl: OPEN, flags });
const tick = () => new Promise<void>((r) => setImmediate(r));

function ensemble() {
  const clock = new ManualClock({ now: 1_700_000_000_000, monotonic: 0 });
  const proposals: Array<{ hdr: TxnHeader; txn: unknown; commit: () => void }> = [];
  let leaderListener: TxnListener | undefined;
  const forwarded: ForwardedRequest[] = [];
  const leaderTree = new DataTree({ extendedTypesEnabled: false });
  const learnerTree = new DataTree({ extendedTypesEnabled: false });
  const leader = new ZooKeeperServer(
    { tickTime: 2000, serverId: 1, serverState: "leader" },
    {
      clock,
      random: seededRandom(1),
      logger: nullLogger,
      tree: leaderTree,
      ensemble: { role: "leader" },
      txnLog: {
        // ZAB's propose; the commit reports the txn durable (committed) to the leader core
        logTxn: (hdr, txn) => void proposals.push({ hdr, txn, commit: () => leaderListener!.durable(hdr.zxid) }),
        setTxnListener: (l) => void (leaderListener = l),
      },
    },
  );
  const learner = new ZooKeeperServer(
    { tickTime: 2000, serverId: 2, serverState: "follower" },
    {
      clock,
      random: seededRandom(2),
      logger: nullLogger,
      tree: learnerTree,
      ensemble: { role: "learner", forward: (r) => forwarded.push(r) },
    },
  );
  leader.setLastProposedZxid(0x100000000n);
  leader.start();
  learner.start();
  /** Delivers forwarded requests to the leader, then commits every proposal everywhere (ZAB's job). */
  const pump = async () => {
    for (let i = 0; i < 10; i++) {
      for (const r of forwarded.splice(0)) leader.submitRemote(r);
      const ps = proposals.splice(0);
      for (const p of ps) {
        p.commit();
        learner.applyCommitted(p.hdr, p.txn);
      }
      await tick();
      if (forwarded.length === 0 && proposals.length === 0) return;
    }
  };
  return { clock, leader, learner, leaderTree, learnerTree, proposals, forwarded, pump };
}

describe("core ensemble roles", () => {
  it("a learner with `revalidate` answers a reattaching client once the leader's verdict comes (Learner.validateSession)", async () => {
    const e = ensemble();
    const first = new TestClient(e.learner);
    await e.pump();
    const { sessionId, passwd } = decodeConnectResponse(first.conn.sent[0]!);
    const asked: Array<{ id: bigint; timeout: number; done: (valid: boolean) => void }> = [];
    const learner = new ZooKeeperServer(
      { tickTime: 2000, serverId: 3, serverState: "observer" },
      {
        clock: e.clock,
        random: seededRandom(3),
        logger: nullLogger,
        tree: e.learnerTree,
        ensemble: { role: "learner", forward: () => {}, revalidate: (id, timeout, done) => void asked.push({ id, timeout, done }) },
      },
    );
    learner.restoreSession(sessionId, 30000);
    learner.start();
    // the right password: asked, not answered until the leader says
    const moved = new TestClient(learner, { sessionId, passwd: passwd!, timeout: 20000 });
    expect(moved.conn.sent).toHaveLength(0);
    expect(asked.map((a) => [a.id, a.timeout])).toEqual([[sessionId, 20000]]);
    asked[0]!.done(true);
    const rsp = decodeConnectResponse(moved.conn.sent[0]!);
    expect(rsp.sessionId).toBe(sessionId);
    expect(rsp.timeOut).toBe(20000);
    // the leader says no: the session is invalid (sessionId 0) and the connection closed
    const refused = new TestClient(learner, { sessionId, passwd: passwd! });
    asked[1]!.done(false);
    expect(decodeConnectResponse(refused.conn.sent[0]!).sessionId).toBe(0n);
    expect(refused.conn.closed).not.toBeNull();
    // a wrong password is refused locally, without asking the leader
    const wrong = new TestClient(learner, { sessionId, passwd: Buffer.alloc(16, 7) });
    expect(asked).toHaveLength(2);
    expect(decodeConnectResponse(wrong.conn.sent[0]!).sessionId).toBe(0n);
    await learner.shutdown();
  });

  it("a learner forwards session creation and writes; the leader assigns zxids; both trees agree", async () => {
    const e = ensemble();
    const c = new TestClient(e.learner);
    expect(c.conn.sent).toHaveLength(0); // waiting for the committed createSession
    expect(e.forwarded[0]!.type).toBe(OpCode.createSession);
    await e.pump();
    const rsp = decodeConnectResponse(c.conn.sent[0]!);
    expect(rsp.timeOut).toBe(30000);
    expect(rsp.sessionId >> 56n).toBe(2n); // allocated by the learner (its sid in the top byte)
    c.skip();
    c.send(OpCode.create, create("/a", "x"));
    expect(e.forwarded[0]!.type).toBe(OpCode.create);
    expect(c.replies()).toEqual([]);
    await e.pump();
    const [r] = c.replies();
    expect(r!.header.err).toBe(0);
    expect(r!.body).toEqual({ path: "/a" });
    expect(r!.header.zxid).toBe(0x100000002n);
    expect(e.leaderTree.lastProcessedZxid).toBe(0x100000002n);
    expect(e.learnerTree.getNode("/a")!.data!.toString()).toBe("x");
    expect(c.call(OpCode.getData, { path: "/a", watch: false }).header.err).toBe(0); // reads are local
    // a failing write is prepared by the leader: an ErrorTxn comes back and the client gets the error
    c.send(OpCode.create, create("/a", "y"));
    await e.pump();
    expect(c.replies()[0]!.header.err).toBe(ErrorCode.NODEEXISTS);
    // sequential names come from the leader's prepare
    c.send(OpCode.create, create("/a/s-", "", 2));
    await e.pump();
    expect(c.replies()[0]!.body).toEqual({ path: "/a/s-0000000000" });
  });

  it("sync waits for syncDone; ephemerals; a session expired by the leader closes the learner's connection", async () => {
    const e = ensemble();
    const c = new TestClient(e.learner, { timeout: 4000 });
    await e.pump();
    c.skip();
    c.send(OpCode.create, create("/e", "", 1));
    await e.pump();
    expect(c.replies()[0]!.header.err).toBe(0);
    expect(e.leader.info.sessions().map((s) => s.ephemerals)).toEqual([["/e"]]);
    c.send(OpCode.sync, { path: "/" });
    const sync = e.forwarded.splice(0)[0]!;
    expect(sync.type).toBe(OpCode.sync);
    await tick();
    expect(c.replies()).toEqual([]);
    e.learner.syncDone(sync.sessionId, sync.cxid);
    expect(c.replies()[0]!.body).toEqual({ path: "/" });
    // touches reach the leader through the host (PING session data)
    e.clock.advance(3000);
    c.send(OpCode.ping, null, -2);
    const touched = e.learner.takeTouchedSessions();
    expect(touched).toEqual([[decodeConnectResponse(c.conn.sent[0]!).sessionId, 4000]]);
    for (const [id, to] of touched) e.leader.touchSession(id, to);
    e.clock.advance(3000);
    expect(e.proposals).toHaveLength(0); // still alive at the leader
    e.clock.advance(4000); // no more touches: the leader expires it
    expect(e.proposals.map((p) => p.hdr.type)).toEqual([OpCode.closeSession]);
    await e.pump();
    expect(c.conn.closed).toBe("session expired");
    expect(e.learnerTree.getNode("/e")).toBeUndefined();
    expect(e.leaderTree.getNode("/e")).toBeUndefined();
  });

  it("the leader refuses a forwarded write of a session it is closing: no ephemeral outlives its session", async () => {
    // Found by the whole-cluster simulation (@zkts/quorum/testing): a learner forwarded a client's ephemeral create
    // after the leader had proposed that session's expiry; the leader skipped the session check for forwarded
    // requests and committed an ephemeral owned by a closed session, which nothing would ever delete.
    const e = ensemble();
    const c = new TestClient(e.learner, { timeout: 4000 });
    await e.pump();
    c.skip();
    e.clock.advance(10_000); // no touches: the leader expires the session (closeSession proposed, not committed)
    expect(e.proposals.map((p) => p.hdr.type)).toEqual([OpCode.closeSession]);
    c.send(OpCode.create, create("/e", "", 1)); // the learner has not applied the close yet: forwarded
    c.send(OpCode.create, create("/p"));
    await e.pump();
    expect(e.leaderTree.getNode("/e")).toBeUndefined();
    expect(e.learnerTree.getNode("/e")).toBeUndefined();
    expect(e.leaderTree.getNode("/p")).toBeUndefined();
    expect(e.leaderTree.allEphemerals().size).toBe(0);
    expect(c.conn.closed).toBe("session expired");
  });

  it("closeSession through a learner is answered, then the connection closes; abort closes every connection", async () => {
    const e = ensemble();
    const c = new TestClient(e.learner);
    const d = new TestClient(e.learner);
    await e.pump();
    c.skip();
    c.send(OpCode.closeSession, null);
    await e.pump();
    expect(c.replies()[0]!.header.err).toBe(0);
    expect(c.conn.closed).toBe("client closed session");
    e.learner.abort("lost the leader");
    expect(d.conn.closed).toBe("lost the leader");
    expect(e.learner.info.serverState).toBe("follower");
  });
});
