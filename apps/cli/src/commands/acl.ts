/** The ACL and auth commands (org.apache.zookeeper.cli's GetAclCommand, SetAclCommand, AddAuthCommand, WhoAmICommand). */
import { ErrorCode, KeeperError } from "@zkts/client";
import { aclLines, cliErrorMessage, keeperMessage, parseAcl, permString, statJson } from "../format.js";
import { visitSubTreeDFS } from "../zkutil.js";
import { checkPath, CliError, errorCodeName, javaInt, parse, printStat, usageOf, type Command, type Json } from "./base.js";

/** getAcl, setAcl, addauth, whoami. */
export const ACL_COMMANDS: Record<string, Command> = {
  getAcl: async (ctx, argv) => {
    const { opts, args } = parse(argv, { options: { s: false } });
    if (args.length < 2) throw new CliError(usageOf("getAcl"));
    const path = args[1]!;
    checkPath(path);
    const { acl, stat } = await ctx.zk.getACL(path);
    for (const l of aclLines(acl)) ctx.println(l);
    if (opts.has("s")) printStat(ctx, stat);
    ctx.result({ acl: acl.map((a) => ({ scheme: a.id.scheme, id: a.id.id, perms: permString(a.perms) })), stat: statJson(stat) });
  },

  setAcl: async (ctx, argv) => {
    const { opts, args } = parse(argv, { options: { s: false, v: true, R: false } });
    if (args.length < 3) throw new CliError(usageOf("setAcl"));
    const path = args[1]!;
    const acl = parseAcl(args[2]!, (l) => ctx.eprintln(l));
    const version = opts.has("v") ? javaInt(String(opts.get("v"))) : -1;
    checkPath(path);
    if (acl.length === 0) throw new CliError(cliErrorMessage(ErrorCode.INVALIDACL, null), 1, ErrorCode.INVALIDACL);
    if (opts.has("R")) {
      const failed: Json[] = [];
      const paths: string[] = [];
      // As ZKUtil.visitSubTreeDFS: each node's ACL is set when it is visited, before its children are listed.
      await visitSubTreeDFS(ctx.zk, path, undefined, async (p) => {
        paths.push(p);
        try {
          await ctx.zk.setACL(p, acl, { version });
        } catch (e) {
          if (!(e instanceof KeeperError)) throw e;
          ctx.print(keeperMessage(e.code, e.path));
          failed.push({ path: p, code: errorCodeName(e.code) });
        }
      });
      ctx.result({ paths, failed });
    } else {
      const stat = await ctx.zk.setACL(path, acl, { version });
      if (opts.has("s")) printStat(ctx, stat);
      ctx.result({ stat: statJson(stat) });
    }
  },

  addauth: async (ctx, argv) => {
    const { args } = parse(argv, { options: {} });
    if (args.length < 2) throw new CliError(usageOf("addauth"));
    // zkCli sends the auth and returns; a rejected one ends the session (an AuthFailed event).
    await ctx.zk.addAuth(args[1]!, args.length >= 3 ? Buffer.from(args[2]!, "utf8") : Buffer.alloc(0)).catch(() => undefined);
  },

  whoami: async (ctx) => {
    // ZooKeeper.whoAmI ignores the reply's error code: a session whose SASL login failed gets no list, and
    // WhoAmICommand prints just the header (and succeeds), as zkCli.sh does.
    const ids = await ctx.zk.whoAmI().catch((e: unknown) => {
      if (e instanceof KeeperError && e.code === ErrorCode.AUTHFAILED) return [];
      throw e;
    });
    ctx.println("Auth scheme: User");
    for (const i of ids) ctx.println(`${i.authScheme}: ${i.user}`);
    ctx.result({ identities: ids.map((i) => ({ scheme: i.authScheme, user: i.user })) });
  },
};
