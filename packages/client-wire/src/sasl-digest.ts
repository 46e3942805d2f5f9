/**
 * SASL DIGEST-MD5 (RFC 2831) as ZooKeeper 3.8 speaks it, the pieces both sides share: parsing a challenge or
 * response, the `response` / `rspauth` digests (qop auth, md5-sess), and the client's side of the exchange (Java's
 * DigestMD5Client as ZooKeeperSaslClient creates it: protocol "zookeeper", server name "zk-sasl-md5", the user
 * name as authorization id). The server's side (DigestMD5Server) is in @zkts/core's digest-md5.ts, on these
 * primitives.
 *
 * Pure: the client nonce comes from injected random bytes; no clock, no I/O. A failure is a SaslError.
 */
import { createHash } from "node:crypto";

/** ZooKeeper's hard-wired protocol and server name (ZooKeeperSaslClient / ZooKeeperSaslServer). */
export const DIGEST_MD5_PROTOCOL = "zookeeper";
export const DIGEST_MD5_SERVER_NAME = "zk-sasl-md5";

export class SaslError extends Error {
  override readonly name = "SaslError";
}

const md5 = (...parts: (Buffer | string)[]): Buffer => {
  const h = createHash("md5");
  for (const p of parts) h.update(typeof p === "string" ? Buffer.from(p, "latin1") : p);
  return h.digest();
};
const hex = (b: Buffer): string => b.toString("hex");

/**
 * RFC 2831 section 2.1.2.1: with charset=utf-8 the user name, realm and password are hashed as ISO 8859-1 when every
 * character fits, else as UTF-8 (as DigestMD5Base.stringToByte_8859_1 does).
 */
export function digestBytes(s: string): Buffer {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return Buffer.from(s, "utf8");
  return Buffer.from(s, "latin1");
}

/** The `response` (and, with `a2Prefix` "", the `rspauth`) value of RFC 2831 2.1.2.1 for qop=auth, md5-sess. */
export function digestResponse(p: {
  username: string;
  realm: string;
  password: string;
  nonce: string;
  cnonce: string;
  nc: string;
  qop: string;
  digestUri: string;
  authzid?: string | undefined;
  a2Prefix: "AUTHENTICATE" | "";
}): string {
  const userHash = md5(digestBytes(p.username), ":", digestBytes(p.realm), ":", digestBytes(p.password));
  const a1 = [userHash, Buffer.from(`:${p.nonce}:${p.cnonce}`, "utf8")];
  if (p.authzid !== undefined) a1.push(Buffer.from(`:${p.authzid}`, "utf8"));
  const ha1 = hex(md5(...a1));
  const ha2 = hex(md5(`${p.a2Prefix}:${p.digestUri}`));
  return hex(md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`));
}

/**
 * Parses a digest-challenge/response: comma-separated `name=value` or `name="quoted value"` directives (backslash
 * quoting inside quotes). Throws SaslError on a malformed token or a repeated directive.
 */
export function parseDirectives(token: Buffer): Map<string, string> {
  const s = token.toString("utf8");
  const out = new Map<string, string>();
  let i = 0;
  const skip = () => {
    while (i < s.length && /[\s,]/.test(s[i]!)) i++;
  };
  skip();
  while (i < s.length) {
    const eq = s.indexOf("=", i);
    if (eq < 0) throw new SaslError("DIGEST-MD5: Invalid token format: missing '='");
    const name = s.slice(i, eq).trim().toLowerCase();
    if (name === "" || !/^[a-z0-9-]+$/.test(name)) throw new SaslError("DIGEST-MD5: Invalid token format: bad directive name");
    i = eq + 1;
    while (i < s.length && /\s/.test(s[i]!)) i++;
    let value = "";
    if (s[i] === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const c = s[i]!;
        if (c === "\\" && i + 1 < s.length) {
          value += s[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) throw new SaslError("DIGEST-MD5: Invalid token format: unterminated quoted string");
    } else {
      const end = s.indexOf(",", i);
      value = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    if (out.has(name)) throw new SaslError(`DIGEST-MD5: digest response format violation. Duplicate directive: ${name}`);
    out.set(name, value);
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i < s.length && s[i] !== ",") throw new SaslError("DIGEST-MD5: Invalid token format: expected ','");
    skip();
  }
  return out;
}

/** A quoted-string value of RFC 2831 (`"` and `\` escaped). */
export function quoteDirective(v: string): string {
  return `"${v.replace(/["\\]/g, (c) => "\\" + c)}"`;
}

export interface DigestMd5ClientOptions {
  username: string;
  password: string;
  /** The authorization id sent (`authzid`); ZooKeeper's client sends the user name. Default: `username`. */
  authorizationId?: string;
  /** Random bytes for the client nonce. */
  randomBytes(n: number): Buffer;
  protocol?: string;
  serverName?: string;
}

/** DigestMD5Server.MAX_CHALLENGE_LENGTH (the client refuses longer challenges). */
const MAX_CHALLENGE_LENGTH = 2048;

/**
 * One connection's DIGEST-MD5 exchange from the client's side (Java's DigestMD5Client): no initial response (an
 * empty first token), the digest-response to the server's challenge, then the server's `rspauth` is checked. Any
 * problem with what the server sent is a SaslError, and the exchange is failed.
 */
export class DigestMd5Client {
  private step: "initial" | "challenge" | "rspauth" | "complete" | "failed" = "initial";
  private expectedRspauth = "";
  private readonly digestUri: string;

  constructor(private readonly opts: DigestMd5ClientOptions) {
    this.digestUri = `${opts.protocol ?? DIGEST_MD5_PROTOCOL}/${opts.serverName ?? DIGEST_MD5_SERVER_NAME}`;
  }

  isComplete(): boolean {
    return this.step === "complete";
  }
  isFailed(): boolean {
    return this.step === "failed";
  }

  /** The first token (DIGEST-MD5 has no initial response: empty, as ZooKeeperSaslClient sends it). */
  initialResponse(): Buffer {
    if (this.step !== "initial") throw new SaslError("DIGEST-MD5: initial response already sent");
    this.step = "challenge";
    return Buffer.alloc(0);
  }

  /**
   * SaslClient.evaluateChallenge: the token to send next, or undefined once the exchange is complete (the
   * server's rspauth checked; nothing more is sent). Throws SaslError, after which the exchange is failed.
   */
  evaluate(challenge: Buffer | null | undefined): Buffer | undefined {
    try {
      if (challenge === null || challenge === undefined) throw new SaslError("DIGEST-MD5: the server sent no token");
      return this.evaluateStep(challenge);
    } catch (e) {
      this.step = "failed";
      throw e instanceof SaslError ? e : new SaslError(`DIGEST-MD5: ${(e as Error).message}`);
    }
  }

  private evaluateStep(challenge: Buffer): Buffer | undefined {
    switch (this.step) {
      case "initial":
      case "challenge":
        this.step = "challenge";
        return this.respond(challenge);
      case "rspauth": {
        const d = parseDirectives(challenge);
        const rspauth = d.get("rspauth");
        if (rspauth === undefined) throw new SaslError("DIGEST-MD5: Authentication failed: no rspauth from the server");
        if (rspauth.toLowerCase() !== this.expectedRspauth) {
          throw new SaslError("DIGEST-MD5: Server's rspauth value does not match what client expects");
        }
        this.step = "complete";
        return undefined;
      }
      case "complete":
        throw new SaslError("DIGEST-MD5 authentication already completed");
      case "failed":
        throw new SaslError("DIGEST-MD5 authentication previously aborted due to error");
    }
  }

  private respond(challenge: Buffer): Buffer {
    if (challenge.length > MAX_CHALLENGE_LENGTH) {
      throw new SaslError(`DIGEST-MD5: Invalid digest-challenge length. Got:  ${challenge.length} Expected < ${MAX_CHALLENGE_LENGTH}`);
    }
    if (challenge.length === 0) throw new SaslError("DIGEST-MD5: empty digest-challenge");
    const d = parseDirectives(challenge);
    const nonce = d.get("nonce");
    if (nonce === undefined || nonce === "") throw new SaslError("DIGEST-MD5: Digest-challenge format violation: Missing nonce");
    const algorithm = d.get("algorithm");
    if (algorithm === undefined) throw new SaslError("DIGEST-MD5: Digest-challenge format violation: Missing algorithm");
    if (algorithm.toLowerCase() !== "md5-sess") throw new SaslError(`DIGEST-MD5: Invalid value for 'algorithm' directive: ${algorithm}`);
    const charset = d.get("charset");
    if (charset !== undefined && charset.toLowerCase() !== "utf-8") {
      throw new SaslError(`DIGEST-MD5: Invalid value for 'charset' directive: ${charset}`);
    }
    const qops = (d.get("qop") ?? "auth").split(",").map((q) => q.trim().toLowerCase());
    if (!qops.includes("auth")) throw new SaslError("DIGEST-MD5: No common protection layer between client and server");
    const realm = d.get("realm") ?? "";
    const { username, password } = this.opts;
    const authzid = this.opts.authorizationId ?? username;
    const cnonce = this.opts.randomBytes(30).toString("base64");
    const common = { username, realm, password, nonce, cnonce, nc: "00000001", qop: "auth", digestUri: this.digestUri, authzid };
    const response = digestResponse({ ...common, a2Prefix: "AUTHENTICATE" });
    this.expectedRspauth = digestResponse({ ...common, a2Prefix: "" });
    this.step = "rspauth";
    const parts = [
      "charset=utf-8",
      `username=${quoteDirective(username)}`,
      `realm=${quoteDirective(realm)}`,
      `nonce=${quoteDirective(nonce)}`,
      "nc=00000001",
      `cnonce=${quoteDirective(cnonce)}`,
      `digest-uri=${quoteDirective(this.digestUri)}`,
      "maxbuf=65536",
      `response=${response}`,
      "qop=auth",
      `authzid=${quoteDirective(authzid)}`,
    ];
    return Buffer.from(parts.join(","), "utf8");
  }
}
