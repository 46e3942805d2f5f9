/**
 * The client side of ZooKeeper's TLS (ZKClientConfig with ClientX509Util, ZKTrustManager, ZKHostnameVerifier): the
 * `zookeeper.client.secure` and `zookeeper.ssl.*` properties, Node connect options from the `ssl.*` settings, and
 * the server host check the Java client makes after the certificate chain is trusted.
 */
import { isIP } from "node:net";
import type { ConnectionOptions, PeerCertificate } from "node:tls";
import { X509Certificate } from "node:crypto";
import { toOpenSslCiphers } from "./ciphers.js";
import { parseClientTlsSettings, versionRange, type ClientTlsSettings } from "./settings.js";
import { loadKeyStore, loadTrustStore } from "./store.js";

/** ZKClientConfig.SECURE_CLIENT: the client connects over TLS when "true". */
export const ZOOKEEPER_CLIENT_SECURE = "zookeeper.client.secure";
/** ClientX509Util's property prefix on the client side (`zookeeper.ssl.keyStore.location`, ...). */
export const ZOOKEEPER_SSL_PREFIX = "zookeeper.ssl.";

/** Whether Java properties ask for a secure client (Boolean.parseBoolean: "true" in any case). */
export function clientSecureFromProperties(get: (key: string) => string | undefined): boolean {
  return (get(ZOOKEEPER_CLIENT_SECURE) ?? "").trim().toLowerCase() === "true";
}

/** The client's `zookeeper.ssl.*` settings from Java properties (system properties or a client configuration file). */
export function clientTlsSettingsFromProperties(get: (key: string) => string | undefined): ClientTlsSettings {
  return parseClientTlsSettings((k) => get(ZOOKEEPER_SSL_PREFIX + k));
}

/**
 * Node connect options for the client side: the key store's key and chain (a client certificate), the trust
 * store's certificates as the only CAs (without one, Node's default CAs stand in for the JDK's), protocols and
 * suites. Reads the store files now. The host check is separate (verifyServerHost), as ZKTrustManager's is.
 */
export function clientTlsOptions(s: ClientTlsSettings): ConnectionOptions {
  const key = s.keyStore === undefined ? undefined : loadKeyStore(s.keyStore.location, s.keyStore.password, s.keyStore.type);
  const trust = s.trustStore === undefined ? undefined : loadTrustStore(s.trustStore.location, s.trustStore.password, s.trustStore.type);
  const { minVersion, maxVersion } = versionRange(s);
  return {
    ...(key !== undefined ? { key: key.key, cert: key.certChain.join("") } : {}),
    ...(trust !== undefined ? { ca: trust.ca } : {}),
    minVersion,
    maxVersion,
    ciphers: toOpenSslCiphers(s.cipherSuites),
  };
}

function sans(cert: X509Certificate): { dns: string[]; ip: string[] } | undefined {
  const raw = cert.subjectAltName;
  if (raw === undefined || raw.trim() === "") return undefined;
  const dns: string[] = [];
  const ip: string[] = [];
  for (const part of raw.split(/,\s*/)) {
    if (part.startsWith("DNS:")) dns.push(part.slice(4));
    else if (part.startsWith("IP Address:")) ip.push(part.slice(11));
  }
  return { dns, ip };
}

function commonName(cert: X509Certificate): string | undefined {
  for (const line of cert.subject.split("\n")) if (line.startsWith("CN=")) return line.slice(3);
  return undefined;
}

/**
 * ZKHostnameVerifier.verify: with subject alternative names, an IP address must be one of the IP entries and a
 * host name must match a DNS entry (a leftmost `*` matching one label); without any, the subject's CN is compared.
 */
export function hostMatchesCertificate(host: string, cert: X509Certificate): boolean {
  const alt = sans(cert);
  if (isIP(host) !== 0) {
    if (alt !== undefined) return cert.checkIP(host) !== undefined;
    return commonName(cert) === host;
  }
  if (alt !== undefined) return alt.dns.length > 0 && cert.checkHost(host, { subject: "never", wildcards: true, partialWildcards: false }) !== undefined;
  return cert.checkHost(host, { subject: "always", wildcards: true, partialWildcards: false }) !== undefined;
}

/**
 * ZKTrustManager.performHostVerification for the server's certificate: the address connected to is tried first,
 * then the host name (the connect string's, or the address's reverse lookup when the connect string gave an
 * address, as InetAddress.getHostName). Returns an error message, or undefined when one of them matches.
 */
export function verifyServerHost(peer: PeerCertificate | X509Certificate, address: string, hostName: string | undefined): string | undefined {
  const cert = peer instanceof X509Certificate ? peer : new X509Certificate(peer.raw);
  if (hostMatchesCertificate(address, cert)) return undefined;
  if (hostName !== undefined && hostName !== address && hostMatchesCertificate(hostName, cert)) return undefined;
  const tried = hostName !== undefined && hostName !== address ? `${address} or ${hostName}` : address;
  return `Failed to verify host address or host name: ${tried} does not match the server certificate (subject ${commonName(cert) ?? cert.subject}, alternative names ${cert.subjectAltName ?? "none"})`;
}
