import { describe } from "vitest";
import { usePair, scenario, diffKazoo, type KStep } from "../src/scenario.js";
import { SUPER_PASSWORD } from "../src/servers.js";

/** base64(sha1("alice:secret")) */
const ALICE = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=";
const acl = (perms: number, scheme: string, id: string) => ({ perms, scheme, id });

describe("kazoo: ACL schemes, node lifecycles, chroot, session expiry", () => {
  const pair = usePair();
  const run = (steps: KStep[]) => diffKazoo(pair(), steps);

  scenario("kazoo/acl-world-and-perms", () => {
    const r = "/kz-aclw";
    return run([
      { op: "connect", s: "a" },
      { op: "create", s: "a", path: r },
      { op: "create", s: "a", path: `${r}/ro`, data: "x", acl: [acl(1, "world", "anyone")] },
      { op: "get", s: "a", path: `${r}/ro` },
      { op: "set", s: "a", path: `${r}/ro`, data: "y", expect: { err: "NoAuthError" } },
      { op: "create", s: "a", path: `${r}/ro/kid`, expect: { err: "NoAuthError" } },
      { op: "set_acls", s: "a", path: `${r}/ro`, acl: [acl(31, "world", "anyone")], expect: { err: "NoAuthError" } },
      { op: "get_acls", s: "a", path: `${r}/ro` },
      { op: "create", s: "a", path: `${r}/none`, acl: [acl(0, "world", "anyone")] },
      { op: "get", s: "a", path: `${r}/none`, expect: { err: "NoAuthError" } },
      { op: "get_children", s: "a", path: `${r}/none`, expect: { err: "NoAuthError" } },
      { op: "get_acls", s: "a", path: `${r}/none` },
      { op: "delete", s: "a", path: `${r}/none` },
      { op: "create", s: "a", path: `${r}/nodel`, acl: [acl(31 - 8, "world", "anyone")] },
      { op: "create", s: "a", path: `${r}/nodel/k` },
      { op: "delete", s: "a", path: `${r}/nodel/k`, expect: { err: "NoAuthError" } },
      { op: "create", s: "a", path: `${r}/wo`, acl: [acl(2, "world", "anyone")] },
      { op: "set", s: "a", path: `${r}/wo`, data: "w" },
      { op: "get", s: "a", path: `${r}/wo`, expect: { err: "NoAuthError" } },
      { op: "create", s: "a", path: `${r}/admin`, acl: [acl(16, "world", "anyone")] },
      { op: "get_acls", s: "a", path: `${r}/admin` },
      { op: "set_acls", s: "a", path: `${r}/admin`, acl: [acl(31, "world", "anyone")], version: 0 },
      { op: "get", s: "a", path: `${r}/admin` },
      { op: "get_acls", s: "a", path: `${r}/admin` },
      { op: "create", s: "a", path: `${r}/dup`, acl: [acl(1, "world", "anyone"), acl(1, "world", "anyone"), acl(2, "world", "anyone")] },
      { op: "get_acls", s: "a", path: `${r}/dup` },
    ]);
  });

  scenario("kazoo/acl-auth-digest-ip-super", () => {
    const r = "/kz-acla";
    return run([
      { op: "connect", s: "a", auth: [["digest", "alice:secret"]] },
      { op: "connect", s: "b" },
      { op: "connect", s: "c" },
      { op: "create", s: "a", path: r },
      { op: "create", s: "a", path: `${r}/auth`, data: "a", acl: [acl(31, "auth", "")] },
      { op: "get_acls", s: "a", path: `${r}/auth` },
      { op: "get", s: "b", path: `${r}/auth`, expect: { err: "NoAuthError" } },
      { op: "add_auth", s: "b", scheme: "digest", cred: "alice:wrong" },
      { op: "get", s: "b", path: `${r}/auth`, expect: { err: "NoAuthError" } },
      { op: "add_auth", s: "b", scheme: "digest", cred: "alice:secret" },
      { op: "get", s: "b", path: `${r}/auth` },
      { op: "create", s: "a", path: `${r}/digest`, acl: [acl(1, "digest", ALICE), acl(16, "world", "anyone")] },
      { op: "get", s: "b", path: `${r}/digest` },
      { op: "get", s: "c", path: `${r}/digest`, expect: { err: "NoAuthError" } },
      { op: "get_acls", s: "c", path: `${r}/digest` },
      { op: "create", s: "a", path: `${r}/readonly-digest`, acl: [acl(1, "digest", ALICE)] },
      { op: "get_acls", s: "a", path: `${r}/readonly-digest` },
      { op: "get_acls", s: "c", path: `${r}/readonly-digest` },
      { op: "create", s: "a", path: `${r}/ip`, acl: [acl(31, "ip", "127.0.0.1")] },
      { op: "get", s: "c", path: `${r}/ip` },
      { op: "create", s: "a", path: `${r}/ipcidr`, acl: [acl(31, "ip", "127.0.0.0/8")] },
      { op: "get", s: "c", path: `${r}/ipcidr` },
      { op: "create", s: "a", path: `${r}/ipother`, acl: [acl(31, "ip", "10.1.2.3")] },
      { op: "get", s: "c", path: `${r}/ipother`, expect: { err: "NoAuthError" } },
      { op: "create", s: "a", path: `${r}/ipother/k`, expect: { err: "NoAuthError" } },
      { op: "create", s: "a", path: `${r}/multi-auth`, acl: [acl(31, "auth", ""), acl(1, "world", "anyone")] },
      { op: "get_acls", s: "c", path: `${r}/multi-auth` },
      { op: "connect", s: "su" },
      { op: "add_auth", s: "su", scheme: "digest", cred: `super:${SUPER_PASSWORD}` },
      { op: "get", s: "su", path: `${r}/ipother` },
      { op: "set", s: "su", path: `${r}/auth`, data: "by super" },
      { op: "get_acls", s: "su", path: `${r}/readonly-digest` },
      { op: "set_acls", s: "su", path: `${r}/ipother`, acl: [acl(31, "world", "anyone")] },
      { op: "get", s: "c", path: `${r}/ipother` },
      { op: "create", s: "su", path: `${r}/super-auth`, acl: [acl(31, "auth", "")] },
      { op: "get_acls", s: "su", path: `${r}/super-auth` },
      { op: "get", s: "c", path: `${r}/super-auth`, expect: { err: "NoAuthError" } },
      { op: "connect", s: "bad" },
      { op: "add_auth", s: "bad", scheme: "digest", cred: "super:wrong" },
      { op: "get", s: "bad", path: `${r}/ipother` },
      { op: "get", s: "bad", path: `${r}/super-auth`, expect: { err: "NoAuthError" } },
    ]);
  });

  scenario("kazoo/acl-exists-needs-no-read", () => {
    const r = "/kz-aclx";
    return run([
      { op: "connect", s: "a" },
      { op: "create", s: "a", path: r },
      { op: "create", s: "a", path: `${r}/none`, acl: [acl(0, "world", "anyone")] },
      { op: "exists", s: "a", path: `${r}/none` },
    ]);
  });

  scenario("kazoo/acl-super-who-am-i", () =>
    run([
      { op: "connect", s: "su" },
      { op: "add_auth", s: "su", scheme: "digest", cred: `super:${SUPER_PASSWORD}` },
      { op: "who_am_i", s: "su" },
    ]),
  );

  scenario("kazoo/sequential-and-ephemeral", () => {
    const r = "/kz-seq";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "create", s: "a", path: r },
      { op: "create", s: "a", path: `${r}/n-`, sequence: true },
      { op: "create", s: "a", path: `${r}/n-`, sequence: true },
      { op: "create", s: "a", path: `${r}/plain` },
      { op: "delete", s: "a", path: `${r}/plain` },
      { op: "create", s: "a", path: `${r}/n-`, sequence: true, include_data: true },
      { op: "create", s: "b", path: `${r}/e-`, sequence: true, ephemeral: true },
      { op: "create", s: "b", path: `${r}/eph`, ephemeral: true, data: "mine" },
      { op: "get", s: "a", path: `${r}/eph` },
      { op: "get", s: "a", path: r },
      { op: "get_ephemerals", s: "b", path: r },
      { op: "get_ephemerals", s: "b", path: `${r}/e` },
      { op: "get_ephemerals", s: "a", path: r },
      { op: "create", s: "a", path: `${r}/sub` },
      { op: "create", s: "a", path: `${r}/sub/`, sequence: true },
      { op: "get_children", s: "a", path: `${r}/sub` },
      { op: "get_all_children_number", s: "a", path: r },
      { op: "exists", s: "a", path: `${r}/eph`, watch: true },
      { op: "close", s: "b" },
      { op: "events", s: "a", count: 1 },
      { op: "get_children", s: "a", path: r },
      { op: "get", s: "a", path: r },
    ]);
  });

  scenario("kazoo/containers-and-ttl", () => {
    const r = "/kz-cont";
    return run([
      { op: "connect", s: "a" },
      { op: "create", s: "a", path: r },
      { op: "create_container", s: "a", path: `${r}/c` },
      { op: "create_container", s: "a", path: `${r}/never` },
      { op: "create", s: "a", path: `${r}/c/kid` },
      { op: "exists", s: "a", path: `${r}/c` },
      { op: "exists", s: "a", path: `${r}/c/kid`, watch: true },
      { op: "get", s: "a", path: `${r}/c`, watch: true },
      { op: "delete", s: "a", path: `${r}/c/kid` },
      { op: "wait_gone", s: "a", path: `${r}/c`, timeout: 15, expect: { ok: true } },
      { op: "events", s: "a", count: 2 },
      { op: "create_ttl", s: "a", path: `${r}/ttl`, ttl: 500 },
      { op: "exists", s: "a", path: `${r}/ttl` },
      { op: "wait_gone", s: "a", path: `${r}/ttl`, timeout: 15, expect: { ok: true } },
      { op: "create_ttl", s: "a", path: `${r}/ttlparent`, ttl: 500 },
      { op: "create", s: "a", path: `${r}/ttlparent/kid` },
      { op: "sleep", ms: 2000 },
      { op: "exists", s: "a", path: `${r}/never` },
      { op: "exists", s: "a", path: `${r}/ttlparent` },
      { op: "delete", s: "a", path: `${r}/ttlparent/kid` },
      { op: "wait_gone", s: "a", path: `${r}/ttlparent`, timeout: 15, expect: { ok: true } },
      { op: "delete", s: "a", path: `${r}/never` },
      { op: "get", s: "a", path: r },
    ]);
  });

  scenario("kazoo/chroot", () => {
    const r = "/kz-chroot";
    return run([
      { op: "connect", s: "root" },
      { op: "create", s: "root", path: r },
      { op: "connect", s: "a", chroot: r },
      { op: "create", s: "a", path: "/x", data: "in chroot" },
      { op: "create", s: "a", path: "/s-", sequence: true },
      { op: "create2", s: "a", path: "/c2" },
      { op: "get", s: "a", path: "/x", watch: true },
      { op: "get_children", s: "a", path: "/", watch: true },
      { op: "get", s: "root", path: `${r}/x` },
      { op: "set", s: "root", path: `${r}/x`, data: "changed" },
      { op: "create", s: "root", path: `${r}/y` },
      { op: "events", s: "a", count: 2 },
      { op: "transaction", s: "a", ops: [{ op: "create", path: "/t" }, { op: "set", path: "/x", data: "t" }, { op: "check", path: "/t", version: 0 }] },
      { op: "sync", s: "a", path: "/x" },
      { op: "exists", s: "a", path: "/zookeeper" },
      { op: "get_ephemerals", s: "a", path: "/" },
      { op: "get_children", s: "root", path: r },
      { op: "add_watch", s: "a", path: "/", mode: 1 },
      { op: "create", s: "root", path: `${r}/z` },
      { op: "events", s: "a", count: 1, settle: 200 },
    ]);
  });

  scenario("kazoo/session-expiry", () => {
    const r = "/kz-expiry";
    return run([
      { op: "connect", s: "a", timeout: 1.0 },
      { op: "connect", s: "b" },
      { op: "create", s: "b", path: r },
      { op: "create", s: "a", path: `${r}/eph`, ephemeral: true },
      { op: "create", s: "a", path: `${r}/es-`, ephemeral: true, sequence: true },
      { op: "exists", s: "b", path: `${r}/eph`, watch: true },
      { op: "get_children", s: "b", path: r, watch: true },
      { op: "drop", s: "a", expect: { ok: true } },
      { op: "events", s: "b", count: 2, timeout: 15 },
      { op: "get_children", s: "b", path: r, expect: { ok: [] } },
      { op: "reconnect", s: "a", expect: { ok: true } },
      { op: "states", s: "a", expect: { ok: ["CONNECTED", "SUSPENDED", "LOST", "CONNECTED"] } },
      { op: "get_children", s: "a", path: r },
      { op: "create", s: "a", path: `${r}/again`, ephemeral: true },
      { op: "get_ephemerals", s: "a", path: r },
    ]);
  }, 90_000);
});
