/**
 * The zkCli.sh command interpreter (ZooKeeperMain + org.apache.zookeeper.cli.*, 3.8): the same commands,
 * options, output lines, error messages and exit codes, on @zkts/client. Text goes to `stdout`/`stderr`
 * exactly where zkCli.sh writes it; with `json`, each command prints one JSON object on stdout instead.
 */
import { readFileSync } from "node:fs";
import {
  createClient,
  ErrorCode,
  EventType,
  KeeperError,
  KeeperState,
  type ACL,
  type SessionState,
  type Stat,
  type ZooKeeperClient,
} from "@zkts/client";
import { parseOptions, ParseError, splitCommand, type OptionSpec, type Parsed } from "./args.js";
import {
  aclLines,
  cliErrorMessage,
  javaList,
  keeperMessage,
  parseAcl,
  pathError,
  permString,
  statJson,
  statLines,
  watchedEvent,
} from "./format.js";
import {
  errorName,
  eventTypeName,
  keeperStateName,
  limitPath,
  QUOTA_ZOOKEEPER as QUOTA_ROOT,
  quotaPath,
  statPath,
  StatsTrack,
  trimQuotaPath,
  LIMIT_NODE,
} from "@zkts/client-wire";
import { exportTree, importTree } from "./tree-dump.js";

export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
})();

/** A command failure: zkCli prints the message on stderr; the exit code is 1 (127: command not found). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly code?: number,
  ) {
    super(message);
  }
}

/** Commands and their option strings as zkCli.sh 3.8 lists them in its usage. */
export const COMMANDS: Record<string, string> = {
  connect: "host:port",
  history: "",
  redo: "cmdno",
  printwatches: "on|off",
  quit: "",
  addWatch: "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE",
  addauth: "scheme auth",
  close: "",
  config: "[-c] [-w] [-s]",
  create: "[-s] [-e] [-c] [-t ttl] path [data] [acl]",
  delete: "[-v version] path",
  deleteall: "path [-b batch size]",
  delquota: "[-n|-b|-N|-B] path",
  get: "[-s] [-w] path",
  getAcl: "[-s] path",
  getAllChildrenNumber: "path",
  getEphemerals: "path",
  listquota: "path",
  ls: "[-s] [-w] [-R] path",
  reconfig:
    "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | " +
    "[-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
  removewatches: "path [-c|-d|-a] [-l]",
  set: "[-s] [-v version] path data",
  setAcl: "[-s] [-v version] [-R] path acl",
  setquota: "-n|-b|-N|-B val path",
  stat: "[-w] path",
  sync: "path",
  version: "",
  whoami: "",
};

/** zkcli's own commands (not in zkCli.sh, so not in its usage listing). */
export const EXTRA_COMMANDS: Record<string, string> = {
  export: "path file",
  import: "file path",
};

export const ALL_COMMAND_NAMES = [...Object.keys(COMMANDS), ...Object.keys(EXTRA_COMMANDS)].sort();

const usageOf = (cmd: string) => `${cmd} ${COMMANDS[cmd] ?? EXTRA_COMMANDS[cmd] ?? ""}`;

const STATE_NAMES: Record<SessionState, string> = {
  connecting: "CONNECTING",
  connected: "CONNECTED",
  connectedReadOnly: "CONNECTEDREADONLY",
  disconnected: "CONNECTING",
  expired: "CLOSED",
  authFailed: "AUTH_FAILED",
  closed: "CLOSED",
};

const STATE_EVENTS: Partial<Record<SessionState, number>> = {
  connected: KeeperState.SyncConnected,
  connectedReadOnly: KeeperState.ConnectedReadOnly,
  disconnected: KeeperState.Disconnected,
  expired: KeeperState.Expired,
  authFailed: KeeperState.AuthFailed,
  closed: KeeperState.Closed,
};

const DEAD: ReadonlySet<SessionState> = new Set(["closed", "expired", "authFailed"]);

export interface ShellOptions {
  /** Connect string `host:port[,...][/chroot]`. Default localhost:2181. */
  server?: string;
  /** Session timeout, ms (zkCli's -timeout). Default 30000. */
  timeout?: number;
  /** Accept a read-only server (-r). */
  readOnly?: boolean;
  /** One JSON object per command on stdout instead of zkCli's text. */
  json?: boolean;
  /** Per-request timeout, ms (0 = none). */
  requestTimeout?: number;
  /**
   * One-shot mode: once every host of the connect string failed once (refused, unresolvable, ...) before any
   * session was made, give up at once: the command fails with ConnectionLoss (as zkCli.sh's, whose client fails
   * queued requests when a connection attempt fails) instead of waiting for the request timeout.
   */
  failFast?: boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

type Json = Record<string, unknown>;

export class Shell {
  client: ZooKeeperClient | undefined;
  host: string;
  readonly history = new Map<number, string>();
  commandCount = 0;
  printWatches = true;
  exitCode = 0;
  quitRequested = false;
  /**
   * Called after output that was not caused by a command (watch events) and when the connection state changes,
   * e.g. to redraw the prompt (which shows the state).
   */
  onAsyncOutput: (() => void) | undefined;
  /** Why the servers could not be reached (fail-fast mode), once every host failed before a session was made. */
  unreachable: string | undefined;
  private busy = false;
  private jsonResult: Json | undefined;
  private readonly json: boolean;

  constructor(private readonly opts: ShellOptions) {
    this.host = opts.server ?? "localhost:2181";
    this.json = opts.json ?? false;
  }

  // ---- output ----

  private println(line: string): void {
    if (!this.json) this.opts.stdout(line + "\n");
  }
  private print(text: string): void {
    if (!this.json) this.opts.stdout(text);
  }
  private eprintln(line: string): void {
    if (!this.json) this.opts.stderr(line + "\n");
  }
  private result(r: Json): void {
    this.jsonResult = { ...(this.jsonResult ?? {}), ...r };
  }

  private printEvent(state: number, type: number, path: string | null): void {
    if (!this.printWatches) return;
    if (this.json) {
      const stateName = keeperStateName(state) ?? String(state);
      const typeName = eventTypeName(type) ?? String(type);
      this.opts.stdout(JSON.stringify({ event: { state: stateName, type: typeName, path } }) + "\n");
    } else {
      this.opts.stdout(`\nWATCHER::\n\n${watchedEvent(state, type, path)}\n`);
    }
    if (!this.busy) this.onAsyncOutput?.();
  }

  // ---- connection ----

  get state(): SessionState {
    return this.client?.state ?? "closed";
  }

  get alive(): boolean {
    return this.client !== undefined && !DEAD.has(this.client.state);
  }

  prompt(): string {
    return `[zk: ${this.host}(${STATE_NAMES[this.state]}) ${this.commandCount}] `;
  }

  /** Closes the current session (if any) and starts a new one to `host`; `wait` waits for it (-waitforconnection). */
  async connect(host: string, wait = false): Promise<void> {
    if (this.client && this.alive) await this.client.close();
    this.host = host;
    const timeout = this.opts.timeout ?? 30_000;
    let client: ZooKeeperClient;
    try {
      client = createClient(host, {
        sessionTimeout: timeout,
        canBeReadOnly: this.opts.readOnly ?? false,
        requestTimeout: this.opts.requestTimeout ?? 0,
      });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    this.client = client;
    this.unreachable = undefined;
    client.on("state", (s) => {
      const ks = STATE_EVENTS[s];
      if (ks !== undefined && this.printWatches) this.printEvent(ks, EventType.None, null);
      else if (!this.busy) this.onAsyncOutput?.();
    });
    if (this.opts.failFast) {
      const failures = new Map<string, string>();
      let everConnected = false;
      client.once("connected", () => (everConnected = true));
      client.once("connectedReadOnly", () => (everConnected = true));
      client.on("connectFailed", (h, err) => {
        if (everConnected || this.client !== client) return;
        failures.set(`${h.host}:${h.port}`, err?.message ?? "no answer to the connect request");
        if (failures.size < client.hosts.length) return;
        this.unreachable = [...failures].map(([hp, why]) => `${hp} (${why})`).join(", ");
        void client.close();
      });
    }
    client.on("watch", (ev) => this.printEvent(ev.state, ev.type, ev.path));
    const connected = client.connect({ timeout: wait ? timeout : undefined });
    if (wait) {
      try {
        await connected;
      } catch {
        await client.close();
        throw new CliError(keeperMessage(ErrorCode.CONNECTIONLOSS), 1, ErrorCode.CONNECTIONLOSS);
      }
    } else connected.catch(() => undefined);
  }

  async close(): Promise<void> {
    const c = this.client;
    if (c && this.alive) {
      // Quit and end-of-input close silently, as zkCli.sh exits before its event thread prints.
      c.removeAllListeners("state");
      await c.close();
    }
  }

  // ---- lines ----

  /** ZooKeeperMain#executeLine: records the line in the numbered history and runs it. */
  async executeLine(line: string): Promise<void> {
    if (line === "") return;
    const args = splitCommand(line);
    if (args.length === 0) return;
    this.history.set(this.commandCount, line);
    await this.processCmd(args);
    this.commandCount++;
  }

  /** Runs one command (as words); sets exitCode. Returns false when the shell should stop (quit). */
  async processCmd(args: string[]): Promise<void> {
    this.jsonResult = undefined;
    this.busy = true;
    const cmd = args[0] ?? "";
    try {
      await this.processZKCmd(args);
      this.exitCode = 0;
      if (this.json && cmd !== "" && cmd !== "redo") {
        this.opts.stdout(JSON.stringify({ command: cmd, ok: true, result: this.jsonResult ?? {} }) + "\n");
      }
    } catch (e) {
      // A request that timed out without a connection (one-shot mode's bound) is zkCli's ConnectionLoss.
      const lost =
        (e instanceof KeeperError && e.code === ErrorCode.REQUESTTIMEOUT && !this.client?.isConnected) ||
        (this.unreachable !== undefined && e instanceof KeeperError);
      const lostPath = lost ? ((e as KeeperError).path ?? args.slice(1).find((a) => a.startsWith("/"))) : undefined;
      const err = lost ? new CliError(keeperMessage(ErrorCode.CONNECTIONLOSS, lostPath), 1, ErrorCode.CONNECTIONLOSS) : toCliError(e);
      this.exitCode = err.exitCode;
      if (this.unreachable !== undefined && !this.json) this.opts.stderr(`Cannot connect to ${this.unreachable}\n`);
      if (this.json) {
        const error: Json = { message: err.message, exitCode: err.exitCode };
        if (err.code !== undefined) error.code = errorCodeName(err.code);
        if (this.unreachable !== undefined) error.unreachable = this.unreachable;
        this.opts.stdout(JSON.stringify({ command: cmd, ok: false, error }) + "\n");
      } else this.opts.stderr(err.message + "\n");
    } finally {
      this.busy = false;
    }
  }

  private usage(): void {
    this.eprintln("ZooKeeper -server host:port -client-configuration properties-file cmd args");
    for (const c of Object.keys(COMMANDS).sort()) this.eprintln(`\t${c} ${COMMANDS[c]}`);
  }

  private async processZKCmd(args: string[]): Promise<void> {
    const cmd = args[0];
    if (cmd === undefined) {
      this.usage();
      throw new CliError("No command entered");
    }
    if (!(cmd in COMMANDS) && !(cmd in EXTRA_COMMANDS)) {
      this.usage();
      throw new CliError(`Command not found: Command not found ${cmd}`, 127);
    }
    if (cmd === "quit") {
      this.quitRequested = true;
      await this.close();
      return;
    } else if (cmd === "redo" && args.length >= 2) {
      const i = javaDecode(args[1]!);
      if (i === undefined) throw new CliError(`java.lang.NumberFormatException: For input string: "${args[1]}"`);
      if (this.commandCount <= i || i < 0) throw new CliError("Command index out of range");
      const line = this.history.get(i)!;
      const redoArgs = splitCommand(line);
      if (redoArgs[0] === "redo") throw new CliError("No redoing redos");
      this.history.set(this.commandCount, line);
      await this.processCmd(redoArgs);
    } else if (cmd === "history") {
      const lines: Json[] = [];
      for (let i = this.commandCount - 10; i <= this.commandCount; ++i) {
        if (i < 0) continue;
        this.println(`${i} - ${this.history.get(i) ?? "null"}`);
        lines.push({ index: i, command: this.history.get(i) ?? null });
      }
      this.result({ history: lines });
    } else if (cmd === "printwatches") {
      if (args.length === 1) this.println(`printwatches is ${this.printWatches ? "on" : "off"}`);
      else this.printWatches = args[1] === "on";
      this.result({ printwatches: this.printWatches });
    } else if (cmd === "connect") {
      await this.connect(args.length >= 2 ? args[1]! : this.host);
    }

    if (!this.alive && this.unreachable !== undefined) {
      const path = args.slice(1).find((a) => a.startsWith("/"));
      throw new CliError(keeperMessage(ErrorCode.CONNECTIONLOSS, path), 1, ErrorCode.CONNECTIONLOSS);
    }
    if (!this.alive) {
      this.println("Not connected");
      this.result({ connected: false });
      return;
    }
    const run = this.commands[cmd];
    if (run) await run(args);
  }

  private get zk(): ZooKeeperClient {
    return this.client!;
  }

  // ---- commands ----

  private readonly commands: Record<string, ((args: string[]) => Promise<void>) | undefined> = {
    close: async () => {
      await this.zk.close();
    },

    create: async (argv) => {
      const { opts, args } = parse(argv, { options: { e: false, s: false, c: false, t: true } });
      if (args.length < 2) throw new CliError(usageOf("create"));
      const e = opts.has("e");
      const s = opts.has("s");
      const c = opts.has("c");
      const t = opts.has("t");
      if (c && (e || s)) throw new CliError("-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.");
      let ttl = 0n;
      if (t) {
        const v = String(opts.get("t"));
        if (!/^[-+]?\d+$/.test(v)) throw new CliError("-t argument must be a long value");
        ttl = BigInt(v);
      }
      if (t && e) throw new CliError("TTLs cannot be used with Ephemeral znodes");
      if (t && c) throw new CliError("TTLs cannot be used with Container znodes");
      const mode =
        e && s
          ? "ephemeralSequential"
          : e
            ? "ephemeral"
            : s
              ? t
                ? "persistentSequentialWithTTL"
                : "persistentSequential"
              : c
                ? "container"
                : t
                  ? "persistentWithTTL"
                  : "persistent";
      if (t && (ttl <= 0n || ttl > 0xffffffffffffn)) {
        throw new CliError(`ttl must be positive and cannot be larger than: ${0xffffffffffffn}`);
      }
      const path = args[1]!;
      const data = args.length > 2 ? Buffer.from(args[2]!, "utf8") : null;
      let acl: ACL[] | undefined;
      if (args.length > 3) acl = parseAcl(args[3]!, (l) => this.eprintln(l));
      checkPath(path, s);
      if (acl !== undefined && acl.length === 0) {
        this.eprintln(keeperMessage(ErrorCode.INVALIDACL));
        throw new CliError(cliErrorMessage(ErrorCode.INVALIDACL, null), 1, ErrorCode.INVALIDACL);
      }
      const r = await this.zk.create(path, data, { mode, acl, ttl: t ? ttl : undefined }).catch((err) => {
        if (err instanceof KeeperError && err.code === ErrorCode.EPHEMERALONLOCALSESSION) {
          this.eprintln("Unable to create ephemeral node on a local session");
        } else if (err instanceof KeeperError && err.code === ErrorCode.INVALIDACL) {
          this.eprintln(keeperMessage(err.code, err.path));
        }
        throw err;
      });
      this.eprintln(`Created ${r.path}`);
      this.result({ path: r.path });
    },

    delete: async (argv) => {
      let p = parse(argv, { options: { v: true } });
      if (p.args.length < 2) throw new CliError(usageOf("delete"));
      if (p.args.length > 2) {
        this.eprintln("'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.");
        p = parse(argv, { options: { v: true } });
      }
      const path = p.args[1]!;
      const version = p.opts.has("v") ? javaInt(String(p.opts.get("v"))) : -1;
      checkPath(path);
      await this.zk.delete(path, { version });
    },

    deleteall: async (argv) => {
      const { opts, args } = parse(argv, { options: { b: true } });
      if (args.length < 2) throw new CliError(usageOf("deleteall"));
      let batch = 1000;
      if (opts.has("b")) {
        const v = String(opts.get("b"));
        if (!/^[-+]?\d+$/.test(v)) throw new CliError("-b argument must be an int value");
        batch = Number(v);
      }
      const path = args[1]!;
      checkPath(path);
      const tree = await listSubTreeBFS(this.zk, path);
      let ok = true;
      if (batch > 0) {
        for (let end = tree.length; end > 0 && ok; end -= batch) {
          const ops = tree
            .slice(Math.max(0, end - batch), end)
            .reverse()
            .map((p) => ({ type: "delete" as const, path: p }));
          try {
            await this.zk.multi(ops);
          } catch (e) {
            if (!(e instanceof KeeperError)) throw e;
            ok = false;
          }
        }
      } else {
        for (let i = tree.length - 1; i >= 0; --i) await this.zk.delete(tree[i]!);
      }
      if (!ok) this.eprintln("Failed to delete some node(s) in the subtree!");
      this.result({ deleted: ok });
    },

    set: async (argv) => {
      const { opts, args } = parse(argv, { options: { s: false, v: true } });
      if (args.length < 3) throw new CliError(usageOf("set"));
      const path = args[1]!;
      const data = Buffer.from(args[2]!, "utf8");
      const version = opts.has("v") ? javaInt(String(opts.get("v"))) : -1;
      checkPath(path);
      const stat = await this.zk.setData(path, data, { version });
      if (opts.has("s")) this.printStat(stat);
      this.result({ stat: statJson(stat) });
    },

    get: async (argv) => {
      let p = parse(argv, { options: { s: false, w: false } });
      if (p.args.length < 2) throw new CliError(usageOf("get"));
      if (p.args.length > 2) {
        argv = [...argv];
        argv[2] = "-w";
        this.eprintln("'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.");
        p = parse(argv, { options: { s: false, w: false } });
      }
      const path = p.args[1]!;
      checkPath(path);
      const { data, stat } = await this.zk.getData(path, { watch: p.opts.has("w") ? true : undefined });
      this.println(data === null ? "null" : data.toString("utf8"));
      if (p.opts.has("s")) this.printStat(stat);
      this.result({ data: data === null ? null : data.toString("utf8"), stat: statJson(stat) });
    },

    ls: async (argv) => {
      let p = parse(argv, { options: { "?": false, s: false, w: false, R: false } });
      if (p.opts.has("?")) this.println(LS_HELP);
      if (p.args.length > 2) {
        argv = [...argv];
        argv[2] = "-w";
        this.eprintln("'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.");
        p = parse(argv, { options: { "?": false, s: false, w: false, R: false } });
      }
      if (p.args.length < 2) throw new CliError(usageOf("ls"));
      const path = p.args[1]!;
      const watch = p.opts.has("w") ? true : undefined;
      checkPath(path);
      if (p.opts.has("R")) {
        const paths: string[] = [];
        await visitSubTreeDFS(this.zk, path, watch, (q) => {
          this.println(q);
          paths.push(q);
        });
        this.result({ paths });
      } else if (p.opts.has("s")) {
        const { children, stat } = await this.zk.getChildrenWithStat(path, { watch });
        children.sort();
        this.println(javaList(children));
        this.printStat(stat);
        this.result({ children, stat: statJson(stat) });
      } else {
        const children = await this.zk.getChildren(path, { watch });
        children.sort();
        this.println(javaList(children));
        this.result({ children });
      }
    },

    stat: async (argv) => {
      let p = parse(argv, { options: { w: false } });
      if (p.args.length < 2) throw new CliError(usageOf("stat"));
      if (p.args.length > 2) {
        argv = [...argv];
        argv[2] = "-w";
        this.eprintln("'stat path [watch]' has been deprecated. Please use 'stat [-w] path' instead.");
        p = parse(argv, { options: { w: false } });
      }
      const path = p.args[1]!;
      checkPath(path);
      const stat = await this.zk.exists(path, { watch: p.opts.has("w") ? true : undefined });
      if (stat === null) throw new CliError(cliErrorMessage(ErrorCode.NONODE, path), 1, ErrorCode.NONODE);
      this.printStat(stat);
      this.result({ stat: statJson(stat) });
    },

    getAcl: async (argv) => {
      const { opts, args } = parse(argv, { options: { s: false } });
      if (args.length < 2) throw new CliError(usageOf("getAcl"));
      const path = args[1]!;
      checkPath(path);
      const { acl, stat } = await this.zk.getACL(path);
      for (const l of aclLines(acl)) this.println(l);
      if (opts.has("s")) this.printStat(stat);
      this.result({ acl: acl.map((a) => ({ scheme: a.id.scheme, id: a.id.id, perms: permString(a.perms) })), stat: statJson(stat) });
    },

    setAcl: async (argv) => {
      const { opts, args } = parse(argv, { options: { s: false, v: true, R: false } });
      if (args.length < 3) throw new CliError(usageOf("setAcl"));
      const path = args[1]!;
      const acl = parseAcl(args[2]!, (l) => this.eprintln(l));
      const version = opts.has("v") ? javaInt(String(opts.get("v"))) : -1;
      checkPath(path);
      if (acl.length === 0) throw new CliError(cliErrorMessage(ErrorCode.INVALIDACL, null), 1, ErrorCode.INVALIDACL);
      if (opts.has("R")) {
        const failed: Json[] = [];
        const paths: string[] = [];
        // As ZKUtil.visitSubTreeDFS: each node's ACL is set when it is visited, before its children are listed.
        await visitSubTreeDFS(this.zk, path, undefined, async (p) => {
          paths.push(p);
          try {
            await this.zk.setACL(p, acl, { version });
          } catch (e) {
            if (!(e instanceof KeeperError)) throw e;
            this.print(keeperMessage(e.code, e.path));
            failed.push({ path: p, code: errorCodeName(e.code) });
          }
        });
        this.result({ paths, failed });
      } else {
        const stat = await this.zk.setACL(path, acl, { version });
        if (opts.has("s")) this.printStat(stat);
        this.result({ stat: statJson(stat) });
      }
    },

    sync: async (argv) => {
      const { args } = parse(argv, { options: {} });
      if (args.length < 2) throw new CliError(usageOf("sync"));
      const path = args[1]!;
      checkPath(path);
      try {
        await this.zk.sync(path);
        this.println("Sync is OK");
        this.result({ rc: 0 });
      } catch (e) {
        if (!(e instanceof KeeperError)) throw e;
        this.println(`Sync has failed. rc=${e.code}`);
        this.result({ rc: e.code });
      }
    },

    addauth: async (argv) => {
      const { args } = parse(argv, { options: {} });
      if (args.length < 2) throw new CliError(usageOf("addauth"));
      // zkCli sends the auth and returns; a rejected one ends the session (an AuthFailed event).
      await this.zk.addAuth(args[1]!, args.length >= 3 ? Buffer.from(args[2]!, "utf8") : Buffer.alloc(0)).catch(() => undefined);
    },

    config: async (argv) => {
      const { opts } = parse(argv, { options: { s: false, w: false, c: false } });
      const watch = opts.has("w");
      let data: Buffer | null;
      let stat: Stat;
      if (watch && this.zk.chroot === "") {
        ({ data, stat } = await this.zk.getData("/zookeeper/config", { watch: true }));
      } else {
        const r = await this.zk.getConfig();
        data = Buffer.from(r.config, "utf8");
        stat = r.stat;
      }
      const text = data === null ? "null" : data.toString("utf8");
      const out = opts.has("c") ? clientConfigStr(text) : text;
      this.println(out);
      if (opts.has("s")) this.printStat(stat);
      this.result({ config: out, stat: statJson(stat) });
    },

    reconfig: async (argv) => {
      const spec: OptionSpec = { options: { s: false, v: true, file: true, members: true, add: true, remove: true } };
      const { opts } = parse(argv, spec);
      if (!(opts.has("file") || opts.has("members")) && !opts.has("add") && !opts.has("remove")) throw new CliError(usageOf("reconfig"));
      let version = -1n;
      if (opts.has("v")) {
        const v = String(opts.get("v"));
        if (!/^[-+]?[0-9a-fA-F]+$/.test(v)) throw new CliError("-v must be followed by a long (configuration version)");
        version = BigInt.asIntN(64, BigInt((v.startsWith("-") ? "-0x" + v.slice(1) : "0x" + v.replace(/^\+/, ""))));
      }
      if ((opts.has("file") || opts.has("members")) && (opts.has("add") || opts.has("remove"))) {
        throw new CliError(
          "Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)",
        );
      }
      if (opts.has("file") && opts.has("members")) throw new CliError("Can't use -file and -members together (conflicting non-incremental modes)");
      const lower = (k: string) => (opts.has(k) ? String(opts.get(k)).toLowerCase() : null);
      let members = lower("members");
      if (opts.has("file")) {
        const f = String(opts.get("file"));
        try {
          members = readFileSync(f, "utf8")
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter((l) => /^server\.\d+\s*=/.test(l))
            .map((l) => l.replace(/\s*=\s*/, "="))
            .join("\n");
        } catch (e) {
          throw new CliError(`Error processing ${f}${(e as Error).message}`);
        }
      }
      const r = await this.zk.reconfig({ joining: lower("add"), leaving: lower("remove"), newMembers: members, fromConfig: version });
      this.println("Committed new configuration:\n" + r.config);
      if (opts.has("s")) this.printStat(r.stat);
      this.result({ config: r.config, stat: statJson(r.stat) });
    },

    whoami: async () => {
      const ids = await this.zk.whoAmI();
      this.println("Auth scheme: User");
      for (const i of ids) this.println(`${i.authScheme}: ${i.user}`);
      this.result({ identities: ids.map((i) => ({ scheme: i.authScheme, user: i.user })) });
    },

    getEphemerals: async (argv) => {
      const { args } = parse(argv, { options: {} });
      const path = args.length < 2 ? "/" : args[1]!;
      checkPath(path);
      const paths = await this.zk.getEphemerals(path);
      this.println(javaList(paths));
      this.result({ paths });
    },

    getAllChildrenNumber: async (argv) => {
      const { args } = parse(argv, { options: {} });
      if (args.length < 2) throw new CliError(usageOf("getAllChildrenNumber"));
      const path = args[1]!;
      checkPath(path);
      const n = await this.zk.getAllChildrenNumber(path);
      this.println(String(n));
      this.result({ count: n });
    },

    addWatch: async (argv) => {
      const { opts, args } = parse(argv, { options: { m: true } });
      if (args.length !== 2) throw new CliError(usageOf("addWatch"));
      let recursive = true;
      if (opts.has("m")) {
        const m = String(opts.get("m")).toUpperCase();
        if (m === "PERSISTENT") recursive = false;
        else if (m !== "PERSISTENT_RECURSIVE") throw new CliError(usageOf("addWatch"));
      }
      const path = args[1]!;
      checkPath(path);
      await this.zk.addWatch(path, true, { recursive });
      this.result({ mode: recursive ? "PERSISTENT_RECURSIVE" : "PERSISTENT" });
    },

    removewatches: async (argv) => {
      const { opts, args } = parse(argv, { options: { c: false, d: false, a: false, l: false } });
      if (args.length < 2) throw new CliError(usageOf("removewatches"));
      const path = args[1]!;
      const type = opts.has("c") ? "children" : opts.has("d") ? "data" : "any";
      checkPath(path);
      await this.zk.removeWatches(path, type, { local: opts.has("l") });
    },

    listquota: async (argv) => {
      const { args } = parse(argv, { options: {} });
      if (args.length < 2) throw new CliError(usageOf("listquota"));
      const path = args[1]!;
      this.eprintln(`absolute path is ${limitPath(path)}`);
      try {
        checkPath(limitPath(path));
        const quota = new StatsTrack(dataString((await this.zk.getData(limitPath(path))).data));
        const stats = new StatsTrack(dataString((await this.zk.getData(statPath(path))).data));
        this.println(`Output quota for ${path} ${quota}`);
        this.println(`Output stat for ${path} ${stats}`);
        this.result({ path, quota: quota.toJSON(), stat: stats.toJSON() });
      } catch (e) {
        if (!(e instanceof KeeperError && e.code === ErrorCode.NONODE)) throw e;
        this.eprintln(`quota for ${path} does not exist.`);
        this.result({ path, quota: null });
      }
    },

    setquota: async (argv) => {
      const descriptions = { n: "num soft quota", b: "bytes soft quota", N: "num hard quota", B: "bytes hard quota" };
      const { opts, args } = parse(argv, {
        options: { n: true, b: true, N: true, B: true },
        group: { names: ["n", "b", "N", "B"], required: true, descriptions },
      });
      if (args.length < 2) throw new CliError(usageOf("setquota"));
      const path = args[1]!;
      if (path.startsWith(QUOTA_ROOT)) {
        this.eprintln(`cannot set a quota under the path: ${QUOTA_ROOT}`);
        this.result({ set: false });
        return;
      }
      const quota = new StatsTrack();
      quota.set("count", -1);
      quota.set("bytes", -1);
      quota.set("countHardLimit", -1);
      quota.set("byteHardLimit", -1);
      const fields: Array<[string, string, boolean]> = [
        ["n", "count", true],
        ["b", "bytes", false],
        ["N", "countHardLimit", true],
        ["B", "byteHardLimit", false],
      ];
      for (const [opt, key, isCount] of fields) {
        if (!opts.has(opt)) continue;
        const v = String(opts.get(opt));
        if (!/^[-+]?\d+$/.test(v)) {
          this.eprintln("NumberFormatException happens when parsing the option value");
          return;
        }
        const n = BigInt(v);
        if (isCount ? n <= 0n : n < 0n) {
          this.eprintln(isCount ? "the num quota must be greater than zero" : "the bytes quota must be greater than or equal to zero");
          return;
        }
        quota.set(key, n);
      }
      await this.createQuota(path, quota);
      this.result({ path, quota: quota.toJSON() });
    },

    delquota: async (argv) => {
      const { opts, args } = parse(argv, {
        options: { n: false, b: false, N: false, B: false },
        group: { names: ["n", "b", "N", "B"], required: false, descriptions: {} },
      });
      if (args.length < 2) throw new CliError(usageOf("delquota"));
      const path = args[1]!;
      try {
        await this.delQuota(path, opts);
      } catch (e) {
        if (!(e instanceof KeeperError && e.code === ErrorCode.NONODE)) throw e;
        this.eprintln(`quota for ${path} does not exist.`);
      }
    },

    version: async (argv) => {
      if (argv.length > 1) throw new CliError(usageOf("version"));
      this.println(`ZooKeeper CLI version: zkcli ${VERSION} (zkts), compatible with zkCli.sh 3.8`);
      this.result({ version: VERSION });
    },

    export: async (argv) => {
      const { args } = parse(argv, { options: {} });
      if (args.length < 3) throw new CliError(usageOf("export"));
      checkPath(args[1]!);
      const r = await exportTree(this.zk, args[1]!, args[2]!);
      this.println(`Exported ${r.nodes} node(s) of ${r.path} to ${r.file}`);
      this.result({ ...r });
    },

    import: async (argv) => {
      const { args } = parse(argv, { options: {} });
      if (args.length < 3) throw new CliError(usageOf("import"));
      checkPath(args[2]!);
      const r = await importTree(this.zk, args[1]!, args[2]!);
      for (const s of r.skipped) this.eprintln(`Skipped ephemeral node ${s}`);
      this.println(`Imported ${r.created + r.updated} node(s) from ${r.file} to ${r.path} (${r.created} created, ${r.updated} updated)`);
      this.result({ ...r });
    },
  };

  private printStat(stat: Stat): void {
    for (const l of statLines(stat)) this.println(l);
  }

  // ---- quotas (SetQuotaCommand.createQuota, DelQuotaCommand.delQuota) ----

  private async createQuota(path: string, quota: StatsTrack): Promise<void> {
    checkPath(path);
    const zk = this.zk;
    if ((await zk.exists(path)) === null) throw new CliError(`${path} does not exist.`);
    // A quota below this path?
    const realPath = quotaPath(path);
    try {
      await visitSubTreeDFS(zk, realPath, undefined, async (qp) => {
        let children: string[];
        try {
          children = await zk.getChildren(qp);
        } catch (e) {
          if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return;
          throw e;
        }
        for (const child of children) {
          if (qp !== QUOTA_ROOT + path && child === LIMIT_NODE) {
            throw new CliError(`${path} has a child ${trimQuotaPath(qp)} which has a quota`);
          }
        }
      });
    } catch (e) {
      if (!(e instanceof KeeperError && e.code === ErrorCode.NONODE)) throw e;
    }
    // A quota above it?
    const splits = path.split("/");
    let qp = QUOTA_ROOT;
    for (let i = 1; i < splits.length - 1; i++) {
      qp += "/" + splits[i];
      let children: string[];
      try {
        children = await zk.getChildren(qp);
      } catch (e) {
        if (e instanceof KeeperError && e.code === ErrorCode.NONODE) break;
        throw e;
      }
      if (children.length === 0) break;
      if (qp !== quotaPath(path) && children.includes(LIMIT_NODE)) {
        throw new CliError(`${path} has a parent ${trimQuotaPath(qp)} which has a quota`);
      }
    }
    qp = QUOTA_ROOT;
    for (let i = 1; i < splits.length; i++) {
      qp += "/" + splits[i];
      if ((await zk.exists(qp)) === null) {
        await zk.create(qp, null).catch((e) => {
          if (!(e instanceof KeeperError && e.code === ErrorCode.NODEEXISTS)) throw e;
        });
      }
    }
    const sp = `${qp}/zookeeper_stats`;
    const lp = `${qp}/${LIMIT_NODE}`;
    if ((await zk.exists(lp)) === null) {
      await zk.create(lp, quota.toString());
      const stats = new StatsTrack();
      stats.set("count", 0);
      stats.set("bytes", 0);
      await zk.create(sp, stats.toString());
      const q = new StatsTrack(dataString((await zk.getData(lp)).data));
      const s = new StatsTrack(dataString((await zk.getData(sp)).data));
      this.checkQuota(q, s);
    } else {
      const q = new StatsTrack(dataString((await zk.getData(lp)).data));
      for (const k of ["count", "bytes", "countHardLimit", "byteHardLimit"]) if (quota.get(k) > -1n) q.set(k, quota.get(k));
      const s = new StatsTrack(dataString((await zk.getData(sp)).data));
      this.checkQuota(q, s);
      await zk.setData(lp, q.toString());
    }
  }

  private checkQuota(q: StatsTrack, s: StatsTrack): void {
    if ((q.count > -1n && q.count < s.count) || (q.countHardLimit > -1n && q.countHardLimit < s.count)) {
      this.println(`[Warning]: the count quota you create is less than the existing count:${s.count}`);
    }
    if ((q.bytes > -1n && q.bytes < s.bytes) || (q.byteHardLimit > -1n && q.byteHardLimit < s.bytes)) {
      this.println(`[Warning]: the bytes quota you create is less than the existing bytes:${s.bytes}`);
    }
  }

  private async delQuota(path: string, opts: Map<string, string | true>): Promise<void> {
    const zk = this.zk;
    const parent = quotaPath(path);
    const lp = limitPath(path);
    checkPath(lp);
    if ((await zk.exists(lp)) === null) {
      this.println(`Quota does not exist for ${path}`);
      this.result({ deleted: false });
      return;
    }
    const strack = new StatsTrack(dataString((await zk.getData(lp)).data));
    const flagSet = ["n", "b", "N", "B"].some((o) => opts.has(o));
    if (!flagSet) {
      for (const child of await zk.getChildren(parent)) await zk.delete(`${parent}/${child}`);
      // trimProcQuotas: remove the now empty quota directories up to /zookeeper/quota
      let p = parent;
      while (p !== QUOTA_ROOT) {
        if ((await zk.getChildren(p)).length !== 0) break;
        await zk.delete(p);
        p = p.slice(0, p.lastIndexOf("/"));
      }
    } else {
      if (opts.has("n")) strack.set("count", -1);
      if (opts.has("b")) strack.set("bytes", -1);
      if (opts.has("N")) strack.set("countHardLimit", -1);
      if (opts.has("B")) strack.set("byteHardLimit", -1);
      await zk.setData(lp, strack.toString());
    }
    this.result({ deleted: true });
  }
}

const LS_HELP = [
  "usage: ls [options] path",
  " -?   help",
  " -R   recurse",
  " -s   stat",
  " -w   watch",
].join("\n");

function parse(argv: readonly string[], spec: OptionSpec): Parsed {
  try {
    return parseOptions(argv, spec);
  } catch (e) {
    if (e instanceof ParseError) throw new CliError(e.toString());
    throw e;
  }
}

function checkPath(path: string, sequential = false): void {
  const err = pathError(path, sequential);
  if (err) throw new CliError(err);
}

function dataString(data: Buffer | null): string {
  return data === null ? "" : data.toString("utf8");
}

/** Integer.parseInt; zkCli dies with a NumberFormatException on a bad number (we report it). */
function javaInt(s: string): number {
  if (!/^[-+]?\d+$/.test(s) || Number(s) > 2147483647 || Number(s) < -2147483648) {
    throw new CliError(`java.lang.NumberFormatException: For input string: "${s}"`);
  }
  return Number(s);
}

/** Integer.decode: decimal, 0x/#hex, 0 octal. */
function javaDecode(s: string): number | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|#[0-9a-fA-F]+|0[0-7]+|\d+)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const v = body.startsWith("#")
    ? parseInt(body.slice(1), 16)
    : /^0[xX]/.test(body)
      ? parseInt(body.slice(2), 16)
      : body.length > 1 && body.startsWith("0")
        ? parseInt(body, 8)
        : parseInt(body, 10);
  return m[1] === "-" ? -v : v;
}

function errorCodeName(code: number): string {
  return errorName(code) ?? String(code);
}

function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof KeeperError) return new CliError(cliErrorMessage(e.code, e.path ?? null), 1, e.code);
  return new CliError(e instanceof Error ? e.message : String(e));
}

/** ConfigUtils.getClientConfigStr: `version host:port,host:port`. */
function clientConfigStr(config: string): string {
  let version = "";
  const servers: string[] = [];
  for (const raw of config.split(/\r?\n/)) {
    const eq = raw.indexOf("=");
    if (eq < 0) continue;
    const key = raw.slice(0, eq).trim();
    const value = raw.slice(eq + 1).trim();
    if (key === "version") version = value;
    if (!key.startsWith("server.")) continue;
    const semi = value.indexOf(";");
    if (semi < 0) {
      servers.push("");
      continue;
    }
    const client = value.slice(semi + 1);
    const colon = client.lastIndexOf(":");
    servers.push(colon < 0 ? `0.0.0.0:${client}` : client);
  }
  return `${version} ${servers.join(",")}`;
}

/** ZKUtil.listSubTreeBFS: the path, then its descendants breadth-first in the server's child order. */
export async function listSubTreeBFS(zk: ZooKeeperClient, root: string): Promise<string[]> {
  const queue = [root];
  const tree = [root];
  while (queue.length) {
    const node = queue.shift()!;
    for (const child of await zk.getChildren(node)) {
      const p = (node === "/" ? "" : node) + "/" + child;
      queue.push(p);
      tree.push(p);
    }
  }
  return tree;
}

/**
 * ZKUtil.visitSubTreeDFS: getData on the root (NoNode fails), the root, then per node its sorted children
 * and then each child's subtree; nodes deleted meanwhile are skipped.
 */
export async function visitSubTreeDFS(
  zk: ZooKeeperClient,
  root: string,
  watch: true | undefined,
  visit: (path: string) => void | Promise<void>,
): Promise<void> {
  await zk.getData(root, { watch });
  await visit(root);
  const helper = async (path: string): Promise<void> => {
    let children: string[];
    try {
      children = await zk.getChildren(path, { watch });
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return;
      throw e;
    }
    children.sort();
    const paths = children.map((c) => (path === "/" ? "/" : path + "/") + c);
    for (const p of paths) await visit(p);
    for (const p of paths) await helper(p);
  };
  await helper(root);
}
