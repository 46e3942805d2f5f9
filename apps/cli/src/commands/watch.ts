/** The watch commands (org.apache.zookeeper.cli's AddWatchCommand, RemoveWatchesCommand). */
import { checkPath, CliError, parse, usageOf, type Command } from "./base.js";

/** addWatch, removewatches. */
export const WATCH_COMMANDS: Record<string, Command> = {
  addWatch: async (ctx, argv) => {
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
    await ctx.zk.addWatch(path, true, { recursive });
    ctx.result({ mode: recursive ? "PERSISTENT_RECURSIVE" : "PERSISTENT" });
  },

  removewatches: async (ctx, argv) => {
    const { opts, args } = parse(argv, { options: { c: false, d: false, a: false, l: false } });
    if (args.length < 2) throw new CliError(usageOf("removewatches"));
    const path = args[1]!;
    const type = opts.has("c") ? "children" : opts.has("d") ? "data" : "any";
    checkPath(path);
    await ctx.zk.removeWatches(path, type, { local: opts.has("l") });
  },
};
