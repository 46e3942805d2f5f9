/**
 * Rolling migration under load: three Apache ZooKeeper 3.8 members (Debian's QuorumPeerMain) serving writing
 * clients; each member in turn is stopped and replaced by zkts-server on the same zoo.cfg, myid and data dir
 * (followers first, the leader last), until all three are zkts; then the same back to ZooKeeper. Clients: a
 * @zkts/client session writing through the connect string of all members (creates and setData) and holding an
 * ephemeral, a kazoo session doing the same with sequential creates, a raw client reconnecting member by member,
 * and zkCli.sh reads. Checked: every acknowledged write on every member, no session expired, the ephemerals of the
 * live sessions on every member; measured and printed: the time of each swap and the longest gap between two
 * acknowledged writes of each writer during it.
 *
 * `ZKTS_MIGRATION_ROUNDS=n` repeats the there-and-back n times (default 1). `ZKTS_MIGRATION_TARGET=zookeeper` swaps
 * ZooKeeper for ZooKeeper instead (a plain rolling restart: the baseline the figures compare with).
 */
import { describe, expect, it } from "vitest";
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { connect, ConnectionLossError, NodeExistsError, SessionExpiredError, type ZooKeeperClient } from "@zkts/client";
import { fourLetter, referenceAvailable, REFERENCE_JAR, SLF4J_SIMPLE_JAR, ZKCLI } from "@zkts/testkit";
import { hasAll, makeEnsemble, waitFor, Writer, type Ensemble, type Member } from "./ensemble-helpers.js";

type Impl = "zkts" | "zookeeper";
const HERE = dirname(fileURLToPath(import.meta.url));
const KAZOO = join(HERE, "fixtures/kazoo_migration.py");
/** When each member's current process was started (ms). */
const startedAt = new Map<number, number>();
/** Session timeout of the clients that must keep their sessions: longer than any member's restart. */
const SESSION_MS = 20_000;

async function implOf(m: Member): Promise<Impl | undefined> {
  try {
    const out = await fourLetter(m.clientPort, "srvr");
    return /zkts/i.test(out) ? "zkts" : /Zookeeper version: 3\.8/.test(out) ? "zookeeper" : undefined;
  } catch {
    return undefined;
  }
}

async function zxidOf(m: Member): Promise<bigint | undefined> {
  try {
    const z = /Zxid: (0x[0-9a-f]+)/i.exec(await fourLetter(m.clientPort, "srvr"))?.[1];
    return z === undefined ? undefined : BigInt(z);
  } catch {
    return undefined;
  }
}

/** The longest time between two consecutive acks (sorted ms timestamps) that spans part of [from, to]. */
function longestGap(times: readonly number[], from: number, to: number): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) {
    if (times[i]! >= from && times[i - 1]! <= to) gap = Math.max(gap, times[i]! - times[i - 1]!);
  }
  return gap;
}

/** Creates <prefix>/<n> then sets /mig/ctr to n, one after another, in one session; retries what lost its connection. */
class SessionWriter {
  readonly acked: string[] = [];
  readonly times: number[] = [];
  lastCtr = -1;
  expired = 0;
  /** Errors other than connection loss (none expected). */
  readonly errors: string[] = [];
  private stopped = false;
  readonly done: Promise<void>;
  constructor(
    private readonly zk: ZooKeeperClient,
    private readonly prefix: string,
  ) {
    zk.on("expired", () => this.expired++);
    this.done = this.run();
  }
  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }
  /** Runs `op` until acknowledged; false when its outcome is known without an ack (NodeExists after a loss). */
  private async retry(op: () => Promise<unknown>): Promise<boolean> {
    for (;;) {
      try {
        await op();
        this.times.push(Date.now());
        return true;
      } catch (e) {
        if (e instanceof NodeExistsError) return false; // an earlier try that lost its connection committed
        if (e instanceof SessionExpiredError) throw e;
        // any other answer is a finding: recorded (the test fails on it) and the op is tried again
        if (!(e instanceof ConnectionLossError)) this.errors.push(`${(e as Error).name}: ${(e as Error).message} (on ${JSON.stringify(this.zk.connectedHost ?? null)})`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
  private async run(): Promise<void> {
    try {
      for (let n = 0; !this.stopped; n++) {
        const path = `${this.prefix}/${n}`;
        if (await this.retry(() => this.zk.create(path, String(n)))) this.acked.push(path);
        if (await this.retry(() => this.zk.setData("/mig/ctr", String(n)))) this.lastCtr = n;
      }
    } catch (e) {
      if (!(e instanceof SessionExpiredError)) throw e; // counted by the "expired" event; checked at the end
    }
  }
}

/** kazoo (Debian's python3-kazoo) holding an ephemeral and writing sequential nodes; see fixtures/kazoo_migration.py. */
class KazooSession {
  readonly acked: string[] = [];
  readonly times: number[] = [];
  readonly states: string[] = [];
  /** Errors other than connection loss its writes got (none expected). */
  readonly errors: string[] = [];
  /** The member kazoo was connected to, each time it changed (diagnostics). */
  readonly peers: string[] = [];
  sessionId = "";
  result?: { session: string; eph: boolean };
  private readonly proc;
  readonly ready: Promise<void>;
  private readonly finished: Promise<void>;
  private out = "";
  constructor(hosts: string) {
    this.proc = spawn("/usr/bin/python3", [KAZOO, hosts, String(SESSION_MS / 1000), "/mig/eph-kazoo", "/mig/k"], { stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stderr.on("data", (d: Buffer) => (this.out += d.toString()));
    let ready!: () => void;
    this.ready = new Promise((r) => (ready = r));
    const rl = createInterface({ input: this.proc.stdout });
    rl.on("line", (line) => {
      const ev = JSON.parse(line) as { ready?: string; ack?: string; t?: number; state?: string; done?: boolean; session?: string; eph?: boolean; peer?: string | null; error?: string };
      if (ev.error !== undefined) this.errors.push(`${ev.error} on ${ev.peer}`);
      else if (ev.peer !== undefined) this.peers.push(String(ev.peer));
      else if (ev.ready !== undefined) {
        this.sessionId = ev.ready;
        ready();
      } else if (ev.ack !== undefined) {
        this.acked.push(ev.ack);
        this.times.push(ev.t!);
      } else if (ev.state !== undefined) {
        if (this.result === undefined) this.states.push(ev.state); // not the LOST of closing the session at the end
      }
      else if (ev.done === true) this.result = { session: ev.session!, eph: ev.eph! };
    });
    this.finished = new Promise((r) => this.proc.once("exit", () => r()));
  }
  /** Sessions lost (expired) before stop(). */
  get lost(): number {
    return this.states.filter((s) => s === "LOST" || s === "EXPIRED_ON_WRITE").length;
  }
  async stop(): Promise<void> {
    this.proc.stdin.end("stop\n");
    const t = setTimeout(() => this.proc.kill("SIGKILL"), 30_000);
    await this.finished;
    clearTimeout(t);
    if (this.result === undefined) throw new Error(`kazoo ended without its summary:\n${this.out.slice(-3000)}`);
  }
  kill(): void {
    this.proc.kill("SIGKILL");
  }
}

/** zkCli.sh (one JVM, one session) over the connect string: `get /mig/ctr`, the number it printed. */
function zkCliCtr(hosts: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      ZKCLI,
      ["-server", hosts, "get", "/mig/ctr"],
      { timeout: 60_000, env: { ...process.env, ZOO_LOG4J_PROP: "ERROR,CONSOLE", CLIENT_JVMFLAGS: "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" } },
      (err, stdout, stderr) => {
        const n = stdout.split("\n").map((l) => l.trim()).filter((l) => /^\d+$/.test(l));
        if (n.length === 1) resolve(Number(n[0]));
        else reject(new Error(`zkCli.sh get /mig/ctr: ${err?.message ?? ""}\n${stdout}\n${stderr}`));
      },
    );
  });
}

/**
 * ZooKeeper's PurgeTxnLog on a member's data dir (what autopurge does on a running member): keeps the 3 newest valid
 * snapshots and the logs a restore from the oldest of them needs. After it the member's state is in its snapshots,
 * not in the log from zxid 1. Resolves with the files removed.
 */
function purge(m: Member): Promise<number> {
  const files = () => readdirSync(join(m.dir, "version-2")).filter((f) => /^(log|snapshot)\./.test(f)).length;
  const before = files();
  return new Promise((resolve, reject) => {
    execFile(
      "/usr/bin/java",
      ["-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", `${REFERENCE_JAR}:${SLF4J_SIMPLE_JAR}`, "org.apache.zookeeper.server.PurgeTxnLog", m.dir, m.dir, "-n", "3"],
      { timeout: 60_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`PurgeTxnLog ${m.dir}: ${err.message}\n${stdout}${stderr}`)) : resolve(before - files())),
    );
  });
}

interface Swap {
  member: number;
  from: Impl;
  to: Impl;
  wasLeader: boolean;
  how: "SIGTERM" | "SIGKILL";
  /** Snapshot and log files PurgeTxnLog removed from the member's data dir just before. */
  purged: number;
  /** The snapshot the new process restored from (written by the one it replaced). */
  restored: string;
  /** From the stop signal to the new process caught up with the leader (ms). */
  ms: number;
  /** Longest gap between acks of each writer during the swap (ms). */
  gaps: { zktsClient: number; kazoo: number; raw: number };
}

/** Replaces `m` by `to` on the same zoo.cfg, myid and data dir; waits until it serves and has the leader's zxid. */
async function swap(
  ens: Ensemble,
  m: Member,
  to: Impl,
  how: Swap["how"],
  outputs: Map<string, () => string>,
): Promise<{ t0: number; t1: number; wasLeader: boolean; restored: string }> {
  const wasLeader = (await ens.mode(m)) === "leader";
  const fromStarted = startedAt.get(m.id)!;
  const t0 = Date.now();
  if (how === "SIGKILL") await ens.kill(m);
  else await ens.stop(m);
  startedAt.set(m.id, Date.now());
  const proc = await ens.start(m, to);
  outputs.set(`member${m.id}-${outputs.size}-${to}`, proc.output);
  const leader = await ens.waitStable(90_000);
  const target = await zxidOf(leader);
  expect(target, "the leader's zxid").toBeDefined();
  await waitFor(async () => ((await zxidOf(m)) ?? -1n) >= target!, 60_000, `member ${m.id} to catch up with the leader's zxid`);
  expect(await implOf(m)).toBe(to);
  // what the runbook says to watch: the leader's mntr counts both followers synced, the member is in broadcast
  const mntr = async (x: Member, key: string) => new RegExp(`^${key}\\s+(.*)$`, "m").exec(await fourLetter(x.clientPort, "mntr").catch(() => ""))?.[1];
  await waitFor(async () => (await mntr(leader, "zk_synced_followers")) === "2", 30_000, `zk_synced_followers 2 on the leader (member ${leader.id})`);
  await waitFor(async () => /^(following|leading) - broadcast$/.test((await mntr(m, "zk_peer_state")) ?? ""), 30_000, `zk_peer_state ... - broadcast on member ${m.id}`);
  const t1 = Date.now();
  // The snapshot it restored from (zkts: "ensemble data restored", ZooKeeper: FileSnap's "Reading snapshot"), written
  // by the implementation it replaced: the data dir was read across, not rebuilt from the log or the leader alone.
  const out = proc.output();
  const hex = to === "zkts" ? /"ensemble data restored","snapshotZxid":"0x([0-9a-f]+)"/.exec(out)?.[1] : /Reading snapshot \S*snapshot\.([0-9a-f]+)/.exec(out)?.[1];
  expect(hex, `member ${m.id} (${to}) restored from a snapshot`).toBeDefined();
  const file = `snapshot.${hex}`;
  expect(statSync(join(m.dir, "version-2", file)).mtimeMs, `${file} written by the process it replaced`).toBeGreaterThanOrEqual(fromStarted - 1000);
  return { t0, t1, wasLeader, restored: file };
}

/** Every path on every member, after a sync through that member. */
async function everyMemberHas(ens: Ensemble, paths: string[], what: string): Promise<void> {
  for (const m of ens.members) {
    const zk = await connect(`127.0.0.1:${m.clientPort}`, { sessionTimeout: 10_000 });
    try {
      await zk.sync("/");
    } finally {
      await zk.close();
    }
    await waitFor(() => hasAll(m.clientPort, paths), 30_000, `${what} on member ${m.id}`);
  }
}

/** The ephemeral `path` on every member, owned by session `owner`. */
async function ephemeralEverywhere(ens: Ensemble, path: string, owner: bigint): Promise<void> {
  for (const m of ens.members) {
    const zk = await connect(`127.0.0.1:${m.clientPort}`, { sessionTimeout: 10_000 });
    try {
      await zk.sync("/");
      const st = await zk.exists(path);
      expect(st, `${path} on member ${m.id}`).not.toBeNull();
      expect(st!.ephemeralOwner, `${path}'s owner on member ${m.id}`).toBe(owner);
    } finally {
      await zk.close();
    }
  }
}

describe.runIf(referenceAvailable())("rolling migration: Apache ZooKeeper 3.8 -> zkts -> Apache ZooKeeper 3.8 under load", () => {
  const ROUNDS = Number(process.env.ZKTS_MIGRATION_ROUNDS ?? 1);
  const TARGET: Impl = process.env.ZKTS_MIGRATION_TARGET === "zookeeper" ? "zookeeper" : "zkts";
  it("each member in turn replaced on its own zoo.cfg, myid and data dir; no acknowledged write lost, no session expired", async () => {
    const ens = await makeEnsemble(3, {
      tickTime: 500,
      impl: "zookeeper",
      // the same zoo.cfg for both: ZooKeeper-format snapshots (the way back), small snapCount (snapshots during the run)
      extra: { "snapshot.format": "zookeeper", snapCount: "200", maxSessionTimeout: "30000" },
    });
    const hosts = ens.members.map((m) => `127.0.0.1:${m.clientPort}`).join(",");
    let zk: ZooKeeperClient | undefined;
    let kazoo: KazooSession | undefined;
    const swaps: Swap[] = [];
    /** Every process's output (member, start number, implementation), kept in files when the test fails. */
    const outputs = new Map<string, () => string>();
    try {
      for (const m of ens.members) {
        startedAt.set(m.id, Date.now());
        outputs.set(`member${m.id}-${outputs.size}-zookeeper`, (await ens.start(m)).output);
      }
      await ens.waitStable(90_000);
      zk = await connect(hosts, { sessionTimeout: SESSION_MS, retryDelay: 50 });
      await zk.create("/mig", "");
      await zk.create("/mig/z", "");
      await zk.create("/mig/r", "");
      await zk.create("/mig/ctr", "-1");
      await zk.create("/mig/eph-zkts", "zkts", { mode: "ephemeral" });
      const zktsSession = zk.sessionId;
      kazoo = new KazooSession(hosts);
      await kazoo.ready;
      const w = new SessionWriter(zk, "/mig/z");
      const raw = new Writer(() => ens.members.filter((m) => m.proc !== undefined).map((m) => m.clientPort), "/mig/r");
      let swapsDone = 0;
      const phase = async (to: Impl) => {
        // followers first, the leader last: one election per pass, and every swapped member is up to date before it
        const leader = await ens.waitStable(90_000);
        const order = [...ens.members.filter((m) => m !== leader), leader];
        for (const m of order) {
          const from = (await implOf(m))!;
          // a few seconds of writes between swaps: several snapshots (snapCount=200) and some more log files
          const since = Date.now();
          const [a0, k0] = [w.acked.length, kazoo!.acked.length];
          await waitFor(() => Date.now() - since > 3_000 && w.acked.length > a0 + 50 && kazoo!.acked.length > k0 + 20, 60_000, "writes before the swap");
          const purged = await purge(m);
          const how = m === order[0] ? "SIGKILL" : "SIGTERM";
          const { t0, t1, wasLeader, restored } = await swap(ens, m, to, how, outputs);
          // the gap that ends after t1 (the first write after the swap) is the swap's too
          const ackAfter = (ts: number[], who: string) => waitFor(() => ts.length > 0 && ts[ts.length - 1]! > t1, 60_000, `a write of ${who} after swap ${swapsDone + 1}`);
          const stalled = async (e: Error) => {
            const cons = await Promise.all(ens.members.map(async (x) => `member ${x.id}: ${await fourLetter(x.clientPort, "cons").catch(() => "-")}`));
            throw new Error(
              `${e.message} (@zkts/client on ${JSON.stringify(zk!.connectedHost ?? null)}, state ${zk!.state}, outstanding ${zk!.outstanding}, errors ${w.errors.join("; ")}; ` +
                `kazoo states ${kazoo!.states.join(",")}, peers ${kazoo!.peers.join(",")}, errors ${kazoo!.errors.join("; ")}; member ports ${ens.members.map((x) => x.clientPort).join(",")})\n${cons.join("\n")}`,
            );
          };
          await ackAfter(w.times, "the @zkts/client writer").catch(stalled);
          await ackAfter(kazoo!.times, "kazoo").catch(stalled);
          await ackAfter(raw.okTimes, "the raw writer").catch(stalled);
          const gaps = { zktsClient: longestGap(w.times, t0, t1), kazoo: longestGap(kazoo!.times, t0, t1), raw: longestGap(raw.okTimes, t0, t1) };
          swaps.push({ member: m.id, from, to, wasLeader, how, purged, restored, ms: t1 - t0, gaps });
          swapsDone++;
        }
        expect(await Promise.all(ens.members.map(implOf))).toEqual([to, to, to]);
        // mid-way checks: what was acknowledged so far is on every member, and the live sessions' ephemerals too
        await everyMemberHas(ens, [...w.acked, ...kazoo!.acked, ...raw.acked], `acknowledged writes (all ${to})`);
        await ephemeralEverywhere(ens, "/mig/eph-zkts", zktsSession);
        await ephemeralEverywhere(ens, "/mig/eph-kazoo", BigInt(kazoo!.sessionId));
        const before = w.lastCtr;
        expect(await zkCliCtr(hosts), `zkCli.sh reads /mig/ctr (all ${to})`).toBeGreaterThanOrEqual(before);
      };
      for (let r = 0; r < ROUNDS; r++) {
        await phase(TARGET);
        await phase("zookeeper");
      }
      await w.stop();
      await raw.stop();
      await kazoo.stop();
      const acked = [...w.acked, ...kazoo.acked, ...raw.acked];
      await everyMemberHas(ens, acked, "every acknowledged write");
      await ephemeralEverywhere(ens, "/mig/eph-zkts", zktsSession);
      expect(kazoo.result, "kazoo's session and ephemeral at the end").toEqual({ session: kazoo.sessionId, eph: true });
      expect(zk.sessionId, "the @zkts/client session is the one it started with").toBe(zktsSession);
      const ctr = await zk.getData("/mig/ctr");
      expect(Number(ctr.data!.toString())).toBe(w.lastCtr);

      const lines = swaps.map(
        (s, i) =>
          `  swap ${i + 1}: member ${s.member} ${s.from} -> ${s.to}${s.wasLeader ? " (leader)" : ""} by ${s.how} (${s.purged} files purged before; restored ${s.restored}): ${(s.ms / 1000).toFixed(1)} s; ` +
          `longest gap between acked writes: @zkts/client ${s.gaps.zktsClient} ms, kazoo ${s.gaps.kazoo} ms, raw ${s.gaps.raw} ms`,
      );
      console.log(
        [
          `rolling ${TARGET === "zkts" ? "migration" : "restart (ZooKeeper -> ZooKeeper, baseline)"} (${ROUNDS} round${ROUNDS > 1 ? "s" : ""}, ${swaps.length} swaps):`,
          ...lines,
          `  acknowledged writes: ${acked.length} (@zkts/client ${w.acked.length} creates + ${w.times.length - w.acked.length} setData acks, kazoo ${kazoo.acked.length}, raw ${raw.acked.length}); lost: 0 (each read on each member after sync)`,
          `  session expirations: @zkts/client ${w.expired}, kazoo ${kazoo.lost} (session timeout ${SESSION_MS} ms); ephemerals of both sessions on every member: yes`,
        ].join("\n"),
      );
      expect(w.expired, "@zkts/client session expirations").toBe(0);
      expect(w.errors, "errors the @zkts/client writes got").toEqual([]);
      expect(kazoo.errors, "errors kazoo's writes got").toEqual([]);
      expect(kazoo.lost, `kazoo session losses (states: ${kazoo.states.join(",")})`).toBe(0);
    } catch (e) {
      console.log(`swaps so far: ${JSON.stringify(swaps)}`);
      console.log(`modes: ${(await Promise.all(ens.members.map((m) => ens.mode(m)))).join(",")}`);
      const keep = mkdtempSync(join(tmpdir(), "zkts-migration-logs-"));
      for (const [name, text] of outputs) writeFileSync(join(keep, `${name}.log`), text());
      console.log(`every process's output: ${keep}`);
      for (const m of ens.members) {
        const out = (m.proc?.output() ?? "").split("\n").filter((l) => !/Notification|Cannot open channel|Connection refused|srvr command|Processing srvr/.test(l));
        console.log(`--- member ${m.id}:\n${out.slice(-40).join("\n")}`);
      }
      throw e;
    } finally {
      kazoo?.kill();
      await zk?.close().catch(() => {});
      await ens.stopAll();
    }
  }, 120_000 + ROUNDS * 150_000); // one pass takes about 45 s here
});
