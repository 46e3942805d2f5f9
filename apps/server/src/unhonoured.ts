/**
 * zoo.cfg keys zkts knows but cannot honour: refused at start-up (exit 2, as ZooKeeper's ConfigException) with a
 * message naming the key, instead of being accepted and silently ignored. A key set to the value zkts behaves as
 * (e.g. `localSessionsEnabled=false`) is accepted. `admin.*` and `metricsProvider.*` are not
 * judged here. Keys spelled with ZooKeeper's `zookeeper.` system-property prefix are judged like the bare key.
 */
import { CLIENT_SSL_DEFAULT_ONLY, CLIENT_SSL_KEYS } from "@zkts/tls";
import type { PropertyEntry } from "./properties.js";

/** A refusal: undefined when the value is one zkts honours, else the reason. */
type Rule = (value: string) => string | undefined;

const isFalse = (v: string) => v.trim().toLowerCase() === "false";
const isTrue = (v: string) => v.trim().toLowerCase() === "true";

const always =
  (why: string): Rule =>
  () =>
    why;
// Booleans as ZooKeeper reads them (Boolean.parseBoolean: only "true", any case, is true); values that are not
// booleans at all are reported by parseConfig for the keys it types.
const unlessFalse =
  (why: string): Rule =>
  (v) =>
    isTrue(v) ? why : undefined;
const unlessTrue =
  (why: string): Rule =>
  (v) =>
    isFalse(v) ? why : undefined;

const NO_SASL = "zkts has no Kerberos (its SASL, on the client port and between members, is DIGEST-MD5 only)";

/** Exact keys. */
const RULES: Record<string, Rule> = {
  clientPortListenBacklog: always("zkts does not set the client port's listen backlog from zoo.cfg yet"),
  localSessionsEnabled: unlessFalse("zkts has no local sessions yet (every session is global)"),
  localSessionsUpgradingEnabled: unlessFalse("zkts has no local sessions yet (every session is global)"),
  syncEnabled: unlessTrue("zkts observers always log txns to disk (syncEnabled=true)"),
  quorumListenOnAllIPs: unlessFalse("zkts binds the quorum and election ports to the address of this server's server.N line"),
  connectToLearnerMasterLimit: always("zkts has no observer masters and does not use connectToLearnerMasterLimit"),
  "multiAddress.enabled": unlessFalse("zkts takes one address per server.N line"),
  requireClientAuthScheme: always(NO_SASL),
};

/** The `quorum.auth.*` keys zkts honours (quorum SASL with DIGEST-MD5); the others (Kerberos) are refused. */
const QUORUM_AUTH_KEYS = new Set([
  "quorum.auth.enableSasl",
  "quorum.auth.learnerRequireSasl",
  "quorum.auth.serverRequireSasl",
  "quorum.auth.learner.saslLoginContext",
  "quorum.auth.server.saslLoginContext",
]);

/** The authentication providers zkts has built in (registering them again changes nothing; x509 is registered so). */
const BUILT_IN_AUTH = new Set([
  "org.apache.zookeeper.server.auth.DigestAuthenticationProvider",
  "org.apache.zookeeper.server.auth.IPAuthenticationProvider",
  "org.apache.zookeeper.server.auth.X509AuthenticationProvider",
  "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
]);

/** The client port's `ssl.*` keys zkts reads (@zkts/tls), and those it takes only with ZooKeeper's default. */
const CLIENT_SSL = new Set(CLIENT_SSL_KEYS);

/** `ssl.<rest>`: honoured for the client port (and as `ssl.quorum.<rest>` between members), or why not. */
function sslReason(rest: string, value: string, prefix = "ssl."): string | undefined {
  if (prefix === "ssl." && rest.startsWith("quorum.")) return sslReason(rest.slice("quorum.".length), value, "ssl.quorum.");
  if (rest === "authProvider") {
    return value.trim() === "x509" ? undefined : "zkts's only X509 authentication provider is the built-in x509 scheme";
  }
  if (CLIENT_SSL.has(rest)) return undefined;
  const def = CLIENT_SSL_DEFAULT_ONLY[rest];
  if (def !== undefined) return value.trim().toLowerCase() === def ? undefined : `zkts does not do ${prefix}${rest} checks; only ${def} is accepted`;
  return `zkts does not support ${prefix}${rest} (it honours ${prefix}${[...CLIENT_SSL].join(`, ${prefix}`)})`;
}

/** Key prefixes. */
const PREFIX_RULES: [string, Rule][] = [
  ["quorum.auth.", always(NO_SASL)],

  ["authProvider.", (v) => (BUILT_IN_AUTH.has(v.trim()) ? undefined : "zkts has only the digest, ip, x509 and sasl authentication providers")],
];

/** Why zkts cannot honour `key=value`, or undefined when it can (or the key is not one it judges). */
export function unhonouredReason(key: string, value: string): string | undefined {
  const bare = key.startsWith("zookeeper.") ? key.slice("zookeeper.".length) : key;
  if (bare.startsWith("ssl.")) return sslReason(bare.slice(4), value);
  if (QUORUM_AUTH_KEYS.has(bare)) return undefined;
  const rule = RULES[bare] ?? PREFIX_RULES.find(([p]) => bare.startsWith(p))?.[1];
  return rule?.(value);
}

/** Every entry zkts cannot honour, as `<file>:<line>: <key>=<value> is not supported: <reason>`. */
export function unhonouredKeys(entries: Iterable<PropertyEntry>, file: string): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const why = unhonouredReason(e.key, e.value);
    if (why === undefined) continue;
    const shown = /pass(word|wd)?|secret/i.test(e.key) ? e.key : `${e.key}=${e.value}`;
    out.push(`${file}:${e.line}: ${shown} is not supported: ${why}`);
  }
  return out;
}
