import { describe, expect, it } from "vitest";
import { QuorumConfigError } from "./errors.js";
import { javaHashMapOrder, parseCfgText, parseQuorumConfig, QuorumHierarchical, QuorumMaj } from "./quorum.js";

const ids = (...n: number[]) => n.map(BigInt);

describe("QuorumMaj", () => {
  it("needs more than half of the voters; observers never count (as ZooKeeper 3.8.0 answers)", () => {
    const q = new QuorumMaj({
      "server.1": "127.0.0.1:2888:3888",
      "server.2": "127.0.0.1:2889:3889:participant;2182",
      "server.3": "localhost:2890:3890:observer;0.0.0.0:2183",
    });
    // Java: maj {1} false, maj {1,2} true
    expect(q.containsQuorum(ids(1))).toBe(false);
    expect(q.containsQuorum(ids(1, 2))).toBe(true);
    expect(q.containsQuorum(ids(1, 3))).toBe(false);
    expect([...q.observingMembers.keys()]).toEqual(ids(3));
  });

  it("5 voters: 3 is a quorum, 2 is not; duplicates do not count twice", () => {
    const cfg: Record<string, string> = {};
    for (let i = 1; i <= 5; i++) cfg[`server.${i}`] = `h${i}:1:2`;
    const q = new QuorumMaj(cfg);
    expect(q.containsQuorum(ids(1, 2))).toBe(false);
    expect(q.containsQuorum(ids(1, 1, 2))).toBe(false);
    expect(q.containsQuorum(ids(1, 4, 5))).toBe(true);
  });
});

describe("QuorumHierarchical", () => {
  const cfg: Record<string, string> = {
    "group.1": "1:2:3",
    "group.2": "4:5:6",
    "group.3": "7:8:9",
    "weight.1": "2",
    "weight.4": "0",
    "weight.5": "0",
    "weight.6": "0",
  };
  for (let i = 1; i <= 9; i++) cfg[`server.${i}`] = `127.0.0.1:${2880 + i}:${3880 + i}`;
  const q = new QuorumHierarchical(cfg);

  // Expected answers printed by ZooKeeper 3.8.0's QuorumHierarchical (scripts/java-vectors/run.sh).
  const java: [number[], boolean][] = [
    [[1], false],
    [[1, 7, 8], false],
    [[2, 3, 7, 8], false],
    [[1, 2, 4, 5, 6], false],
    [[2, 3, 4, 7, 8], false],
    [[1, 9, 8], false],
    [[4, 5, 6, 7, 8, 9], false],
    [[1, 2, 7, 8], true],
    [[1, 3, 8, 9], true],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9], true],
    [[2, 3, 9, 7], false],
  ];
  it.each(java)("containsQuorum(%j) = %s", (set, want) => {
    expect(q.containsQuorum(ids(...set))).toBe(want);
  });

  it("drops zero-weight groups from the group count and gives weights", () => {
    expect(q.numGroups).toBe(2);
    expect(q.weight(4n)).toBe(0n);
    expect(q.weight(1n)).toBe(2n);
    expect(q.weight(2n)).toBe(1n);
  });

  it("refuses a participant outside every group and a server in two groups", () => {
    expect(() => new QuorumHierarchical({ "server.1": "a:1:2", "server.2": "a:1:2", "group.1": "1" })).toThrow(
      QuorumConfigError,
    );
    expect(() => new QuorumHierarchical({ "server.1": "a:1:2", "group.1": "1", "group.2": "1" })).toThrow(
      /multiple groups/,
    );
  });
});

describe("QuorumHierarchical: parsing and validation as ZooKeeper 3.8's QuorumPeerConfig.parse", () => {
  // Five servers; each case's outcome and message were printed by ZooKeeper 3.8.0 (QuorumPeerConfig.parse on the
  // same lines, Debian's zookeeper.jar).
  const five: Record<string, string> = {};
  for (let i = 1; i <= 5; i++) five[`server.${i}`] = `127.0.0.1:${2000 + i}:${3000 + i}`;
  const obs = { "server.6": "127.0.0.1:2006:3006:observer" };
  const err = (cfg: Record<string, string>) => {
    try {
      parseQuorumConfig(cfg);
    } catch (e) {
      expect(e).toBeInstanceOf(QuorumConfigError);
      return e as QuorumConfigError;
    }
    throw new Error("expected a QuorumConfigError");
  };

  it("prints the verifier as ZooKeeper does: servers, groups, every weight (defaults included), version", () => {
    const q = parseQuorumConfig({ ...five, "group.1": "1:2:3", "group.2": "4:5", "weight.1": "1", "weight.4": "3" });
    expect(q.kind).toBe("hierarchical");
    expect(q.toString()).toBe(
      [1, 2, 3, 4, 5].map((i) => `server.${i}=127.0.0.1:${2000 + i}:${3000 + i}:participant\n`).join("") +
        "group.1=1:2:3\ngroup.2=4:5\nweight.1=1\nweight.2=1\nweight.3=1\nweight.4=3\nweight.5=1\nversion=0",
    );
    // the ids of a group in ascending order, whatever order the line gives them in; groups too
    const r = parseQuorumConfig({ ...five, "group.2": "5:4", "group.1": "3:1:2" }).toString();
    expect(r).toContain("group.1=1:2:3\ngroup.2=4:5\nweight.1=1\n");
  });

  it("ids from 16 up: groups and weights in Java HashMap order, as ZooKeeper 3.8 printed them", () => {
    // Printed by ZooKeeper 3.8.0's QuorumHierarchical(Properties).toString() on the same lines.
    const a = parseQuorumConfig(parseCfgText("server.4=h:1:2\nserver.21=h:3:4\nserver.6=h:5:6\nserver.7=h:7:8:observer\ngroup.3=6:21\ngroup.19=4\nweight.4=0"));
    expect(a.toString()).toBe(
      "server.4=h:1:2:participant\nserver.21=h:3:4:participant\nserver.6=h:5:6:participant\nserver.7=h:7:8:observer\n" +
        "group.19=4\ngroup.3=21:6\nweight.4=0\nweight.21=1\nweight.6=1\nversion=0",
    );
    const b = parseQuorumConfig(parseCfgText("server.1=h:1:2\nserver.2=h:3:4\nserver.3=h:5:6\nserver.20=h:7:8\ngroup.20=20:1\ngroup.4=2:3\nweight.20=5\nweight.3=2\nversion=100000003"));
    expect(b.toString()).toBe(
      "server.1=h:1:2:participant\nserver.2=h:3:4:participant\nserver.3=h:5:6:participant\nserver.20=h:7:8:participant\n" +
        "group.20=1:20\ngroup.4=2:3\nweight.1=1\nweight.2=1\nweight.3=2\nweight.20=5\nversion=100000003",
    );
    const c = parseQuorumConfig(parseCfgText("server.1=h:1:2\nserver.2=h:3:4\nserver.17=h:5:6\nserver.3=h:7:8\ngroup.1=1:17\ngroup.2=2:3\nversion=1"));
    expect(c.toString()).toBe(
      "server.1=h:1:2:participant\nserver.17=h:5:6:participant\nserver.2=h:3:4:participant\nserver.3=h:7:8:participant\n" +
        "group.1=1:17\ngroup.2=2:3\nweight.1=1\nweight.17=1\nweight.2=1\nweight.3=1\nversion=1",
    );
  });

  it("a server in two groups: Server 3is in multiple groups (ZooKeeper's text)", () => {
    const e = err({ ...five, "group.1": "1:2:3", "group.2": "3:4:5" });
    expect(e.message).toBe("Server 3is in multiple groups");
    expect(e.key).toBe("group.2");
  });

  it("a participant in no group: Server 5is not in a group", () => {
    const e = err({ ...five, "group.1": "1:2:3", "group.2": "4" });
    expect(e.message).toBe("Server 5is not in a group");
    expect(e.key).toBe("server.5");
  });

  it("weights without groups make the quorum hierarchical: every participant is then in no group", () => {
    expect(err({ ...five, "weight.1": "2" }).message).toBe("Server 1is not in a group");
  });

  it("accepts (as ZooKeeper does) weights of unknown servers, negative and zero weights, and a trailing ':'", () => {
    expect(parseQuorumConfig({ ...five, "group.1": "1:2:3", "group.2": "4:5", "weight.9": "2" }).toString()).toContain(
      "weight.5=1\nweight.9=2\nversion=0",
    );
    expect(parseQuorumConfig({ ...five, "group.1": "1:2:3", "group.2": "4:5", "weight.4": "-2" }).weight(4n)).toBe(-2n);
    expect(parseQuorumConfig({ ...five, "group.1": "1:2:3:", "group.2": "4:5" }).toString()).toContain("group.1=1:2:3\n");
    const zero = parseQuorumConfig({ ...five, "group.1": "1:2:3", "group.2": "4:5", "weight.4": "0", "weight.5": "0" });
    expect((zero as QuorumHierarchical).numGroups).toBe(1);
    expect(zero.containsQuorum(ids(1, 2))).toBe(true);
  });

  it("observers: outside every group, or in one with a weight; with none, refused (ZooKeeper: NullPointerException)", () => {
    expect(parseQuorumConfig({ ...five, ...obs, "group.1": "1:2:3", "group.2": "4:5" }).observingMembers.size).toBe(1);
    const w0 = parseQuorumConfig({ ...five, ...obs, "group.1": "1:2:3", "group.2": "4:5:6", "weight.6": "0" });
    expect(w0.toString()).toContain("group.2=4:5:6\n");
    const e = err({ ...five, ...obs, "group.1": "1:2:3", "group.2": "4:5:6" });
    expect(e.message).toMatch(/^Server 6 is in group 2 but has no weight: server\.6 is an observer/);
    expect(e.key).toBe("group.2");
    expect(err({ ...five, "group.1": "1:2:3", "group.2": "4:5:9" }).message).toMatch(/there is no server\.9 line/);
  });

  it("ids and weights that are not longs (ZooKeeper: NumberFormatException For input string)", () => {
    expect(err({ ...five, "group.1": "1:2:x", "group.2": "4:5" }).message).toContain('For input string: "x"');
    expect(err({ ...five, "group.1": "1:2:3", "group.2": "4:5", "weight.4": "abc" }).message).toContain('"abc"');
    expect(err({ ...five, "group.x": "1:2:3", "group.2": "4:5" }).message).toContain('For input string: "x"');
    // any key that starts with "group" is a group (QuorumPeerConfig / QuorumHierarchical use startsWith)
    expect(err({ ...five, groupies: "1:2:3", "group.2": "4:5" }).message).toContain('For input string: "groupies"');
    expect(err({ ...five, "group.1": "1::2:3", "group.2": "4:5" }).message).toContain('For input string: ""');
    expect(err({ ...five, "group.1": "1:2:3", "group.2": "4:5", "weight.4": "9223372036854775808" }).key).toBe("weight.4");
  });

  it("the 5-server example of the real-process test: a quorum needs servers 1 and 4, not a plain majority", () => {
    const q = parseQuorumConfig({ ...five, "group.1": "1:2:3", "group.2": "4:5", "weight.1": "3", "weight.4": "2" });
    expect(q.containsQuorum(ids(1, 2, 3))).toBe(false); // a plain majority, but group 2 has 0 of 3
    expect(q.containsQuorum(ids(2, 3, 4, 5))).toBe(false); // a plain majority, but group 1 has 2 of 5
    expect(q.containsQuorum(ids(1, 4))).toBe(true); // 3 of 5 and 2 of 3
    expect(q.containsQuorum(ids(1, 2, 3, 4))).toBe(true);
    expect(new QuorumMaj(five).containsQuorum(ids(1, 2, 3))).toBe(true);
  });
});

describe("parseQuorumConfig", () => {
  it("picks hierarchical when a group key is present, majority otherwise", () => {
    const text = `
# zoo.cfg
tickTime=2000
server.1=127.0.0.1:2888:3888
server.2=127.0.0.1:2889:3889
server.3=127.0.0.1:2890:3890:observer
`;
    expect(parseQuorumConfig(parseCfgText(text)).kind).toBe("majority");
    expect(parseQuorumConfig(parseCfgText(`${text}group.1=1:2\n`)).kind).toBe("hierarchical");
  });

  it("rejects bad peer types and configs without voters", () => {
    expect(() => parseQuorumConfig({ "server.1": "a:1:2:leader" })).toThrow(/peer type/);
    expect(() => parseQuorumConfig({ "server.1": "a:1:2:observer" })).toThrow(/no voting members/);
    expect(() => parseQuorumConfig({ "server.x": "a:1:2" })).toThrow(QuorumConfigError);
  });
});

describe("javaHashMapOrder (QuorumVerifier.toString's server order)", () => {
  it("ids below the capacity ascend; larger ones follow their buckets, then insertion order", () => {
    expect(javaHashMapOrder([4n, 5n, 3n])).toEqual([3n, 4n, 5n]);
    // capacity 16: 17 -> bucket 1, 33 -> bucket 1 (after 17, inserted first), 2 -> bucket 2
    expect(javaHashMapOrder([33n, 2n, 17n])).toEqual([33n, 17n, 2n]);
    const m = new QuorumMaj({ "server.5": "127.0.0.1:1:2", "server.2": "127.0.0.1:3:4" });
    expect(m.toString()).toBe("server.2=127.0.0.1:3:4:participant\nserver.5=127.0.0.1:1:2:participant\nversion=0");
  });
});
