/**
 * The client configuration zkCli.sh builds (ZKClientConfig): Java system properties from the JVM flags
 * (CLIENT_JVMFLAGS then JVMFLAGS, as zkCli.sh passes them; `-D` arguments given to zkcli last), overridden by the
 * properties file of `-client-configuration` (ZKConfig reads the file after the system properties). From them,
 * `zookeeper.client.secure` and `zookeeper.ssl.*` become the client's TLS options (the rules for those keys are in
 * @zkts/tls), and the JAAS file of `java.security.auth.login.config` with `zookeeper.sasl.*` the SASL login.
 */
import { readFileSync } from "node:fs";
import type { ClientSaslOptions, ClientTlsOptions } from "@zkts/client";
import { parseJaas } from "@zkts/client-wire";
import { clientSecureFromProperties, clientTlsSettingsFromProperties } from "@zkts/tls";

/** `-Dkey=value` words of a JVM flags string (split on whitespace, as the shell does for `$JVMFLAGS`). */
export function systemPropertiesOf(words: readonly string[], into: Map<string, string> = new Map()): Map<string, string> {
  for (const w of words) {
    if (!w.startsWith("-D") || w.length <= 2) continue;
    const eq = w.indexOf("=");
    if (eq < 0) into.set(w.slice(2), "");
    else into.set(w.slice(2, eq), w.slice(eq + 1));
  }
  return into;
}

/** java.util.Properties#load: `key=value`, `key: value` or `key value`, # and ! comments, `\` continuations and escapes. */
export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, "");
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, "");
    let k = 0;
    let key = "";
    for (; k < line.length; k++) {
      const c = line[k]!;
      if (c === "\\" && k + 1 < line.length) key += line[++k];
      else if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") break;
      else key += c;
    }
    let rest = line.slice(k).replace(/^[ \t\f]*/, "");
    if (rest.startsWith("=") || rest.startsWith(":")) rest = rest.slice(1).replace(/^[ \t\f]*/, "");
    const value = rest.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) =>
      e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : ({ t: "\t", n: "\n", r: "\r", f: "\f" } as Record<string, string>)[e] ?? e,
    );
    out.set(key, value);
  }
  return out;
}

export interface ClientConfigSources {
  /** `-D` words given to zkcli. */
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** `-client-configuration` file. */
  configFile: string | undefined;
}

/** The effective properties: JVM flags from the environment, then zkcli's `-D` arguments, then the file. */
export function clientProperties(src: ClientConfigSources): Map<string, string> {
  const words = (s: string | undefined) => (s ?? "").split(/\s+/).filter((w) => w !== "");
  const props = systemPropertiesOf([...words(src.env.CLIENT_JVMFLAGS), ...words(src.env.JVMFLAGS), ...src.args]);
  if (src.configFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(src.configFile, "utf8");
    } catch (e) {
      // ZKConfig: "File <path> not found" as a ConfigException
      throw new Error(`org.apache.zookeeper.server.quorum.QuorumPeerConfig$ConfigException: File ${src.configFile} not found (${(e as Error).message})`);
    }
    for (const [k, v] of parseJavaProperties(text)) props.set(k.trim(), v.trim());
  }
  return props;
}

/** TLS options when `zookeeper.client.secure=true`, else undefined. Throws naming a bad key. */
export function tlsFromProperties(props: ReadonlyMap<string, string>): ClientTlsOptions | undefined {
  const get = (k: string) => props.get(k);
  if (!clientSecureFromProperties(get)) return undefined;
  const s = clientTlsSettingsFromProperties(get); // validates every zookeeper.ssl.* value
  const store = (x: typeof s.keyStore) => (x === undefined ? undefined : { location: x.location, password: x.password, type: x.type });
  return {
    keyStore: store(s.keyStore),
    trustStore: store(s.trustStore),
    protocol: s.protocol,
    enabledProtocols: [...s.enabledProtocols],
    cipherSuites: [...s.cipherSuites],
    hostnameVerification: s.hostnameVerification,
  };
}

export const DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule";

/**
 * The SASL login zkCli.sh's client would make (ZKClientConfig, ZooKeeperSaslClient, DigestLoginModule):
 * - `zookeeper.sasl.client=false`: none.
 * - the JAAS file (`java.security.auth.login.config`) and its section `zookeeper.sasl.clientconfig` (default
 *   `Client`): DigestLoginModule's `username` and `password`, DIGEST-MD5.
 * - neither a JAAS file nor an explicit section: none, silently.
 * - a JAAS file that cannot be read or lacks the section, or an explicit section with no file: the login fails
 *   before connecting (`loginFailed`: zkCli.sh then shows an AuthFailed event and goes on without SASL).
 * `zookeeper.server.principal`, `zookeeper.server.realm` and `zookeeper.sasl.client.username` only name the
 * Kerberos service principal: DIGEST-MD5 uses ZooKeeper's fixed protocol and server name, so they change nothing.
 * A section with another login module (Kerberos) throws: zkcli has no GSSAPI, and says so.
 */
export function saslFromProperties(
  props: ReadonlyMap<string, string>,
  readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): { sasl?: ClientSaslOptions; loginFailed?: string } {
  if ((props.get("zookeeper.sasl.client") ?? "true").trim().toLowerCase() === "false") return {};
  const file = props.get("java.security.auth.login.config");
  const explicit = props.get("zookeeper.sasl.clientconfig");
  const section = explicit ?? "Client";
  if (file === undefined) {
    return explicit === undefined ? {} : { loginFailed: `Client cannot SASL-authenticate because the specified JAAS configuration section '${section}' could not be found.` };
  }
  let sections: ReturnType<typeof parseJaas>;
  try {
    sections = parseJaas(readFile(file));
  } catch (e) {
    return { loginFailed: `Zookeeper client cannot authenticate using the '${section}' section of the supplied JAAS configuration: '${file}' because of a RuntimeException: ${(e as Error).message}` };
  }
  const entries = sections.get(section);
  if (entries === undefined) return { loginFailed: `No JAAS configuration section named '${section}' was found in specified JAAS configuration file: '${file}'.` };
  for (const e of entries) {
    if (e.loginModule !== DIGEST_LOGIN_MODULE) {
      throw new Error(`${file}: section '${section}' uses ${e.loginModule}: zkcli logs in only with ${DIGEST_LOGIN_MODULE} (SASL DIGEST-MD5); Kerberos (GSSAPI) is not supported`);
    }
  }
  const username = entries.map((e) => e.options.get("username")).find((v) => v !== undefined);
  const password = entries.map((e) => e.options.get("password")).find((v) => v !== undefined);
  if (username === undefined || password === undefined) {
    throw new Error(`${file}: section '${section}': ${DIGEST_LOGIN_MODULE} needs username="..." and password="..."`);
  }
  return { sasl: { mechanism: "DIGEST-MD5", username, password } };
}
