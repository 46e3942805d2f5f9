/**
 * `TestingCluster`: an N-member zkts ensemble for tests, inside the test process (default) or as `zkts-server`
 * child processes (`processes: true`), on free ports with temporary data dirs. Members can be killed and
 * restarted, cut off the ensemble and healed, and (as processes) paused with SIGSTOP.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseConfig, runEnsemble, type RunningZkts } from "@zkts/server";
import { configText, quietLogger, type ServerLogger } from "./config.js";
import { fourLetterWord, freeListenPort, serverMode } from "./ports.js";

export interface TestingClusterOptions {
  /** Voting members (default 3). */
  size?: number;
  /** Observers besides them (default 0). */
  observers?: number;
  /** tickTime in ms (default 200: elections and failure detection in a fraction of a second; sessions 0.4-4 s). */
  tickTime?: number;
  /** Run members as `zkts-server` child processes (real kill -9 and SIGSTOP) instead of inside this process. */
  processes?: boolean;
  /** More zoo.cfg keys for every member. */
  config?: Record<string, string>;
  /** Server log lines of in-process members (default: dropped). */
  logger?: ServerLogger;
  /** How long `start` waits for a leader (default 30 s). */
  startTimeoutMs?: number;
}

type Runner = { kind: "in-process"; running: RunningZkts } | { kind: "process"; child: ChildProcess; exited: Promise<void>; paused: boolean };

export class TestingMember {
  /** @internal */ runner: Runner | undefined;

  /** @internal */
  constructor(
    readonly id: number,
    readonly clientPort: number,
    readonly dataDir: string,
    readonly cfgPath: string,
    readonly observer: boolean,
    private readonly cluster: { processes: boolean; logger: ServerLogger; cfgText: string; isClosed: () => boolean },
  ) {}

  get connectString(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get isRunning(): boolean {
    return this.runner !== undefined;
  }

  /** `srvr`'s Mode ("leader", "follower", "observer", "read-only"; "looking" while not serving), undefined when it does not answer. */
  mode(): Promise<string | undefined> {
    return this.runner === undefined ? Promise.resolve(undefined) : serverMode(this.clientPort);
  }

  /**
   * Waits until `mode()` is `mode` (or one of `modes`), e.g. `"follower"` after a restart or `"looking"` once
   * isolated; resolves with it. Rejects after `timeoutMs` (default 30 s), naming the last mode seen.
   */
  async waitForMode(modes: string | readonly string[], timeoutMs = 30_000): Promise<string> {
    const wanted: readonly string[] = typeof modes === "string" ? [modes] : modes;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mode = await this.mode();
      if (mode !== undefined && wanted.includes(mode)) return mode;
      if (Date.now() > deadline) throw new Error(`member ${this.id}: mode ${mode ?? "(no answer)"}, not ${wanted.join(" or ")}, after ${timeoutMs} ms`);
      await sleep(25);
    }
  }

  /** Starts the member (again) on its ports and data. */
  async start(): Promise<void> {
    if (this.cluster.isClosed()) throw new Error(`member ${this.id}: its TestingCluster is closed (its data dir is gone)`);
    if (this.runner !== undefined) return;
    if (this.cluster.processes) {
      const child = spawn(process.execPath, [serverBin(), this.cfgPath], { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      this.runner = { kind: "process", child, exited, paused: false };
      void exited.then(() => {
        if (this.runner?.kind === "process" && this.runner.child === child) this.runner = undefined;
      });
      const deadline = Date.now() + 30_000;
      // up once its client port answers (a member still electing says it is not serving)
      while ((await fourLetterWord(this.clientPort, "srvr", 500)).length === 0) {
        if (this.runner === undefined) throw new Error(`member ${this.id} exited:\n${err}`);
        if (Date.now() > deadline) throw new Error(`member ${this.id} did not open its client port:\n${err}`);
        await sleep(50);
      }
      return;
    }
    const cfg = parseConfig(this.cluster.cfgText.replace("@DATADIR@", this.dataDir), { fileName: this.cfgPath, env: {} });
    const running = await runEnsemble(cfg, {
      logger: this.cluster.logger,
      onFatal: () => void this.kill(),
    });
    this.runner = { kind: "in-process", running };
  }

  /**
   * Stops the member abruptly: SIGKILL for a process (unsynced writes lost, as a crash); in-process, its sockets
   * are closed at once without draining requests.
   */
  async kill(): Promise<void> {
    const r = this.runner;
    this.runner = undefined;
    if (r === undefined) return;
    if (r.kind === "process") {
      r.child.kill("SIGKILL");
      await r.exited;
    } else await r.running.shutdown(0);
  }

  /** Kill, then start again. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /**
   * Cuts the member off the other members (quorum and election traffic, both ways) while its clients stay
   * connected: a network partition. In-process members only.
   */
  isolate(): void {
    this.inProcess("isolate").isolate?.(true);
  }

  heal(): void {
    this.inProcess("heal").isolate?.(false);
  }

  /** SIGSTOP: the member stops dead (timers, sockets), as a long GC pause or a frozen VM. Process members only. */
  pause(): void {
    const r = this.process("pause");
    r.child.kill("SIGSTOP");
    r.paused = true;
  }

  resume(): void {
    const r = this.process("resume");
    r.child.kill("SIGCONT");
    r.paused = false;
  }

  private inProcess(what: string): RunningZkts {
    if (this.runner?.kind !== "in-process") throw new Error(`${what}: member ${this.id} is not running in this process`);
    return this.runner.running;
  }

  private process(what: string): Extract<Runner, { kind: "process" }> {
    if (this.runner?.kind !== "process") throw new Error(`${what}: member ${this.id} is not a running process (start the cluster with processes: true)`);
    return this.runner;
  }
}

export class TestingCluster {
  private closed = false;

  private constructor(
    readonly root: string,
    readonly members: readonly TestingMember[],
  ) {}

  static async start(opts: TestingClusterOptions = {}): Promise<TestingCluster> {
    const size = opts.size ?? 3;
    const observers = opts.observers ?? 0;
    const total = size + observers;
    const root = mkdtempSync(join(tmpdir(), "zkts-testing-cluster-"));
    try {
      const taken = new Set<number>();
      const ports: Array<{ client: number; quorum: number; election: number }> = [];
      for (let i = 0; i < total; i++) ports.push({ client: await freeListenPort(taken), quorum: await freeListenPort(taken), election: await freeListenPort(taken) });
      const lines = ports.map((p, i) => `server.${i + 1}=127.0.0.1:${p.quorum}:${p.election}${i >= size ? ":observer" : ""};127.0.0.1:${p.client}`);
      const members = ports.map((p, i) => {
        const dir = join(root, `member${i + 1}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "myid"), `${i + 1}\n`);
        const text = configText(
          {
            tickTime: String(opts.tickTime ?? 200),
            initLimit: "10",
            syncLimit: "5",
            dataDir: "@DATADIR@",
            maxClientCnxns: "0",
            "admin.enableServer": "false",
            "4lw.commands.whitelist": "*",
            ...(i >= size ? { peerType: "observer" } : {}),
            ...opts.config,
          },
          lines,
        );
        const cfgPath = join(dir, "zoo.cfg");
        writeFileSync(cfgPath, text.replace("@DATADIR@", dir));
        return new TestingMember(i + 1, p.client, dir, cfgPath, i >= size, { processes: opts.processes === true, logger: opts.logger ?? quietLogger, cfgText: text, isClosed: (): boolean => cluster.closed });
      });
      const cluster = new TestingCluster(root, members);
      try {
        await Promise.all(members.map((m) => m.start()));
        await cluster.waitForLeader(opts.startTimeoutMs ?? 30_000);
      } catch (e) {
        await cluster.close();
        throw e;
      }
      return cluster;
    } catch (e) {
      rmSync(root, { recursive: true, force: true });
      throw e;
    }
  }

  /** Every member's client address, for a client that may use any of them. */
  get connectString(): string {
    return this.members.map((m) => m.connectString).join(",");
  }

  member(id: number): TestingMember {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  /**
   * Waits until exactly one running member leads and every other running, connected member follows or observes;
   * resolves with the leader.
   */
  async waitForLeader(timeoutMs = 30_000): Promise<TestingMember> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      const running = this.members.filter((m) => m.isRunning);
      const modes = await Promise.all(running.map((m) => m.mode()));
      last = running.map((m, i) => `${m.id}:${modes[i] ?? "-"}`).join(" ");
      const leaders = running.filter((_, i) => modes[i] === "leader");
      if (leaders.length === 1 && modes.every((x) => x === "leader" || x === "follower" || x === "observer")) return leaders[0]!;
      if (Date.now() > deadline) throw new Error(`no stable leader within ${timeoutMs} ms (${last})`);
      await sleep(25);
    }
  }

  /** The current leader (waits for one). */
  leader(timeoutMs?: number): Promise<TestingMember> {
    return this.waitForLeader(timeoutMs);
  }

  /**
   * Kills every member (a whole-ensemble crash), starts them all again on the same ports and data, and waits for a
   * leader; resolves with it. Members that were stopped are started too.
   */
  async restartAll(timeoutMs = 30_000): Promise<TestingMember> {
    if (this.closed) throw new Error("TestingCluster is closed");
    await Promise.all(this.members.map((m) => m.kill()));
    await Promise.all(this.members.map((m) => m.start()));
    return this.waitForLeader(timeoutMs);
  }

  /**
   * Expires a session now, on the leader (which expires sessions for the ensemble), as its timeout would. In-process
   * members only. False when the leader does not know the session.
   */
  async expireSession(sessionId: bigint): Promise<boolean> {
    const leader = await this.leader();
    if (leader.runner?.kind !== "in-process") throw new Error("expireSession needs in-process members (processes: false)");
    return leader.runner.running.core.expireSession(sessionId);
  }

  /** Stops every member and removes the data dirs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.members.map(async (m) => {
        if (m.runner?.kind === "process" && m.runner.paused) m.resume();
        await m.kill();
      }),
    );
    rmSync(this.root, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The zkts-server launcher of the installed @zkts/server. */
function serverBin(): string {
  return join(dirname(createRequire(import.meta.url).resolve("@zkts/server/package.json")), "bin", "zkts-server.js");
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
