export { DerError } from "./der.js";
export { parseJks, looksLikeJks, KeyStoreError, JKS_MAGIC, type JksEntry, type JksPrivateKeyEntry, type JksTrustedCertEntry } from "./jks.js";
export { parsePkcs12, looksLikePkcs12, pkcs12Kdf, type Pkcs12Contents, type Pkcs12Key, type Pkcs12Cert } from "./pkcs12.js";
export { nameToRfc2253, certificateSubject } from "./dn.js";
export {
  storeTypeOf,
  loadKeyStore,
  loadTrustStore,
  keyMaterialFrom,
  trustMaterialFrom,
  derToPem,
  type KeyStoreFileType,
  type KeyMaterial,
  type TrustMaterial,
} from "./store.js";
export { toOpenSslCiphers, unknownCipherSuites, ZOOKEEPER_DEFAULT_CIPHER_SUITES } from "./ciphers.js";
export {
  parseClientTlsSettings,
  parseQuorumTlsSettings,
  serverTlsOptions,
  versionRange,
  TlsSettingsError,
  CLIENT_SSL_KEYS,
  CLIENT_SSL_DEFAULT_ONLY,
  type ClientTlsSettings,
  type ClientAuth,
  type StoreSettings,
} from "./settings.js";
export {
  ZOOKEEPER_CLIENT_SECURE,
  ZOOKEEPER_SSL_PREFIX,
  clientSecureFromProperties,
  clientTlsSettingsFromProperties,
  clientTlsOptions,
  hostMatchesCertificate,
  verifyServerHost,
} from "./client.js";
export { QuorumTls, type QuorumTlsOptions } from "./quorum.js";
export { dialPlain, looksLikeTls, replay, verifyError, watchStoreFiles } from "./sockets.js";
