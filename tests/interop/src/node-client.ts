import { createServer, connect, type Server as NetServer, type Socket } from "node:net";
// node-zookeeper-client ships no types: a narrow, local view of what the suite uses.
// @ts-expect-error untyped CommonJS module
import zookeeper from "node-zookeeper-client";

interface ZkStat {
  [k: string]: unknown;
}
interface ZkEvent {
  getType(): number;
  getPath(): string;
  getName(): string;
}
interface ZkClient {
  connect(): void;
  close(): void;
  once(ev: string, fn: (...a: unknown[]) => void): void;
  on(ev: string, fn: (...a: unknown[]) => void): void;
  getSessionId(): Buffer;
  getState(): { getName(): string };
  addAuthInfo(scheme: string, auth: Buffer): void;
  [op: string]: unknown;
}

type Cb = (err: (Error & { getCode?: () => number; getName?: () => string }) | null, ...rest: unknown[]) => void;

/** A TCP proxy in front of a server whose connections can be cut and refused (to make a client reconnect). */
export class CuttableProxy {
  private readonly server: NetServer;
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  port = 0;

  constructor(private readonly target: number) {
    this.server = createServer((down) => {
      if (this.refusing) {
        down.destroy();
        return;
      }
      const up = connect({ port: this.target, host: "127.0.0.1" });
      for (const s of [down, up]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      down.pipe(up);
      up.pipe(down);
      down.on("close", () => up.destroy());
      up.on("close", () => down.destroy());
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) =>
      this.server.listen(0, "127.0.0.1", () => {
        this.port = (this.server.address() as { port: number }).port;
        resolve();
      }),
    );
  }

  /** Destroys every open connection and refuses new ones until resume(). */
  cut(): void {
    this.refusing = true;
    for (const s of this.sockets) s.destroy();
  }

  resume(): void {
    this.refusing = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export type NStep = { op: string; s?: string; [k: string]: unknown };

function hex(b: unknown): string {
  return "0x" + BigInt.asUintN(64, (b as Buffer).readBigInt64BE(0)).toString(16);
}

function statJson(st: ZkStat | undefined): unknown {
  if (!st) return null;
  const num = (b: unknown) => Number((b as Buffer).readBigInt64BE(0));
  return {
    czxid: num(st.czxid), mzxid: num(st.mzxid), ctime: num(st.ctime), mtime: num(st.mtime),
    version: st.version, cversion: st.cversion, aversion: st.aversion, ephemeralOwner: hex(st.ephemeralOwner),
    dataLength: st.dataLength, numChildren: st.numChildren, pzxid: num(st.pzxid),
  };
}

const aclsJson = (acls: { permission: number; id: { scheme: string; id: string } }[]) =>
  acls.map((a) => ({ perms: a.permission, scheme: a.id.scheme, id: a.id.id }));

/**
 * Runs steps with node-zookeeper-client (in-process) against `port` (through a cuttable proxy per session) and
 * returns one {ok}/{err} per step; errors are the client's exception names (NO_NODE, ...).
 */
export async function runNodeClient(port: number, steps: NStep[]): Promise<unknown[]> {
  const sessions = new Map<string, { client: ZkClient; proxy: CuttableProxy; events: unknown[]; states: string[] }>();
  const results: unknown[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const call = <T>(c: ZkClient, op: string, ...args: unknown[]) =>
    new Promise<T[]>((resolve, reject) =>
      (c[op] as (...a: unknown[]) => void).call(c, ...args, ((err, ...rest) => (err ? reject(err) : resolve(rest as T[]))) as Cb),
    );
  try {
    for (const step of steps) {
      const name = step.s ?? "a";
      try {
        results.push({ ok: await runStep(step, name) });
      } catch (e) {
        const err = e as Error & { getName?: () => string };
        results.push({ err: typeof err.getName === "function" ? err.getName() : err.message });
      }
    }
  } finally {
    for (const s of sessions.values()) {
      s.client.close();
      await s.proxy.close();
    }
  }
  return results;

  async function runStep(step: NStep, name: string): Promise<unknown> {
    const path = step.path as string;
    const data = step.data === undefined ? undefined : Buffer.from(String(step.data));
    const version = (step.version as number | undefined) ?? -1;
    if (step.op === "connect") {
      const proxy = new CuttableProxy(port);
      await proxy.listen();
      const client = zookeeper.createClient(`127.0.0.1:${proxy.port}${(step.chroot as string) ?? ""}`, {
        sessionTimeout: (step.timeout as number) ?? 10_000,
        spinDelay: 50,
        retries: 0,
      }) as ZkClient;
      const sess = { client, proxy, events: [] as unknown[], states: [] as string[] };
      sessions.set(name, sess);
      client.on("state", (st: unknown) => sess.states.push((st as { getName(): string }).getName()));
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("connect timeout")), 10_000);
        client.once("connected", () => {
          clearTimeout(t);
          resolve();
        });
        client.connect();
      });
      return { session: hex(client.getSessionId()) };
    }
    const sess = sessions.get(name)!;
    const c = sess.client;
    const watcher = step.watch ? (ev: ZkEvent) => sess.events.push({ type: ev.getName(), path: ev.getPath() }) : undefined;
    switch (step.op) {
      case "close":
        c.close();
        return true;
      case "create": {
        const acl = step.acl
          ? (step.acl as { perms: number; scheme: string; id: string }[]).map((a) => new zookeeper.ACL(a.perms, new zookeeper.Id(a.scheme, a.id)))
          : zookeeper.ACL.OPEN_ACL_UNSAFE;
        return (await call<string>(c, "create", path, data ?? null, acl, (step.mode as number) ?? 0))[0];
      }
      case "remove":
        await call(c, "remove", path, version);
        return true;
      case "exists": {
        const [st] = await call<ZkStat>(c, "exists", path, ...(watcher ? [watcher] : []));
        return statJson(st);
      }
      case "getData": {
        const [d, st] = await call<Buffer | ZkStat>(c, "getData", path, ...(watcher ? [watcher] : []));
        return { data: d ? (d as Buffer).toString() : null, stat: statJson(st as ZkStat) };
      }
      case "setData":
        return statJson((await call<ZkStat>(c, "setData", path, data ?? null, version))[0]);
      case "getChildren": {
        const [ch, st] = await call<string[] | ZkStat>(c, "getChildren", path, ...(watcher ? [watcher] : []));
        return { children: [...(ch as string[])].sort(), stat: statJson(st as ZkStat) };
      }
      case "getACL": {
        const [acls, st] = await call<unknown>(c, "getACL", path);
        return { acl: aclsJson(acls as never), stat: statJson(st as ZkStat) };
      }
      case "setACL": {
        const acl = (step.acl as { perms: number; scheme: string; id: string }[]).map((a) => new zookeeper.ACL(a.perms, new zookeeper.Id(a.scheme, a.id)));
        return statJson((await call<ZkStat>(c, "setACL", path, acl, version))[0]);
      }
      case "addAuth":
        c.addAuthInfo(step.scheme as string, Buffer.from(step.cred as string));
        return true;
      case "transaction": {
        let t = (c.transaction as () => unknown)() as Record<string, (...a: unknown[]) => unknown>;
        for (const o of step.ops as { op: string; path: string; data?: string; version?: number; mode?: number }[]) {
          if (o.op === "create") t = t.create!(o.path, o.data ? Buffer.from(o.data) : null, zookeeper.ACL.OPEN_ACL_UNSAFE, o.mode ?? 0) as typeof t;
          else if (o.op === "setData") t = t.setData!(o.path, Buffer.from(o.data ?? ""), o.version ?? -1) as typeof t;
          else if (o.op === "check") t = t.check!(o.path, o.version ?? -1) as typeof t;
          else if (o.op === "remove") t = t.remove!(o.path, o.version ?? -1) as typeof t;
        }
        const res = await new Promise<unknown>((resolve) =>
          (t.commit as (cb: Cb) => void)((err, r) => resolve(err ? { err: err.getName?.() ?? err.message, results: r } : { results: r })),
        );
        return JSON.parse(JSON.stringify(res, (k, v) => (k === "stat" && v ? statJson(v) : v)));
      }
      case "cut":
        sess.proxy.cut();
        await sleep((step.ms as number) ?? 300);
        return sess.states.slice(-1);
      case "resume": {
        sess.proxy.resume();
        const deadline = Date.now() + 10_000;
        while (c.getState().getName() !== "SYNC_CONNECTED" && Date.now() < deadline) await sleep(20);
        return c.getState().getName();
      }
      case "events": {
        const deadline = Date.now() + 5_000;
        while (sess.events.length < ((step.count as number) ?? 0) && Date.now() < deadline) await sleep(20);
        if (step.settle) await sleep(step.settle as number);
        return sess.events.splice(0);
      }
      default:
        throw new Error(`unknown op ${step.op}`);
    }
  }
}
