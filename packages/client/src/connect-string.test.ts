import { describe, expect, it } from "vitest";
import { BadArgumentsError } from "./errors.js";
import { parseConnectString, prependChroot, shuffle, stripChroot, validatePath } from "./connect-string.js";
import { createClient } from "./client.js";

describe("parseConnectString", () => {
  it("parses hosts, default port, IPv6 and chroot", () => {
    expect(parseConnectString("a:1,b,[::1]:3/app/x")).toEqual({
      hosts: [
        { host: "a", port: 1 },
        { host: "b", port: 2181 },
        { host: "::1", port: 3 },
      ],
      chroot: "/app/x",
    });
    expect(parseConnectString("h:2/").chroot).toBe("");
    expect(parseConnectString(" h:2 , g:3 ").hosts).toHaveLength(2);
  });
  it("rejects bad input", () => {
    expect(() => parseConnectString("")).toThrow(/no hosts/);
    expect(() => parseConnectString("h:0")).toThrow(/port/);
    expect(() => parseConnectString("h:x")).toThrow(/port/);
    expect(() => parseConnectString("h:1/app/")).toThrow(BadArgumentsError);
    expect(() => parseConnectString("[::1:5")).toThrow(/host/);
  });
});

describe("shuffle", () => {
  it("is deterministic for an injected random and keeps every element", () => {
    expect(shuffle([1, 2, 3, 4], () => 0)).toEqual([2, 3, 4, 1]);
    expect(shuffle([1, 2, 3, 4], () => 0.999)).toEqual([1, 2, 3, 4]);
    const r = shuffle([1, 2, 3, 4, 5], Math.random);
    expect([...r].sort()).toEqual([1, 2, 3, 4, 5]);
  });
  it("the client tries hosts in the shuffled order", () => {
    const c = createClient("a:1,b:2,c:3", { random: () => 0 });
    expect(c.hosts.map((h) => h.host)).toEqual(["b", "c", "a"]);
  });
});

describe("chroot", () => {
  it("maps paths both ways", () => {
    expect(prependChroot("/app", "/")).toBe("/app");
    expect(prependChroot("/app", "/x")).toBe("/app/x");
    expect(prependChroot("", "/x")).toBe("/x");
    expect(stripChroot("/app", "/app")).toBe("/");
    expect(stripChroot("/app", "/app/x")).toBe("/x");
    expect(stripChroot("/app", "/application")).toBe("/application");
  });
});

describe("validatePath", () => {
  it("accepts valid paths", () => {
    for (const p of ["/", "/a", "/a/b", "/a.b", "/a..b", "/ü"]) expect(() => validatePath(p)).not.toThrow();
    expect(() => validatePath("/a/", true)).not.toThrow();
  });
  it("rejects what ZooKeeper rejects, with BadArgumentsError", () => {
    for (const p of ["", "a", "/a/", "//a", "/a//b", "/.", "/a/..", "/a\u0000", "/a\u0001", "/\u007f", "/\ud800", "/\ufff0"]) {
      expect(() => validatePath(p), JSON.stringify(p)).toThrow(BadArgumentsError);
    }
  });
});
