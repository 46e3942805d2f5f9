import { describe, expect, it } from "vitest";
import { packageOf, summariseProfile, type CpuProfile } from "./profile.js";

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0 });

describe("summariseProfile", () => {
  it("attributes self time per function and per package, idle excluded from busy time", () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1000,
      nodes: [
        { id: 1, callFrame: frame("(root)", ""), children: [2, 3, 4, 5] },
        { id: 2, callFrame: frame("(idle)", ""), children: [] },
        { id: 3, callFrame: frame("getNode", "file:///r/packages/datatree/src/datatree.ts"), children: [] },
        { id: 4, callFrame: frame("writeBuffer", ""), children: [] },
        { id: 5, callFrame: frame("(garbage collector)", ""), children: [] },
      ],
      // Sample i lasts timeDeltas[i + 1] microseconds.
      samples: [2, 3, 3, 4, 5, 2],
      timeDeltas: [0, 500, 100, 100, 200, 100],
    };
    const s = summariseProfile(profile);
    expect(s.totalMs).toBeCloseTo(1.0);
    expect(s.idleMs).toBeCloseTo(0.5);
    expect(s.busyMs).toBeCloseTo(0.5);
    expect(s.gcMs).toBeCloseTo(0.1);
    expect(s.functions[0]).toMatchObject({ name: "getNode packages/datatree/src/datatree.ts:1", percent: 40 });
    expect(s.functions.find((f) => f.name === "writeBuffer")!.percent).toBeCloseTo(40);
    expect(s.packages.find((p) => p.name === "@zkts/datatree")!.percent).toBeCloseTo(40);
    expect(s.packages.find((p) => p.name === "(garbage collector)")!.percent).toBeCloseTo(20);
  });

  it("names packages", () => {
    expect(packageOf("file:///w/packages/jute/src/codec.ts", "f")).toBe("@zkts/jute");
    expect(packageOf("file:///w/apps/server/src/run.ts", "f")).toBe("@zkts/server");
    expect(packageOf("file:///w/node_modules/.pnpm/@msgpack+msgpack@3/node_modules/@msgpack/msgpack/dist/x.js", "f")).toBe("@msgpack/msgpack");
    expect(packageOf("node:internal/streams/writable", "f")).toBe("node:internal/streams");
    expect(packageOf("node:net", "f")).toBe("node:net");
    expect(packageOf("", "(program)")).toBe("(program)");
    expect(packageOf("", "writeBuffer")).toBe("(native)");
  });
});
