import { describe, expect, it } from "vitest";
import { OpCode, Perms } from "@zkts/client-wire";
import type { TxnHeader } from "@zkts/jute";
import { M, MetricsRegistry } from "@zkts/metrics";
import type { TxnListener, TxnLogPort } from "./server.js";
import { TestClient, makeServer } from "./testing/harness.js";

const tick = () => new Promise((r) => setTimeout(r, 0));
const OPEN = [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }];

describe("request latency metrics (ServerStats.updateLatency)", () => {
  it("writes go to updatelatency, reads to readlatency, in ms from arrival to reply", async () => {
    const pending: TxnHeader[] = [];
    let listener: TxnListener | undefined;
    const txnLog: TxnLogPort = { logTxn: (hdr) => void pending.push(hdr), setTxnListener: (l) => void (listener = l) };
    const durable = () => {
      const last = pending.splice(0).at(-1);
      if (last !== undefined) listener!.durable(last.zxid);
    };
    const metrics = new MetricsRegistry();
    const { server, clock } = makeServer({}, { txnLog, metrics });
    const a = new TestClient(server);
    clock.advance(3); // the session's createSession txn becomes durable 3 ms later
    durable();
    await tick();
    a.skip();
    a.send(OpCode.create, { path: "/x", data: Buffer.from("v"), acl: OPEN, flags: 0 });
    clock.advance(7);
    durable();
    await tick();
    a.send(OpCode.getData, { path: "/x", watch: false });
    a.send(OpCode.exists, { path: "/y", watch: false });
    await tick();
    expect(a.replies().map((r) => r.header.err)).toEqual([0, 0, -101]);
    const update = metrics.summary(M.UPDATE_LATENCY);
    const read = metrics.summary(M.READ_LATENCY);
    expect([update.count, update.min, update.max]).toEqual([2, 3, 7]);
    expect([read.count, read.max]).toEqual([2, 0]);
  });
});
