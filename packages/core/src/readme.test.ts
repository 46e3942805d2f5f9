import { DataTree } from "@zkts/datatree";
import { ZooKeeperServer, nullLogger, type ServerConnection } from "./index.js";
import { ManualClock, seededRandom } from "./testing/index.js";
import { OpCode, decodeConnectResponse, decodeResponse, encodeConnectRequest, encodeRequest } from "@zkts/client-wire";
import { moduleLayoutProblems } from "@zkts/testkit";
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

// The README's "Module layout": every source module is named, every named module exists, none over 600 lines.
it("README module layout names every source module, none over 600 lines", () => {
  expect(moduleLayoutProblems(new URL(".", import.meta.url), "## Roles")).toEqual([]);
});
