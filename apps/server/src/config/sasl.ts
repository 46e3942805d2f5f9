/**
 * SASL on the client port, read as ZooKeeper 3.8 reads it: the JAAS file from `-Djava.security.auth.login.config=`
 * (SERVER_JVMFLAGS / JVMFLAGS), its section `zookeeper.sasl.serverconfig` (default `Server`) with
 * DigestLoginModule's `user_<name>="<password>"` options (ServerCnxnFactory.configureSaslLogin,
 * SaslServerCallbackHandler); `zookeeper.superUser`; `zookeeper.allowSaslFailedClients`; the
 * SASLAuthenticationProvider registered by an `authProvider.N` line; and AuthenticationHelper's
 * `enforce.auth.enabled` / `enforce.auth.schemes` / `sessionRequireClientSASLAuth`. System properties come from
 * zoo.cfg (bare or `zookeeper.`-prefixed, as QuorumPeerConfig sets them) before the JVM flags.
 */
import { readFileSync } from "node:fs";
import { jvmSystemProperty } from "./auth.js";
import { JaasSyntaxError, parseJaas } from "@zkts/client-wire";
import type { ConfigReader } from "./reader.js";
import type { ZkConfig } from "./types.js";

export const SASL_PROVIDER = "org.apache.zookeeper.server.auth.SASLAuthenticationProvider";
export const DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule";
const KRB5_LOGIN_MODULE = "com.sun.security.auth.module.Krb5LoginModule";

export type SaslValues = Pick<ZkConfig, "sasl" | "saslAuthProvider" | "enforceAuthSchemes">;

/** The JAAS file named by `-Djava.security.auth.login.config=` in SERVER_JVMFLAGS, else JVMFLAGS. */
function jaasFileOf(env: Record<string, string | undefined>): { file: string; where: string } | undefined {
  for (const v of ["SERVER_JVMFLAGS", "JVMFLAGS"]) {
    const f = jvmSystemProperty(env[v] ?? "", "java.security.auth.login.config");
    if (f !== undefined) return { file: f, where: `environment ${v}` };
  }
  return undefined;
}

/**
 * SASL between members (QuorumPeerConfig / QuorumAuth): `quorum.auth.enableSasl`, `quorum.auth.learnerRequireSasl`,
 * `quorum.auth.serverRequireSasl` (with ZooKeeper's consistency checks), and the JAAS sections
 * `quorum.auth.server.saslLoginContext` (default QuorumServer: DigestLoginModule `user_<name>` options, the peers
 * this member accepts) and `quorum.auth.learner.saslLoginContext` (default QuorumLearner: `username`/`password`,
 * what this member presents). DIGEST-MD5 only: a Kerberos module stops start-up.
 */
export function readQuorumSasl(
  r: ConfigReader,
  env: Record<string, string | undefined>,
  readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): ZkConfig["quorumSasl"] {
  const enabled = r.bool("quorum.auth.enableSasl", false);
  const learnerRequire = r.bool("quorum.auth.learnerRequireSasl", false);
  const serverRequire = r.bool("quorum.auth.serverRequireSasl", false);
  const problem = (key: string, msg: string) => {
    const e = r.get(key);
    r.problems.push(`${e ? r.at(e) : r.file}: ${msg}`);
  };
  if (!enabled && serverRequire) problem("quorum.auth.serverRequireSasl", "quorum.auth.enableSasl is disabled, so cannot enable quorum.auth.serverRequireSasl");
  if (!enabled && learnerRequire) problem("quorum.auth.learnerRequireSasl", "quorum.auth.enableSasl is disabled, so cannot enable quorum.auth.learnerRequireSasl");
  if (!learnerRequire && serverRequire) problem("quorum.auth.serverRequireSasl", "quorum.auth.learnerRequireSasl is disabled, so cannot enable quorum.auth.serverRequireSasl");
  if (!enabled) return undefined;
  const serverSection = r.str("quorum.auth.server.saslLoginContext") ?? "QuorumServer";
  const learnerSection = r.str("quorum.auth.learner.saslLoginContext") ?? "QuorumLearner";
  const jaas = jaasFileOf(env);
  if (jaas === undefined) {
    problem("quorum.auth.enableSasl", "quorum.auth.enableSasl=true needs a JAAS file (-Djava.security.auth.login.config=... in SERVER_JVMFLAGS) with the QuorumServer and QuorumLearner sections");
    return undefined;
  }
  let sections: ReturnType<typeof parseJaas>;
  try {
    sections = parseJaas(readFile(jaas.file));
  } catch (e) {
    const why = e instanceof JaasSyntaxError ? e.message : (e as Error).message;
    r.problems.push(`${jaas.where}: java.security.auth.login.config=${jaas.file}: ${why}`);
    return undefined;
  }
  const section = (name: string) => {
    const entries = sections.get(name);
    if (entries === undefined) {
      r.problems.push(`${jaas.file}: SASL-authentication failed because the specified JAAS configuration section '${name}' could not be found.`);
      return undefined;
    }
    for (const en of entries) {
      if (en.loginModule !== DIGEST_LOGIN_MODULE) {
        r.problems.push(`${jaas.file}: section '${name}' uses ${en.loginModule}: zkts's quorum SASL takes only ${DIGEST_LOGIN_MODULE} (DIGEST-MD5; no Kerberos)`);
      }
    }
    return entries;
  };
  const serverEntries = section(serverSection);
  const learnerEntries = section(learnerSection);
  if (serverEntries === undefined || learnerEntries === undefined) return undefined;
  const users = new Map<string, string>();
  for (const en of serverEntries) for (const [k, v] of en.options) if (k.startsWith("user_")) users.set(k.slice("user_".length), v);
  const username = learnerEntries.map((e) => e.options.get("username")).find((v) => v !== undefined);
  const password = learnerEntries.map((e) => e.options.get("password")).find((v) => v !== undefined);
  if (username === undefined || password === undefined) {
    r.problems.push(`${jaas.file}: section '${learnerSection}': ${DIGEST_LOGIN_MODULE} needs username="..." and password="..."`);
    return undefined;
  }
  return { learnerRequire, serverRequire, users, username, password, source: `${jaas.file} sections ${serverSection}, ${learnerSection}` };
}

/** Every `-Dname=value` in a JVM flags string. */
function jvmProperties(flags: string): [string, string][] {
  const tokens = flags.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  const out: [string, string][] = [];
  for (const t of tokens) {
    const unq = t.replace(/"([^"]*)"|'([^']*)'/g, (_m, a: string | undefined, b: string | undefined) => a ?? b ?? "");
    const m = /^-D([^=]+)=(.*)$/s.exec(unq);
    if (m) out.push([m[1]!, m[2]!]);
  }
  return out;
}

export function readSasl(
  r: ConfigReader,
  env: Record<string, string | undefined>,
  x509AuthProvider: boolean,
  readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): SaslValues {
  const flagSets = ["SERVER_JVMFLAGS", "JVMFLAGS"].map((v) => [v, env[v] ?? ""] as const);
  /** A `zookeeper.<name>` system property: zoo.cfg first, then the JVM flags. */
  const sysProp = (name: string): { value: string; where: string } | undefined => {
    const e = r.prop(name);
    if (e !== undefined) return { value: e.value, where: r.at(e) };
    for (const [v, flags] of flagSets) {
      const d = jvmSystemProperty(flags, `zookeeper.${name}`);
      if (d !== undefined) return { value: d, where: `environment ${v}` };
    }
    return undefined;
  };
  const isTrue = (name: string) => sysProp(name)?.value.trim().toLowerCase() === "true";

  // ProviderRegistry: authProvider.N lines in zoo.cfg or -Dzookeeper.authProvider.N in the flags
  let saslAuthProvider = false;
  for (const e of r.entries()) if (/^(zookeeper\.)?authProvider\./.test(e.key) && e.value.trim() === SASL_PROVIDER) saslAuthProvider = true;
  for (const [, flags] of flagSets) {
    for (const [k, v] of jvmProperties(flags)) if (k.startsWith("zookeeper.authProvider.") && v.trim() === SASL_PROVIDER) saslAuthProvider = true;
  }

  // AuthenticationHelper
  let enforceAuthSchemes: string[] | undefined;
  if (isTrue("sessionRequireClientSASLAuth")) enforceAuthSchemes = ["sasl"];
  else if (isTrue("enforce.auth.enabled")) {
    const schemes = sysProp("enforce.auth.schemes");
    enforceAuthSchemes = schemes === undefined ? [] : schemes.value.split(",").map((s) => s.trim());
    if (schemes === undefined) {
      r.problems.push(`${r.file}: zookeeper.enforce.auth.enabled is true zookeeper.enforce.auth.schemes must be  configured.`);
    }
    const registered = new Set(["ip", "digest", ...(x509AuthProvider ? ["x509"] : []), ...(saslAuthProvider ? ["sasl"] : [])]);
    for (const s of enforceAuthSchemes) {
      if (!registered.has(s)) {
        r.problems.push(
          `${schemes!.where}: Authentication scheme ${s} is not available.` +
            (s === "sasl" ? ` (register it: authProvider.1=${SASL_PROVIDER})` : ""),
        );
      }
    }
  }

  const jaas = (() => {
    for (const [v, flags] of flagSets) {
      const f = jvmSystemProperty(flags, "java.security.auth.login.config");
      if (f !== undefined) return { file: f, where: `environment ${v}` };
    }
    return undefined;
  })();
  const section = sysProp("sasl.serverconfig")?.value ?? "Server";
  let sasl: ZkConfig["sasl"];
  if (jaas !== undefined) {
    let sections: ReturnType<typeof parseJaas> | undefined;
    try {
      sections = parseJaas(readFile(jaas.file));
    } catch (e) {
      const why = e instanceof JaasSyntaxError ? e.message : (e as Error).message;
      r.problems.push(`${jaas.where}: java.security.auth.login.config=${jaas.file}: No JAAS configuration section named '${section}' was found in '${jaas.file}' (${why})`);
    }
    const entries = sections?.get(section);
    if (sections !== undefined && entries === undefined) {
      // configureSaslLogin: a readable file without the section means no SASL login (ZooKeeper carries on)
      r.warnings.push(`${jaas.where}: the JAAS file ${jaas.file} has no section '${section}': SASL is off`);
    }
    if (entries !== undefined) {
      const users = new Map<string, string>();
      for (const en of entries) {
        if (en.loginModule === KRB5_LOGIN_MODULE) {
          r.problems.push(`${jaas.file}: section '${section}' uses ${KRB5_LOGIN_MODULE}: zkts has no Kerberos (GSSAPI) SASL; only DIGEST-MD5 with ${DIGEST_LOGIN_MODULE}`);
        } else if (en.loginModule !== DIGEST_LOGIN_MODULE) {
          r.problems.push(`${jaas.file}: section '${section}' uses ${en.loginModule}: zkts's SASL server takes only ${DIGEST_LOGIN_MODULE} (DIGEST-MD5)`);
        }
        for (const [k, v] of en.options) if (k.startsWith("user_")) users.set(k.slice("user_".length), v);
      }
      sasl = {
        users,
        source: `${jaas.file} section ${section}`,
        superUser: sysProp("superUser")?.value,
        allowFailedClients: isTrue("allowSaslFailedClients"),
      };
    }
  }
  return { sasl, saslAuthProvider, enforceAuthSchemes };
}
