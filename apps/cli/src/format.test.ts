import { describe, expect, it } from "vitest";
import { parseOptions, splitCommand } from "./args.js";
import { aclLines, cliErrorMessage, javaDate, longHex, parseAcl, pathError, permString, statLines } from "./format.js";
import { StatsTrack } from "@zkts/client-wire";
import { kindOf } from "./tree-dump.js";

describe("formats", () => {
  it("java.util.Date#toString in UTC", () => {
    const tz = process.env.TZ;
    process.env.TZ = "UTC";
    try {
      expect(javaDate(0n)).toBe("Thu Jan 01 00:00:00 UTC 1970");
      expect(javaDate(1_700_000_000_123n)).toBe("Tue Nov 14 22:13:20 UTC 2023");
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it("StatPrinter lines, Long.toHexString of negative owners", () => {
    const stat = { czxid: 0x1an, mzxid: 2n, ctime: 0n, mtime: 0n, version: 3, cversion: 4, aversion: 5, ephemeralOwner: -0x8000000000000000n, dataLength: 6, numChildren: 7, pzxid: 0xffn };
    const l = statLines(stat);
    expect(l[0]).toBe("cZxid = 0x1a");
    expect(l[4]).toBe("pZxid = 0xff");
    expect(l.slice(5)).toEqual(["cversion = 4", "dataVersion = 3", "aclVersion = 5", "ephemeralOwner = 0x8000000000000000", "dataLength = 6", "numChildren = 7"]);
    expect(longHex(-1n)).toBe("ffffffffffffffff");
  });

  it("ACLs: CSV ids, perm strings, AclParser", () => {
    expect(aclLines([{ perms: 31, id: { scheme: "world", id: "anyone" } }])).toEqual(["'world,'anyone", ": cdrwa"]);
    expect(aclLines([{ perms: 1, id: { scheme: "ip", id: "a,b%}" } }])).toEqual(["'ip,'a%2Cb%25%7D", ": r"]);
    expect(permString(0)).toBe("");
    const warnings: string[] = [];
    expect(parseAcl("digest:u:h=:rw,bad,ip:1.2.3.4:rx", (w) => warnings.push(w))).toEqual([
      { perms: 3, id: { scheme: "digest", id: "u:h=" } },
      { perms: 1, id: { scheme: "ip", id: "1.2.3.4" } },
    ]);
    expect(warnings).toEqual(["bad does not have the form scheme:id:perm", "Unknown perm type: x"]);
  });

  it("error messages and PathUtils", () => {
    expect(cliErrorMessage(-101, "/p")).toBe("Node does not exist: /p");
    expect(cliErrorMessage(-103, "/p")).toBe("version No is not valid : /p");
    expect(cliErrorMessage(-121, "/p")).toBe("KeeperErrorCode = No such watcher for /p");
    expect(pathError("a")).toBe("Path must start with / character");
    expect(pathError("/a/")).toBe("Path must not end with / character");
    expect(pathError("/a//b")).toBe('Invalid path string "/a//b" caused by empty node name specified @3');
    expect(pathError("/a/", true)).toBeUndefined();
    expect(pathError("/a/..")).toBe('Invalid path string "/a/.." caused by relative paths not allowed @4');
  });

  it("command splitting and commons-cli option parsing", () => {
    expect(splitCommand(` create /a "hello world" 'x y'  `)).toEqual(["create", "/a", "hello world", "x y"]);
    const spec = { options: { s: false, w: false, v: true } };
    expect(parseOptions(["get", "-sw", "/a"], spec)).toEqual({ opts: new Map([["s", true], ["w", true]]), args: ["get", "/a"] });
    expect(parseOptions(["set", "/a", "-1", "-v3"], spec).opts.get("v")).toBe("3");
    expect(parseOptions(["set", "/a", "-1"], spec).args).toEqual(["set", "/a", "-1"]);
    expect(() => parseOptions(["get", "-x"], spec)).toThrow("Unrecognized option: -x");
    expect(() => parseOptions(["set", "-v"], spec)).toThrow("Missing argument for option: v");
  });

  it("StatsTrack and dump node kinds", () => {
    expect(new StatsTrack("count=5,bytes=-1=;byteHardLimit=100;countHardLimit=-1").toString()).toBe(
      "count=5,bytes=-1=;byteHardLimit=100;countHardLimit=-1",
    );
    expect(new StatsTrack("count=2,bytes=7").toString()).toBe("count=2,bytes=7");
    expect(kindOf(0n)).toEqual({ kind: "persistent" });
    expect(kindOf(-0x8000000000000000n)).toEqual({ kind: "container" });
    expect(kindOf(BigInt.asIntN(64, 0xff00000000000000n | 5000n))).toEqual({ kind: "ttl", ttl: 5000n });
    expect(kindOf(0x1000001234560001n)).toEqual({ kind: "ephemeral" });
  });
});
