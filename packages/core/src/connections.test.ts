import { decodeResponse } from "@zkts/client-wire";
import { describe, expect, it } from "vitest";
import { Connections } from "./connections.js";
import type { ServerStats } from "./server-info.js";
import type { Tree } from "./tree.js";

const event = (b: Buffer) => decodeResponse(b, () => 0).body as { type: number; state: number; path: string };

const conns = () =>
  new Connections(
    { now: () => 0 } as never,
    { debug() {}, info() {}, warn() {}, error() {} },
    {} as Tree,
    { packetsSent: 0 } as unknown as ServerStats,
  );

describe("Connections.notification", () => {
  it("encodes an event fired at several watchers once, and a different event anew", () => {
    const c = conns();
    const ev = { type: 3, state: 3, path: "/a/b", zxid: 7n };
    const first = c.notification(ev);
    // the next watcher gets its own copy of the event object, with the same content: the same bytes
    expect(c.notification({ ...ev })).toBe(first);
    expect(event(first)).toEqual({ type: 3, state: 3, path: "/a/b" });
    const other = c.notification({ ...ev, path: "/a/c" });
    expect(other).not.toBe(first);
    expect(event(other).path).toBe("/a/c");
    const deleted = c.notification({ ...ev, path: "/a/c", type: 2 });
    expect(event(deleted).type).toBe(2);
    // the header: xid -1, zxid -1, err 0
    expect([first.readInt32BE(0), first.readBigInt64BE(4), first.readInt32BE(12)]).toEqual([-1, -1n, 0]);
  });
});
