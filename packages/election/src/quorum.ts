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

/**
 * The iteration order of a java.util.HashMap<Long, V> filled in `sids`' order (default capacity 16, load factor
 * 0.75): by bucket, (h ^ h >>> 16) & (capacity - 1) with h = Long.hashCode, then by insertion within a bucket.
 * For ids below the capacity this is ascending order. `capacity`: the table's (a HashMap copied from another map
 * starts smaller: tableSizeFor(size / 0.75 + 1)).
 */
export function javaHashMapOrder(sids: Iterable<bigint>, capacity = 16): bigint[] {
  const list = [...sids];
  let cap = capacity;
  while (list.length > cap * 0.75) cap *= 2;
  const bucket = (v: bigint) => {
    const u = BigInt.asUintN(64, v);
    const h = Number(BigInt.asIntN(32, u ^ (u >> 32n)));
    return (h ^ (h >>> 16)) & (cap - 1);
  };
  return list.map((sid, i) => ({ sid, i, b: bucket(sid) })).sort((x, y) => x.b - y.b || x.i - y.i).map((e) => e.sid);
}

/**
 * The server lines of QuorumMaj/QuorumHierarchical.toString(): allMembers is a HashMap there, filled from the
 * config's lines; `order` is another map's iteration order (a reconfig's QuorumMaj keeps the map it was built with).
 */
function serversText(all: ReadonlyMap<bigint, QuorumServer>, order?: readonly bigint[]): string {
  let out = "";
  for (const sid of order ?? javaHashMapOrder(all.keys())) out += `server.${sid}=${formatQuorumServer(all.get(sid)!)}\n`;
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
  /** The iteration order of the Java map this verifier was built on, when not a fresh HashMap's (see serversText). */
  private readonly order: readonly bigint[] | undefined;

  constructor(cfg: Entries, opts: { order?: readonly bigint[] } = {}) {
    const p = parseServers(entriesOf(cfg));
    const order = opts.order?.filter((sid) => p.all.has(sid));
    this.order = order !== undefined && order.length === p.all.size ? order : undefined;
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
    return `${serversText(this.allMembers, this.order)}version=${this.version.toString(16)}`;
  }
}

/** Long.parseLong: an optional sign and decimal digits, within a signed 64-bit long. */
function parseJavaLong(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n >= -(1n << 63n) && n < 1n << 63n ? n : undefined;
}

/** The id after the first dot of `group.G` / `weight.N` (Long.parseLong(key.substring(key.indexOf('.') + 1))). */
function keyId(key: string): bigint {
  const suffix = key.slice(key.indexOf(".") + 1);
  const n = parseJavaLong(suffix);
  // ZooKeeper: ConfigException "Error processing <file>" caused by NumberFormatException: For input string: "<suffix>"
  if (n === undefined) throw new QuorumConfigError(`bad id in ${key}: For input string: "${suffix}"`, key);
  return n;
}

/**
 * QuorumHierarchical: servers in disjoint groups (`group.G=1:2:3`) with weights (`weight.N=w`, default 1 for
 * participants). A quorum is more than half of the weight of each of more than half of the groups; groups whose
 * total weight is 0 are not counted.
 *
 * Parsed as ZooKeeper 3.8 parses it (QuorumHierarchical.parse): every key starting with "group" is a group and
 * every key starting with "weight" a weight (the id after the first dot, Long.parseLong); a group's value is
 * `sid:sid:...` (String.split(":"), so trailing empty parts are dropped); ConfigException, with ZooKeeper's own
 * text (its missing space included), for a server in two groups ("Server 3is in multiple groups") and for a
 * participant in no group ("Server 5is not in a group"). Weights may be any long, also for servers that have no
 * server.N line (ZooKeeper keeps and prints them). Where ZooKeeper 3.8 fails with a NullPointerException (a group
 * naming a server that has neither a weight nor a participant's default weight: an observer or an unknown id),
 * this refuses the configuration with a QuorumConfigError that says so.
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
    /** The group key that placed each server (for messages). */
    const groupKey = new Map<bigint, string>();
    for (const [k, v] of entries) {
      if (k.startsWith("group")) {
        const gid = keyId(k);
        groups++;
        const parts = v.split(":");
        while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
        for (const part of parts) {
          const sid = parseJavaLong(part);
          if (sid === undefined) throw new QuorumConfigError(`bad server id in ${k}=${v}: For input string: "${part}"`, k);
          if (this.serverGroup.has(sid)) throw new QuorumConfigError(`Server ${sid}is in multiple groups`, k);
          this.serverGroup.set(sid, gid);
          groupKey.set(sid, k);
        }
      } else if (k.startsWith("weight")) {
        const sid = keyId(k);
        const w = parseJavaLong(v);
        if (w === undefined) throw new QuorumConfigError(`bad weight in ${k}=${v}: For input string: "${v}"`, k);
        this.serverWeight.set(sid, w);
      }
    }
    // in allMembers' (HashMap) order: the default weights join serverWeight in that order
    for (const sid of javaHashMapOrder(this.allMembers.keys())) {
      if (!this.votingMembers.has(sid)) continue;
      if (!this.serverGroup.has(sid)) throw new QuorumConfigError(`Server ${sid}is not in a group`, `server.${sid}`);
      if (!this.serverWeight.has(sid)) this.serverWeight.set(sid, 1n);
    }
    for (const [sid, gid] of this.serverGroup) {
      const w = this.serverWeight.get(sid);
      if (w === undefined) {
        const what = this.observingMembers.has(sid) ? `server.${sid} is an observer` : `there is no server.${sid} line`;
        throw new QuorumConfigError(
          `Server ${sid} is in group ${gid} but has no weight: ${what} and there is no weight.${sid} ` +
            "(ZooKeeper 3.8 fails to start here with a NullPointerException)",
          groupKey.get(sid),
        );
      }
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
    return majGroups > Math.trunc(this.numGroups / 2);
  }

  /**
   * QuorumHierarchical.toString: the server lines, then `group.G=sid:sid` and `weight.N=w` (defaults included),
   * then the version. ZooKeeper walks its HashMaps keyed by Long (serverGroup, then a HashMap of the groups'
   * texts filled in that walk, then serverWeight): by bucket, and in a bucket by insertion (javaHashMapOrder, with
   * the order the entries were parsed in as insertion order). For ids below 16 that is ascending order; above,
   * ids sharing a bucket (19 and 3) keep their insertion order. Checked against ZooKeeper 3.8's output.
   */
  toString(): string {
    let out = serversText(this.allMembers);
    const groups = new Map<bigint, bigint[]>();
    for (const sid of javaHashMapOrder(this.serverGroup.keys())) {
      const gid = this.serverGroup.get(sid)!;
      groups.set(gid, [...(groups.get(gid) ?? []), sid]);
    }
    for (const gid of javaHashMapOrder(groups.keys())) out += `group.${gid}=${groups.get(gid)!.join(":")}\n`;
    for (const sid of javaHashMapOrder(this.serverWeight.keys())) out += `weight.${sid}=${this.serverWeight.get(sid)}\n`;
    return `${out}version=${this.version.toString(16)}`;
  }
}

/** True when zoo.cfg-style pairs configure a hierarchical quorum (QuorumPeerConfig: a key starting with "group" or "weight"). */
export function isHierarchicalConfig(cfg: Entries): boolean {
  return entriesOf(cfg).some(([k]) => k.startsWith("group") || k.startsWith("weight"));
}

/**
 * Builds the verifier ZooKeeper would from zoo.cfg-style pairs (QuorumPeerConfig.parseDynamicConfig):
 * hierarchical when any key starts with "group" or "weight", majority otherwise. Keys other than server.N,
 * group*, weight* and version are ignored.
 */
export function parseQuorumConfig(cfg: Entries): QuorumVerifier {
  const entries = entriesOf(cfg);
  const v: QuorumVerifier = isHierarchicalConfig(entries) ? new QuorumHierarchical(entries) : new QuorumMaj(entries);
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
