/**
 * SASL DIGEST-MD5 between members, as ZooKeeper 3.8's QuorumAuth / SaslQuorumAuthLearner / SaslQuorumAuthServer
 * (`quorum.auth.enableSasl=true`): on an election connection right after the initial message, on a learner
 * connection before anything else. The dialling member (the "learner") sends QuorumAuthPackets
 * (long magic 0x5f2435013501edcc, int status, buffer token; unframed jute) starting with an empty token; the
 * accepting member answers IN_PROGRESS with its challenge, then SUCCESS with rspauth (or ERROR). DIGEST-MD5 with
 * protocol "zookeeper-quorum" and server name "zk-quorum-sasl-md5"; the authorization id must be the user name
 * (SaslQuorumServerCallbackHandler). The accepting side peeks for the magic: a peer that does not authenticate is
 * let through unless `quorum.auth.serverRequireSasl`; a failed login is answered ERROR and, when required, closed
 * (otherwise let through, as ZooKeeper). A dialling member with `quorum.auth.learnerRequireSasl=false` does not
 * authenticate at all.
 */
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { DigestMd5Client, SaslError } from "@zkts/client-wire";
import { DigestMd5Server } from "@zkts/core";
import { InputArchive, OutputArchive } from "@zkts/jute";
import type { PeerAuth, PeerSockets } from "@zkts/election";
import type { ZkConfig } from "./config.js";

/** QuorumAuth.QUORUM_AUTH_MAGIC_NUMBER: Java's `-0xa0dbcafecafe1234L` (the literal is already a negative long: its negation is positive). */
export const QUORUM_AUTH_MAGIC = BigInt.asIntN(64, -BigInt.asIntN(64, 0xa0dbcafecafe1234n));
export const QUORUM_SASL_PROTOCOL = "zookeeper-quorum";
export const QUORUM_SASL_SERVER_NAME = "zk-quorum-sasl-md5";
const STATUS = { IN_PROGRESS: 0, SUCCESS: 1, ERROR: -1 } as const;
/** SaslQuorumAuthServer.MAX_RETRIES. */
const MAX_RETRIES = 5;
/** Largest token accepted (DigestMD5Server refuses responses over 4096 bytes anyway). */
const MAX_TOKEN = 64 * 1024;

export type QuorumSaslConfig = NonNullable<ZkConfig["quorumSasl"]>;

export class QuorumAuthError extends Error {
  override readonly name = "QuorumAuthError";
}

export function encodeQuorumAuthPacket(status: number, token: Buffer | null): Buffer {
  const out = new OutputArchive(32 + (token?.length ?? 0));
  out.writeLong(QUORUM_AUTH_MAGIC);
  out.writeInt(status);
  out.writeBuffer(token);
  return out.toBuffer();
}

/** Exact reads from a socket that is not being read otherwise; `release()` hands back what was read beyond. */
class SocketReader {
  private buf: Buffer;
  private want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private ended: Error | undefined;
  private readonly onData = (c: Buffer) => {
    this.buf = this.buf.length === 0 ? c : Buffer.concat([this.buf, c]);
    this.pump();
  };
  private readonly onEnd = () => {
    this.ended = new QuorumAuthError("the peer closed the connection during authentication");
    this.pump();
  };

  constructor(
    private readonly sock: Socket,
    initial: Buffer = Buffer.alloc(0),
  ) {
    this.buf = initial;
    sock.on("data", this.onData);
    sock.once("end", this.onEnd);
    sock.once("close", this.onEnd);
    sock.resume();
  }

  private pump(): void {
    const w = this.want;
    if (w === undefined) return;
    if (this.buf.length >= w.n) {
      this.want = undefined;
      w.resolve(this.buf.subarray(0, w.n));
    } else if (this.ended !== undefined) {
      this.want = undefined;
      w.reject(this.ended);
    }
  }

  /** The next `n` bytes, left in place. */
  peek(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.want = { n, resolve, reject };
      this.pump();
    });
  }

  async read(n: number): Promise<Buffer> {
    const b = Buffer.from(await this.peek(n));
    this.buf = this.buf.subarray(n);
    return b;
  }

  /** A QuorumAuthPacket: status and token. */
  async packet(): Promise<{ status: number; token: Buffer | null }> {
    const head = await this.read(16);
    const inp = new InputArchive(head);
    if (inp.readLong() !== QUORUM_AUTH_MAGIC) throw new QuorumAuthError("not a quorum authentication packet");
    const status = inp.readInt();
    const len = inp.readInt();
    if (len > MAX_TOKEN) throw new QuorumAuthError(`quorum authentication token of ${len} bytes`);
    return { status, token: len < 0 ? null : await this.read(len) };
  }

  /** Stops reading; the bytes read past what was consumed (the peer's next protocol bytes). */
  release(): Buffer {
    this.sock.off("data", this.onData);
    this.sock.off("end", this.onEnd);
    this.sock.off("close", this.onEnd);
    this.sock.pause();
    return this.buf;
  }
}

/** Bounds an exchange in time: a silent peer fails it. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_r, reject) => {
      timer = setTimeout(() => reject(new QuorumAuthError(`authentication not finished in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface QuorumSaslEvents {
  /** A peer failed to authenticate (or we failed against it); counted by the caller. */
  failed(side: "accepted" | "dialled", remote: string, why: string): void;
  succeeded?(side: "accepted" | "dialled", remote: string, user: string): void;
}

/** Quorum SASL for one member: the learner and server sides of the exchange. */
export class QuorumSasl {
  failures = 0;

  constructor(
    private readonly cfg: QuorumSaslConfig,
    private readonly events: QuorumSaslEvents,
    private readonly timeoutMs = 10_000,
  ) {}

  /**
   * SaslQuorumAuthLearner.authenticate: on a connection we dialled (after our initial message on an election
   * connection). Rejects when the login fails; does nothing without learnerRequireSasl.
   */
  async learner(sock: Socket, remote: string): Promise<void> {
    if (!this.cfg.learnerRequire) return;
    const reader = new SocketReader(sock);
    try {
      await within(this.timeoutMs, this.learnerExchange(sock, reader));
      this.events.succeeded?.("dialled", remote, this.cfg.username);
    } catch (e) {
      this.failures++;
      this.events.failed("dialled", remote, (e as Error).message);
      throw e;
    } finally {
      const rest = reader.release();
      if (rest.length > 0) sock.unshift(rest);
    }
  }

  private async learnerExchange(sock: Socket, reader: SocketReader): Promise<void> {
    const client = new DigestMd5Client({
      username: this.cfg.username,
      password: this.cfg.password,
      randomBytes,
      protocol: QUORUM_SASL_PROTOCOL,
      serverName: QUORUM_SASL_SERVER_NAME,
    });
    sock.write(encodeQuorumAuthPacket(STATUS.IN_PROGRESS, client.initialResponse()));
    let p = await reader.packet();
    while (!client.isComplete()) {
      if (p.status === STATUS.SUCCESS) {
        if (client.evaluate(p.token) !== undefined) throw new QuorumAuthError("Protocol error: attempting to send response after completion");
      } else if (p.status === STATUS.IN_PROGRESS) {
        const next = client.evaluate(p.token);
        sock.write(encodeQuorumAuthPacket(STATUS.IN_PROGRESS, next ?? null));
        p = await reader.packet();
      } else throw new QuorumAuthError("Authentication failed against the server");
    }
    if (p.status !== STATUS.SUCCESS) throw new QuorumAuthError(`Authentication failed against the server, status: ${p.status}`);
  }

  /**
   * SaslQuorumAuthServer.authenticate: on a connection we accepted (after the peer's initial message on an
   * election connection; `initial` are bytes already read). Resolves with the bytes read past the exchange;
   * rejects (the connection is to be closed) when the peer must authenticate and does not or fails.
   */
  async server(sock: Socket, remote: string, initial: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    const reader = new SocketReader(sock, initial);
    let user: string | undefined;
    try {
      user = await within(this.timeoutMs, this.serverExchange(sock, reader));
      if (user !== undefined) this.events.succeeded?.("accepted", remote, user);
    } catch (e) {
      this.failures++;
      this.events.failed("accepted", remote, (e as Error).message);
      if (this.cfg.serverRequire) {
        reader.release();
        throw e;
      }
      // not required: the peer is let through (ZooKeeper: "Maintaining learner connection despite SASL
      // authentication failure")
    }
    return reader.release();
  }

  /** The authenticated user, or undefined when the peer did not try (and need not). */
  private async serverExchange(sock: Socket, reader: SocketReader): Promise<string | undefined> {
    const magic = new InputArchive(await reader.peek(8)).readLong();
    if (magic !== QUORUM_AUTH_MAGIC) {
      if (this.cfg.serverRequire) throw new QuorumAuthError("Learner not trying to authenticate and authentication is required");
      return undefined;
    }
    const server = new DigestMd5Server({
      password: (u) => this.cfg.users.get(u),
      randomBytes,
      // SaslQuorumServerCallbackHandler: authorized only as itself
      authorize: (authn, authz) => {
        if (authn !== authz) throw new SaslError(`DIGEST-MD5: ${authn} is not authorized to act as ${authz}`);
        return authz;
      },
      protocol: QUORUM_SASL_PROTOCOL,
      serverName: QUORUM_SASL_SERVER_NAME,
    });
    try {
      let token = (await reader.packet()).token ?? Buffer.alloc(0);
      let tries = 0;
      let challenge: Buffer = Buffer.alloc(0);
      while (!server.isComplete()) {
        challenge = server.evaluate(token);
        if (server.isComplete()) break;
        if (++tries > MAX_RETRIES) {
          sock.write(encodeQuorumAuthPacket(STATUS.ERROR, challenge));
          throw new QuorumAuthError(`retries=${tries} exceeded`);
        }
        sock.write(encodeQuorumAuthPacket(STATUS.IN_PROGRESS, challenge));
        token = (await reader.packet()).token ?? Buffer.alloc(0);
      }
      sock.write(encodeQuorumAuthPacket(STATUS.SUCCESS, challenge));
      return server.authorizationId();
    } catch (e) {
      if (!(e instanceof QuorumAuthError && /retries/.test(e.message))) sock.write(encodeQuorumAuthPacket(STATUS.ERROR, Buffer.alloc(0)));
      throw e;
    }
  }

  /** The election connections' hook (NodeCnxManager `auth`): after the initial message, both directions. */
  electionAuth(): PeerAuth {
    return {
      dialled: (sock, sid) => this.learner(sock, `election peer ${sid} ${sock.remoteAddress}:${sock.remotePort}`),
      accepted: (sock, sid, rest) => this.server(sock, `election peer ${sid} ${sock.remoteAddress}:${sock.remotePort}`, rest),
    };
  }

  /**
   * The learner connections' sockets: authentication first on every connection, over `base` (TLS) or plain TCP.
   * A connection refused by the authentication is closed and never reaches the quorum transport.
   */
  learnerSockets(base: PeerSockets | undefined, plainDial: (host: string, port: number, timeoutMs: number) => Promise<Socket>): PeerSockets {
    const accept = base?.accept.bind(base) ?? ((raw: Socket, done: (s: Socket | undefined) => void) => done(raw));
    const dial = base?.dial.bind(base) ?? plainDial;
    return {
      accept: (raw, done) =>
        accept(raw, (sock) => {
          if (sock === undefined) return done(undefined);
          sock.on("error", () => {});
          this.server(sock, `learner ${sock.remoteAddress}:${sock.remotePort}`).then(
            (rest) => {
              if (rest.length > 0) sock.unshift(rest);
              done(sock);
              sock.resume();
            },
            () => {
              sock.destroy();
              done(undefined);
            },
          );
        }),
      dial: async (host, port, timeoutMs) => {
        const sock = await dial(host, port, timeoutMs);
        sock.on("error", () => {});
        try {
          await this.learner(sock, `leader ${host}:${port}`);
        } catch (e) {
          sock.destroy();
          throw e;
        }
        sock.resume();
        return sock;
      },
    };
  }
}
