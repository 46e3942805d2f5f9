/**
 * Figures, not assertions: time from `kill -9` of the leader to the first acknowledged write sent after the kill,
 * over ZKTS_FAILOVER_KILLS (10) kills, at tickTime 2000 and 200 (ZKTS_FAILOVER_TICKS), for a zkts ensemble and an
 * Apache ZooKeeper 3.8 ensemble (QuorumPeerMain, Debian's) in the same harness (ZKTS_FAILOVER_IMPLS=zkts,zookeeper).
 * Skipped unless ZKTS_FAILOVER_BENCH=1:
 *   ZKTS_FAILOVER_BENCH=1 ZKTS_FAILOVER_KILLS=20 npx vitest run apps/server/src/ensemble-failover.bench.test.ts
 * ZKTS_FAILOVER_TRACE=1 prints, for every kill, the surviving members' log lines (zkts at debug level; ZooKeeper's
 * with timestamps) and the writer's connects and failures from the kill to the first acked write, in ms after the kill.
 */
import { describe, it } from "vitest";
import { makeEnsemble, waitFor, Writer, type Member } from "./ensemble-helpers.js";
import { Client } from "./test-client.js";

const KILLS = Number(process.env.ZKTS_FAILOVER_KILLS ?? 10);

const IMPLS = (process.env.ZKTS_FAILOVER_IMPLS ?? "zkts,zookeeper").split(",") as ("zkts" | "zookeeper")[];
const TICKS = (process.env.ZKTS_FAILOVER_TICKS ?? "2000,200").split(",").map(Number);
const TRACE = process.env.ZKTS_FAILOVER_TRACE === "1";

/** A log line's time: zkts's JSON `ts`, or the ISO date slf4j-simple prints first (the JVM flags below). */
function lineTime(line: string): number | undefined {
  if (line.startsWith("{")) {
    try {
      const ts = (JSON.parse(line) as { ts?: unknown }).ts;
      return typeof ts === "string" ? Date.parse(ts) : undefined;
    } catch {
      return undefined;
    }
  }
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)/.exec(line);
  return m ? Date.parse(m[1]!) : undefined;
}

/** Every member's log lines and the writer's events between `from` and `to`, ordered, in ms after `from`. */
function traceLines(members: Member[], writer: [number, string][], from: number, to: number): string {
  const rows: [number, string][] = writer.filter(([t]) => t >= from && t <= to).map(([t, w]) => [t, w]);
  for (const m of members) {
    for (const line of m.proc?.output().split("\n") ?? []) {
      const t = lineTime(line);
      if (t !== undefined && t >= from && t <= to) rows.push([t, `s${m.id}: ${line.length > 300 ? line.slice(0, 300) + "..." : line}`]);
    }
  }
  return rows.sort((a, b) => a[0] - b[0]).map(([t, w]) => `  +${t - from} ${w}`).join("\n");
}

describe.skipIf(!process.env.ZKTS_FAILOVER_BENCH)("leader kill -9 -> first acked write (figures only)", () => {
  for (const tickTime of TICKS) for (const impl of IMPLS) {
    it(`${impl}: tickTime=${tickTime}, ${KILLS} kills`, async () => {
      const ens = await makeEnsemble(3, {
        tickTime,
        impl,
        ...(TRACE ? { extra: { "zkts.logLevel": "debug" }, javaFlags: () => ["-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "-Duser.timezone=UTC"] } : {}),
      });
      const events: [number, string][] = [];
      try {
        await Promise.all(ens.members.map((m) => ens.start(m)));
        let leader = await ens.waitStable(60_000);
        const { c } = await Client.connect(leader.clientPort);
        await c.create("/f", "");
        c.close();
        const w = new Writer(() => ens.members.filter((m) => m.proc !== undefined).map((m) => m.clientPort), "/f", TRACE ? (t, what) => events.push([t, what]) : undefined);
        const rec: number[] = [];
        try {
          for (let i = 0; i < KILLS; i++) {
            const want = w.acked.length + 20;
            await waitFor(() => w.acked.length >= want, 30_000, `writes before kill ${i}`);
            const killedAt = Date.now();
            w.since = killedAt;
            await ens.kill(leader);
            await waitFor(() => w.okTimes.some((t) => t > killedAt), 60_000, `a write after kill ${i}`);
            rec.push(w.okTimes.find((t) => t > killedAt)! - killedAt);
            if (TRACE) console.log(`kill ${i} (leader s${leader.id}): ${rec[rec.length - 1]} ms\n${traceLines(ens.members, events, killedAt, killedAt + rec[rec.length - 1]! + 5)}`);
            await ens.start(ens.members.find((m) => m.proc === undefined)!);
            leader = await ens.waitStable(60_000);
          }
        } finally {
          await w.stop();
        }
        const s = [...rec].sort((a, b) => a - b);
        console.log(`${impl} tickTime=${tickTime}: ${KILLS} leader kills, kill -> first acked write: median ${s[Math.floor(s.length / 2)]} ms, p90 ${s[Math.floor(s.length * 0.9)]} ms, worst ${s[s.length - 1]} ms (all: ${rec.join(",")})`);
      } finally {
        await ens.stopAll();
      }
    }, 600_000);
  }
});
