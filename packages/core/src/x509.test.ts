import { describe, expect, it } from "vitest";
import { ErrorCode, OpCode, Perms } from "@zkts/client-wire";
import { TestClient, makeServer } from "./testing/harness.js";

const create = (path: string, acl: { perms: number; id: { scheme: string; id: string } }[]) => ({ path, data: Buffer.from("d"), acl, flags: 0 });
const ALICE = "O=zkts,CN=alice";
const BOB = "O=zkts,CN=bob";

describe("x509 authentication (X509AuthenticationProvider)", () => {
  it("without the provider registered: x509 ids are invalid and a connection with a certificate is closed", () => {
    const { server } = makeServer();
    const plain = new TestClient(server);
    expect(plain.call(OpCode.create, create("/x", [{ perms: Perms.ALL, id: { scheme: "x509", id: ALICE } }])).header.err).toBe(ErrorCode.INVALIDACL);
    const tls = new TestClient(server, { x509Subject: ALICE });
    expect(tls.conn.closed).toMatch(/x509 auth provider not found/);
    expect(tls.connectResponse).toBeUndefined();
  });

  it("with it: the certificate subject is the x509 id; ACLs allow and deny by it; whoami reports it", () => {
    const { server } = makeServer({ x509: {} });
    const alice = new TestClient(server, { x509Subject: ALICE });
    expect(alice.connectResponse?.timeOut).toBeGreaterThan(0);
    expect(alice.call(OpCode.create, create("/x", [{ perms: Perms.ALL, id: { scheme: "x509", id: ALICE } }])).header.err).toBe(0);
    // (in the order of ZooKeeper's HashSet of ids, which the session layer keeps)
    const info = (alice.call(OpCode.whoAmI, null).body as { clientInfo: { authScheme: string; user: string }[] }).clientInfo;
    expect([...info].sort((a, b) => a.authScheme.localeCompare(b.authScheme))).toEqual([
      { authScheme: "ip", user: "127.0.0.1" },
      { authScheme: "x509", user: ALICE },
    ]);
    const bob = new TestClient(server, { x509Subject: BOB });
    expect(bob.call(OpCode.getData, { path: "/x", watch: false }).header.err).toBe(ErrorCode.NOAUTH);
    const anon = new TestClient(server);
    expect(anon.call(OpCode.getData, { path: "/x", watch: false }).header.err).toBe(ErrorCode.NOAUTH);
    expect(alice.call(OpCode.getData, { path: "/x", watch: false }).header.err).toBe(0);
    // auth:"" expands to the x509 id (an authenticated provider)
    expect(bob.call(OpCode.create, create("/b", [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }])).header.err).toBe(0);
    const acl = bob.call(OpCode.getACL, { path: "/b" }).body as { acl: { id: { scheme: string; id: string } }[] };
    expect(acl.acl.map((a) => a.id)).toEqual([{ scheme: "x509", id: BOB }]);
    // addauth x509 without a certificate fails (AUTHFAILED, connection closed)
    anon.send(100, { type: 0, scheme: "x509", auth: Buffer.alloc(0) }, -4);
    expect(anon.replies()[0]!.header.err).toBe(ErrorCode.AUTHFAILED);
    expect(anon.conn.closed).not.toBeNull();
  });

  it("the configured superUser also gets the super id", () => {
    const { server } = makeServer({ x509: { superUser: ALICE } });
    const bob = new TestClient(server, { x509Subject: BOB });
    expect(bob.call(OpCode.create, create("/only-bob", [{ perms: Perms.ALL, id: { scheme: "x509", id: BOB } }])).header.err).toBe(0);
    const alice = new TestClient(server, { x509Subject: ALICE });
    expect(alice.call(OpCode.setData, { path: "/only-bob", data: Buffer.from("su"), version: -1 }).header.err).toBe(0);
    const who = alice.call(OpCode.whoAmI, null).body as { clientInfo: { authScheme: string }[] };
    expect(who.clientInfo.map((c) => c.authScheme).sort()).toEqual(["ip", "super", "x509"]);
  });
});
