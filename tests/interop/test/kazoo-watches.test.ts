import { describe } from "vitest";
import { usePair, scenario, diffKazoo, type KStep } from "../src/scenario.js";

const NODE_CREATED = 1;
const NODE_DELETED = 2;
const NODE_DATA_CHANGED = 3;
const NODE_CHILDREN_CHANGED = 4;
const ev = (type: number, path: string) => ({ type, state: 3, path });

describe("kazoo: watches of every kind", () => {
  const pair = usePair();
  const run = (steps: KStep[]) => diffKazoo(pair(), steps);

  scenario("kazoo/watch-data-one-shot", () => {
    const r = "/kz-wdata";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "create", s: "a", path: r, data: "0" },
      { op: "create", s: "a", path: `${r}/kid` },
      { op: "get", s: "a", path: r, watch: true },
      { op: "get", s: "a", path: `${r}/kid`, watch: true },
      { op: "set", s: "b", path: r, data: "1" },
      { op: "events", s: "a", count: 1, expect: { ok: [ev(NODE_DATA_CHANGED, r)] } },
      { op: "set", s: "b", path: r, data: "2" },
      { op: "set_acls", s: "b", path: `${r}/kid`, acl: [{ perms: 31, scheme: "world", id: "anyone" }] },
      { op: "sync", s: "a", path: r },
      { op: "events", s: "a", settle: 200, expect: { ok: [] } },
      { op: "delete", s: "b", path: `${r}/kid` },
      { op: "events", s: "a", count: 1 },
      { op: "get", s: "a", path: r, watch: true },
      { op: "get", s: "b", path: r, watch: true },
      { op: "delete", s: "b", path: r },
      { op: "events", s: "a", count: 1 },
      { op: "events", s: "b", count: 1 },
    ]);
  });

  scenario("kazoo/watch-exist", () => {
    const r = "/kz-wexist";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "create", s: "b", path: r },
      { op: "exists", s: "a", path: `${r}/x`, watch: true, expect: { ok: null } },
      { op: "create", s: "b", path: `${r}/x`, data: "new" },
      { op: "events", s: "a", count: 1, expect: { ok: [ev(NODE_CREATED, `${r}/x`)] } },
      { op: "exists", s: "a", path: `${r}/x`, watch: true },
      { op: "set", s: "b", path: `${r}/x`, data: "changed" },
      { op: "events", s: "a", count: 1 },
      { op: "exists", s: "a", path: `${r}/x`, watch: true },
      { op: "delete", s: "b", path: `${r}/x` },
      { op: "events", s: "a", count: 1 },
      { op: "exists", s: "a", path: `${r}/x`, watch: true },
      { op: "transaction", s: "b", ops: [{ op: "create", path: `${r}/x` }, { op: "delete", path: `${r}/x` }] },
      { op: "sync", s: "a", path: r },
      { op: "events", s: "a", count: 1, settle: 300 },
    ]);
  });

  scenario("kazoo/watch-child", () => {
    const r = "/kz-wchild";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "create", s: "b", path: r },
      { op: "get_children", s: "a", path: r, watch: true },
      { op: "create", s: "b", path: `${r}/c1` },
      { op: "events", s: "a", count: 1, expect: { ok: [ev(NODE_CHILDREN_CHANGED, r)] } },
      { op: "get_children", s: "a", path: r, watch: true, include_data: true },
      { op: "set", s: "b", path: `${r}/c1`, data: "x" },
      { op: "set", s: "b", path: r, data: "x" },
      { op: "sync", s: "a", path: r },
      { op: "events", s: "a", settle: 200, expect: { ok: [] } },
      { op: "delete", s: "b", path: `${r}/c1` },
      { op: "events", s: "a", count: 1 },
      { op: "get_children", s: "a", path: r, watch: true },
      { op: "get", s: "a", path: r, watch: true },
      { op: "delete", s: "b", path: r },
      { op: "events", s: "a", count: 1, settle: 200 },
    ]);
  });

  scenario("kazoo/watch-persistent", () => {
    const r = "/kz-wpers";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "add_watch", s: "a", path: r, mode: 0 },
      { op: "create", s: "b", path: r },
      { op: "set", s: "b", path: r, data: "1" },
      { op: "set", s: "b", path: r, data: "2" },
      { op: "create", s: "b", path: `${r}/c` },
      { op: "set", s: "b", path: `${r}/c`, data: "kid" },
      { op: "delete", s: "b", path: `${r}/c` },
      { op: "delete", s: "b", path: r },
      { op: "create", s: "b", path: r },
      { op: "events", s: "a", count: 7, expect: { ok: [ev(NODE_CREATED, r), ev(NODE_DATA_CHANGED, r), ev(NODE_DATA_CHANGED, r), ev(NODE_CHILDREN_CHANGED, r), ev(NODE_CHILDREN_CHANGED, r), ev(NODE_DELETED, r), ev(NODE_CREATED, r)] } },
      { op: "check_watches", s: "a", path: r, type: 3 },
      { op: "check_watches", s: "a", path: r, type: 2 },
      { op: "check_watches", s: "a", path: r, type: 1 },
      { op: "check_watches", s: "a", path: r, type: 4 },
      { op: "remove_watches", s: "a", path: r, type: 1 },
      { op: "set", s: "b", path: r, data: "3" },
      { op: "events", s: "a", count: 1, settle: 200 },
      { op: "remove_watches", s: "a", path: r, type: 3 },
      { op: "set", s: "b", path: r, data: "4" },
      { op: "sync", s: "a", path: r },
      { op: "events", s: "a", settle: 200 },
      { op: "add_watch", s: "a", path: r, mode: 5 },
      { op: "add_watch", s: "a", path: "bad", mode: 0 },
    ]);
  });

  scenario("kazoo/watch-persistent-recursive", () => {
    const r = "/kz-wrec";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "create", s: "b", path: r },
      { op: "add_watch", s: "a", path: r, mode: 1 },
      { op: "create", s: "b", path: `${r}/c` },
      { op: "create", s: "b", path: `${r}/c/d` },
      { op: "set", s: "b", path: `${r}/c/d`, data: "x" },
      { op: "set", s: "b", path: r, data: "x" },
      { op: "delete", s: "b", path: `${r}/c/d` },
      { op: "transaction", s: "b", ops: [{ op: "create", path: `${r}/m1` }, { op: "set", path: `${r}/m1`, data: "y" }] },
      { op: "create", s: "b", path: `${r}-sibling` },
      { op: "events", s: "a", count: 7, settle: 200 },
      { op: "get", s: "a", path: `${r}/c`, watch: true },
      { op: "get_children", s: "a", path: `${r}/c`, watch: true },
      { op: "create", s: "b", path: `${r}/c/e` },
      { op: "events", s: "a", count: 2, settle: 200 },
      { op: "check_watches", s: "a", path: r, type: 3 },
      { op: "check_watches", s: "a", path: `${r}/c`, type: 2 },
      { op: "remove_watches", s: "a", path: r, type: 3 },
      { op: "create", s: "b", path: `${r}/after` },
      { op: "sync", s: "a", path: r },
      { op: "events", s: "a", settle: 200 },
    ]);
  });

  scenario("kazoo/set-watches-replay-after-reconnect", () => {
    const r = "/kz-replay";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "create", s: "b", path: r },
      { op: "create", s: "b", path: `${r}/data`, data: "0" },
      { op: "create", s: "b", path: `${r}/same`, data: "0" },
      { op: "create", s: "b", path: `${r}/gone` },
      { op: "create", s: "b", path: `${r}/kids` },
      { op: "create", s: "b", path: `${r}/quiet` },
      { op: "get", s: "a", path: `${r}/data`, watch: true },
      { op: "get", s: "a", path: `${r}/same`, watch: true },
      { op: "get", s: "a", path: `${r}/gone`, watch: true },
      { op: "exists", s: "a", path: `${r}/born`, watch: true },
      { op: "exists", s: "a", path: `${r}/unborn`, watch: true },
      { op: "get_children", s: "a", path: `${r}/kids`, watch: true },
      { op: "get_children", s: "a", path: `${r}/quiet`, watch: true },
      { op: "mark_zxid", s: "a" },
      { op: "drop", s: "a", expect: { ok: true } },
      { op: "set", s: "b", path: `${r}/data`, data: "1" },
      { op: "delete", s: "b", path: `${r}/gone` },
      { op: "create", s: "b", path: `${r}/born` },
      { op: "create", s: "b", path: `${r}/kids/k` },
      { op: "set", s: "b", path: `${r}/quiet`, data: "data, not children" },
      { op: "reconnect", s: "a", expect: { ok: true } },
      { op: "events", s: "a", settle: 300, expect: { ok: [] } },
      { op: "set_watches_marked", s: "a", data_watches: [`${r}/data`, `${r}/same`, `${r}/gone`], exist_watches: [`${r}/born`, `${r}/unborn`], child_watches: [`${r}/kids`, `${r}/quiet`] },
      { op: "events", s: "a", count: 4, settle: 200 },
      { op: "set", s: "b", path: `${r}/same`, data: "1" },
      { op: "set", s: "b", path: `${r}/kids/k`, data: "x" },
      { op: "create", s: "b", path: `${r}/quiet/q` },
      { op: "create", s: "b", path: `${r}/unborn` },
      { op: "events", s: "a", count: 3, settle: 200 },
      { op: "states", s: "a" },
    ]);
  });

  scenario("kazoo/set-watches2-persistent-replay", () => {
    const r = "/kz-replay2";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "create", s: "b", path: r },
      { op: "create", s: "b", path: `${r}/p`, data: "0" },
      { op: "create", s: "b", path: `${r}/t` },
      { op: "mark_zxid", s: "a" },
      { op: "drop", s: "a" },
      { op: "set", s: "b", path: `${r}/p`, data: "1" },
      { op: "create", s: "b", path: `${r}/t/x` },
      { op: "reconnect", s: "a" },
      { op: "set_watches_marked", s: "a", persistent: [`${r}/p`], recursive: [`${r}/t`] },
      { op: "sync", s: "a", path: r },
      { op: "events", s: "a", settle: 300 },
      { op: "set", s: "b", path: `${r}/p`, data: "2" },
      { op: "set", s: "b", path: `${r}/p`, data: "3" },
      { op: "set", s: "b", path: `${r}/t/x`, data: "y" },
      { op: "events", s: "a", count: 3, settle: 200 },
      { op: "set_watches", s: "a", relative: 0, data_watches: [`${r}/none`], exist_watches: [`${r}/p`], child_watches: [`${r}/none2`] },
      { op: "events", s: "a", count: 2, settle: 200 },
    ]);
  });

  scenario("kazoo/watch-needs-read-permission", () => {
    const r = "/kz-wacl";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b", auth: [["digest", "owner:pw"]] },
      { op: "create", s: "b", path: r },
      { op: "add_watch", s: "a", path: r, mode: 1 },
      { op: "create", s: "b", path: `${r}/secret`, acl: [{ perms: 31, scheme: "auth", id: "" }] },
      { op: "create", s: "b", path: `${r}/public` },
      { op: "set", s: "b", path: `${r}/secret`, data: "x" },
      { op: "events", s: "a", count: 1, settle: 300 },
    ]);
  });
});
