/**
 * ZooKeeper's `ssl.*` settings for the client port (ClientX509Util: zoo.cfg `ssl.x` / system property
 * `zookeeper.ssl.x`), typed with X509Util's defaults, and turned into Node TLS options. The one home of these
 * rules: which keys exist, their defaults, what each accepts.
 */
import { readFileSync } from "node:fs";
import type { SecureContextOptions, SecureVersion } from "node:tls";
import { toOpenSslCiphers, unknownCipherSuites, ZOOKEEPER_DEFAULT_CIPHER_SUITES } from "./ciphers.js";
import { loadKeyStore, loadTrustStore, storeTypeOf } from "./store.js";

export type ClientAuth = "none" | "want" | "need";

export interface StoreSettings {
  readonly location: string;
  readonly password: string | undefined;
  readonly type: string | undefined;
}

/** The client port's TLS settings. */
export interface ClientTlsSettings {
  readonly keyStore: StoreSettings | undefined;
  readonly trustStore: StoreSettings | undefined;
  /** `ssl.protocol` (X509Util.DEFAULT_PROTOCOL: TLSv1.2). */
  readonly protocol: string;
  /** `ssl.enabledProtocols` (default: just `protocol`). */
  readonly enabledProtocols: readonly string[];
  /** `ssl.ciphersuites`, Java names (default: X509Util's Java 9+ list). */
  readonly cipherSuites: readonly string[];
  /** `ssl.clientAuth` (default need). */
  readonly clientAuth: ClientAuth;
  /**
   * `ssl.hostnameVerification` (default true). ClientX509Util never verifies a connecting client's host name
   * (shouldVerifyClientHostname is false), so on the client port it changes nothing; it is kept for the client side.
   */
  readonly hostnameVerification: boolean;
  /** `ssl.authProvider`: the scheme of the x509 provider that authenticates a client certificate (default x509). */
  readonly authProvider: string;
}

/** The `ssl.*` keys (without prefix) these settings read; others under `ssl.` are not honoured. */
export const CLIENT_SSL_KEYS: readonly string[] = Object.freeze([
  "keyStore.location",
  "keyStore.password",
  "keyStore.passwordPath",
  "keyStore.type",
  "trustStore.location",
  "trustStore.password",
  "trustStore.passwordPath",
  "trustStore.type",
  "protocol",
  "enabledProtocols",
  "ciphersuites",
  "clientAuth",
  "hostnameVerification",
  "authProvider",
]);

/** `ssl.*` keys honoured only with these values (ZooKeeper's defaults). */
export const CLIENT_SSL_DEFAULT_ONLY: Readonly<Record<string, string>> = Object.freeze({
  crl: "false",
  ocsp: "false",
});

const PROTOCOLS: readonly SecureVersion[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
const TLS13_SUITES = new Set(["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]);

/** Invalid `ssl.*` settings: each problem names its key. */
export class TlsSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "TlsSettingsError";
  }
}

/** SecretUtils.readSecret: the file's text without one trailing line separator. */
function readSecret(path: string): string {
  const s = readFileSync(path, "utf8");
  return s.endsWith("\n") ? s.slice(0, -1) : s;
}

/**
 * Reads the settings through `get(key)` (key without the `ssl.` prefix). Problems (bad values, unknown cipher
 * suites, unreadable password files) are collected and thrown together, each naming its key with `prefix`
 * (`ssl.`; `ssl.quorum.` for the quorum's settings, the same key set: see parseQuorumTlsSettings).
 */
export function parseClientTlsSettings(get: (key: string) => string | undefined, prefix = "ssl."): ClientTlsSettings {
  const problems: string[] = [];
  const store = (which: "keyStore" | "trustStore"): StoreSettings | undefined => {
    const location = get(`${which}.location`);
    if (location === undefined || location === "") return undefined;
    let password = get(`${which}.password`);
    const passwordPath = get(`${which}.passwordPath`);
    if (passwordPath !== undefined && passwordPath !== "") {
      try {
        password = readSecret(passwordPath);
      } catch (e) {
        problems.push(`${prefix}${which}.passwordPath: cannot read ${passwordPath}: ${(e as Error).message}`);
      }
    }
    const type = get(`${which}.type`);
    try {
      storeTypeOf(type, location);
    } catch (e) {
      problems.push(`${prefix}${which}.${type ? "type" : "location"}: ${(e as Error).message}`);
    }
    return { location, password, type: type === "" ? undefined : type };
  };
  const keyStore = store("keyStore");
  const trustStore = store("trustStore");
  const protocol = get("protocol") || "TLSv1.2";
  const enabledRaw = get("enabledProtocols");
  const enabledProtocols = enabledRaw === undefined ? [protocol] : enabledRaw.split(",");
  for (const p of new Set([protocol, ...enabledProtocols])) {
    if (!(PROTOCOLS as readonly string[]).includes(p)) {
      problems.push(`${prefix}${enabledRaw !== undefined && enabledProtocols.includes(p) ? "enabledProtocols" : "protocol"}: unsupported protocol "${p}" (zkts supports ${PROTOCOLS.join(", ")})`);
    }
  }
  const suitesRaw = get("ciphersuites");
  const cipherSuites = suitesRaw === undefined ? ZOOKEEPER_DEFAULT_CIPHER_SUITES : suitesRaw.split(",");
  const unknown = unknownCipherSuites(cipherSuites);
  if (unknown.length > 0) problems.push(`${prefix}ciphersuites: unknown or unsupported cipher suite(s): ${unknown.join(", ")}`);
  const authRaw = get("clientAuth");
  let clientAuth: ClientAuth = "need";
  if (authRaw !== undefined && authRaw !== "") {
    const a = authRaw.toLowerCase();
    if (a === "none" || a === "want" || a === "need") clientAuth = a;
    else problems.push(`${prefix}clientAuth: "${authRaw}" is not one of NONE, WANT, NEED`);
  }
  const hv = get("hostnameVerification");
  const authProvider = get("authProvider") || "x509";
  if (problems.length > 0) throw new TlsSettingsError(problems);
  const settings: ClientTlsSettings = {
    keyStore,
    trustStore,
    protocol,
    enabledProtocols,
    cipherSuites,
    clientAuth,
    hostnameVerification: hv === undefined ? true : hv.toLowerCase() === "true",
    authProvider,
  };
  versionRange(settings, prefix); // refuses protocol sets Node cannot express
  return settings;
}

/** The enabled protocols as Node's min/max versions (a set with a gap cannot be expressed: refused). */
export function versionRange(s: ClientTlsSettings, prefix = "ssl."): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const idx = [...new Set(s.enabledProtocols)].map((p) => PROTOCOLS.indexOf(p as SecureVersion)).sort((a, b) => a - b);
  if (idx.some((i) => i < 0) || idx.length === 0) throw new TlsSettingsError([`${prefix}enabledProtocols: unsupported protocols ${s.enabledProtocols.join(",")}`]);
  for (let i = 1; i < idx.length; i++) {
    if (idx[i] !== idx[i - 1]! + 1) {
      throw new TlsSettingsError([`${prefix}enabledProtocols: ${s.enabledProtocols.join(",")} leaves a gap, which zkts (OpenSSL version range) cannot express`]);
    }
  }
  let max = idx[idx.length - 1]!;
  const min = idx[0]!;
  // JSSE negotiates TLS 1.3 only with a TLS 1.3 suite enabled.
  if (PROTOCOLS[max] === "TLSv1.3" && !s.cipherSuites.some((c) => TLS13_SUITES.has(c))) {
    if (min === max) {
      throw new TlsSettingsError([`${prefix}ciphersuites: TLSv1.3 is the only enabled protocol but no TLS 1.3 cipher suite is enabled`]);
    }
    max -= 1;
  }
  return { minVersion: PROTOCOLS[min]!, maxVersion: PROTOCOLS[max]! };
}

/**
 * Node secure-context options for the server side of the client port: the key store's key and chain, the trust
 * store's certificates as the only CAs, protocols and suites; and how to ask for client certificates. Reads the
 * store files now (call again to reload them).
 */
export function serverTlsOptions(s: ClientTlsSettings): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  if (s.keyStore === undefined) throw new TlsSettingsError(["ssl.keyStore.location is not set: the secure client port needs a key store"]);
  const key = loadKeyStore(s.keyStore.location, s.keyStore.password, s.keyStore.type);
  const trust = s.trustStore === undefined ? undefined : loadTrustStore(s.trustStore.location, s.trustStore.password, s.trustStore.type);
  const { minVersion, maxVersion } = versionRange(s);
  return {
    key: key.key,
    cert: key.certChain.join(""),
    // Without a trust store Java uses the JDK's default CAs; Node's default CAs stand in for them.
    ...(trust !== undefined ? { ca: trust.ca } : {}),
    minVersion,
    maxVersion,
    // One list: OpenSSL takes TLS 1.3 suite names in it too (without any, TLS 1.3 keeps OpenSSL's defaults).
    ciphers: toOpenSslCiphers(s.cipherSuites),
    honorCipherOrder: true,
    // A peer resuming a TLS session (JSSE does on reconnect) with a client certificate needs a session id context:
    // without one OpenSSL fails the handshake ("session id context uninitialized"). tls.Server sets one; the
    // hand-made server TLSSockets of the client and quorum ports do not.
    sessionIdContext: "zookeeper",
    requestCert: s.clientAuth !== "none",
    rejectUnauthorized: s.clientAuth === "need",
  };
}

/**
 * The quorum's TLS settings (QuorumX509Util, `sslQuorum=true`): the same keys as the client port's under
 * `ssl.quorum.` (zoo.cfg `ssl.quorum.x` / `zookeeper.ssl.quorum.x`), with the same defaults and rules. `get` takes
 * the key without `ssl.quorum.`.
 */
export function parseQuorumTlsSettings(get: (key: string) => string | undefined): ClientTlsSettings {
  return parseClientTlsSettings(get, "ssl.quorum.");
}
