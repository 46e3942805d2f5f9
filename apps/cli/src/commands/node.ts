/**
 * The node commands (org.apache.zookeeper.cli's CreateCommand, GetCommand, SetCommand, DeleteCommand,
 * DeleteAllCommand, LsCommand, StatCommand, GetEphemeralsCommand, GetAllChildrenNumberCommand).
 */
import { ErrorCode, KeeperError, type ACL } from "@zkts/client";
import { cliErrorMessage, javaList, keeperMessage, parseAcl, statJson } from "../format.js";
import { listSubTreeBFS, visitSubTreeDFS } from "../zkutil.js";
import { checkPath, CliError, javaInt, parse, printStat, usageOf, type Command } from "./base.js";

const LS_HELP = [
  "usage: ls [options] path",
  " -?   help",
  " -R   recurse",
  " -s   stat",
  " -w   watch",
].join("\n");

/** create, delete, deleteall, set, get, ls, stat, getEphemerals, getAllChildrenNumber. */
export const NODE_COMMANDS: Record<string, Command> = {
  create: async (ctx, argv) => {
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
    if (args.length > 3) acl = parseAcl(args[3]!, (l) => ctx.eprintln(l));
    checkPath(path, s);
    if (acl !== undefined && acl.length === 0) {
      ctx.eprintln(keeperMessage(ErrorCode.INVALIDACL));
      throw new CliError(cliErrorMessage(ErrorCode.INVALIDACL, null), 1, ErrorCode.INVALIDACL);
    }
    const r = await ctx.zk.create(path, data, { mode, acl, ttl: t ? ttl : undefined }).catch((err) => {
      if (err instanceof KeeperError && err.code === ErrorCode.EPHEMERALONLOCALSESSION) {
        ctx.eprintln("Unable to create ephemeral node on a local session");
      } else if (err instanceof KeeperError && err.code === ErrorCode.INVALIDACL) {
        ctx.eprintln(keeperMessage(err.code, err.path));
      }
      throw err;
    });
    ctx.eprintln(`Created ${r.path}`);
    ctx.result({ path: r.path });
  },

  delete: async (ctx, argv) => {
    let p = parse(argv, { options: { v: true } });
    if (p.args.length < 2) throw new CliError(usageOf("delete"));
    if (p.args.length > 2) {
      ctx.eprintln("'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.");
      p = parse(argv, { options: { v: true } });
    }
    const path = p.args[1]!;
    const version = p.opts.has("v") ? javaInt(String(p.opts.get("v"))) : -1;
    checkPath(path);
    await ctx.zk.delete(path, { version });
  },

  deleteall: async (ctx, argv) => {
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
    const tree = await listSubTreeBFS(ctx.zk, path);
    let ok = true;
    if (batch > 0) {
      for (let end = tree.length; end > 0 && ok; end -= batch) {
        const ops = tree
          .slice(Math.max(0, end - batch), end)
          .reverse()
          .map((p) => ({ type: "delete" as const, path: p }));
        try {
          await ctx.zk.multi(ops);
        } catch (e) {
          if (!(e instanceof KeeperError)) throw e;
          ok = false;
        }
      }
    } else {
      for (let i = tree.length - 1; i >= 0; --i) await ctx.zk.delete(tree[i]!);
    }
    if (!ok) ctx.eprintln("Failed to delete some node(s) in the subtree!");
    ctx.result({ deleted: ok });
  },

  set: async (ctx, argv) => {
    const { opts, args } = parse(argv, { options: { s: false, v: true } });
    if (args.length < 3) throw new CliError(usageOf("set"));
    const path = args[1]!;
    const data = Buffer.from(args[2]!, "utf8");
    const version = opts.has("v") ? javaInt(String(opts.get("v"))) : -1;
    checkPath(path);
    const stat = await ctx.zk.setData(path, data, { version });
    if (opts.has("s")) printStat(ctx, stat);
    ctx.result({ stat: statJson(stat) });
  },

  get: async (ctx, argv) => {
    let p = parse(argv, { options: { s: false, w: false } });
    if (p.args.length < 2) throw new CliError(usageOf("get"));
    if (p.args.length > 2) {
      argv = [...argv];
      argv[2] = "-w";
      ctx.eprintln("'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.");
      p = parse(argv, { options: { s: false, w: false } });
    }
    const path = p.args[1]!;
    checkPath(path);
    const { data, stat } = await ctx.zk.getData(path, { watch: p.opts.has("w") ? true : undefined });
    ctx.println(data === null ? "null" : data.toString("utf8"));
    if (p.opts.has("s")) printStat(ctx, stat);
    ctx.result({ data: data === null ? null : data.toString("utf8"), stat: statJson(stat) });
  },

  ls: async (ctx, argv) => {
    let p = parse(argv, { options: { "?": false, s: false, w: false, R: false } });
    if (p.opts.has("?")) ctx.println(LS_HELP);
    if (p.args.length > 2) {
      argv = [...argv];
      argv[2] = "-w";
      ctx.eprintln("'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.");
      p = parse(argv, { options: { "?": false, s: false, w: false, R: false } });
    }
    if (p.args.length < 2) throw new CliError(usageOf("ls"));
    const path = p.args[1]!;
    const watch = p.opts.has("w") ? true : undefined;
    checkPath(path);
    if (p.opts.has("R")) {
      const paths: string[] = [];
      await visitSubTreeDFS(ctx.zk, path, watch, (q) => {
        ctx.println(q);
        paths.push(q);
      });
      ctx.result({ paths });
    } else if (p.opts.has("s")) {
      const { children, stat } = await ctx.zk.getChildrenWithStat(path, { watch });
      children.sort();
      ctx.println(javaList(children));
      printStat(ctx, stat);
      ctx.result({ children, stat: statJson(stat) });
    } else {
      const children = await ctx.zk.getChildren(path, { watch });
      children.sort();
      ctx.println(javaList(children));
      ctx.result({ children });
    }
  },

  stat: async (ctx, argv) => {
    let p = parse(argv, { options: { w: false } });
    if (p.args.length < 2) throw new CliError(usageOf("stat"));
    if (p.args.length > 2) {
      argv = [...argv];
      argv[2] = "-w";
      ctx.eprintln("'stat path [watch]' has been deprecated. Please use 'stat [-w] path' instead.");
      p = parse(argv, { options: { w: false } });
    }
    const path = p.args[1]!;
    checkPath(path);
    const stat = await ctx.zk.exists(path, { watch: p.opts.has("w") ? true : undefined });
    if (stat === null) throw new CliError(cliErrorMessage(ErrorCode.NONODE, path), 1, ErrorCode.NONODE);
    printStat(ctx, stat);
    ctx.result({ stat: statJson(stat) });
  },

  getEphemerals: async (ctx, argv) => {
    const { args } = parse(argv, { options: {} });
    const path = args.length < 2 ? "/" : args[1]!;
    checkPath(path);
    const paths = await ctx.zk.getEphemerals(path);
    ctx.println(javaList(paths));
    ctx.result({ paths });
  },

  getAllChildrenNumber: async (ctx, argv) => {
    const { args } = parse(argv, { options: {} });
    if (args.length < 2) throw new CliError(usageOf("getAllChildrenNumber"));
    const path = args[1]!;
    checkPath(path);
    const n = await ctx.zk.getAllChildrenNumber(path);
    ctx.println(String(n));
    ctx.result({ count: n });
  },
};
