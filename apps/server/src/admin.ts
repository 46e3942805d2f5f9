import { statSync } from "node:fs";
import type { Logger } from "@zkts/contracts";
import { startAdminServer, type CommandContext, type RunningAdminServer } from "@zkts/nio-cnxn";
import type { ZkConfig } from "./config.js";
import type { RunningZkts } from "./run.js";


export interface AdminHandle {
  readonly server: RunningAdminServer;
  /** Starts answering for this running server (until then every command answers "not currently serving"). */
  attach(target: RunningZkts): void;
  close(): Promise<void>;
}

/** The newest snapshot as ZooKeeper's `last_snapshot` gives it: its zxid and its file's time in seconds. */
function lastSnapshotOf(target: RunningZkts): { zxid: bigint; timestamp: number } | undefined {
  const store = target.store as RunningZkts["store"] | undefined;
  if (store === undefined) return undefined;
  const snap = store.stats.lastSnapshot ?? store.restored.snapshot;
  if (snap === undefined || snap === null) return undefined;
  let timestamp = -1;
  try {
    timestamp = Math.floor(statSync(snap.path).mtimeMs / 1000);
  } catch {
    // not on the real file system
  }
  return { zxid: snap.zxid, timestamp };
}

/**
 * Starts the AdminServer from the `admin.*` keys (ZooKeeper's defaults: on, 0.0.0.0:8080, /commands) before the
 * server itself, as ZooKeeperServerMain does. Returns undefined when `admin.enableServer=false`; throws an
 * AdminServerError when it cannot listen.
 */
export async function startAdmin(cfg: ZkConfig, opts: { logger: Logger; initialConfig: string }): Promise<AdminHandle | undefined> {
  if (!cfg.adminEnableServer) return undefined;
  let target: RunningZkts | undefined;
  const server = await startAdminServer({
    host: cfg.adminServerAddress,
    port: cfg.adminServerPort,
    idleTimeoutMs: cfg.adminIdleTimeout,
    commandUrl: cfg.adminCommandUrl,
    logger: opts.logger,
    async context(): Promise<CommandContext | undefined> {
      if (target === undefined) return undefined;
      const t = target;
      const base = await t.net.commandContext();
      return {
        ...base,
        initialConfig: opts.initialConfig,
        systemProperties: cfg.systemProperties,
        lastSnapshot: () => lastSnapshotOf(t),
        quorum: t.quorum === undefined ? undefined : () => t.quorum?.(),
        // An ensemble member serves once it has a leader, or read-only (ZooKeeper has no ZooKeeperServer running before).
        serving: base.info.notServing !== true,
      };
    },
  });
  return {
    server,
    attach(t) {
      target = t;
    },
    close: () => server.close(),
  };
}
