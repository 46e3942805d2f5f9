import { DataTree } from "@zkts/datatree";
import { ManualClock, ZooKeeperServer, nullLogger, seededRandom, type ServerConnection } from "./index.js";
import { OpCode, decodeConnectResponse, decodeResponse, encodeConnectRequest, encodeRequest } from "@zkts/client-wire";
import { readFileSync, readdirSync } from "node:fs";
import { expect, it } from "vitest";
it("README example runs", () => {




const clock = new ManualClock();
const server = new ZooKeeperServer(
  { tickTime: 2000 },
  { clock, random: seededRandom(1), logger: nullLogger, tree: new DataTree({ extendedTypesEnabled: false }) },
);
server.start();

const sent: Buffer[] = [];
const conn: ServerConnection = {
  id: 1, remoteAddress: "127.0.0.1", remotePort: 50000,
  send: (p) => sent.push(p),
  close: (reason) => console.log("closed:", reason),
};

server.handleConnect(conn, encodeConnectRequest({
  protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId: 0n,
  passwd: Buffer.alloc(16), readOnly: false, hasReadOnly: true,
}));
console.log(decodeConnectResponse(sent[0]!).sessionId);

server.handlePacket(conn, encodeRequest({
  xid: 1, type: OpCode.create,
  body: { path: "/hello", data: Buffer.from("world"), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], flags: 0 },
}));
console.log(decodeResponse(sent[1]!, () => OpCode.create)); // { header: { xid: 1, zxid: 2n, err: 0 }, body: { path: "/hello" } }

clock.advance(60_000); // no pings: the session expires, its ephemerals go, the connection is closed
});

// The README's "Module layout": every module it names exists, and none is longer than it says.
const src = new URL(".", import.meta.url);
it("README module layout names real modules, none over 600 lines", () => {
  const readme = readFileSync(new URL("../README.md", src), "utf8");
  const layout = readme.slice(readme.indexOf("## Module layout"), readme.indexOf("## Roles"));
  const named = [...layout.matchAll(/^\| `([a-z-]+\.ts)` \|/gm)].map((m) => m[1]!);
  expect(named.length).toBeGreaterThanOrEqual(11);
  const files = readdirSync(src).filter((f) => f.endsWith(".ts"));
  for (const f of named) expect(files).toContain(f);
  expect(readme).toContain("No source module is longer than 600 lines.");
  for (const f of files.filter((f) => !f.endsWith(".test.ts"))) {
    const lines = readFileSync(new URL(f, src), "utf8").split("\n").length;
    expect(lines, f).toBeLessThanOrEqual(600);
  }
});
