import { describe, expect, it } from "vitest";
import { QuorumCnxRules } from "./cnx-rules.js";
import { OBSERVER_ID, PROTOCOL_VERSION_V1 } from "./handshake.js";

const msg = (s: string) => Buffer.from(s);
const hello = (sid: bigint) => ({ protocolVersion: PROTOCOL_VERSION_V1, sid, addresses: [] });

describe("QuorumCnxRules", () => {
  it("a connection initiated towards a higher sid is dropped after the handshake", () => {
    const r = new QuorumCnxRules({ mySid: 1n });
    r.send(3n, msg("v"), 0);
    expect(r.take()).toEqual([{ kind: "dial", sid: 3n }]);
    expect(r.outgoingEstablished(10, 3n)).toBe("drop");
    expect(r.take()).toEqual([{ kind: "close", conn: 10, reason: "higher sid 3 dials back" }]);
    expect(r.isConnected(3n)).toBe(false);
    // 3 dials back: accepted (higher sid), and the queued vote goes out on it.
    expect(r.incomingEstablished(11, hello(3n), 0)).toBe(3n);
    expect(r.take()).toEqual([{ kind: "write", conn: 11, payload: msg("v") }]);
    r.received(11, msg("x"));
    expect(r.take()).toEqual([{ kind: "deliver", from: 3n, payload: msg("x") }]);
  });

  it("the acceptor closes a connection from a lower sid and dials back", () => {
    const r = new QuorumCnxRules({ mySid: 3n });
    expect(r.incomingEstablished(5, hello(1n), 0)).toBeUndefined();
    expect(r.take()).toEqual([
      { kind: "close", conn: 5, reason: "lower sid 1: dialling back" },
      { kind: "dial", sid: 1n },
    ]);
    expect(r.outgoingEstablished(6, 1n)).toBe("keep");
    expect(r.isConnected(1n)).toBe(true);
  });

  it("a peer is lost once a connection to it was up and is gone; never connected is not lost", () => {
    const r = new QuorumCnxRules({ mySid: 3n });
    r.send(2n, msg("v"), 0);
    r.take();
    expect(r.isLost(2n)).toBe(false); // dialling, never connected (e.g. at start-up)
    r.dialFailed(2n, 0);
    expect(r.isLost(2n)).toBe(false);
    expect(r.isLost(7n)).toBe(false); // unknown
    expect(r.outgoingEstablished(4, 2n)).toBe("keep");
    expect(r.isLost(2n)).toBe(false);
    r.closed(4);
    expect(r.isLost(2n)).toBe(true);
    expect(r.incomingEstablished(5, hello(2n), 0)).toBeUndefined(); // lower sid: closed, dialled back
    expect(r.outgoingEstablished(6, 2n)).toBe("keep");
    expect(r.isLost(2n)).toBe(false);
  });

  it("refuses our own sid and replaces an older connection from the same peer", () => {
    const r = new QuorumCnxRules({ mySid: 2n });
    r.incomingEstablished(1, hello(2n), 0);
    expect(r.take()[0]).toMatchObject({ kind: "close", conn: 1 });
    r.incomingEstablished(2, hello(5n), 0);
    r.incomingEstablished(3, hello(5n), 0);
    expect(r.take()).toEqual([{ kind: "close", conn: 2, reason: "replaced by a new connection" }]);
    r.received(2, msg("late"));
    expect(r.take()).toEqual([]); // nothing from a replaced connection
  });

  it("keeps one notification per peer: the oldest is dropped when the queue is full", () => {
    const r = new QuorumCnxRules({ mySid: 9n });
    r.send(2n, msg("a"), 0);
    r.send(2n, msg("b"), 0);
    r.send(2n, msg("c"), 0);
    expect(r.queued(2n)).toBe(1);
    expect(r.droppedOldest).toBe(2);
    r.take();
    r.outgoingEstablished(7, 2n);
    expect(r.take()).toEqual([{ kind: "write", conn: 7, payload: msg("c") }]);
  });

  it("re-sends the last message on a new connection when nothing newer is queued", () => {
    const r = new QuorumCnxRules({ mySid: 2n });
    r.outgoingEstablished(1, 1n);
    r.send(1n, msg("vote"), 0);
    r.take();
    r.closed(1);
    r.outgoingEstablished(2, 1n);
    expect(r.take()).toEqual([{ kind: "write", conn: 2, payload: msg("vote") }]);
  });

  it("loops messages to ourselves back; haveDelivered is true when some queue is empty", () => {
    const r = new QuorumCnxRules({ mySid: 9n });
    expect(r.haveDelivered()).toBe(false);
    r.send(9n, msg("me"), 0);
    expect(r.take()).toEqual([{ kind: "deliver", from: 9n, payload: msg("me") }]);
    r.send(2n, msg("x"), 0);
    expect(r.haveDelivered()).toBe(false);
    r.send(3n, msg("y"), 0);
    r.outgoingEstablished(9, 2n);
    expect(r.haveDelivered()).toBe(true);
  });

  it("backs off re-dials of an unreachable peer and holds writes while the socket is full", () => {
    const r = new QuorumCnxRules({ mySid: 9n, minDialBackoffMs: 100, maxDialBackoffMs: 400 });
    r.send(2n, msg("a"), 0);
    r.take();
    r.dialFailed(2n, 0);
    r.connectAll(50);
    expect(r.take()).toEqual([]);
    expect(r.nextDialAt()).toBe(100);
    r.connectAll(100);
    expect(r.take()).toEqual([{ kind: "dial", sid: 2n }]);
    r.dialFailed(2n, 100);
    expect(r.nextDialAt()).toBe(300);
    r.connectAll(300);
    r.take();
    r.dialFailed(2n, 300);
    r.dialFailed(2n, 300);
    expect(r.nextDialAt()).toBe(700); // capped at 400
    r.outgoingEstablished(4, 2n);
    r.take();
    r.writeBlocked(4);
    r.send(2n, msg("b"), 0);
    expect(r.take()).toEqual([]);
    r.drained(4);
    expect(r.take()).toEqual([{ kind: "write", conn: 4, payload: msg("b") }]);
  });

  it("gives pre-3.5 observers (OBSERVER_ID) a negative id", () => {
    const r = new QuorumCnxRules({ mySid: 1n });
    expect(r.incomingEstablished(1, hello(OBSERVER_ID), 0)).toBe(-1n);
    expect(r.incomingEstablished(2, hello(OBSERVER_ID), 0)).toBe(-2n);
  });
});
