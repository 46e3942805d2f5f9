/**
 * Test support: mutual exclusion over many acquisitions by mixed Java Curator and Node contenders on one lock
 * path, with session expiries injected midway (used by the cross-test and by bench/mutex-exclusion.ts).
 *
 * Each holder enters a shared holder count right after acquiring and leaves it right before releasing (a Java
 * holder reports ACQ/REL over its pipe and waits for the test's answer, so the count is updated before the lock
 * moves on). The count must never exceed 1. An expired session is revoked in the count before the server ends it
 * (a holder whose session is gone may still believe it holds until it learns: that is ZooKeeper's lock semantics,
 * which fencing, not the recipe, has to close).
 */
import { connect, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker, InterProcessMutex } from "../index.js";
import { CuratorProcess } from "./curator.js";
import { Proxy } from "./proxy.js";
import { expireSession } from "./servers.js";

export class HolderCount {
  current = 0;
  max = 0;
  holds = 0;
  /** Holds entered by sessions already revoked (not counted). */
  revokedHolds = 0;
  private readonly holding = new Set<string>();
  private readonly revoked = new Set<string>();

  enter(session: string): void {
    if (this.revoked.has(session)) {
      this.revokedHolds++;
      return;
    }
    this.holds++;
    this.current++;
    this.holding.add(session);
    this.max = Math.max(this.max, this.current);
  }

  exit(session: string): void {
    if (this.revoked.has(session) || !this.holding.delete(session)) return;
    this.current--;
  }

  revoke(session: string): void {
    this.revoked.add(session);
    if (this.holding.delete(session)) this.current--;
  }
}

export interface ExclusionResult {
  acquisitions: number;
  javaAcquisitions: number;
  nodeAcquisitions: number;
  maxHolders: number;
  revokedHolds: number;
  expiries: number;
  javaLost: boolean;
  nodeLost: boolean;
  ms: number;
}

const hex = (id: bigint) => id.toString(16);

/**
 * Runs `total` acquisitions split over `java` Curator and `node` @zkts/recipes contenders on `path`; when half
 * are done, expires the session of one Java and one Node contender.
 */
export async function runExclusion(opts: { serverPort: number; connectString: string; path: string; total: number; java: number; node: number }): Promise<ExclusionResult> {
  const count = new HolderCount();
  const contenders = opts.java + opts.node;
  const per = Math.floor(opts.total / contenders);
  const start = performance.now();
  let expiries = 0;
  let nodeLost = false;
  const proxies: Proxy[] = [];
  const javas: CuratorProcess[] = [];
  const javaHeld: number[] = [];
  const javaProxies: Proxy[] = [];
  const nodeClients: Array<{ client: ZooKeeperClient; proxy: Proxy; done: number }> = [];
  let javaAcquisitions = 0;
  let nodeAcquisitions = 0;
  try {
    for (let i = 0; i < opts.java; i++) {
      const proxy = await Proxy.start(opts.serverPort);
      proxies.push(proxy);
      javaProxies.push(proxy);
      const j = CuratorProcess.start("mutex", [proxy.connectString, opts.path, String(per)]);
      let sid = "";
      javaHeld[i] = 0;
      j.setLineHandler((line) => {
        if (line.startsWith("ACQ ")) {
          sid = line.slice(4);
          count.enter(sid);
          javaAcquisitions++;
          javaHeld[i]!++;
          j.send("GO");
        } else if (line === "REL") {
          count.exit(sid);
          j.send("OK");
        }
      });
      javas.push(j);
    }
    await Promise.all(javas.map((j) => j.waitFor("READY", 60_000)));

    const nodeRuns = Array.from({ length: opts.node }, async (_, i) => {
      const proxy = await Proxy.start(opts.serverPort);
      proxies.push(proxy);
      const slot = { client: await connect(proxy.connectString, { sessionTimeout: 4000 }), proxy, done: 0 };
      nodeClients[i] = slot;
      let mutex = new InterProcessMutex(slot.client, opts.path);
      while (slot.done < per) {
        if (ConnectionStateTracker.of(slot.client).lost) {
          nodeLost = true;
          mutex.dispose();
          await slot.client.close().catch(() => undefined);
          slot.client = await connect(proxy.connectString, { sessionTimeout: 4000 });
          mutex = new InterProcessMutex(slot.client, opts.path);
        }
        try {
          await mutex.acquire();
        } catch {
          continue; // the session went (LOST): replaced above
        }
        const sid = hex(slot.client.sessionId);
        count.enter(sid);
        slot.done++;
        nodeAcquisitions++;
        await new Promise((r) => setImmediate(r));
        count.exit(sid);
        await mutex.release().catch(() => undefined);
      }
      await slot.client.close();
    });

    // Midway, expire the session of one contender of each kind that still has a tenth of its work ahead (so that
    // it has to notice, recover and go on).
    let javaVictim: CuratorProcess | undefined;
    const injector = (async () => {
      while (count.holds + count.revokedHolds < opts.total / 2) await new Promise((r) => setTimeout(r, 5));
      const left = Math.ceil(per / 10);
      const ji = javaHeld.findIndex((h) => per - h >= left);
      if (opts.java > 0) {
        if (ji < 0) throw new Error("no Curator contender has work left to expire");
        javaVictim = javas[ji]!;
        const s = javaVictim.session!;
        count.revoke(hex(s.id));
        await javaProxies[ji]!.cutOff(() => expireSession(opts.connectString, s.id, s.password));
        expiries++;
      }
      if (opts.node > 0) {
        const slot = nodeClients.find((n) => n !== undefined && per - n.done >= left);
        if (slot === undefined) throw new Error("no Node contender has work left to expire");
        const victim = slot.client;
        count.revoke(hex(victim.sessionId));
        await slot.proxy.cutOff(() => expireSession(opts.connectString, victim.sessionId, victim.sessionPassword));
        expiries++;
      }
    })();

    await Promise.all([...nodeRuns, injector, ...javas.map((j) => j.waitFor("DONE", 300_000))]);
    return {
      acquisitions: javaAcquisitions + nodeAcquisitions,
      javaAcquisitions,
      nodeAcquisitions,
      maxHolders: count.max,
      revokedHolds: count.revokedHolds,
      expiries,
      javaLost: javaVictim !== undefined && javaVictim.lines.some((l) => l.line === "STATE LOST"),
      nodeLost,
      ms: performance.now() - start,
    };
  } finally {
    await Promise.all(javas.map((j) => j.stop()));
    await Promise.all(nodeClients.map((s) => s?.client.close().catch(() => undefined)));
    await Promise.all(proxies.map((p) => p.close()));
  }
}
