/**
 * TLS on the client port, as ZooKeeper 3.8's NettyServerCnxnFactory serves it: the secure client port (TLS from
 * the first byte), port unification (TLS or plain on one port, told apart by the first bytes, as Netty's
 * OptionalSslHandler / DualModeSslHandler), client certificates per `ssl.clientAuth` (a presented certificate
 * must verify against the trust store even when it is only wanted, as JSSE does), the x509 subject of a verified
 * client certificate, certificate reload (`zookeeper.client.certReload`), and the handshake counters
 * (`unsuccessful_handshake`, `tls_handshake_exceeded`, `outstanding_tls_handshake`). A bad handshake is counted,
 * logged and closed; it never reaches core.
 */
import type * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import type { Counter, Gauge, MetricsRegistry } from "@zkts/metrics";
import { certificateSubject, looksLikeTls, replay, serverTlsOptions, verifyError, watchStoreFiles, type ClientTlsSettings } from "@zkts/tls";
import type { TlsPeer } from "./connection.js";
import type { Logger } from "./types.js";

/** Netty's SslHandler default handshake timeout. */
export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ClientPortTlsOptions {
  /** The `ssl.*` settings (see @zkts/tls parseClientTlsSettings). */
  settings: ClientTlsSettings;
  /** `zookeeper.client.certReload`: reload the key and trust stores when their files change. Default false. */
  certReload?: boolean;
  /** Close a handshake that has not finished after this many ms. Default 10000 (Netty's). */
  handshakeTimeoutMs?: number;
  /**
   * `zookeeper.netty.server.outstandingHandshake.limit`: handshakes in progress past this are dropped (counted in
   * `tls_handshake_exceeded`); <= 0 (the default) is no limit, and then `outstanding_tls_handshake` reads 0, as in
   * ZooKeeper.
   */
  outstandingHandshakeLimit?: number;
}

export interface Peer {
  readonly address: string;
  readonly port: number;
}

/** What the acceptor hands back: a socket ready for NioConnection, with its TLS facts (undefined: plain TCP). */
export type Adopt = (socket: net.Socket, peer: Peer, tls: TlsPeer | undefined) => void;



/** The leaf-first DER chain of a verified peer certificate. */
function chainOf(ts: tls.TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let c: tls.DetailedPeerCertificate | undefined = ts.getPeerCertificate(true);
  const seen = new Set<tls.DetailedPeerCertificate>();
  while (c !== undefined && c.raw !== undefined && !seen.has(c)) {
    seen.add(c);
    out.push(c.raw);
    c = c.issuerCertificate;
  }
  return out;
}


export class ClientPortTls {
  private context: tls.SecureContext;
  private readonly requestCert: boolean;
  private readonly needCert: boolean;
  private readonly handshakeTimeoutMs: number;
  private readonly limit: number;
  private outstanding = 0;
  private readonly pending = new Set<net.Socket | Duplex>();
  private stopWatching: (() => void) | undefined;
  private readonly unsuccessful: Counter;
  private readonly exceeded: Counter;
  private readonly outstandingGauge: Gauge;
  /** Successful reloads of the stores (tests and logs). */
  reloads = 0;

  constructor(
    private readonly opts: ClientPortTlsOptions,
    private readonly log: Logger,
    private readonly metrics: MetricsRegistry,
  ) {
    const o = serverTlsOptions(opts.settings);
    this.context = tls.createSecureContext(o);
    this.requestCert = o.requestCert;
    this.needCert = o.rejectUnauthorized;
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
    this.limit = opts.outstandingHandshakeLimit ?? 0;
    this.unsuccessful = metrics.counter("unsuccessful_handshake");
    this.exceeded = metrics.counter("tls_handshake_exceeded");
    this.outstandingGauge = metrics.gauge("outstanding_tls_handshake", () => (this.limit > 0 ? this.outstanding : 0));
    if (opts.certReload) {
      this.stopWatching = watchStoreFiles(opts.settings, () => this.reload(), 200, (dir, e) =>
        this.log.error("unable to set up client certificate reload file watcher", { dir, error: e.message }),
      );
    }
  }

  /** Failed handshakes so far (the registry's `unsuccessful_handshake`). */
  get failedHandshakes(): number {
    return this.unsuccessful.value;
  }

  /** A socket on the secure client port: TLS from the first byte. */
  secure(socket: net.Socket, peer: Peer, adopt: Adopt, release: () => void): void {
    this.handshake(socket, peer, adopt, release);
  }

  /** A socket on a unified port: TLS if its first bytes are a TLS record, plain TCP otherwise. */
  unified(socket: net.Socket, peer: Peer, adopt: Adopt, release: () => void): void {
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
    }, this.handshakeTimeoutMs);
    timer.unref?.();
    const onClose = () => {
      clearTimeout(timer);
      release();
    };
    socket.on("error", () => {});
    socket.once("close", onClose);
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      let isTls: boolean;
      if (head.length >= 5) isTls = looksLikeTls(head);
      else if (head[0] !== 0x16) isTls = false;
      else return; // wait for a whole record header
      socket.off("data", onData);
      socket.off("close", onClose);
      socket.pause();
      clearTimeout(timer);
      if (isTls) {
        this.handshake(replay(socket, head), peer, adopt, release);
      } else {
        // Not TLS (e.g. a four-letter word or a plain client): the bytes go back and the socket is served as is.
        socket.unshift(head);
        adopt(socket, peer, undefined);
        socket.resume();
      }
    };
    socket.on("data", onData);
  }

  private handshake(transport: net.Socket | Duplex, peer: Peer, adopt: Adopt, release: () => void): void {
    if (this.limit > 0 && this.outstanding >= this.limit) {
      this.exceeded.inc();
      this.log.warn("dropping connection: too many TLS handshakes in progress", { remote: `${peer.address}:${peer.port}`, limit: this.limit });
      transport.on("error", () => {});
      transport.destroy();
      release();
      return;
    }
    this.outstanding++;
    this.pending.add(transport);
    let settled = false;
    const ts = new tls.TLSSocket(transport as net.Socket, {
      isServer: true,
      secureContext: this.context,
      requestCert: this.requestCert,
      rejectUnauthorized: this.needCert,
    });
    const done = () => {
      settled = true;
      clearTimeout(timer);
      this.outstanding--;
      this.pending.delete(transport);
    };
    const fail = (why: string) => {
      if (settled) return;
      done();
      this.unsuccessful.inc();
      this.log.warn("unsuccessful TLS handshake", { remote: `${peer.address}:${peer.port}`, error: why });
      ts.destroy();
      transport.destroy();
      release();
    };
    const timer = setTimeout(() => fail(`handshake not finished in ${this.handshakeTimeoutMs} ms`), this.handshakeTimeoutMs);
    timer.unref?.();
    ts.on("error", (err) => fail(err.message));
    ts.once("close", () => fail("connection closed during the handshake"));
    ts.once("secure", () => {
      if (settled) return;
      const chain = this.requestCert ? chainOf(ts) : [];
      let x509Subject: string | undefined;
      if (chain.length > 0) {
        const err = verifyError(ts);
        if (err !== null) return fail(`client certificate not trusted: ${(err as { code?: string }).code ?? err.message}`);
        try {
          x509Subject = certificateSubject(chain[0]!);
        } catch (e) {
          return fail(`client certificate subject unreadable: ${(e as Error).message}`);
        }
      } else if (this.needCert) {
        return fail("client sent no certificate (ssl.clientAuth=need)");
      }
      done();
      ts.removeAllListeners("error");
      ts.removeAllListeners("close");
      this.log.debug("TLS handshake done", { remote: `${peer.address}:${peer.port}`, protocol: ts.getProtocol(), cipher: ts.getCipher().name, x509Subject });
      adopt(ts, peer, { peerCertificates: chain, ...(x509Subject !== undefined ? { x509Subject } : {}) });
    });
  }

  /** Reloads the key and trust stores now (new handshakes use them; existing connections keep theirs). */
  reload(): boolean {
    try {
      this.context = tls.createSecureContext(serverTlsOptions(this.opts.settings));
      this.reloads++;
      this.log.info("reloaded the client port's key and trust stores", {});
      return true;
    } catch (e) {
      this.log.error("could not reload the client port's key and trust stores; keeping the previous ones", { error: (e as Error).message });
      return false;
    }
  }

  /** Stops watching, drops handshakes in progress, removes the gauge. */
  close(): void {
    this.stopWatching?.();
    for (const t of this.pending) t.destroy();
    this.pending.clear();
    this.metrics.unregisterGauge(this.outstandingGauge);
  }
}
