import { describe, expect, it } from "vitest";
import { ErrorCode, OpCode, Perms } from "@zkts/client-wire";
import type { TxnHeader } from "@zkts/jute";
import type { TxnListener, TxnLogPort } from "./server.js";
import { TestClient, makeServer } from "./testing/harness.js";

const OPEN = [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }];
const create = (path: string, data = "") => ({ path, data: Buffer.from(data), acl: OPEN, flags: 0 });
const tick = () => new Promise<void>((r) => setImmediate(r));

type Controlled = {
  pending: Array<{ hdr: TxnHeader }>;
  components: { txnLog: TxnLogPort };
  flush(): void;
  failAll(msg?: string): void;
};

/** A txn log port whose txns the test makes durable or fails, batch by batch: one durable(zxid) / failed(first, last) report per batch. */
function controlledPort(): Controlled {
  const pending: Array<{ hdr: TxnHeader }> = [];
  let listener: TxnListener | undefined;
  const port: TxnLogPort = {
    logTxn: (hdr) => void pending.push({ hdr }),
    setTxnListener: (l) => void (listener = l),
  };
  return {
    pending,
    components: { txnLog: port },
    flush() {
      const batch = pending.splice(0);
      if (batch.length > 0) queueMicrotask(() => listener!.durable(batch[batch.length - 1]!.hdr.zxid));
    },
    failAll(msg = "ENOSPC") {
      const batch = pending.splice(0);
      if (batch.length > 0) queueMicrotask(() => listener!.failed(batch[0]!.hdr.zxid, batch[batch.length - 1]!.hdr.zxid, new Error(msg)));
    },
  };
}

describe("txn log port: durability before visibility", () => {
  it("no other session sees a write (read or watch) before it is durable", async () => {
    const s = controlledPort();
    const { server } = makeServer({}, s.components);
    const a = new TestClient(server);
    const b = new TestClient(server);
    s.flush();
    await tick();
    a.skip();
    b.skip();
    b.send(OpCode.exists, { path: "/x", watch: true });
    await tick();
    expect(b.replies()[0]!.header.err).toBe(ErrorCode.NONODE);
    a.send(OpCode.create, create("/x", "v"));
    // the create is prepared (zxid taken) but not durable: b's read does not see it, no watch fires
    b.send(OpCode.getData, { path: "/x", watch: false });
    await tick();
    expect(a.replies()).toEqual([]);
    expect(b.replies()).toEqual([]); // b's read waits behind the pending write (one ordered pipeline)
    s.flush();
    await tick();
    expect(a.replies()[0]!.header.err).toBe(0);
    const rb = b.replies();
    expect(rb[0]!.header.xid).toBe(-1); // NodeCreated, only now
    expect(rb[1]!.header.err).toBe(0);
  });

  it("a failed txn is never applied nor acknowledged; later txns prepared on it fail too; recovers", async () => {
    const s = controlledPort();
    const { server, tree } = makeServer({}, s.components);
    const a = new TestClient(server);
    s.flush();
    await tick();
    a.skip();
    const zxidBefore = server.lastZxid;
    a.send(OpCode.create, create("/p", "1"));
    a.send(OpCode.create, create("/p/c", "2")); // prepared against the pending /p
    a.send(OpCode.getData, { path: "/p", watch: false });
    expect(s.pending).toHaveLength(2);
    s.failAll("EIO");
    await tick();
    const rs = a.replies();
    expect(rs.map((r) => r.header.err)).toEqual([ErrorCode.SYSTEMERROR, ErrorCode.SYSTEMERROR, ErrorCode.NONODE]);
    expect(tree.getNode("/p")).toBeUndefined();
    expect(server.lastZxid).toBe(zxidBefore);
    expect(server.outstanding).toBe(0);
    // the disk is back: a create of /p/c is prepared against the real tree again (no stale change record)
    a.send(OpCode.create, create("/p/c", "2"));
    s.flush();
    await tick();
    expect(a.replies()[0]!.header.err).toBe(ErrorCode.NONODE);
    a.send(OpCode.create, create("/p", "1"));
    s.flush();
    await tick();
    expect(a.replies()[0]!.header.err).toBe(0);
    expect(tree.getNode("/p")?.data?.toString()).toBe("1");
  });

  it("a session whose createSession fails is closed; an expiry that fails is retried later", async () => {
    const s = controlledPort();
    const { server, clock, tree } = makeServer({}, s.components);
    const bad = new TestClient(server);
    s.failAll();
    await tick();
    expect(bad.conn.closed).toBe("txn log write failed");
    expect(server.info.sessions()).toHaveLength(0);

    const a = new TestClient(server, { timeout: 4000 });
    s.flush();
    await tick();
    a.skip();
    a.send(OpCode.create, { ...create("/e"), flags: 1 });
    s.flush();
    await tick();
    expect(tree.getNode("/e")).toBeDefined();
    server.connectionClosed(a.conn);
    clock.advance(10_000);
    expect(s.pending.map((p) => p.hdr.type)).toEqual([OpCode.closeSession]);
    s.failAll();
    await tick();
    expect(tree.getNode("/e")).toBeDefined();
    expect(server.info.sessions()).toHaveLength(1);
    clock.advance(10_000);
    expect(s.pending.map((p) => p.hdr.type)).toEqual([OpCode.closeSession]);
    s.flush();
    await tick();
    expect(tree.getNode("/e")).toBeUndefined();
    expect(server.info.sessions()).toHaveLength(0);
  });

  it("shutdown waits for txns handed to the sink", async () => {
    const s = controlledPort();
    const { server } = makeServer({}, s.components);
    new TestClient(server);
    let done = false;
    const p = server.shutdown().then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    s.flush();
    await p;
    expect(done).toBe(true);
  });
});

describe("drain slices: a large durable batch is answered over several event-loop turns", () => {
  /** A batch of `n` creates made durable at once, with the monotonic clock moving 1 ms at every reading. */
  async function bigBatch(drainSliceMs: number, n = 200) {
    const s = controlledPort();
    const { server, clock } = makeServer({ drainSliceMs }, s.components);
    const a = new TestClient(server);
    s.flush();
    await tick();
    a.skip();
    for (let i = 0; i < n; i++) a.send(OpCode.create, create(`/n${i}`));
    const mono = clock.monotonic.bind(clock);
    let extra = 0;
    clock.monotonic = () => mono() + ++extra;
    s.flush();
    await tick();
    return { a, clock };
  }

  it("stops at its slice, goes on from a timer, and keeps the replies in order", async () => {
    const n = 200;
    const { a, clock } = await bigBatch(10, n);
    const first = a.replies();
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(n);
    const all = [...first];
    for (let i = 0; i < 100 && all.length < n; i++) {
      clock.advance(0);
      all.push(...a.replies());
    }
    expect(all.map((r) => r.header.err)).toEqual(new Array(n).fill(0));
    const xids = all.map((r) => r.header.xid);
    expect(xids).toEqual([...xids].sort((x, y) => x - y));
  });

  it("drainSliceMs 0 answers the whole batch in one turn", async () => {
    const { a } = await bigBatch(0);
    expect(a.replies()).toHaveLength(200);
  });
});
