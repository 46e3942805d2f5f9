/**
 * SASL login on the client's connections, as the Java client's ZooKeeperSaslClient with a JAAS `Client` section
 * using DigestLoginModule: DIGEST-MD5 (RFC 2831; the exchange itself is @zkts/client-wire's DigestMd5Client) with
 * the SASL opcode, started once a connection's session is established and redone on every new connection. This
 * file holds the typed option and the state of one connection's exchange (`SaslExchange`); connection.ts sends
 * the packets, holds requests while the exchange runs and ends the session when it fails.
 */
import { randomBytes } from "node:crypto";
import { decodeResponse, DigestMd5Client, encodeRequest, OpCode, SaslError } from "@zkts/client-wire";

/** SASL DIGEST-MD5 credentials (the JAAS `Client` section's DigestLoginModule `username` and `password`). */
export interface ClientSaslOptions {
  mechanism: "DIGEST-MD5";
  username: string;
  password: string;
}

export class SaslSettingsError extends Error {
  override readonly name = "SaslSettingsError";
}

/** Checks the option when the client is created (throws SaslSettingsError naming the problem). */
export function resolveSasl(o: ClientSaslOptions | undefined): ClientSaslOptions | undefined {
  if (o === undefined) return undefined;
  if (o.mechanism !== "DIGEST-MD5") {
    throw new SaslSettingsError(`sasl.mechanism ${String(o.mechanism)}: only DIGEST-MD5 is supported (no Kerberos/GSSAPI)`);
  }
  if (typeof o.username !== "string" || typeof o.password !== "string") {
    throw new SaslSettingsError("sasl: username and password must be strings");
  }
  return { mechanism: o.mechanism, username: o.username, password: o.password };
}

/** What a SASL reply led to: a packet to send, the login done, or failed (with why). */
export type SaslStep = { send: Buffer } | { done: true } | { failed: string };

/**
 * One connection's SASL exchange (ZooKeeperSaslClient's INITIAL -> INTERMEDIATE -> COMPLETE/FAILED): `start()` is
 * the first packet; each reply from the server (`reply()`) yields the next packet, completion or failure. A reply
 * with an error code (the server refused the login: it sends AUTHFAILED or SESSIONCLOSEDREQUIRESASLAUTH with no
 * token), an undecodable reply or a bad token from the server is a failure, never an exception.
 */
export class SaslExchange {
  private readonly client: DigestMd5Client;
  /** The xid of the last SASL packet sent: its reply is the next step. */
  xid = 0;

  constructor(
    opts: ClientSaslOptions,
    private readonly nextXid: () => number,
    random: (n: number) => Buffer = randomBytes,
  ) {
    this.client = new DigestMd5Client({ username: opts.username, password: opts.password, randomBytes: random });
  }

  /** The first SASL packet (an empty token: DIGEST-MD5 has no initial response). */
  start(): Buffer {
    return this.packet(this.client.initialResponse());
  }

  reply(payload: Buffer): SaslStep {
    let token: Buffer | null;
    try {
      const { header, body } = decodeResponse(payload, () => OpCode.sasl, { allowTrailing: true });
      if (header.err !== 0) return { failed: `the server refused the SASL login (error ${header.err})` };
      token = (body as { token: Buffer | null }).token;
    } catch (e) {
      return { failed: `undecodable SASL reply: ${(e as Error).message}` };
    }
    try {
      const next = this.client.evaluate(token);
      if (next !== undefined) return { send: this.packet(next) };
      return { done: true };
    } catch (e) {
      return { failed: e instanceof SaslError ? e.message : String(e) };
    }
  }

  private packet(token: Buffer): Buffer {
    this.xid = this.nextXid();
    return encodeRequest({ xid: this.xid, type: OpCode.sasl, body: { token } });
  }
}
