/**
 * The remaining org.apache.zookeeper.cli commands: GetConfigCommand, ReconfigCommand, SyncCommand, VersionCommand,
 * CloseCommand. (history, redo, printwatches, connect and quit belong to ZooKeeperMain itself: see shell.ts.)
 */
import { readFileSync } from "node:fs";
import { KeeperError, type Stat } from "@zkts/client";
import type { OptionSpec } from "../args.js";
import { statJson } from "../format.js";
import { VERSION } from "../version.js";
import { checkPath, CliError, parse, printStat, usageOf, type Command } from "./base.js";

/** close, sync, config, reconfig, version. */
export const CONFIG_COMMANDS: Record<string, Command> = {
  close: async (ctx) => {
    await ctx.zk.close();
  },

  sync: async (ctx, argv) => {
    const { args } = parse(argv, { options: {} });
    if (args.length < 2) throw new CliError(usageOf("sync"));
    const path = args[1]!;
    checkPath(path);
    try {
      await ctx.zk.sync(path);
      ctx.println("Sync is OK");
      ctx.result({ rc: 0 });
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      ctx.println(`Sync has failed. rc=${e.code}`);
      ctx.result({ rc: e.code });
    }
  },

  config: async (ctx, argv) => {
    const { opts } = parse(argv, { options: { s: false, w: false, c: false } });
    const watch = opts.has("w");
    let data: Buffer | null;
    let stat: Stat;
    if (watch && ctx.zk.chroot === "") {
      ({ data, stat } = await ctx.zk.getData("/zookeeper/config", { watch: true }));
    } else {
      const r = await ctx.zk.getConfig();
      data = Buffer.from(r.config, "utf8");
      stat = r.stat;
    }
    const text = data === null ? "null" : data.toString("utf8");
    const out = opts.has("c") ? clientConfigStr(text) : text;
    ctx.println(out);
    if (opts.has("s")) printStat(ctx, stat);
    ctx.result({ config: out, stat: statJson(stat) });
  },

  reconfig: async (ctx, argv) => {
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
    const r = await ctx.zk.reconfig({ joining: lower("add"), leaving: lower("remove"), newMembers: members, fromConfig: version });
    ctx.println("Committed new configuration:\n" + r.config);
    if (opts.has("s")) printStat(ctx, r.stat);
    ctx.result({ config: r.config, stat: statJson(r.stat) });
  },

  version: async (ctx, argv) => {
    if (argv.length > 1) throw new CliError(usageOf("version"));
    ctx.println(`ZooKeeper CLI version: zkcli ${VERSION} (zkts), compatible with zkCli.sh 3.8`);
    ctx.result({ version: VERSION });
  },
};

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
