/**
 * The zkCli.sh command interpreter (ZooKeeperMain, 3.8): the session, the prompt, the numbered history and the
 * dispatch of each line; its own commands (history, redo, printwatches, connect, quit) are here, the others in
 * commands/ (grouped as org.apache.zookeeper.cli's classes), all on @zkts/client. Text goes to `stdout`/`stderr`
 * exactly where zkCli.sh writes it; with `json`, each command prints one JSON object on stdout instead.
 */
import {
  createClient,
  ErrorCode,
  EventType,
  KeeperError,
  KeeperState,
  type ClientSaslOptions,
  type ClientTlsOptions,
  type SessionState,
  type ZooKeeperClient,
} from "@zkts/client";
import { eventTypeName, keeperStateName } from "@zkts/client-wire";
import { splitCommand } from "./args.js";
import { keeperMessage, watchedEvent } from "./format.js";
import {
  CliError,
  COMMANDS,
  errorCodeName,
  EXTRA_COMMANDS,
  javaDecode,
  toCliError,
  type CommandContext,
  type Json,
} from "./commands/base.js";
import { SESSION_COMMANDS } from "./commands/index.js";

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
  /** TLS (zookeeper.client.secure with the zookeeper.ssl.* settings), kept for `connect` to another host. */
  tls?: ClientTlsOptions;
  /** SASL DIGEST-MD5 login (the JAAS `Client` section), kept for `connect` to another host. */
  sasl?: ClientSaslOptions;
  /**
   * Why the SASL login could not even start (JAAS file or section missing): as zkCli.sh, every new session shows an
   * AuthFailed event first and goes on without SASL.
   */
  loginFailed?: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

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
        ...(this.opts.tls !== undefined ? { tls: this.opts.tls } : {}),
        ...(this.opts.sasl !== undefined ? { sasl: this.opts.sasl } : {}),
      });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    this.client = client;
    this.unreachable = undefined;
    if (this.opts.loginFailed !== undefined && this.printWatches) this.printEvent(KeeperState.AuthFailed, EventType.None, null);
    client.on("saslAuthenticated", () => {
      if (this.printWatches) this.printEvent(KeeperState.SaslAuthenticated, EventType.None, null);
    });
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
    const run = SESSION_COMMANDS[cmd];
    if (run) await run(this.context(), args);
  }

  /** The context the commands of commands/ run in: this shell's session and output. */
  private context(): CommandContext {
    return {
      zk: this.client!,
      println: (line) => this.println(line),
      print: (text) => this.print(text),
      eprintln: (line) => this.eprintln(line),
      result: (r) => this.result(r),
    };
  }
}
