/** The quota commands (org.apache.zookeeper.cli's ListQuotaCommand, SetQuotaCommand, DelQuotaCommand). */
import { ErrorCode, KeeperError } from "@zkts/client";
import { limitPath, LIMIT_NODE, QUOTA_ZOOKEEPER as QUOTA_ROOT, quotaPath, statPath, StatsTrack, trimQuotaPath } from "@zkts/client-wire";
import { visitSubTreeDFS } from "../zkutil.js";
import { checkPath, CliError, dataString, parse, usageOf, type Command, type CommandContext } from "./base.js";

/** listquota, setquota, delquota. */
export const QUOTA_COMMANDS: Record<string, Command> = {
  listquota: async (ctx, argv) => {
    const { args } = parse(argv, { options: {} });
    if (args.length < 2) throw new CliError(usageOf("listquota"));
    const path = args[1]!;
    ctx.eprintln(`absolute path is ${limitPath(path)}`);
    try {
      checkPath(limitPath(path));
      const quota = new StatsTrack(dataString((await ctx.zk.getData(limitPath(path))).data));
      const stats = new StatsTrack(dataString((await ctx.zk.getData(statPath(path))).data));
      ctx.println(`Output quota for ${path} ${quota}`);
      ctx.println(`Output stat for ${path} ${stats}`);
      ctx.result({ path, quota: quota.toJSON(), stat: stats.toJSON() });
    } catch (e) {
      if (!(e instanceof KeeperError && e.code === ErrorCode.NONODE)) throw e;
      ctx.eprintln(`quota for ${path} does not exist.`);
      ctx.result({ path, quota: null });
    }
  },

  setquota: async (ctx, argv) => {
    const descriptions = { n: "num soft quota", b: "bytes soft quota", N: "num hard quota", B: "bytes hard quota" };
    const { opts, args } = parse(argv, {
      options: { n: true, b: true, N: true, B: true },
      group: { names: ["n", "b", "N", "B"], required: true, descriptions },
    });
    if (args.length < 2) throw new CliError(usageOf("setquota"));
    const path = args[1]!;
    if (path.startsWith(QUOTA_ROOT)) {
      ctx.eprintln(`cannot set a quota under the path: ${QUOTA_ROOT}`);
      ctx.result({ set: false });
      return;
    }
    const quota = new StatsTrack();
    quota.set("count", -1);
    quota.set("bytes", -1);
    quota.set("countHardLimit", -1);
    quota.set("byteHardLimit", -1);
    const fields: Array<[string, string, boolean]> = [
      ["n", "count", true],
      ["b", "bytes", false],
      ["N", "countHardLimit", true],
      ["B", "byteHardLimit", false],
    ];
    for (const [opt, key, isCount] of fields) {
      if (!opts.has(opt)) continue;
      const v = String(opts.get(opt));
      if (!/^[-+]?\d+$/.test(v)) {
        ctx.eprintln("NumberFormatException happens when parsing the option value");
        return;
      }
      const n = BigInt(v);
      if (isCount ? n <= 0n : n < 0n) {
        ctx.eprintln(isCount ? "the num quota must be greater than zero" : "the bytes quota must be greater than or equal to zero");
        return;
      }
      quota.set(key, n);
    }
    await createQuota(ctx, path, quota);
    ctx.result({ path, quota: quota.toJSON() });
  },

  delquota: async (ctx, argv) => {
    const { opts, args } = parse(argv, {
      options: { n: false, b: false, N: false, B: false },
      group: { names: ["n", "b", "N", "B"], required: false, descriptions: {} },
    });
    if (args.length < 2) throw new CliError(usageOf("delquota"));
    const path = args[1]!;
    try {
      await delQuota(ctx, path, opts);
    } catch (e) {
      if (!(e instanceof KeeperError && e.code === ErrorCode.NONODE)) throw e;
      ctx.eprintln(`quota for ${path} does not exist.`);
    }
  },
};

/** SetQuotaCommand.createQuota. */
async function createQuota(ctx: CommandContext, path: string, quota: StatsTrack): Promise<void> {
  checkPath(path);
  const zk = ctx.zk;
  if ((await zk.exists(path)) === null) throw new CliError(`${path} does not exist.`);
  // A quota below this path?
  const realPath = quotaPath(path);
  try {
    await visitSubTreeDFS(zk, realPath, undefined, async (qp) => {
      let children: string[];
      try {
        children = await zk.getChildren(qp);
      } catch (e) {
        if (e instanceof KeeperError && e.code === ErrorCode.NONODE) return;
        throw e;
      }
      for (const child of children) {
        if (qp !== QUOTA_ROOT + path && child === LIMIT_NODE) {
          throw new CliError(`${path} has a child ${trimQuotaPath(qp)} which has a quota`);
        }
      }
    });
  } catch (e) {
    if (!(e instanceof KeeperError && e.code === ErrorCode.NONODE)) throw e;
  }
  // A quota above it?
  const splits = path.split("/");
  let qp = QUOTA_ROOT;
  for (let i = 1; i < splits.length - 1; i++) {
    qp += "/" + splits[i];
    let children: string[];
    try {
      children = await zk.getChildren(qp);
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NONODE) break;
      throw e;
    }
    if (children.length === 0) break;
    if (qp !== quotaPath(path) && children.includes(LIMIT_NODE)) {
      throw new CliError(`${path} has a parent ${trimQuotaPath(qp)} which has a quota`);
    }
  }
  qp = QUOTA_ROOT;
  for (let i = 1; i < splits.length; i++) {
    qp += "/" + splits[i];
    if ((await zk.exists(qp)) === null) {
      await zk.create(qp, null).catch((e) => {
        if (!(e instanceof KeeperError && e.code === ErrorCode.NODEEXISTS)) throw e;
      });
    }
  }
  const sp = `${qp}/zookeeper_stats`;
  const lp = `${qp}/${LIMIT_NODE}`;
  if ((await zk.exists(lp)) === null) {
    await zk.create(lp, quota.toString());
    const stats = new StatsTrack();
    stats.set("count", 0);
    stats.set("bytes", 0);
    await zk.create(sp, stats.toString());
    const q = new StatsTrack(dataString((await zk.getData(lp)).data));
    const s = new StatsTrack(dataString((await zk.getData(sp)).data));
    checkQuota(ctx, q, s);
  } else {
    const q = new StatsTrack(dataString((await zk.getData(lp)).data));
    for (const k of ["count", "bytes", "countHardLimit", "byteHardLimit"]) if (quota.get(k) > -1n) q.set(k, quota.get(k));
    const s = new StatsTrack(dataString((await zk.getData(sp)).data));
    checkQuota(ctx, q, s);
    await zk.setData(lp, q.toString());
  }
}

/** SetQuotaCommand.checkQuota: warns when the new quota is below what the subtree already holds. */
function checkQuota(ctx: CommandContext, q: StatsTrack, s: StatsTrack): void {
  if ((q.count > -1n && q.count < s.count) || (q.countHardLimit > -1n && q.countHardLimit < s.count)) {
    ctx.println(`[Warning]: the count quota you create is less than the existing count:${s.count}`);
  }
  if ((q.bytes > -1n && q.bytes < s.bytes) || (q.byteHardLimit > -1n && q.byteHardLimit < s.bytes)) {
    ctx.println(`[Warning]: the bytes quota you create is less than the existing bytes:${s.bytes}`);
  }
}

/** DelQuotaCommand.delQuota. */
async function delQuota(ctx: CommandContext, path: string, opts: Map<string, string | true>): Promise<void> {
  const zk = ctx.zk;
  const parent = quotaPath(path);
  const lp = limitPath(path);
  checkPath(lp);
  if ((await zk.exists(lp)) === null) {
    ctx.println(`Quota does not exist for ${path}`);
    ctx.result({ deleted: false });
    return;
  }
  const strack = new StatsTrack(dataString((await zk.getData(lp)).data));
  const flagSet = ["n", "b", "N", "B"].some((o) => opts.has(o));
  if (!flagSet) {
    for (const child of await zk.getChildren(parent)) await zk.delete(`${parent}/${child}`);
    // trimProcQuotas: remove the now empty quota directories up to /zookeeper/quota
    let p = parent;
    while (p !== QUOTA_ROOT) {
      if ((await zk.getChildren(p)).length !== 0) break;
      await zk.delete(p);
      p = p.slice(0, p.lastIndexOf("/"));
    }
  } else {
    if (opts.has("n")) strack.set("count", -1);
    if (opts.has("b")) strack.set("bytes", -1);
    if (opts.has("N")) strack.set("countHardLimit", -1);
    if (opts.has("B")) strack.set("byteHardLimit", -1);
    await zk.setData(lp, strack.toString());
  }
  ctx.result({ deleted: true });
}
