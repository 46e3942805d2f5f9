/**
 * The ensemble's durable store under load, with real processes: a 3-member ensemble with snapCount=1000 and autopurge
 * (snapRetainCount=3, run every 2 s through zkts.autopurge.purgeIntervalMs) takes 50,000 pipelined writes; every
 * member then holds several log files and snapshots, older ones purged, and restores to the same tree digest.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fourLetter } from "@zkts/testkit";
import { DataTree } from "@zkts/datatree";
import { NodeStorage, restoreDatabase } from "@zkts/persistence";
import { makeEnsemble, waitFor, type Ensemble, type Member } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

const WRITES = 50_000;
const WINDOW = 400; // requests in flight per client

function mntrOf(text: string): Map<string, string> {
  return new Map(text.split("\n").filter(Boolean).map((l) => l.split("\t") as [string, string]));
}

function filesOf(m: Member): { logs: bigint[]; snaps: bigint[] } {
  const names = readdirSync(join(m.dir, "version-2"));
  const zx = (prefix: string) =>
    names
      .filter((n) => n.startsWith(prefix))
      .map((n) => BigInt(`0x${n.slice(prefix.length)}`))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { logs: zx("log."), snaps: zx("snapshot.") };
}

/** JSON log records of a member's process with this message. */
function records(m: Member, msg: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of m.proc?.output().split("\n") ?? []) {
    if (!line.includes(msg)) continue;
    try {
      const r = JSON.parse(line) as Record<string, unknown>;
      if (r.msg === msg) out.push(r);
    } catch {
      // a partial line
    }
  }
  return out;
}

/** Writes /s/0 .. /s/(n-1) through clients on every member, `WINDOW` requests in flight on each. */
async function pipelinedCreates(ports: number[], n: number): Promise<void> {
  const clients = await Promise.all(ports.map(async (p) => (await Client.connect(p)).c));
  let next = 0;
  await Promise.all(
    clients.map(async (c) => {
      const lane = async () => {
        for (;;) {
          const i = next++;
          if (i >= n) return;
          const r = await c.create(`/s/${i}`, `v${i}`);
          if (r.err !== 0) throw new Error(`create /s/${i}: ${r.err}`);
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, lane));
    }),
  );
  for (const c of clients) c.close();
}

describe("ensemble durable store: log roll, randomised snapshots, autopurge (3 real processes)", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of e?.members ?? []) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await e?.stopAll();
  });

  it(`${WRITES} writes with snapCount=1000: logs rolled, snapshots taken and purged on every member, same digest after restart`, async () => {
    e = await makeEnsemble(3, {
      extra: {
        snapCount: "1000",
        "autopurge.snapRetainCount": "3",
        "autopurge.purgeInterval": "1",
        "zkts.autopurge.purgeIntervalMs": "2000",
        globalOutstandingLimit: "5000",
      },
    });
    await Promise.all(e.members.map((m) => e!.start(m)));
    await e.waitStable();
    const ports = e.members.map((m) => m.clientPort);
    {
      const { c } = await Client.connect(ports[0]!);
      expect((await c.create("/s", "")).err).toBe(0);
      c.close();
    }
    const t0 = Date.now();
    await pipelinedCreates(ports, WRITES);
    const writeMs = Date.now() - t0;
    console.log(`${WRITES} pipelined creates through 3 members: ${writeMs} ms`);

    // every member has applied every write
    const counts = async () => Promise.all(e!.members.map(async (m) => Number(mntrOf(await fourLetter(m.clientPort, "mntr")).get("zk_znode_count"))));
    let before: number[] = [];
    await waitFor(async () => {
      before = await counts();
      return before.every((x) => x === before[0]) && before[0]! >= WRITES + 1;
    }, 20_000, "every member to apply every write");
    // one more autopurge run after the last snapshot (interval 2 s)
    await new Promise((r) => setTimeout(r, 2500));

    for (const m of e.members) {
      const { logs, snaps } = filesOf(m);
      const written = records(m, "snapshot written").length;
      const deferred = records(m, "snapshot due while the previous one is being written").length;
      const purges = records(m, "autopurge done");
      const removedSnaps = purges.reduce((n, r) => n + (r.removedSnapshots as unknown[]).length, 0);
      const removedLogs = purges.reduce((n, r) => n + (r.removedLogs as unknown[]).length, 0);
      console.log(`server ${m.id}: ${written} snapshots written (${deferred} due while one was being written, started after it), ${purges.length} autopurge runs removed ${removedSnaps} snapshots and ${removedLogs} logs; on disk ${snaps.length} snapshots, ${logs.length} logs`);
      // due after snapCount/2 + random(snapCount/2) logged txns (ZooKeeper skips a snapshot due while the previous one
      // is still being written; zkts starts it when that one ends). A member counts its txns per durable batch of ZAB appends, so a due
      // comes after at most snapCount + one batch of txns: under this pipelined load that is 47-66 dues per member
      // (seen), never fewer than one per 2,000 txns unless batches exceed snapCount.
      expect(written + deferred).toBeGreaterThanOrEqual(WRITES / 2000);
      expect(written).toBeGreaterThanOrEqual(10);
      expect(logs.length).toBeGreaterThanOrEqual(2);
      expect(snaps.length).toBeGreaterThanOrEqual(3);
      // purged: far fewer files than were written; the oldest snapshots and the logs before them are gone
      expect(removedSnaps).toBeGreaterThan(0);
      expect(removedLogs).toBeGreaterThan(0);
      expect(snaps.length).toBeLessThan(written);
      expect(snaps.length).toBeLessThanOrEqual(3 + 3); // 3 retained + those written since the last run (2 s)
      // the logs a restore from the oldest snapshot needs are kept: the newest log starting at or before it
      expect(logs[0]!).toBeLessThanOrEqual(snaps[0]!);
    }

    // restart every member (kill -9: the log and snapshots are all there is)
    for (const m of e.members) await e.kill(m);
    const digests: string[] = [];
    for (const m of e.members) {
      const tree = new DataTree({ digestEnabled: true });
      const r = await restoreDatabase({ storage: new NodeStorage(), dataDir: m.dir, tree });
      expect(r.snapshot).toBeDefined();
      digests.push(`${tree.lastProcessedZxid.toString(16)}:${tree.digest().toString(16)}:${tree.nodeCount()}`);
    }
    expect(new Set(digests).size).toBe(1);
    await Promise.all(e.members.map((m) => e!.start(m)));
    await e.waitStable();
    await waitFor(async () => {
      const after = await counts();
      return after.every((x) => x === before[0]);
    }, 20_000, "every restarted member to hold every node");
    const figures = await Promise.all(
      e.members.map(async (m) => {
        const mm = mntrOf(await fourLetter(m.clientPort, "mntr"));
        return `${mm.get("zk_znode_count")}/${mm.get("zk_approximate_data_size")}/${mm.get("zk_ephemerals_count")}`;
      }),
    );
    expect(new Set(figures).size).toBe(1);
    for (const m of e.members) {
      const { c } = await Client.connect(m.clientPort);
      const ch = await c.children("/s");
      expect(ch.children?.length).toBe(WRITES);
      expect(await c.get(`/s/${WRITES - 1}`)).toMatchObject({ err: 0, data: `v${WRITES - 1}` });
      c.close();
    }
  }, 150_000);
});
