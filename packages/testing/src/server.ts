/**
 * `TestingServer`: a real standalone zkts server inside the test process (as Curator's TestingServer runs
 * ZooKeeper's), on a free port with a temporary data dir, durable on disk like a deployed one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, runStandalone, type RunningZkts } from "@zkts/server";
import { freePort } from "./ports.js";
import { configText, quietLogger, type ServerLogger } from "./config.js";

export interface TestingServerOptions {
  /** Client port (default: a free one, the same again after `restart()`). */
  port?: number;
  /** Data directory (default: a temporary one, removed by `close()`). */
  dataDir?: string;
  /** tickTime in ms (default 2000, ZooKeeper's; sessions then last 4 s to 40 s). */
  tickTime?: number;
  /** More zoo.cfg keys, e.g. `{ "4lw.commands.whitelist": "*", maxClientCnxns: "0" }`. */
  config?: Record<string, string>;
  /** Server log lines (default: dropped). */
  logger?: ServerLogger;
}

export class TestingServer {
  private running: RunningZkts | undefined;
  private closed = false;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly cfgText: string,
    private readonly logger: ServerLogger,
  ) {}

  /** Starts a server; resolves once it serves. */
  static async start(opts: TestingServerOptions = {}): Promise<TestingServer> {
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "zkts-testing-"));
    const port = opts.port ?? (await freePort());
    const text = configText({
      tickTime: String(opts.tickTime ?? 2000),
      dataDir,
      clientPort: String(port),
      clientPortAddress: "127.0.0.1",
      "admin.enableServer": "false",
      "4lw.commands.whitelist": "*",
      ...opts.config,
    });
    const s = new TestingServer(port, dataDir, opts.dataDir === undefined, text, opts.logger ?? quietLogger);
    try {
      await s.launch();
    } catch (e) {
      if (s.ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
    return s;
  }

  /** `127.0.0.1:<port>`, for any ZooKeeper client. */
  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** The running server (its core, metrics, ...), while it runs. */
  get server(): RunningZkts | undefined {
    return this.running;
  }

  /**
   * Expires a session now, as its timeout would: its ephemerals go, its client is told SESSION_EXPIRED on its
   * connection. False when the server does not know the session (or it is already closing).
   */
  expireSession(sessionId: bigint): boolean {
    if (this.running === undefined) throw new Error("expireSession: the server is not running");
    return this.running.core.expireSession(sessionId);
  }

  /** Stops serving (data kept; sessions live on in the data until they expire after `restart()`). */
  async stop(): Promise<void> {
    const r = this.running;
    this.running = undefined;
    await r?.shutdown(0);
  }

  /**
   * Starts again on the same port and data, stopping it first while it runs (as Curator's `TestingServer.restart`):
   * its clients are disconnected and reconnect, their sessions live on.
   */
  async restart(): Promise<void> {
    if (this.closed) throw new Error("TestingServer is closed");
    await this.stop();
    await this.launch();
  }

  private async launch(): Promise<void> {
    const cfg = parseConfig(this.cfgText, { fileName: "zoo.cfg", env: {} });
    this.running = await runStandalone(cfg, { logger: this.logger, connectTimeoutMs: 10_000 });
  }

  /** Stops the server and removes the temporary data dir. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.stop();
    this.closed = true;
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
