/**
 * TLS between ensemble members, as ZooKeeper 3.8 does it with `sslQuorum=true` (QuorumX509Util, the
 * `ssl.quorum.*` settings): on the election connections (QuorumCnxManager) and on the learner connections
 * (Learner / LearnerCnxAcceptor) alike. Always mutual: the dialling side presents its key store's certificate and
 * the accepting side asks for it (`ssl.quorum.clientAuth`, default need); each side checks the other's chain
 * against its trust store and, with `ssl.quorum.hostnameVerification` (default true), that the certificate names
 * the peer (ZKTrustManager: the address, then the host name; QuorumX509Util verifies client host names too).
 * `portUnification`: the accepting side also takes plain connections, told apart by their first bytes
 * (UnifiedServerSocket). `sslQuorumReloadCertFiles`: `reload()` re-reads the stores for new connections.
 *
 * A refused handshake or peer is counted (`failures`), reported through `onFailure` and closed; never thrown.
 * The election and quorum transports take this as their socket source (they stay unaware of TLS).
 */
import { reverse } from "node:dns/promises";
import { X509Certificate } from "node:crypto";
import * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { verifyServerHost, clientTlsOptions } from "./client.js";
import { serverTlsOptions, type ClientTlsSettings } from "./settings.js";
import { dialPlain, looksLikeTls, replay, verifyError, watchStoreFiles } from "./sockets.js";

export interface QuorumTlsOptions {
  /** `portUnification`: also accept plain (non-TLS) connections on the quorum and election ports. */
  portUnification?: boolean;
  /** Dial peers over TLS (`sslQuorum`; default true). False: plain (portUnification alone accepts TLS only). */
  dialTls?: boolean;
  /** `sslQuorumReloadCertFiles`: re-read the stores when their files change. */
  reloadCertFiles?: boolean;
  /** A handshake not finished after this long fails (default 10000 ms). */
  handshakeTimeoutMs?: number;
  /** A refused handshake or peer (already counted in `failures`). */
  onFailure?(side: "accepted" | "dialled", remote: string, why: string): void;
  /** The stores were re-read (or could not be: `error`). */
  onReload?(error: string | undefined): void;
}


export class QuorumTls {
  private serverContext: tls.SecureContext;
  private clientOptions: tls.ConnectionOptions;
  private readonly requestCert: boolean;
  private readonly needCert: boolean;
  private readonly timeoutMs: number;
  private stopWatching: (() => void) | undefined;
  /** Refused handshakes and peers so far. */
  failures = 0;
  /** Successful reloads of the stores. */
  reloads = 0;

  /** Reads the stores now (throws KeyStoreError / TlsSettingsError naming the problem). */
  constructor(
    private readonly settings: ClientTlsSettings,
    private readonly opts: QuorumTlsOptions = {},
  ) {
    const o = serverTlsOptions(settings);
    this.serverContext = tls.createSecureContext(o);
    this.requestCert = o.requestCert;
    this.needCert = o.rejectUnauthorized;
    this.clientOptions = clientTlsOptions(settings);
    this.timeoutMs = opts.handshakeTimeoutMs ?? 10_000;
    if (opts.reloadCertFiles) this.stopWatching = watchStoreFiles(settings, () => this.reload(), 100);
  }

  /**
   * An accepted connection: TLS from the first byte (or, with port unification, plain when its first bytes are not
   * a TLS record). `done` gets the socket to use, or undefined when it was refused (then it is closed).
   */
  accept(raw: net.Socket, done: (sock: net.Socket | undefined) => void): void {
    const remote = `${raw.remoteAddress}:${raw.remotePort}`;
    raw.on("error", () => {});
    if (!this.opts.portUnification) {
      this.handshakeAccepted(raw, raw, remote, done);
      return;
    }
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => raw.destroy(), this.timeoutMs);
    timer.unref();
    const onClose = () => {
      clearTimeout(timer);
      done(undefined);
    };
    raw.once("close", onClose);
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      let isTls: boolean;
      if (head.length >= 5) isTls = looksLikeTls(head);
      else if (head[0] !== 0x16) isTls = false;
      else return;
      raw.off("data", onData);
      raw.off("close", onClose);
      raw.pause();
      clearTimeout(timer);
      if (isTls) this.handshakeAccepted(replay(raw, head), raw, remote, done);
      else {
        raw.unshift(head);
        done(raw);
        raw.resume();
      }
    };
    raw.on("data", onData);
  }

  private handshakeAccepted(transport: net.Socket | Duplex, raw: net.Socket, remote: string, done: (sock: net.Socket | undefined) => void): void {
    let settled = false;
    const ts = new tls.TLSSocket(transport as net.Socket, {
      isServer: true,
      secureContext: this.serverContext,
      requestCert: this.requestCert,
      rejectUnauthorized: this.needCert,
    });
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.refused("accepted", remote, why);
      ts.destroy();
      transport.destroy();
      done(undefined);
    };
    const timer = setTimeout(() => fail(`handshake not finished in ${this.timeoutMs} ms`), this.timeoutMs);
    timer.unref();
    ts.on("error", (e) => fail(e.message));
    ts.once("close", () => fail("connection closed during the handshake"));
    ts.once("secure", () => {
      if (settled) return;
      const cert = ts.getPeerX509Certificate();
      if (cert !== undefined) {
        const err = verifyError(ts);
        if (err !== null) return fail(`peer certificate not trusted: ${(err as { code?: string }).code ?? err.message}`);
      } else if (this.needCert) return fail("the peer sent no certificate (ssl.quorum.clientAuth=need)");
      const address = raw.remoteAddress ?? "";
      this.checkHost(cert, address, undefined).then(
        (problem) => {
          if (settled) return;
          if (problem !== undefined) return fail(problem);
          settled = true;
          clearTimeout(timer);
          ts.removeAllListeners("error");
          ts.removeAllListeners("close");
          done(ts);
        },
        (e: unknown) => fail(String(e)),
      );
    });
  }

  /** Dials a peer: TLS with this member's certificate; resolves with the socket once the peer is trusted. */
  dial(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
    if (this.opts.dialTls === false) return dialPlain(host, port, timeoutMs);
    return new Promise((resolve, reject) => {
      const remote = `${host}:${port}`;
      let settled = false;
      const ts = tls.connect({
        ...this.clientOptions,
        host,
        port,
        ...(net.isIP(host) === 0 ? { servername: host } : {}),
        rejectUnauthorized: true,
        // the host check is ZooKeeper's (after the handshake), not Node's
        checkServerIdentity: () => undefined,
      });
      const fail = (why: string, tlsProblem: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (tlsProblem) this.refused("dialled", remote, why);
        ts.destroy();
        reject(new Error(why));
      };
      let connected = false;
      const timer = setTimeout(() => fail(connected ? `handshake not finished in ${timeoutMs} ms` : "connect timeout", connected), timeoutMs);
      ts.once("connect", () => (connected = true));
      ts.on("error", (e) => fail(connected ? `TLS handshake failed: ${e.message}` : e.message, connected));
      ts.once("close", () => fail("connection closed", connected));
      ts.once("secureConnect", () => {
        this.checkHost(ts.getPeerX509Certificate(), ts.remoteAddress ?? host, host).then(
          (problem) => {
            if (settled) return;
            if (problem !== undefined) return fail(problem, true);
            settled = true;
            clearTimeout(timer);
            ts.removeAllListeners("error");
            ts.removeAllListeners("close");
            resolve(ts);
          },
          (e: unknown) => fail(String(e), true),
        );
      });
    });
  }

  /**
   * ZKTrustManager.performHostVerification (when `hostnameVerification`): the address, then the host name (the one
   * dialled, or the address's reverse lookup).
   */
  private async checkHost(cert: X509Certificate | undefined, address: string, host: string | undefined): Promise<string | undefined> {
    if (!this.settings.hostnameVerification || cert === undefined) return undefined;
    const first = verifyServerHost(cert, address, host);
    if (first === undefined || host !== undefined) return first;
    const names = await reverse(address).catch(() => [] as string[]);
    return names.length > 0 ? verifyServerHost(cert, address, names[0]) : first;
  }

  private refused(side: "accepted" | "dialled", remote: string, why: string): void {
    this.failures++;
    this.opts.onFailure?.(side, remote, why);
  }

  /** Re-reads the stores (new connections use them); false (keeping the old ones) when they cannot be read. */
  reload(): boolean {
    try {
      const o = serverTlsOptions(this.settings);
      const client = clientTlsOptions(this.settings);
      this.serverContext = tls.createSecureContext(o);
      this.clientOptions = client;
      this.reloads++;
      this.opts.onReload?.(undefined);
      return true;
    } catch (e) {
      this.opts.onReload?.((e as Error).message);
      return false;
    }
  }

  /** Stops watching the store files. */
  close(): void {
    this.stopWatching?.();
  }
}
