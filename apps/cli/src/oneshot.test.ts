/**
 * One-shot mode (`zkcli -server h:p cmd args`): output, exit codes and --json documents, against zkts; and
 * export/import of a subtree: exported from Apache ZooKeeper 3.8, imported into zkts, trees compared.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, Perms, type ZooKeeperClient } from "@zkts/client";
import {
  freePort,
  referenceAvailable,
  startReferenceZooKeeper,
  startZkts,
  ZKCLI,
  type ReferenceZooKeeper,
  type ZktsServer,
} from "@zkts/testkit";
import { readDump } from "./tree-dump.js";
import { run, zkcli } from "./test-helpers.js";

let zkts: ZktsServer;
let dir: string;
beforeAll(async () => {
  zkts = await startZkts({ config: { extendedTypesEnabled: "true" } });
  dir = mkdtempSync(join(tmpdir(), "zkcli-test-"));
}, 60_000);
afterAll(async () => {
  await zkts?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const json = (out: string) =>
  out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { command: string; ok: boolean; result?: any; error?: any });

describe("one-shot mode", () => {
  it("runs one command, prints only its output and exits 0", async () => {
    const s = zkts.connectString;
    let r = await zkcli(["-server", s, "create", "/one", "data"]);
    expect(r).toMatchObject({ code: 0, out: "", err: "Created /one\n" });
    r = await zkcli(["-server", s, "create", "/one/two"]);
    expect(r.code).toBe(0);
    r = await zkcli(["-server", s, "ls", "-R", "/one"]);
    expect(r).toMatchObject({ code: 0, out: "/one\n/one/two\n", err: "" });
    r = await zkcli(["-server", s, "get", "/one"]);
    expect(r).toMatchObject({ code: 0, out: "data\n" });
  });

  it("exits 1 on a failed command and 127 on an unknown one", async () => {
    const s = zkts.connectString;
    let r = await zkcli(["-server", s, "get", "/missing"]);
    expect(r).toMatchObject({ code: 1, out: "", err: "Node does not exist: /missing\n" });
    r = await zkcli(["-server", s, "delete", "/one"]);
    expect(r).toMatchObject({ code: 1, err: "Node not empty: /one\n" });
    r = await zkcli(["-server", s, "ls", "relative"]);
    expect(r).toMatchObject({ code: 1, err: "Path must start with / character\n" });
    r = await zkcli(["-server", s, "frobnicate"]);
    expect(r.code).toBe(127);
    expect(r.err).toContain("Command not found: Command not found frobnicate\n");
  });

  it("exits 1 with ConnectionLoss when the server cannot be reached within -timeout", async () => {
    const port = await freePort(); // nothing listens there
    const r = await zkcli(["-server", `127.0.0.1:${port}`, "-timeout", "1500", "ls", "/"], "", { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.err).toBe(`Cannot connect to 127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port})\nKeeperErrorCode = ConnectionLoss for /\n`);
    const w = await zkcli(["-server", `127.0.0.1:${port}`, "-timeout", "1000", "-waitforconnection", "ls", "/"], "", { timeoutMs: 20_000 });
    expect(w).toMatchObject({ code: 1, err: "KeeperErrorCode = ConnectionLoss\n" });
  });

  it("fails fast on a refused port or an unresolvable host, without waiting for the session timeout", async () => {
    const port = await freePort(); // nothing listens there
    // Default -timeout is 30000 ms; zkCli.sh gives up on the first failed connection attempt, so does zkcli.
    let t0 = Date.now();
    const refused = await zkcli(["-server", `127.0.0.1:${port}`, "get", "/a"], "", { timeoutMs: 20_000 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(refused).toMatchObject({
      code: 1,
      out: "",
      err: `Cannot connect to 127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port})\nKeeperErrorCode = ConnectionLoss for /a\n`,
    });
    t0 = Date.now();
    const unresolvable = await zkcli(["-server", "no-such-host.invalid:2181", "ls", "/"], "", { timeoutMs: 20_000 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(unresolvable.code).toBe(1);
    expect(unresolvable.err).toMatch(/^Cannot connect to no-such-host\.invalid:2181 \(getaddrinfo \w+ no-such-host\.invalid\)\nKeeperErrorCode = ConnectionLoss for \/\n$/);
    // Every host of the list is tried once before giving up; a live one among dead ones serves the command.
    const mixed = await zkcli(["-server", `127.0.0.1:${port},no-such-host.invalid:2181,${zkts.connectString}`, "ls", "/"], "", {
      timeoutMs: 20_000,
    });
    expect(mixed).toMatchObject({ code: 0, err: "" });
    expect(mixed.out).toContain("zookeeper");
    // --json: the failure is a document naming why.
    const j = await zkcli(["--json", "-server", `127.0.0.1:${port}`, "ls", "/"], "", { timeoutMs: 20_000 });
    expect(j.code).toBe(1);
    expect(json(j.out)).toEqual([
      {
        command: "ls",
        ok: false,
        error: { message: "KeeperErrorCode = ConnectionLoss for /", exitCode: 1, code: "CONNECTIONLOSS", unreachable: `127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port})` },
      },
    ]);
  });

  it.skipIf(!referenceAvailable())("zkCli.sh also exits 1 with ConnectionLoss on a refused port and an unresolvable host", async () => {
    const port = await freePort();
    for (const server of [`127.0.0.1:${port}`, "no-such-host.invalid:2181"]) {
      const java = await run([ZKCLI, "-server", server, "ls", "/"], "", { merge: true, timeoutMs: 60_000 });
      expect(java.code).toBe(1);
      expect(java.out).toContain("KeeperErrorCode = ConnectionLoss for /\n");
    }
  }, 120_000);

  it("honours a chroot in -server", async () => {
    const r = await zkcli(["-server", `${zkts.connectString}/one`, "ls", "/"]);
    expect(r).toMatchObject({ code: 0, out: "[two]\n" });
  });

  it("--json: one document per command with the documented shapes", async () => {
    const s = zkts.connectString;
    const J = async (...args: string[]) => {
      const r = await zkcli(["--json", "-server", s, ...args]);
      const docs = json(r.out);
      expect(docs).toHaveLength(1);
      expect(r.err).toBe("");
      return { code: r.code, doc: docs[0]! };
    };
    let { code, doc } = await J("create", "-e", "/j", "v");
    expect(code).toBe(0);
    expect(doc).toEqual({ command: "create", ok: true, result: { path: "/j" } });
    ({ doc } = await J("ls", "/one"));
    expect(doc).toEqual({ command: "ls", ok: true, result: { children: ["two"] } });
    ({ doc } = await J("get", "-s", "/one"));
    expect(doc.result.data).toBe("data");
    expect(doc.result.stat).toMatchObject({ version: 0, numChildren: 1, dataLength: 4, ephemeralOwner: "0x0" });
    expect(doc.result.stat.czxid).toMatch(/^0x[0-9a-f]+$/);
    expect(typeof doc.result.stat.ctime).toBe("number");
    ({ doc } = await J("getAcl", "/one"));
    expect(doc.result.acl).toEqual([{ scheme: "world", id: "anyone", perms: "cdrwa" }]);
    ({ doc } = await J("ls", "-R", "/one"));
    expect(doc.result).toEqual({ paths: ["/one", "/one/two"] });
    ({ doc } = await J("getAllChildrenNumber", "/one"));
    expect(doc.result).toEqual({ count: 1 });
    ({ doc } = await J("stat", "/one/two"));
    expect(doc.result.stat.numChildren).toBe(0);
    ({ doc } = await J("whoami"));
    expect(doc.result).toEqual({ identities: [{ scheme: "ip", user: "127.0.0.1" }] });
    ({ code, doc } = await J("get", "/nope"));
    expect(code).toBe(1);
    expect(doc).toEqual({ command: "get", ok: false, error: { message: "Node does not exist: /nope", exitCode: 1, code: "NONODE" } });
    ({ code, doc } = await J("set", "-v", "7", "/one", "x"));
    expect(code).toBe(1);
    expect(doc.error.code).toBe("BADVERSION");
  });

  it("--json on stdin: one document per line, events as {event}", async () => {
    const r = await zkcli(["--json", "-server", zkts.connectString], "sync /\nget -w /one\nset /one d2\nsync /\nfoo\n");
    const docs = json(r.out) as any[];
    expect(docs.map((d) => d.command ?? "event")).toEqual(["event", "sync", "get", "event", "set", "sync", "foo"]);
    expect(docs[0].event).toEqual({ state: "SyncConnected", type: "None", path: null });
    expect(docs[3].event).toEqual({ state: "SyncConnected", type: "NodeDataChanged", path: "/one" });
    expect(docs[6]).toMatchObject({ ok: false, error: { exitCode: 127 } });
    expect(r.code).toBe(127);
  });
});

describe.skipIf(!referenceAvailable())("export / import", () => {
  let reference: ReferenceZooKeeper;
  let ref: ZooKeeperClient;
  let ours: ZooKeeperClient;
  beforeAll(async () => {
    reference = await startReferenceZooKeeper({ config: { extendedTypesEnabled: "true" } });
    ref = await connect(reference.connectString);
    ours = await connect(zkts.connectString);
  }, 90_000);
  afterAll(async () => {
    await ref?.close();
    await ours?.close();
    await reference?.stop();
  });

  type Node = { path: string; data: string | null; acl: string; kind: string };
  async function tree(c: ZooKeeperClient, root: string, rel: string): Promise<Node[]> {
    const out: Node[] = [];
    const walk = async (p: string) => {
      const [{ data, stat }, { acl }] = await Promise.all([c.getData(p), c.getACL(p)]);
      const owner = BigInt.asUintN(64, stat.ephemeralOwner);
      const kind = owner === 0n ? "persistent" : owner === 0x8000000000000000n ? "container" : owner >> 56n === 0xffn ? `ttl` : "ephemeral";
      out.push({
        path: rel + p.slice(root.length),
        data: data === null ? null : data.toString("base64"),
        acl: acl.map((a) => `${a.id.scheme}:${a.id.id}:${a.perms}`).join(","),
        kind,
      });
      for (const ch of (await c.getChildren(p)).sort()) await walk(`${p}/${ch}`);
    };
    await walk(root);
    return out;
  }

  it("exports a subtree from Apache ZooKeeper and imports it into zkts: same data, ACLs and create modes", async () => {
    await ref.create("/app", "root");
    await ref.create("/app/empty", Buffer.alloc(0));
    await ref.create("/app/null", null);
    await ref.create("/app/bin", Buffer.from([0, 1, 2, 255, 254]));
    await ref.create("/app/cfg", "x", { acl: [{ perms: Perms.READ | Perms.ADMIN, id: { scheme: "world", id: "anyone" } }] });
    await ref.create("/app/deep", "d");
    await ref.create("/app/deep/er", "e");
    await ref.create("/app/deep/er/est", "f");
    await ref.create("/app/box", null, { mode: "container" });
    await ref.create("/app/box/item", "i");
    await ref.create("/app/ttl", "t", { mode: "persistentWithTTL", ttl: 60_000 });
    const eph = await connect(reference.connectString);
    await eph.create("/app/lock", "me", { mode: "ephemeral" });

    const file = join(dir, "app.zkdump");
    const ex = await zkcli(["-server", reference.connectString, "export", "/app", file]);
    expect(ex).toMatchObject({ code: 0, out: `Exported 12 node(s) of /app to ${file}\n` });
    await eph.close();

    const dump = await readDump(file);
    expect(dump.root).toBe("/app");
    expect(dump.nodes.map((n) => n.path)).toContain("/app/lock");

    const im = await zkcli(["-server", zkts.connectString, "import", file, "/copy/app"]);
    expect(im.err).toBe("Skipped ephemeral node /copy/app/lock\n");
    expect(im).toMatchObject({ code: 0, out: `Imported 11 node(s) from ${file} to /copy/app (11 created, 0 updated)\n` });

    const want = (await tree(ref, "/app", "")).filter((n) => n.path !== "/lock");
    expect(await tree(ours, "/copy/app", "")).toEqual(want);
    // ZooKeeper reports ephemeralOwner 0 to clients for container and TTL nodes (getClientEphemeralOwner), so a
    // client-side export sees them as persistent; only ephemerals are recognisable (and skipped).
    expect(want.find((n) => n.path === "/ttl")?.kind).toBe("persistent");
    expect(want.find((n) => n.path === "/box")?.kind).toBe("persistent");

    // Importing again updates in place (data and ACLs), creating nothing.
    await ours.setData("/copy/app/deep", "changed");
    const again = await zkcli(["--json", "-server", zkts.connectString, "import", file, "/copy/app"]);
    expect(json(again.out)[0]!.result).toMatchObject({ created: 0, updated: 11, skipped: ["/copy/app/lock"] });
    expect((await ours.getData("/copy/app/deep")).data?.toString()).toBe("d");
  }, 90_000);

  it("fails cleanly on a missing root and on a damaged file", async () => {
    const file = join(dir, "none.zkdump");
    const r = await zkcli(["-server", reference.connectString, "export", "/does-not-exist", file]);
    expect(r).toMatchObject({ code: 1, err: "Node does not exist: /does-not-exist\n" });
    const bad = join(dir, "bad.zkdump");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(bad, "not a dump at all, but long enough to have a trailer........................");
    const i = await zkcli(["-server", zkts.connectString, "import", bad, "/x"]);
    expect(i.code).toBe(1);
    expect(i.err).not.toBe("");
  });
});
