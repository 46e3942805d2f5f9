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
  /**
   * The authentication providers registered besides world/auth (ProviderRegistry): ZooKeeper's defaults are
   * ip and digest; x509 is registered only with a TLS client port (`zookeeper.authProvider.x509`).
   */
  schemes?: readonly AclScheme[];
}

/** The schemes of ZooKeeper's built-in authentication providers. */
export type AclScheme = "ip" | "digest" | "x509" | "sasl";

/** ProviderRegistry's defaults (IPAuthenticationProvider, DigestAuthenticationProvider). */
export const DEFAULT_SCHEMES: readonly AclScheme[] = Object.freeze(["ip", "digest"]);

/** One authentication provider, as ZooKeeper's AuthenticationProvider: how its ids match, validate and read. */
interface Provider {
  /** matches(id, aclExpr): does an authenticated id satisfy an ACL entry's id? */
  matches(id: string, aclExpr: string): boolean;
  /** isValid(id): may this id appear in an ACL (fixupACL)? */
  isValid(id: string): boolean;
  /** isAuthenticated(): do its ids stand for an authenticated user (what `auth` ACLs expand to)? */
  readonly authenticated: boolean;
  /** The user name whoAmI reports. */
  userName(id: string): string;
}

/**
 * `user:base64(sha1("user:password"))`, as DigestAuthenticationProvider.generateDigest (without a colon the whole
 * string is the user).
 */
export function generateDigest(idPassword: string): string {
  const colon = idPassword.indexOf(":");
  const user = colon < 0 ? idPassword : idPassword.slice(0, colon);
  const sha = createHash("sha1").update(Buffer.from(idPassword, "utf8")).digest("base64");
  return `${user}:${sha}`;
}

/** `user:` + base64(sha1("user:password")), as DigestAuthenticationProvider.generateDigest. */
export function digestOf(user: string, password: string): string {
  return generateDigest(`${user}:${password}`);
}

/** Parses `user:password` (split at the first colon) into its digest id; null without a colon. */
export function digestOfAuth(idPassword: string): string | null {
  return idPassword.includes(":") ? generateDigest(idPassword) : null;
}

/** Java's String.split(regex) without limit: trailing empty strings are dropped. */
function javaSplitCount(s: string, sep: string): number {
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts.length;
}

/** Integer.parseInt for ASCII input: null where Java throws NumberFormatException. */
function parseJavaInt(s: string): number | null {
  if (!/^[+-]?\d{1,10}$/.test(s)) return null;
  const v = Number(s);
  if (v > 2147483647 || v < -2147483648) return null;
  return v;
}

/** IPAuthenticationProvider.v4addr2Bytes. */
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

function mask(b: number[], bits: number): void {
  let start = Math.floor(bits / 8);
  let m = ~((1 << (8 - (bits % 8))) - 1) & 0xff;
  while (start < b.length) {
    b[start] = b[start]! & m;
    m = 0;
    start++;
  }
}

/**
 * An ip ACL expression: an address, optionally `/bits`. ZooKeeper 3.8's IPAuthenticationProvider.addr2Bytes
 * knows IPv4 only ("TODO Write the v6addr2Bytes"): an IPv6 address or CIDR is not a valid ip id (setACL answers
 * INVALIDACL) and an IPv6 client matches no ip ACL - the differential test tests/interop/test/acl-ip-x509-diff
 * shows the reference doing exactly that.
 */
function parseIpExpr(aclExpr: string): { addr: number[]; bits: number } | null {
  const slash = aclExpr.indexOf("/");
  const addr = v4Bytes(slash < 0 ? aclExpr : aclExpr.slice(0, slash));
  if (!addr) return null;
  let bits = addr.length * 8;
  if (slash >= 0) {
    const b = parseJavaInt(aclExpr.slice(slash + 1));
    if (b === null || b < 0 || b > addr.length * 8) return null;
    bits = b;
  }
  return { addr, bits };
}

/** IPAuthenticationProvider.isValid: an IPv4 address, optionally `/bits` (CIDR). */
export function isValidIpAcl(aclExpr: string): boolean {
  return parseIpExpr(aclExpr) !== null;
}

/** IPAuthenticationProvider.matches: does the client address `id` fall in `aclExpr` (address or CIDR)? */
export function ipMatches(id: string, aclExpr: string): boolean {
  const e = parseIpExpr(aclExpr);
  if (!e) return false;
  const remote = v4Bytes(id);
  if (!remote) return false;
  mask(e.addr, e.bits);
  mask(remote, e.bits);
  for (let i = 0; i < remote.length; i++) if (remote[i] !== e.addr[i]) return false;
  return true;
}

/**
 * An X.500 distinguished name as X509AuthenticationProvider.isValid accepts it (`new X500Principal(id)`):
 * comma-separated `type=value` attributes (RFC 2253 form, the subject string a certificate reports).
 */
function isDistinguishedName(id: string): boolean {
  if (id.trim() === "") return false;
  return id.split(/(?<!\\),/).every((rdn) => /^\s*[A-Za-z][A-Za-z0-9-]*(\.[0-9]+)*\s*=/.test(rdn) || /^\s*[0-9]+(\.[0-9]+)+\s*=/.test(rdn));
}

/**
 * SASLAuthenticationProvider.isValid: `new KerberosName(id)` succeeds - a name without `@`, or
 * `primary[/instance]@REALM` with no further `/` or `@`.
 */
export function isValidSaslId(id: string): boolean {
  if (!id.includes("@")) return true;
  return /^[^/@]*(\/[^/@]*)?@[^/@]*$/.test(id);
}

const PROVIDERS: Readonly<Record<AclScheme, Provider>> = {
  ip: { matches: ipMatches, isValid: isValidIpAcl, authenticated: false, userName: (id) => id },
  digest: {
    matches: (id, aclExpr) => id === aclExpr,
    isValid: (id) => javaSplitCount(id, ":") === 2,
    authenticated: true,
    userName: (id) => id.split(":")[0] ?? "",
  },
  // X509AuthenticationProvider: the id is the client certificate's subject; an ACL entry matches it exactly.
  x509: { matches: (id, aclExpr) => id === aclExpr, isValid: isDistinguishedName, authenticated: true, userName: (id) => id },
  // SASLAuthenticationProvider (registered by authProvider.N): the id is the SASL authorization id; an ACL entry
  // matches it exactly, and an id "super" matches every sasl entry. (zookeeper.letAnySaslUserDoX is not read.)
  sasl: {
    matches: (id, aclExpr) => id === "super" || id === aclExpr,
    isValid: isValidSaslId,
    authenticated: true,
    userName: (id) => id,
  },
};

function providerOf(scheme: string, opts: ACLCheckOptions): Provider | undefined {
  const enabled = opts.schemes ?? DEFAULT_SCHEMES;
  for (let i = 0; i < enabled.length; i++) if (enabled[i] === scheme) return PROVIDERS[scheme as AclScheme];
  return undefined;
}

/** Does an authenticated id satisfy an ACL entry's id (same scheme, registered provider's match)? */
export function idMatches(authId: Id, aclId: Id, opts: ACLCheckOptions = {}): boolean {
  if (authId.scheme !== aclId.scheme) return false;
  const p = providerOf(aclId.scheme, opts);
  return p !== undefined && p.matches(authId.id ?? "", aclId.id ?? "");
}

/** true when `ids` contain a super id (scheme `super`, or one of opts.superIds). */
export function isSuper(ids: readonly Id[], opts: ACLCheckOptions = {}): boolean {
  // indexed loops: this runs for every request checked, and array iterators are allocated where not optimised away
  const superIds = opts.superIds;
  for (let i = 0; i < ids.length; i++) {
    const a = ids[i]!;
    if (a.scheme === "super") return true;
    if (superIds) for (let k = 0; k < superIds.length; k++) if (superIds[k]!.scheme === a.scheme && superIds[k]!.id === a.id) return true;
  }
  return false;
}

/**
 * ZooKeeperServer.checkACL as a predicate: true when `ids` may exercise `perm` on a node with `acls`.
 * skipACL, an empty/null ACL list and super ids pass; otherwise an entry whose perms include `perm` must be
 * world:anyone or match one of `ids` through its scheme's registered provider (entries of other schemes never
 * match). Used for request authorisation and for watch-event filtering alike.
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
  for (let i = 0; i < acls.length; i++) {
    const a = acls[i]!;
    if ((a.perms & perm) === 0) continue;
    const scheme = a.id.scheme;
    if (scheme === "world" && a.id.id === "anyone") return true;
    const p = providerOf(scheme, opts);
    if (p === undefined) continue;
    for (let k = 0; k < ids.length; k++) {
      const authId = ids[k]!;
      if (authId.scheme === scheme && p.matches(authId.id ?? "", a.id.id ?? "")) return true;
    }
  }
  return false;
}

/**
 * PrepRequestProcessor.fixupACL: removes duplicates, expands `auth` to the session's authenticated ids (those of
 * a provider whose ids are authenticated: digest, x509; not ip), checks every other id with its provider. Null
 * where ZooKeeper throws InvalidACL: an empty list, an `auth` entry without authenticated ids, an id of an
 * unregistered scheme or one its provider rejects.
 */
export function fixupACL(authInfo: readonly Id[], acls: readonly ACL[], opts: ACLCheckOptions = {}): ACL[] | null {
  if (isPlainACL(acls, opts)) return acls.slice();
  const uniq: ACL[] = [];
  for (const a of acls) {
    if (!uniq.some((u) => u.perms === a.perms && u.id.scheme === a.id.scheme && u.id.id === a.id.id)) uniq.push(a);
  }
  if (uniq.length === 0) return null;
  const out: ACL[] = [];
  for (const a of uniq) {
    const scheme = a.id.scheme;
    const id = a.id.id ?? "";
    if (scheme === "world" && id === "anyone") {
      out.push(a);
    } else if (scheme === "auth") {
      let valid = false;
      for (const cid of authInfo) {
        if (providerOf(cid.scheme, opts)?.authenticated) {
          valid = true;
          out.push({ perms: a.perms, id: { scheme: cid.scheme, id: cid.id } });
        }
      }
      if (!valid) return null;
    } else {
      const p = providerOf(scheme, opts);
      if (p === undefined || !p.isValid(id)) return null;
      out.push(a);
    }
  }
  return out;
}

/**
 * fixupACL's common case, decided without building lists: no duplicate entry, no `auth` entry, and every id
 * world:anyone or valid for its registered provider. fixupACL then returns the same entries in the same order.
 */
function isPlainACL(acls: readonly ACL[], opts: ACLCheckOptions): boolean {
  const n = acls.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const a = acls[i]!;
    const scheme = a.id.scheme;
    const id = a.id.id ?? "";
    if (scheme === "auth") return false;
    for (let k = 0; k < i; k++) {
      const u = acls[k]!;
      if (u.perms === a.perms && u.id.scheme === scheme && u.id.id === a.id.id) return false;
    }
    if (scheme === "world" && id === "anyone") continue;
    const p = providerOf(scheme, opts);
    if (p === undefined || !p.isValid(id)) return false;
  }
  return true;
}

/** The user name whoAmI reports for an id: its provider's, "" for schemes without one (e.g. super). */
export function userOf(id: Id, opts: ACLCheckOptions = {}): string {
  return providerOf(id.scheme, opts)?.userName(id.id ?? "") ?? "";
}

function sameAcls(a: readonly ACL[], b: readonly ACL[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.perms !== y.perms || x.id.scheme !== y.id.scheme || x.id.id !== y.id.id) return false;
  }
  return true;
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

  /** The list `convertAcls` interned last and its reference: most creates repeat it (no key string built then). */
  private lastAcls: readonly ACL[] | undefined = undefined;
  private lastRef = 0;

  /** Interns `acls` and counts one more use; null -> -1. */
  convertAcls(acls: readonly ACL[] | null): number {
    if (acls === null) return ACLCache.OPEN_UNSAFE_ACL_ID;
    let ref: number | undefined;
    const last = this.lastAcls;
    // the last list, if it is still interned under its reference (a removal or a load may have dropped it)
    if (last !== undefined && sameAcls(last, acls) && this.byRef.get(this.lastRef) === last) ref = this.lastRef;
    else {
      const key = aclKey(acls);
      ref = this.byKey.get(key);
      if (ref === undefined) {
        ref = ++this.index;
        this.byKey.set(key, ref);
        this.byRef.set(ref, Object.freeze(acls.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } }))));
      }
      this.lastAcls = this.byRef.get(ref);
      this.lastRef = ref;
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

  /** Counts `n` more uses of a reference (unknown references and -1 are not counted). */
  addUsage(ref: number, n = 1): void {
    if (ref === ACLCache.OPEN_UNSAFE_ACL_ID || !this.byRef.has(ref)) return;
    this.refCount.set(ref, (this.refCount.get(ref) ?? 0) + n);
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
    this.add(entries);
  }

  /** Adds snapshot entries to the cache (use counts start at 0; nodes add theirs). */
  add(entries: Iterable<readonly [number, readonly ACL[]]>): void {
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
