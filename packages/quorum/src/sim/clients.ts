/**
 * Simulated clients: each holds a session on a random member and issues creates (persistent, sequential,
 * ephemeral), setData and deletes with versions, multi, and session closes; pings when idle; when its member dies,
 * stops serving or goes quiet it reconnects to another with its session id and password. Replies are checked as
 * they arrive (FIFO order, conditional writes) and acknowledged writes are recorded for the checker.
 */
import {
  CreateMode,
  decodeConnectResponse,
  decodeResponse,
  encodeConnectRequest,
  encodeRequest,
  OpCode,
  type MultiOp,
} from "@zkts/client-wire";
import type { ServerConnection } from "@zkts/contracts";
import type { Checker } from "./checker.js";
import type { World } from "./world.js";

const ACL = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const WRITES = new Set<number>([OpCode.create, OpCode.delete, OpCode.setData, OpCode.multi, OpCode.reconfig]);
/** The reconfiguring client's credentials (the members' superDigest is generateDigest of them). */
export const SUPER = "super:sim";

/** The client end of a connection: what the member sends is read on the client's next poll. */
class ClientConn implements ServerConnection {
  private static next = 1;
  readonly id = ClientConn.next++;
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 40000;
  readonly inbox: Buffer[] = [];
  /** When the last client->member message arrives (the connection is FIFO). */
  lastDelivery = 0;
  closed: string | null = null;
  send(payload: Buffer): void {
    if (this.closed === null) this.inbox.push(payload);
  }
  close(reason: string): void {
    if (this.closed === null) this.closed = reason;
  }
}

interface Pending {
  xid: number;
  type: number;
  path?: string;
  version?: number;
  /** A reconfig that must be refused (invalid, or a stale fromConfig): why. */
  refuse?: string;
}

export interface ClientStats {
  sessions: number;
  reconnects: number;
  expired: number;
  closed: number;
  requests: number;
  acked: number;
  failed: number;
  reconfigs: number;
  reconfigsOk: number;
  reconfigsRefused: number;
}

export class SimClient {
  private conn: ClientConn | undefined;
  private member: bigint | undefined;
  private memberLife = 0;
  private connected = false;
  private sessionId = 0n;
  private passwd = Buffer.alloc(16);
  private timeout = 0;
  private xid = 1;
  private lastReplyXid = 0;
  private pending: Pending[] = [];
  private lastHeard = 0;
  private lastSent = 0;
  private closing = false;
  /** Versions this client last saw per path (from its own replies). */
  private readonly versions = new Map<string, number>();
  /** Since when the current connection has been established (undefined: not connected). */
  private connectedSince: number | undefined;
  /** Stopped issuing requests (the quiet phase): the session is left to expire. */
  stopped = false;
  /** Only pings: the session lives on the ping traffic alone (no writes reach the leader). */
  idle = false;

  constructor(
    readonly id: number,
    private readonly w: World,
    private readonly checker: Checker,
    private readonly stats: ClientStats,
    private readonly requestedTimeout: number,
    /** Also issues reconfigs, as the super user. */
    private readonly reconfigurer = false,
    /** The reconfigs include non-incremental ones (newMembers). */
    private readonly nonIncremental = false,
  ) {}

  start(): void {
    this.w.at(this.w.now + this.w.rnd.int(0, 500), undefined, 0, () => this.connect());
  }

  private log(s: string): void {
    this.w.log(`client${this.id} ${s}`);
  }

  /** Connects to a random member (with the session, if it has one). */
  private connect(): void {
    if (this.stopped) return;
    const w = this.w;
    const sids = [...w.members.keys()];
    const sid = w.rnd.pick(sids);
    const m = w.members.get(sid)!;
    const conn = new ClientConn();
    this.conn = conn;
    this.member = sid;
    this.memberLife = m.life;
    this.connected = false;
    this.pending = [];
    this.lastHeard = w.now;
    this.stats.reconnects += this.sessionId === 0n ? 0 : 1;
    this.log(`connects to ${sid}${this.sessionId !== 0n ? ` with session 0x${this.sessionId.toString(16)}` : ""}`);
    if (!m.up) {
      conn.close("refused");
      this.schedule(this.w.rnd.int(1, 20));
      return;
    }
    const payload = encodeConnectRequest({
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: this.requestedTimeout,
      sessionId: this.sessionId,
      passwd: this.passwd,
      readOnly: false,
      hasReadOnly: false,
    });
    conn.lastDelivery = w.now + w.rnd.int(1, 5);
    w.at(conn.lastDelivery, sid, m.life, () => m.peer?.clientPort.handleConnect(conn, payload));
    this.schedule(w.rnd.int(20, 100));
  }

  private schedule(ms: number): void {
    this.w.at(this.w.now + ms, undefined, 0, () => this.act());
  }

  /** The client's own clock tick: time out a quiet member, ping, or issue a request. */
  private act(): void {
    const w = this.w;
    const conn = this.conn;
    if (conn === undefined) return;
    const m = this.member !== undefined ? w.members.get(this.member) : undefined;
    const gone = m === undefined || !m.up || m.life !== this.memberLife;
    // ZooKeeper's client: nothing heard for 2/3 of the session timeout (or the connect timeout) -> reconnect
    const quietLimit = this.connected ? Math.max(200, Math.floor((this.timeout * 2) / 3)) : Math.max(300, Math.floor(this.requestedTimeout / 2));
    if (conn.closed !== null || (gone && w.rnd.chance(0.5)) || w.now - this.lastHeard > quietLimit) {
      this.drop(conn.closed ?? (gone ? "member gone" : "nothing heard"));
      if (this.stopped) return;
      w.at(w.now + w.rnd.int(10, 200), undefined, 0, () => this.connect());
      return;
    }
    if (this.connected && !this.closing) {
      if (this.stopped) {
        // quiet phase: abandon the session (it must expire) without a word
        this.drop("stopped");
        return;
      }
      if (!this.idle && this.pending.length < 4 && w.rnd.chance(0.6)) this.request();
      else if (w.now - this.lastSent > this.timeout / 3) this.send(-2, OpCode.ping, null);
    }
    this.schedule(w.rnd.int(20, 150));
  }

  private drop(reason: string): void {
    const conn = this.conn;
    if (conn === undefined) return;
    this.log(`drops its connection to ${this.member}: ${reason}; ${this.pending.length} requests in doubt`);
    const m = this.member !== undefined ? this.w.members.get(this.member) : undefined;
    if (conn.closed === null && m !== undefined && m.up && m.life === this.memberLife) {
      const life = m.life;
      this.w.at(this.w.now + 1, m.sid, life, () => m.peer?.clientPort.connectionClosed(conn));
    }
    conn.close(reason);
    this.conn = undefined;
    this.connected = false;
    this.connectedSince = undefined;
    this.pending = [];
  }

  /** The session this client has held on one open connection since `since` (and is not closing), if any. */
  liveSession(): { sessionId: bigint; since: number; member: bigint; timeout: number } | undefined {
    if (!this.connected || this.closing || this.stopped || this.conn?.closed !== null || this.connectedSince === undefined) return undefined;
    return { sessionId: this.sessionId, since: this.connectedSince, member: this.member!, timeout: this.timeout };
  }

  private send(xid: number, type: number, body: unknown, p?: Omit<Pending, "xid" | "type">): void {
    const conn = this.conn!;
    const m = this.w.members.get(this.member!)!;
    const payload = encodeRequest({ xid, type, body });
    if (xid > 0) {
      this.log(`-> ${this.member} xid ${xid} op ${type}${p?.path !== undefined ? ` ${p.path}` : ""}${p?.version !== undefined ? ` v${p.version}` : ""}`);
      this.pending.push({ xid, type, ...p });
      this.stats.requests++;
    }
    this.lastSent = this.w.now;
    conn.lastDelivery = Math.max(this.w.now + this.w.rnd.int(1, 5), conn.lastDelivery);
    this.w.at(conn.lastDelivery, m.sid, this.memberLife, () => {
      if (conn.closed === null) m.peer?.clientPort.handlePacket(conn, payload);
    });
  }

  private request(): void {
    const r = this.w.rnd;
    if (this.reconfigurer && r.chance(0.1)) {
      this.reconfig();
      return;
    }
    const xid = this.xid++;
    const key = () => `/k${r.int(0, 7)}`;
    const version = (path: string) => (r.chance(0.2) ? -1 : r.chance(0.7) ? (this.versions.get(path) ?? 0) : r.int(0, 3));
    const x = r.int(0, 99);
    if (x < 20) {
      const path = key();
      this.send(xid, OpCode.create, { path, data: Buffer.from(`c${this.id}.${xid}`), acl: ACL, flags: 0 }, { path });
    } else if (x < 30) {
      const path = r.chance(0.3) ? "/q" : "/q/s-";
      this.send(xid, OpCode.create, { path, data: Buffer.alloc(0), acl: ACL, flags: path === "/q" ? 0 : CreateMode.PERSISTENT_SEQUENTIAL }, { path });
    } else if (x < 42) {
      const path = `/e${r.int(0, 5)}`;
      this.send(xid, OpCode.create, { path, data: Buffer.from(`e${this.id}`), acl: ACL, flags: CreateMode.EPHEMERAL }, { path });
    } else if (x < 70) {
      const path = key();
      const v = version(path);
      this.checker.expectVersion(this.sessionId, xid, path, v);
      this.send(xid, OpCode.setData, { path, data: Buffer.from(`s${this.id}.${xid}`), version: v }, { path, version: v });
    } else if (x < 85) {
      const path = r.chance(0.5) ? key() : `/e${r.int(0, 5)}`;
      const v = version(path);
      this.checker.expectVersion(this.sessionId, xid, path, v);
      this.send(xid, OpCode.delete, { path, version: v }, { path, version: v });
    } else if (x < 97) {
      const a = key();
      const b = key();
      const ops: MultiOp[] = [
        { type: OpCode.check, body: { path: a, version: this.versions.get(a) ?? 0 } },
        { type: OpCode.setData, body: { path: b, data: Buffer.from(`m${this.id}.${xid}`), version: -1 } },
        { type: OpCode.create, body: { path: `/m${r.int(0, 3)}`, data: Buffer.alloc(0), acl: ACL, flags: r.chance(0.5) ? CreateMode.EPHEMERAL : 0 } },
      ];
      this.send(xid, OpCode.multi, { ops });
    } else {
      this.closing = true;
      this.send(xid, OpCode.closeSession, null);
    }
  }

  /**
   * A reconfig of the newest config in the history. Incremental: add a world member (participant or observer),
   * remove one, or turn a participant into an observer and back, keeping at least 3 participants. Non-incremental
   * (`newMembers`, one time in five, with SimOptions.reconfigNewMembers): a whole member list drawn from the world's members, at least 3 participants,
   * any number of members changed at once (the old and new voters may even be disjoint). Sometimes an invalid one
   * (1 participant left) or one naming a superseded config version, which must be refused.
   */
  private reconfig(): void {
    const r = this.w.rnd;
    const configs = this.checker.configs;
    const cfg = this.checker.config;
    // the initial config's version is set by the first epoch (unknown here): -1 skips the check
    const version = configs.length > 1 ? cfg.version : -1n;
    const line = (sid: bigint, role: "participant" | "observer") => `server.${sid}=127.0.0.1:${2000n + sid}:${3000n + sid}:${role};127.0.0.1:${4000n + sid}`;
    const voters = [...cfg.votingMembers.keys()];
    const observers = [...cfg.observingMembers.keys()];
    const outside = [...this.w.members.keys()].filter((s) => !cfg.allMembers.has(s));
    let req: { joiningServers: string | null; leavingServers: string | null; newMembers: string | null; curConfigId: bigint };
    let refuse: string | undefined;
    let what: string;
    const x = r.int(0, 99);
    if (x < 10 && configs.length > 2) {
      const stale = configs[r.int(1, configs.length - 2)]!.qv.version;
      req = { joiningServers: null, leavingServers: String(voters[0]), newMembers: null, curConfigId: stale };
      refuse = `fromConfig 0x${stale.toString(16)} superseded by 0x${cfg.version.toString(16)}`;
      what = `remove ${voters[0]} from stale 0x${stale.toString(16)}`;
    } else if (x < 18 && configs.length > 1) {
      const leaving = voters.slice(1);
      req = { joiningServers: null, leavingServers: leaving.join(","), newMembers: null, curConfigId: version };
      refuse = "1 participant left";
      what = `remove ${leaving.join(",")}`;
    } else if (x < 38 && this.nonIncremental) {
      // a whole new member list: each world member a participant, an observer or out; at least 3 participants
      const all = [...this.w.members.keys()];
      const roles = new Map<bigint, "participant" | "observer" | "out">(all.map((sid) => [sid, r.pick(["participant", "participant", "observer", "out"] as const)]));
      for (;;) {
        const others = all.filter((sid) => roles.get(sid) !== "participant");
        if (all.length - others.length >= 3 || others.length === 0) break;
        roles.set(r.pick(others), "participant");
      }
      const members = all.filter((sid) => roles.get(sid) !== "out");
      req = {
        joiningServers: null,
        leavingServers: null,
        newMembers: members.map((sid) => line(sid, roles.get(sid) as "participant" | "observer")).join(","),
        curConfigId: version,
      };
      what = `new members ${members.map((sid) => `${sid}${roles.get(sid) === "observer" ? "(o)" : ""}`).join(",")}`;
    } else {
      const moves: Array<() => [string | null, string | null, string]> = [];
      for (const s of outside) {
        moves.push(() => [line(s, "participant"), null, `add ${s} as participant`]);
        moves.push(() => [line(s, "observer"), null, `add ${s} as observer`]);
      }
      for (const s of observers) {
        moves.push(() => [null, String(s), `remove observer ${s}`]);
        moves.push(() => [line(s, "participant"), null, `make ${s} a participant`]);
      }
      if (voters.length > 3) {
        for (const s of voters) {
          moves.push(() => [null, String(s), `remove ${s}`]);
          moves.push(() => [line(s, "observer"), null, `make ${s} an observer`]);
        }
      }
      if (moves.length === 0) return;
      const [joining, leaving, w] = r.pick(moves)();
      req = { joiningServers: joining, leavingServers: leaving, newMembers: null, curConfigId: version };
      what = w;
    }
    const xid = this.xid++;
    this.stats.reconfigs++;
    this.log(`reconfig: ${what} (from 0x${req.curConfigId.toString(16)})`);
    this.send(xid, OpCode.reconfig, req, refuse !== undefined ? { path: "/zookeeper/config", refuse } : { path: "/zookeeper/config" });
  }

  /** Reads what the member sent since the last poll. */
  poll(): void {
    const conn = this.conn;
    if (conn === undefined) return;
    while (conn.inbox.length > 0) {
      const payload = conn.inbox.shift()!;
      this.lastHeard = this.w.now;
      if (!this.connected) {
        const cr = decodeConnectResponse(payload);
        if (cr.timeOut <= 0) {
          this.log(`session 0x${this.sessionId.toString(16)} expired`);
          this.stats.expired++;
          this.newSession();
          conn.close("session expired");
          return;
        }
        if (this.sessionId !== 0n && cr.sessionId !== this.sessionId) {
          this.w.fail("session identity kept", `client${this.id} reconnected with 0x${this.sessionId.toString(16)} and got 0x${cr.sessionId.toString(16)}`);
        }
        if (this.sessionId === 0n) this.stats.sessions++;
        this.sessionId = cr.sessionId;
        this.passwd = Buffer.from(cr.passwd ?? Buffer.alloc(16));
        this.timeout = cr.timeOut;
        this.connected = true;
        this.connectedSince = this.w.now;
        if (this.reconfigurer) this.send(-4, OpCode.auth, { type: 0, scheme: "digest", auth: Buffer.from(SUPER) });
        this.log(`connected to ${this.member} (${this.w.members.get(this.member!)?.peer?.mode}) session 0x${this.sessionId.toString(16)} timeout ${cr.timeOut}`);
        continue;
      }
      const rep = decodeResponse(payload, (x) => this.pending.find((p) => p.xid === x)?.type);
      const h = rep.header;
      if (h.xid === -2 || h.xid === -1 || h.xid === -4) continue;
      this.log(`<- xid ${h.xid} err ${h.err} zxid 0x${h.zxid.toString(16)}`);
      const i = this.pending.findIndex((p) => p.xid === h.xid);
      if (i !== 0) {
        this.w.fail(
          "session replies in FIFO order",
          `client${this.id} session 0x${this.sessionId.toString(16)}: reply to xid ${h.xid} but the oldest outstanding is ${this.pending[0]?.xid ?? "none"}`,
        );
      }
      if (h.xid <= this.lastReplyXid) {
        this.w.fail("session replies in FIFO order", `client${this.id} session 0x${this.sessionId.toString(16)}: xid ${h.xid} after ${this.lastReplyXid}`);
      }
      this.lastReplyXid = h.xid;
      const p = this.pending.shift()!;
      if (p.type === OpCode.closeSession) {
        this.log(`closed session 0x${this.sessionId.toString(16)} at 0x${h.zxid.toString(16)}`);
        this.stats.closed++;
        this.checker.sessionClosed(this.sessionId, h.zxid);
        this.newSession();
        this.drop("session closed");
        this.w.at(this.w.now + this.w.rnd.int(10, 300), undefined, 0, () => this.connect());
        return;
      }
      if (!WRITES.has(p.type)) continue;
      if (p.type === OpCode.reconfig) {
        this.log(`reconfig ${h.err === 0 ? "applied" : `refused (${h.err})`}${p.refuse !== undefined ? `; must be refused: ${p.refuse}` : ""}`);
        if (h.err === 0 && p.refuse !== undefined) this.w.fail("invalid and stale reconfigs refused", `client${this.id} xid ${h.xid}: ${p.refuse}, answered OK at 0x${h.zxid.toString(16)}`);
        if (h.err === 0) this.stats.reconfigsOk++;
        else if (p.refuse !== undefined) this.stats.reconfigsRefused++;
      }
      if (h.err !== 0) {
        this.stats.failed++;
        continue;
      }
      this.stats.acked++;
      this.checker.acknowledged(h.zxid, `client${this.id} xid ${h.xid} (${p.type === OpCode.multi ? "multi" : p.path})`);
      if (p.type === OpCode.setData && p.path !== undefined) {
        const stat = (rep.body as { stat: { version: number } }).stat;
        if (p.version !== undefined && p.version !== -1 && stat.version !== p.version + 1) {
          this.w.fail("conditional writes applied on the version they named", `client${this.id} setData ${p.path} version ${p.version} succeeded with version ${stat.version}`);
        }
        this.versions.set(p.path, stat.version);
      } else if (p.type === OpCode.create && p.path !== undefined) this.versions.set(p.path, 0);
    }
  }

  private newSession(): void {
    this.connectedSince = undefined;
    this.sessionId = 0n;
    this.passwd = Buffer.alloc(16);
    this.xid = 1;
    this.lastReplyXid = 0;
    this.closing = false;
    this.connected = false;
  }
}
