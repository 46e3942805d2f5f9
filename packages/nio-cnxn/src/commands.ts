/**
 * The command layer shared by the four-letter words and the AdminServer, as ZooKeeper 3.8's `Commands` registry:
 * every command has a primary name and aliases, and produces a record (a `CommandResponse`: the command's primary
 * name, an error or null, and ordered data). The AdminServer prints the record as JSON; the four-letter words print
 * the same records as ZooKeeper's text (four-letter.ts). Where ZooKeeper's text and JSON differ in shape (`cons`
 * lines and the `connections` list, `conf`'s dumpConf and ZooKeeperServerConf.toMap, `dump`'s buckets and expiry
 * map), both are derived from one typed record here (ConnectionRecord, configurationRecord, DumpRecord), so each
 * figure has one source.
 *
 * Pure: what the process and the host know (environment, file descriptors, system properties) comes in through
 * the context (`HostFacts`), built by the node adapter (host.ts).
 */
import { val } from "./types.js";
import { MNTR_KEYS } from "./mntr-keys.js";
import {
  CONF_JSON_KEYS,
  NOT_SERVING,
  TRACE_MASK,
  configurationRecord,
  connectionJson,
  connectionRecords,
  dirsRecord,
  dumpRecord,
  environmentRecord,
  isReadOnly,
  monitorRecord,
  srvrRecord,
  watchSummary,
  watchesByPath,
  watchesBySession,
  type CommandContext,
  type CommandResponse,
  type RecordValue,
} from "./records.js";

export * from "./records.js";

interface CommandDef {
  names: readonly string[];
  /** ZooKeeper's isServerRequired: refused with an error while the server is not running. */
  serverRequired: boolean;
  run(ctx: CommandContext, kwargs: Readonly<Record<string, string>>, out: Map<string, RecordValue>): void;
}



const COMMANDS: readonly CommandDef[] = [
  {
    names: ["connection_stat_reset", "crst"],
    serverRequired: true,
    run(ctx) {
      ctx.info.resetConnectionStats?.();
      ctx.resetConnectionStats();
    },
  },
  {
    names: ["configuration", "conf", "config"],
    serverRequired: true,
    run(ctx, _k, out) {
      const conf = new Map(configurationRecord(ctx));
      // ZooKeeperServerConf.toMap: a fixed set of keys, numbers as numbers; one zkts does not know is null.
      for (const [from, to, numeric] of CONF_JSON_KEYS) {
        const v = conf.get(from);
        out.set(to, v === undefined ? null : numeric ? Number(v) : v);
      }
    },
  },
  {
    names: ["connections", "cons"],
    serverRequired: true,
    run(ctx, _k, out) {
      out.set("connections", connectionRecords(ctx).map((r) => connectionJson(r, false)));
      out.set("secure_connections", []);
    },
  },
  {
    names: ["hash"],
    serverRequired: true,
    run(_ctx, _k, out) {
      // zkts keeps no digest log (DataTree.getDigestLog): none recorded.
      out.set("digests", []);
    },
  },
  {
    names: ["dirs"],
    serverRequired: true,
    run(ctx, _k, out) {
      for (const [k, v] of dirsRecord(ctx)) out.set(k, v);
    },
  },
  {
    names: ["dump"],
    serverRequired: true,
    run(ctx, _k, out) {
      // DumpCommand: getSessionExpiryMap and getEphemerals (the connection buckets are text only).
      const d = dumpRecord(ctx);
      out.set("expiry_time_to_session_ids", new Map<string, RecordValue>(d.sessionSets.map(([at, ids]) => [String(at), ids])));
      out.set("session_id_to_ephemeral_paths", new Map<string, RecordValue>(d.ephemerals.map(([id, paths]) => [id.toString(), [...paths]])));
    },
  },
  {
    names: ["environment", "env", "envi"],
    serverRequired: false,
    run(ctx, _k, out) {
      for (const [k, v] of environmentRecord(ctx)) out.set(k, v);
    },
  },
  {
    names: ["get_trace_mask", "gtmk"],
    serverRequired: false,
    run(_ctx, _k, out) {
      out.set("tracemask", TRACE_MASK);
    },
  },
  {
    names: ["initial_configuration", "icfg"],
    serverRequired: true,
    run(ctx, _k, out) {
      out.set("initial_configuration", ctx.initialConfig ?? null);
    },
  },
  {
    names: ["is_read_only", "isro"],
    serverRequired: true,
    run(ctx, _k, out) {
      out.set("read_only", isReadOnly(ctx));
    },
  },
  {
    names: ["last_snapshot", "lsnp"],
    serverRequired: true,
    run(ctx, _k, out) {
      const s = ctx.lastSnapshot?.();
      out.set("zxid", s === undefined ? "ffffffffffffffff" : BigInt.asUintN(64, s.zxid).toString(16));
      out.set("timestamp", s === undefined ? -1 : s.timestamp);
    },
  },
  {
    names: ["leader", "lead"],
    serverRequired: true,
    run(ctx, _k, out) {
      const q = ctx.quorum?.();
      if (q === undefined) {
        out.set("error", "server is not initialized");
        return;
      }
      out.set("is_leader", q.isLeader);
      out.set("leader_id", q.leaderId ?? -1);
      out.set("leader_ip", q.leaderAddress ?? "");
    },
  },
  {
    names: ["monitor", "mntr"],
    serverRequired: false,
    run(ctx, _k, out) {
      const values = monitorRecord(ctx);
      for (const [k, v] of values) out.set(k, v);
      // A key ZooKeeper prints that zkts does not measure: null, never a made-up 0.
      for (const k of MNTR_KEYS) {
        const key = k.slice(3);
        if (!out.has(key)) out.set(key, null);
      }
    },
  },
  {
    names: ["observer_connection_stat_reset", "orst"],
    serverRequired: true,
    run() {
      // zkts keeps no per-observer connection statistics: nothing to reset.
    },
  },
  {
    names: ["ruok"],
    serverRequired: true,
    run() {},
  },
  {
    names: ["set_trace_mask", "stmk"],
    serverRequired: false,
    run(_ctx, kwargs, out) {
      const v = kwargs.traceMask;
      if (v === undefined) {
        out.set("error", "setTraceMask requires long traceMask argument");
        return;
      }
      if (!/^[-+]?\d+$/.test(v)) {
        out.set("error", `setTraceMask requires long traceMask argument, got ${v}`);
        return;
      }
      // zkts has no request tracing: the mask cannot be changed (see TRACE_MASK).
      out.set("error", "zkts has no request tracing; the trace mask is fixed at " + TRACE_MASK);
    },
  },
  {
    names: ["server_stats", "srvr"],
    serverRequired: true,
    run(ctx, _k, out) {
      srvrRecord(ctx, out);
    },
  },
  {
    names: ["stats", "stat"],
    serverRequired: true,
    run(ctx, _k, out) {
      srvrRecord(ctx, out);
      out.set("connections", connectionRecords(ctx).map((r) => connectionJson(r, true)));
      out.set("secure_connections", []);
    },
  },
  {
    names: ["stat_reset", "srst"],
    serverRequired: true,
    run(ctx) {
      ctx.info.resetStats?.();
      ctx.resetServerStats();
      // ServerStats.reset() also resets every metric (ServerMetrics.resetAll).
      ctx.metrics?.reset();
    },
  },
  {
    names: ["observers", "obsr"],
    serverRequired: true,
    run(_ctx, _k, out) {
      // zkts does not track observers' connection info (LearnerHandler): none listed.
      out.set("synced_observers", 0);
      out.set("observers", []);
    },
  },
  {
    names: ["system_properties", "sysp"],
    serverRequired: false,
    run(ctx, _k, out) {
      const props = ctx.systemProperties ?? {};
      for (const k of Object.keys(props).sort()) out.set(k, props[k]!);
    },
  },
  {
    names: ["voting_view"],
    serverRequired: true,
    run(ctx, _k, out) {
      const q = ctx.quorum?.();
      const view = new Map<string, RecordValue>();
      for (const s of q?.votingView ?? []) {
        view.set(String(s.sid), {
          server_addresses: s.serverAddresses,
          election_addresses: s.electionAddresses,
          client_address: s.clientAddress,
          learner_type: s.learnerType,
        });
      }
      out.set("current_config", view);
    },
  },
  {
    names: ["watches", "wchc"],
    serverRequired: true,
    run(ctx, _k, out) {
      const m = new Map<string, RecordValue>();
      for (const [sid, paths] of watchesBySession(ctx)) m.set(BigInt(sid).toString(), [...paths]);
      out.set("session_id_to_watched_paths", m);
    },
  },
  {
    names: ["watches_by_path", "wchp"],
    serverRequired: true,
    run(ctx, _k, out) {
      const m = new Map<string, RecordValue>();
      for (const [path, sids] of watchesByPath(ctx)) m.set(path, sids.map((s) => BigInt(s)));
      out.set("path_to_session_ids", m);
    },
  },
  {
    names: ["watch_summary", "wchs"],
    serverRequired: true,
    run(ctx, _k, out) {
      const s = watchSummary(ctx);
      out.set("num_connections", s.connections);
      out.set("num_paths", s.paths);
      out.set("num_total_watches", s.total);
    },
  },
  {
    names: ["zabstate"],
    serverRequired: false,
    run(ctx, _k, out) {
      const q = ctx.quorum?.();
      if (q === undefined) {
        out.set("voting", false);
        out.set("zabstate", "");
        return;
      }
      const zxid = BigInt(val(ctx.info.zxid, ctx.info));
      out.set("myid", q.myid);
      out.set("is_leader", q.isLeader);
      out.set("quorum_address", q.quorumAddress);
      out.set("election_address", q.electionAddress);
      out.set("client_address", q.clientAddress);
      out.set("voting", q.voting);
      out.set("last_zxid", `0x${BigInt.asUintN(64, zxid).toString(16).padStart(16, "0")}`);
      out.set("zab_epoch", Number(zxid >> 32n));
      out.set("zab_counter", Number(zxid & 0xffffffffn));
      out.set("zabstate", q.zabState);
    },
  },
];

const BY_NAME = new Map<string, CommandDef>();
for (const c of COMMANDS) for (const n of c.names) BY_NAME.set(n, c);

/** The primary names of every command, sorted (what `/commands` lists). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.names[0]!).sort();

/** Every name (primary and aliases) a command answers to, by primary name. */
export function commandNames(primary: string): readonly string[] | undefined {
  return BY_NAME.get(primary)?.names;
}

/** The primary name of the command called `name` (any alias), or undefined. */
export function primaryName(name: string): string | undefined {
  return BY_NAME.get(name)?.names[0];
}

/** Commands.runCommand: the record of command `name` (any alias), or its error. */
export function runCommand(name: string, ctx: CommandContext, kwargs: Readonly<Record<string, string>> = {}): CommandResponse {
  const def = BY_NAME.get(name);
  if (def === undefined) return { command: name, error: `Unknown command: ${name}`, data: new Map() };
  if (def.serverRequired && ctx.serving === false) return { command: name, error: NOT_SERVING, data: new Map() };
  const data = new Map<string, RecordValue>();
  def.run(ctx, kwargs, data);
  return { command: def.names[0]!, error: null, data };
}

/**
 * CommandResponse.toMap: the data in order, then `command` and `error` (a data key named `error` keeps its place
 * and its value).
 */
export function responseMap(r: CommandResponse): Map<string, RecordValue> {
  const m = new Map<string, RecordValue>(r.data);
  if (!m.has("command")) m.set("command", r.command);
  if (!m.has("error")) m.set("error", r.error);
  return m;
}
