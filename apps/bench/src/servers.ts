/**
 * Starting the servers of `zkts-bench compare` with equivalent configuration: Apache ZooKeeper (Debian's 3.8
 * package) and zkts-server from this checkout, each on a free port with its own data dir under one base dir;
 * standalone, or as an ensemble of N members (`compare --ensemble 3`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REFERENCE_JAR = "/usr/share/java/zookeeper.jar";
export const JAVA = "/usr/bin/java";
/** The repository root (apps/bench/src or apps/bench/dist -> ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const ZKTS_SERVER_BIN = join(REPO_ROOT, "apps/server/bin/zkts-server.js");

export interface RunningServer {
  /** "ZooKeeper", "zkts", or for an ensemble member "ZooKeeper server.2". */
  name: string;
  /** myid of an ensemble member. */
  id?: number;
  port: number;
  server: string;
  pid: number;
  dataDir: string;
  process: ChildProcess;
  logFile: string;
  /** Graceful stop (SIGTERM, then SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<void>;
  /** Spawns the same server again (same zoo.cfg, data dir, port and log file): `compare --restart`. */
  respawn?: () => ChildProcess;
}

export interface ServerConfig {
  baseDir: string;
  tickTime?: number;
  /** Extra zoo.cfg lines. */
  config?: Record<string, string>;
  /** Run the server under `taskset -c <cpus>` (all its threads pinned to these CPUs). */
  cpus?: string;
}

export function freePort(): Promise<number> {
  return freePorts(1).then((p) => p[0]!);
}

/** n distinct ports chosen by the OS (all n listeners are held open until every port is known). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      ports.push(
        await new Promise<number>((res, rej) => {
          srv.on("error", rej);
          srv.listen(0, "127.0.0.1", () => {
            const a = srv.address();
            res(typeof a === "object" && a !== null ? a.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  }
}

/** Sends a four-letter word; resolves with the answer ("" on any error). */
export function fourLetter(port: number, word: string, timeoutMs = 5000): Promise<string> {
  return new Promise((res) => {
    const chunks: Buffer[] = [];
    const s = connect({ port, host: "127.0.0.1" }, () => s.write(word));
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on("data", (c) => chunks.push(c));
    s.on("error", () => undefined);
    s.on("close", () => {
      clearTimeout(timer);
      res(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

/** The ports of one ensemble member: `server.<id>=127.0.0.1:<quorumPort>:<electionPort>;127.0.0.1:<clientPort>`. */
export interface MemberPorts {
  id: number;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
}

/**
 * The zoo.cfg both servers get. Standalone: clientPort (on 127.0.0.1). Ensemble (`members`): no clientPort line,
 * each member's client address is in its server.N line, and the text is the same on every member but for dataDir.
 */
export function zooCfg(dataDir: string, cfg: ServerConfig, listen: { clientPort: number } | { members: MemberPorts[] }): string {
  const lines: Record<string, string> = {
    tickTime: String(cfg.tickTime ?? 2000),
    initLimit: "10",
    syncLimit: "5",
    dataDir,
    ...("clientPort" in listen ? { clientPort: String(listen.clientPort), clientPortAddress: "127.0.0.1" } : {}),
    maxClientCnxns: "0",
    forceSync: "yes",
    "admin.enableServer": "false",
    "4lw.commands.whitelist": "*",
    ...cfg.config,
  };
  const servers =
    "members" in listen
      ? listen.members.map((m) => `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort};127.0.0.1:${m.clientPort}`)
      : [];
  return [...Object.entries(lines).map(([k, v]) => `${k}=${v}`), ...servers].join("\n") + "\n";
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function waitServing(name: string, port: number, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited(child)) {
      throw new Error(`${name} exited early (${child.exitCode ?? child.signalCode}); log ${logFile}:\n${readLog(logFile)}`);
    }
    if ((await fourLetter(port, "srvr", 2000)).includes("Mode: standalone")) return;
    if (Date.now() > deadline) throw new Error(`${name} did not start serving in ${timeoutMs} ms; log ${logFile}:\n${readLog(logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The last `chars` characters of a log file ("" when missing). */
export function readLog(file: string, chars = 4000): string {
  try {
    return readFileSync(file, "utf8").slice(-chars);
  } catch {
    return "";
  }
}

// Every server child still running, killed (SIGKILL) when this process exits, and on SIGINT/SIGTERM, which would
// otherwise end this process without an "exit" event and leave the JVMs and zkts members behind.
const live = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
const killAll = () => {
  for (const c of live) if (!exited(c)) c.kill("SIGKILL");
  for (const f of cleanups) {
    try {
      f();
    } catch {
      // best effort on the way out
    }
  }
};
const onSignal = (signal: NodeJS.Signals) => {
  process.stderr.write(`zkts-bench: ${signal}, stopping the servers\n`);
  process.exit(signal === "SIGINT" ? 130 : 143); // runs killAll through the "exit" listener
};
function track(child: ChildProcess): void {
  if (live.size === 0 && cleanups.size === 0) {
    process.on("exit", killAll);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  live.add(child);
  child.once("exit", () => untrack(child));
  child.once("error", () => untrack(child)); // e.g. ENOENT: no "exit" follows
}
function untrack(child: ChildProcess | undefined, cleanup?: () => void): void {
  if (child) live.delete(child);
  if (cleanup) cleanups.delete(cleanup);
  if (live.size === 0 && cleanups.size === 0) {
    process.removeListener("exit", killAll);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/**
 * Runs `fn` (synchronous, e.g. removing the data dirs) if this process exits or is interrupted before the returned
 * function is called; call it to unregister.
 */
export function onAbort(fn: () => void): () => void {
  if (live.size === 0 && cleanups.size === 0) {
    process.on("exit", killAll);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  cleanups.add(fn);
  return () => untrack(undefined, fn);
}

export function handle(name: string, port: number, dataDir: string, child: ChildProcess, logFile: string, id?: number): RunningServer {
  track(child);
  return {
    name,
    ...(id !== undefined ? { id } : {}),
    port,
    server: `127.0.0.1:${port}`,
    pid: child.pid!,
    dataDir,
    process: child,
    logFile,
    async stop(timeoutMs = 15_000) {
      if (exited(child)) return;
      await new Promise<void>((res) => {
        const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.once("exit", () => {
          clearTimeout(t);
          res();
        });
        child.kill("SIGTERM");
      });
    },
  };
}

export function referenceAvailable(): boolean {
  return existsSync(REFERENCE_JAR) && existsSync(JAVA);
}

/** slf4j binding for the ensemble members' logs (Debian's zookeeper.jar alone logs nothing: slf4j's NOP logger). */
const ZK_LOG_JARS = ["/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"];

/**
 * The java command line of Apache ZooKeeper: zookeeper.jar (its manifest's Class-Path brings its dependencies),
 * -Xmx<heap>, the JVM's default collector (G1) as zkServer.sh runs it. With `log4jProperties`, also log4j 1.2 and its
 * slf4j binding (when installed), configured by that file.
 */
export function apacheZooKeeperArgs(o: { heap: string; cfgPath: string; mainClass: string; log4jProperties?: string }): string[] {
  const logJars = o.log4jProperties !== undefined && ZK_LOG_JARS.every((j) => existsSync(j)) ? ZK_LOG_JARS : [];
  return [
    `-Xmx${o.heap}`,
    "-Dzookeeper.jmx.log4j.disable=true",
    "-Dzookeeper.admin.enableServer=false",
    ...(logJars.length > 0 ? [`-Dlog4j.configuration=file:${o.log4jProperties}`] : []),
    "-cp",
    [REFERENCE_JAR, ...logJars].join(":"),
    o.mainClass,
    o.cfgPath,
  ];
}

/** The node command line of zkts-server (dist when fresh, else the sources through tsx), optionally under --cpu-prof. */
export function zktsServerArgs(o: { heapMb: number; cfgPath: string; profileDir?: string; logLevel?: string }): string[] {
  const nodeArgs = [`--max-old-space-size=${o.heapMb}`];
  if (o.profileDir !== undefined) {
    mkdirSync(o.profileDir, { recursive: true });
    nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${o.profileDir}`);
  }
  return [...nodeArgs, ZKTS_SERVER_BIN, "--log-level", o.logLevel ?? "warn", o.cfgPath];
}

/** Spawns a server with stdout and stderr appended to logFile (under `taskset -c cpus` when given: same pid). */
function spawnLogged(command: string, args: string[], logFile: string, cwd?: string, cpus?: string): ChildProcess {
  const fd = openSync(logFile, "a");
  try {
    if (cpus !== undefined) return spawn("taskset", ["-c", cpus, command, ...args], { cwd, stdio: ["ignore", fd, fd] });
    return spawn(command, args, { cwd, stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
}

/** Apache ZooKeeper with the given max heap (G1, the JVM default, as zkServer.sh runs it). */
export async function startApacheZooKeeper(cfg: ServerConfig & { heap: string }): Promise<RunningServer> {
  if (!referenceAvailable()) throw new Error("Apache ZooKeeper not installed (tooling/scripts/install-reference.sh)");
  const port = await freePort();
  const dataDir = join(cfg.baseDir, "zookeeper");
  mkdirSync(dataDir, { recursive: true });
  const cfgPath = join(cfg.baseDir, "zookeeper.cfg");
  writeFileSync(cfgPath, zooCfg(dataDir, cfg, { clientPort: port }));
  const logFile = join(cfg.baseDir, "zookeeper.log");
  const args = apacheZooKeeperArgs({ heap: cfg.heap, cfgPath, mainClass: "org.apache.zookeeper.server.ZooKeeperServerMain" });
  const h = handle("ZooKeeper", port, dataDir, spawnLogged(JAVA, args, logFile, undefined, cfg.cpus), logFile);
  h.respawn = () => spawnLogged(JAVA, args, logFile, undefined, cfg.cpus);
  try {
    await waitServing("Apache ZooKeeper", port, h.process, logFile, 60_000);
  } catch (e) {
    await h.stop(1000);
    throw e;
  }
  return h;
}

/** zkts-server from this checkout (dist when fresh, else the sources through tsx), optionally under --cpu-prof. */
export async function startZktsServer(
  cfg: ServerConfig & { heapMb: number; profileDir?: string; logLevel?: string },
): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = join(cfg.baseDir, "zkts");
  mkdirSync(dataDir, { recursive: true });
  const cfgPath = join(cfg.baseDir, "zkts.cfg");
  writeFileSync(cfgPath, zooCfg(dataDir, cfg, { clientPort: port }));
  const logFile = join(cfg.baseDir, "zkts.log");
  const zArgs = zktsServerArgs({ ...cfg, cfgPath });
  const h = handle("zkts", port, dataDir, spawnLogged(process.execPath, zArgs, logFile, REPO_ROOT, cfg.cpus), logFile);
  h.respawn = () => spawnLogged(process.execPath, zArgs, logFile, REPO_ROOT, cfg.cpus);
  try {
    await waitServing("zkts-server", port, h.process, logFile, 60_000);
  } catch (e) {
    await h.stop(1000);
    throw e;
  }
  return h;
}

export type ServerKind = "zookeeper" | "zkts";

export interface EnsembleConfig extends ServerConfig {
  kind: ServerKind;
  size: number;
  /** JVM -Xmx of each ZooKeeper member, e.g. "1g". */
  zkHeap: string;
  /** --max-old-space-size of each zkts member (MB). */
  zktsHeapMb: number;
  profileDir?: string;
  logLevel?: string;
  /** How long to wait for one leader and N-1 followers (default 60 s). */
  leaderTimeoutMs?: number;
}

export interface RunningEnsemble {
  kind: ServerKind;
  /** "ZooKeeper" or "zkts". */
  name: string;
  /** Every member, by id. */
  members: RunningServer[];
  leader: RunningServer;
  /** The other members, by id. */
  followers: RunningServer[];
  /** The srvr Mode of each member (by id) when the ensemble was found serving. */
  modes: string[];
  /** Time from spawning the members to one leader and N-1 followers. */
  electionMs: number;
  /** Stops every member (SIGTERM, then SIGKILL). */
  stop(timeoutMs?: number): Promise<void>;
}

/** The `Mode:` line of a srvr answer ("leader", "follower", "standalone"...), undefined when there is none. */
export function srvrMode(answer: string): string | undefined {
  return /^Mode: (\w+)/m.exec(answer)?.[1];
}

const ZK_LOG4J = `log4j.rootLogger=WARN, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
`;

/**
 * Starts an ensemble of `size` members of one kind under <baseDir>/<kind>-ensemble/s<id>/ (zoo.cfg, member.log, and
 * data/ with myid), every port from the OS, and waits until exactly one member answers srvr with `Mode: leader` and
 * every other one `Mode: follower`. On failure every member is stopped and the error names the member(s) at fault
 * with the tail of their logs. A bind failure (a chosen port taken meanwhile, e.g. by another process's outgoing
 * connection) is retried once with new ports.
 */
export async function startEnsemble(cfg: EnsembleConfig): Promise<RunningEnsemble> {
  if (cfg.kind === "zookeeper" && !referenceAvailable()) {
    throw new Error("Apache ZooKeeper not installed (tooling/scripts/install-reference.sh)");
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEnsembleOnce(cfg, attempt);
    } catch (e) {
      if (attempt >= 2 || !(e instanceof EnsembleStartError) || !e.bindFailure) throw e;
    }
  }
}

export class EnsembleStartError extends Error {
  constructor(
    message: string,
    readonly bindFailure: boolean,
  ) {
    super(message);
    this.name = "EnsembleStartError";
  }
}

const BIND_FAILURE = /Address already in use|EADDRINUSE|BindException/;

async function startEnsembleOnce(cfg: EnsembleConfig, attempt: number): Promise<RunningEnsemble> {
  const name = cfg.kind === "zookeeper" ? "ZooKeeper" : "zkts";
  const dir = join(cfg.baseDir, `${cfg.kind}-ensemble${attempt > 1 ? `-${attempt}` : ""}`);
  const ports = await freePorts(cfg.size * 3);
  const layout: MemberPorts[] = Array.from({ length: cfg.size }, (_, i) => ({
    id: i + 1,
    clientPort: ports[3 * i]!,
    quorumPort: ports[3 * i + 1]!,
    electionPort: ports[3 * i + 2]!,
  }));
  let log4jProperties: string | undefined;
  if (cfg.kind === "zookeeper") {
    mkdirSync(dir, { recursive: true });
    log4jProperties = join(dir, "log4j.properties");
    writeFileSync(log4jProperties, ZK_LOG4J);
  }
  const members: RunningServer[] = [];
  const t0 = performance.now();
  const stopAll = async (timeoutMs?: number) => {
    await Promise.all(members.map((m) => m.stop(timeoutMs)));
  };
  try {
    for (const m of layout) {
      const memberDir = join(dir, `s${m.id}`);
      const dataDir = join(memberDir, "data");
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, "myid"), `${m.id}\n`);
      const cfgPath = join(memberDir, "zoo.cfg");
      writeFileSync(cfgPath, zooCfg(dataDir, cfg, { members: layout }));
      const logFile = join(memberDir, "member.log");
      const child =
        cfg.kind === "zookeeper"
          ? spawnLogged(
              JAVA,
              apacheZooKeeperArgs({ heap: cfg.zkHeap, cfgPath, mainClass: "org.apache.zookeeper.server.quorum.QuorumPeerMain", log4jProperties }),
              logFile,
              memberDir,
            )
          : spawnLogged(
              process.execPath,
              zktsServerArgs({ heapMb: cfg.zktsHeapMb, cfgPath, profileDir: cfg.profileDir, logLevel: cfg.logLevel }),
              logFile,
              REPO_ROOT,
            );
      members.push(handle(`${name} server.${m.id}`, m.clientPort, dataDir, child, logFile, m.id));
    }
    const modes = await waitForLeader(name, members, cfg.leaderTimeoutMs ?? 60_000);
    const leader = members[modes.indexOf("leader")]!;
    return {
      kind: cfg.kind,
      name,
      members,
      leader,
      followers: members.filter((m) => m !== leader),
      modes,
      electionMs: performance.now() - t0,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll(2000);
    throw e;
  }
}

/**
 * Polls srvr on every member until exactly one says `Mode: leader` and all the others `Mode: follower`; returns the
 * modes (by member). Throws EnsembleStartError, with the tail of the log of each member at fault (exited, not
 * serving, or one of several leaders), when a member exits or after timeoutMs.
 */
export async function waitForLeader(name: string, members: RunningServer[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = members.filter((m) => exited(m.process));
    if (dead.length > 0) {
      throw ensembleError(
        `${name} ensemble: ${dead.map((m) => `${m.name} (pid ${m.pid}) exited (${m.process.exitCode ?? m.process.signalCode})`).join(", ")} before a leader was elected`,
        dead,
      );
    }
    const modes = (await Promise.all(members.map((m) => fourLetter(m.port, "srvr", 2000)))).map((a) => srvrMode(a) ?? "");
    const leaders = modes.filter((x) => x === "leader").length;
    if (leaders === 1 && modes.every((x) => x === "leader" || x === "follower")) return modes;
    if (Date.now() > deadline) {
      const state = members.map((m, i) => `${m.name}: ${modes[i] === "" ? "not serving" : modes[i]}`).join(", ");
      // At fault: the members not serving as leader or follower; with several leaders, those; else all of them.
      let culprits = members.filter((_, i) => modes[i] !== "leader" && modes[i] !== "follower");
      if (culprits.length === 0 && leaders > 1) culprits = members.filter((_, i) => modes[i] === "leader");
      if (culprits.length === 0) culprits = members;
      throw ensembleError(`${name} ensemble: no single leader with ${members.length - 1} followers within ${timeoutMs} ms (${state})`, culprits);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function ensembleError(message: string, culprits: RunningServer[]): EnsembleStartError {
  const logs = culprits.map((m) => `--- ${m.name}: tail of ${m.logFile}\n${readLog(m.logFile, 3000).trimEnd() || "(empty)"}`);
  const bindFailure = culprits.some((m) => BIND_FAILURE.test(readLog(m.logFile, 20_000)));
  return new EnsembleStartError(`${message}\n${logs.join("\n")}`, bindFailure);
}

/** WARN and ERROR lines of a server log (ZooKeeper's log4j pattern, zkts's JSON or text lines), with a few examples. */
export function logProblems(file: string): { warnings: number; errors: number; examples: string[] } {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { warnings: 0, errors: 0, examples: [] };
  }
  let warnings = 0;
  let errors = 0;
  const examples: string[] = [];
  for (const line of text.split("\n")) {
    const isError = /\s(ERROR|FATAL)\s|"level":"(error|fatal)"|^\s*(\w*Error|Unhandled|Uncaught)\b/.test(line);
    const isWarn = !isError && /\sWARN\s|"level":"warn"/.test(line);
    if (isError) errors++;
    else if (isWarn) warnings++;
    else continue;
    if (examples.length < 5) examples.push(line.length > 300 ? line.slice(0, 300) + "..." : line);
  }
  return { warnings, errors, examples };
}

/** utime + stime of a process in seconds (/proc/<pid>/stat, USER_HZ 100); with `mainThread`, of its main thread only. */
export function processCpuSeconds(pid: number, mainThread = false): number {
  const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmRSS and VmHWM of a process, in bytes (from /proc/<pid>/status). */
export function processMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Txn log files (log.*) under <dataDir>/version-2 and their total size: the sign of a persistent server. */
export function txnLogs(dataDir: string): { files: number; bytes: number } {
  const dir = join(dataDir, "version-2");
  if (!existsSync(dir)) return { files: 0, bytes: 0 };
  let files = 0;
  let bytes = 0;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith("log.")) continue;
    files++;
    bytes += statSync(join(dir, f)).size;
  }
  return { files, bytes };
}
