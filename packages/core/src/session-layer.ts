/**
 * Session tracking around SessionTracker (ZooKeeper's ZooKeeperServer connect handshake, processPacket's auth and
 * sasl, SessionTrackerImpl's expiry): the ConnectRequest -> createSession or reconnect, the ConnectResponse,
 * auth packets, touching sessions, and expiring them (a closeSession request per expired session).
 */
import { AuthPacket, GetSASLRequest, OutputArchive, ReplyHeader, SetSASLResponse, type Id, type TxnHeader } from "@zkts/jute";
import { ErrorCode, OpCode, decodeConnectRequest, encodeConnectResponse } from "@zkts/client-wire";
import { generateDigest } from "@zkts/datatree";
import type { Connections } from "./connections.js";
import type { Clock, Logger, Random, TimerHandle } from "@zkts/contracts";
import { DigestMd5Server, SaslError } from "./digest-md5.js";
import { decodeBody, newRequest, type ConnState, type Request, type Settings } from "./request.js";
import type { SessionTracker } from "./sessions.js";
import type { Tree } from "./tree.js";
import type { ForwardedRequest } from "./types.js";

/** Where new requests go (the server: its role strategy takes them). */
export interface RequestSink {
  submit(r: Request): void;
}

export class SessionLayer {
  private expiryTimer: TimerHandle | undefined;
  private running = false;

  constructor(
    private readonly settings: Settings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly tree: Tree,
    readonly tracker: SessionTracker,
    private readonly conns: Connections,
    private readonly sink: RequestSink,
    /** Read-only server: only readOnly clients are accepted; ConnectResponses say readOnly. */
    private readonly readOnly: boolean,
    private readonly random: Random,
    /** Learners: the leader revalidates a session a client reattaches to (EnsembleRole.revalidate). */
    private readonly revalidate?: (sessionId: bigint, timeout: number, done: (valid: boolean) => void) => void,
  ) {}

  /** The ConnectRequest of `cs`: a new session (a createSession request) or a reconnect (answered now). */
  connect(cs: ConnState, payload: Buffer): void {
    let req;
    try {
      req = decodeConnectRequest(payload, { allowTrailing: true, maxBuffer: this.settings.maxBuffer });
    } catch (e) {
      this.logger.warn("malformed connect request", { conn: cs.conn.id, error: String(e) });
      this.conns.reject(cs, "malformed connect request");
      return;
    }
    cs.hasReadOnly = req.hasReadOnly;
    if (this.readOnly && !req.readOnly) {
      // ZooKeeperServer.processConnectRequest on a ReadOnlyZooKeeperServer
      this.logger.info("refusing session request for a not-read-only client", { conn: cs.conn.id });
      this.conns.close(cs, "read-only server: the client did not ask for readOnly");
      return;
    }
    if (req.lastZxidSeen > this.tree.lastProcessedZxid) {
      this.logger.info("refusing session: client has seen a newer zxid", {
        lastZxidSeen: req.lastZxidSeen.toString(16),
        ourZxid: this.tree.lastProcessedZxid.toString(16),
      });
      this.conns.close(cs, "client zxid ahead");
      return;
    }
    let timeout = req.timeOut;
    if (timeout < this.settings.minSessionTimeout) timeout = this.settings.minSessionTimeout;
    if (timeout > this.settings.maxSessionTimeout) timeout = this.settings.maxSessionTimeout;
    cs.timeout = timeout;
    const now = this.clock.monotonic();
    if (req.sessionId === 0n) {
      const id = this.tracker.allocateId();
      this.tracker.add(id, timeout, now);
      cs.sessionId = id;
      this.conns.owners.set(id, cs);
      const r = newRequest(cs, id, 0, OpCode.createSession, Buffer.alloc(0), this.clock.monotonic());
      r.connectTimeout = timeout;
      this.sink.submit(r);
      return;
    }
    const id = req.sessionId;
    const prev = this.conns.owners.get(id);
    if (prev !== undefined && prev !== cs) this.conns.close(prev, "client reconnected");
    cs.sessionId = id;
    const revalidate = this.revalidate;
    if (revalidate !== undefined && this.tracker.checkPassword(id, req.passwd)) {
      // ZooKeeperServer.reopenSession on a learner: the leader's REVALIDATE answer decides (and makes this member
      // the session's owner there)
      revalidate(id, timeout, (valid) => {
        if (cs.closed) return;
        if (valid) {
          this.tracker.touch(id, this.clock.monotonic(), timeout);
          this.conns.owners.set(id, cs);
        }
        this.finishSessionInit(cs, valid);
      });
      return;
    }
    const valid = this.tracker.checkPassword(id, req.passwd) && this.tracker.touch(id, now, timeout);
    if (valid) this.conns.owners.set(id, cs);
    this.finishSessionInit(cs, valid);
  }

  /** The ConnectResponse; an invalid session's connection is closed after it. */
  finishSessionInit(cs: ConnState, valid: boolean): void {
    const rsp = encodeConnectResponse({
      protocolVersion: 0,
      timeOut: valid ? cs.timeout : 0,
      sessionId: valid ? cs.sessionId : 0n,
      passwd: valid ? this.tracker.password(cs.sessionId) : Buffer.alloc(16),
      readOnly: this.readOnly,
      hasReadOnly: cs.hasReadOnly,
    });
    this.conns.send(cs, rsp);
    if (!valid) {
      this.logger.info("invalid session, probably expired", { session: cs.sessionId.toString(16) });
      this.conns.close(cs, "invalid session");
    }
  }

  // ---- auth / sasl (answered directly, as ZooKeeperServer.processPacket) --------------------------------------

  /**
   * NettyServerCnxnFactory.CertificateVerifier: a connection whose client certificate was verified is
   * authenticated by the x509 provider before anything else (X509AuthenticationProvider.handleAuthentication:
   * `x509:<subject>`, and `super:<subject>` for the configured super user). Without that provider registered the
   * connection is closed. False when it was closed.
   */
  x509Identity(cs: ConnState): boolean {
    const subject = cs.conn.x509Subject;
    if (subject === undefined) return true;
    if (!this.settings.schemes.includes("x509")) {
      this.logger.error("X509 Auth provider not found: x509", { conn: cs.conn.id });
      this.conns.close(cs, "x509 auth provider not found");
      return false;
    }
    this.addX509(cs, subject);
    return true;
  }

  private addX509(cs: ConnState, subject: string): void {
    if (subject === this.settings.x509SuperUser) {
      this.addAuth(cs, { scheme: "super", id: subject });
      this.logger.info("Authenticated Id as super user", { id: subject });
    }
    this.addAuth(cs, { scheme: "x509", id: subject });
    this.logger.info("Authenticated Id for Scheme 'x509'", { id: subject });
  }

  handleAuth(cs: ConnState, xid: number, body: Buffer): void {
    let pkt;
    try {
      pkt = decodeBody(AuthPacket, body, this.settings.maxBuffer);
    } catch {
      this.conns.reject(cs, "malformed auth packet");
      return;
    }
    let ok = false;
    if (pkt.scheme === "digest") {
      const digest = generateDigest((pkt.auth ?? Buffer.alloc(0)).toString("utf8"));
      const superDigest = this.settings.superDigest;
      if (superDigest !== undefined && digest === superDigest) this.addAuth(cs, { scheme: "super", id: "" });
      this.addAuth(cs, { scheme: "digest", id: digest });
      ok = true;
    } else if (pkt.scheme === "ip") {
      this.addAuth(cs, { scheme: "ip", id: cs.conn.remoteAddress });
      ok = true;
    } else if (pkt.scheme === "x509" && this.settings.schemes.includes("x509") && cs.conn.x509Subject !== undefined) {
      // the provider authenticates the connection's certificate; the auth data is not used
      this.addX509(cs, cs.conn.x509Subject);
      ok = true;
    }
    if (ok) {
      this.conns.sendReply(cs, { xid, zxid: 0n, err: 0 });
    } else {
      this.logger.warn("authentication failed", { scheme: pkt.scheme });
      this.conns.sendReply(cs, { xid, zxid: 0n, err: ErrorCode.AUTHFAILED });
      this.conns.close(cs, "auth failed");
    }
  }

  private addAuth(cs: ConnState, id: Id): void {
    // copy on write: queued requests keep the list they were submitted with (see newRequest)
    const next = cs.authInfo.slice();
    if (addAuthId(next, id)) cs.authInfo = next;
  }

  /**
   * ZooKeeperServer.processSasl. Without a SASL login (no JAAS server section) ZooKeeper answers OK with a null
   * token. With one, the connection's DIGEST-MD5 exchange takes the token; once complete the connection gets
   * `sasl:<authorization id>` (and `super:` for zookeeper.superUser). A failed exchange is answered AUTHFAILED, or
   * SESSIONCLOSEDREQUIRESASLAUTH when sasl is an enforced scheme, with a null token, and the connection is closed
   * (kept, answered OK with a null token, under zookeeper.allowSaslFailedClients when sasl is not enforced).
   */
  handleSasl(cs: ConnState, xid: number, body: Buffer): void {
    let token: Buffer | null;
    try {
      token = decodeBody(GetSASLRequest, body, this.settings.maxBuffer).token;
    } catch {
      this.conns.reject(cs, "malformed sasl packet");
      return;
    }
    const sasl = this.settings.sasl;
    if (sasl === undefined) return this.saslReply(cs, xid, 0, null);
    if (token === null) {
      // ZooKeeper reads clientToken.length before anything else: a null token fails the connection
      this.conns.reject(cs, "null sasl token");
      return;
    }
    const server = (cs.sasl ??= new DigestMd5Server({
      password: (user) => {
        const pw = sasl.users.get(user);
        if (pw === undefined) this.logger.warn("User not found in list of DIGEST-MD5 authenticateable users", { user });
        return pw;
      },
      randomBytes: (n) => this.random.bytes(n),
    }));
    let response: Buffer;
    try {
      response = server.evaluate(token);
    } catch (e) {
      const message = e instanceof SaslError ? e.message : String(e);
      this.logger.warn("Client failed to SASL authenticate", {
        remote: `${cs.conn.remoteAddress}:${cs.conn.remotePort}`,
        error: message,
      });
      const required = this.settings.enforceAuthSchemes?.includes("sasl") ?? false;
      if (sasl.allowFailedClients && !required) {
        this.logger.warn("Maintaining client connection despite SASL authentication failure.");
        return this.saslReply(cs, xid, 0, null);
      }
      this.logger.warn(
        required
          ? "Closing client connection due to server requires client SASL authentication, but client SASL authentication has failed, or client is not configured with SASL authentication."
          : "Closing client connection due to SASL authentication failure.",
      );
      this.saslReply(cs, xid, required ? ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH : ErrorCode.AUTHFAILED, null);
      this.conns.close(cs, "sasl authentication failed");
      return;
    }
    if (server.isComplete()) {
      const authzId = server.authorizationId();
      this.logger.info("adding SASL authorization for authorizationID", { id: authzId });
      this.addAuth(cs, { scheme: "sasl", id: authzId });
      if (sasl.superUser !== undefined && authzId === sasl.superUser) this.addAuth(cs, { scheme: "super", id: "" });
    }
    this.saslReply(cs, xid, 0, response);
  }

  private saslReply(cs: ConnState, xid: number, err: number, token: Buffer | null): void {
    const out = new OutputArchive(32 + (token?.length ?? 0));
    ReplyHeader.write(out, { xid, zxid: 0n, err });
    SetSASLResponse.write(out, { token });
    this.conns.send(cs, out.toBuffer());
  }

  /**
   * AuthenticationHelper.enforceAuthentication: with enforcement on, a request from a connection holding no id of
   * an enforced scheme is answered SESSIONCLOSEDREQUIRESASLAUTH and the connection is closed. False when it was.
   */
  enforceAuthentication(cs: ConnState, xid: number): boolean {
    const schemes = this.settings.enforceAuthSchemes;
    if (schemes === undefined) return true;
    for (const id of cs.authInfo) if (schemes.includes(id.scheme)) return true;
    this.logger.error("Client authentication scheme(s) do not match any of the expected authentication schemes, closing session.", {
      schemes: cs.authInfo.map((i) => i.scheme).join(","),
      expected: schemes.join(","),
    });
    this.conns.sendReply(cs, { xid, zxid: 0n, err: ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH });
    this.conns.close(cs, "client not authenticated with an enforced scheme");
    return false;
  }

  // ---- sessions of other members (ensemble) ------------------------------------------------------------------

  /** Leader: the session of a forwarded request is touched; a createSession (body: int timeout) starts it. */
  remoteRequest(req: ForwardedRequest, now: number): void {
    if (req.type === OpCode.createSession) {
      const timeout = req.body.length >= 4 ? req.body.readInt32BE(0) : this.settings.minSessionTimeout;
      if (this.tracker.get(req.sessionId) === undefined) this.tracker.add(req.sessionId, timeout, now);
    } else {
      this.tracker.touch(req.sessionId, now);
    }
  }

  /**
   * Learner: a committed session txn starts or ends a session; an ended session's connection is closed unless
   * `mine` (the local request it answers) is that session's own closeSession.
   */
  committed(hdr: TxnHeader, txn: unknown, mine: Request | undefined): void {
    if (hdr.type === OpCode.createSession) {
      if (this.tracker.get(hdr.clientId) === undefined) {
        this.tracker.add(hdr.clientId, (txn as { timeOut: number }).timeOut, this.clock.monotonic());
      }
    } else if (hdr.type === OpCode.closeSession) {
      this.tracker.remove(hdr.clientId);
      const owner = this.conns.owners.get(hdr.clientId);
      if (owner !== undefined && (mine === undefined || mine.type !== OpCode.closeSession)) this.conns.close(owner, "session expired");
    }
  }

  // ---- expiry (SessionTrackerImpl) ---------------------------------------------------------------------------

  startExpiry(): void {
    this.running = true;
    this.scheduleExpiry();
  }

  stopExpiry(): void {
    this.running = false;
    if (this.expiryTimer !== undefined) this.clock.clearTimer(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  private scheduleExpiry(): void {
    if (!this.running) return;
    const wait = this.tracker.waitTime(this.clock.monotonic());
    this.expiryTimer = this.clock.setTimer(wait, () => {
      this.expiryTimer = undefined;
      this.expireSessions();
      this.scheduleExpiry();
    });
  }

  /**
   * Expires one session now, as its timeout would (a closeSession request without a connection): for tests that
   * need a session to expire on demand. False when the session is unknown or already closing.
   */
  expireSession(id: bigint): boolean {
    const s = this.tracker.get(id);
    if (s === undefined || s.closing) return false;
    this.tracker.setClosing(id);
    this.logger.info("expiring session on request", { session: id.toString(16), timeout: s.timeout });
    this.sink.submit(newRequest(null, id, 0, OpCode.closeSession, Buffer.alloc(0), this.clock.monotonic()));
    return true;
  }

  /** Expires every session whose bucket is due: a closeSession request (no connection) for each. */
  expireSessions(): void {
    for (const s of this.tracker.expireDue(this.clock.monotonic())) {
      this.logger.info("expiring session", { session: s.id.toString(16), timeout: s.timeout });
      this.sink.submit(newRequest(null, s.id, 0, OpCode.closeSession, Buffer.alloc(0), this.clock.monotonic()));
    }
  }
}

/** Java's String.hashCode over UTF-16 code units (int arithmetic). */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The bucket ConcurrentHashMap puts an Id in: jute's Id.hashCode, spread, masked by the table size. */
function javaIdBucket(id: Id, tableSize: number): number {
  let h = 17;
  h = (Math.imul(37, h) + javaStringHash(id.scheme)) | 0;
  h = (Math.imul(37, h) + javaStringHash(id.id ?? "")) | 0;
  const spread = (h ^ (h >>> 16)) & 0x7fffffff;
  return spread & (tableSize - 1);
}

/**
 * Inserts `id` into a connection's auth ids, keeping ZooKeeper's order. ZooKeeper keeps them in a set backed by a
 * ConcurrentHashMap (ServerCnxn.authInfo), so whoAmI, and `auth` ACL expansion, list them in hash-bucket order,
 * insertion order within a bucket. Returns false when the id was already there.
 */
function addAuthId(ids: Id[], id: Id): boolean {
  if (ids.some((a) => a.scheme === id.scheme && a.id === id.id)) return false;
  ids.push(id);
  // Default table of 16 bins, doubled whenever the count passes 3/4 of it.
  let table = 16;
  while (ids.length > table * 0.75) table *= 2;
  const order = ids.map((a, i) => ({ a, i, b: javaIdBucket(a, table) }));
  order.sort((x, y) => x.b - y.b || x.i - y.i);
  for (let k = 0; k < order.length; k++) ids[k] = order[k]!.a;
  return true;
}
