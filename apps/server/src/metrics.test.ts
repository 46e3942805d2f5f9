import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { CreateRequest, ExistsRequest, GetChildrenRequest, GetDataRequest, SetDataRequest, encode } from "@zkts/jute";
import { MNTR_KEYS } from "@zkts/nio-cnxn";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { runStandalone } from "./run.js";
import { RawSession, fourLetter } from "./test-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "zkts-metrics-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const OP = { create: 1, exists: 3, getData: 4, setData: 5, getChildren: 8 };

async function mntr(port: number): Promise<{ keys: string[]; get(k: string): number }> {
  const lines = (await fourLetter(port, "mntr")).trimEnd().split("\n").map((l) => l.split("\t") as [string, string]);
  const map = new Map(lines);
  return {
    keys: lines.map(([k]) => k),
    get(k: string): number {
      const v = map.get(k);
      if (v === undefined) throw new Error(`mntr has no ${k}`);
      return Number(v);
    },
  };
}

const filesSize = (d: string) => readdirSync(d).reduce((n, f) => n + statSync(join(d, f)).size, 0);

describe("mntr through a real zkts-server", () => {
  it("prints only ZooKeeper's keys, in its order, and they move with reads, writes, watches and snapshots", async () => {
    const dataDir = join(dir, "data");
    const logDir = join(dir, "log");
    // snapCount=4 with random 0: a snapshot after every 3rd txn
    const cfg = parseConfig(`dataDir=${dataDir}\ndataLogDir=${logDir}\nclientPort=0\nsnapCount=4\n4lw.commands.whitelist=*\n`);
    const server = await runStandalone(cfg, { logger: createLogger({ level: "error", stream: new PassThrough() }), random: { next: () => 0 } });
    try {
      let m0 = await mntr(server.port);
      // the start-up snapshot is written in the background (the server serves meanwhile): wait for it, bounded
      for (let i = 0; i < 200 && m0.get("zk_cnt_snapshottime") === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        m0 = await mntr(server.port);
      }
      // every key is one ZooKeeper 3.8 prints, in ZooKeeper's order; nothing unmeasured
      expect(m0.keys.filter((k) => !MNTR_KEYS.includes(k))).toEqual([]);
      expect(m0.keys).toEqual(MNTR_KEYS.filter((k) => m0.keys.includes(k)));
      for (const k of ["zk_connection_drop_probability", "zk_local_sessions", "zk_watch_bytes", "zk_avg_prep_process_time"]) expect(m0.keys).not.toContain(k);
      expect(m0.get("zk_cnt_dbinittime")).toBe(1);
      expect(m0.get("zk_cnt_snapshottime")).toBe(1); // the snapshot of the restored (empty) database at start

      const { s: a } = await RawSession.open(server.port);
      const { s: b } = await RawSession.open(server.port);
      let xid = 1;
      const ok = async (s: RawSession, type: number, body: Buffer) => expect((await s.request(xid++, type, body)).header.err).toBe(0);
      await ok(a, OP.create, encode(CreateRequest, { path: "/w", data: Buffer.from("x"), acl, flags: 0 }));
      for (let i = 0; i < 5; i++) await ok(a, OP.getData, encode(GetDataRequest, { path: "/w", watch: false }));
      const m1 = await mntr(server.port);
      expect(m1.get("zk_cnt_readlatency") - m0.get("zk_cnt_readlatency")).toBe(5);
      // the two createSessions and the create
      expect(m1.get("zk_cnt_updatelatency") - m0.get("zk_cnt_updatelatency")).toBe(3);
      expect(m1.get("zk_sum_sync_processor_batch_size") - m0.get("zk_sum_sync_processor_batch_size")).toBe(3);
      expect(m1.get("zk_cnt_fsynctime")).toBeGreaterThan(m0.get("zk_cnt_fsynctime"));
      expect(m1.get("zk_packets_received")).toBeGreaterThan(m0.get("zk_packets_received"));
      expect(m1.get("zk_bytes_received_count")).toBeGreaterThan(m0.get("zk_bytes_received_count"));
      expect(m1.get("zk_connection_request_count") - m0.get("zk_connection_request_count")).toBe(2);

      // a: a data watch and a child watch on /w, an exist watch on /w/new
      await ok(a, OP.getData, encode(GetDataRequest, { path: "/w", watch: true }));
      await ok(a, OP.getChildren, encode(GetChildrenRequest, { path: "/w", watch: true }));
      expect((await a.request(xid++, OP.exists, encode(ExistsRequest, { path: "/w/new", watch: true }))).header.err).toBe(-101);
      expect((await mntr(server.port)).get("zk_watch_count")).toBe(3);
      // b fires them: setData -> 1 data watch; create /w/new -> 1 exist watch, 1 child watch on the parent
      await ok(b, OP.setData, encode(SetDataRequest, { path: "/w", data: Buffer.from("y"), version: -1 }));
      await ok(b, OP.create, encode(CreateRequest, { path: "/w/new", data: Buffer.alloc(0), acl, flags: 0 }));
      await server.store.idle();
      const m2 = await mntr(server.port);
      expect(m2.get("zk_watch_count")).toBe(0);
      expect([m2.get("zk_cnt_node_changed_watch_count"), m2.get("zk_sum_node_changed_watch_count")]).toEqual([1, 1]);
      expect([m2.get("zk_cnt_node_created_watch_count"), m2.get("zk_sum_node_created_watch_count")]).toEqual([1, 1]);
      expect([m2.get("zk_cnt_node_children_watch_count"), m2.get("zk_sum_node_children_watch_count")]).toEqual([1, 1]);
      expect(m2.get("zk_cnt_node_deleted_watch_count")).toBe(0);
      // 6 txns since the start (2 sessions, 2 creates, a setData... ): at least one snapshot in the background
      expect(m2.get("zk_cnt_snapshottime")).toBeGreaterThan(m0.get("zk_cnt_snapshottime"));
      // ZooKeeper's fixed keys in its order, then its per-namespace summary sets (keys named after the paths used)
      const fixed = m2.keys.filter((k) => MNTR_KEYS.includes(k));
      expect(fixed).toEqual(MNTR_KEYS.filter((k) => m2.keys.includes(k)));
      expect(m2.keys.slice(fixed.length).every((k) => /^zk_(avg|min|max|cnt|sum)_w_(read|write)_per_namespace$/.test(k))).toBe(true);
      expect(m2.get("zk_cnt_w_write_per_namespace")).toBeGreaterThan(0);

      // dirs and conf: the real sizes (ZooKeeper's datadir_size is the txn log directory's, logdir_size the snapshots')
      const logBytes = filesSize(join(logDir, "version-2"));
      const snapBytes = filesSize(join(dataDir, "version-2"));
      expect(logBytes).toBeGreaterThan(0);
      expect(snapBytes).toBeGreaterThan(0);
      expect(await fourLetter(server.port, "dirs")).toBe(`datadir_size: ${logBytes}\nlogdir_size: ${snapBytes}\n`);
      const conf = await fourLetter(server.port, "conf");
      expect(conf).toContain(`dataDirSize=${logBytes}\n`);
      expect(conf).toContain(`dataLogSize=${snapBytes}\n`);
      expect(conf.indexOf("dataDirSize=")).toBeGreaterThan(conf.indexOf("dataDir="));

      // srst resets the registry
      expect(await fourLetter(server.port, "srst")).toBe("Server stats reset.\n");
      expect((await mntr(server.port)).get("zk_cnt_readlatency")).toBe(0);
      a.socket.destroy();
      b.socket.destroy();
    } finally {
      await server.shutdown();
    }
  });

  it("jvm.pause.monitor=true: the event loop's pauses land in ZooKeeper's jvm_pause_time_ms keys; srst resets them", { timeout: 20_000 }, async () => {
    const cfgText = (d: string, extra: string) => `dataDir=${d}\nclientPort=0\n4lw.commands.whitelist=*\n${extra}`;
    const logger = createLogger({ level: "error", stream: new PassThrough() });
    // Off (ZooKeeper's default): nothing is measured, so nothing is printed.
    const off = await runStandalone(parseConfig(cfgText(join(dir, "pause-off"), "")), { logger });
    try {
      expect((await mntr(off.port)).keys.filter((k) => k.includes("jvm_pause"))).toEqual([]);
    } finally {
      await off.shutdown();
    }
    const cfg = parseConfig(cfgText(join(dir, "pause-on"), "jvm.pause.monitor=true\njvm.pause.sleep.time.ms=10\n"));
    expect(cfg.jvmPauseMonitor).toEqual({ sleepTimeMs: 10, infoThresholdMs: 1000, warnThresholdMs: 10_000 });
    const server = await runStandalone(cfg, { logger });
    try {
      await new Promise((r) => setTimeout(r, 50));
      // The server shares this thread: a 300 ms busy loop here is a 300 ms pause of the server's event loop.
      const t = performance.now();
      while (performance.now() - t < 300) {
        // busy
      }
      await new Promise((r) => setTimeout(r, 50));
      const m = await mntr(server.port);
      expect(m.get("zk_max_jvm_pause_time_ms")).toBeGreaterThanOrEqual(280);
      expect(m.get("zk_cnt_jvm_pause_time_ms")).toBeGreaterThan(1);
      expect(m.get("zk_p50_jvm_pause_time_ms")).toBeLessThan(m.get("zk_max_jvm_pause_time_ms"));
      // still ZooKeeper's keys only, in its order
      expect(m.keys.filter((k) => !MNTR_KEYS.includes(k))).toEqual([]);
      expect(m.keys).toEqual(MNTR_KEYS.filter((k) => m.keys.includes(k)));
      expect(await fourLetter(server.port, "srst")).toBe("Server stats reset.\n");
      // reset: only what was measured since (a few 10 ms ticks at most) is left
      expect((await mntr(server.port)).get("zk_cnt_jvm_pause_time_ms")).toBeLessThan(m.get("zk_cnt_jvm_pause_time_ms"));
    } finally {
      await server.shutdown();
    }
  });
});
