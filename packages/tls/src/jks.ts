/**
 * Sun's JKS keystore format (sun.security.provider.JavaKeyStore), read without a JVM: magic 0xFEEDFEED, version 1
 * or 2, entries (private keys with their certificate chains, trusted certificates), and a trailing SHA-1 over the
 * password (UTF-16BE) + "Mighty Aphrodite" + everything before it. Private keys are protected by Sun's KeyProtector
 * (OID 1.3.6.1.4.1.42.2.17.1.1): salt(20) | key XOR a SHA-1 keystream | SHA-1(password + key) as an integrity check.
 * As ZooKeeper's X509Util, one password opens the store and its keys. Pure: bytes and password in, DER out.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { children, expectTag, oidString, readTlv, root, TAG, valueOf } from "./der.js";

export const JKS_MAGIC = 0xfeedfeed;
export const JCEKS_MAGIC = 0xcececece;
/** Sun's KeyProtector algorithm. */
export const SUN_KEY_PROTECTOR_OID = "1.3.6.1.4.1.42.2.17.1.1";

/** A JKS store that cannot be read: bad format, wrong password, tampered body. */
export class KeyStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyStoreError";
  }
}

export interface JksPrivateKeyEntry {
  readonly kind: "privateKey";
  readonly alias: string;
  readonly created: Date;
  /** The recovered key, PKCS#8 DER. */
  readonly pkcs8: Buffer;
  /** Certificate chain, leaf first, DER. */
  readonly chain: Buffer[];
}

export interface JksTrustedCertEntry {
  readonly kind: "trustedCert";
  readonly alias: string;
  readonly created: Date;
  readonly cert: Buffer;
}

export type JksEntry = JksPrivateKeyEntry | JksTrustedCertEntry;

/** Java's char[] password as bytes: each UTF-16 code unit big-endian (JavaKeyStore / KeyProtector). */
function passwordBytes(password: string): Buffer {
  const b = Buffer.alloc(password.length * 2);
  for (let i = 0; i < password.length; i++) b.writeUInt16BE(password.charCodeAt(i), i * 2);
  return b;
}

/** DataInput.readUTF's modified UTF-8 (CESU-8 with NUL as C0 80). */
function decodeModifiedUtf8(b: Buffer): string {
  let s = "";
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      s += String.fromCharCode(c);
      i += 1;
    } else if ((c & 0xe0) === 0xc0 && i + 1 < b.length) {
      s += String.fromCharCode(((c & 0x1f) << 6) | (b[i + 1]! & 0x3f));
      i += 2;
    } else if ((c & 0xf0) === 0xe0 && i + 2 < b.length) {
      s += String.fromCharCode(((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f));
      i += 3;
    } else {
      throw new KeyStoreError("malformed alias (modified UTF-8)");
    }
  }
  return s;
}

class Reader {
  p = 0;
  constructor(readonly b: Buffer) {}
  need(n: number): void {
    if (this.p + n > this.b.length) throw new KeyStoreError("truncated JKS keystore");
  }
  u32(): number {
    this.need(4);
    const v = this.b.readUInt32BE(this.p);
    this.p += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.b.readBigInt64BE(this.p);
    this.p += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return Buffer.from(v);
  }
  utf(): string {
    this.need(2);
    const n = this.b.readUInt16BE(this.p);
    this.p += 2;
    return decodeModifiedUtf8(this.bytes(n));
  }
}

/** Is this a JKS (or JCEKS) file by its magic number? */
export function looksLikeJks(data: Uint8Array): boolean {
  if (data.length < 4) return false;
  const m = Buffer.from(data.buffer, data.byteOffset, 4).readUInt32BE(0);
  return m === JKS_MAGIC || m === JCEKS_MAGIC;
}

/**
 * Reads a JKS keystore: checks the trailing keyed SHA-1 (a wrong password or a tampered file is refused, as
 * KeyStore.load does) and recovers every private key with the same password.
 */
export function parseJks(data: Uint8Array, password: string | null): JksEntry[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 4 + 4 + 4 + 20) throw new KeyStoreError("not a JKS keystore: too short");
  const magic = buf.readUInt32BE(0);
  if (magic === JCEKS_MAGIC) throw new KeyStoreError("JCEKS keystores are not supported (ZooKeeper's JKS type reads JKS)");
  if (magic !== JKS_MAGIC) throw new KeyStoreError("not a JKS keystore (bad magic number)");
  const pw = passwordBytes(password ?? "");
  const body = buf.subarray(0, buf.length - 20);
  const expected = createHash("sha1").update(pw).update("Mighty Aphrodite", "utf8").update(body).digest();
  if (password !== null && !timingSafeEqual(expected, buf.subarray(buf.length - 20))) {
    throw new KeyStoreError("Keystore was tampered with, or password was incorrect");
  }
  const r = new Reader(body);
  r.u32();
  const version = r.u32();
  if (version !== 1 && version !== 2) throw new KeyStoreError(`unsupported JKS version ${version}`);
  const count = r.u32();
  const entries: JksEntry[] = [];
  for (let i = 0; i < count; i++) {
    const tag = r.u32();
    const alias = r.utf();
    const created = new Date(Number(r.i64()));
    if (tag === 1) {
      const protectedKey = r.bytes(r.u32());
      const n = r.u32();
      const chain: Buffer[] = [];
      for (let j = 0; j < n; j++) {
        if (version === 2) {
          const type = r.utf();
          if (type !== "X.509") throw new KeyStoreError(`unsupported certificate type ${type} in entry ${alias}`);
        }
        chain.push(r.bytes(r.u32()));
      }
      if (password === null) continue; // keys cannot be recovered without the password
      entries.push({ kind: "privateKey", alias, created, pkcs8: recoverKey(protectedKey, pw, alias), chain });
    } else if (tag === 2) {
      if (version === 2) {
        const type = r.utf();
        if (type !== "X.509") throw new KeyStoreError(`unsupported certificate type ${type} in entry ${alias}`);
      }
      entries.push({ kind: "trustedCert", alias, created, cert: r.bytes(r.u32()) });
    } else {
      throw new KeyStoreError(`unsupported JKS entry tag ${tag} (entry ${alias})`);
    }
  }
  if (r.p !== body.length) throw new KeyStoreError("unexpected bytes after the last JKS entry");
  return entries;
}

/** KeyProtector.recover: EncryptedPrivateKeyInfo(SUN_KEY_PROTECTOR_OID, salt | xored key | check) -> PKCS#8. */
function recoverKey(epki: Buffer, pw: Buffer, alias: string): Buffer {
  let encrypted: Buffer;
  try {
    const top = expectTag(root(epki), TAG.SEQUENCE, "EncryptedPrivateKeyInfo");
    const [algId, data] = children(epki, top);
    if (algId === undefined || data === undefined) throw new KeyStoreError("short EncryptedPrivateKeyInfo");
    const oid = expectTag(readTlv(epki, algId.start, algId.end), TAG.OID, "algorithm");
    const alg = oidString(epki, oid);
    if (alg !== SUN_KEY_PROTECTOR_OID) throw new KeyStoreError(`key ${alias} is protected by ${alg}, not Sun's JKS KeyProtector`);
    encrypted = valueOf(epki, expectTag(data, TAG.OCTET_STRING, "encryptedData"));
  } catch (e) {
    if (e instanceof KeyStoreError) throw e;
    throw new KeyStoreError(`key ${alias}: ${(e as Error).message}`);
  }
  if (encrypted.length < 40) throw new KeyStoreError(`key ${alias}: protected key too short`);
  const salt = encrypted.subarray(0, 20);
  const keyLen = encrypted.length - 40;
  const plain = Buffer.alloc(keyLen);
  let digest: Buffer = salt;
  for (let off = 0; off < keyLen; off += 20) {
    digest = createHash("sha1").update(pw).update(digest).digest();
    for (let i = 0; i < 20 && off + i < keyLen; i++) plain[off + i] = encrypted[20 + off + i]! ^ digest[i]!;
  }
  const check = createHash("sha1").update(pw).update(plain).digest();
  if (!timingSafeEqual(check, encrypted.subarray(20 + keyLen))) {
    throw new KeyStoreError(`Cannot recover key ${alias}: the key password differs from the store password`);
  }
  return plain;
}
