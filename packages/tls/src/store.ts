/**
 * Key and trust material from the stores ZooKeeper 3.8 accepts (`ssl.keyStore.*`, `ssl.trustStore.*`): PEM, PKCS12
 * and JKS, the type given or taken from the file name as KeyStoreFileType.fromPropertyValueOrFileName does
 * (.jks, .pem, .p12, .bcfks). One loader for the server's client port and, later, the client side.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { KeyStoreError, parseJks, looksLikeJks } from "./jks.js";
import { parsePkcs12 } from "./pkcs12.js";

export { KeyStoreError } from "./jks.js";

/** KeyStoreFileType. */
export type KeyStoreFileType = "JKS" | "PEM" | "PKCS12" | "BCFKS";

const EXTENSIONS: readonly [string, KeyStoreFileType][] = [
  [".jks", "JKS"],
  [".pem", "PEM"],
  [".p12", "PKCS12"],
  [".bcfks", "BCFKS"],
];

/**
 * KeyStoreFileType.fromPropertyValueOrFileName: the type named (any case) when given, else from the file's
 * extension. Throws (as Java's valueOf / IllegalArgumentException) when neither says.
 */
export function storeTypeOf(typeValue: string | undefined, fileName: string): KeyStoreFileType {
  if (typeValue !== undefined && typeValue.length > 0) {
    const t = typeValue.toUpperCase();
    if (t === "JKS" || t === "PEM" || t === "PKCS12" || t === "BCFKS") return t;
    throw new KeyStoreError(`unknown key store type ${typeValue} (ZooKeeper accepts JKS, PEM, PKCS12, BCFKS)`);
  }
  const dot = fileName.lastIndexOf(".");
  const ext = dot >= 0 ? fileName.slice(dot) : "";
  const hit = EXTENSIONS.find(([e]) => e === ext);
  if (hit === undefined) throw new KeyStoreError(`Unable to auto-detect store file type from file name: ${fileName}`);
  return hit[1];
}

/** A private key and its certificate chain (leaf first), PEM. */
export interface KeyMaterial {
  readonly key: string;
  readonly certChain: string[];
}

/** Trusted certificates, PEM. */
export interface TrustMaterial {
  readonly ca: string[];
}

export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith("\n") ? "" : "\n"}-----END ${label}-----\n`;
}

function pemBlocks(text: string): { label: string; pem: string }[] {
  const out: { label: string; pem: string }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push({ label: m[1]!, pem: m[0] + "\n" });
  return out;
}

function unsupported(type: KeyStoreFileType): never {
  throw new KeyStoreError(`${type} key stores are not supported by zkts (use PEM, PKCS12 or JKS)`);
}

/** Loads the key store at `location` (its private key and chain). The password opens the store and its key. */
export function loadKeyStore(location: string, password: string | undefined, type?: string): KeyMaterial {
  const t = storeTypeOf(type, location);
  const data = readFileSync(location);
  return keyMaterialFrom(data, password ?? "", t, location);
}

/** Key material from a store's bytes. */
export function keyMaterialFrom(data: Buffer, password: string, type: KeyStoreFileType, name = "key store"): KeyMaterial {
  if (type === "PEM") {
    const blocks = pemBlocks(data.toString("utf8"));
    const keyBlock = blocks.find((b) => /PRIVATE KEY$/.test(b.label));
    if (keyBlock === undefined) throw new KeyStoreError(`${name}: no private key in the PEM file`);
    let key: string;
    try {
      key = createPrivateKey({ key: keyBlock.pem, format: "pem", passphrase: password }).export({ type: "pkcs8", format: "pem" }).toString();
    } catch (e) {
      throw new KeyStoreError(`${name}: cannot read the private key (${(e as Error).message})`);
    }
    const certChain = blocks.filter((b) => b.label === "CERTIFICATE").map((b) => b.pem);
    if (certChain.length === 0) throw new KeyStoreError(`${name}: no certificate in the PEM file`);
    return { key, certChain };
  }
  if (type === "JKS") {
    // Java 9+'s JKS KeyStore also reads PKCS12 files (keystore.type.compat).
    if (!looksLikeJks(data)) return keyMaterialFrom(data, password, "PKCS12", name);
    const entry = parseJks(data, password).find((e) => e.kind === "privateKey");
    if (entry === undefined || entry.kind !== "privateKey") throw new KeyStoreError(`${name}: no private key entry in the JKS store`);
    return { key: derToPem(entry.pkcs8, "PRIVATE KEY"), certChain: entry.chain.map((c) => derToPem(c, "CERTIFICATE")) };
  }
  if (type === "PKCS12") {
    const p = parsePkcs12(data, password);
    const k = p.keys[0];
    if (k === undefined) throw new KeyStoreError(`${name}: no private key in the PKCS12 store`);
    const leaf = p.certs.find((c) => c.localKeyId !== undefined && c.localKeyId === k.localKeyId) ?? p.certs[0];
    if (leaf === undefined) throw new KeyStoreError(`${name}: no certificate in the PKCS12 store`);
    const rest = orderChain(leaf.der, p.certs.filter((c) => c !== leaf && c.localKeyId === undefined).map((c) => c.der));
    return { key: derToPem(k.pkcs8, "PRIVATE KEY"), certChain: [leaf.der, ...rest].map((c) => derToPem(c, "CERTIFICATE")) };
  }
  return unsupported(type);
}

/** The issuers of `leaf` among `others`, in chain order (certificates that are not its issuers are left out). */
function orderChain(leaf: Buffer, others: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let cur = new X509Certificate(leaf);
  const pool = others.map((d) => ({ d, x: new X509Certificate(d) }));
  for (;;) {
    if (cur.subject === cur.issuer) break;
    const next = pool.find((p) => !out.includes(p.d) && cur.checkIssued(p.x));
    if (next === undefined) break;
    out.push(next.d);
    cur = next.x;
  }
  return out;
}

/** Loads the trust store at `location`: every certificate in it is trusted. */
export function loadTrustStore(location: string, password: string | undefined, type?: string): TrustMaterial {
  const t = storeTypeOf(type, location);
  return trustMaterialFrom(readFileSync(location), password ?? null, t, location);
}

export function trustMaterialFrom(data: Buffer, password: string | null, type: KeyStoreFileType, name = "trust store"): TrustMaterial {
  let ders: Buffer[];
  if (type === "PEM") {
    const ca = pemBlocks(data.toString("utf8"))
      .filter((b) => b.label === "CERTIFICATE")
      .map((b) => b.pem);
    if (ca.length === 0) throw new KeyStoreError(`${name}: no certificate in the PEM file`);
    return { ca };
  } else if (type === "JKS" && looksLikeJks(data)) {
    // Without a password Java reads a JKS truststore unchecked (KeyStore.load(in, null)); so does this.
    ders = parseJks(data, password).flatMap((e) => (e.kind === "trustedCert" ? [e.cert] : []));
  } else if (type === "PKCS12" || type === "JKS") {
    ders = parsePkcs12(data, password ?? "").certs.map((c) => c.der);
  } else {
    return unsupported(type);
  }
  if (ders.length === 0) throw new KeyStoreError(`${name}: no certificate in the store`);
  return { ca: ders.map((d) => derToPem(d, "CERTIFICATE")) };
}
