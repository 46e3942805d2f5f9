import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../config.js";
import { parseJaas } from "@zkts/client-wire";

const base = "dataDir=/var/lib/zk\n";
const PROVIDER = "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n";
const JAAS = `/* zkts test */
Server {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_alice="alice-pw"
  user_admin='admin pw'; // the super user
};
Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="alice" password="alice-pw"; };
`;
const files: Record<string, string> = {
  "/etc/zk/jaas.conf": JAAS,
  "/etc/zk/krb.conf": `Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k" principal="zk/h@R"; };`,
  "/etc/zk/bad.conf": "Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_a=",
};
const readFile = (p: string) => {
  const t = files[p];
  if (t === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
  return t;
};
const parse = (text: string, env: Record<string, string> = {}) => parseConfig(base + text, { env, readFile });
const problems = (text: string, env: Record<string, string> = {}) => {
  try {
    parse(text, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError");
};
const flags = (f = "/etc/zk/jaas.conf", more = "") => ({ SERVER_JVMFLAGS: `-Xmx1g -Djava.security.auth.login.config=${f} ${more}` });

describe("JAAS files (ConfigFile syntax)", () => {
  it("sections, modules, flags, quoted and bare options, comments", () => {
    const s = parseJaas(JAAS);
    expect([...s.keys()]).toEqual(["Server", "Client"]);
    expect(s.get("Server")![0]!.loginModule).toBe("org.apache.zookeeper.server.auth.DigestLoginModule");
    expect(s.get("Server")![0]!.flag).toBe("required");
    expect([...s.get("Server")![0]!.options]).toEqual([
      ["user_alice", "alice-pw"],
      ["user_admin", "admin pw"],
    ]);
    expect(s.get("Client")![0]!.options.get("username")).toBe("alice");
  });
  it("refuses malformed files", () => {
    expect(() => parseJaas("Server { x required a=1 }")).toThrow(/expected an option name|expected ';'|found '}'/);
    expect(() => parseJaas("Server { x mandatory; };")).toThrow(/control flag/);
    expect(() => parseJaas('Server { x required a="b; };')).toThrow(/unterminated/);
    expect(() => parseJaas("Server { x required; }")).toThrow(/end of file/);
  });
});

describe("SASL settings (configureSaslLogin, SaslServerCallbackHandler, AuthenticationHelper)", () => {
  it("no JAAS file: no SASL, no provider, nothing enforced", () => {
    const c = parse("");
    expect(c.sasl).toBeUndefined();
    expect(c.saslAuthProvider).toBe(false);
    expect(c.enforceAuthSchemes).toBeUndefined();
  });
  it("the users of the Server section, zookeeper.superUser and the provider", () => {
    const c = parse(PROVIDER + "superUser=admin\n", flags());
    expect([...c.sasl!.users]).toEqual([
      ["alice", "alice-pw"],
      ["admin", "admin pw"],
    ]);
    expect(c.sasl!.superUser).toBe("admin");
    expect(c.sasl!.allowFailedClients).toBe(false);
    expect(c.saslAuthProvider).toBe(true);
    expect(parse("", flags("/etc/zk/jaas.conf", "-Dzookeeper.superUser=alice -Dzookeeper.authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider")).sasl!.superUser).toBe("alice");
    expect(parse("", flags("/etc/zk/jaas.conf", "-Dzookeeper.authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider")).saslAuthProvider).toBe(true);
    expect(parse("", { JVMFLAGS: "-Djava.security.auth.login.config=/etc/zk/jaas.conf" }).sasl!.users.size).toBe(2);
  });
  it("zookeeper.sasl.serverconfig names the section; a file without it means no SASL (with a warning)", () => {
    expect(parse("sasl.serverconfig=Client\n", flags()).sasl!.users.size).toBe(0);
    const c = parse("sasl.serverconfig=Nope\n", flags());
    expect(c.sasl).toBeUndefined();
    expect(c.warnings.join("\n")).toMatch(/no section 'Nope'/);
  });
  it("an unreadable or malformed JAAS file, Kerberos and other login modules stop start-up", () => {
    expect(problems("", flags("/etc/zk/missing.conf"))[0]).toMatch(/No JAAS configuration section named 'Server'.*ENOENT/);
    expect(problems("", flags("/etc/zk/bad.conf"))[0]).toMatch(/No JAAS configuration section named 'Server'/);
    expect(problems("", flags("/etc/zk/krb.conf"))[0]).toMatch(/Krb5LoginModule: zkts has no Kerberos \(GSSAPI\)/);
  });
  it("enforce.auth: schemes must be given and registered; sessionRequireClientSASLAuth means sasl", () => {
    expect(parse(PROVIDER + "enforce.auth.enabled=true\nenforce.auth.schemes=sasl, digest\n", flags()).enforceAuthSchemes).toEqual(["sasl", "digest"]);
    expect(parse(PROVIDER + "sessionRequireClientSASLAuth=true\n", flags()).enforceAuthSchemes).toEqual(["sasl"]);
    expect(parse("enforce.auth.enabled=false\nenforce.auth.schemes=sasl\n").enforceAuthSchemes).toBeUndefined();
    expect(problems("enforce.auth.enabled=true\n")).toEqual([
      "zoo.cfg: zookeeper.enforce.auth.enabled is true zookeeper.enforce.auth.schemes must be  configured.",
    ]);
    expect(problems("enforce.auth.enabled=true\nenforce.auth.schemes=sasl\n", flags())[0]).toMatch(/^zoo\.cfg:3: Authentication scheme sasl is not available\./);
    expect(problems("enforce.auth.enabled=true\nenforce.auth.schemes=x509\n")[0]).toMatch(/Authentication scheme x509 is not available/);
    expect(parse("", { SERVER_JVMFLAGS: "-Dzookeeper.enforce.auth.enabled=true -Dzookeeper.enforce.auth.schemes=digest" }).enforceAuthSchemes).toEqual(["digest"]);
  });
  it("allowSaslFailedClients", () => {
    expect(parse("allowSaslFailedClients=true\n", flags()).sasl!.allowFailedClients).toBe(true);
  });
});
