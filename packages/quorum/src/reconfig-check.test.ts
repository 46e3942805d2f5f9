import { describe, expect, it } from "vitest";
import { ErrorCode } from "@zkts/client-wire";
import { parseQuorumConfig, type QuorumVerifier } from "@zkts/election";
import { checkReconfig, parseServerString, type ReconfigContext } from "./reconfig-check.js";

const three = (version = 0x100000000n, extra: [string, string][] = []): QuorumVerifier =>
  parseQuorumConfig([
    ["server.1", "10.0.0.1:2888:3888;2181"],
    ["server.2", "10.0.0.2:2888:3888;2181"],
    ["server.3", "10.0.0.3:2888:3888;2181"],
    ...extra,
    ["version", version.toString(16)],
  ]);
const ctx = (over: Partial<ReconfigContext> = {}): ReconfigContext => ({
  committed: three(),
  lastSeen: three(),
  standaloneEnabled: true,
  sid: 1n,
  syncedFollowers: [2n, 3n],
  ...over,
});
const req = (r: { j?: string; l?: string; n?: string; v?: bigint }) => ({
  joiningServers: r.j ?? null,
  leavingServers: r.l ?? null,
  newMembers: r.n ?? null,
  curConfigId: r.v ?? -1n,
});
const codeOf = (f: () => unknown): number | "ok" => {
  try {
    f();
    return "ok";
  } catch (e) {
    return (e as { code: number }).code;
  }
};

describe("checkReconfig (PrepRequestProcessor's reconfig checks)", () => {

  it("the new config's text follows the Java HashMap PrepRequestProcessor builds (copied, then put into)", () => {
    // {4,5} copied into a HashMap of capacity 4 (tableSizeFor(2 / 0.75 + 1)); 3 lands in bucket 3, after 4 and 5:
    // what ZooKeeper 3.8 writes to /zookeeper/config for this step (ensemble-reconfig.test.ts)
    const two = parseQuorumConfig([
      ["server.4", "10.0.0.4:2888:3888;2181"],
      ["server.5", "10.0.0.5:2888:3888;2181"],
      ["version", "200000010"],
    ]);
    const qv = checkReconfig(req({ j: "server.3=10.0.0.3:2888:3888;2181" }), 0x200000020n, ctx({ committed: two, lastSeen: two, sid: 4n, syncedFollowers: [5n, 3n] }));
    expect(qv.toString().split("\n").map((l) => l.slice(0, 8))).toEqual(["server.4", "server.5", "server.3", "version="]);
    // from 3 members the copy has capacity 8: ascending again
    const five = checkReconfig(req({ j: "server.4=10.0.0.4:2888:3888;2181" }), 0x100000005n, ctx());
    expect(five.toString().split("\n").map((l) => l.slice(0, 8))).toEqual(["server.1", "server.2", "server.3", "server.4", "version="]);
  });
  it("an incremental add: the last seen config plus the joiner, versioned with the txn's zxid", () => {
    const qv = checkReconfig(req({ j: "server.4=10.0.0.4:2888:3888:observer;2181" }), 0x100000005n, ctx());
    expect(qv.toString()).toBe(
      "server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\nserver.2=10.0.0.2:2888:3888:participant;0.0.0.0:2181\n" +
        "server.3=10.0.0.3:2888:3888:participant;0.0.0.0:2181\nserver.4=10.0.0.4:2888:3888:observer;0.0.0.0:2181\nversion=100000005",
    );
  });

  it("in progress, then the version, then the request's form", () => {
    expect(codeOf(() => checkReconfig(req({ v: 5n }), 9n, ctx({ lastSeen: three(0x200000000n) })))).toBe(ErrorCode.RECONFIGINPROGRESS);
    expect(codeOf(() => checkReconfig(req({ v: 5n, j: "garbage" }), 9n, ctx()))).toBe(ErrorCode.BADVERSION);
    expect(codeOf(() => checkReconfig(req({ v: 0x100000000n, l: "3" }), 9n, ctx()))).toBe("ok");
  });

  it("bad input: BADARGUMENTS for what ZooKeeper checks, MARSHALLINGERROR where it fails on an unchecked exception", () => {
    const cases: [Parameters<typeof req>[0], number][] = [
      [{ j: "server.5" }, ErrorCode.BADARGUMENTS],
      [{ j: "server.5=a=b" }, ErrorCode.BADARGUMENTS],
      [{ j: "server.5=h:1:2" }, ErrorCode.BADARGUMENTS],
      [{ j: "server.5=h:1:1;3" }, ErrorCode.BADARGUMENTS],
      [{ j: "server.5=h:1:2:x;3" }, ErrorCode.BADARGUMENTS],
      [{ j: "server.5=h:1|h:2:3;4" }, ErrorCode.BADARGUMENTS],
      [{ j: "server.5=10.0.0.1:2888:3999;2182" }, ErrorCode.BADARGUMENTS], // 10.0.0.1:2888 is server.1's
      [{ j: "server.x=h:1:2;3" }, ErrorCode.MARSHALLINGERROR],
      [{ j: "server.5=h:1:70000;3" }, ErrorCode.MARSHALLINGERROR],
      [{ l: "one" }, ErrorCode.MARSHALLINGERROR],
      [{ l: "1,2" }, ErrorCode.BADARGUMENTS],
      [{ l: "1,2,3" }, ErrorCode.BADARGUMENTS],
      [{ n: "server.1=h:1:2;3,tickTime=1" }, ErrorCode.BADARGUMENTS],
      [{ n: "server.1=h:1:2:observer;3" }, ErrorCode.MARSHALLINGERROR],
      [{ n: "server.1=h:1:2;3\nserver.2=h:4:5;6\nversion=zz" }, ErrorCode.MARSHALLINGERROR],
    ];
    for (const [r, code] of cases) expect(codeOf(() => checkReconfig(req(r), 9n, ctx())), JSON.stringify(r)).toBe(code);
  });

  it("loopback and wildcard addresses are not compared for duplicates (QuorumServer.checkAddressDuplicate)", () => {
    const local = parseQuorumConfig([
      ["server.1", "127.0.0.1:2888:3888;2181"],
      ["server.2", "127.0.0.1:2889:3889;2182"],
    ]);
    expect(codeOf(() => checkReconfig(req({ j: "server.3=127.0.0.1:2888:3888;2181" }), 9n, ctx({ committed: local, lastSeen: local, syncedFollowers: [2n] })))).toBe("ok");
  });

  it("participants: 2 with standaloneEnabled, 1 without; a synced quorum of the new config (NEWCONFIGNOQUORUM)", () => {
    expect(codeOf(() => checkReconfig(req({ l: "2,3" }), 9n, ctx()))).toBe(ErrorCode.BADARGUMENTS);
    expect(codeOf(() => checkReconfig(req({ l: "2,3" }), 9n, ctx({ standaloneEnabled: false })))).toBe("ok");
    const twoNew = "server.4=10.0.0.4:1:2;3,server.5=10.0.0.5:1:2;3";
    expect(codeOf(() => checkReconfig(req({ j: twoNew }), 9n, ctx()))).toBe("ok"); // 1,2,3 of 5
    expect(codeOf(() => checkReconfig(req({ j: twoNew }), 9n, ctx({ syncedFollowers: [2n] })))).toBe(ErrorCode.NEWCONFIGNOQUORUM);
    expect(codeOf(() => checkReconfig(req({ j: `${twoNew},server.6=10.0.0.6:1:2;3` }), 9n, ctx()))).toBe(ErrorCode.NEWCONFIGNOQUORUM);
    // the leader counts only when it is a participant of the new config
    expect(codeOf(() => checkReconfig(req({ l: "1", j: "server.4=10.0.0.4:1:2;3" }), 9n, ctx({ syncedFollowers: [2n] })))).toBe(ErrorCode.NEWCONFIGNOQUORUM);
  });

  it("incremental changes need a majority config; a hierarchical one takes only the non-incremental form", () => {
    const h = three(0x100000000n, [["group.1", "1:2:3"]]);
    expect(codeOf(() => checkReconfig(req({ l: "3" }), 9n, ctx({ committed: h, lastSeen: h })))).toBe(ErrorCode.BADARGUMENTS);
    const n = "server.1=10.0.0.1:2888:3888;2181,server.2=10.0.0.2:2888:3888;2181,group.1=1:2";
    expect(checkReconfig(req({ n }), 0x10n, ctx({ committed: h, lastSeen: h })).toString()).toContain("group.1=1:2\n");
  });

  it("parseServerString: QuorumServer's forms", () => {
    expect(parseServerString(4n, "h:1:2")).toEqual({ sid: 4n, quorumAddrs: [{ host: "h", port: 1 }], electionAddrs: [{ host: "h", port: 2 }], type: "participant" });
    expect(parseServerString(4n, "[::1]:1:2:OBSERVER;[::1]:3").clientAddr).toEqual({ host: "::1", port: 3 });
    expect(parseServerString(4n, "h:1:2;").clientAddr).toBeUndefined(); // String.split drops the empty tail
  });
});
