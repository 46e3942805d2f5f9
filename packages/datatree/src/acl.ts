import { createHash } from "node:crypto";
import type { ACL, Id } from "@zkts/jute";
import { Perms } from "./constants.js";

/** world:anyone. */
export const ANYONE_ID_UNSAFE: Id = Object.freeze({ scheme: "world", id: "anyone" }) as Id;
/** auth:"" — expands to the creating session's authenticated ids. */
export const AUTH_IDS: Id = Object.freeze({ scheme: "auth", id: "" }) as Id;
/** ZooDefs.Ids.OPEN_ACL_UNSAFE: ALL for world:anyone. */
export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: ANYONE_ID_UNSAFE }]);
/** ZooDefs.Ids.CREATOR_ALL_ACL: ALL for auth:"". */
export const CREATOR_ALL_ACL: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: AUTH_IDS }]);
/** ZooDefs.Ids.READ_ACL_UNSAFE: READ for world:anyone. */
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.READ, id: ANYONE_ID_UNSAFE }]);

export interface ACLCheckOptions {
  /** Ids that count as super users in addition to any id with scheme `super` (e.g. from superDigest). */
  superIds?: readonly Id[];
  /** zookeeper.skipACL: every check passes. */
  skipACL?: boolean;
}

/** `user:` + base64(sha1("user:password")), as DigestAuthenticationProvider.generateDigest. */
export function digestOf(user: string, password: string): string {
  const h = createHash("sha1").update(`${user}:${password}`, "utf8").digest("base64");
  return `${user}:${h}`;
}

/** Parses `user:password` (split at the first colon) into its digest id; null without a colon. */
export function digestOfAuth(idPassword: string): string | null {
  const i = idPassword.indexOf(":");
  if (i < 0) return null;
  return digestOf(idPassword.slice(0, i), idPassword.slice(i + 1));
}

function parseJavaInt(s: string): number | null {
  if (!/^[+-]?\d{1,10}$/.test(s)) return null;
  const v = Number(s);
  if (v > 2147483647 || v < -2147483648) return null;
  return v;
}

function v4Bytes(addr: string): number[] | null {
  const parts = addr.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    const v = parseJavaInt(p);
    if (v === null || v < 0 || v > 255) return null;
    out.push(v);
  }
  return out;
}

function v6Bytes(addr: string): number[] | null {
  if (!addr.includes(":")) return null;
  let a = addr;
  const pct = a.indexOf("%");
  if (pct >= 0) a = a.slice(0, pct);
  let tailV4: number[] | null = null;
  const lastColon = a.lastIndexOf(":");
  if (a.slice(lastColon + 1).includes(".")) {
    tailV4 = v4Bytes(a.slice(lastColon + 1));
    if (!tailV4) return null;
    a = a.slice(0, lastColon + 1) + "0:0";
  }
  const halves = a.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return null;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (tailV4) bytes.splice(12, 4, ...tailV4);
  return bytes;
}

function addrBytes(addr: string): number[] | null {
  return v4Bytes(addr) ?? v6Bytes(addr);
}

function mask(b: number[], bits: number): void {
  let start = Math.floor(bits / 8);
  let m = ~((1 << (8 - (bits % 8))) - 1) & 0xff;
  while (start < b.length) {
    b[start] = b[start]! & m;
    m = 0;
    start++;
  }
}

function parseIpExpr(aclExpr: string): { addr: number[]; bits: number } | null {
  const slash = aclExpr.indexOf("/");
  const addr = addrBytes(slash < 0 ? aclExpr : aclExpr.slice(0, slash));
  if (!addr) return null;
  let bits = addr.length * 8;
  if (slash >= 0) {
    const b = parseJavaInt(aclExpr.slice(slash + 1));
    if (b === null || b < 0 || b > addr.length * 8) return null;
    bits = b;
  }
  return { addr, bits };
}

/** IPAuthenticationProvider.isValid: an address, optionally `/bits` (CIDR). */
export function isValidIpAcl(aclExpr: string): boolean {
  return parseIpExpr(aclExpr) !== null;
}

/** IPAuthenticationProvider.matches: does the client address `id` fall in `aclExpr` (address or CIDR)? */
export function ipMatches(id: string, aclExpr: string): boolean {
  const e = parseIpExpr(aclExpr);
  if (!e) return false;
  const remote = addrBytes(id);
  if (!remote || remote.length !== e.addr.length) return false;
  mask(e.addr, e.bits);
  mask(remote, e.bits);
  for (let i = 0; i < remote.length; i++) if (remote[i] !== e.addr[i]) return false;
  return true;
}

/** Does an authenticated id match an ACL entry's id (same scheme, provider-specific match)? */
export function idMatches(authId: Id, aclId: Id): boolean {
  if (authId.scheme !== aclId.scheme) return false;
  if (aclId.scheme === "ip") return ipMatches(authId.id ?? "", aclId.id ?? "");
  return authId.id === aclId.id;
}

/** true when `ids` contain a super id (scheme `super`, or one of opts.superIds). */
export function isSuper(ids: readonly Id[], opts: ACLCheckOptions = {}): boolean {
  for (const a of ids) {
    if (a.scheme === "super") return true;
    if (opts.superIds) for (const s of opts.superIds) if (s.scheme === a.scheme && s.id === a.id) return true;
  }
  return false;
}

/**
 * ZooKeeperServer.checkACL as a predicate: true when `ids` may exercise `perm` on a node with `acls`.
 * skipACL, an empty/null ACL list and super ids pass; otherwise an entry whose perms include `perm` must match
 * world:anyone or one of `ids` (ip entries by address/CIDR, the other schemes by exact id).
 */
export function checkACL(
  acls: readonly ACL[] | null | undefined,
  perm: number,
  ids: readonly Id[],
  opts: ACLCheckOptions = {},
): boolean {
  if (opts.skipACL) return true;
  if (!acls || acls.length === 0) return true;
  if (isSuper(ids, opts)) return true;
  for (const a of acls) {
    if ((a.perms & perm) === 0) continue;
    if (a.id.scheme === "world" && a.id.id === "anyone") return true;
    for (const authId of ids) if (idMatches(authId, a.id)) return true;
  }
  return false;
}

function aclKey(acls: readonly ACL[]): string {
  let s = "";
  for (const a of acls) s += `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}\u0001`;
  return s;
}

/**
 * ReferenceCountedACLCache: interns ACL lists as numeric references for nodes and snapshots.
 * -1 is OPEN_ACL_UNSAFE and is never stored; new lists get 1, 2, 3... (ZooKeeper's numbering, so a fresh
 * tree has {1: READ_ACL_UNSAFE} for /zookeeper/config).
 */
export class ACLCache {
  static readonly OPEN_UNSAFE_ACL_ID = -1;
  private readonly byRef = new Map<number, readonly ACL[]>();
  private readonly byKey = new Map<string, number>();
  private readonly refCount = new Map<number, number>();
  private index = 0;

  /** Interns `acls` and counts one more use; null -> -1. */
  convertAcls(acls: readonly ACL[] | null): number {
    if (acls === null) return ACLCache.OPEN_UNSAFE_ACL_ID;
    const key = aclKey(acls);
    let ref = this.byKey.get(key);
    if (ref === undefined) {
      ref = ++this.index;
      this.byKey.set(key, ref);
      this.byRef.set(ref, Object.freeze(acls.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } }))));
    }
    this.addUsage(ref);
    return ref;
  }

  /** The ACL list of a reference (-1 -> OPEN_ACL_UNSAFE). Unknown references give OPEN_ACL_UNSAFE-free []. */
  convertLong(ref: number): readonly ACL[] {
    if (ref === ACLCache.OPEN_UNSAFE_ACL_ID) return OPEN_ACL_UNSAFE;
    const acls = this.byRef.get(ref);
    if (acls === undefined) throw new Error(`Failed to fetch acls for ${ref}`);
    return acls;
  }

  has(ref: number): boolean {
    return ref === ACLCache.OPEN_UNSAFE_ACL_ID || this.byRef.has(ref);
  }

  addUsage(ref: number): void {
    if (ref === ACLCache.OPEN_UNSAFE_ACL_ID || !this.byRef.has(ref)) return;
    this.refCount.set(ref, (this.refCount.get(ref) ?? 0) + 1);
  }

  removeUsage(ref: number): void {
    if (ref === ACLCache.OPEN_UNSAFE_ACL_ID || !this.byRef.has(ref)) return;
    const n = (this.refCount.get(ref) ?? 0) - 1;
    if (n <= 0) {
      this.refCount.delete(ref);
      const acls = this.byRef.get(ref)!;
      this.byRef.delete(ref);
      this.byKey.delete(aclKey(acls));
    } else {
      this.refCount.set(ref, n);
    }
  }

  /** Drops entries nobody uses (after loading a snapshot). */
  purgeUnused(): void {
    for (const ref of [...this.byRef.keys()]) {
      if ((this.refCount.get(ref) ?? 0) <= 0) {
        const acls = this.byRef.get(ref)!;
        this.byRef.delete(ref);
        this.byKey.delete(aclKey(acls));
        this.refCount.delete(ref);
      }
    }
  }

  /** Snapshot view: every (ref, acls) entry in insertion order. */
  entries(): Array<[number, readonly ACL[]]> {
    return [...this.byRef.entries()];
  }

  /** Replaces the cache with snapshot entries (use counts start at 0; nodes add theirs). */
  load(entries: Iterable<readonly [number, readonly ACL[]]>): void {
    this.byRef.clear();
    this.byKey.clear();
    this.refCount.clear();
    for (const [ref, acls] of entries) {
      if (ref > this.index) this.index = ref;
      const frozen = Object.freeze(acls.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } })));
      this.byRef.set(ref, frozen);
      this.byKey.set(aclKey(frozen), ref);
      this.refCount.set(ref, 0);
    }
  }

  /** Use count of a reference (for tests and diagnostics). */
  usage(ref: number): number {
    return this.refCount.get(ref) ?? 0;
  }

  get size(): number {
    return this.byRef.size;
  }
}
