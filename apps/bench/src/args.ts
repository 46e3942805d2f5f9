/** Command-line parsing for zkts-bench (no dependencies; every option also accepts --name=value). */

export const WORKLOADS = ["get", "set", "exists", "create", "delete", "getChildren", "multi", "multi5"] as const;
export type Workload = (typeof WORKLOADS)[number];

const WORKLOAD_ALIASES: Record<string, Workload> = {
  get: "get",
  getdata: "get",
  read: "get",
  set: "set",
  setdata: "set",
  write: "set",
  exists: "exists",
  create: "create",
  getchildren: "getChildren",
  children: "getChildren",
  ls: "getChildren",
  multi: "multi",
  delete: "delete",
  del: "delete",
  multi5: "multi5",
  mixedmulti: "multi5",
};

/** Parses a workload name (case-insensitive; getData, setData, ls, children accepted as aliases). */
export function parseWorkload(name: string): Workload {
  const w = WORKLOAD_ALIASES[name.trim().toLowerCase()];
  if (w === undefined) throw new ArgError(`unknown workload "${name}" (one of ${WORKLOADS.join(", ")})`);
  return w;
}

/** A weighted mix of workloads, weights > 0. */
export type Mix = Array<{ workload: Workload; weight: number }>;

/** Parses `get=80,set=20` (a bare name has weight 1; duplicates add up). */
export function parseMix(text: string): Mix {
  const mix: Mix = [];
  for (const part of text.split(",")) {
    const p = part.trim();
    if (p === "") continue;
    const eq = p.indexOf("=");
    const name = eq < 0 ? p : p.slice(0, eq);
    const weight = eq < 0 ? 1 : Number(p.slice(eq + 1));
    if (!Number.isFinite(weight) || weight < 0) throw new ArgError(`bad weight in mix entry "${p}"`);
    const workload = parseWorkload(name);
    if (weight === 0) continue;
    const existing = mix.find((m) => m.workload === workload);
    if (existing) existing.weight += weight;
    else mix.push({ workload, weight });
  }
  if (mix.length === 0) throw new ArgError(`empty mix "${text}"`);
  return mix;
}

/** Human name of a mix: `get` or `get=80,set=20`. */
export function mixName(mix: Mix): string {
  if (mix.length === 1) return mix[0]!.workload;
  return mix.map((m) => `${m.workload}=${m.weight}`).join(",");
}

/** Parses a duration: `10` or `10s` (seconds), `500ms`, `1.5s`, `2m`. Returns milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!m) throw new ArgError(`bad duration "${text}" (e.g. 10, 10s, 500ms, 2m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return Math.round(unit === "ms" ? n : unit === "s" ? n * 1000 : n * 60_000);
}

/** Parses a count: `1000`, `10k`, `1m`, `1_000_000`. */
export function parseCount(text: string, name = "value"): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM])?\s*$/.exec(text.replace(/_/g, ""));
  if (!m) throw new ArgError(`${name}: bad number "${text}"`);
  const mult = m[2] === undefined ? 1 : m[2].toLowerCase() === "k" ? 1000 : 1_000_000;
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n)) throw new ArgError(`${name}: bad number "${text}"`);
  return n;
}

export class ArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArgError";
  }
}

export interface BenchOptions {
  /** host:port of the server. */
  server: string;
  mix: Mix;
  connections: number;
  /** Outstanding (pipelined) requests per connection. */
  depth: number;
  valueSize: number;
  durationMs: number;
  warmupMs: number;
  /** Size of the key space created under `root` before the run (get/set/exists/multi pick keys from it). */
  keys: number;
  /** Children of `${root}/ls`, the node getChildren lists. */
  children: number;
  /** setData ops per multi. */
  multiOps: number;
  /**
   * Nodes the delete workload creates before the load (outside the measured window, spread over the connections) and
   * deletes in the measured window; the window ends early when a connection has deleted all of its share.
   */
  deletePool: number;
  root: string;
  /** Keep the bench tree (and skip re-creating existing keys) instead of deleting it afterwards. */
  keep: boolean;
  /** Skip the set-up phase (the key space must exist, e.g. from an earlier --keep run). */
  noSetup: boolean;
  /** Extra sessions that only connect and ping. */
  sessions: number;
  /** Idle mode: no load connections, only the `sessions` idle ones plus one probe connection (depth 1). */
  idle: boolean;
  /** Concurrent connection attempts while opening sessions. */
  connectConcurrency: number;
  sessionTimeoutMs: number;
  procs: number;
  json: boolean;
  seed: number;
  /** Decode every reply body with @zkts/client-wire (slower; by default only the reply header is read). */
  decode: boolean;
  /**
   * Source addresses 127.0.0.1..127.0.0.<n> the connections are spread over (one address has one ephemeral port
   * range towards a server port). 0: as many as the connection count needs (one per 2,500) with a loopback server.
   */
  sourceAddresses: number;
  /** Watch scale scenario (scale.ts) instead of a load: this many watches registered, then all fired. 0: off. */
  watches: number;
  /** Sessions the watches are spread over (each watches watches/watchSessions nodes). */
  watchSessions: number;
  /** pid of the server (same machine): its resident memory is reported by the scale scenarios. */
  serverPid: number | undefined;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  server: "127.0.0.1:2181",
  mix: [{ workload: "get", weight: 1 }],
  connections: 8,
  depth: 32,
  valueSize: 100,
  durationMs: 10_000,
  warmupMs: 2_000,
  keys: 10_000,
  children: 10,
  multiOps: 4,
  deletePool: 200_000,
  root: "/zkts-bench",
  keep: false,
  noSetup: false,
  sessions: 0,
  idle: false,
  connectConcurrency: 200,
  sessionTimeoutMs: 30_000,
  procs: 1,
  json: false,
  seed: 1,
  decode: false,
  sourceAddresses: 0,
  watches: 0,
  watchSessions: 10,
  serverPid: undefined,
};

export interface CompareOptions {
  quick: boolean;
  /** Znodes of 100 bytes loaded before reading each server's RSS. */
  memoryNodes: number;
  durationMs: number;
  warmupMs: number;
  rounds: number;
  connections: number;
  depth: number;
  keys: number;
  valueSize: number;
  procs: number;
  /** Base directory for both servers' data dirs (same disk). */
  dataDir: string | undefined;
  /** Max heap of the JVM, e.g. "4g". */
  zkHeap: string;
  /** --max-old-space-size for zkts (MB). */
  zktsHeapMb: number;
  workloads: Mix[];
  json: boolean;
  /** Also write the markdown table to this file (appended). */
  markdown: string | undefined;
  /** Write a CPU profile of zkts per workload into this directory. */
  profileDir: string | undefined;
  /** Both servers run under `taskset -c <serverCpus>` (every thread pinned to these CPUs); undefined: not pinned. */
  serverCpus: string | undefined;
  /** Extra zoo.cfg lines for zkts only (e.g. zkts.txnLogWorker=true). */
  zktsConfig: Record<string, string>;
  skipMemory: boolean;
  /** Stop each server after the memory phase, start it again on its data dir and time it to its first getData. */
  restart: boolean;
  /**
   * 0: both servers standalone. N >= 3: an N-member ensemble of each server, one after the other; each workload in
   * `workloads` (single workloads only) runs with every connection to the leader (writes) and spread over the
   * followers (writes and reads).
   */
  ensemble: number;
  /**
   * `compare --scale`: instead of the workloads, the scale scenarios (scale.ts) against both servers, one after the
   * other: `scaleSessions` idle pinging sessions with a probe, then `scaleWatches` watches over `watchSessions`
   * sessions registered and fired (0 skips either).
   */
  scale: boolean;
  scaleSessions: number;
  scaleWatches: number;
  watchSessions: number;
  /**
   * `compare --znodes N` (0: off): instead of the workloads, N znodes of 100 bytes loaded into each server in turn
   * (never both at once), its RSS, get and set latency at that size and its restart (compare-znodes.ts).
   */
  znodes: number;
  /** `--only zkts|zookeeper`: run `--znodes` against one server only. */
  only: "zkts" | "zookeeper" | undefined;
}

export const DEFAULT_COMPARE: CompareOptions = {
  quick: false,
  memoryNodes: 1_000_000,
  durationMs: 10_000,
  warmupMs: 3_000,
  rounds: 2,
  connections: 8,
  depth: 32,
  keys: 10_000,
  valueSize: 100,
  procs: 1,
  dataDir: undefined,
  zkHeap: "4g",
  zktsHeapMb: 4096,
  workloads: [
    [{ workload: "get", weight: 1 }],
    [{ workload: "set", weight: 1 }],
    [{ workload: "create", weight: 1 }],
    [{ workload: "delete", weight: 1 }],
    [{ workload: "multi5", weight: 1 }],
    [
      { workload: "get", weight: 80 },
      { workload: "set", weight: 20 },
    ],
  ],
  json: false,
  markdown: undefined,
  profileDir: undefined,
  serverCpus: undefined,
  zktsConfig: {},
  skipMemory: false,
  restart: false,
  ensemble: 0,
  scale: false,
  scaleSessions: 19_000,
  scaleWatches: 1_000_000,
  watchSessions: 10,
  znodes: 0,
  only: undefined,
};

/** What --ensemble changes, unless given explicitly: the workloads, and 1 GB of heap per member (3 per machine). */
export const ENSEMBLE_COMPARE: Partial<CompareOptions> = {
  zkHeap: "1g",
  zktsHeapMb: 1024,
  workloads: [[{ workload: "set", weight: 1 }], [{ workload: "get", weight: 1 }], [{ workload: "create", weight: 1 }]],
};

/** What --znodes changes, unless given explicitly: heaps with room for 10,000,000 znodes (one server at a time). */
export const ZNODES_HEAPS = { zkHeap: "18g", zktsHeapMb: 16_384 } as const;

/** Workloads that write (run against the leader and against the followers with --ensemble); the others read. */
export const WRITE_WORKLOADS: ReadonlySet<Workload> = new Set(["set", "create", "delete", "multi", "multi5"]);

export const QUICK_COMPARE: Partial<CompareOptions> = {
  quick: true,
  memoryNodes: 100_000,
  durationMs: 3_000,
  warmupMs: 1_000,
  rounds: 1,
};

export type Command =
  | { command: "run"; options: BenchOptions }
  | { command: "compare"; options: CompareOptions }
  | { command: "help"; text: string }
  | { command: "worker" }
  | { command: "pause-control" }
  | { command: "profile"; file: string; top: number };

export const USAGE = `Usage: zkts-bench [run] [options]        load any ZooKeeper-protocol server
       zkts-bench compare [--quick] [...]   zkts vs Apache ZooKeeper side by side
       zkts-bench compare --ensemble 3 [--quick] [...]   the same with a 3-member ensemble of each
       zkts-bench profile <file.cpuprofile> [--top N]   self time per function/package

Run options:
  -s, --server <host:port>     server to load (default 127.0.0.1:2181); a list host:port,host:port,...
                               spreads the connections over the servers (set-up through the first)
  -w, --workload <name>        get | set | exists | create | delete | getChildren | multi | multi5 (default get)
  -m, --mix <w=n,...>          weighted mix, e.g. get=80,set=20 (overrides --workload)
  -c, --connections <n>        load connections (sessions) (default 8)
  -d, --depth <n>              pipelined outstanding requests per connection (default 32)
      --value-size <bytes>     data size for set/create/multi and the key space (default 100)
  -t, --duration <time>        measured time: 10, 10s, 500ms, 2m (default 10s)
      --warmup <time>          unmeasured load before it (default 2s)
  -k, --keys <n>               key space created under --root first (default 10000; 10k, 1m accepted)
      --children <n>           children of <root>/ls listed by getChildren (default 10)
      --multi-ops <n>          setData ops per multi (default 4)
      --delete-pool <n>        nodes created before a delete run, deleted in it (default 200k)
      --root <path>            bench tree root (default /zkts-bench)
      --keep                   keep the bench tree afterwards (and reuse existing keys)
      --no-setup               skip the set-up phase (the tree exists from a --keep run)
      --sessions <n>           extra sessions that only connect and ping
      --idle                   only the idle sessions plus one probe connection measuring latency (depth 1)
      --connect-concurrency <n> parallel connection attempts while opening sessions (default 200)
      --session-timeout <ms>   requested session timeout (default 30000)
      --source-addresses <n>   spread the connections over source addresses 127.0.0.1..127.0.0.<n>
                               (default: one per 2,500 connections to a loopback server)
      --watches <n>            watch scale scenario: n watches (getData) over --watch-sessions sessions
                               registered, then all fired by setData; a probe measures latency meanwhile
      --watch-sessions <n>     sessions holding the watches (default 10; nodes = watches / sessions)
      --server-pid <pid>       the server's pid (same machine): report its resident memory
  -p, --procs <n>              worker processes sharing the connections (default 1 = in-process)
      --seed <n>               random seed of key choice (default 1)
      --decode                 decode every reply body (default: headers only)
      --json                   one JSON document instead of the human summary
  -h, --help

Compare options (also: --connections --depth --keys --value-size --procs --json):
      --quick                  short runs, 100k znodes for the memory figure
      --memory-nodes <n>       znodes of 100 bytes loaded before reading RSS (default 1m, quick 100k)
      --skip-memory            no memory phase
      --restart                after the memory phase, stop each server (SIGTERM) and time its restart on
                               the same data dir to its first getData
      --duration <time>, --warmup <time>, --rounds <n>   per workload and server (default 10s, 3s, 2)
      --workloads <list>       ';'-separated mixes (default get;set;create;delete;multi5;get=80,set=20)
      --data-dir <dir>         base dir of both servers' data dirs (default: a temp dir under the cwd disk)
      --zk-heap <size>         JVM -Xmx of Apache ZooKeeper (default 4g)
      --zkts-heap <mb>         --max-old-space-size of zkts (default 4096)
      --markdown <file>        append the result table to this file
      --profile <dir>          run zkts under node --cpu-prof, profiles into <dir>
      --server-cpus <list>     run both servers under taskset -c <list> (e.g. 0 for one core, 0,1 for two)
      --zkts-config <k=v,...>  extra zoo.cfg lines for zkts only (e.g. zkts.txnLogWorker=true)
      --scale                  the scale scenarios instead of the workloads, each server in turn, with
                               jvm.pause.monitor=true (10 ms): --sessions <n> idle sessions + a probe
                               (default 19000; 0 skips), --watches <n> watches (default 1m; 0 skips) over
                               --watch-sessions <n> sessions (default 10), --procs bench processes
      --znodes <n>             the large-tree scenario instead of the workloads, one server at a time (zkts,
                               then ZooKeeper): n znodes of 100 B loaded, RSS, get and set latency over
                               them (--duration, --warmup), restart timed to the first getData; heaps
                               default to 18g / 16384 MB; --only zkts|zookeeper runs one server
      --ensemble <n>           n-member ensembles (n >= 3), ZooKeeper's then zkts's (alternating per round):
                               writes with every connection to the leader, writes and reads spread over
                               the followers; --workloads is then a list of single workloads (default
                               set,get,create), heaps default to 1g / 1024 MB per member, no memory phase
`;

type Setter<T> = (o: T, v: string) => void;

function positive(name: string, v: string, allowZero = false): number {
  const n = parseCount(v, name);
  if (n < (allowZero ? 0 : 1)) throw new ArgError(`${name} must be ${allowZero ? ">= 0" : ">= 1"}`);
  return n;
}

const RUN_OPTIONS: Record<string, Setter<BenchOptions>> = {
  "--server": (o, v) => {
    if (!/^[^:\s,]+:\d+(,[^:\s,]+:\d+)*$/.test(v)) throw new ArgError(`--server must be host:port[,host:port...], got "${v}"`);
    o.server = v;
  },
  "--workload": (o, v) => (o.mix = [{ workload: parseWorkload(v), weight: 1 }]),
  "--mix": (o, v) => (o.mix = parseMix(v)),
  "--connections": (o, v) => (o.connections = positive("--connections", v, true)),
  "--depth": (o, v) => (o.depth = positive("--depth", v)),
  "--value-size": (o, v) => (o.valueSize = positive("--value-size", v, true)),
  "--duration": (o, v) => (o.durationMs = parseDuration(v)),
  "--warmup": (o, v) => (o.warmupMs = parseDuration(v)),
  "--keys": (o, v) => (o.keys = positive("--keys", v)),
  "--children": (o, v) => (o.children = positive("--children", v, true)),
  "--multi-ops": (o, v) => (o.multiOps = positive("--multi-ops", v)),
  "--delete-pool": (o, v) => (o.deletePool = positive("--delete-pool", v)),
  "--root": (o, v) => {
    if (!v.startsWith("/") || v.endsWith("/") || v === "/") throw new ArgError(`--root must be an absolute path other than /`);
    o.root = v;
  },
  "--sessions": (o, v) => (o.sessions = positive("--sessions", v, true)),
  "--connect-concurrency": (o, v) => (o.connectConcurrency = positive("--connect-concurrency", v)),
  "--session-timeout": (o, v) => (o.sessionTimeoutMs = positive("--session-timeout", v)),
  "--procs": (o, v) => (o.procs = positive("--procs", v)),
  "--seed": (o, v) => (o.seed = positive("--seed", v, true)),
  "--source-addresses": (o, v) => {
    const n = positive("--source-addresses", v, true);
    if (n > 254) throw new ArgError("--source-addresses must be 254 or fewer (127.0.0.1..127.0.0.254)");
    o.sourceAddresses = n;
  },
  "--watches": (o, v) => (o.watches = positive("--watches", v, true)),
  "--watch-sessions": (o, v) => (o.watchSessions = positive("--watch-sessions", v)),
  "--server-pid": (o, v) => (o.serverPid = positive("--server-pid", v)),
};
const RUN_FLAGS: Record<string, (o: BenchOptions) => void> = {
  "--keep": (o) => (o.keep = true),
  "--no-setup": (o) => (o.noSetup = true),
  "--idle": (o) => (o.idle = true),
  "--json": (o) => (o.json = true),
  "--decode": (o) => (o.decode = true),
};
const SHORT: Record<string, string> = {
  "-s": "--server",
  "-w": "--workload",
  "-m": "--mix",
  "-c": "--connections",
  "-d": "--depth",
  "-t": "--duration",
  "-k": "--keys",
  "-p": "--procs",
};

const COMPARE_OPTIONS: Record<string, Setter<CompareOptions>> = {
  "--memory-nodes": (o, v) => (o.memoryNodes = positive("--memory-nodes", v, true)),
  "--duration": (o, v) => (o.durationMs = parseDuration(v)),
  "--warmup": (o, v) => (o.warmupMs = parseDuration(v)),
  "--rounds": (o, v) => (o.rounds = positive("--rounds", v)),
  "--connections": (o, v) => (o.connections = positive("--connections", v)),
  "--depth": (o, v) => (o.depth = positive("--depth", v)),
  "--keys": (o, v) => (o.keys = positive("--keys", v)),
  "--value-size": (o, v) => (o.valueSize = positive("--value-size", v, true)),
  "--procs": (o, v) => (o.procs = positive("--procs", v)),
  "--data-dir": (o, v) => (o.dataDir = v),
  "--zk-heap": (o, v) => {
    if (!/^\d+[kmgKMG]?$/.test(v)) throw new ArgError(`--zk-heap must look like 4g or 2048m`);
    o.zkHeap = v;
  },
  "--zkts-heap": (o, v) => (o.zktsHeapMb = positive("--zkts-heap", v)),
  "--workloads": (o, v) => (o.workloads = v.split(";").filter((s) => s.trim() !== "").map(parseMix)),
  "--markdown": (o, v) => (o.markdown = v),
  "--profile": (o, v) => (o.profileDir = v),
  "--server-cpus": (o, v) => {
    if (!/^\d+([-,]\d+)*$/.test(v)) throw new ArgError(`--server-cpus must be a taskset CPU list like 0 or 0,1 or 0-3, got "${v}"`);
    o.serverCpus = v;
  },
  "--zkts-config": (o, v) => {
    for (const kv of v.split(",").filter((x) => x.trim() !== "")) {
      const i = kv.indexOf("=");
      if (i <= 0) throw new ArgError(`--zkts-config takes key=value[,key=value...], got "${kv}"`);
      o.zktsConfig = { ...o.zktsConfig, [kv.slice(0, i).trim()]: kv.slice(i + 1).trim() };
    }
  },
  "--sessions": (o, v) => (o.scaleSessions = positive("--sessions", v, true)),
  "--watches": (o, v) => (o.scaleWatches = positive("--watches", v, true)),
  "--watch-sessions": (o, v) => (o.watchSessions = positive("--watch-sessions", v)),
  "--znodes": (o, v) => (o.znodes = positive("--znodes", v)),
  "--only": (o, v) => {
    const k = v.toLowerCase();
    if (k !== "zkts" && k !== "zookeeper") throw new ArgError("--only must be zkts or zookeeper");
    o.only = k;
  },
  "--ensemble": (o, v) => {
    const n = positive("--ensemble", v);
    if (n < 3) throw new ArgError("--ensemble must be 3 or more (a leader and at least two followers)");
    o.ensemble = n;
  },
};
const COMPARE_FLAGS: Record<string, (o: CompareOptions) => void> = {
  "--quick": () => undefined, // handled up front
  "--json": (o) => (o.json = true),
  "--skip-memory": (o) => (o.skipMemory = true),
  "--scale": (o) => (o.scale = true),
  "--restart": (o) => (o.restart = true),
};

function parseWith<T>(
  argv: string[],
  target: T,
  options: Record<string, Setter<T>>,
  flags: Record<string, (o: T) => void>,
): void {
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let inline: string | undefined;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq >= 0) {
        inline = a.slice(eq + 1);
        a = a.slice(0, eq);
      }
    } else if (SHORT[a] !== undefined) a = SHORT[a]!;
    const setter = options[a];
    if (setter !== undefined) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ArgError(`${a} needs a value`);
      setter(target, v);
      continue;
    }
    const flag = flags[a];
    if (flag !== undefined) {
      if (inline !== undefined) throw new ArgError(`${a} takes no value`);
      flag(target);
      continue;
    }
    throw new ArgError(a.startsWith("-") ? `unknown option ${a}` : `unexpected argument ${a}`);
  }
}

/** Whether `name` was given on the command line (as `name value` or `name=value`). */
const given = (argv: string[], name: string) => argv.some((a) => a === name || a.startsWith(`${name}=`));

/** --ensemble: its defaults for what was not given, and the workloads as a flat list of single workloads. */
function applyEnsembleDefaults(o: CompareOptions, argv: string[]): void {
  if (!given(argv, "--zk-heap")) o.zkHeap = ENSEMBLE_COMPARE.zkHeap!;
  if (!given(argv, "--zkts-heap")) o.zktsHeapMb = ENSEMBLE_COMPARE.zktsHeapMb!;
  o.skipMemory = true;
  if (!given(argv, "--workloads")) {
    o.workloads = ENSEMBLE_COMPARE.workloads!.map((m) => m.map((e) => ({ ...e })));
    return;
  }
  // "set,get" and "set;get" both mean the two workloads; a weighted mix has no single target.
  const list: Workload[] = [];
  for (const mix of o.workloads) {
    for (const e of mix) {
      if (e.weight !== 1) throw new ArgError(`--ensemble runs single workloads (e.g. --workloads set,get,create), not weighted mixes`);
      if (!list.includes(e.workload)) list.push(e.workload);
    }
  }
  o.workloads = list.map((workload) => [{ workload, weight: 1 }]);
}

/** Parses the whole command line (without node and the script). Throws ArgError. */
export function parseArgs(argv: string[]): Command {
  if (argv.includes("-h") || argv.includes("--help")) return { command: "help", text: USAGE };
  const [first, ...rest] = argv;
  if (first === "__worker") return { command: "worker" };
  if (first === "__pause-control") return { command: "pause-control" };
  if (first === "profile") {
    const file = rest.find((a) => !a.startsWith("-"));
    if (file === undefined) throw new ArgError("profile needs a .cpuprofile file");
    const i = rest.indexOf("--top");
    const top = i >= 0 ? positive("--top", rest[i + 1] ?? "") : 25;
    return { command: "profile", file, top };
  }
  if (first === "compare") {
    const options: CompareOptions = {
      ...DEFAULT_COMPARE,
      ...(rest.includes("--quick") ? QUICK_COMPARE : {}),
      workloads: DEFAULT_COMPARE.workloads.map((m) => m.map((e) => ({ ...e }))),
    };
    parseWith(rest, options, COMPARE_OPTIONS, COMPARE_FLAGS);
    if (options.scale && options.ensemble > 0) throw new ArgError("--scale runs standalone servers: not with --ensemble");
    if (options.ensemble > 0) applyEnsembleDefaults(options, rest);
    if (options.znodes > 0) {
      if (options.scale || options.ensemble > 0) throw new ArgError("--znodes runs on its own: not with --scale or --ensemble");
      if (!given(rest, "--zk-heap")) options.zkHeap = ZNODES_HEAPS.zkHeap;
      if (!given(rest, "--zkts-heap")) options.zktsHeapMb = ZNODES_HEAPS.zktsHeapMb;
    } else if (options.only !== undefined) throw new ArgError("--only goes with --znodes");
    return { command: "compare", options };
  }
  const args = first === "run" ? rest : argv;
  const options: BenchOptions = { ...DEFAULT_OPTIONS, mix: DEFAULT_OPTIONS.mix.map((m) => ({ ...m })) };
  parseWith(args, options, RUN_OPTIONS, RUN_FLAGS);
  if (!options.idle && options.connections === 0 && options.watches === 0) throw new ArgError("--connections 0 needs --idle");
  if (options.watches > 0 && options.idle) throw new ArgError("--watches and --idle are two scenarios: pick one");
  return { command: "run", options };
}
