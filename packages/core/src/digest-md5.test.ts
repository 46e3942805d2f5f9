import { describe, expect, it } from "vitest";
import { DigestMd5Client } from "@zkts/client-wire";
import { DigestMd5Server, digestBytes, digestResponse, parseDirectives, SaslError } from "./digest-md5.js";

const users: Record<string, string> = { alice: "pw", "jörg": "sécret" };
const server = (bytes = Buffer.alloc(30, 7)) =>
  new DigestMd5Server({ password: (u) => users[u], randomBytes: (n) => bytes.subarray(0, n) });

/** What a DIGEST-MD5 client (javax.security.sasl, ZooKeeperSaslClient) answers to the challenge. */
function clientResponse(challenge: Buffer, user: string, password: string, over: Record<string, string> = {}): Buffer {
  const c = parseDirectives(challenge);
  const f = {
    username: user,
    realm: c.get("realm")!,
    nonce: c.get("nonce")!,
    cnonce: "cN0nce+/",
    nc: "00000001",
    qop: "auth",
    digestUri: "zookeeper/zk-sasl-md5",
  };
  const response = digestResponse({ ...f, password, a2Prefix: "AUTHENTICATE" });
  const d: Record<string, string> = {
    charset: "utf-8",
    username: `"${f.username}"`,
    realm: `"${f.realm}"`,
    nonce: `"${f.nonce}"`,
    nc: f.nc,
    cnonce: `"${f.cnonce}"`,
    "digest-uri": `"${f.digestUri}"`,
    maxbuf: "65536",
    response,
    qop: f.qop,
    ...over,
  };
  return Buffer.from(
    Object.entries(d)
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
    "utf8",
  );
}

describe("DIGEST-MD5 (RFC 2831)", () => {
  it("computes RFC 2831's example response and rspauth (section 4)", () => {
    const p = {
      username: "chris",
      realm: "elwood.innosoft.com",
      password: "secret",
      nonce: "OA6MG9tEQGm2hh",
      cnonce: "OA6MHXh6VqTrRk",
      nc: "00000001",
      qop: "auth",
      digestUri: "imap/elwood.innosoft.com",
    };
    expect(digestResponse({ ...p, a2Prefix: "AUTHENTICATE" })).toBe("d388dad90d4bbd760a152321f2143af7");
    expect(digestResponse({ ...p, a2Prefix: "" })).toBe("ea40f60335c427b5527b84dbabcdfffd");
  });

  it("hashes names as ISO 8859-1 when they fit, else UTF-8", () => {
    expect(digestBytes("jörg")).toEqual(Buffer.from([0x6a, 0xf6, 0x72, 0x67]));
    expect(digestBytes("日本")).toEqual(Buffer.from("日本", "utf8"));
  });

  it("challenges with realm zk-sasl-md5, a nonce from the injected random bytes, qop auth", () => {
    const s = server(Buffer.alloc(30, 1));
    const ch = parseDirectives(s.evaluate(Buffer.alloc(0)));
    expect(ch.get("realm")).toBe("zk-sasl-md5");
    expect(ch.get("nonce")).toBe(Buffer.alloc(30, 1).toString("base64"));
    expect(ch.has("qop")).toBe(false); // absent: "auth" (RFC 2831), as the JDK's challenge leaves it out
    expect(ch.get("algorithm")).toBe("md5-sess");
    expect(ch.get("charset")).toBe("utf-8");
    expect(s.isComplete()).toBe(false);
  });

  it("authenticates a good user and answers rspauth", () => {
    const s = server();
    const ch = s.evaluate(Buffer.alloc(0));
    const last = s.evaluate(clientResponse(ch, "alice", "pw"));
    const c = parseDirectives(ch);
    const expected = digestResponse({
      username: "alice", realm: "zk-sasl-md5", password: "pw", nonce: c.get("nonce")!, cnonce: "cN0nce+/",
      nc: "00000001", qop: "auth", digestUri: "zookeeper/zk-sasl-md5", a2Prefix: "",
    });
    expect(last.toString()).toBe(`rspauth=${expected}`);
    expect(s.isComplete()).toBe(true);
    expect(s.authorizationId()).toBe("alice");
  });

  it("authenticates a user whose name and password are not ASCII", () => {
    const s2 = server();
    const ch = s2.evaluate(Buffer.alloc(0));
    s2.evaluate(clientResponse(ch, "jörg", "sécret", { username: '"jörg"' }));
    expect(s2.authorizationId()).toBe("jörg");
  });

  it("an authzid is the authorization id (through authorize)", () => {
    const s = new DigestMd5Server({
      password: (u) => users[u],
      randomBytes: (n) => Buffer.alloc(n, 3),
      authorize: (authc, authz) => `${authz}<-${authc}`,
    });
    const ch = parseDirectives(s.evaluate(Buffer.alloc(0)));
    const f = { username: "alice", realm: "zk-sasl-md5", password: "pw", nonce: ch.get("nonce")!, cnonce: "x", nc: "00000001", qop: "auth", digestUri: "zookeeper/zk-sasl-md5", authzid: "bob" };
    const r = digestResponse({ ...f, a2Prefix: "AUTHENTICATE" });
    s.evaluate(Buffer.from(`username="alice",realm="zk-sasl-md5",nonce="${f.nonce}",cnonce="x",nc=00000001,qop=auth,digest-uri="zookeeper/zk-sasl-md5",response=${r},authzid="bob"`));
    expect(s.authorizationId()).toBe("bob<-alice");
  });

  const failures: [string, (ch: Buffer) => Buffer, RegExp][] = [
    ["a wrong password", (ch) => clientResponse(ch, "alice", "nope"), /Mismatched response/],
    ["an unknown user", (ch) => clientResponse(ch, "mallory", "pw"), /cannot acquire password for mallory in realm : zk-sasl-md5/],
    ["another nonce", (ch) => clientResponse(ch, "alice", "pw", { nonce: '"abc"' }), /Mismatched nonce/],
    ["another digest-uri", (ch) => clientResponse(ch, "alice", "pw", { "digest-uri": '"zookeeper/other"' }), /Mismatched URI/],
    ["another realm", (ch) => clientResponse(ch, "alice", "pw", { realm: '"x"' }), /Mismatched realm/],
    ["a nonce count other than 1", (ch) => clientResponse(ch, "alice", "pw", { nc: "00000002" }), /Nonce count/],
    ["qop auth-conf", (ch) => clientResponse(ch, "alice", "pw", { qop: "auth-conf" }), /Invalid QOP/],
    ["garbage", () => Buffer.from([0xff, 0x00, 0x3d, 0x22]), /DIGEST-MD5/],
    ["no '='", () => Buffer.from("hello"), /Invalid token format/],
    ["an unterminated quote", () => Buffer.from('username="alice'), /unterminated/],
    ["a missing response", () => Buffer.from('username="alice",realm="zk-sasl-md5"'), /Missing nonce|Mismatched nonce/],
    ["a repeated directive", () => Buffer.from('username="a",username="b"'), /Duplicate directive/],
  ];
  for (const [what, token, message] of failures) {
    it(`refuses ${what}, and the exchange stays failed`, () => {
      const s = server();
      const ch = s.evaluate(Buffer.alloc(0));
      expect(() => s.evaluate(token(ch))).toThrow(message);
      expect(s.isComplete()).toBe(false);
      expect(() => s.evaluate(clientResponse(ch, "alice", "pw"))).toThrow(/previously aborted/);
    });
  }

  it("ignores the first token (as the JDK's server), refuses an over-long token and a token after completion", () => {
    expect(parseDirectives(server().evaluate(Buffer.from("x"))).get("realm")).toBe("zk-sasl-md5");
    expect(() => server().evaluate(Buffer.alloc(4097))).toThrow(/Invalid digest response length/);
    const s = server();
    const ch = s.evaluate(Buffer.alloc(0));
    s.evaluate(clientResponse(ch, "alice", "pw"));
    expect(() => s.evaluate(Buffer.alloc(0))).toThrow(/already completed/);
    expect(() => server().authorizationId()).toThrow(/not completed/);
  });

  it("bounded random tokens never throw anything but SaslError", () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const s = server();
      s.evaluate(Buffer.alloc(0));
      const len = Math.floor(rnd() * 300);
      const alphabet = 'abcnoe=",\\ \tusrm-0';
      const t = Buffer.from(Array.from({ length: len }, () => (rnd() < 0.5 ? alphabet[Math.floor(rnd() * alphabet.length)]! : String.fromCharCode(Math.floor(rnd() * 256)))).join(""), "latin1");
      try {
        s.evaluate(t);
      } catch (e) {
        expect(e).toBeInstanceOf(SaslError);
      }
      expect(s.isComplete()).toBe(false);
    }
  });

  it("the client side (@zkts/client-wire's DigestMd5Client) and this server agree; each catches the other's mistakes", () => {
    const client = (password: string, user = "jörg") =>
      new DigestMd5Client({ username: user, password, randomBytes: (n) => Buffer.alloc(n, 3) });
    // a good login: challenge, response (with authzid = the user), rspauth checked by the client
    const s = server();
    const c = client("sécret");
    const rspauth = s.evaluate(c.evaluate(s.evaluate(c.initialResponse()))!);
    expect(s.isComplete()).toBe(true);
    expect(s.authorizationId()).toBe("jörg");
    expect(c.evaluate(rspauth)).toBeUndefined();
    expect(c.isComplete()).toBe(true);
    // a wrong password: the server refuses the response
    const s2 = server();
    const c2 = client("wrong");
    expect(() => s2.evaluate(c2.evaluate(s2.evaluate(c2.initialResponse()))!)).toThrow(/Mismatched response/);
    // a server that does not know the password cannot forge rspauth: the client refuses it
    const c3 = client("sécret");
    const ch = server().evaluate(c3.initialResponse());
    c3.evaluate(ch);
    expect(() => c3.evaluate(Buffer.from(`rspauth=${"0".repeat(32)}`))).toThrow(/rspauth/);
    expect(c3.isFailed()).toBe(true);
  });

  it("the client: bounded random challenges never throw anything but SaslError", () => {
    let seed = 777;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const c = new DigestMd5Client({ username: "a", password: "b", randomBytes: (n) => Buffer.alloc(n, 1) });
      c.initialResponse();
      const len = Math.floor(rnd() * 300);
      const alphabet = 'abcnoe=",\\ \tqpglrithm-5s';
      const t = Buffer.from(Array.from({ length: len }, () => (rnd() < 0.5 ? alphabet[Math.floor(rnd() * alphabet.length)]! : String.fromCharCode(Math.floor(rnd() * 256)))).join(""), "latin1");
      try {
        c.evaluate(t);
      } catch (e) {
        expect(e).toBeInstanceOf(SaslError);
      }
      expect(c.isComplete()).toBe(false);
    }
  });
});
