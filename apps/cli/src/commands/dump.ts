/** zkcli's own subtree commands, export and import (the tree-dump format of tree-dump.ts). */
import { exportTree, importTree } from "../tree-dump.js";
import { checkPath, CliError, parse, usageOf, type Command } from "./base.js";

/** export, import. */
export const DUMP_COMMANDS: Record<string, Command> = {
  export: async (ctx, argv) => {
    const { args } = parse(argv, { options: {} });
    if (args.length < 3) throw new CliError(usageOf("export"));
    checkPath(args[1]!);
    const r = await exportTree(ctx.zk, args[1]!, args[2]!);
    ctx.println(`Exported ${r.nodes} node(s) of ${r.path} to ${r.file}`);
    ctx.result({ ...r });
  },

  import: async (ctx, argv) => {
    const { args } = parse(argv, { options: {} });
    if (args.length < 3) throw new CliError(usageOf("import"));
    checkPath(args[2]!);
    const r = await importTree(ctx.zk, args[1]!, args[2]!);
    for (const s of r.skipped) ctx.eprintln(`Skipped ephemeral node ${s}`);
    ctx.println(`Imported ${r.created + r.updated} node(s) from ${r.file} to ${r.path} (${r.created} created, ${r.updated} updated)`);
    ctx.result({ ...r });
  },
};
