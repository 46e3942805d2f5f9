/**
 * Where zkts' two old ACL copies disagreed (core's request authorisation vs the tree's watch filter: ip ids with
 * IPv6 addresses and CIDR, x509 ids), ZooKeeper 3.8 decides. Both servers listen on 127.0.0.1 only (the test
 * harness), so every client here is an IPv4 client: an IPv6 client (::1) cannot be tried against the reference.
 */
import { describe } from "vitest";
import { usePair, scenario, diffKazoo, type KStep } from "../src/scenario.js";

/** base64(sha1("alice:secret")) */
const ALICE = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=";
const acl = (perms: number, scheme: string, id: string) => ({ perms, scheme, id });
const NODE_CREATED = 1;
const NODE_DATA_CHANGED = 3;
const ev = (type: number, path: string) => ({ type, state: 3, path });
const INVALID = { err: "InvalidACLError" };

describe("kazoo: ip ACLs (IPv6, CIDR) and x509 ids, and watch delivery under them", () => {
  const pair = usePair();
  const run = (steps: KStep[]) => diffKazoo(pair(), steps);

  scenario("kazoo/acl-ip-ipv6-and-cidr", () => {
    const r = "/kz-aclip6";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "create", s: "a", path: r },
      // 3.8's IPAuthenticationProvider parses IPv4 only: IPv6 ids and prefixes are invalid.
      { op: "create", s: "a", path: `${r}/v6`, acl: [acl(31, "ip", "::1")], expect: INVALID },
      { op: "create", s: "a", path: `${r}/v6full`, acl: [acl(31, "ip", "0:0:0:0:0:0:0:1")], expect: INVALID },
      { op: "create", s: "a", path: `${r}/v6cidr`, acl: [acl(31, "ip", "::1/128")], expect: INVALID },
      { op: "create", s: "a", path: `${r}/v6mixed`, acl: [acl(31, "world", "anyone"), acl(1, "ip", "::1")], expect: INVALID },
      { op: "exists", s: "a", path: `${r}/v6`, expect: { ok: null } },
      // IPv4 and IPv4 CIDR
      { op: "create", s: "a", path: `${r}/v4cidr`, acl: [acl(31, "ip", "127.0.0.0/8")] },
      { op: "get", s: "b", path: `${r}/v4cidr` },
      { op: "set", s: "b", path: `${r}/v4cidr`, data: "from b" },
      { op: "get_acls", s: "b", path: `${r}/v4cidr` },
      { op: "create", s: "a", path: `${r}/v4host`, acl: [acl(31, "ip", "127.0.0.1/32")] },
      { op: "get", s: "b", path: `${r}/v4host` },
      { op: "create", s: "a", path: `${r}/v4all`, acl: [acl(1, "ip", "0.0.0.0/0")] },
      { op: "get", s: "b", path: `${r}/v4all` },
      { op: "create", s: "a", path: `${r}/v4other`, acl: [acl(31, "ip", "10.0.0.0/8")] },
      { op: "get", s: "b", path: `${r}/v4other`, expect: { err: "NoAuthError" } },
      { op: "create", s: "a", path: `${r}/v4other24`, acl: [acl(31, "ip", "127.0.1.0/24")] },
      { op: "get", s: "b", path: `${r}/v4other24`, expect: { err: "NoAuthError" } },
      // bad masks
      { op: "create", s: "a", path: `${r}/m33`, acl: [acl(31, "ip", "127.0.0.1/33")], expect: INVALID },
      { op: "create", s: "a", path: `${r}/mneg`, acl: [acl(31, "ip", "127.0.0.1/-1")], expect: INVALID },
      { op: "create", s: "a", path: `${r}/mempty`, acl: [acl(31, "ip", "127.0.0.1/")], expect: INVALID },
      { op: "create", s: "a", path: `${r}/mword`, acl: [acl(31, "ip", "127.0.0.1/x")], expect: INVALID },
      { op: "create", s: "a", path: `${r}/mtwo`, acl: [acl(31, "ip", "127.0.0.1/8/8")], expect: INVALID },
      { op: "create", s: "a", path: `${r}/mplus`, acl: [acl(31, "ip", "127.0.0.1/+8")] },
      { op: "get", s: "b", path: `${r}/mplus` },
      { op: "create", s: "a", path: `${r}/short`, acl: [acl(31, "ip", "127.0.0")], expect: INVALID },
      { op: "create", s: "a", path: `${r}/host`, acl: [acl(31, "ip", "localhost")], expect: INVALID },
      // setACL takes the same ids
      { op: "set_acls", s: "a", path: `${r}/v4cidr`, acl: [acl(31, "ip", "::1")], expect: INVALID },
      { op: "set_acls", s: "a", path: `${r}/v4cidr`, acl: [acl(31, "ip", "::1/128")], expect: INVALID },
      { op: "set_acls", s: "a", path: `${r}/v4cidr`, acl: [acl(31, "ip", "127.0.0.0/33")], expect: INVALID },
      { op: "set_acls", s: "a", path: `${r}/v4cidr`, acl: [acl(16, "ip", "127.0.0.0/8"), acl(1, "ip", "10.0.0.0/8")] },
      { op: "get_acls", s: "b", path: `${r}/v4cidr` },
      { op: "get", s: "b", path: `${r}/v4cidr`, expect: { err: "NoAuthError" } },
    ]);
  });

  scenario("kazoo/acl-watch-delivery-filtered-by-read", () => {
    const r = "/kz-aclwatch";
    return run([
      { op: "connect", s: "a", auth: [["digest", "alice:secret"]] },
      { op: "connect", s: "w" },
      { op: "create", s: "a", path: r },
      // A data watch set while readable; the node then loses READ for the watcher: the change is not delivered
      // (ZooKeeper checks READ on the node's ACL when it sends the event), and the one-shot watch is spent.
      { op: "create", s: "a", path: `${r}/n`, data: "0" },
      { op: "get", s: "w", path: `${r}/n`, watch: true },
      { op: "set_acls", s: "a", path: `${r}/n`, acl: [acl(31, "digest", ALICE)] },
      { op: "set", s: "a", path: `${r}/n`, data: "1" },
      { op: "sync", s: "w", path: r },
      { op: "events", s: "w", settle: 300, expect: { ok: [] } },
      { op: "set_acls", s: "a", path: `${r}/n`, acl: [acl(31, "world", "anyone")] },
      { op: "set", s: "a", path: `${r}/n`, data: "2" },
      { op: "sync", s: "w", path: r },
      { op: "events", s: "w", settle: 300, expect: { ok: [] } },
      { op: "get", s: "w", path: `${r}/n`, watch: true },
      { op: "set", s: "a", path: `${r}/n`, data: "3" },
      { op: "events", s: "w", count: 1, expect: { ok: [ev(NODE_DATA_CHANGED, `${r}/n`)] } },
      // exists needs no READ: the watch registers on an unreadable node, its events are withheld
      { op: "create", s: "a", path: `${r}/ip10`, acl: [acl(1, "ip", "10.0.0.0/8"), acl(31, "digest", ALICE)] },
      { op: "exists", s: "w", path: `${r}/ip10`, watch: true },
      { op: "set", s: "a", path: `${r}/ip10`, data: "x" },
      { op: "sync", s: "w", path: r },
      { op: "events", s: "w", settle: 300, expect: { ok: [] } },
      // READ through an IPv4 CIDR entry: delivered
      { op: "create", s: "a", path: `${r}/ip127`, acl: [acl(1, "ip", "127.0.0.0/8"), acl(31, "digest", ALICE)] },
      { op: "exists", s: "w", path: `${r}/ip127`, watch: true },
      { op: "set", s: "a", path: `${r}/ip127`, data: "x" },
      { op: "events", s: "w", count: 1, expect: { ok: [ev(NODE_DATA_CHANGED, `${r}/ip127`)] } },
      // a persistent recursive watch sees creations only of children it may read
      { op: "add_watch", s: "w", path: r, mode: 1 },
      { op: "create", s: "a", path: `${r}/secret`, acl: [acl(31, "digest", ALICE)] },
      { op: "create", s: "a", path: `${r}/open` },
      { op: "create", s: "a", path: `${r}/v4`, acl: [acl(31, "ip", "127.0.0.1")] },
      { op: "events", s: "w", count: 2, settle: 300, expect: { ok: [ev(NODE_CREATED, `${r}/open`), ev(NODE_CREATED, `${r}/v4`)] } },
    ]);
  });

  scenario("kazoo/acl-x509-without-tls", () => {
    const r = "/kz-aclx509";
    const subject = "CN=client,OU=test,O=zkts";
    return run([
      { op: "connect", s: "a" },
      { op: "create", s: "a", path: r },
      // Without a TLS client port ZooKeeper registers no x509 provider: x509 ids are invalid in an ACL.
      { op: "create", s: "a", path: `${r}/x`, acl: [acl(31, "x509", subject)], expect: INVALID },
      { op: "create", s: "a", path: `${r}/xw`, acl: [acl(31, "world", "anyone"), acl(1, "x509", subject)], expect: INVALID },
      { op: "set_acls", s: "a", path: r, acl: [acl(31, "x509", subject)], expect: INVALID },
      { op: "get_acls", s: "a", path: r },
      { op: "connect", s: "x" },
      { op: "add_auth", s: "x", scheme: "x509", cred: subject, expect: { err: "AuthFailedError" } },
    ]);
  });
});
