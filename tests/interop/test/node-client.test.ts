import { describe, expect } from "vitest";
import { usePair, scenario } from "../src/scenario.js";
import { runNodeClient, type NStep } from "../src/node-client.js";
import { Normaliser } from "../src/normalise.js";

describe("node-zookeeper-client", () => {
  const pair = usePair();
  const run = async (steps: NStep[], expectRef: Record<number, unknown> = {}) => {
    const p = pair();
    const [ref, sub] = await Promise.all([runNodeClient(p.reference.port, steps), runNodeClient(p.subject.port, steps)]);
    const label = (rs: unknown[]) => new Normaliser().json(rs.map((r, i) => ({ step: i, op: steps[i]!.op, result: r }))) as unknown[];
    const nref = label(ref);
    for (const [i, want] of Object.entries(expectRef)) expect(nref[Number(i)]).toMatchObject({ result: want });
    expect(label(sub)).toEqual(nref);
  };

  scenario("node/ops-errors-multi", () => {
    const r = "/nd-ops";
    return run(
      [
        { op: "connect", s: "a" },
        { op: "create", s: "a", path: r, data: "root" },
        { op: "create", s: "a", path: `${r}/s-`, mode: 2 },
        { op: "create", s: "a", path: `${r}/e`, mode: 1 },
        { op: "create", s: "a", path: r },
        { op: "exists", s: "a", path: `${r}/e` },
        { op: "exists", s: "a", path: `${r}/none` },
        { op: "getData", s: "a", path: r },
        { op: "setData", s: "a", path: r, data: "v1", version: 0 },
        { op: "setData", s: "a", path: r, data: "v2", version: 0 },
        { op: "getChildren", s: "a", path: r },
        { op: "getACL", s: "a", path: r },
        { op: "setACL", s: "a", path: `${r}/s-0000000000`, acl: [{ perms: 1, scheme: "world", id: "anyone" }] },
        { op: "setData", s: "a", path: `${r}/s-0000000000`, data: "no" },
        { op: "remove", s: "a", path: r },
        { op: "remove", s: "a", path: `${r}/none` },
        { op: "create", s: "a", path: `${r}/e/kid` },
        { op: "transaction", s: "a", ops: [{ op: "create", path: `${r}/t` }, { op: "setData", path: r, data: "t" }, { op: "check", path: r, version: 2 }] },
        { op: "transaction", s: "a", ops: [{ op: "create", path: `${r}/u` }, { op: "check", path: r, version: 0 }] },
        { op: "addAuth", s: "a", scheme: "digest", cred: "alice:secret" },
        { op: "create", s: "a", path: `${r}/mine`, acl: [{ perms: 31, scheme: "auth", id: "" }] },
        { op: "getACL", s: "a", path: `${r}/mine` },
        { op: "connect", s: "b" },
        { op: "getData", s: "b", path: `${r}/mine` },
        { op: "getData", s: "b", path: `${r}/e` },
      ],
      { 4: { err: "NODE_EXISTS" }, 9: { err: "BAD_VERSION" }, 23: { err: "NO_AUTH" } },
    );
  });

  scenario("node/watches-and-set-watches-on-reconnect", () => {
    const r = "/nd-watch";
    return run([
      { op: "connect", s: "a" },
      { op: "connect", s: "b" },
      { op: "create", s: "b", path: r },
      { op: "create", s: "b", path: `${r}/d`, data: "0" },
      { op: "create", s: "b", path: `${r}/gone` },
      { op: "getData", s: "a", path: `${r}/d`, watch: true },
      { op: "exists", s: "a", path: `${r}/born`, watch: true },
      { op: "getChildren", s: "a", path: r, watch: true },
      { op: "getData", s: "a", path: `${r}/gone`, watch: true },
      { op: "cut", s: "a" },
      { op: "setData", s: "b", path: `${r}/d`, data: "1" },
      { op: "create", s: "b", path: `${r}/born` },
      { op: "remove", s: "b", path: `${r}/gone` },
      { op: "resume", s: "a" },
      { op: "events", s: "a", count: 4, settle: 200 },
      { op: "getData", s: "a", path: `${r}/d`, watch: true },
      { op: "setData", s: "b", path: `${r}/d`, data: "2" },
      { op: "setData", s: "b", path: `${r}/d`, data: "3" },
      { op: "events", s: "a", count: 1, settle: 200 },
    ]);
  });
});
