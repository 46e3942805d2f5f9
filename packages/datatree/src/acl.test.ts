import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { ACL, Id } from "@zkts/jute";
import { ACLCache, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, checkACL, digestOf, digestOfAuth, fixupACL, ipMatches, isValidIpAcl, userOf } from "./acl.js";
import { Perms } from "./constants.js";

const id = (scheme: string, i: string): Id => ({ scheme, id: i });
const acl = (perms: number, scheme: string, i: string): ACL => ({ perms, id: id(scheme, i) });

describe("digestOf", () => {
  it("is user:base64(sha1(user:password)) (ZooKeeper's own example values)", () => {
    // DigestAuthenticationProvider.generateDigest("super:test") from the ZooKeeper admin guide.
    expect(digestOf("super", "test")).toBe("super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
    expect(digestOfAuth("super:test")).toBe("super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
    expect(digestOfAuth("nocolon")).toBeNull();
    expect(digestOf("u", "p:q")).toBe(digestOfAuth("u:p:q"));
  });
});

describe("ip matching (IPAuthenticationProvider)", () => {
  it("exact and CIDR", () => {
    expect(ipMatches("10.1.2.3", "10.1.2.3")).toBe(true);
    expect(ipMatches("10.1.2.4", "10.1.2.3")).toBe(false);
    expect(ipMatches("10.1.2.3", "10.0.0.0/8")).toBe(true);
    expect(ipMatches("11.1.2.3", "10.0.0.0/8")).toBe(false);
    expect(ipMatches("192.168.1.77", "192.168.1.64/26")).toBe(true);
    expect(ipMatches("192.168.1.128", "192.168.1.64/26")).toBe(false);
    expect(ipMatches("1.2.3.4", "0.0.0.0/0")).toBe(true);
    expect(ipMatches("10.1.2.3", "10.1.2.255/24")).toBe(true);
  });
  it("rejects malformed expressions and addresses", () => {
    expect(ipMatches("10.1.2.3", "10.0.0.0/33")).toBe(false);
    expect(ipMatches("10.1.2.3", "10.0.0.0/x")).toBe(false);
    expect(ipMatches("10.1.2.3", "10.0.0/8")).toBe(false);
    expect(ipMatches("10.1.2.3", "256.0.0.0/8")).toBe(false);
    expect(ipMatches("bogus", "10.0.0.0/8")).toBe(false);
    expect(isValidIpAcl("10.0.0.0/8")).toBe(true);
    expect(isValidIpAcl("10.0.0.0/-1")).toBe(false);
    expect(isValidIpAcl("host.example")).toBe(false);
  });
  it("IPv6 is not an ip id in 3.8.0 (IPAuthenticationProvider knows IPv4 only; see the interop differential test)", () => {
    expect(ipMatches("::1", "::1")).toBe(false);
    expect(ipMatches("0:0:0:0:0:0:0:1", "0:0:0:0:0:0:0:1")).toBe(false);
    expect(ipMatches("fe80::1:2", "fe80::/16")).toBe(false);
    expect(ipMatches("10.0.0.1", "::/0")).toBe(false);
    expect(isValidIpAcl("::1")).toBe(false);
    expect(isValidIpAcl("::1/128")).toBe(false);
    expect(isValidIpAcl("127.0.0.0/8")).toBe(true);
    expect(isValidIpAcl("127.0.0.1/33")).toBe(false);
    expect(isValidIpAcl("127.0.0.1/")).toBe(false);
    expect(isValidIpAcl("127.0.0.1/+8")).toBe(true);
  });
});

describe("checkACL", () => {
  const ids = [id("ip", "10.0.0.5"), id("digest", digestOf("bob", "pw"))];
  it("world:anyone with the needed perm passes", () => {
    expect(checkACL(OPEN_ACL_UNSAFE, Perms.WRITE, [])).toBe(true);
    expect(checkACL(READ_ACL_UNSAFE, Perms.READ, [])).toBe(true);
    expect(checkACL(READ_ACL_UNSAFE, Perms.WRITE, [])).toBe(false);
  });
  it("empty ACL lists pass (as ZooKeeper)", () => {
    expect(checkACL([], Perms.ADMIN, [])).toBe(true);
  });
  it("digest and ip entries match the session's ids", () => {
    expect(checkACL([acl(Perms.READ, "digest", digestOf("bob", "pw"))], Perms.READ, ids)).toBe(true);
    expect(checkACL([acl(Perms.READ, "digest", digestOf("bob", "other"))], Perms.READ, ids)).toBe(false);
    expect(checkACL([acl(Perms.ALL, "ip", "10.0.0.0/24")], Perms.DELETE, ids)).toBe(true);
    expect(checkACL([acl(Perms.ALL, "ip", "10.0.1.0/24")], Perms.DELETE, ids)).toBe(false);
    // perms must cover the request
    expect(checkACL([acl(Perms.READ, "ip", "10.0.0.5")], Perms.WRITE, ids)).toBe(false);
    // scheme must match
    expect(checkACL([acl(Perms.ALL, "digest", "10.0.0.5")], Perms.READ, ids)).toBe(false);
  });
  it("super ids, configured super ids and skipACL pass", () => {
    const locked = [acl(Perms.READ, "digest", "x:y")];
    expect(checkACL(locked, Perms.ADMIN, [id("super", "")])).toBe(true);
    const superId = id("digest", digestOf("super", "test"));
    expect(checkACL(locked, Perms.ADMIN, [superId])).toBe(false);
    expect(checkACL(locked, Perms.ADMIN, [superId], { superIds: [superId] })).toBe(true);
    expect(checkACL(locked, Perms.ADMIN, [], { skipACL: true })).toBe(true);
  });
  it("entries of a scheme without a registered provider never match", () => {
    const subject = "CN=client,O=zkts";
    const x509 = [acl(Perms.READ, "x509", subject)];
    expect(checkACL(x509, Perms.READ, [id("x509", subject)])).toBe(false);
    expect(checkACL(x509, Perms.READ, [id("x509", subject)], { schemes: ["ip", "digest", "x509"] })).toBe(true);
    expect(checkACL(x509, Perms.READ, [id("x509", "CN=other")], { schemes: ["x509"] })).toBe(false);
    expect(checkACL([acl(Perms.READ, "super", "")], Perms.READ, [id("ip", "10.0.0.5")])).toBe(false);
  });
});

describe("fixupACL", () => {
  const alice = id("digest", digestOf("alice", "pw"));
  it("dedups, keeps world:anyone and valid ids, expands auth to authenticated ids", () => {
    const dup = acl(Perms.ALL, "world", "anyone");
    expect(fixupACL([], [dup, dup])).toEqual([dup]);
    expect(fixupACL([id("ip", "10.0.0.5"), alice], [acl(Perms.READ, "auth", "")])).toEqual([{ perms: Perms.READ, id: alice }]);
    expect(fixupACL([id("ip", "10.0.0.5")], [acl(Perms.READ, "auth", "")])).toBeNull();
    expect(fixupACL([], [acl(Perms.READ, "ip", "10.0.0.0/8")])).toHaveLength(1);
  });
  it("is null (INVALIDACL) where ZooKeeper throws InvalidACL", () => {
    expect(fixupACL([], [])).toBeNull();
    expect(fixupACL([], [acl(Perms.READ, "digest", "nocolon")])).toBeNull();
    expect(fixupACL([], [acl(Perms.READ, "ip", "::1")])).toBeNull();
    expect(fixupACL([], [acl(Perms.READ, "x509", "CN=client")])).toBeNull();
    expect(fixupACL([], [acl(Perms.READ, "x509", "CN=client")], { schemes: ["x509"] })).toHaveLength(1);
    expect(fixupACL([], [acl(Perms.READ, "x509", "not a name")], { schemes: ["x509"] })).toBeNull();
    expect(fixupACL([], [acl(Perms.READ, "super", "")])).toBeNull();
  });
  it("sasl (SASLAuthenticationProvider): exact ids, `super` matches every entry, Kerberos-shaped ids only", () => {
    const sasl = { schemes: ["ip", "digest", "sasl"] as const };
    const only = [acl(Perms.ALL, "sasl", "alice")];
    expect(checkACL(only, Perms.WRITE, [id("sasl", "alice")], sasl)).toBe(true);
    expect(checkACL(only, Perms.WRITE, [id("sasl", "bob")], sasl)).toBe(false);
    expect(checkACL(only, Perms.WRITE, [id("sasl", "super")], sasl)).toBe(true);
    expect(checkACL(only, Perms.WRITE, [id("sasl", "alice")])).toBe(false);
    expect(checkACL(only, Perms.WRITE, [id("digest", "alice")], sasl)).toBe(false);
    expect(fixupACL([], only, sasl)).toHaveLength(1);
    expect(fixupACL([], only)).toBeNull();
    expect(fixupACL([], [acl(Perms.READ, "sasl", "zk/host@EXAMPLE.COM")], sasl)).toHaveLength(1);
    expect(fixupACL([], [acl(Perms.READ, "sasl", "a@b@c")], sasl)).toBeNull();
    expect(fixupACL([], [acl(Perms.READ, "sasl", "a/b/c@R")], sasl)).toBeNull();
    expect(fixupACL([id("sasl", "alice")], [acl(Perms.READ, "auth", "")], sasl)).toEqual([acl(Perms.READ, "sasl", "alice")]);
    expect(userOf(id("sasl", "alice"), sasl)).toBe("alice");
  });
  it("gives what the list-building algorithm gives, always in a new list (the plain-list shortcut included)", () => {
    // PrepRequestProcessor.fixupACL as first written here: dedup into a list, then expand/check into another
    const reference = (authInfo: readonly Id[], acls: readonly ACL[], schemes: readonly string[]): ACL[] | null => {
      const uniq: ACL[] = [];
      for (const a of acls) if (!uniq.some((u) => u.perms === a.perms && u.id.scheme === a.id.scheme && u.id.id === a.id.id)) uniq.push(a);
      if (uniq.length === 0) return null;
      const authenticated = (s: string) => schemes.includes(s) && s !== "ip";
      const valid = (s: string, i: string) =>
        schemes.includes(s) && (s === "ip" ? isValidIpAcl(i) : s === "digest" ? i.split(":").length === 2 : s === "x509" ? i.startsWith("CN=") : true);
      const out: ACL[] = [];
      for (const a of uniq) {
        if (a.id.scheme === "world" && a.id.id === "anyone") out.push(a);
        else if (a.id.scheme === "auth") {
          const ids = authInfo.filter((c) => authenticated(c.scheme));
          if (ids.length === 0) return null;
          for (const c of ids) out.push({ perms: a.perms, id: { scheme: c.scheme, id: c.id } });
        } else if (valid(a.id.scheme, a.id.id ?? "")) out.push(a);
        else return null;
      }
      return out;
    };
    const entry = fc.record({
      perms: fc.constantFrom(Perms.ALL, Perms.READ, Perms.WRITE | Perms.CREATE),
      id: fc.constantFrom(id("world", "anyone"), id("world", "someone"), id("ip", "10.0.0.0/8"), id("ip", "::1"), id("digest", "u:h"), id("digest", "nocolon"), id("auth", ""), id("x509", "CN=c"), id("super", "")),
    });
    const authId = fc.constantFrom(id("ip", "127.0.0.1"), id("digest", "u:h"), id("x509", "CN=c"));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), fc.array(authId, { maxLength: 2 }), fc.boolean(), (acls, authInfo, x509) => {
        const schemes = x509 ? ["ip", "digest", "x509"] : ["ip", "digest"];
        const got = fixupACL(authInfo, acls, { schemes: schemes as ("ip" | "digest" | "x509")[] });
        expect(got).toEqual(reference(authInfo, acls, schemes));
        if (got !== null) expect(got).not.toBe(acls);
      }),
      { numRuns: 2000 },
    );
  });
  it("whoAmI user names", () => {
    expect(userOf(alice)).toBe("alice");
    expect(userOf(id("ip", "127.0.0.1"))).toBe("127.0.0.1");
    expect(userOf(id("super", ""))).toBe("");
  });
});

describe("ACLCache (ReferenceCountedACLCache)", () => {
  it("interns lists from 1 and maps -1 to OPEN_ACL_UNSAFE", () => {
    const c = new ACLCache();
    expect(c.convertLong(-1)).toEqual(OPEN_ACL_UNSAFE);
    expect(c.convertAcls(null)).toBe(-1);
    const a = c.convertAcls([...READ_ACL_UNSAFE]);
    expect(a).toBe(1);
    expect(c.convertAcls([...READ_ACL_UNSAFE])).toBe(1);
    expect(c.usage(1)).toBe(2);
    expect(c.convertAcls([...OPEN_ACL_UNSAFE])).toBe(2);
    c.removeUsage(1);
    expect(c.has(1)).toBe(true);
    c.removeUsage(1);
    expect(c.has(1)).toBe(false);
    // indexes are not reused
    expect(c.convertAcls([...READ_ACL_UNSAFE])).toBe(3);
    expect(() => c.convertLong(99)).toThrow();
  });
  it("a list converted again right after it left the cache (last use removed, or a load) gets its new reference", () => {
    const c = new ACLCache();
    expect(c.convertAcls([...READ_ACL_UNSAFE])).toBe(1);
    expect(c.convertAcls([...READ_ACL_UNSAFE])).toBe(1);
    c.removeUsage(1);
    c.removeUsage(1);
    expect(c.convertAcls([...READ_ACL_UNSAFE])).toBe(2);
    expect(c.usage(2)).toBe(1);
    c.load([[5, READ_ACL_UNSAFE]]);
    expect(c.convertAcls([...READ_ACL_UNSAFE])).toBe(5);
    expect(c.usage(5)).toBe(1);
    expect(c.convertAcls([acl(Perms.READ, "ip", "1.2.3.4")])).toBe(6);
    expect(c.convertAcls([...READ_ACL_UNSAFE])).toBe(5);
    expect(c.convertAcls([acl(Perms.READ, "world", "anyone"), acl(Perms.READ, "ip", "1.2.3.4")])).toBe(7);
  });
  it("load + purgeUnused", () => {
    const c = new ACLCache();
    c.load([
      [4, READ_ACL_UNSAFE],
      [7, OPEN_ACL_UNSAFE],
    ]);
    c.addUsage(7);
    c.purgeUnused();
    expect(c.entries().map(([k]) => k)).toEqual([7]);
    expect(c.convertAcls([acl(1, "ip", "1.2.3.4")])).toBe(8);
  });
});
