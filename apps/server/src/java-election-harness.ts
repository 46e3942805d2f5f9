/**
 * Test support for the quorum TLS / quorum SASL interop tests: one Apache ZooKeeper 3.8 QuorumPeerMain (sid 3)
 * and two zkts election peers (sids 1 and 2) on free ports, the Java member's zoo.cfg given the security keys
 * under test, the zkts peers given the matching sockets / authentication.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ElectionPeer, QuorumMaj, type Decision, type ElectionPeerComponents } from "@zkts/election";
import { freePort, startJavaQuorumPeer } from "@zkts/testkit";

export interface JavaElectionHarness {
  /** Closers run (in reverse) after each test. */
  readonly cleanup: Array<() => Promise<void> | void>;
  /** Ports, the Java member's data dir (its epoch files at `javaEpoch`) and zoo.cfg; the quorum the zkts peers use. */
  mixedCluster(javaEpoch: bigint): Promise<{ quorum: QuorumMaj; jdir: string }>;
  startJava(jdir: string): { log: () => string };
  /**
   * Java (sid 3) and zkts sid `first` elect together; the other zkts peer joins later. `components(i)` gives zkts
   * peer i (0: sid 1, 1: sid 2) its sockets / auth; zkts sid 2 starts at epoch `zk2Epoch`.
   */
  run(javaEpoch: bigint, zk2Epoch: bigint, first: 1 | 2, components: (i: number) => ElectionPeerComponents): Promise<{ da: Decision; db: Decision; java: { log: () => string } }>;
}

export function javaElectionHarness(opts: {
  /** The directory everything goes under (read when the cluster is made). */
  dir: () => string;
  /** The zoo.cfg keys under test (sslQuorum..., quorum.auth...). */
  javaConfig: () => Record<string, string>;
  /** Written into the Java member's directory first (a JAAS file); JVM arguments for it. */
  prepareJava?: (jdir: string) => string[];
}): JavaElectionHarness {
  const cleanup: Array<() => Promise<void> | void> = [];
  const jvmArgs = new Map<string, string[]>();
  const h: JavaElectionHarness = {
    cleanup,
    async mixedCluster(javaEpoch) {
      const [q1, e1, q2, e2, q3, e3, client] = await Promise.all(Array.from({ length: 7 }, () => freePort()));
      const servers = { "server.1": `127.0.0.1:${q1}:${e1}`, "server.2": `127.0.0.1:${q2}:${e2}`, "server.3": `127.0.0.1:${q3}:${e3}` };
      const jdir = mkdtempSync(join(opts.dir(), "java-"));
      const data = join(jdir, "data");
      mkdirSync(join(data, "version-2"), { recursive: true });
      writeFileSync(join(data, "myid"), "3\n");
      writeFileSync(join(data, "version-2", "currentEpoch"), `${javaEpoch}`);
      writeFileSync(join(data, "version-2", "acceptedEpoch"), `${javaEpoch}`);
      jvmArgs.set(jdir, opts.prepareJava?.(jdir) ?? []);
      const cfg = Object.entries({ ...servers, ...opts.javaConfig() }).map(([k, v]) => `${k}=${v}`).join("\n");
      writeFileSync(
        join(jdir, "zoo.cfg"),
        `tickTime=500\ninitLimit=20\nsyncLimit=2\ndataDir=${data}\nclientPort=${client}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n${cfg}\n`,
      );
      return { quorum: new QuorumMaj(servers), jdir };
    },
    startJava(jdir) {
      const peer = startJavaQuorumPeer(join(jdir, "zoo.cfg"), jvmArgs.get(jdir) ?? []);
      cleanup.push(() => peer.kill());
      return peer;
    },
    async run(javaEpoch, zk2Epoch, first, components) {
      const { quorum, jdir } = await h.mixedCluster(javaEpoch);
      const peers = [new ElectionPeer({ sid: 1n, quorum }, components(0)), new ElectionPeer({ sid: 2n, quorum }, components(1))];
      cleanup.push(...peers.map((p) => () => p.close()));
      for (const p of peers) await p.listen();
      const selfOf = (i: number) => (i === 1 ? { zxid: zk2Epoch << 32n, peerEpoch: zk2Epoch } : { zxid: 0n, peerEpoch: 0n });
      const java = h.startJava(jdir);
      const a = peers[first - 1]!;
      const b = peers[2 - first]!;
      a.lookForLeader(selfOf(first - 1));
      const da = await a.waitForDecision();
      b.lookForLeader(selfOf(2 - first));
      const db = await b.waitForDecision();
      return { da, db, java };
    },
  };
  return h;
}

/** Polls `cond` every 50 ms for up to `ms`; its last answer. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}
