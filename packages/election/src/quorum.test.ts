import { describe, expect, it } from "vitest";
import { QuorumConfigError } from "./errors.js";
import { parseCfgText, parseQuorumConfig, QuorumHierarchical, QuorumMaj } from "./quorum.js";

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
