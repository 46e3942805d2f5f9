/**
 * PKCS#12 stores (RFC 7292) as Java's KeyStore.getInstance("PKCS12") and ZooKeeper read them: the MAC checked
 * with the store password (wrong password: refused), then every bag: private keys (plain or shrouded) and
 * certificates, encrypted with PBES2 (PBKDF2 + AES/3DES, what keytool and OpenSSL 3 write) or the legacy
 * PKCS#12 PBE with SHA-1 and 3DES. Node's `pfx` cannot load a store without a key (a truststore), and it would
 * also trust the keystore's CA certificates, which Java does not: hence this reader. Pure: bytes in, DER out.
 */
import { createDecipheriv, createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { children, DerError, expectTag, oidString, readTlv, root, TAG, valueOf, type Tlv } from "./der.js";
import { KeyStoreError } from "./jks.js";

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  localKeyId: "1.2.840.113549.1.9.21",
  friendlyName: "1.2.840.113549.1.9.20",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  pbeSha1TripleDes: "1.2.840.113549.1.12.1.3",
  pbeSha1Rc2_40: "1.2.840.113549.1.12.1.6",
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
} as const;

const PRF: Record<string, string> = {
  "1.2.840.113549.2.7": "sha1",
  "1.2.840.113549.2.8": "sha224",
  "1.2.840.113549.2.9": "sha256",
  "1.2.840.113549.2.10": "sha384",
  "1.2.840.113549.2.11": "sha512",
};

const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  "2.16.840.1.101.3.4.1.2": { name: "aes-128-cbc", keyLength: 16 },
  "2.16.840.1.101.3.4.1.22": { name: "aes-192-cbc", keyLength: 24 },
  "2.16.840.1.101.3.4.1.42": { name: "aes-256-cbc", keyLength: 32 },
  "1.2.840.113549.3.7": { name: "des-ede3-cbc", keyLength: 24 },
};

const DIGESTS: Record<string, string> = {
  [OID.sha1]: "sha1",
  [OID.sha256]: "sha256",
  [OID.sha384]: "sha384",
  [OID.sha512]: "sha512",
};

export interface Pkcs12Key {
  /** PKCS#8 DER. */
  readonly pkcs8: Buffer;
  readonly localKeyId: string | undefined;
  readonly friendlyName: string | undefined;
}

export interface Pkcs12Cert {
  readonly der: Buffer;
  readonly localKeyId: string | undefined;
  readonly friendlyName: string | undefined;
}

export interface Pkcs12Contents {
  readonly keys: Pkcs12Key[];
  readonly certs: Pkcs12Cert[];
}

/** Is this (probably) a DER PKCS#12 file? */
export function looksLikePkcs12(data: Uint8Array): boolean {
  return data.length > 4 && data[0] === 0x30;
}

/** A password as a BMPString with a trailing NUL (the PKCS#12 KDF's and MAC's input). */
function bmpPassword(password: string): Buffer {
  const b = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) b.writeUInt16BE(password.charCodeAt(i), i * 2);
  return b;
}

/** RFC 7292 appendix B.2: the PKCS#12 key derivation (id 1: key, 2: IV, 3: MAC key). */
export function pkcs12Kdf(hash: string, password: string, salt: Buffer, id: number, iterations: number, n: number): Buffer {
  const u = createHash(hash).digest().length;
  const v = hash === "sha384" || hash === "sha512" ? 128 : 64;
  const pw = password.length === 0 ? Buffer.alloc(0) : bmpPassword(password);
  const fill = (src: Buffer): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const D = Buffer.alloc(v, id);
  const out: Buffer[] = [];
  for (let done = 0; done < n; done += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    out.push(A);
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % u]!;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const s = I[j + k]! + B[k]! + carry;
        I[j + k] = s & 0xff;
        carry = s >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}

function kids(buf: Buffer, t: Tlv, what: string, tag: number = TAG.SEQUENCE): Tlv[] {
  return children(buf, expectTag(t, tag, what));
}

function intValue(buf: Buffer, t: Tlv): number {
  const v = valueOf(buf, expectTag(t, TAG.INTEGER, "INTEGER"));
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** Decrypts `data` with the algorithm identifier `alg` (PBES2 or PKCS#12 PBE). */
function decrypt(buf: Buffer, alg: Tlv, data: Buffer, password: string): Buffer {
  const [oidT, paramsT] = kids(buf, alg, "AlgorithmIdentifier");
  const oid = oidString(buf, expectTag(oidT!, TAG.OID, "algorithm"));
  try {
    if (oid === OID.pbes2) {
      const [kdf, enc] = kids(buf, paramsT!, "PBES2-params");
      const [kdfOid, kdfParams] = kids(buf, kdf!, "keyDerivationFunc");
      if (oidString(buf, kdfOid!) !== OID.pbkdf2) throw new KeyStoreError("PBES2 with a key derivation other than PBKDF2");
      const p = kids(buf, kdfParams!, "PBKDF2-params");
      const salt = valueOf(buf, expectTag(p[0]!, TAG.OCTET_STRING, "salt"));
      const iterations = intValue(buf, p[1]!);
      let prf = "sha1";
      let keyLength: number | undefined;
      for (const extra of p.slice(2)) {
        if (extra.tag === TAG.INTEGER) keyLength = intValue(buf, extra);
        else if (extra.tag === TAG.SEQUENCE) {
          const prfOid = oidString(buf, kids(buf, extra, "prf")[0]!);
          const h = PRF[prfOid];
          if (h === undefined) throw new KeyStoreError(`unsupported PBKDF2 PRF ${prfOid}`);
          prf = h;
        }
      }
      const [encOid, ivT] = kids(buf, enc!, "encryptionScheme");
      const cipherOid = oidString(buf, encOid!);
      const cipher = CIPHERS[cipherOid];
      if (cipher === undefined) throw new KeyStoreError(`unsupported PBES2 cipher ${cipherOid}`);
      const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, keyLength ?? cipher.keyLength, prf);
      const iv = valueOf(buf, expectTag(ivT!, TAG.OCTET_STRING, "IV"));
      const d = createDecipheriv(cipher.name, key, iv);
      return Buffer.concat([d.update(data), d.final()]);
    }
    if (oid === OID.pbeSha1TripleDes || oid === OID.pbeSha1Rc2_40) {
      const p = kids(buf, paramsT!, "pkcs-12PbeParams");
      const salt = valueOf(buf, expectTag(p[0]!, TAG.OCTET_STRING, "salt"));
      const iterations = intValue(buf, p[1]!);
      const tripleDes = oid === OID.pbeSha1TripleDes;
      const key = pkcs12Kdf("sha1", password, salt, 1, iterations, tripleDes ? 24 : 5);
      const iv = pkcs12Kdf("sha1", password, salt, 2, iterations, 8);
      const d = createDecipheriv(tripleDes ? "des-ede3-cbc" : "rc2-40-cbc", key, iv);
      return Buffer.concat([d.update(data), d.final()]);
    }
  } catch (e) {
    if (e instanceof KeyStoreError) throw e;
    throw new KeyStoreError(`cannot decrypt PKCS#12 contents (${oid}): ${(e as Error).message}`);
  }
  throw new KeyStoreError(`unsupported PKCS#12 encryption algorithm ${oid}`);
}

function attributes(buf: Buffer, set: Tlv | undefined): { localKeyId?: string; friendlyName?: string } {
  const out: { localKeyId?: string; friendlyName?: string } = {};
  if (set === undefined) return out;
  for (const attr of kids(buf, set, "bagAttributes", TAG.SET)) {
    const [typeT, valuesT] = kids(buf, attr, "Attribute");
    const type = oidString(buf, typeT!);
    const first = kids(buf, valuesT!, "attrValues", TAG.SET)[0];
    if (first === undefined) continue;
    if (type === OID.localKeyId) out.localKeyId = valueOf(buf, first).toString("hex");
    else if (type === OID.friendlyName && first.tag === TAG.BMP_STRING) out.friendlyName = valueOf(buf, first).swap16().toString("utf16le");
  }
  return out;
}

function readSafeContents(buf: Buffer, password: string, into: { keys: Pkcs12Key[]; certs: Pkcs12Cert[] }): void {
  for (const bag of kids(buf, root(buf), "SafeContents")) {
    const [idT, valueT, attrsT] = kids(buf, bag, "SafeBag");
    const id = oidString(buf, idT!);
    const attrs = attributes(buf, attrsT);
    const inner = readTlv(buf, valueT!.start, valueT!.end);
    if (id === OID.keyBag) {
      into.keys.push({ pkcs8: Buffer.from(buf.subarray(inner.header, inner.end)), ...withAttrs(attrs) });
    } else if (id === OID.shroudedKeyBag) {
      const [alg, enc] = kids(buf, inner, "EncryptedPrivateKeyInfo");
      const pkcs8 = decrypt(buf, alg!, valueOf(buf, enc!), password);
      into.keys.push({ pkcs8, ...withAttrs(attrs) });
    } else if (id === OID.certBag) {
      const [certIdT, certValueT] = kids(buf, inner, "CertBag");
      if (oidString(buf, certIdT!) !== OID.x509Certificate) continue;
      const octets = readTlv(buf, certValueT!.start, certValueT!.end);
      into.certs.push({ der: Buffer.from(valueOf(buf, expectTag(octets, TAG.OCTET_STRING, "x509Certificate"))), ...withAttrs(attrs) });
    }
    // other bags (CRLs, secrets, nested safe contents) are not key material ZooKeeper uses
  }
}

function withAttrs(a: { localKeyId?: string; friendlyName?: string }): { localKeyId: string | undefined; friendlyName: string | undefined } {
  return { localKeyId: a.localKeyId, friendlyName: a.friendlyName };
}

/** Reads a PKCS#12 store with its password: the MAC must verify (else: wrong password or tampered file). */
export function parsePkcs12(data: Uint8Array, password: string): Pkcs12Contents {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  try {
    const [versionT, authSafeT, macDataT] = kids(buf, root(buf), "PFX");
    if (intValue(buf, versionT!) !== 3) throw new KeyStoreError("unsupported PKCS#12 version");
    const [ctT, contentT] = kids(buf, authSafeT!, "ContentInfo");
    if (oidString(buf, ctT!) !== OID.data) throw new KeyStoreError("PKCS#12 signed (public-key integrity) stores are not supported");
    const authSafe = valueOf(buf, readTlv(buf, contentT!.start, contentT!.end));
    if (macDataT !== undefined) verifyMac(buf, macDataT, authSafe, password);
    const out = { keys: [] as Pkcs12Key[], certs: [] as Pkcs12Cert[] };
    for (const ci of kids(authSafe, root(authSafe), "AuthenticatedSafe")) {
      const [typeT, bodyT] = kids(authSafe, ci, "ContentInfo");
      const type = oidString(authSafe, typeT!);
      const body = readTlv(authSafe, bodyT!.start, bodyT!.end);
      if (type === OID.data) {
        readSafeContents(valueOf(authSafe, body), password, out);
      } else if (type === OID.encryptedData) {
        const [, eci] = kids(authSafe, body, "EncryptedData");
        const [, algT, encT] = kids(authSafe, eci!, "EncryptedContentInfo");
        if (encT === undefined || encT.tag !== 0x80) throw new KeyStoreError("unsupported EncryptedContentInfo");
        const plain = decrypt(authSafe, algT!, valueOf(authSafe, encT), password);
        readSafeContents(plain, password, out);
      }
    }
    return out;
  } catch (e) {
    if (e instanceof KeyStoreError) throw e;
    if (e instanceof DerError) throw new KeyStoreError(`not a PKCS#12 store: ${e.message}`);
    throw e;
  }
}

function verifyMac(buf: Buffer, macDataT: Tlv, authSafe: Buffer, password: string): void {
  const [macT, saltT, iterT] = kids(buf, macDataT, "MacData");
  const [algT, digestT] = kids(buf, macT!, "DigestInfo");
  const algOid = oidString(buf, kids(buf, algT!, "digestAlgorithm")[0]!);
  const hash = DIGESTS[algOid];
  if (hash === undefined) throw new KeyStoreError(`unsupported PKCS#12 MAC digest ${algOid}`);
  const salt = valueOf(buf, saltT!);
  const iterations = iterT === undefined ? 1 : intValue(buf, iterT);
  const expected = valueOf(buf, digestT!);
  const key = pkcs12Kdf(hash, password, salt, 3, iterations, createHash(hash).digest().length);
  const mac = createHmac(hash, key).update(authSafe).digest();
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
    throw new KeyStoreError("keystore password was incorrect (PKCS#12 MAC does not verify)");
  }
}
