/**
 * The ensemble's members and quorum: `server.N` lines, the `group`/`weight` lines of a hierarchical quorum
 * (QuorumHierarchical, checked as ZooKeeper checks them) and the quorum verifier's input built from both.
 */
import { QuorumConfigError, QuorumHierarchical } from "@zkts/election";
import type { PropertyEntry } from "../properties.js";
import type { ConfigReader } from "./reader.js";
import type { ServerSpec } from "./types.js";

const SERVER_FORMAT = "host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]";

/**
 * The quorum verifier's input: the `server.N` lines (in the form @zkts/election parses) and the `group`/`weight`
 * lines. Every member builds the same text from it: it travels in notifications and NEWLEADER.
 */
export function quorumPairs(servers: readonly ServerSpec[], quorumGroups: readonly PropertyEntry[]): [string, string][] {
  const pairs: [string, string][] = servers.map((s) => {
    const host = (h: string) => (h.includes(":") ? `[${h}]` : h);
    let v = `${host(s.host)}:${s.quorumPort}:${s.electionPort}`;
    if (s.role === "observer") v += ":observer";
    if (s.clientPort !== undefined) v += `;${host(s.clientHost ?? "0.0.0.0")}:${s.clientPort}`;
    return [`server.${s.id}`, v];
  });
  for (const g of quorumGroups) pairs.push([g.key, g.value]);
  return pairs;
}

/** One `server.N` line, or the message saying why it is malformed. */
export function parseServerLine(e: PropertyEntry): ServerSpec | string {
  const idText = e.key.slice("server.".length);
  const bad = `${e.key} must be ${SERVER_FORMAT}, got "${e.value}"`;
  if (!/^\d+$/.test(idText) || BigInt(idText) > 0x7fffffffffffffffn) {
    return `server id in "${e.key}" must be a non-negative integer`;
  }
  const [quorumPart, clientPart, ...rest] = e.value.split(";");
  if (rest.length > 0 || quorumPart === undefined) return bad;
  const parts = splitHostParts(quorumPart.trim());
  if (parts === undefined || parts.length < 3 || parts.length > 4) return bad;
  const [host, qp, ep, role] = parts as [string, string, string, string | undefined];
  const quorumPort = port(qp);
  const electionPort = port(ep);
  if (host === "" || quorumPort === undefined || electionPort === undefined) return bad;
  let r: "participant" | "observer" = "participant";
  if (role !== undefined) {
    if (role.toLowerCase() === "observer") r = "observer";
    else if (role.toLowerCase() !== "participant") return bad;
  }
  const spec: ServerSpec = { id: BigInt(idText), host, quorumPort, electionPort, role: r, line: e.line };
  if (clientPart !== undefined) {
    const c = splitHostParts(clientPart.trim());
    if (c === undefined || c.length < 1 || c.length > 2) return bad;
    const cp = port(c[c.length - 1]!);
    if (cp === undefined) return bad;
    spec.clientPort = cp;
    if (c.length === 2) spec.clientHost = c[0]!;
  }
  return spec;
}

/** Splits `host:a:b` where host may be a bracketed IPv6 address. */
function splitHostParts(s: string): string[] | undefined {
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return undefined;
    const host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest === "") return [host];
    if (!rest.startsWith(":")) return undefined;
    return [host, ...rest.slice(1).split(":")];
  }
  return s.split(":");
}

function port(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 0 && n <= 65535 ? n : undefined;
}

/**
 * Checks the server lines and quorum groups read from the file: duplicate server ids, and the group/weight lines
 * as ZooKeeper checks them (QuorumHierarchical), also when the server runs standalone.
 */
export function checkQuorum(r: ConfigReader, servers: readonly ServerSpec[], quorumGroups: readonly PropertyEntry[], badServerLine: boolean): void {
  const ids = new Set<bigint>();
  for (const s of servers) {
    if (ids.has(s.id)) r.problems.push(`${r.file}:${s.line}: server.${s.id} is defined twice`);
    ids.add(s.id);
  }
  if (quorumGroups.length === 0 || badServerLine) return;
  try {
    new QuorumHierarchical(quorumPairs(servers, quorumGroups));
  } catch (err) {
    if (!(err instanceof QuorumConfigError)) throw err;
    const e = err.key === undefined ? undefined : (r.get(err.key) ?? quorumGroups.find((g) => g.key === err.key));
    r.problems.push(`${e === undefined ? r.file : `${r.at(e)}: ${e.key}=${e.value}`}: ${err.message}`);
  }
}
