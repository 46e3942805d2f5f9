/**
 * Test helper for real ensembles: writes N zoo.cfg files (free client, quorum and election ports on 127.0.0.1,
 * myid files) and starts/kills `zkts-server` processes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { fourLetter, startJavaQuorumPeer } from "@zkts/testkit";
import { kill9, mustStart, type Proc } from "./crash-helpers.js";
import { expect } from "vitest";
import { encode, SyncRequest } from "@zkts/jute";
import { Client } from "./test-client.js";

/** What a ZooKeeper 3.8 member (and a zkts one) answers srvr/stat/mntr while no server runs. */
export const NOT_SERVING = "This ZooKeeper instance is not currently serving requests";

/**
 * A free port below Linux's ephemeral range (32768-60999): the members' own outgoing quorum/election connections
 * take ephemeral ports, and could take a port another member is about to listen on (EADDRINUSE) if ports were
 * chosen by the OS from that range, as testkit's freePort does.
 */
function freeLowPort(): Promise<number> {
  const candidate = 20000 + Math.floor(Math.random() * 12000);
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(freeLowPort()));
    srv.listen(candidate, "127.0.0.1", () => srv.close(() => resolve(candidate)));
  });
}

/** Every port an ensemble of this process was given: never given again (a member just stopped may still hold one). */
const usedPorts = new Set<number>();

export interface Member {
  id: number;
  dir: string;
  cfgPath: string;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
  proc?: Proc;
}

export interface Ensemble {
  root: string;
  members: Member[];
  /** Starts member `m` as `impl` (default: its entry in `impls`, else `impl`), on its own zoo.cfg, myid and data dir. */
  start(m: Member, impl?: "zkts" | "zookeeper"): Promise<Proc>;
  kill(m: Member): Promise<void>;
  /** SIGTERM, as an operator stops a member (SIGKILL after `graceMs` if it has not exited by then). */
  stop(m: Member, graceMs?: number): Promise<void>;
  /**
   * `Mode:` from srvr; "looking" when the member answers ZooKeeper's "not currently serving" (no server running:
   * electing or synchronising, and not read-only, on either implementation); undefined when it does not answer.
   */
  mode(m: Member): Promise<string | undefined>;
  /** Waits until exactly one running member is leader and every other running one follower/observer. */
  waitStable(timeoutMs?: number): Promise<Member>;
  stopAll(): Promise<void>;
}

/**
 * Starts Apache ZooKeeper's QuorumPeerMain (Debian's 3.8) on a member's zoo.cfg; resolves once its client port
 * answers `srvr` (serving or not), as mustStart does for zkts-server.
 */
async function startJavaMember(m: Member, jvmFlags: readonly string[] = []): Promise<Proc> {
  const peer = startJavaQuorumPeer(m.cfgPath, ["-Dzookeeper.jmx.log4j.disable=true", "-Dzookeeper.admin.enableServer=false", ...jvmFlags]);
  const exited = new Promise<number | null>((r) => (peer.proc.exitCode !== null ? r(peer.proc.exitCode) : peer.proc.once("exit", (code) => r(code))));
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !dead) {
    try {
      if ((await fourLetter(m.clientPort, "srvr")).length > 0) return { child: peer.proc, port: m.clientPort, output: peer.log, exited };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await peer.kill();
  throw new Error(`ZooKeeper member ${m.id} did not start:\n${peer.log()}`);
}

export async function makeEnsemble(
  n: number,
  opts: {
    observers?: number;
    tickTime?: number;
    extra?: Record<string, string>;
    /** Every member's implementation (default zkts); `impls` gives one per member (a mixed ensemble). */
    impl?: "zkts" | "zookeeper";
    impls?: readonly ("zkts" | "zookeeper")[];
    perMember?: (index: number) => Record<string, string>;
    /** Extra JVM flags of Apache ZooKeeper member `index` (e.g. -Dzookeeper.snapshotSizeFactor=-1). */
    javaFlags?: (index: number) => string[];
    /** Environment variables of member `index`'s process (e.g. SERVER_JVMFLAGS). */
    env?: (index: number) => Record<string, string>;
  } = {},
): Promise<Ensemble> {
  const root = mkdtempSync(join(tmpdir(), "zkts-ens-"));
  const observers = opts.observers ?? 0;
  const ports: { client: number; quorum: number; election: number }[] = [];
  const used = usedPorts;
  const port = async () => {
    for (;;) {
      const p = await freeLowPort();
      if (!used.has(p)) {
        used.add(p);
        return p;
      }
    }
  };
  for (let i = 0; i < n; i++) ports.push({ client: await port(), quorum: await port(), election: await port() });
  const lines = ports.map(
    (p, i) => `server.${i + 1}=127.0.0.1:${p.quorum}:${p.election}${i >= n - observers ? ":observer" : ""};127.0.0.1:${p.client}`,
  );
  const members: Member[] = ports.map((p, i) => {
    const dir = join(root, `s${i + 1}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "myid"), `${i + 1}\n`);
    const cfg = {
      tickTime: String(opts.tickTime ?? 500),
      initLimit: "10",
      syncLimit: "4",
      dataDir: dir,
      maxClientCnxns: "0",
      "admin.enableServer": "false",
      "4lw.commands.whitelist": "*",
      ...(i >= n - observers ? { peerType: "observer" } : {}),
      ...opts.extra,
      ...opts.perMember?.(i),
    };
    const text = Object.entries(cfg).map(([k, v]) => `${k}=${v}`).join("\n") + "\n" + lines.join("\n") + "\n";
    const cfgPath = join(dir, "zoo.cfg");
    writeFileSync(cfgPath, text);
    return { id: i + 1, dir, cfgPath, clientPort: p.client, quorumPort: p.quorum, electionPort: p.election };
  });
  const ens: Ensemble = {
    root,
    members,
    async start(m, chosen) {
      const impl = chosen ?? opts.impls?.[m.id - 1] ?? opts.impl ?? "zkts";
      m.proc = impl === "zookeeper" ? await startJavaMember(m, opts.javaFlags?.(m.id - 1)) : await mustStart(m.cfgPath, opts.env?.(m.id - 1));
      return m.proc;
    },
    async kill(m) {
      if (m.proc) await kill9(m.proc);
      m.proc = undefined;
    },
    async stop(m, graceMs = 30_000) {
      const p = m.proc;
      if (p === undefined) return;
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill("SIGTERM");
        const t = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
        await p.exited;
        clearTimeout(t);
      }
      m.proc = undefined;
    },
    async mode(m) {
      try {
        const out = await fourLetter(m.clientPort, "srvr");
        if (out.startsWith(NOT_SERVING)) return "looking";
        return /Mode: (\w+)/.exec(out)?.[1];
      } catch {
        return undefined;
      }
    },
    async waitStable(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last = "";
      while (Date.now() < deadline) {
        const running = members.filter((m) => m.proc !== undefined);
        const modes = await Promise.all(running.map((m) => ens.mode(m)));
        last = modes.join(",");
        const leaders = running.filter((_, i) => modes[i] === "leader");
        if (leaders.length === 1 && modes.every((x) => x === "leader" || x === "follower" || x === "observer")) return leaders[0]!;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`ensemble not stable within ${timeoutMs} ms (modes: ${last})`);
    },
    async stopAll() {
      await Promise.all(members.map((m) => ens.kill(m)));
      rmSync(root, { recursive: true, force: true });
    },
  };
  return ens;
}

/** Polls `cond` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Writes <prefix>/<n> one after another through any live member, reconnecting on failure; records what was acked. */
export class Writer {
  acked: string[] = [];
  /** Reply time of each acked write whose request was sent after `since` (see markKill). */
  okTimes: number[] = [];
  private stopped = false;
  private n = 0;
  since = 0;
  done: Promise<void>;
  constructor(
    private readonly ports: () => number[],
    private readonly prefix: string,
    /** Told what the writer does (connects, failures), with the time: the failover bench's trace. */
    private readonly trace?: (at: number, what: string) => void,
  ) {
    this.done = this.run();
  }
  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }
  private async run(): Promise<void> {
    let c: Client | undefined;
    let k = 0;
    while (!this.stopped) {
      try {
        if (c === undefined || c.closed) {
          const ps = this.ports();
          const port = ps[k++ % ps.length]!;
          this.trace?.(Date.now(), `writer: connecting to port ${port}`);
          c = (await Client.connect(port)).c;
          this.trace?.(Date.now(), `writer: session on port ${port}`);
        }
        const path = `${this.prefix}/${this.n}`;
        const sentAt = Date.now();
        const r = await c.create(path, String(this.n));
        if (r.err === 0) {
          this.acked.push(path);
          // a write sent before the kill may be acked after it (committed just in time): not a recovery
          this.okTimes.push(sentAt >= this.since ? Date.now() : 0);
          this.n++;
        } else if (r.err === -110) this.n++; // committed earlier without our ack
        else throw new Error(`create ${path}: ${r.err}`);
      } catch (e) {
        this.trace?.(Date.now(), `writer: ${(e as Error).message}`);
        c?.close();
        c = undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    c?.close();
  }
}

/** Every path present on the member (reads are local to it). */
export async function hasAll(port: number, paths: string[]): Promise<boolean> {
  let c: Client | undefined;
  try {
    c = (await Client.connect(port)).c;
    const results = await Promise.all(paths.map((p) => c!.get(p)));
    return results.every((r) => r.err === 0);
  } catch {
    return false;
  } finally {
    c?.close();
  }
}

/** A create and a setData through every running member, then sync + read of all of it through every member. */
export async function writeEverywhere(ens: Ensemble, tag: string): Promise<void> {
  const running = ens.members.filter((m) => m.proc !== undefined);
  for (const m of running) {
    const { c } = await Client.connect(m.clientPort);
    try {
      expect((await c.create(`/${tag}-${m.id}`, "a")).err, `create through member ${m.id}`).toBe(0);
      expect((await c.setData(`/${tag}-${m.id}`, `via ${m.id}`)).err, `setData through member ${m.id}`).toBe(0);
    } finally {
      c.close();
    }
  }
  for (const m of running) {
    const { c } = await Client.connect(m.clientPort);
    try {
      expect((await c.req(9, encode(SyncRequest, { path: "/" }))).err, `sync through member ${m.id}`).toBe(0);
      for (const w of running) expect(await c.get(`/${tag}-${w.id}`), `member ${m.id} reads ${tag}-${w.id}`).toMatchObject({ err: 0, data: `via ${w.id}` });
    } finally {
      c.close();
    }
  }
}
