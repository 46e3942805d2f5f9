/**
 * The AdminServer over node:http, as ZooKeeper 3.8's JettyAdminServer: `GET <commandURL>/<name>` runs a command of
 * the shared command layer (commands.ts) and answers its record as JSON (200, application/json, even for an
 * unknown command or an error, as ZooKeeper does); `GET <commandURL>` lists the commands as links; other methods
 * on the command URL answer 405 (TRACE 403); other paths 404.
 *
 * Besides ZooKeeper's commands (where `<commandURL>/ruok` is its liveness check), two probes for orchestrators:
 * `GET /live` (200 while the process answers) and `GET /ready` (200 while the server serves clients: standalone
 * up, or an ensemble member with a leader; 503 otherwise), each with a small JSON body.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  COMMAND_NAMES,
  NOT_SERVING,
  primaryName,
  readiness,
  responseMap,
  runCommand,
  type CommandContext,
  type CommandResponse,
} from "./commands.js";
import { toJackson } from "./json.js";
import type { Logger } from "./types.js";

export const ADMIN_DEFAULT_PORT = 8080;
export const ADMIN_DEFAULT_ADDRESS = "0.0.0.0";
export const ADMIN_DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const ADMIN_DEFAULT_COMMAND_URL = "/commands";
export const LIVE_PATH = "/live";
export const READY_PATH = "/ready";

export interface AdminServerOptions {
  /** admin.serverAddress (default 0.0.0.0). */
  host?: string;
  /** admin.serverPort (default 8080; 0 picks a free port). */
  port?: number;
  /** admin.idleTimeout: ms a connection may stay idle (default 30000). */
  idleTimeoutMs?: number;
  /** admin.commandURL (default /commands). */
  commandUrl?: string;
  /**
   * The commands' context, asked for on every request; undefined while the server is not serving yet (commands
   * that need a server then answer ZooKeeper's "not currently serving requests").
   */
  context(): Promise<CommandContext | undefined>;
  logger?: Logger;
}

export interface RunningAdminServer {
  readonly port: number;
  readonly address: string;
  readonly commandUrl: string;
  close(): Promise<void>;
}

/** Thrown when the AdminServer cannot listen (ZooKeeper's AdminServerException). */
export class AdminServerError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = "AdminServerError";
  }
}

export async function startAdminServer(opts: AdminServerOptions): Promise<RunningAdminServer> {
  const host = opts.host ?? ADMIN_DEFAULT_ADDRESS;
  const port = opts.port ?? ADMIN_DEFAULT_PORT;
  const idle = opts.idleTimeoutMs ?? ADMIN_DEFAULT_IDLE_TIMEOUT_MS;
  const commandUrl = (opts.commandUrl ?? ADMIN_DEFAULT_COMMAND_URL).replace(/\/+$/, "");
  const log = opts.logger;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://admin.invalid");
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const method = req.method ?? "GET";
    const send = (status: number, body: string, type?: string): void => {
      const headers: http.OutgoingHttpHeaders = { "Content-Length": Buffer.byteLength(body) };
      if (type !== undefined) headers["Content-Type"] = type;
      res.writeHead(status, headers);
      res.end(method === "HEAD" ? undefined : body);
    };
    if (method === "TRACE") return send(403, "", "text/plain;charset=utf-8");

    if (path === LIVE_PATH || path === READY_PATH) {
      if (method !== "GET" && method !== "HEAD") return send(405, "", "text/plain;charset=utf-8");
      if (path === LIVE_PATH) return send(200, '{\n  "live" : true\n}', "application/json");
      const ctx = await opts.context();
      const r = ctx === undefined ? { ready: false, state: "starting" } : readiness(ctx);
      return send(r.ready ? 200 : 503, toJackson({ ready: r.ready, server_state: r.state }), "application/json");
    }

    const isCommandUrl = commandUrl === "" ? true : path === commandUrl || path.startsWith(commandUrl + "/");
    if (!isCommandUrl) return send(404, "Not Found\n", "text/plain;charset=utf-8");
    if (method !== "GET" && method !== "HEAD") return send(405, `HTTP method ${method} is not supported by this URL\n`, "text/plain;charset=utf-8");
    const rest = path.slice(commandUrl.length);
    if (rest === "" || rest === "/") {
      const links = COMMAND_NAMES.map((c) => `<a href="${commandUrl}/${c}">${c}</a>\n<br/>\n`).join("");
      return send(200, links);
    }
    const name = rest.slice(1);
    const kwargs: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!(k in kwargs)) kwargs[k] = v;
    const ctx = await opts.context();
    // Before the server runs every known command answers "not currently serving" (nothing is measured yet).
    const response: CommandResponse =
      ctx === undefined
        ? { command: name, error: primaryName(name) === undefined ? `Unknown command: ${name}` : NOT_SERVING, data: new Map() }
        : runCommand(name, ctx, kwargs);
    log?.debug("admin command", { command: name, remote: req.socket.remoteAddress });
    send(200, toJackson(responseMap(response)), "application/json");
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log?.error("admin command failed", { url: req.url, error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain;charset=utf-8" });
      res.end();
    });
  });
  server.keepAliveTimeout = idle;
  server.timeout = idle;
  server.requestTimeout = Math.max(idle, 1000);

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      reject(
        new AdminServerError(
          `Problem starting AdminServer on address ${host}, port ${port} and command URL ${commandUrl || "/"}: ${err.message}`,
          err,
        ),
      );
    };
    server.once("error", onError);
    server.listen({ host, port }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  server.on("error", (err) => log?.error("AdminServer error", { error: err.message }));
  const addr = server.address() as AddressInfo;
  log?.info("Started AdminServer", { address: addr.address, port: addr.port, commandURL: commandUrl });
  let closing: Promise<void> | undefined;
  return {
    port: addr.port,
    address: addr.address,
    commandUrl,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

