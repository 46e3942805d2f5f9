/** The "read-only" role (ZooKeeper's ReadOnlyZooKeeperServer): readOnly clients only, reads served, writes refused. */
import { describe, expect, it } from "vitest";
import { ErrorCode, OpCode, Perms } from "@zkts/client-wire";
import { DataTree } from "@zkts/datatree";
import { ManualClock, nullLogger, seededRandom } from "./env.js";
import { ZooKeeperServer } from "./server.js";
import { TestClient } from "./testing/harness.js";

const OPEN = [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }];

function readOnlyServer() {
  const tree = new DataTree({ extendedTypesEnabled: false });
  const zxid = 0x500000007n;
  tree.processTxn(
    { clientId: 1n, cxid: 1, zxid, time: 1n, type: OpCode.create },
    { path: "/a", data: Buffer.from("v1"), acl: OPEN, ephemeral: false, parentCVersion: 1 },
  );
  const clock = new ManualClock({ now: 1_700_000_000_000, monotonic: 0 });
  const server = new ZooKeeperServer(
    { tickTime: 2000, serverState: "read-only" },
    { clock, random: seededRandom(1), logger: nullLogger, tree, ensemble: { role: "read-only" } },
  );
  server.start();
  return { server, zxid };
}

describe("read-only role", () => {
  it("refuses a client that did not ask for readOnly, marks the ConnectResponse of one that did", () => {
    const { server } = readOnlyServer();
    const rw = new TestClient(server, { readOnly: false });
    expect(rw.conn.closed).not.toBeNull();
    expect(rw.connectResponse).toBeUndefined();
    const ro = new TestClient(server, { readOnly: true });
    expect(ro.conn.closed).toBeNull();
    expect(ro.connectResponse?.readOnly).toBe(true);
    expect(ro.sessionId).not.toBe(0n);
    expect(server.info.isReadOnly).toBe(true);
  });

  it("serves reads and answers writes, multi, check and sync NOTREADONLY at the last zxid", () => {
    const { server } = readOnlyServer();
    const c = new TestClient(server, { readOnly: true });
    const last = server.lastZxid; // the copy's zxid plus the local createSession
    const g = c.call(OpCode.getData, { path: "/a", watch: false });
    expect(g.header.err).toBe(0);
    expect((g.body as { data: Buffer }).data.toString()).toBe("v1");
    const refused: Array<[number, unknown]> = [
      [OpCode.create, { path: "/b", data: Buffer.from("x"), acl: OPEN, flags: 0 }],
      [OpCode.setData, { path: "/a", data: Buffer.from("v2"), version: -1 }],
      [OpCode.delete, { path: "/a", version: -1 }],
      [OpCode.multi, { ops: [{ type: OpCode.delete, body: { path: "/a", version: -1 } }] }],
      [OpCode.check, { path: "/a", version: 0 }],
      [OpCode.sync, { path: "/a" }],
    ];
    for (const [type, body] of refused) {
      const r = c.call(type, body);
      expect(r.header.err, `opcode ${type}`).toBe(ErrorCode.NOTREADONLY);
      expect(r.header.zxid).toBe(last);
    }
    expect(server.lastZxid).toBe(last);
    expect(c.call(OpCode.getData, { path: "/a", watch: false }).header.err).toBe(0);
    expect(c.call(OpCode.exists, { path: "/b", watch: false }).header.err).toBe(ErrorCode.NONODE);
  });

  it("a standalone server marks nothing readOnly and accepts any client", () => {
    const tree = new DataTree({ extendedTypesEnabled: false });
    const clock = new ManualClock({ now: 1_700_000_000_000, monotonic: 0 });
    const server = new ZooKeeperServer({ tickTime: 2000 }, { clock, random: seededRandom(1), logger: nullLogger, tree });
    const c = new TestClient(server, { readOnly: true });
    expect(c.connectResponse?.readOnly).toBe(false);
    expect(server.info.isReadOnly).toBe(false);
  });
});
