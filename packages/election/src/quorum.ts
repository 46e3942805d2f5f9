/**
 * Quorum verifiers (QuorumMaj, QuorumHierarchical) and the `server.N` lines they are built from.
 * Sets passed to containsQuorum may hold any sids: like ZooKeeper's SyncedLearnerTracker, only voting members count.
 */
import { QuorumConfigError } from "./errors.js";
import { type HostPort, formatHostPort, parseHostPort } from "./handshake.js";

export type LearnerType = "participant" | "observer";

export interface QuorumServer {
  sid: bigint;
  /** Quorum (ZAB) addresses; several when the multi-address form `a:1:2|b:1:2` is used. */
  quorumAddrs: HostPort[];
  electionAddrs: HostPort[];
  type: LearnerType;
  /** `;[host:]port` client address, if given. */
  clientAddr?: HostPort;
}

/** Parses the value of `server.N` (QuorumServer(long, String)). */
export function parseQuorumServer(sid: bigint, value: string): QuorumServer {
  const [addrPart, clientPart, ...extra] = value.trim().split(";");
  if (extra.length > 0) throw new QuorumConfigError(`server.${sid}: too many ';' in ${value}`);
  let type: LearnerType = "participant";
  const quorumAddrs: HostPort[] = [];
  const electionAddrs: HostPort[] = [];
  for (const one of addrPart!.split("|")) {
    let parts: string[];
    let host: string;
    if (one.startsWith("[")) {
      const close = one.indexOf("]");
      if (close < 0) throw new QuorumConfigError(`server.${sid}: bad address ${one}`);
      host = one.slice(1, close);
      parts = [host, ...one.slice(close + 2).split(":")];
    } else {
      parts = one.split(":");
      host = parts[0]!;
    }
    if (parts.length < 3 || parts.length > 4) {
      throw new QuorumConfigError(`server.${sid}: ${one} does not have the form host:port:port[:type]`);
    }
    const qp = Number(parts[1]);
    const ep = Number(parts[2]);
    if (!Number.isInteger(qp) || !Number.isInteger(ep)) throw new QuorumConfigError(`server.${sid}: bad port in ${one}`);
    if (parts.length === 4) {
      const t = parts[3]!.toLowerCase();
      if (t !== "participant" && t !== "observer") {
        throw new QuorumConfigError(`server.${sid}: unrecognised peer type ${parts[3]}`);
      }
      type = t;
    }
    quorumAddrs.push({ host, port: qp });
    electionAddrs.push({ host, port: ep });
  }
  const s: QuorumServer = { sid, quorumAddrs, electionAddrs, type };
  if (clientPart !== undefined && clientPart !== "") {
    const c = clientPart.includes(":") ? parseHostPort(clientPart) : { host: "0.0.0.0", port: Number(clientPart) };
    if (!Number.isInteger(c.port)) throw new QuorumConfigError(`server.${sid}: bad client port ${clientPart}`);
    s.clientAddr = c;
  }
  return s;
}

/** QuorumServer.toString(): `host:qport:eport:type[;clientHost:clientPort]`. */
export function formatQuorumServer(s: QuorumServer): string {
  const addrs = s.quorumAddrs
    .map((q, i) => `${formatHostPort(q)}:${s.electionAddrs[i]!.port}`)
    .join("|");
  const client = s.clientAddr ? `;${formatHostPort(s.clientAddr)}` : "";
  return `${addrs}:${s.type}${client}`;
}

export interface QuorumVerifier {
  readonly kind: "majority" | "hierarchical";
  /** Dynamic config version (hex in the text form); 0 for a static zoo.cfg. */
  readonly version: bigint;
  readonly allMembers: ReadonlyMap<bigint, QuorumServer>;
  readonly votingMembers: ReadonlyMap<bigint, QuorumServer>;
  readonly observingMembers: ReadonlyMap<bigint, QuorumServer>;
  /** A server's weight; 0 for servers that can never be elected. */
  weight(sid: bigint): bigint;
  /** True when the voting members among `sids` form a quorum. */
  containsQuorum(sids: Iterable<bigint>): boolean;
  /** QuorumVerifier.toString(): the config text sent inside notifications. */
  toString(): string;
}

type Entries = Record<string, string> | Iterable<readonly [string, string]>;

function entriesOf(cfg: Entries): [string, string][] {
  const list = Symbol.iterator in cfg ? [...(cfg as Iterable<readonly [string, string]>)] : Object.entries(cfg);
  return list.map(([k, v]) => [k.trim(), String(v).trim()]);
}

function parseSidSuffix(key: string): bigint {
  const suffix = key.slice(key.indexOf(".") + 1);
  if (!/^-?\d+$/.test(suffix)) throw new QuorumConfigError(`bad id in ${key}`);
  return BigInt(suffix);
}

function parseServers(entries: [string, string][]) {
  const all = new Map<bigint, QuorumServer>();
  let version = 0n;
  for (const [k, v] of entries) {
    if (k.startsWith("server.")) {
      const sid = parseSidSuffix(k);
      all.set(sid, parseQuorumServer(sid, v));
    } else if (k === "version") {
      if (!/^[0-9a-fA-F]+$/.test(v)) throw new QuorumConfigError(`bad version ${v}`);
      version = BigInt(`0x${v}`);
    }
  }
  const sorted = new Map([...all.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  const voting = new Map<bigint, QuorumServer>();
  const observing = new Map<bigint, QuorumServer>();
  for (const [sid, s] of sorted) (s.type === "participant" ? voting : observing).set(sid, s);
  return { all: sorted, voting, observing, version };
}

function serversText(all: ReadonlyMap<bigint, QuorumServer>): string {
  let out = "";
  for (const s of all.values()) out += `server.${s.sid}=${formatQuorumServer(s)}\n`;
  return out;
}

/** QuorumMaj: more than half of the voting members. */
export class QuorumMaj implements QuorumVerifier {
  readonly kind = "majority" as const;
  readonly allMembers: ReadonlyMap<bigint, QuorumServer>;
  readonly votingMembers: ReadonlyMap<bigint, QuorumServer>;
  readonly observingMembers: ReadonlyMap<bigint, QuorumServer>;
  readonly version: bigint;
  readonly half: number;

  constructor(cfg: Entries) {
    const p = parseServers(entriesOf(cfg));
    this.allMembers = p.all;
    this.votingMembers = p.voting;
    this.observingMembers = p.observing;
    this.version = p.version;
    this.half = Math.floor(p.voting.size / 2);
  }

  weight(_sid: bigint): bigint {
    return 1n;
  }

  containsQuorum(sids: Iterable<bigint>): boolean {
    let n = 0;
    // a Set (the ZAB leader's ack sets, per proposal) is counted as it is; other iterables once per sid
    for (const sid of sids instanceof Set ? (sids as Set<bigint>) : new Set(sids)) if (this.votingMembers.has(sid)) n++;
    return n > this.half;
  }

  toString(): string {
    return `${serversText(this.allMembers)}version=${this.version.toString(16)}`;
  }
}

/**
 * QuorumHierarchical: servers in disjoint groups (`group.G=1:2:3`) with weights (`weight.N=w`, default 1 for
 * participants). A quorum is more than half of the weight of each of more than half of the groups; groups whose
 * total weight is 0 are not counted.
 */
export class QuorumHierarchical implements QuorumVerifier {
  readonly kind = "hierarchical" as const;
  readonly allMembers: ReadonlyMap<bigint, QuorumServer>;
  readonly votingMembers: ReadonlyMap<bigint, QuorumServer>;
  readonly observingMembers: ReadonlyMap<bigint, QuorumServer>;
  readonly version: bigint;
  readonly serverGroup = new Map<bigint, bigint>();
  readonly serverWeight = new Map<bigint, bigint>();
  readonly groupWeight = new Map<bigint, bigint>();
  readonly numGroups: number;

  constructor(cfg: Entries) {
    const entries = entriesOf(cfg);
    const p = parseServers(entries);
    this.allMembers = p.all;
    this.votingMembers = p.voting;
    this.observingMembers = p.observing;
    this.version = p.version;
    let groups = 0;
    for (const [k, v] of entries) {
      if (k.startsWith("group")) {
        const gid = parseSidSuffix(k);
        groups++;
        for (const part of v.split(":")) {
          if (!/^-?\d+$/.test(part.trim())) throw new QuorumConfigError(`bad server id ${part} in ${k}`);
          const sid = BigInt(part.trim());
          if (this.serverGroup.has(sid)) throw new QuorumConfigError(`Server ${sid} is in multiple groups`);
          this.serverGroup.set(sid, gid);
        }
      } else if (k.startsWith("weight")) {
        if (!/^-?\d+$/.test(v)) throw new QuorumConfigError(`bad weight ${v} in ${k}`);
        this.serverWeight.set(parseSidSuffix(k), BigInt(v));
      }
    }
    for (const s of this.votingMembers.values()) {
      if (!this.serverGroup.has(s.sid)) throw new QuorumConfigError(`Server ${s.sid} is not in a group`);
      if (!this.serverWeight.has(s.sid)) this.serverWeight.set(s.sid, 1n);
    }
    for (const [sid, gid] of this.serverGroup) {
      const w = this.serverWeight.get(sid);
      if (w === undefined) throw new QuorumConfigError(`Server ${sid} is in group ${gid} but has no weight`);
      this.groupWeight.set(gid, (this.groupWeight.get(gid) ?? 0n) + w);
    }
    for (const w of this.groupWeight.values()) if (w === 0n) groups--;
    this.numGroups = groups;
  }

  weight(sid: bigint): bigint {
    return this.serverWeight.get(sid) ?? 0n;
  }

  containsQuorum(sids: Iterable<bigint>): boolean {
    const expansion = new Map<bigint, bigint>();
    for (const sid of new Set(sids)) {
      if (!this.votingMembers.has(sid)) continue;
      const gid = this.serverGroup.get(sid);
      if (gid === undefined) continue;
      expansion.set(gid, (expansion.get(gid) ?? 0n) + this.weight(sid));
    }
    if (expansion.size === 0) return false;
    let majGroups = 0;
    for (const [gid, w] of expansion) if (w > this.groupWeight.get(gid)! / 2n) majGroups++;
    return majGroups > Math.floor(this.numGroups / 2);
  }

  toString(): string {
    let out = serversText(this.allMembers);
    const groups = new Map<bigint, bigint[]>();
    for (const [sid, gid] of this.serverGroup) groups.set(gid, [...(groups.get(gid) ?? []), sid]);
    for (const [gid, sids] of groups) out += `group.${gid}=${sids.join(":")}\n`;
    for (const [sid, w] of this.serverWeight) out += `weight.${sid}=${w}\n`;
    return `${out}version=${this.version.toString(16)}`;
  }
}

/**
 * Builds the verifier ZooKeeper would from zoo.cfg-style pairs: hierarchical when any key starts with
 * "group", majority otherwise. Keys other than server.N / group.N / weight.N / version are ignored.
 */
export function parseQuorumConfig(cfg: Entries): QuorumVerifier {
  const entries = entriesOf(cfg);
  const v: QuorumVerifier = entries.some(([k]) => k.startsWith("group"))
    ? new QuorumHierarchical(entries)
    : new QuorumMaj(entries);
  if (v.votingMembers.size === 0) throw new QuorumConfigError("no voting members (server.N=...:participant)");
  return v;
}

/** Parses zoo.cfg text (`key=value` lines, `#` comments) into pairs. */
export function parseCfgText(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}
