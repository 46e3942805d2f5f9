/** Test support: the two servers every recipe test runs against (Apache ZooKeeper 3.8 and zkts), and helpers. */
import { afterAll, beforeAll, describe } from "vitest";
import { connect, createClient, type ZooKeeperClient } from "@zkts/client";
import { Proxy } from "./proxy.js";
import { referenceAvailable, startReferenceZooKeeper, startZkts, zktsAvailable, type ZktsServer } from "@zkts/testkit";

export type TestServer = ZktsServer;

/** A short tick so session expiry is quick (timeouts clamp to [2, 20] ticks: 400..4000 ms). */
export const TICK_MS = 200;
const config = { tickTime: String(TICK_MS) };

export const SERVER_KINDS = [
  { name: "reference" as const, available: referenceAvailable(), start: () => startReferenceZooKeeper({ config }) },
  { name: "zkts" as const, available: zktsAvailable(), start: () => startZkts({ config }) },
];

/** Runs the same tests against each server. */
export function describeServers(title: string, body: (server: () => TestServer, kind: "reference" | "zkts") => void): void {
  for (const kind of SERVER_KINDS) {
    describe.skipIf(!kind.available)(`${title} [${kind.name}]`, () => {
      let server: TestServer | undefined;
      beforeAll(async () => {
        server = await kind.start();
      });
      afterAll(async () => {
        await server?.stop();
      });
      body(() => server!, kind.name);
    });
  }
}

let counter = 0;
/** A fresh top-level path per test. */
export function uniq(label = "r"): string {
  return `/t${process.pid}-${++counter}-${label}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 20 ms until truthy; throws after `timeoutMs`. */
export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Tracks clients (and their proxies) to close after each test. Every client connects through a proxy of its own,
 * so that a test can expire its session (expire()).
 */
export class Clients {
  private readonly all: ZooKeeperClient[] = [];
  private readonly proxies = new Map<ZooKeeperClient, Proxy>();
  constructor(private readonly server: () => TestServer) {}
  async connect(sessionTimeout = 4000): Promise<ZooKeeperClient> {
    const proxy = await Proxy.start(this.server().port);
    const c = await connect(proxy.connectString, { sessionTimeout });
    this.all.push(c);
    this.proxies.set(c, proxy);
    return c;
  }
  /** Expires the client's session: cut off from the server, its session is ended (expireSession); it learns on reconnect. */
  /** Resolves with the time (performance.now()) at which the server had closed the session. */
  async expire(c: ZooKeeperClient): Promise<number> {
    return this.proxies.get(c)!.cutOff(() => expireSession(this.server().connectString, c.sessionId, c.sessionPassword));
  }
  /** Runs `during` while the client is cut off from the server (same session: it reconnects afterwards). */
  async cut<T>(c: ZooKeeperClient, during: () => Promise<T>): Promise<T> {
    return this.proxies.get(c)!.cutOff(during);
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((c) => c.close().catch(() => undefined)));
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    this.proxies.clear();
  }
}

/**
 * Ends a session the way Curator's KillSession did: attach a second connection to the same session and close it.
 * The server ends the session (its ephemerals go at once). But a server drops a session's older connection when
 * another attaches, and the owner reconnects at once and takes the session back, so the two connections steal it
 * from each other and the close may be sent on a connection already dropped (the session then lives on). So the
 * owner is cut off through its proxy first (Proxy.cutOff; Clients.expire does both) and learns on reconnect.
 */
export async function expireSession(connectString: string, sessionId: bigint, password: Buffer): Promise<number> {
  const killer = createClient(connectString, { sessionId, sessionPassword: password, sessionTimeout: 4000 });
  await killer.connect();
  await killer.close();
  return performance.now(); // the server has closed the session (its reply to closeSession arrived)
}
