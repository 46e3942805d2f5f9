/**
 * CPU per txn of ZAB's broadcast alone: a leader and two followers in memory (instant network and disk, no host),
 * each round proposing a batch of txns and running every Ready until all are committed on every peer. Prints the
 * process's CPU time (user + system) per txn over the measured rounds.
 *
 *   npx tsx packages/zab/scripts/broadcast-bench.ts                       # this tree
 *   npx tsx packages/zab/scripts/broadcast-bench.ts --src /other/worktree/packages/zab/src   # another tree's zab
 *   options: --batch N (txns per round, 100) --rounds N (5000) --warmup N (2000) --size BYTES (230)
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Packet, ZabPeer as ZabPeerType, ZabQuorum } from "../src/index.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const srcIdx = args.indexOf("--src");
const src = srcIdx >= 0 ? args[srcIdx + 1]! : fileURLToPath(new URL("../src", import.meta.url));
const { ZabPeer } = (await import(pathToFileURL(`${src}/peer.ts`).href)) as { ZabPeer: typeof ZabPeerType };

const batch = opt("batch", 100);
const rounds = opt("rounds", 5000);
const warmup = opt("warmup", 2000);
const data = Buffer.alloc(opt("size", 230), 1);

const voting = new Map<bigint, true>([
  [1n, true],
  [2n, true],
  [3n, true],
]);
const quorum: ZabQuorum = {
  votingMembers: voting,
  containsQuorum(sids) {
    let k = 0;
    for (const s of sids instanceof Set ? (sids as Set<bigint>) : new Set(sids)) if (voting.has(s)) k++;
    return 2 * k > voting.size;
  },
};
const peers = new Map<bigint, ZabPeerType>();
for (const sid of voting.keys()) {
  peers.set(sid, new ZabPeer({ sid, quorum, initLimit: 10, syncLimit: 5, maxDiffTxns: 500 }, { acceptedEpoch: 0n, currentEpoch: 0n, snapshotZxid: 0n, log: [] }, {}));
}
const conns = new Map<number, { learner: bigint; leader: bigint }>();
let nextConn = 1;

/** Runs every Ready (persisted at once) and delivers every message, until nothing moves. */
function settle(): void {
  for (let guard = 0; guard < 1_000_000; guard++) {
    let moved = false;
    for (const [sid, p] of peers) {
      if (!p.hasReady()) continue;
      moved = true;
      const rd = p.ready();
      const out: { conn: number; packet: Packet }[] = [];
      for (const m of rd.early) if ("packet" in m) out.push(m);
      for (const m of rd.messages) if ("packet" in m) out.push(m);
      if (rd.connect !== undefined) {
        const conn = nextConn++;
        conns.set(conn, { learner: sid, leader: rd.connect });
        peers.get(rd.connect)!.accepted(conn);
        p.connected(conn);
      }
      p.advance();
      for (const m of out) {
        const c = conns.get(m.conn)!;
        peers.get(c.leader === sid ? c.learner : c.leader)!.step(m.conn, m.packet);
      }
    }
    if (!moved) return;
  }
  throw new Error("the cluster did not settle");
}

peers.get(1n)!.lead();
peers.get(2n)!.follow(1n);
peers.get(3n)!.follow(1n);
settle();
const leader = peers.get(1n)!;
if (!leader.isActiveLeader) throw new Error("no active leader");
const round = () => {
  for (let i = 0; i < batch; i++) leader.propose(data);
  settle();
};
for (let i = 0; i < warmup; i++) round();
const before = leader.commitZxid;
const t0 = process.cpuUsage();
for (let i = 0; i < rounds; i++) round();
const t = process.cpuUsage(t0);
const txns = Number(leader.commitZxid - before);
if (txns !== rounds * batch) throw new Error(`committed ${txns} txns, expected ${rounds * batch}`);
for (const p of peers.values()) if (p.commitZxid !== leader.commitZxid) throw new Error("a follower is behind");
console.log(`${src}: ${(((t.user + t.system) * 1000) / txns).toFixed(0)} ns CPU per txn (leader + 2 followers, batches of ${batch}, ${txns} txns)`);
