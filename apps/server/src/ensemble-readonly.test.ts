import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { fourLetter, referenceAvailable, ZKCLI } from "@zkts/testkit";
import { makeEnsemble, waitFor, type Ensemble } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

const run = promisify(execFile);

async function python(script: string): Promise<string> {
  const { stdout } = await run("/usr/bin/python3", ["-c", script], { timeout: 45_000 });
  return stdout;
}

/** zkCli.sh with `commands` on stdin; its merged output. */
function zkCli(port: number, commands: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(ZKCLI, ["-server", `127.0.0.1:${port}`], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(commands);
  });
}

const isro = (port: number) => fourLetter(port, "isro").then((s) => s.trim(), () => "");

describe("zkts-server ensemble: read-only mode (readonlymode.enabled)", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  it("a member without quorum serves readOnly clients their reads, refuses writes, and returns to normal", async () => {
    e = await makeEnsemble(3, { extra: { "readonlymode.enabled": "true" } });
    const ens = e;
    await Promise.all(ens.members.map((m) => ens.start(m)));
    const leader = await ens.waitStable();
    const [survivor, other] = ens.members.filter((m) => m !== leader) as [typeof leader, typeof leader];
    expect(await isro(survivor.clientPort)).toBe("rw");
    const seeded = await python(`
from kazoo.client import KazooClient
c = KazooClient(hosts="127.0.0.1:${leader.clientPort}", timeout=10)
c.start(timeout=15)
c.create("/ro/a", b"v1", makepath=True)
c.stop()
print("seed-ok")
`);
    expect(seeded).toContain("seed-ok");
    await waitFor(async () => {
      const r = await Client.connect(survivor.clientPort).then(
        async ({ c }) => {
          const g = await c.get("/ro/a");
          c.close();
          return g.err === 0;
        },
        () => false,
      );
      return r;
    }, 5000, "/ro/a on the survivor");

    await ens.kill(leader);
    await ens.kill(other);
    await waitFor(async () => (await isro(survivor.clientPort)) === "ro", 15_000, "isro to answer ro");
    expect(await ens.mode(survivor)).toBe("read"); // srvr: "Mode: read-only"
    // a client that did not ask for readOnly is refused as before
    await expect(Client.connect(survivor.clientPort)).rejects.toThrow();
    const ro = await python(`
from kazoo.client import KazooClient
from kazoo.exceptions import NotReadOnlyCallError
from kazoo.protocol.states import KeeperState
c = KazooClient(hosts="127.0.0.1:${survivor.clientPort}", read_only=True, timeout=10)
c.start(timeout=15)
assert c.client_state == KeeperState.CONNECTED_RO, c.client_state
data, stat = c.get("/ro/a")
assert data == b"v1", data
assert c.get_children("/ro") == ["a"]
assert c.exists("/ro/none") is None
try:
    c.create("/ro/b", b"x")
    raise SystemExit("create succeeded in read-only mode")
except NotReadOnlyCallError:
    pass
try:
    c.set("/ro/a", b"v2")
    raise SystemExit("set succeeded in read-only mode")
except NotReadOnlyCallError:
    pass
c.stop()
print("ro-ok")
`);
    expect(ro).toContain("ro-ok");

    await ens.start(leader);
    await ens.start(other);
    await ens.waitStable();
    expect(await isro(survivor.clientPort)).toBe("rw");
    const rw = await python(`
from kazoo.client import KazooClient
c = KazooClient(hosts="127.0.0.1:${survivor.clientPort}", timeout=10)
c.start(timeout=15)
assert c.get("/ro/a")[0] == b"v1"
assert not c.exists("/ro/b")
c.create("/ro/b", b"x")
c.set("/ro/a", b"v2")
assert c.get("/ro/a")[0] == b"v2"
c.stop()
print("rw-ok")
`);
    expect(rw).toContain("rw-ok");
  }, 90_000);
});

describe.skipIf(!referenceAvailable())("zkts-server ensemble: zkCli.sh and kazoo on different members", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    await e?.stopAll();
  });

  it("see the same data", async () => {
    e = await makeEnsemble(3);
    const ens = e;
    await Promise.all(ens.members.map((m) => ens.start(m)));
    await ens.waitStable();
    const [a, b] = ens.members as [(typeof ens.members)[0], (typeof ens.members)[0]];
    const first = await zkCli(a.clientPort, "create /mixed from-cli\ncreate /mixed/c1 one\nget /mixed\nquit\n");
    expect(first).toContain("Created /mixed/c1");
    const kz = await python(`
from kazoo.client import KazooClient
c = KazooClient(hosts="127.0.0.1:${b.clientPort}", timeout=10)
c.start(timeout=15)
c.sync("/mixed")
assert c.get("/mixed")[0] == b"from-cli", c.get("/mixed")
assert c.get("/mixed/c1")[0] == b"one"
c.create("/mixed/c2", b"from-kazoo")
c.set("/mixed/c1", b"uno")
c.stop()
print("kazoo-ok")
`);
    expect(kz).toContain("kazoo-ok");
    const second = await zkCli(a.clientPort, "sync /mixed\nls /mixed\nget /mixed/c2\nget /mixed/c1\nquit\n");
    expect(second).toContain("[c1, c2]");
    expect(second).toMatch(/^from-kazoo$/m);
    expect(second).toMatch(/^uno$/m);
  }, 120_000);
});
