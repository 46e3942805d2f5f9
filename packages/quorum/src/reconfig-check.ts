/**
 * The leader's checks of a reconfig request (PrepRequestProcessor.pRequest2Txn, case OpCode.reconfig, from the
 * in-progress check on; the reconfigEnabled, session, standalone and ACL checks are the core's), with the error
 * codes ZooKeeper 3.8 answers:
 * - RECONFIGINPROGRESS: the last seen config is newer than the committed one;
 * - BADVERSION: `curConfigId` is neither -1 nor the last seen config's version;
 * - non-incremental (`newMembers`, commas or newlines between lines): parsed as a dynamic file (only server.N,
 *   group*, weight*, version); a bad server string or an unknown key is BADARGUMENTS;
 * - incremental (`joiningServers`, `leavingServers`, comma-separated): only from a majority config; a joiner must
 *   be `server.N=host:port:port[:type];[host:]port` (BADARGUMENTS otherwise), must not reuse another member's
 *   address (loopback and wildcard addresses are not compared, as in QuorumServer.checkAddressDuplicate);
 * - the new config must have 2 participants (1 with standaloneEnabled=false): BADARGUMENTS;
 * - its participants among this leader and its synced followers must form a quorum: NEWCONFIGNOQUORUM.
 * Where ZooKeeper fails on an unchecked Java exception (a non-numeric id, an out-of-range port, a config with
 * observers and no participant) it answers MARSHALLINGERROR, and so does this.
 */
import { ErrorCode } from "@zkts/client-wire";
import { CoreError } from "@zkts/core";
import { formatQuorumServer, javaHashMapOrder, parseCfgText, QuorumConfigError, QuorumHierarchical, QuorumMaj, type QuorumServer, type QuorumVerifier } from "@zkts/election";
import type { ReconfigRequest } from "@zkts/jute";

/** What the leader knows when it checks a reconfig. */
export interface ReconfigContext {
  committed: QuorumVerifier;
  lastSeen: QuorumVerifier;
  /** standaloneEnabled (QuorumPeerConfig.isStandaloneEnabled). */
  standaloneEnabled: boolean;
  /** This leader's id. */
  sid: bigint;
  /** The followers (not observers) synced with this leader (Leader.forwardingFollowers, synced()). */
  syncedFollowers: readonly bigint[];
}

/** ConfigException: answered BADARGUMENTS. */
class BadConfig extends Error {}
/** An unchecked Java exception (NumberFormatException, IllegalArgumentException): answered MARSHALLINGERROR. */
class Unchecked extends Error {}

/** Java's String.split(regex) for a literal separator: trailing empty strings dropped. */
function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** ZooKeeper's StringUtils.split: String.split, each part trimmed, empty parts dropped. */
function zkSplit(s: string, sep: string): string[] {
  return javaSplit(s, sep)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Long.parseLong (decimal); NumberFormatException is unchecked. */
function parseLong(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) throw new Unchecked(`For input string: "${s}"`);
  const n = BigInt(s);
  if (n < -(1n << 63n) || n >= 1n << 63n) throw new Unchecked(`For input string: "${s}"`);
  return n;
}

/** Long.parseLong(s, 16) (the version line; its value is then replaced by the txn's zxid). */
function parseHexLong(s: string): bigint {
  if (!/^[+-]?[0-9a-fA-F]+$/.test(s)) throw new Unchecked(`For input string: "${s}"`);
  const n = BigInt(s.startsWith("-") ? `-0x${s.slice(1)}` : `0x${s.replace(/^\+/, "")}`);
  if (n < -(1n << 63n) || n >= 1n << 63n) throw new Unchecked(`For input string: "${s}"`);
  return n;
}

/** Integer.parseInt then new InetSocketAddress(host, port): a bad number is a ConfigException, a bad port unchecked. */
function port(s: string, what: string): number {
  if (!/^[+-]?\d+$/.test(s) || Number(s) < -2147483648 || Number(s) > 2147483647) throw new BadConfig(`Address unresolved: ${what}`);
  const n = Number(s);
  if (n < 0 || n > 65535) throw new Unchecked(`port out of range:${n}`);
  return n;
}

/** ConfigUtils.getHostAndPort. */
function hostAndPort(s: string): string[] {
  if (s.startsWith("[")) {
    const i = s.indexOf("]");
    if (i < 0) throw new BadConfig(`${s} starts with '[' but has no matching ']:'`);
    if (i + 2 === s.length) throw new BadConfig(`${s} doesn't have a port after colon`);
    if (i + 2 < s.length) return [s.slice(1, i), ...javaSplit(s.slice(i + 2), ":")];
    return [s.replace(/\[|\]/g, "")];
  }
  return javaSplit(s, ":");
}

const WRONG_FORMAT = " does not have the form server_config or server_config;client_config";

/** QuorumPeer.QuorumServer(sid, addressStr) as ZooKeeper 3.8 parses it (multiAddress.enabled=false). */
export function parseServerString(sid: bigint, addressStr: string): QuorumServer {
  const serverClientParts = javaSplit(addressStr, ";");
  const serverAddresses = javaSplit(serverClientParts[0]!, "|");
  let clientAddr: QuorumServer["clientAddr"];
  if (serverClientParts.length === 2) {
    const clientParts = hostAndPort(serverClientParts[1]!);
    if (clientParts.length > 2) throw new BadConfig(addressStr + WRONG_FORMAT);
    const host = clientParts.length === 2 ? clientParts[0]! : "0.0.0.0";
    clientAddr = { host, port: port(clientParts[clientParts.length - 1]!, addressStr) };
  }
  if (serverAddresses.length > 1) throw new BadConfig(`Multiple address feature is disabled, but multiple addresses were specified for sid ${sid}`);
  const serverParts = hostAndPort(serverAddresses[0]!);
  if (serverClientParts.length > 2 || serverParts.length < 3 || serverParts.length > 4) throw new BadConfig(addressStr + WRONG_FORMAT);
  const host = serverParts[0]!;
  const qp = port(serverParts[1]!, `${host}:${serverParts[1]}`);
  const ep = port(serverParts[2]!, `${host}:${serverParts[2]}`);
  if (qp === ep) throw new BadConfig(`Client and election port must be different! Please update the configuration file on server.${sid}`);
  let type: QuorumServer["type"] = "participant";
  if (serverParts.length === 4) {
    const t = serverParts[3]!.trim().toLowerCase();
    if (t !== "observer" && t !== "participant") throw new BadConfig(`Unrecognised peertype: ${serverParts[3]}`);
    type = t;
  }
  const s: QuorumServer = { sid, quorumAddrs: [{ host, port: qp }], electionAddrs: [{ host, port: ep }], type };
  if (clientAddr !== undefined) s.clientAddr = clientAddr;
  return s;
}

/** An address QuorumServer.checkAddressDuplicate compares: an IP literal that is neither loopback nor wildcard. */
function compared(a: { host: string; port: number } | undefined): string | undefined {
  if (a === undefined) return undefined;
  const h = a.host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "0.0.0.0" || h === "::" || h === "::1" || h === "0:0:0:0:0:0:0:1" || h.startsWith("127.") || h === "localhost") return undefined;
  return `${h}:${a.port}`;
}

function addressesOf(s: QuorumServer): string[] {
  return [...s.quorumAddrs, s.clientAddr, ...s.electionAddrs].map(compared).filter((x): x is string => x !== undefined);
}

function verifierOf(servers: Iterable<QuorumServer>, version: bigint, order?: readonly bigint[]): QuorumVerifier {
  const pairs: [string, string][] = [...servers].map((s) => [`server.${s.sid}`, formatQuorumServer(s)]);
  pairs.push(["version", version.toString(16)]);
  // QuorumMaj(Map): any number of participants, none included (checked after, as BADARGUMENTS)
  return new QuorumMaj(pairs, order !== undefined ? { order } : {});
}

/** HashMap.tableSizeFor: the smallest power of two >= t. */
function tableSizeFor(t: number): number {
  let n = 1;
  while (n < t) n *= 2;
  return n;
}

/** The non-incremental form: `newMembers` as a dynamic file (QuorumPeerConfig.parseDynamicConfig). */
function newMembersConfig(newMembers: string, ctx: ReconfigContext, version: bigint): QuorumVerifier {
  const entries: [string, string][] = [];
  for (const raw of newMembers.replace(/,/g, "\n").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    entries.push(m === null ? [line, ""] : [m[1]!, m[2]!.trim()]);
  }
  let hierarchical = false;
  for (const [k] of entries) {
    if (k.startsWith("group") || k.startsWith("weight")) hierarchical = true;
    else if (!k.startsWith("server.") && k !== "version") throw new BadConfig(`Unrecognised parameter: ${k}`);
  }
  const servers = new Map<bigint, QuorumServer>();
  const rest: [string, string][] = [];
  for (const [k, v] of entries) {
    if (k.startsWith("server.")) {
      const sid = parseLong(k.slice(k.indexOf(".") + 1));
      servers.set(sid, parseServerString(sid, v));
    } else if (k === "version") parseHexLong(v);
    else rest.push([k, v]);
  }
  const voting = [...servers.values()].filter((s) => s.type === "participant").length;
  const observing = servers.size - voting;
  if (voting === 0 && (!ctx.standaloneEnabled || observing > 0)) throw new Unchecked("no participants");
  if (voting === 1 && ctx.standaloneEnabled && observing > 0) throw new Unchecked("Observers w/o quorum is an invalid configuration");
  if (!hierarchical) return verifierOf(servers.values(), version);
  const pairs: [string, string][] = [...servers.values()].map((s) => [`server.${s.sid}`, formatQuorumServer(s)]);
  try {
    return new QuorumHierarchical([...pairs, ...rest, ["version", version.toString(16)]]);
  } catch (e) {
    // QuorumHierarchical: a bad id is Long.parseLong's NumberFormatException (unchecked), the rest ConfigException
    if (e instanceof QuorumConfigError) throw /For input string/.test(e.message) ? new Unchecked(e.message) : new BadConfig(e.message);
    throw e;
  }
}

/** The incremental form: the last seen majority config with `leaving` removed and `joining` added or replaced. */
function incrementalConfig(req: ReconfigRequest, ctx: ReconfigContext, version: bigint): QuorumVerifier {
  const joining = req.joiningServers === null ? [] : zkSplit(req.joiningServers, ",");
  const leaving = req.leavingServers === null ? [] : zkSplit(req.leavingServers, ",");
  if (ctx.lastSeen.kind !== "majority") throw new CoreError(ErrorCode.BADARGUMENTS, undefined, "Incremental reconfiguration requested but last configuration seen has a non-majority quorum system");
  // PrepRequestProcessor: nextServers = new HashMap<>(lastSeen.getAllMembers()) (copied in the last seen config's
  // own order, with a table sized for it), leavers removed, joiners put; the QuorumMaj keeps that map, and its text
  // (the txn's, /zookeeper/config's) follows the map's iteration order
  const next = new Map<bigint, QuorumServer>();
  for (const [k] of parseCfgText(ctx.lastSeen.toString())) {
    if (!k.startsWith("server.")) continue;
    const sid = BigInt(k.slice(7));
    next.set(sid, ctx.lastSeen.allMembers.get(sid)!);
  }
  let capacity = next.size === 0 ? 16 : tableSizeFor(Math.floor(next.size / 0.75 + 1));
  for (const l of leaving) next.delete(parseLong(l));
  for (const joiner of joining) {
    const parts = zkSplit(joiner, "=");
    if (parts.length !== 2) throw new CoreError(ErrorCode.BADARGUMENTS, undefined, "Wrong format of server string");
    const sid = parseLong(parts[0]!.slice(parts[0]!.lastIndexOf(".") + 1));
    let qs: QuorumServer;
    try {
      qs = parseServerString(sid, parts[1]!);
    } catch (e) {
      if (e instanceof BadConfig) throw new CoreError(ErrorCode.BADARGUMENTS, undefined, "Reconfiguration failed");
      throw e;
    }
    if (qs.clientAddr === undefined) throw new CoreError(ErrorCode.BADARGUMENTS, undefined, "Wrong format of server string - each server should have 3 ports specified");
    const mine = addressesOf(qs);
    for (const other of next.values()) {
      if (other.sid === sid) continue;
      const theirs = new Set(addressesOf(other));
      const clash = mine.find((a) => theirs.has(a));
      if (clash !== undefined) throw new CoreError(ErrorCode.BADARGUMENTS, undefined, `${clash} of server.${sid} conflicts ${clash} of server.${other.sid}`);
    }
    next.delete(sid);
    next.set(sid, qs);
    if (next.size > capacity * 0.75) capacity *= 2; // HashMap.put: resize once the size passes the threshold
  }
  return verifierOf(next.values(), version, javaHashMapOrder(next.keys(), capacity));
}

/**
 * The config a reconfig request asks for, versioned `zxid` (the txn's), or a CoreError with ZooKeeper's code.
 */
export function checkReconfig(req: ReconfigRequest, zxid: bigint, ctx: ReconfigContext): QuorumVerifier {
  if (ctx.lastSeen.version !== ctx.committed.version) throw new CoreError(ErrorCode.RECONFIGINPROGRESS);
  if (req.curConfigId !== -1n && req.curConfigId !== ctx.lastSeen.version) {
    throw new CoreError(ErrorCode.BADVERSION, undefined, `Reconfiguration from version ${req.curConfigId} failed -- last seen version is ${ctx.lastSeen.version}`);
  }
  let qv: QuorumVerifier;
  try {
    qv = req.newMembers !== null ? newMembersConfig(req.newMembers, ctx, zxid) : incrementalConfig(req, ctx, zxid);
  } catch (e) {
    if (e instanceof BadConfig) throw new CoreError(ErrorCode.BADARGUMENTS, undefined, e.message);
    if (e instanceof Unchecked) throw new CoreError(ErrorCode.MARSHALLINGERROR, undefined, e.message);
    throw e;
  }
  if (ctx.standaloneEnabled && qv.votingMembers.size < 2) throw new CoreError(ErrorCode.BADARGUMENTS, undefined, "Reconfig failed - new configuration must include at least 2 followers");
  if (qv.votingMembers.size < 1) throw new CoreError(ErrorCode.BADARGUMENTS, undefined, "Reconfig failed - new configuration must include at least 1 follower");
  const synced = [ctx.sid, ...ctx.syncedFollowers].filter((s) => qv.votingMembers.has(s));
  if (!qv.containsQuorum(synced)) throw new CoreError(ErrorCode.NEWCONFIGNOQUORUM, undefined, "Reconfig failed - there must be a connected and synced quorum in new configuration");
  return qv;
}
