/**
 * Authentication schemes and ACL checks as ZooKeeper 3.8's default providers (ip, digest; super via superDigest).
 */
import { createHash } from "node:crypto";
import type { ACL, Id } from "@zkts/jute";
import { CoreError, ErrorCodes } from "./errors.js";

export const Perm = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

/** `user:base64(sha1("user:password"))`, as DigestAuthenticationProvider.generateDigest. */
export function generateDigest(idPassword: string): string {
  const colon = idPassword.indexOf(":");
  const user = colon < 0 ? idPassword : idPassword.slice(0, colon);
  const sha = createHash("sha1").update(Buffer.from(idPassword, "utf8")).digest("base64");
  return `${user}:${sha}`;
}

/** Java's String.split(regex) without limit: trailing empty strings are dropped. */
function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

function v4Bytes(addr: string): number[] | null {
  const parts = addr.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[+-]?\d+$/.test(p)) return null;
    const v = Number(p);
    if (!(v >= 0 && v <= 255)) return null;
    out.push(v);
  }
  return out;
}

function mask(b: number[], bits: number): void {
  let start = Math.floor(bits / 8);
  const startMask = (1 << (8 - (bits % 8))) - 1;
  if (start < b.length) {
    b[start] = b[start]! & ~startMask & 0xff;
    start++;
  }
  for (; start < b.length; start++) b[start] = 0;
}

function parseBits(s: string, max: number): number | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const bits = Number(s);
  return bits >= 0 && bits <= max ? bits : null;
}

/** IPAuthenticationProvider.matches (IPv4 only, as 3.8). */
export function ipMatches(id: string, aclExpr: string): boolean {
  const slash = aclExpr.indexOf("/");
  const base = slash < 0 ? aclExpr : aclExpr.slice(0, slash);
  const aclAddr = v4Bytes(base);
  if (aclAddr === null) return false;
  let bits = aclAddr.length * 8;
  if (slash >= 0) {
    const b = parseBits(aclExpr.slice(slash + 1), bits);
    if (b === null) return false;
    bits = b;
  }
  mask(aclAddr, bits);
  const remote = v4Bytes(id);
  if (remote === null) return false;
  mask(remote, bits);
  return remote.every((v, i) => v === aclAddr[i]);
}

function ipValid(id: string): boolean {
  const slash = id.indexOf("/");
  const base = slash < 0 ? id : id.slice(0, slash);
  const a = v4Bytes(base);
  if (a === null) return false;
  return slash < 0 || parseBits(id.slice(slash + 1), 32) !== null;
}

/** Schemes with a registered provider (ZooKeeper's defaults). */
export function isKnownScheme(scheme: string): boolean {
  return scheme === "ip" || scheme === "digest";
}

/** The user name whoAmI reports for an id ("" for schemes without a provider, e.g. super). */
export function userOf(id: Id): string {
  if (id.scheme === "digest") return (id.id ?? "").split(":")[0] ?? "";
  if (id.scheme === "ip") return id.id ?? "";
  return "";
}

/**
 * PrepRequestProcessor.fixupACL: removes duplicates, expands `auth` to the session's authenticated ids (digest
 * only: ip is not an "authenticated" provider), rejects empty lists and invalid ids with INVALIDACL.
 */
export function fixupACL(path: string, authInfo: readonly Id[], acls: readonly ACL[]): ACL[] {
  const uniq: ACL[] = [];
  for (const a of acls) {
    if (!uniq.some((u) => u.perms === a.perms && u.id.scheme === a.id.scheme && u.id.id === a.id.id)) uniq.push(a);
  }
  if (uniq.length === 0) throw new CoreError(ErrorCodes.INVALIDACL, path);
  const out: ACL[] = [];
  for (const a of uniq) {
    const scheme = a.id.scheme;
    const id = a.id.id ?? "";
    if (scheme === "world" && id === "anyone") {
      out.push(a);
    } else if (scheme === "auth") {
      let valid = false;
      for (const cid of authInfo) {
        if (cid.scheme === "digest") {
          valid = true;
          out.push({ perms: a.perms, id: { scheme: cid.scheme, id: cid.id } });
        }
      }
      if (!valid) throw new CoreError(ErrorCodes.INVALIDACL, path);
    } else if (scheme === "digest") {
      if (javaSplit(id, ":").length !== 2) throw new CoreError(ErrorCodes.INVALIDACL, path);
      out.push(a);
    } else if (scheme === "ip") {
      if (!ipValid(id)) throw new CoreError(ErrorCodes.INVALIDACL, path);
      out.push(a);
    } else {
      throw new CoreError(ErrorCodes.INVALIDACL, path);
    }
  }
  return out;
}

export interface AclPolicy {
  skipACL: boolean;
}

/** ZooKeeperServer.checkACL: throws NOAUTH unless some entry with `perm` matches one of `ids`. */
export function checkACL(
  policy: AclPolicy,
  acl: readonly ACL[] | null | undefined,
  perm: number,
  ids: readonly Id[],
  path?: string,
): void {
  if (policy.skipACL) return;
  if (acl === null || acl === undefined || acl.length === 0) return;
  for (const a of ids) if (a.scheme === "super") return;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    if (a.id.scheme === "world" && a.id.id === "anyone") return;
    if (!isKnownScheme(a.id.scheme)) continue;
    for (const authId of ids) {
      if (authId.scheme !== a.id.scheme) continue;
      if (a.id.scheme === "digest" ? authId.id === a.id.id : ipMatches(authId.id ?? "", a.id.id ?? "")) return;
    }
  }
  throw new CoreError(ErrorCodes.NOAUTH, path);
}

export function hasPerm(policy: AclPolicy, acl: readonly ACL[], perm: number, ids: readonly Id[]): boolean {
  try {
    checkACL(policy, acl, perm, ids);
    return true;
  } catch {
    return false;
  }
}

/** Java's String.hashCode over UTF-16 code units (int arithmetic). */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The bucket ConcurrentHashMap puts an Id in: jute's Id.hashCode, spread, masked by the table size. */
function javaIdBucket(id: Id, tableSize: number): number {
  let h = 17;
  h = (Math.imul(37, h) + javaStringHash(id.scheme)) | 0;
  h = (Math.imul(37, h) + javaStringHash(id.id ?? "")) | 0;
  const spread = (h ^ (h >>> 16)) & 0x7fffffff;
  return spread & (tableSize - 1);
}

/**
 * Inserts `id` into a connection's auth ids, keeping ZooKeeper's order. ZooKeeper keeps them in a set backed by a
 * ConcurrentHashMap (ServerCnxn.authInfo), so whoAmI, and `auth` ACL expansion, list them in hash-bucket order,
 * insertion order within a bucket. Returns false when the id was already there.
 */
export function addAuthId(ids: Id[], id: Id): boolean {
  if (ids.some((a) => a.scheme === id.scheme && a.id === id.id)) return false;
  ids.push(id);
  // Default table of 16 bins, doubled whenever the count passes 3/4 of it.
  let table = 16;
  while (ids.length > table * 0.75) table *= 2;
  const order = ids.map((a, i) => ({ a, i, b: javaIdBucket(a, table) }));
  order.sort((x, y) => x.b - y.b || x.i - y.i);
  for (let k = 0; k < order.length; k++) ids[k] = order[k]!.a;
  return true;
}
