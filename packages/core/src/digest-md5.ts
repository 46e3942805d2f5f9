/**
 * The server side of SASL DIGEST-MD5 (RFC 2831) as ZooKeeper 3.8 speaks it: ZooKeeperSaslServer creates Java's
 * DigestMD5Server with protocol "zookeeper" and server name "zk-sasl-md5" (so the realm is "zk-sasl-md5" and the
 * client's digest-uri must be "zookeeper/zk-sasl-md5"), qop "auth" only, algorithm md5-sess, charset utf-8.
 * Users and passwords come from the JAAS `Server` section (SaslServerCallbackHandler: `user_<name>="<password>"`).
 *
 * Pure: the nonce comes from the injected random bytes; no clock, no I/O. A failure is a SaslError whose message
 * follows DigestMD5Server's wording; the caller answers it as ZooKeeperServer.processSasl does. The RFC 2831 pieces
 * shared with the client (parsing, the digests) are in @zkts/client-wire's sasl-digest.ts.
 */
import { DIGEST_MD5_PROTOCOL, DIGEST_MD5_SERVER_NAME, digestResponse, parseDirectives, SaslError } from "@zkts/client-wire";

export { DIGEST_MD5_PROTOCOL, DIGEST_MD5_SERVER_NAME, digestBytes, digestResponse, parseDirectives, SaslError } from "@zkts/client-wire";

export interface DigestMd5ServerOptions {
  /** The password of a user, or undefined for an unknown user. */
  password(user: string): string | undefined;
  /** Random bytes for the nonce (DigestMD5Server: 30 raw bytes, base64). */
  randomBytes(n: number): Buffer;
  /** Maps the authorization id to the one the connection is given (SaslServerCallbackHandler's AuthorizeCallback). */
  authorize?(authenticationId: string, authorizationId: string): string;
  realm?: string;
  protocol?: string;
  serverName?: string;
}

/** DigestMD5Server.MAX_RESPONSE_LENGTH. */
const MAX_RESPONSE_LENGTH = 4096;

type Step = "challenge" | "response" | "complete" | "failed";

/** One connection's DIGEST-MD5 exchange (DigestMD5Server): challenge, then the response is checked, then rspauth. */
export class DigestMd5Server {
  private step: Step = "challenge";
  private nonce = "";
  private authzId: string | undefined;
  private readonly realm: string;
  private readonly digestUri: string;

  constructor(private readonly opts: DigestMd5ServerOptions) {
    const serverName = opts.serverName ?? DIGEST_MD5_SERVER_NAME;
    this.realm = opts.realm ?? serverName;
    this.digestUri = `${opts.protocol ?? DIGEST_MD5_PROTOCOL}/${serverName}`;
  }

  isComplete(): boolean {
    return this.step === "complete";
  }

  /** The authorization id once complete. */
  authorizationId(): string {
    if (this.authzId === undefined) throw new SaslError("DIGEST-MD5 authentication not completed");
    return this.authzId;
  }

  /** SaslServer.evaluateResponse: the next server token; throws SaslError (and the exchange is then failed). */
  evaluate(token: Buffer): Buffer {
    try {
      return this.evaluateStep(token);
    } catch (e) {
      this.step = "failed";
      throw e instanceof SaslError ? e : new SaslError(`DIGEST-MD5: ${(e as Error).message}`);
    }
  }

  private evaluateStep(token: Buffer): Buffer {
    if (token.length > MAX_RESPONSE_LENGTH) {
      throw new SaslError(`DIGEST-MD5: Invalid digest response length. Got:  ${token.length} Expected < ${MAX_RESPONSE_LENGTH}`);
    }
    switch (this.step) {
      case "challenge": {
        // The JDK's server does not look at the first token (ZooKeeper 3.8 answers a garbage first token with the
        // challenge, as tests/interop/test/sasl.test.ts shows); with qop "auth" only, the challenge leaves qop out.
        this.nonce = this.opts.randomBytes(30).toString("base64");
        this.step = "response";
        return Buffer.from(`realm="${this.realm}",nonce="${this.nonce}",charset=utf-8,algorithm=md5-sess`, "utf8");
      }
      case "response":
        return this.checkResponse(token);
      case "complete":
        throw new SaslError("DIGEST-MD5 authentication already completed");
      case "failed":
        throw new SaslError("DIGEST-MD5 authentication previously aborted due to error");
    }
  }

  private checkResponse(token: Buffer): Buffer {
    const d = parseDirectives(token);
    const need = (k: string) => {
      const v = d.get(k);
      if (v === undefined) throw new SaslError(`DIGEST-MD5: digest response format violation. Missing ${k}.`);
      return v;
    };
    const charset = d.get("charset");
    if (charset !== undefined && charset.toLowerCase() !== "utf-8") {
      throw new SaslError(`DIGEST-MD5: digest response format violation. Incompatible charset value: ${charset}`);
    }
    const username = need("username");
    const realm = d.get("realm") ?? "";
    if (realm !== this.realm) throw new SaslError(`DIGEST-MD5: digest response format violation. Mismatched realm: ${realm}`);
    if (need("nonce") !== this.nonce) throw new SaslError("DIGEST-MD5: digest response format violation. Mismatched nonce.");
    const cnonce = need("cnonce");
    const nc = d.get("nc") ?? "";
    if (nc !== "00000001") throw new SaslError("DIGEST-MD5: digest response format violation. Nonce count does not match: " + nc);
    const qop = d.get("qop") ?? "auth";
    if (qop !== "auth") throw new SaslError(`DIGEST-MD5: digest response format violation. Invalid QOP: ${qop}`);
    const uri = need("digest-uri");
    if (uri.toLowerCase() !== this.digestUri.toLowerCase()) {
      throw new SaslError(`DIGEST-MD5: digest response format violation. Mismatched URI: ${uri}; expecting: ${this.digestUri}`);
    }
    const response = need("response");
    const authzid = d.get("authzid");
    const password = this.opts.password(username);
    if (password === undefined) throw new SaslError(`DIGEST-MD5: cannot acquire password for ${username} in realm : ${this.realm}`);
    const common = { username, realm, password, nonce: this.nonce, cnonce, nc, qop, digestUri: uri, authzid };
    const expected = digestResponse({ ...common, a2Prefix: "AUTHENTICATE" });
    if (expected !== response.toLowerCase()) throw new SaslError("DIGEST-MD5: digest response format violation. Mismatched response.");
    const requested = authzid ?? username;
    this.authzId = this.opts.authorize ? this.opts.authorize(username, requested) : requested;
    this.step = "complete";
    return Buffer.from(`rspauth=${digestResponse({ ...common, a2Prefix: "" })}`, "utf8");
  }
}
