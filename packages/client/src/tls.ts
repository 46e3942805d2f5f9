/**
 * TLS for the client's connections (the Java client's ZKClientConfig `zookeeper.client.secure` and
 * `zookeeper.ssl.*`, as typed options): the stores are read through @zkts/tls (PEM, PKCS12, JKS), which also holds
 * ZooKeeper's rules for the settings and for the server host check (ZKTrustManager); this file only maps the
 * typed options onto them and adds PEM given inline.
 */
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { clientTlsOptions, parseClientTlsSettings } from "@zkts/tls";

export { TlsSettingsError, KeyStoreError } from "@zkts/tls";

/** A key or trust store file, as `zookeeper.ssl.keyStore.*` / `zookeeper.ssl.trustStore.*`. */
export interface TlsStore {
  location: string;
  password?: string;
  /** JKS, PKCS12 or PEM (any case); default from the file extension (.jks, .p12, .pem). */
  type?: string;
}

export interface ClientTlsOptions {
  /** Client certificate and key from a store (`zookeeper.ssl.keyStore.*`); the password opens the store and the key. */
  keyStore?: TlsStore;
  /** Trusted CAs from a store (`zookeeper.ssl.trustStore.*`); without it or `ca`, Node's default CAs. */
  trustStore?: TlsStore;
  /** PEM client key (instead of `keyStore`), opened with `passphrase` if encrypted. */
  key?: string | Buffer;
  passphrase?: string;
  /** PEM client certificate chain (with `key`). */
  cert?: string | Buffer;
  /** PEM trusted CA certificate(s) (instead of `trustStore`). */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Check that the server's certificate names the server (`zookeeper.ssl.hostnameVerification`, default true), as
   * ZKTrustManager: the address connected to, else the connect string's host name (or the address's reverse
   * lookup). The chain is checked against the CAs regardless.
   */
  hostnameVerification?: boolean;
  /** SNI server name sent. Default: the connect string's host when it is a name (none for an address), as JSSE. */
  servername?: string;
  /** `zookeeper.ssl.protocol` (default TLSv1.2). */
  protocol?: string;
  /** `zookeeper.ssl.enabledProtocols` (default: just `protocol`). */
  enabledProtocols?: string[];
  /** `zookeeper.ssl.ciphersuites`, Java names (default: ZooKeeper's list). */
  cipherSuites?: string[];
}

/** What a connection needs: Node connect options (without host and servername) and the host check switch. */
export interface ResolvedTls {
  readonly connect: ConnectionOptions;
  readonly hostnameVerification: boolean;
  readonly servername: string | undefined;
}

/**
 * Reads the stores and checks the settings now (throws TlsSettingsError or KeyStoreError naming the problem);
 * `true` means TLS with the defaults (Node's CAs, host name verification).
 */
export function resolveTls(tls: ClientTlsOptions | boolean | undefined): ResolvedTls | undefined {
  if (tls === undefined || tls === false) return undefined;
  const o: ClientTlsOptions = tls === true ? {} : tls;
  const values: Record<string, string | undefined> = {
    "keyStore.location": o.keyStore?.location,
    "keyStore.password": o.keyStore?.password,
    "keyStore.type": o.keyStore?.type,
    "trustStore.location": o.trustStore?.location,
    "trustStore.password": o.trustStore?.password,
    "trustStore.type": o.trustStore?.type,
    protocol: o.protocol,
    enabledProtocols: o.enabledProtocols?.join(","),
    ciphersuites: o.cipherSuites?.join(","),
  };
  const settings = parseClientTlsSettings((k) => values[k]);
  const connect: ConnectionOptions = { ...clientTlsOptions(settings) };
  if (o.key !== undefined) {
    connect.key = o.key;
    if (o.passphrase !== undefined) connect.passphrase = o.passphrase;
  }
  if (o.cert !== undefined) connect.cert = o.cert;
  if (o.ca !== undefined) connect.ca = o.ca;
  return { connect, hostnameVerification: o.hostnameVerification ?? true, servername: o.servername };
}

/** The SNI name for a host of the connect string: names only (JSSE sends none for an address). */
export function sniFor(tls: ResolvedTls, host: string): string | undefined {
  if (tls.servername !== undefined) return tls.servername;
  return isIP(host) === 0 ? host : undefined;
}
