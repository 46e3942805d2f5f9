/**
 * Case 5: many connections from one IP past maxClientCnxns. ZooKeeper 3.8 accepts the TCP connection and closes it
 * at once ("Too many connections from /127.0.0.1 - max is 5"), before any ConnectResponse; the connections it already
 * has keep working, and a slot freed by a closed connection can be reused. zkts must do the same.
 */
import { referenceAvailable, startReferenceZooKeeper } from "@zkts/testkit";
import { describe, expect, it } from "vitest";
import { startInProcess } from "../src/servers.js";
import { HealthySession, RawConnection, connectPayload } from "../src/wire.js";
import { frame } from "@zkts/jute";

const MAX = 5;

/** Tries a handshake; true when a ConnectResponse came back, false when the server closed the connection. */
async function tryHandshake(port: number): Promise<{ ok: boolean; conn?: RawConnection }> {
  let c: RawConnection;
  try {
    c = await RawConnection.open(port);
  } catch {
    return { ok: false }; // closed so fast that the connect itself failed (EPIPE/ECONNRESET)
  }
  await c.write(frame(connectPayload()));
  const f = await c.nextFrame(10_000);
  return { ok: f !== undefined, conn: c };
}

async function scenario(port: number): Promise<{ rejected: number }> {
  const sessions: HealthySession[] = [];
  const extra: RawConnection[] = [];
  try {
    for (let i = 0; i < MAX; i++) sessions.push(await HealthySession.open(port));
    // 20 more from the same IP: every one is closed without an answer
    let rejected = 0;
    for (let i = 0; i < 20; i++) {
      const { ok, conn } = await tryHandshake(port);
      if (conn) extra.push(conn);
      if (!ok) rejected++;
    }
    // the first five are untouched
    for (const [i, s] of sessions.entries()) {
      expect((await s.create(`/cnxn-${i}`, Buffer.from(String(i)))).err).toBe(0);
      expect((await s.getData(`/cnxn-${i}`)).data?.toString()).toBe(String(i));
    }
    // a freed slot is usable again (the server notices the close asynchronously: retry for a while)
    await sessions.pop()!.close();
    let reconnected = false;
    for (let attempt = 0; attempt < 100 && !reconnected; attempt++) {
      const { ok, conn } = await tryHandshake(port);
      if (conn) extra.push(conn);
      if (ok) reconnected = true;
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(reconnected).toBe(true);
    return { rejected };
  } finally {
    for (const s of sessions) await s.close();
    for (const c of extra) await c.destroy();
  }
}

describe("5. maxClientCnxns", () => {
  it("zkts closes connections past maxClientCnxns, logs them, and keeps serving the others", async () => {
    const zk = await startInProcess({ maxClientCnxns: String(MAX) });
    try {
      const { rejected } = await scenario(zk.port);
      expect(rejected).toBe(20);
      expect(zk.logged(`Too many connections from /127.0.0.1 - max is ${MAX}`, "warn").length).toBeGreaterThanOrEqual(20);
      expect(zk.server.net.stats.connectionRejected).toBeGreaterThanOrEqual(20);
    } finally {
      await zk.stop();
    }
  });

  it.runIf(referenceAvailable())("Apache ZooKeeper 3.8 does the same", async () => {
    const ref = await startReferenceZooKeeper({ config: { maxClientCnxns: String(MAX) } });
    try {
      const { rejected } = await scenario(ref.port);
      expect(rejected).toBe(20);
    } finally {
      await ref.stop();
    }
  });
});
