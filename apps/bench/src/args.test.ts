import { describe, expect, it } from "vitest";
import { ArgError, DEFAULT_OPTIONS, parseArgs, parseCount, parseDuration, parseMix } from "./args.js";

const run = (...argv: string[]) => {
  const c = parseArgs(argv);
  if (c.command !== "run") throw new Error(`not run: ${c.command}`);
  return c.options;
};

describe("parseArgs", () => {
  it("has defaults", () => {
    expect(run()).toEqual(DEFAULT_OPTIONS);
    expect(run("run")).toEqual(DEFAULT_OPTIONS);
  });

  it("parses every run option, long, short and --name=value", () => {
    const o = run(
      "-s", "10.0.0.1:2182", "-w", "setData", "-c", "4", "--depth=16", "--value-size", "1k", "-t", "1500ms",
      "--warmup=1", "-k", "1m", "--children", "3", "--multi-ops", "2", "--delete-pool", "5k", "--root", "/b/r", "--keep", "--sessions",
      "10k", "--idle", "--connect-concurrency", "50", "--session-timeout", "6000", "-p", "3", "--seed", "9",
      "--json", "--decode", "--no-setup",
    );
    expect(o).toEqual({
      ...DEFAULT_OPTIONS,
      server: "10.0.0.1:2182",
      mix: [{ workload: "set", weight: 1 }],
      connections: 4,
      depth: 16,
      valueSize: 1000,
      durationMs: 1500,
      warmupMs: 1000,
      keys: 1_000_000,
      children: 3,
      multiOps: 2,
      deletePool: 5000,
      root: "/b/r",
      keep: true,
      sessions: 10_000,
      idle: true,
      connectConcurrency: 50,
      sessionTimeoutMs: 6000,
      procs: 3,
      seed: 9,
      json: true,
      decode: true,
      noSetup: true,
    });
  });

  it("parses weighted mixes", () => {
    expect(run("--mix", "get=80,set=20").mix).toEqual([
      { workload: "get", weight: 80 },
      { workload: "set", weight: 20 },
    ]);
    expect(parseMix("ls, exists=2, ls=3, multi=0")).toEqual([
      { workload: "getChildren", weight: 4 },
      { workload: "exists", weight: 2 },
    ]);
    expect(() => parseMix("get=-1")).toThrow(ArgError);
    expect(() => parseMix("get=0")).toThrow(/empty mix/);
    expect(() => parseMix("frobnicate=1")).toThrow(/unknown workload/);
  });

  it("parses durations and counts", () => {
    expect(parseDuration("10")).toBe(10_000);
    expect(parseDuration("2.5s")).toBe(2500);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("2m")).toBe(120_000);
    expect(() => parseDuration("ten")).toThrow(ArgError);
    expect(parseCount("1_000_000")).toBe(1_000_000);
    expect(parseCount("10k")).toBe(10_000);
    expect(parseCount("1.5M")).toBe(1_500_000);
    expect(() => parseCount("-1")).toThrow(ArgError);
  });

  it("rejects bad input", () => {
    expect(() => parseArgs(["--frob"])).toThrow(/unknown option --frob/);
    expect(() => parseArgs(["stray"])).toThrow(/unexpected argument stray/);
    expect(() => parseArgs(["--depth"])).toThrow(/needs a value/);
    expect(() => parseArgs(["--depth", "0"])).toThrow(/>= 1/);
    expect(() => parseArgs(["--server", "nohost"])).toThrow(/host:port/);
    expect(() => parseArgs(["--root", "/"])).toThrow(/--root/);
    expect(() => parseArgs(["--keep=yes"])).toThrow(/takes no value/);
    expect(() => parseArgs(["-c", "0"])).toThrow(/--idle/);
    expect(run("-c", "0", "--idle").connections).toBe(0);
  });

  it("parses compare, with --quick defaults that explicit options override", () => {
    const full = parseArgs(["compare"]);
    expect(full.command === "compare" && full.options.memoryNodes).toBe(1_000_000);
    const c = parseArgs(["compare", "--quick", "--duration", "2", "--workloads", "get;get=80,set=20", "--zk-heap", "2g"]);
    if (c.command !== "compare") throw new Error("not compare");
    expect(c.options.quick).toBe(true);
    expect(c.options.memoryNodes).toBe(100_000);
    expect(c.options.durationMs).toBe(2000);
    expect(c.options.zkHeap).toBe("2g");
    expect(c.options.workloads).toEqual([
      [{ workload: "get", weight: 1 }],
      [
        { workload: "get", weight: 80 },
        { workload: "set", weight: 20 },
      ],
    ]);
    expect(() => parseArgs(["compare", "--zk-heap", "lots"])).toThrow(ArgError);
  });

  it("parses compare --server-cpus (a taskset CPU list) and --zkts-config (zoo.cfg lines for zkts)", () => {
    const c = parseArgs(["compare", "--server-cpus", "0,1", "--zkts-config", "zkts.txnLogWorker=true,snapCount=5000"]);
    if (c.command !== "compare") throw new Error("not compare");
    expect(c.options.serverCpus).toBe("0,1");
    expect(c.options.zktsConfig).toEqual({ "zkts.txnLogWorker": "true", snapCount: "5000" });
    const d = parseArgs(["compare"]);
    if (d.command !== "compare") throw new Error("not compare");
    expect(d.options.serverCpus).toBeUndefined();
    expect(d.options.zktsConfig).toEqual({});
    expect(() => parseArgs(["compare", "--server-cpus", "first"])).toThrow(ArgError);
    expect(() => parseArgs(["compare", "--zkts-config", "novalue"])).toThrow(ArgError);
  });

  it("parses compare --ensemble: single workloads, 1 GB per member, no memory phase", () => {
    const cmp = (...argv: string[]) => {
      const c = parseArgs(["compare", ...argv]);
      if (c.command !== "compare") throw new Error("not compare");
      return c.options;
    };
    expect(cmp().ensemble).toBe(0);
    const e = cmp("--ensemble", "3", "--quick");
    expect(e).toMatchObject({ ensemble: 3, quick: true, durationMs: 3000, warmupMs: 1000, rounds: 1, zkHeap: "1g", zktsHeapMb: 1024, skipMemory: true, connections: 8, depth: 32, valueSize: 100 });
    expect(e.workloads).toEqual([[{ workload: "set", weight: 1 }], [{ workload: "get", weight: 1 }], [{ workload: "create", weight: 1 }]]);
    // "set,get" (one mix of two names standalone) and "set;get" both list two workloads; duplicates collapse.
    for (const list of ["set,get", "set;get", "setData, get; set"]) {
      expect(cmp("--workloads", list, "--ensemble=3").workloads).toEqual([[{ workload: "set", weight: 1 }], [{ workload: "get", weight: 1 }]]);
    }
    expect(cmp("--ensemble", "5", "--zk-heap=2g", "--zkts-heap", "512")).toMatchObject({ ensemble: 5, zkHeap: "2g", zktsHeapMb: 512 });
    expect(() => cmp("--ensemble", "3", "--workloads", "get=80,set=20")).toThrow(/single workloads/);
    expect(() => cmp("--ensemble", "1")).toThrow(/3 or more/);
    expect(() => cmp("--ensemble", "three")).toThrow(ArgError);
  });

  it("parses compare --znodes: heaps with room for 10m znodes unless given, --only one server", () => {
    const cmp = (...argv: string[]) => {
      const c = parseArgs(["compare", ...argv]);
      if (c.command !== "compare") throw new Error("not compare");
      return c.options;
    };
    expect(cmp()).toMatchObject({ znodes: 0, only: undefined, zkHeap: "4g", zktsHeapMb: 4096 });
    expect(cmp("--znodes", "10m")).toMatchObject({ znodes: 10_000_000, only: undefined, zkHeap: "18g", zktsHeapMb: 16_384 });
    expect(cmp("--znodes=2m", "--only", "ZooKeeper", "--zk-heap", "8g")).toMatchObject({ znodes: 2_000_000, only: "zookeeper", zkHeap: "8g", zktsHeapMb: 16_384 });
    expect(cmp("--znodes", "1m", "--only", "zkts", "--zkts-heap", "8192")).toMatchObject({ only: "zkts", zkHeap: "18g", zktsHeapMb: 8192 });
    expect(() => cmp("--only", "zkts")).toThrow(/--znodes/);
    expect(() => cmp("--znodes", "1m", "--only", "etcd")).toThrow(ArgError);
    expect(() => cmp("--znodes", "1m", "--scale")).toThrow(/on its own/);
    expect(() => cmp("--znodes", "0")).toThrow(ArgError);
  });

  it("accepts a server list for run", () => {
    expect(run("-s", "127.0.0.1:1,127.0.0.1:2").server).toBe("127.0.0.1:1,127.0.0.1:2");
    expect(() => run("-s", "127.0.0.1:1,")).toThrow(/host:port/);
  });

  it("answers help and the worker entry", () => {
    expect(parseArgs(["-w", "get", "--help"]).command).toBe("help");
    expect(parseArgs(["__worker"]).command).toBe("worker");
  });
});
