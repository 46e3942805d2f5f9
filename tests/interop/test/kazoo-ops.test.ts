import { describe } from "vitest";
import { usePair, scenario, diffKazoo, type KStep } from "../src/scenario.js";

const OPEN = [{ perms: 31, scheme: "world", id: "anyone" }];

describe("kazoo: every opcode and every error code", () => {
  const pair = usePair();
  const run = (steps: KStep[]) => diffKazoo(pair(), steps);

  scenario("kazoo/basic-opcodes", () => {
    const r = "/kz-basic";
    return run([
      { op: "connect", s: "a" },
      { op: "create", s: "a", path: r, data: "root", expect: { ok: r } },
      { op: "create", s: "a", path: `${r}/c2`, data: "two", include_data: true },
      { op: "exists", s: "a", path: `${r}/c2` },
      { op: "exists", s: "a", path: `${r}/none`, expect: { ok: null } },
      { op: "get", s: "a", path: r, expect: { ok: { data: "root" } } },
      { op: "set", s: "a", path: r, data: "v1" },
      { op: "set", s: "a", path: r, data: "v2", version: 1 },
      { op: "get", s: "a", path: r },
      { op: "create", s: "a", path: `${r}/c1`, data: "" },
      { op: "get_children", s: "a", path: r, expect: { ok: ["c1", "c2"] } },
      { op: "get_children", s: "a", path: r, include_data: true },
      { op: "get_acls", s: "a", path: r },
      { op: "set_acls", s: "a", path: `${r}/c1`, acl: [{ perms: 1, scheme: "world", id: "anyone" }, { perms: 30, scheme: "ip", id: "127.0.0.1" }] },
      { op: "get_acls", s: "a", path: `${r}/c1` },
      { op: "sync", s: "a", path: r, expect: { ok: r } },
      { op: "delete", s: "a", path: `${r}/c2`, version: 0 },
      { op: "get_children", s: "a", path: r },
      { op: "get", s: "a", path: r },
      { op: "get", s: "a", path: "/zookeeper" },
      { op: "get_children", s: "a", path: "/zookeeper" },
      { op: "get_acls", s: "a", path: "/zookeeper" },
    ]);
  });

  scenario("kazoo/raw-create-opcodes", () => {
    const r = "/kz-raw";
    return run([
      { op: "connect", s: "a" },
      { op: "create_raw", s: "a", path: r, data: "x", flags: 0 },
      { op: "create_raw", s: "a", path: `${r}/e`, flags: 1 },
      { op: "create_raw", s: "a", path: `${r}/s-`, flags: 2 },
      { op: "create_raw", s: "a", path: `${r}/es-`, flags: 3 },
      { op: "create2", s: "a", path: `${r}/p2`, data: "y", flags: 0 },
      { op: "create2", s: "a", path: `${r}/e2`, flags: 1 },
      { op: "create2", s: "a", path: `${r}/s2-`, flags: 2 },
      { op: "create2", s: "a", path: `${r}/c2`, flags: 4 },
      { op: "create_container", s: "a", path: `${r}/cont`, data: "c" },
      { op: "create_ttl", s: "a", path: `${r}/ttl`, ttl: 600000, flags: 5 },
      { op: "create_ttl", s: "a", path: `${r}/ttls-`, ttl: 600000, flags: 6 },
      { op: "create_ttl", s: "a", path: `${r}/ttl0`, ttl: 0, flags: 5, expect: { err: "BadArgumentsError" } },
      { op: "create_ttl", s: "a", path: `${r}/ttlneg`, ttl: -5, flags: 5 },
      { op: "create_ttl", s: "a", path: `${r}/ttlbig`, ttl: 2 ** 40 + 1, flags: 5 },
      { op: "create_ttl", s: "a", path: `${r}/ttlflag0`, ttl: 1000, flags: 0 },
      { op: "create_ttl", s: "a", path: `${r}/ttlflag1`, ttl: 1000, flags: 1 },
      { op: "create_raw", s: "a", path: `${r}/flag5`, flags: 5 },
      { op: "create_raw", s: "a", path: `${r}/flag9`, flags: 9 },
      { op: "create_container", s: "a", path: `${r}/contflag0`, flags: 0 },
      { op: "exists", s: "a", path: `${r}/cont` },
      { op: "exists", s: "a", path: `${r}/ttl` },
      { op: "exists", s: "a", path: `${r}/e` },
      { op: "get_children", s: "a", path: r },
      { op: "get_ephemerals", s: "a", path: r },
      { op: "get_ephemerals", s: "a", path: `${r}/e` },
      { op: "get_ephemerals", s: "a", path: `${r}/none` },
      { op: "get_all_children_number", s: "a", path: r },
      { op: "get_all_children_number", s: "a", path: `${r}/e` },
      { op: "get_all_children_number", s: "a", path: `${r}/none` },
    ]);
  });

  scenario("kazoo/error-codes", () => {
    const r = "/kz-err";
    return run([
      { op: "connect", s: "a" },
      { op: "create", s: "a", path: r },
      { op: "get", s: "a", path: `${r}/none`, expect: { err: "NoNodeError" } },
      { op: "set", s: "a", path: `${r}/none`, data: "x", expect: { err: "NoNodeError" } },
      { op: "delete", s: "a", path: `${r}/none`, expect: { err: "NoNodeError" } },
      { op: "get_children", s: "a", path: `${r}/none`, expect: { err: "NoNodeError" } },
      { op: "get_acls", s: "a", path: `${r}/none`, expect: { err: "NoNodeError" } },
      { op: "set_acls", s: "a", path: `${r}/none`, acl: OPEN, expect: { err: "NoNodeError" } },
      { op: "create", s: "a", path: `${r}/none/child`, expect: { err: "NoNodeError" } },
      { op: "create", s: "a", path: r, expect: { err: "NodeExistsError" } },
      { op: "create", s: "a", path: `${r}/full` },
      { op: "create", s: "a", path: `${r}/full/kid` },
      { op: "delete", s: "a", path: `${r}/full`, expect: { err: "NotEmptyError" } },
      { op: "set", s: "a", path: r, data: "x", version: 7, expect: { err: "BadVersionError" } },
      { op: "delete", s: "a", path: `${r}/full/kid`, version: 3, expect: { err: "BadVersionError" } },
      { op: "set_acls", s: "a", path: r, acl: OPEN, version: 4, expect: { err: "BadVersionError" } },
      { op: "create", s: "a", path: `${r}/eph`, ephemeral: true },
      { op: "create", s: "a", path: `${r}/eph/kid`, expect: { err: "NoChildrenForEphemeralsError" } },
      { op: "create_raw", s: "a", path: `${r}/eph/kid2`, flags: 1, expect: { err: "NoChildrenForEphemeralsError" } },
      { op: "create_raw", s: "a", path: `${r}/noacl`, acl: [], expect: { err: "InvalidACLError" } },
      { op: "create", s: "a", path: `${r}/authacl`, acl: [{ perms: 31, scheme: "auth", id: "" }], expect: { err: "InvalidACLError" } },
      { op: "create", s: "a", path: `${r}/badscheme`, acl: [{ perms: 31, scheme: "nosuch", id: "x" }], expect: { err: "InvalidACLError" } },
      { op: "create", s: "a", path: `${r}/baddigest`, acl: [{ perms: 31, scheme: "digest", id: "nocolon" }], expect: { err: "InvalidACLError" } },
      { op: "create", s: "a", path: `${r}/badip`, acl: [{ perms: 31, scheme: "ip", id: "not-an-ip" }], expect: { err: "InvalidACLError" } },
      { op: "create", s: "a", path: `${r}/badworld`, acl: [{ perms: 31, scheme: "world", id: "someone" }] },
      { op: "set_acls", s: "a", path: r, acl: [], expect: { err: "InvalidACLError" } },
      { op: "create_raw", s: "a", path: `${r}/trailing/`, expect: { err: "NoNodeError" } },
      { op: "create_raw", s: "a", path: `${r}//double`, expect: { err: "NoNodeError" } },
      { op: "create_raw", s: "a", path: `${r}/full/`, expect: { err: "BadArgumentsError" } },
      { op: "create_raw", s: "a", path: `${r}/full/.` },
      { op: "create_raw", s: "a", path: `${r}/full/..` },
      { op: "create_raw", s: "a", path: `${r}/full/\u0000nul` },
      { op: "create_raw", s: "a", path: `${r}/full/x\u0000`, flags: 2 },
      { op: "create_raw", s: "a", path: `${r}/full/\ufff5` },
      { op: "exists", s: "a", path: `${r}/full/` },
      { op: "get", s: "a", path: `${r}/full/./` },
      { op: "set", s: "a", path: `${r}/full/../x`, data: "x" },
      { op: "delete", s: "a", path: `${r}/full/` },
      { op: "create_raw", s: "a", path: `${r}/./dot` },
      { op: "create_raw", s: "a", path: `${r}/../dotdot` },
      { op: "create_raw", s: "a", path: "relative" },
      { op: "create_raw", s: "a", path: `${r}/ctl\u0001` },
      { op: "create_raw", s: "a", path: `${r}/del\u007f` },
      { op: "create_raw", s: "a", path: `${r}/private\ue000` },
      { op: "create_raw", s: "a", path: `${r}/ok\u00e9` },
      { op: "create_raw", s: "a", path: `${r}/seq-/`, flags: 2 },
      { op: "create_raw", s: "a", path: `${r}/`, flags: 2 },
      { op: "delete", s: "a", path: "/zookeeper", expect: { err: "BadArgumentsError" } },
      { op: "delete", s: "a", path: "/zookeeper/quota", expect: { err: "BadArgumentsError" } },
      { op: "delete", s: "a", path: "/zookeeper/config", expect: { err: "BadArgumentsError" } },
      { op: "delete", s: "a", path: "/" },
      { op: "create", s: "a", path: "/zookeeper/mine" },
      { op: "set", s: "a", path: "/zookeeper/config", data: "x" },
      { op: "create", s: "a", path: "/zookeeper" },
      { op: "get_children", s: "a", path: r },
      { op: "reconfig", s: "a", joining: "server.5=127.0.0.1:1234:1235;1236" },
      { op: "reconfig", s: "a", leaving: "1" },
      { op: "check_watches", s: "a", path: r, type: 3, expect: { err: "NoWatcherError" } },
      { op: "remove_watches", s: "a", path: r, type: 1, expect: { err: "NoWatcherError" } },
      { op: "check_watches", s: "a", path: `${r}/none`, type: 2 },
      { op: "add_auth", s: "a", scheme: "nosuchscheme", cred: "x", expect: { err: "AuthFailedError" } },
      { op: "state", s: "a" },
      { op: "get", s: "a", path: r },
    ]);
  });

  scenario("kazoo/multi", () => {
    const r = "/kz-multi";
    return run([
      { op: "connect", s: "a" },
      { op: "create", s: "a", path: r, data: "0" },
      {
        op: "transaction",
        s: "a",
        ops: [
          { op: "create", path: `${r}/a`, data: "A" },
          { op: "create", path: `${r}/s-`, sequence: true },
          { op: "create", path: `${r}/e`, ephemeral: true },
          { op: "set", path: r, data: "1", version: 0 },
          { op: "check", path: r, version: 1 },
          { op: "delete", path: `${r}/a` },
        ],
      },
      { op: "get_children", s: "a", path: r },
      { op: "get", s: "a", path: r },
      {
        op: "transaction",
        s: "a",
        ops: [
          { op: "create", path: `${r}/b` },
          { op: "check", path: r, version: 0 },
          { op: "set", path: r, data: "2" },
        ],
      },
      {
        op: "transaction",
        s: "a",
        ops: [
          { op: "create", path: `${r}/c` },
          { op: "delete", path: `${r}/none` },
          { op: "create", path: `${r}/d` },
        ],
      },
      { op: "transaction", s: "a", ops: [{ op: "create", path: `${r}/x` }, { op: "create", path: `${r}/x` }] },
      { op: "transaction", s: "a", ops: [{ op: "create", path: `${r}/e/kid` }] },
      { op: "transaction", s: "a", ops: [{ op: "create", path: `${r}/noacl`, acl: [] }] },
      { op: "transaction", s: "a", ops: [{ op: "check", path: `${r}/none`, version: 0 }] },
      { op: "transaction", s: "a", ops: [] },
      { op: "get_children", s: "a", path: r },
      { op: "get", s: "a", path: r },
      { op: "multi_read", s: "a", ops: [{ op: "get", path: r }, { op: "children", path: r }, { op: "get", path: `${r}/none` }, { op: "children", path: `${r}/e` }] },
      { op: "multi_read", s: "a", ops: [{ op: "get", path: r }, { op: "children2", path: r }], expect: { err: "MarshallingError" } },
      { op: "create", s: "a", path: `${r}/after` },
      { op: "exists", s: "a", path: `${r}/after` },
    ]);
  });

  scenario("kazoo/who-am-i-and-auth", () => {
    const r = "/kz-who";
    return run([
      { op: "connect", s: "a" },
      { op: "who_am_i", s: "a", expect: { ok: [{ scheme: "ip", user: "127.0.0.1" }] } },
      { op: "add_auth", s: "a", scheme: "digest", cred: "alice:secret" },
      { op: "who_am_i", s: "a" },
      { op: "add_auth", s: "a", scheme: "digest", cred: "bob:pw" },
      { op: "who_am_i", s: "a" },
      { op: "add_auth", s: "a", scheme: "digest", cred: "alice:secret" },
      { op: "who_am_i", s: "a" },
      { op: "connect", s: "b", auth: [["digest", "carol:pw"]] },
      { op: "who_am_i", s: "b" },
      { op: "create", s: "b", path: r, acl: [{ perms: 31, scheme: "auth", id: "" }] },
      { op: "get_acls", s: "b", path: r },
      { op: "get_acls", s: "a", path: r },
      { op: "add_auth", s: "b", scheme: "ip", cred: "127.0.0.1" },
      { op: "who_am_i", s: "b" },
      { op: "connect", s: "c" },
      { op: "add_auth", s: "c", scheme: "world", cred: "anyone" },
      { op: "who_am_i", s: "c" },
      { op: "connect", s: "d" },
      { op: "add_auth", s: "d", scheme: "super", cred: "x" },
      { op: "state", s: "d" },
    ]);
  });
});
