import { execFileSync } from "node:child_process";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  certificateSubject,
  KeyStoreError,
  loadKeyStore,
  loadTrustStore,
  parseClientTlsSettings,
  parseJks,
  parsePkcs12,
  serverTlsOptions,
  storeTypeOf,
  TlsSettingsError,
  toOpenSslCiphers,
} from "./index.js";

const haveJava = existsSync("/usr/bin/java") && existsSync("/usr/bin/keytool");
const haveOpenssl = existsSync("/usr/bin/openssl");
const FIXTURES = join(import.meta.dirname, "__fixtures__");

let dir: string;
const p = (f: string) => join(dir, f);
const sh = (file: string, args: string[]) => execFileSync(file, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 }).toString();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "zkts-tls-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The public key of a PKCS#8 key and of a certificate, comparable. */
const pubOfKey = (pem: string) => createPublicKey(createPrivateKey(pem)).export({ type: "spki", format: "der" }).toString("hex");
const pubOfCert = (pemOrDer: string | Buffer) => new X509Certificate(pemOrDer).publicKey.export({ type: "spki", format: "der" }).toString("hex");

describe.runIf(haveJava)("JKS stores made by keytool", () => {
  beforeAll(() => {
    for (const [alias, alg] of [
      ["rsa", "RSA"],
      ["ec", "EC"],
    ] as const) {
      sh("keytool", ["-genkeypair", "-alias", alias, "-keyalg", alg, "-dname", `CN=${alias} key,O=zkts`, "-validity", "2", "-storetype", "JKS", "-keystore", `${alias}.jks`, "-storepass", "s3cret!", "-keypass", "s3cret!"]);
      sh("keytool", ["-exportcert", "-alias", alias, "-keystore", `${alias}.jks`, "-storepass", "s3cret!", "-file", `${alias}.der`]);
    }
    sh("keytool", ["-importcert", "-noprompt", "-alias", "ca", "-file", "rsa.der", "-storetype", "JKS", "-keystore", "trust.jks", "-storepass", "trustme"]);
    sh("keytool", ["-importcert", "-noprompt", "-alias", "ca", "-file", "rsa.der", "-storetype", "PKCS12", "-keystore", "trust.p12", "-storepass", "trustme"]);
    sh("keytool", ["-importkeystore", "-srckeystore", "ec.jks", "-srcstorepass", "s3cret!", "-destkeystore", "ec.p12", "-deststoretype", "PKCS12", "-deststorepass", "s3cret!"]);
  });

  it("recovers RSA and EC private keys (Sun's key protector) and their certificates", () => {
    for (const alias of ["rsa", "ec"]) {
      const entries = parseJks(readFileSync(p(`${alias}.jks`)), "s3cret!");
      expect(entries).toHaveLength(1);
      const e = entries[0]!;
      expect(e.kind).toBe("privateKey");
      if (e.kind !== "privateKey") continue;
      expect(e.alias).toBe(alias);
      expect(e.chain[0]!.equals(readFileSync(p(`${alias}.der`)))).toBe(true);
      const keyPem = createPrivateKey({ key: e.pkcs8, format: "der", type: "pkcs8" }).export({ type: "pkcs8", format: "pem" }).toString();
      expect(pubOfKey(keyPem)).toBe(pubOfCert(e.chain[0]!));
    }
  });

  it("refuses a wrong password and a tampered file; reads a truststore without its password unchecked", () => {
    expect(() => parseJks(readFileSync(p("rsa.jks")), "wrong")).toThrow(/password was incorrect/);
    const t = Buffer.from(readFileSync(p("rsa.jks")));
    t[t.length - 40] = t[t.length - 40]! ^ 1;
    expect(() => parseJks(t, "s3cret!")).toThrow(KeyStoreError);
    expect(() => parseJks(Buffer.from("not a keystore at all, really, not at all"), "x")).toThrow(/bad magic/);
    const trusted = parseJks(readFileSync(p("trust.jks")), null);
    expect(trusted.map((e) => e.kind)).toEqual(["trustedCert"]);
  });

  it("loads key and trust material from JKS and keytool's PKCS12 (type from the extension or given)", () => {
    const k = loadKeyStore(p("ec.jks"), "s3cret!");
    expect(pubOfKey(k.key)).toBe(pubOfCert(k.certChain[0]!));
    const k12 = loadKeyStore(p("ec.p12"), "s3cret!");
    expect(pubOfKey(k12.key)).toBe(pubOfKey(k.key));
    // Java 9+'s JKS type reads PKCS12 files too
    expect(pubOfKey(loadKeyStore(p("ec.p12"), "s3cret!", "jks").key)).toBe(pubOfKey(k.key));
    for (const f of ["trust.jks", "trust.p12"]) {
      const t = loadTrustStore(p(f), "trustme");
      expect(t.ca.map((c) => pubOfCert(c))).toEqual([pubOfCert(readFileSync(p("rsa.der")))]);
    }
    expect(() => loadTrustStore(p("trust.p12"), "nope")).toThrow(/password was incorrect/);
  });
});

describe.runIf(haveOpenssl)("PEM and OpenSSL's PKCS12", () => {
  beforeAll(() => {
    sh("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA"]);
    sh("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost"]);
    sh("openssl", ["x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.crt", "-days", "2"]);
    sh("openssl", ["pkcs12", "-export", "-in", "srv.crt", "-inkey", "srv.key", "-certfile", "ca.pem", "-out", "srv.p12", "-passout", "pass:pw"]);
    sh("openssl", ["pkcs12", "-export", "-in", "srv.crt", "-inkey", "srv.key", "-out", "legacy.p12", "-passout", "pass:pw", "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"]);
    sh("openssl", ["pkcs8", "-topk8", "-in", "srv.key", "-out", "srv-enc.key", "-passout", "pass:pw", "-v2", "aes-256-cbc"]);
    writeFileSync(p("srv.pem"), readFileSync(p("srv-enc.key"), "utf8") + readFileSync(p("srv.crt"), "utf8"));
  });

  it("reads an encrypted PKCS#8 PEM key store and a PEM trust store", () => {
    const k = loadKeyStore(p("srv.pem"), "pw");
    expect(pubOfKey(k.key)).toBe(pubOfCert(k.certChain[0]!));
    expect(() => loadKeyStore(p("srv.pem"), "bad")).toThrow(KeyStoreError);
    expect(loadTrustStore(p("ca.pem"), undefined).ca).toHaveLength(1);
  });

  it("reads PBES2 and legacy 3DES PKCS12 stores, the chain in order, and checks the MAC", () => {
    const k = loadKeyStore(p("srv.p12"), "pw");
    expect(k.certChain).toHaveLength(2);
    expect(new X509Certificate(k.certChain[1]!).subject).toBe("CN=Test CA");
    expect(pubOfKey(k.key)).toBe(pubOfCert(k.certChain[0]!));
    expect(pubOfKey(loadKeyStore(p("legacy.p12"), "pw").key)).toBe(pubOfKey(k.key));
    expect(() => parsePkcs12(readFileSync(p("srv.p12")), "wrong")).toThrow(/password was incorrect/);
  });

  it("builds Node server options from ssl.* settings with ZooKeeper's defaults", () => {
    const s = parseClientTlsSettings((k) => ({ "keyStore.location": p("srv.p12"), "keyStore.password": "pw", "trustStore.location": p("ca.pem") })[k]);
    expect(s.clientAuth).toBe("need");
    expect(s.enabledProtocols).toEqual(["TLSv1.2"]);
    const o = serverTlsOptions(s);
    expect(o.minVersion).toBe("TLSv1.2");
    expect(o.maxVersion).toBe("TLSv1.2");
    expect(o.requestCert).toBe(true);
    expect(o.rejectUnauthorized).toBe(true);
    expect(o.ciphers?.split(":")[0]).toBe("ECDHE-ECDSA-AES128-GCM-SHA256");
  });
});

describe("ssl.* settings", () => {
  it("takes the store type from the value or the file extension, as KeyStoreFileType", () => {
    expect(storeTypeOf(undefined, "/a/b.jks")).toBe("JKS");
    expect(storeTypeOf("", "/a/b.p12")).toBe("PKCS12");
    expect(storeTypeOf("pem", "/a/b.jks")).toBe("PEM");
    expect(() => storeTypeOf(undefined, "/a/b.pfx")).toThrow(/Unable to auto-detect/);
    expect(() => storeTypeOf("PKCS11", "/a/b.p12")).toThrow(/unknown key store type/);
  });

  it("maps Java cipher suite names and refuses unknown ones by name", () => {
    expect(toOpenSslCiphers(["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"])).toBe("ECDHE-RSA-AES256-GCM-SHA384:TLS_AES_128_GCM_SHA256");
    const get = (m: Record<string, string>) => (k: string) => m[k];
    try {
      parseClientTlsSettings(get({ ciphersuites: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_FANCY_NEW", clientAuth: "maybe" }));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TlsSettingsError);
      expect((e as TlsSettingsError).problems.join("\n")).toMatch(/ssl\.ciphersuites: .*TLS_FANCY_NEW/);
      expect((e as TlsSettingsError).problems.join("\n")).toMatch(/ssl\.clientAuth/);
    }
    expect(() => parseClientTlsSettings(get({ enabledProtocols: "TLSv1.1,TLSv1.3", ciphersuites: "TLS_AES_128_GCM_SHA256" }))).toThrow(/gap/);
    expect(() => parseClientTlsSettings(get({ protocol: "SSLv3" }))).toThrow(/unsupported protocol/);
    expect(() => parseClientTlsSettings(get({ protocol: "TLSv1.3" }))).toThrow(/no TLS 1.3 cipher suite/);
    const s = parseClientTlsSettings(get({ enabledProtocols: "TLSv1.2,TLSv1.3", clientAuth: "WANT" }));
    expect(s.clientAuth).toBe("want");
  });
});

describe.runIf(haveJava && haveOpenssl)("x509 ids as Java prints them (X500Principal.getName())", () => {
  const subjects = [
    "/CN=alice",
    "/C=DE/ST=Berlin/L=Berlin/O=Example, Inc./OU=Ops+Dev/CN=alice",
    "/CN=#hash; semi \"quoted\" <angle> back\\\\slash=eq",
    "/CN= leading and trailing /O=x",
    "/emailAddress=a@b.example/CN=with email",
    "/DC=org/DC=example/UID=u1/serialNumber=1234/title=Boss/CN=mixed",
    "/CN=Zoë Ünïcödé 東京",
    "/CN=multi+OU=valued/O=rdn",
  ];
  it("matches Java for special characters, unknown attributes, multi-valued RDNs and UTF-8", () => {
    const files: string[] = [];
    subjects.forEach((subj, i) => {
      const f = `s${i}.pem`;
      sh("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `s${i}.key`, "-out", f, "-days", "1", "-utf8", "-multivalue-rdn", "-subj", subj]);
      files.push(p(f));
    });
    const java = sh("java", [join(FIXTURES, "Subjects.java"), ...files]).split("\n").slice(0, files.length);
    const ours = files.map((f) => certificateSubject(new X509Certificate(readFileSync(f)).raw));
    expect(ours).toEqual(java);
  });
});
