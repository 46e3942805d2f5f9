/**
 * Certificates for TLS tests, made with openssl and keytool in a directory of the test's: CAs, certificates they
 * sign (with subject alternative names), each as PEM key + certificate, a PEM store (key then certificate), PKCS12
 * and JKS key stores, and trust stores holding a CA. Every server and client under test (zkts, Apache ZooKeeper,
 * zkCli.sh, kazoo, @zkts/client) reads one of these forms.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** openssl and keytool are on the machine (the TLS tests skip, saying so, without them). */
export const pkiToolsAvailable = existsSync("/usr/bin/openssl") && existsSync("/usr/bin/keytool");

export class TestPki {
  constructor(
    readonly dir: string,
    /** The password of every key and trust store made here. */
    readonly password = "changeit",
  ) {}

  /** `<dir>/<file>`. */
  path(file: string): string {
    return join(this.dir, file);
  }

  /** A self-signed CA: `<name>.key`, `<name>.pem`. */
  ca(name: string): void {
    this.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=${name}`]);
  }

  /**
   * A certificate for `subject` (e.g. "/CN=alice/O=zkts") signed by `ca`, with `san` (e.g.
   * "IP:127.0.0.1,DNS:localhost") when given: `<name>.key`, `<name>.pem`, `<name>-store.pem` (key + certificate),
   * `<name>.p12` and `<name>.jks`.
   */
  issue(name: string, subject: string, opts: { ca?: string; san?: string } = {}): void {
    const ca = opts.ca ?? "ca";
    this.run("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
    if (opts.san !== undefined) writeFileSync(this.path(`${name}.ext`), `subjectAltName=${opts.san}\n`);
    this.run("openssl", ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", ...(opts.san !== undefined ? ["-extfile", `${name}.ext`] : [])]);
    this.run("openssl", ["pkcs12", "-export", "-in", `${name}.pem`, "-inkey", `${name}.key`, "-out", `${name}.p12`, "-passout", `pass:${this.password}`, "-name", name]);
    this.run("keytool", ["-importkeystore", "-srckeystore", `${name}.p12`, "-srcstoretype", "PKCS12", "-srcstorepass", this.password, "-destkeystore", `${name}.jks`, "-deststoretype", "JKS", "-deststorepass", this.password]);
    writeFileSync(this.path(`${name}-store.pem`), readFileSync(this.path(`${name}.key`), "utf8") + readFileSync(this.path(`${name}.pem`), "utf8"));
  }

  /** A trust store holding CA `ca`'s certificate: `file` of `type` (PKCS12 or JKS). */
  trustStore(file: string, type: "PKCS12" | "JKS", ca = "ca"): void {
    this.run("keytool", ["-importcert", "-noprompt", "-alias", ca, "-file", `${ca}.pem`, "-storetype", type, "-keystore", file, "-storepass", this.password]);
  }

  /** Runs a tool in the directory (30 s at most). */
  run(file: string, args: string[]): Buffer {
    return execFileSync(file, args, { cwd: this.dir, stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
  }
}
