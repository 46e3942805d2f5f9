/**
 * Differential check against the real thing: two zkts election peers and one Apache ZooKeeper 3.8
 * QuorumPeerMain (Debian's zookeeper.jar) elect a leader together over 127.0.0.1. Proves both directions of
 * the handshake, framing and notification format. Skipped when java or the jar is not installed.
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REFERENCE_JAR, SLF4J_SIMPLE_JAR, startJavaQuorumPeer } from "@zkts/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { ServerState } from "../notification.js";
import { QuorumHierarchical, QuorumMaj, type QuorumVerifier } from "../quorum.js";
import { ElectionPeer } from "./election-peer.js";

const haveJava = existsSync(REFERENCE_JAR) && existsSync(SLF4J_SIMPLE_JAR) && spawnSync("java", ["-version"]).status === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** `groups`: group/weight lines, given to both ZooKeeper's zoo.cfg and the zkts peers' QuorumHierarchical. */
async function mixedCluster(javaEpoch: bigint, groups: Record<string, string> = {}) {
  const [q1, e1, q2, e2, q3, e3, client] = await Promise.all(Array.from({ length: 7 }, freePort));
  const servers = {
    "server.1": `127.0.0.1:${q1}:${e1}`,
    "server.2": `127.0.0.1:${q2}:${e2}`,
    "server.3": `127.0.0.1:${q3}:${e3}`,
  };
  const dir = mkdtempSync(join(tmpdir(), "zkts-election-java-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "data");
  mkdirSync(join(data, "version-2"), { recursive: true });
  writeFileSync(join(data, "myid"), "3\n");
  writeFileSync(join(data, "version-2", "currentEpoch"), `${javaEpoch}`);
  writeFileSync(join(data, "version-2", "acceptedEpoch"), `${javaEpoch}`);
  const cfg = Object.entries({ ...servers, ...groups }).map(([k, v]) => `${k}=${v}`).join("\n");
  writeFileSync(
    join(dir, "zoo.cfg"),
    `tickTime=500\ninitLimit=20\nsyncLimit=2\ndataDir=${data}\nclientPort=${client}\nclientPortAddress=127.0.0.1\n` +
      `admin.enableServer=false\n${cfg}\n`,
  );
  const quorum: QuorumVerifier =
    Object.keys(groups).length > 0 ? new QuorumHierarchical({ ...servers, ...groups }) : new QuorumMaj(servers);
  return { quorum, dir };
}

function startJava(dir: string): { proc: ChildProcess; log: () => string } {
  const peer = startJavaQuorumPeer(join(dir, "zoo.cfg"));
  cleanup.push(() => peer.kill());
  return peer;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe.skipIf(!haveJava)("interop with Apache ZooKeeper 3.8 (QuorumPeerMain)", () => {
  /** Java (sid 3) and zkts sid `first` elect together (neither has a quorum alone); the other zkts peer joins later. */
  async function run(javaEpoch: bigint, zk2Epoch: bigint, first: 1 | 2) {
    const { quorum, dir } = await mixedCluster(javaEpoch);
    const peers = [new ElectionPeer({ sid: 1n, quorum }), new ElectionPeer({ sid: 2n, quorum })];
    cleanup.push(...peers.map((p) => () => p.close()));
    for (const p of peers) await p.listen();
    const selfOf = (i: number) => (i === 1 ? { zxid: zk2Epoch << 32n, peerEpoch: zk2Epoch } : { zxid: 0n, peerEpoch: 0n });
    const java = startJava(dir);
    const a = peers[first - 1]!;
    const b = peers[2 - first]!;
    a.lookForLeader(selfOf(first - 1));
    const da = await a.waitForDecision();
    b.lookForLeader(selfOf(2 - first));
    const db = await b.waitForDecision();
    return { da, db, java };
  }

  it("a ZooKeeper server with the best vote is elected and leads; zkts peers follow it", async () => {
    const { da, db, java } = await run(0n, 0n, 1); // equal votes: the highest sid (3, Java) wins
    expect(da).toMatchObject({ state: ServerState.FOLLOWING, via: "quorum" });
    expect(da.vote.leader).toBe(3n);
    expect(await waitFor(() => /LEADING/.test(java.log()), 15_000), java.log()).toBe(true);
    // The late peer learns the leader from the answers of a LEADING ZooKeeper server and a following zkts peer.
    expect(db).toMatchObject({ state: ServerState.FOLLOWING });
    expect(db.vote.leader).toBe(3n);
  }, 40_000);

  it("a zkts peer with a higher epoch is elected; the ZooKeeper server decides to follow it", async () => {
    const { da, db, java } = await run(0n, 1n, 2);
    expect(da).toMatchObject({ state: ServerState.LEADING });
    expect(da.vote).toMatchObject({ leader: 2n, peerEpoch: 1n, zxid: 1n << 32n });
    expect(await waitFor(() => /FOLLOWING/.test(java.log()), 15_000), java.log()).toBe(true);
    expect(db.vote.leader).toBe(2n);
  }, 40_000);

  it("hierarchical quorum (group.1=1:2, group.2=3): the ZooKeeper server and one zkts peer decide nothing; all three elect", async () => {
    // Both groups need a majority: group 1 needs servers 1 and 2, group 2 server 3. {1,3} is a plain majority of
    // 3 but no quorum here, for ZooKeeper as for zkts; the config text each sends in its notifications is parsed by
    // the other (ZooKeeper logs "Something went wrong while processing config" when it cannot).
    const { quorum, dir } = await mixedCluster(0n, { "group.1": "1:2", "group.2": "3" });
    expect(quorum.kind).toBe("hierarchical");
    const peers = [new ElectionPeer({ sid: 1n, quorum }), new ElectionPeer({ sid: 2n, quorum })];
    cleanup.push(...peers.map((p) => () => p.close()));
    for (const p of peers) await p.listen();
    const java = startJava(dir);
    const self = { zxid: 0n, peerEpoch: 0n };
    peers[0]!.lookForLeader(self);
    const first = peers[0]!.waitForDecision();
    let decidedEarly = false;
    void first.then(() => (decidedEarly = true));
    // ZooKeeper has joined the election (it answers with its own notifications) and still nobody decides
    expect(await waitFor(() => /LOOKING/.test(java.log()), 15_000), java.log()).toBe(true);
    await new Promise((r) => setTimeout(r, 4000));
    expect(decidedEarly).toBe(false);
    expect(java.log()).not.toMatch(/LEADING|FOLLOWING/);
    peers[1]!.lookForLeader(self);
    const [d1, d2] = await Promise.all([first, peers[1]!.waitForDecision()]);
    expect(d1.vote.leader).toBe(3n); // equal votes: the highest sid
    expect(d2.vote.leader).toBe(3n);
    expect(await waitFor(() => /LEADING/.test(java.log()), 15_000), java.log()).toBe(true);
    expect(java.log()).not.toContain("Something went wrong while processing config");
  }, 60_000);
});
