import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startZkts, type ZktsServer } from "@zkts/testkit";
import { DEFAULT_OPTIONS, parseArgs } from "./args.js";
import { checkFileLimit, runBenchmark, sourceAddressCount } from "./bench.js";
import { startPauseControl } from "./pause-control.js";
import { sourceAddress } from "./runner.js";
import { formatWatchScale, mntr, runWatchScale, watchScaleFailed } from "./scale.js";

let zk: ZktsServer;
beforeAll(async () => {
  zk = await startZkts({ config: { "jvm.pause.monitor": "true", "jvm.pause.sleep.time.ms": "10" } });
});
afterAll(async () => {
  await zk?.stop();
});

describe("source addresses and the open-file limit", () => {
  it("spreads connections over 127.0.0.1..n, interleaving the shares", () => {
    expect(sourceAddress({ workerIndex: 0 }, 5)).toBeUndefined();
    const one = { sourceAddresses: 3, workerIndex: 0, shares: 1 };
    expect([0, 1, 2, 3].map((n) => sourceAddress(one, n))).toEqual(["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.1"]);
    // two shares: worker 0 takes 1, 3, 5..., worker 1 takes 2, 4, ...
    expect([0, 1].map((n) => sourceAddress({ sourceAddresses: 4, workerIndex: 1, shares: 2 }, n))).toEqual(["127.0.0.2", "127.0.0.4"]);
  });

  it("takes one source address per 2,500 connections to a loopback server, or what it is told", () => {
    const o = { ...DEFAULT_OPTIONS, server: "127.0.0.1:2181" };
    expect(sourceAddressCount(o, 2_500)).toBe(1);
    expect(sourceAddressCount(o, 19_000)).toBe(8);
    expect(sourceAddressCount(o, 100_001)).toBe(41);
    expect(sourceAddressCount({ ...o, server: "10.0.0.1:2181" }, 100_001)).toBe(1);
    expect(sourceAddressCount({ ...o, sourceAddresses: 3 }, 10)).toBe(3);
    expect(parseArgs(["--source-addresses", "5"])).toMatchObject({ options: { sourceAddresses: 5 } });
    expect(() => parseArgs(["--source-addresses", "300"])).toThrow(/254/);
  });

  it("refuses more connections per process than the open-file limit allows, naming the --procs that fit", () => {
    expect(() => checkFileLimit(19_000, 1, 20_000)).not.toThrow();
    expect(() => checkFileLimit(50_000, 2, 20_000)).toThrow(/open-file limit \(ulimit -n\) is 20,000: use --procs 6 or more/);
    expect(() => checkFileLimit(1e9, 1, null)).not.toThrow();
  });

  it("runBenchmark checks the limit before it touches the server", async () => {
    await expect(runBenchmark({ ...DEFAULT_OPTIONS, server: zk.connectString, idle: true, sessions: 10_000_000, root: "/never" })).rejects.toThrow(/--procs/);
  });
});

describe("the watch scale scenario", () => {
  it("parses --watches / --watch-sessions / --server-pid and compare --scale", () => {
    expect(parseArgs(["--watches", "1m", "--watch-sessions", "20", "--server-pid", "42"])).toMatchObject({
      command: "run",
      options: { watches: 1_000_000, watchSessions: 20, serverPid: 42 },
    });
    expect(() => parseArgs(["--watches", "10", "--idle"])).toThrow(/two scenarios/);
    expect(parseArgs(["compare", "--scale", "--sessions", "19k", "--watches", "0"])).toMatchObject({
      command: "compare",
      options: { scale: true, scaleSessions: 19_000, scaleWatches: 0, watchSessions: 10 },
    });
    expect(() => parseArgs(["compare", "--scale", "--ensemble", "3"])).toThrow(/standalone/);
  });

  it("registers every watch, fires every one, and reads the server's own figures and the host control's", { timeout: 60_000 }, async () => {
    const control = await startPauseControl();
    const r = await runWatchScale(
      { ...DEFAULT_OPTIONS, server: zk.connectString, watches: 900, watchSessions: 3, depth: 16, root: "/bench-watch", serverPid: process.pid },
      { control },
    ).finally(() => control.stop());
    expect(r.register.server.hostMaxPauseMs).toBeGreaterThanOrEqual(0);
    expect(r.fire.server.hostMaxPauseMs).toBeGreaterThanOrEqual(0);
    expect(watchScaleFailed(r), formatWatchScale(r)).toBe(false);
    expect([r.nodes, r.sessions, r.watches]).toEqual([300, 3, 900]);
    expect(r.register.failed).toBe(0);
    expect(r.register.serverWatchCount).toBe(900);
    expect(r.fire.events).toBe(900);
    expect(r.fire.timedOut).toBe(false);
    expect(r.fire.lastEventMs).toBeGreaterThan(0);
    expect(r.register.probe.count).toBeGreaterThan(0);
    // jvm.pause.monitor is on: the server reports its pauses; the pid given: its RSS
    expect(r.fire.server.maxPauseMs).toBeGreaterThanOrEqual(0);
    expect(r.register.server.rssBytes).toBeGreaterThan(0);
    expect(formatWatchScale(r)).toMatch(/900 watches \(300 nodes x 3 sessions\)[\s\S]*900\/900 events/);
    // the watches were consumed and the tree removed
    expect((await mntr(zk.host, zk.port)).get("zk_watch_count")).toBe("0");
  });
});
